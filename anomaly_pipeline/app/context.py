"""The one place a face's request gets its warehouse: the configured database, migrated on first use."""

from __future__ import annotations

from anomaly_pipeline.storage.warehouse import Warehouse, open_warehouse


def warehouse() -> Warehouse:
    return open_warehouse()
