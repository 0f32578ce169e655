"""isolation_forest: the planted row is the one flagged, with the features that make it odd."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.isolation_forest import IsolationForestDetector
from anomaly_pipeline_tests.detect.frames import flagged_ids, reason_of
from anomaly_pipeline_tests.detect.ml_data import (
    ANOMALY_ID,
    expected_amount_reason,
    expected_user_reason,
    ledger,
)

# with 400 rows, a contamination of 1/400 flags exactly the top-scored row
ONE = {"contamination": 0.0025}


def test_flags_exactly_the_planted_row_with_its_reasons():
    tx = ledger()
    result = IsolationForestDetector().detect(tx, ONE)
    assert flagged_ids(result) == {ANOMALY_ID}
    assert reason_of(result, ANOMALY_ID) == f"{expected_amount_reason(tx)}, {expected_user_reason(tx)}"
    scores = result.scores.set_index("transaction_id")["score"]
    assert scores.loc[ANOMALY_ID] == pytest.approx(1.0)
    assert scores.drop(ANOMALY_ID).max() <= 0.5
    # scores of unflagged rows: 0 below the (1 - 5 x contamination) quantile of the reference
    assert (scores > 0).sum() == pytest.approx(5 * 0.0025 * 400, abs=1)


def test_contamination_decides_the_flagged_share():
    result = IsolationForestDetector().detect(ledger(), {"contamination": 0.05})
    assert len(result.flagged) == 20  # 5% of 400, ties aside


def test_deterministic_and_bounded_fit():
    tx = ledger()
    first = IsolationForestDetector().detect(tx, {**ONE, "max_fit_rows": 200})
    second = IsolationForestDetector().detect(tx, {**ONE, "max_fit_rows": 200})
    assert first.scores.equals(second.scores)
    assert first.summary["fit_rows"] == 200


def test_skips_small_or_amountless_uploads_and_checks_config():
    assert IsolationForestDetector().detect(ledger(n=30)).skipped == "30 reference rows, fewer than min_rows 50"
    tx = ledger()
    tx["amount"] = float("nan")
    assert IsolationForestDetector().detect(tx).skipped == "the upload has no amount data"
    with pytest.raises(ConfigError, match=r"isolation_forest\.contamination: must be in \(0, 0.5\)"):
        IsolationForestDetector().validate_config({"contamination": 0.7})
    with pytest.raises(ConfigError, match=r"isolation_forest\.n_estimators: expected int"):
        IsolationForestDetector().validate_config({"n_estimators": 1.5})
