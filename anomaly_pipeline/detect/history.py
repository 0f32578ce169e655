"""An upload judged within its entity's history: the entity's earlier postings and the upload's rows form
one ledger for the detectors, whose results are then kept for the upload's rows only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import DetectionResult


def with_history(rows: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """The population to detect on: `history` (earlier postings, see `Warehouse.entity_history`) followed by
    `rows`. History lines get negative transaction ids, and voucher ids qualified by their upload (voucher
    numbers restart with every upload and year: 'A1' of last year is not 'A1' of this one). `rows` itself
    when there is no history."""
    if history.empty:
        return rows
    past = history[[c for c in rows.columns if c in history.columns]].copy()
    past["transaction_id"] = -np.arange(len(past), 0, -1, dtype="int64")
    past["voucher_id"] = (past["upload_id"].str.slice(0, 12) + "/" + past["voucher_id"]).astype("string")
    return pd.concat([past, rows], ignore_index=True)


def rows_only(result: DetectionResult) -> DetectionResult:
    """A result on `with_history`'s population, cut to the upload's own rows (ids >= 0)."""
    scores = result.scores
    if scores.empty or (scores["transaction_id"].to_numpy() >= 0).all():
        return result
    return replace(result, scores=scores[scores["transaction_id"].to_numpy() >= 0].reset_index(drop=True))


def describe_baseline(baseline: dict | None) -> str:
    """One line for people: what the upload was judged with."""
    return f"this upload and {describe_history(baseline)}" if baseline else "this upload alone"


def describe_history(baseline: dict) -> str:
    """The entity history of a baseline: '5 284 earlier lines of 'Acme AB' from 1 upload(s), A to B'."""
    return (f"{baseline['lines']} earlier lines of {baseline['entity']!r} from {baseline['uploads']} upload(s), "
            f"{baseline['first']} to {baseline['last']}")
