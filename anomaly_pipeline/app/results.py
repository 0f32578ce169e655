"""Results: flagged transactions with risk and reasons, and the auditor workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import Invalid
from anomaly_pipeline.reporting.export import ExportError, ExportSummary, export_workbook
from anomaly_pipeline.settings import get_settings


def anomalies(upload_id: str | None = None, strategy: str | None = None, include_all: bool = False) -> pd.DataFrame:
    """Transactions with their risk under `strategy` (default DEFAULT_STRATEGY), strongest first: the
    anomalies only, or every transaction. Dates as YYYY-MM-DD."""
    frame = warehouse().anomalies(upload_id, strategy or get_settings().default_strategy, include_all=include_all)
    frame["posting_date"] = pd.to_datetime(frame["posting_date"]).dt.strftime("%Y-%m-%d")
    return frame


def export(upload_id: str, strategy: str | None, path: Path) -> ExportSummary:
    """The auditor workbook of one upload's results under `strategy`, written to `path`."""
    try:
        return export_workbook(warehouse(), upload_id, strategy or get_settings().default_strategy, path)
    except ExportError as exc:
        raise Invalid(str(exc)) from None
