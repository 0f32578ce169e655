"""What every labelled benchmark ledger must hold, whichever company its generator books."""

from __future__ import annotations

import pandas as pd

from benchmarks.generate_ledger import KINDS


def assert_labels(ledger: pd.DataFrame, per_kind: int) -> None:
    """Every anomaly kind has `per_kind` instances; a line has an anomaly id exactly when it has a kind, and each
    id names one kind."""
    labelled = ledger[ledger["anomaly_kind"] != ""]
    assert (labelled["anomaly_id"] != "").all()
    assert ((ledger["anomaly_kind"] == "") == (ledger["anomaly_id"] == "")).all()
    instances = labelled.groupby("anomaly_kind")["anomaly_id"].nunique()
    assert instances.to_dict() == dict.fromkeys(KINDS, per_kind)
    assert (labelled.groupby("anomaly_id")["anomaly_kind"].nunique() == 1).all()
