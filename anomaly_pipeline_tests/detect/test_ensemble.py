"""ensemble: the members' normalized scores combined by mean, max or weights, then re-ranked."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.ensemble import EnsembleDetector
from anomaly_pipeline_tests.detect.frames import flagged_ids, reason_of
from anomaly_pipeline_tests.detect.ml_data import ANOMALY_ID, expected_amount_reason, ledger

ONE = {"contamination": 0.0025}


@pytest.mark.parametrize("method", ["mean", "max", "weighted"])
def test_flags_exactly_the_planted_row(method):
    tx = ledger()
    result = EnsembleDetector().detect(tx, {**ONE, "method": method})
    assert flagged_ids(result) == {ANOMALY_ID}
    reason = reason_of(result, ANOMALY_ID)
    assert reason.startswith(f"flagged by isolation_forest, autoencoder, clustering ({method} ")
    assert expected_amount_reason(tx) in reason
    assert result.summary["members"] == ["isolation_forest", "autoencoder", "clustering"]


def test_weights_choose_the_members():
    tx = ledger()
    result = EnsembleDetector().detect(tx, {**ONE, "method": "weighted",
                                            "weights": {"isolation_forest": 1.0, "clustering": 0.0}})
    assert result.summary["members"] == ["isolation_forest"]
    assert reason_of(result, ANOMALY_ID).startswith("flagged by isolation_forest (weighted ")


def test_deterministic_and_config_checked():
    tx = ledger()
    assert EnsembleDetector().detect(tx, ONE).scores.equals(EnsembleDetector().detect(tx, ONE).scores)
    with pytest.raises(ConfigError, match=r"ensemble\.method: one of mean, max, weighted"):
        EnsembleDetector().validate_config({"method": "median"})
    with pytest.raises(ConfigError, match=r"ensemble\.weights: unknown member\(s\) lof"):
        EnsembleDetector().validate_config({"weights": {"lof": 1.0}})
    with pytest.raises(ConfigError, match=r"ensemble\.weights: numbers >= 0 with at least one > 0"):
        EnsembleDetector().validate_config({"weights": {"autoencoder": 0}})


def test_skips_small_uploads():
    assert EnsembleDetector().detect(ledger(n=49)).skipped == "49 reference rows, fewer than min_rows 50"
