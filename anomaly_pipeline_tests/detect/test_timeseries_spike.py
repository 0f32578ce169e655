"""timeseries_spike: an account's daily total against its level, weekday and month profile."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.statistical.timeseries import TimeSeriesSpike
from anomaly_pipeline_tests.detect.frames import flagged_ids, frame, reason_of

DAYS = pd.bdate_range("2024-01-01", "2024-03-29")  # 65 business days


def _daily(amount_for=lambda day, i: 95.0 + i % 11) -> list[dict]:
    return [{"posting_date": day, "account": "6110", "amount": amount_for(day, i)} for i, day in enumerate(DAYS)]


def test_flags_the_postings_of_a_day_with_ten_times_the_usual_total():
    rows = _daily()
    spike_day = pd.Timestamp("2024-02-14")
    rows += [{"posting_date": spike_day, "account": "6110", "amount": 100.0} for _ in range(9)]
    rows.append({"posting_date": spike_day, "account": "6110", "amount": 20.0})  # too small to carry the spike
    result = TimeSeriesSpike().detect(frame(rows))
    on_day = {i + 1 for i, r in enumerate(rows) if r["posting_date"] == spike_day and r["amount"] >= 50}
    assert len(on_day) == 10
    assert flagged_ids(result) == on_day
    day_total = sum(r["amount"] for r in rows if r["posting_date"] == spike_day)
    text = reason_of(result, max(on_day))
    assert text.startswith(f"account 6110 total {day_total:,.0f}".replace(",", " ") + " (11 postings) on 2024-02-14 is ")
    assert "its usual Wednesday in Feb" in text
    assert "over 65 active periods" in text
    assert result.summary["spike_periods"] == 1


def test_a_weekday_that_is_always_busy_is_not_a_spike():
    rows = _daily(lambda day, i: (1000.0 if day.day_of_week == 0 else 100.0) + i % 7)
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == set()
    # without the weekday profile the same Mondays stand out
    no_profile = TimeSeriesSpike().detect(frame(rows), {"min_profile_periods": 100})
    assert flagged_ids(no_profile) == {i + 1 for i, day in enumerate(DAYS) if day.day_of_week == 0}


def test_accounts_with_too_few_active_days_are_not_scored():
    rows = _daily()[:18] + [{"posting_date": "2024-02-01", "account": "6110", "amount": 10000.0}]
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == set()
    assert result.summary["accounts_scored"] == 0


def test_skips_without_dates_and_checks_config():
    rows = [{"account": "6110", "amount": 1.0, "posting_date": None}]
    assert TimeSeriesSpike().detect(frame(rows)).skipped == "the upload has no posting_date data"
    with pytest.raises(ConfigError, match=r"timeseries_spike\.frequency"):
        TimeSeriesSpike().validate_config({"frequency": "M"})
    with pytest.raises(ConfigError, match=r"timeseries_spike\.min_ratio"):
        TimeSeriesSpike().validate_config({"min_ratio": 0.5})


def test_weekly_totals_and_determinism():
    rows = _daily()
    rows += [{"posting_date": "2024-03-06", "account": "6110", "amount": 5000.0}]
    weekly = TimeSeriesSpike().detect(frame(rows), {"frequency": "W", "min_periods": 10})
    assert flagged_ids(weekly) == {len(rows)}
    assert "week of 2024-03-04" in reason_of(weekly, len(rows))
    again = TimeSeriesSpike().detect(frame(rows), {"frequency": "W", "min_periods": 10})
    assert weekly.scores.equals(again.scores)
