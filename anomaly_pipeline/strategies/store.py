"""Strategies in the database: versioned rows, presets kept in step with the package.

Policy (documented in the README):
- every `create`/`update` inserts a new version; old versions stay readable (`show NAME --version N`), so
  an analysis run's recorded `strategy_version` always resolves to the exact configuration it used;
- `delete` marks every version deleted (history stays for audit); re-creating the name continues the
  version numbering, so a version number is never reused for a different configuration;
- presets are read-only: they follow the YAML shipped with the package. When the shipped content (or the
  algorithm registry, whose defaults fill what a preset does not mention) changes, the next use stores it
  as a new version. To tune a preset, export it and create your own strategy from the file.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse, now
from anomaly_pipeline.strategies.model import (
    PRESETS,
    Strategy,
    StrategyConflict,
    StrategyError,
    StrategyNotFound,
    load_preset,
    parse_strategy,
)


def _canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, default=str)


def _newest(conn: sa.Connection, name: str) -> sa.RowMapping | None:
    table = schema.strategies
    return conn.execute(
        sa.select(table).where(table.c.name == name).order_by(table.c.version.desc()).limit(1)
    ).mappings().first()


def seed_presets(warehouse: Warehouse) -> None:
    """Store each shipped preset as a new version when it is missing or differs from the newest stored one."""
    table = schema.strategies
    for name in PRESETS:
        preset = load_preset(name)
        shipped = preset.to_document()
        with warehouse.engine.connect() as conn:
            row = _newest(conn, name)
        if row is not None and _stored_document(row) == _canonical(shipped):
            continue
        try:
            with warehouse.engine.begin() as conn:
                conn.execute(table.insert().values(
                    name=name, version=(row["version"] + 1) if row else 1, description=preset.description,
                    config=shipped, is_preset=True, is_deleted=False, created_at=now(),
                ))
        except sa.exc.IntegrityError:
            pass  # another process stored the same preset version at the same moment


def _stored_document(row: sa.RowMapping) -> str:
    """The stored document re-validated, so a registry default filled in later compares equal."""
    return _revalidated(row["name"], _canonical(row["config"]))


@functools.lru_cache(maxsize=64)
def _revalidated(name: str, document: str) -> str:
    """Once per process and stored document: validating a strategy's 36 configs took some 0.1 s of every
    command, which compares the four presets with their stored versions."""
    try:
        return _canonical(parse_strategy(json.loads(document), name=name).to_document())
    except StrategyError:
        return ""


def get_strategy(warehouse: Warehouse, name: str, version: int | None = None) -> Strategy:
    """The newest (or the given) version of a strategy."""
    seed_presets(warehouse)
    table = schema.strategies
    query = sa.select(table).where(table.c.name == name)
    query = query.where(table.c.version == version) if version else query.order_by(table.c.version.desc())
    with warehouse.engine.connect() as conn:
        row = conn.execute(query.limit(1)).mappings().first()
    if row is None or (version is None and row["is_deleted"]):
        raise StrategyNotFound(f"no strategy named {name!r}" + (f" with version {version}" if version else ""))
    return parse_strategy(row["config"], name=row["name"], version=row["version"], is_preset=row["is_preset"])


def list_strategies(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The newest version of every strategy that is not deleted, presets first, then by name."""
    seed_presets(warehouse)
    table = schema.strategies
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.name, table.c.version)).mappings().all()
    newest: dict[str, sa.RowMapping] = {}
    counts: dict[str, int] = {}
    for row in rows:
        newest[row["name"]] = row
        counts[row["name"]] = counts.get(row["name"], 0) + 1
    out = []
    for name, row in newest.items():
        if row["is_deleted"]:
            continue
        strategy = parse_strategy(row["config"], name=name, version=row["version"], is_preset=row["is_preset"])
        out.append({
            "name": name, "version": row["version"], "versions": counts[name], "is_preset": bool(row["is_preset"]),
            "threshold": strategy.threshold, "enabled": sorted(strategy.weights),
            "description": strategy.description.strip(), "created_at": _iso(row["created_at"]),
        })
    return sorted(out, key=lambda r: (not r["is_preset"], r["name"]))


def list_versions(warehouse: Warehouse, name: str) -> list[dict[str, Any]]:
    """Every stored version of `name`, oldest first (deleted ones included: they are history)."""
    seed_presets(warehouse)
    table = schema.strategies
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.version, table.c.is_deleted, table.c.created_at)
                            .where(table.c.name == name).order_by(table.c.version)).mappings().all()
    return [{"version": r["version"], "deleted": bool(r["is_deleted"]), "created_at": _iso(r["created_at"])}
            for r in rows]


def create_strategy(warehouse: Warehouse, name: str, document: dict[str, Any]) -> Strategy:
    """Store a new strategy (version 1, or the next number when the name was deleted before)."""
    seed_presets(warehouse)
    strategy = parse_strategy(document, name=name)
    with warehouse.engine.connect() as conn:
        row = _newest(conn, strategy.name)
    if row is not None and not row["is_deleted"]:
        raise StrategyConflict(f"strategy {strategy.name!r} already exists (version {row['version']}): "
                            f"use `strategies update {strategy.name} --from FILE` to add a version")
    return _insert(warehouse, strategy, (row["version"] + 1) if row else 1)


def update_strategy(warehouse: Warehouse, name: str, document: dict[str, Any]) -> Strategy:
    """Store `document` as the next version of an existing, non-preset strategy."""
    seed_presets(warehouse)
    strategy = parse_strategy(document, name=name)
    with warehouse.engine.connect() as conn:
        row = _newest(conn, strategy.name)
    if row is None or row["is_deleted"]:
        raise StrategyNotFound(f"no strategy named {strategy.name!r}: use `strategies create` first")
    if row["is_preset"]:
        raise StrategyConflict(_preset_refusal(strategy.name, "updated"))
    return _insert(warehouse, strategy, row["version"] + 1)


def delete_strategy(warehouse: Warehouse, name: str) -> int:
    """Mark every version of a non-preset strategy deleted; returns how many versions it had."""
    seed_presets(warehouse)
    table = schema.strategies
    with warehouse.engine.begin() as conn:
        row = _newest(conn, name)
        if row is None or row["is_deleted"]:
            raise StrategyNotFound(f"no strategy named {name!r}")
        if row["is_preset"]:
            raise StrategyConflict(_preset_refusal(name, "deleted"))
        result = conn.execute(table.update().where(table.c.name == name).values(is_deleted=True))
    return int(result.rowcount)


def _preset_refusal(name: str, action: str) -> str:
    return (f"{name!r} is a preset shipped with the package and cannot be {action}; to tune it, "
            f"`strategies export {name} > my.yaml`, edit, then `strategies create my-{name} --from my.yaml`")


def _insert(warehouse: Warehouse, strategy: Strategy, version: int) -> Strategy:
    try:
        with warehouse.engine.begin() as conn:
            conn.execute(schema.strategies.insert().values(
                name=strategy.name, version=version, description=strategy.description,
                config=strategy.to_document(), is_preset=False, is_deleted=False, created_at=now(),
            ))
    except sa.exc.IntegrityError:
        raise StrategyConflict(f"strategy {strategy.name!r} was changed at the same moment: try again") from None
    return get_strategy(warehouse, strategy.name, version)


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
