"""Hand-built canonical frames for detector tests."""

from __future__ import annotations

import pandas as pd

from anomaly_pipeline.canonical import conform


def frame(rows: list[dict]) -> pd.DataFrame:
    """Canonical transactions from row dicts (transaction_id = 1-based position)."""
    return conform(pd.DataFrame(rows))


def flagged_ids(result) -> set[int]:
    return set(result.flagged["transaction_id"].tolist())


def reason_of(result, transaction_id: int) -> str:
    return str(result.scores.set_index("transaction_id").loc[transaction_id, "reason"])
