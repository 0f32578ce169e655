"""Dagster resources: the warehouse and the strategy a run scores with."""

from __future__ import annotations

import dagster as dg
from pydantic import Field, PrivateAttr

from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.run_memory import RunMemory
from anomaly_pipeline.storage.warehouse import Warehouse, open_warehouse
from anomaly_pipeline.strategies.model import Strategy, StrategyError
from anomaly_pipeline.strategies.store import get_strategy


class WarehouseResource(dg.ConfigurableResource):
    """The results database (SQLAlchemy URL; empty = DATABASE_URL). Migrations are applied on first use.
    Each run gets a fresh `RunMemory`, which its steps in this process share (see storage/run_memory.py)."""

    database_url: str = ""
    _memory: RunMemory = PrivateAttr(default_factory=RunMemory)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._memory = RunMemory()

    def get(self) -> Warehouse:
        return open_warehouse(self.database_url or None, memory=self._memory)


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
