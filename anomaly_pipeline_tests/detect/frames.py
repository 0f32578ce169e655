"""Small hand-built canonical frames for detector tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from anomaly_pipeline.canonical import conform
from anomaly_pipeline.detect.base import DetectionResult


def frame(**columns: Any) -> pd.DataFrame:
    """A canonical frame from column lists (transaction_id = 1..n; missing columns empty)."""
    return conform(pd.DataFrame(columns))


def flags(result: DetectionResult) -> dict[int, tuple[str, str]]:
    """{transaction_id: (severity, reason)} of the flagged rows."""
    assert result.skipped is None, result.skipped
    rows = result.flagged
    return {int(t): (str(s), str(r)) for t, s, r in zip(rows["transaction_id"], rows["severity"], rows["reason"],
                                                         strict=True)}
