"""timeseries_spike: an account's daily total against its level, weekday and month profile."""

from __future__ import annotations

import numpy as np
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


def test_the_voucher_that_makes_the_spike_is_flagged_not_the_usual_one_beside_it():
    # every business day one salary voucher of two lines on the payroll tax account; one day a payroll run of
    # 40 small lines comes on top: the run makes the spike, the day's usual voucher does not
    rows = [{"posting_date": day, "account": "2710", "amount": -600.0, "voucher_id": f"S{i}"}
            for i, day in enumerate(DAYS) for _ in range(2)]
    run_day = pd.Timestamp("2024-02-23")
    rows += [{"posting_date": run_day, "account": "2710", "amount": -500.0 - k, "voucher_id": "RUN"} for k in range(40)]
    result = TimeSeriesSpike().detect(frame(rows))
    run = {i + 1 for i, r in enumerate(rows) if r["voucher_id"] == "RUN"}
    assert flagged_ids(result) == run
    usual = [i + 1 for i, r in enumerate(rows) if r["posting_date"] == run_day and r["voucher_id"] != "RUN"]
    scores = result.scores.set_index("transaction_id")["score"]
    assert len(usual) == 2 and (scores.loc[usual] == 0.0).all()  # the day without the run is an ordinary day
    assert (scores.loc[sorted(run)] == 1.0).all()


def test_small_vouchers_beside_the_one_that_makes_the_spike_are_not_flagged():
    # a month-end: 30 small invoices and one large transfer; the transfer alone makes the spike, and what is
    # left (the invoices) would still be a spike, but none of them is half the transfer
    rows = [{"posting_date": day, "account": "2200", "amount": -200.0, "voucher_id": f"S{i}"} for i, day in enumerate(DAYS)]
    day = pd.Timestamp("2024-03-29")
    rows += [{"posting_date": day, "account": "2200", "amount": -150.0, "voucher_id": f"I{k}"} for k in range(30)]
    rows.append({"posting_date": day, "account": "2200", "amount": 40000.0, "voucher_id": "VAT"})
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == {len(rows)}


def test_a_spike_of_many_equal_vouchers_flags_them_all_not_the_smaller_usual_posting():
    rows = _daily()
    spike_day = pd.Timestamp("2024-03-12")  # its usual posting: 102
    rows += [{"posting_date": spike_day, "account": "6110", "amount": 120.0, "voucher_id": f"P{k}"} for k in range(25)]
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == {i + 1 for i, r in enumerate(rows) if r.get("voucher_id", "").startswith("P")}


def test_a_weekday_that_is_always_busy_is_not_a_spike():
    rows = _daily(lambda day, i: (1000.0 if day.day_of_week == 0 else 100.0) + i % 7)
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == set()
    # without the weekday profile the same Mondays stand out
    no_profile = TimeSeriesSpike().detect(frame(rows), {"min_profile_periods": 100, "recurring_months": 0})
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


def _billing_year(billing=lambda month: 5000.0 + 10 * month) -> list[dict]:
    """A year of business days on 3001 with ~100 a day, and an invoice run of `billing(month)` on each month's
    last business day."""
    days = pd.bdate_range("2024-01-01", "2024-12-31")
    rows = [{"posting_date": day, "account": "3001", "amount": 95.0 + i % 11, "voucher_id": f"D{i}"}
            for i, day in enumerate(days)]
    for month, day in enumerate(pd.Series(days).groupby(days.month).max(), start=1):
        rows.append({"posting_date": day, "account": "3001", "amount": billing(month), "voucher_id": f"M{month}"})
    return rows


def test_a_peak_the_account_reaches_at_the_same_place_every_month_is_no_spike():
    # (or every quarter: two other months at the same place make a cycle)
    rows = _billing_year()
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == set()
    assert result.scores["score"].max() == 0.0
    assert result.summary["recurring_peaks"] == 12
    # without the monthly cycle the same invoice runs are twelve spikes
    assert flagged_ids(TimeSeriesSpike().detect(frame(rows), {"recurring_months": 0})) == {
        i + 1 for i, r in enumerate(rows) if r["voucher_id"].startswith("M")}


def test_an_outsized_invoice_on_the_billing_day_is_still_a_spike():
    rows = _billing_year(lambda month: 5000.0 + 10 * month if month != 9 else 200_000.0)
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == {i + 1 for i, r in enumerate(rows) if r["voucher_id"] == "M9"}
    assert result.summary["recurring_peaks"] == 11


def test_a_peak_on_other_days_of_the_month_is_a_spike():
    # the same sizes, but on the 1st, 5th, 9th, ... 25th in turn: at most one other month holds a run within
    # three days of the same day of the month, no cycle to learn
    rows = _billing_year()
    for month, r in enumerate([r for r in rows if r["voucher_id"].startswith("M")]):
        r["posting_date"] = pd.Timestamp(f"2024-{month + 1:02d}-{1 + 4 * (month % 7):02d}")
    result = TimeSeriesSpike().detect(frame(rows))
    assert flagged_ids(result) == {i + 1 for i, r in enumerate(rows) if r["voucher_id"].startswith("M")}


def _purchases(hartmann_days: dict[pd.Timestamp, int]) -> list[dict]:
    """A purchases account of uneven days (two to four invoices of five suppliers, sizes spread widely), where
    Hartmann sends the invoices `hartmann_days` says, one on every third other day."""
    rng = np.random.default_rng(5)
    rows, suppliers = [], ["Berger", "Conrad", "Dreher", "Engel", "Fuchs"]
    for i, day in enumerate(DAYS):
        for k in range(int(rng.integers(2, 5))):
            rows.append({"posting_date": day, "account": "4000", "amount": float(rng.lognormal(np.log(900), 0.7)),
                         "counterparty": suppliers[(i + k) % 5], "voucher_id": f"P{i}-{k}"})
        for k in range(hartmann_days.get(day, 1 if i % 3 == 0 else 0)):
            rows.append({"posting_date": day, "account": "4000", "amount": 1500.0 + 10 * k,
                         "counterparty": "Hartmann", "voucher_id": f"H{i}-{k}"})
    return rows


def test_a_partners_burst_that_makes_the_accounts_day_is_flagged_though_the_day_is_no_spike_by_itself():
    burst_day = pd.Timestamp("2024-02-14")
    rows = _purchases({burst_day: 6})
    result = TimeSeriesSpike().detect(frame(rows))
    burst = {i + 1 for i, r in enumerate(rows) if r["voucher_id"].startswith("H") and r["posting_date"] == burst_day}
    assert len(burst) == 6 and flagged_ids(result) == burst
    assert reason_of(result, min(burst)).endswith(
        "; 6 documents that day are counterparty Hartmann's, half as many on no other day")
    assert result.summary["spike_periods"] == 0 and result.summary["partner_burst_rows"] == 6
    assert flagged_ids(TimeSeriesSpike().detect(frame(rows), {"partner_burst": 0})) == set()


def test_a_partner_that_often_sends_several_invoices_a_day_makes_no_burst():
    habit = {day: 3 for day in DAYS[5::12]}  # three (small) invoices at once, five times in the quarter
    rows = [{**r, "amount": 200.0} if r["counterparty"] == "Hartmann" and r["posting_date"] in habit else r
            for r in _purchases({**habit, pd.Timestamp("2024-02-14"): 6})]
    assert flagged_ids(TimeSeriesSpike().detect(frame(rows))) == set()
    assert len(flagged_ids(TimeSeriesSpike().detect(frame(rows), {"burst_days": 5}))) == 6  # the habit decides
