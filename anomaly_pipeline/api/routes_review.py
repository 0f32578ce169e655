"""Transactions: filtered and sorted pages, the anomalies (the rows `anomaly-pipeline anomalies` prints),
and one transaction explained."""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from anomaly_pipeline.api.auth import require_key
from anomaly_pipeline.api.models import (
    Anomaly,
    AnomalyPage,
    Transaction,
    TransactionDetail,
    TransactionPage,
    problems,
)
from anomaly_pipeline.app import results
from anomaly_pipeline.jsonable import jsonable
from anomaly_pipeline.settings import get_settings

router = APIRouter(tags=["transactions"], dependencies=[Depends(require_key)],
                   responses=problems(400, 401, 422, 503))
MAX_PAGE = 500
NAME = r"^[a-z][a-z0-9_-]{0,63}$"
UPLOAD = Query(None, pattern=r"^[0-9a-f]{1,32}$", description="upload id")
STRATEGY = Query(None, pattern=NAME, description="strategy (default DEFAULT_STRATEGY)")
LIMIT = Query(100, ge=1, le=MAX_PAGE, description=f"rows per page, at most {MAX_PAGE}")
OFFSET = Query(0, ge=0, le=10**9)
BOUND = 1e15  # amounts are numeric(18, 2)


def _key(row: dict[str, Any]) -> str:
    return results.transaction_key(row["upload_id"], int(row["transaction_id"]))


def anomaly_items(upload_id: str | None, strategy: str, limit: int, offset: int) -> tuple[list[Anomaly], bool]:
    frame = results.anomalies(upload_id, strategy, limit=limit + 1, offset=offset)
    rows = jsonable(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"))
    return [Anomaly(id=_key(r), **{**r, "reasons": results.reasons_list(r["reasons"])}) for r in rows[:limit]], \
        len(rows) > limit


@router.get("/transactions", response_model=TransactionPage)
def transactions(upload_id: str | None = UPLOAD, account: str | None = Query(None, max_length=200),
                 date_from: date | None = None, date_to: date | None = None,
                 amount_min: float | None = Query(None, ge=-BOUND, le=BOUND),
                 amount_max: float | None = Query(None, ge=-BOUND, le=BOUND),
                 user: str | None = Query(None, max_length=200),
                 text: str | None = Query(None, max_length=200, description="part of the description"),
                 min_risk: float | None = Query(None, ge=0, le=1), is_anomaly: bool | None = None,
                 strategy: str | None = STRATEGY,
                 sort: str = Query("id", pattern=r"^-?(risk|date|amount|id)$",
                                   description="id (file order, from the primary key), risk, date or amount; - in "
                                               "front for descending. Sorts other than id read the whole "
                                               "filtered set; /transactions/anomalies gives the strongest first "
                                               "from an index"),
                 limit: int = LIMIT, offset: int = OFFSET) -> TransactionPage:
    """Transactions (removed #BTRANS lines excluded) with their risk under a strategy, filtered, sorted, paged."""
    where = results.TransactionFilter(upload_id=upload_id, account=account, date_from=date_from,
                                      date_to=date_to, amount_min=amount_min, amount_max=amount_max, user=user,
                                      text=text, min_risk=min_risk, is_anomaly=is_anomaly)
    rows, has_more = results.transactions(where, strategy, sort, limit, offset)
    items = [Transaction(id=_key(r), **{**jsonable(r), "reasons": results.reasons_list(r["reasons"])}) for r in rows]
    return TransactionPage(strategy=strategy or get_settings().default_strategy, items=items, limit=limit,
                           offset=offset, has_more=has_more)


@router.get("/transactions/anomalies", response_model=AnomalyPage, responses=problems(404))
def anomalies(upload_id: str | None = UPLOAD, strategy: str | None = STRATEGY, limit: int = LIMIT,
              offset: int = OFFSET) -> AnomalyPage:
    """The flagged transactions, strongest first, with reasons: the rows `anomaly-pipeline anomalies` prints.
    404 (as the CLI's error) for an unknown upload or strategy, or a strategy not yet run on the upload."""
    name = strategy or get_settings().default_strategy
    items, has_more = anomaly_items(upload_id, name, limit, offset)
    if not items and not offset:  # nothing: say why when the question names nothing (100 ms: only then)
        results.require_results(upload_id, strategy)
    strategy = name
    return AnomalyPage(strategy=strategy, items=items, limit=limit, offset=offset, has_more=has_more)


@router.get("/transactions/{transaction_id}", response_model=TransactionDetail, responses=problems(404))
def transaction(transaction_id: str = Path(max_length=64, description="<upload_id>-<transaction_id>"),
                strategy: str | None = STRATEGY) -> TransactionDetail:
    """Every canonical field, the raw source record, each algorithm's score and reason, rule flags, risk and
    voucher risk, and the voucher's other lines."""
    detail = results.transaction(transaction_id, strategy)
    fields = jsonable(detail["transaction"])
    raw = fields.pop("raw", None)
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):  # else kept as the text it is
            raw = json.loads(raw)
    risk = detail["risk"] and {**detail["risk"], "reasons": results.reasons_list(detail["risk"]["reasons"])}
    return TransactionDetail(id=transaction_id, strategy=detail["strategy"], transaction=fields, raw=raw,
                             risk=risk, algorithms=detail["algorithms"],
                             voucher_lines=jsonable(detail["voucher_lines"]))
