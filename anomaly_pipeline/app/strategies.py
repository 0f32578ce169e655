"""Strategies: list, show, create, update, delete, export, preview, and apply (rescore loaded uploads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import Conflict, Invalid, NotFound
from anomaly_pipeline.strategies import store
from anomaly_pipeline.strategies.model import (
    Strategy,
    StrategyConflict,
    StrategyError,
    StrategyNotFound,
    parse_strategy,
)
from anomaly_pipeline.strategies.preview import PreviewError, preview_strategy, select_uploads


@contextmanager
def translated() -> Iterator[None]:
    """The strategy layer's errors as the application's: not found, conflict, invalid (naming the field)."""
    try:
        yield
    except StrategyNotFound as exc:
        raise NotFound(str(exc)) from None
    except StrategyConflict as exc:
        raise Conflict(str(exc)) from None
    except StrategyError as exc:
        raise Invalid(str(exc)) from None
    except PreviewError as exc:
        raise (NotFound if str(exc).startswith("no upload ") else Invalid)(str(exc)) from None


def list_strategies() -> list[dict[str, Any]]:
    with translated():
        return store.list_strategies(warehouse())


def algorithm_count() -> int:
    """How many detection algorithms a strategy can enable."""
    from anomaly_pipeline.detect.registry import ALGORITHMS  # imports every detector

    return len(ALGORITHMS)


def get(name: str, version: int | None = None) -> Strategy:
    with translated():
        return store.get_strategy(warehouse(), name, version)


def describe(name: str, version: int | None = None) -> dict[str, Any]:
    """One strategy's document with its name, version, preset flag and version history."""
    with translated():
        wh = warehouse()
        strategy = store.get_strategy(wh, name, version)
        return {"name": strategy.name, "version": strategy.version, "is_preset": strategy.is_preset,
                "versions": store.list_versions(wh, strategy.name),
                **{k: v for k, v in strategy.to_document().items() if k != "name"}}


def create(name: str, document: dict[str, Any]) -> Strategy:
    with translated():
        return store.create_strategy(warehouse(), name, document)


def update(name: str, document: dict[str, Any]) -> Strategy:
    """Store `document` as the next version of `name` (presets are read-only)."""
    with translated():
        return store.update_strategy(warehouse(), name, document)


def delete(name: str) -> int:
    with translated():
        return store.delete_strategy(warehouse(), name)


def preview(name: str, *, version: int | None = None, document: dict[str, Any] | None = None,
            uploads: list[str] | None = None, all_uploads: bool = False, against: str | None = None,
            examples: int = 10) -> dict[str, Any]:
    """What a stored strategy (or `document`, given the name `name`) would flag on loaded uploads, compared
    with the current results; writes nothing."""
    with translated():
        wh = warehouse()
        candidate = parse_strategy(document, name=name) if document is not None else \
            store.get_strategy(wh, name, version)
        return preview_strategy(wh, candidate, uploads=uploads, all_uploads=all_uploads, against=against,
                                examples=examples)


def apply(name: str, uploads: list[str] | None = None, all_uploads: bool = False) -> Iterator[dict[str, Any]]:
    """Rescore loaded uploads with a strategy through the `rescore_upload` job, one run each, in this process;
    other strategies' results stay. Yields one outcome per upload as it finishes."""
    from anomaly_pipeline.orchestration.runner import dagster_instance, rescore_upload

    with translated():
        wh = warehouse()
        strategy = store.get_strategy(wh, name)
        selected = select_uploads(wh, uploads, all_uploads)
    with dagster_instance() as instance:
        for upload in selected:
            yield rescore_upload(upload["upload_id"], strategy.name, instance)
