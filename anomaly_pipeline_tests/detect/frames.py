"""Small hand-built canonical frames for detector tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from anomaly_pipeline.canonical import conform
from anomaly_pipeline.detect.base import DetectionResult


def frame(rows: list[dict] | None = None, **columns: Any) -> pd.DataFrame:
    """A canonical frame from row dicts or from column lists (transaction_id = 1..n; missing columns empty)."""
    return conform(pd.DataFrame(rows if rows is not None else columns))


def flags(result: DetectionResult) -> dict[int, tuple[str, str]]:
    """{transaction_id: (severity, reason)} of the flagged rows."""
    assert result.skipped is None, result.skipped
    rows = result.flagged
    return {int(t): (str(s), str(r)) for t, s, r in zip(rows["transaction_id"], rows["severity"], rows["reason"],
                                                         strict=True)}


def flagged_ids(result: DetectionResult) -> set[int]:
    return set(result.flagged["transaction_id"].tolist())


def reason_of(result: DetectionResult, transaction_id: int) -> str:
    return str(result.scores.set_index("transaction_id").loc[transaction_id, "reason"])
