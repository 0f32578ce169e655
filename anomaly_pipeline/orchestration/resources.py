"""Dagster resources: the warehouse and the strategy a run scores with."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.model import Strategy, StrategyError
from anomaly_pipeline.strategies.store import get_strategy


class WarehouseResource(dg.ConfigurableResource):
    """The results database (SQLAlchemy URL; empty = DATABASE_URL). Migrations are applied on first use."""

    database_url: str = ""

    def get(self) -> Warehouse:
        warehouse = Warehouse(self.database_url or get_settings().database_url)
        warehouse.migrate()
        return warehouse


class ScoringResource(dg.ConfigurableResource):
    """Which strategy scoring assets use in this run (empty = DEFAULT_STRATEGY; version 0 = newest)."""

    strategy: str = Field(default="", description="strategy name (`anomaly-pipeline strategies list`); "
                                                  "empty = DEFAULT_STRATEGY")
    strategy_version: int = Field(default=0, description="stored version to use; 0 = the newest")

    def load(self, warehouse: Warehouse) -> Strategy:
        name = self.strategy or get_settings().default_strategy
        try:
            return get_strategy(warehouse, name, self.strategy_version or None)
        except StrategyError as exc:  # a configuration mistake: retrying cannot help
            raise dg.Failure(f"strategy: {exc}", allow_retries=False) from None


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Settings are read when a run starts, not when the code location loads."""
    return {"warehouse": WarehouseResource(), "scoring": ScoringResource()}
