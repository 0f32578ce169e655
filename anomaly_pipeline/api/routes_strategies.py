"""Strategies: list, show, create, update (a new version; presets are read-only), preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from anomaly_pipeline.api.auth import require_key
from anomaly_pipeline.api.models import (
    StrategyCreate,
    StrategyDocument,
    StrategyStored,
    StrategySummary,
    problems,
)
from anomaly_pipeline.app import strategies

router = APIRouter(tags=["strategies"], dependencies=[Depends(require_key)],
                   responses=problems(400, 401, 422, 503))
STRATEGY_ID = Path(max_length=64, description="the strategy's name")


def _stored(name: str, version: int) -> StrategyStored:
    return StrategyStored(**strategies.describe(name, version))


@router.get("/strategies", response_model=list[StrategySummary])
def list_strategies() -> list[dict[str, Any]]:
    """Every strategy's newest version, presets first."""
    return strategies.list_strategies()


@router.get("/strategies/{strategy_id}", response_model=StrategyStored, responses=problems(404))
def show(strategy_id: str = STRATEGY_ID, version: int | None = Query(None, ge=1, le=10**6)) -> StrategyStored:
    """One strategy (newest or given version) with its settings and version history."""
    return StrategyStored(**strategies.describe(strategy_id, version))


@router.post("/strategies", status_code=201, response_model=StrategyStored, responses=problems(409))
def create(body: StrategyCreate) -> StrategyStored:
    """Store a new strategy (version 1). 409 when the name exists; 422 naming the invalid field."""
    strategy = strategies.create(body.name, body.model_dump(exclude_none=True))
    return _stored(strategy.name, strategy.version)


@router.put("/strategies/{strategy_id}", response_model=StrategyStored, responses=problems(404, 409))
def update(body: StrategyDocument, strategy_id: str = STRATEGY_ID) -> StrategyStored:
    """Store the document as the strategy's next version. Presets are read-only (409)."""
    strategy = strategies.update(strategy_id, {**body.model_dump(exclude_none=True), "name": strategy_id})
    return _stored(strategy.name, strategy.version)


@router.get("/strategies/{strategy_id}/preview", response_model=dict[str, Any], responses=problems(404))
def preview(strategy_id: str = STRATEGY_ID, upload: list[str] | None = Query(None, max_length=100),
            all: bool = Query(False, description="every loaded upload (default: the most recent)"),  # noqa: A002
            version: int | None = Query(None, ge=1, le=10**6),
            against: str | None = Query(None, max_length=64, description="default DEFAULT_STRATEGY"),
            examples: int = Query(10, ge=0, le=100)) -> dict[str, Any]:
    """What the strategy would flag on loaded uploads compared with the current results (the JSON
    `strategies preview --format json` prints); computed in memory, nothing written."""
    from anomaly_pipeline.jsonable import jsonable

    return jsonable(strategies.preview(strategy_id, version=version, uploads=upload or None, all_uploads=all,
                                       against=against, examples=examples))
