"""autoencoder: reconstruction error of standardized features; the planted row cannot be reproduced."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.autoencoder import AutoencoderDetector
from anomaly_pipeline_tests.detect.frames import flagged_ids, reason_of
from anomaly_pipeline_tests.detect.ml_data import ANOMALY_ID, expected_amount_reason, ledger

ONE = {"contamination": 0.0025}


def test_flags_exactly_the_planted_row():
    tx = ledger()
    result = AutoencoderDetector().detect(tx, ONE)
    assert flagged_ids(result) == {ANOMALY_ID}
    assert reason_of(result, ANOMALY_ID).startswith(expected_amount_reason(tx))
    assert result.scores.set_index("transaction_id").loc[ANOMALY_ID, "score"] == pytest.approx(1.0)


def test_reference_population_is_what_it_learns_from():
    # trained on ordinary rows only, the planted row is still the one it cannot reconstruct
    tx = ledger()
    result = AutoencoderDetector().detect(tx, ONE, reference=ledger(n=400, plant=False))
    assert ANOMALY_ID in flagged_ids(result)


def test_deterministic_and_config_checked():
    tx = ledger()
    assert AutoencoderDetector().detect(tx, ONE).scores.equals(AutoencoderDetector().detect(tx, ONE).scores)
    with pytest.raises(ConfigError, match=r"autoencoder\.bottleneck: must be >= 1"):
        AutoencoderDetector().validate_config({"bottleneck": 0})
    with pytest.raises(ConfigError, match=r"autoencoder: unknown config field\(s\) n_clusters"):
        AutoencoderDetector().validate_config({"n_clusters": 3})
    assert AutoencoderDetector().detect(ledger(n=30)).skipped == "30 reference rows, fewer than min_rows 50"
