"""The ML models leave to the rules a row unusual mainly by its weekday or its registration lag."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.canonical import conform
from anomaly_pipeline.detect.registry import get_algorithm
from anomaly_pipeline_tests.detect.frames import flagged_ids
from anomaly_pipeline_tests.detect.ml_data import ANOMALY_ID, ledger


@pytest.mark.parametrize("name", ["isolation_forest", "autoencoder", "clustering", "ensemble"])
def test_a_row_unusual_only_by_its_sunday_and_its_late_registration_is_the_calendar_rules_finding(name):
    """The small ledger's amount outlier stays flagged; an ordinary 5410 line of its usual user, posted on a Sunday
    (no other line is) and registered 60 days later (the others 0-2), reaches the models' top share by those two
    features only: the calendar and registration rules judge them with the ledger's habits, so the model scores
    it 0.5 and does not flag it."""
    rows = ledger()
    sunday = pd.Timestamp("2024-03-10")
    late = {"voucher_id": "V1000", "account": "5410", "user_name": "bo", "posting_date": sunday,
            "registration_date": sunday + pd.Timedelta(days=60), "amount": 2_013.40}
    data = conform(pd.concat([rows[list(late)], pd.DataFrame([late])], ignore_index=True))
    result = get_algorithm(name).detect(data)
    scores = result.scores.set_index("transaction_id")["score"]
    assert ANOMALY_ID in flagged_ids(result)
    assert len(data) not in flagged_ids(result)
    assert scores[len(data)] == 0.5
    assert pd.isna(result.scores.set_index("transaction_id").loc[len(data), "reason"])
