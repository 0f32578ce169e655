"""clustering: distance to the nearest large MiniBatchKMeans cluster, scaled by the cluster's spread."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.clustering import ClusteringDetector
from anomaly_pipeline_tests.detect.frames import flagged_ids, reason_of
from anomaly_pipeline_tests.detect.ml_data import (
    ANOMALY_ID,
    expected_amount_reason,
    expected_user_reason,
    ledger,
)

ONE = {"contamination": 0.0025}


def test_flags_exactly_the_planted_row():
    tx = ledger()
    result = ClusteringDetector().detect(tx, ONE)
    assert flagged_ids(result) == {ANOMALY_ID}
    amount, user = expected_amount_reason(tx), expected_user_reason(tx)
    # the two features farthest from the centroid, largest first: both are extreme here
    assert reason_of(result, ANOMALY_ID) in {f"{amount}, {user}", f"{user}, {amount}"}


def test_a_tight_group_of_odd_rows_does_not_hide_in_its_own_small_cluster():
    tx = ledger()
    odd = tx.tail(1)
    group = pd.concat([odd] * 4, ignore_index=True)  # four identical 200x postings
    group["transaction_id"] = range(401, 405)
    tx = pd.concat([tx, group], ignore_index=True)
    result = ClusteringDetector().detect(tx, {"contamination": 5 / 404})
    assert {ANOMALY_ID, 401, 402, 403, 404} <= flagged_ids(result)


def test_deterministic_and_config_checked():
    tx = ledger()
    assert ClusteringDetector().detect(tx, ONE).scores.equals(ClusteringDetector().detect(tx, ONE).scores)
    with pytest.raises(ConfigError, match=r"clustering\.n_clusters: must be in \[2, 200\]"):
        ClusteringDetector().validate_config({"n_clusters": 1})
    with pytest.raises(ConfigError, match=r"clustering\.small_cluster_share"):
        ClusteringDetector().validate_config({"small_cluster_share": 0.9})


def test_skips_without_amounts_or_varying_features():
    tx = ledger()
    tx["amount"] = float("nan")
    assert ClusteringDetector().detect(tx).skipped == "the upload has no amount data"
    same = ledger()
    same[["amount", "account", "user_name"]] = [100.0, "6110", "bo"]
    same["registration_date"] = same["posting_date"] = same["posting_date"].iloc[0]
    same["voucher_id"] = "V1"
    assert ClusteringDetector().detect(same).skipped == "no feature varies in the reference data"
