"""Strategies in the database: presets seeded on first use, every update a new version."""

from __future__ import annotations

import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse, now
from anomaly_pipeline.strategies.model import PRESETS, Strategy, StrategyError, load_preset, parse_strategy


def seed_presets(warehouse: Warehouse) -> None:
    """Insert each shipped preset as version 1 when it is not there yet."""
    table = schema.strategies
    with warehouse.engine.begin() as conn:
        present = set(conn.execute(sa.select(table.c.name).where(table.c.is_preset)).scalars())
        for name in PRESETS:
            if name in present:
                continue
            preset = load_preset(name)
            conn.execute(table.insert().values(
                name=name, version=1, description=preset.description, config=preset.to_document(),
                is_preset=True, is_deleted=False, created_at=now(),
            ))


def get_strategy(warehouse: Warehouse, name: str, version: int | None = None) -> Strategy:
    """The newest (or the given) version of a strategy."""
    seed_presets(warehouse)
    table = schema.strategies
    query = sa.select(table).where(table.c.name == name)
    query = query.where(table.c.version == version) if version else query.order_by(table.c.version.desc())
    with warehouse.engine.connect() as conn:
        row = conn.execute(query.limit(1)).mappings().first()
    if row is None or (version is None and row["is_deleted"]):
        raise StrategyError(f"no strategy named {name!r}" + (f" with version {version}" if version else ""))
    return parse_strategy(row["config"], name=row["name"], version=row["version"], is_preset=row["is_preset"])
