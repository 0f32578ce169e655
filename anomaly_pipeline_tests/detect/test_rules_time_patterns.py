"""Time patterns: after-hours postings, period-end concentration, posting bursts."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.time_patterns import (
    AfterHoursPosting,
    PeriodEndConcentration,
    PostingBurst,
)
from anomaly_pipeline_tests.detect.frames import flags, frame


def test_after_hours_with_times():
    times = ["2025-03-04 22:14", "2025-03-04 08:00", "2025-03-04 06:59", "2025-03-04 19:00", "2025-03-04 00:00"]
    data = frame(posting_date=["2025-03-04"] * 5, posted_at=times, amount=[10.0, 20.0, 30.0, 40.0, 50.0])
    result = AfterHoursPosting().detect(data)
    assert flags(result) == {
        1: ("medium", "posted at 22:14 on 2025-03-04, outside business hours 07:00-19:00"),
        3: ("medium", "posted at 06:59 on 2025-03-04, outside business hours 07:00-19:00"),
        4: ("medium", "posted at 19:00 on 2025-03-04, outside business hours 07:00-19:00"),
    }
    late_shift = AfterHoursPosting().detect(data, {"start_hour": 6.5, "end_hour": 22.5, "min_amount": 5})
    assert set(flags(late_shift)) == set()
    assert flags(AfterHoursPosting().detect(data, {"end_hour": 17.75}))[1][1].endswith("07:00-17:45")


def _clocked(evening: int) -> pd.DataFrame:
    """100 one-line vouchers on 2025-03-03..: `evening` of them posted at 20:30, the rest at 10:00, and one more
    posted at 03:10 (the last row)."""
    days = pd.date_range("2025-03-03", periods=101, freq="D")
    times = ["10:00"] * (100 - evening) + ["20:30"] * evening + ["03:10"]
    return frame(posting_date=[f"{d:%Y-%m-%d}" for d in days], voucher_id=[f"V{i}" for i in range(1, 102)],
                 posted_at=[f"{d:%Y-%m-%d} {t}" for d, t in zip(days, times, strict=True)],
                 amount=[100.0] * 101, account=["6110"] * 101)


def test_after_hours_is_judged_by_the_ledgers_own_clock():
    # a team that books every fifth voucher in the evening: its evenings are routine, the 03:10 entry is not
    routine = flags(AfterHoursPosting().detect(_clocked(evening=20)))
    assert routine == {101: ("medium", "posted at 03:10 on 2025-06-11, outside business hours 07:00-19:00; 0 % of "
                                       "this ledger's timed vouchers are posted between 02:00 and 05:00")}
    # one evening voucher in a hundred is as rare here as the night one
    rare = flags(AfterHoursPosting().detect(_clocked(evening=1)))
    assert set(rare) == {100, 101}
    assert rare[100][1] == ("posted at 20:30 on 2025-06-10, outside business hours 07:00-19:00; 0 % of this "
                            "ledger's timed vouchers are posted between 19:00 and 22:00")
    # with max_share 0.25 a habit of one evening voucher in five counts as rare: all of them are flagged
    assert set(flags(AfterHoursPosting().detect(_clocked(evening=20), {"max_share": 0.25}))) == set(range(81, 102))
    assert AfterHoursPosting().detect(_clocked(evening=20)).summary["calibrated"] is True


def test_after_hours_skips_dates_only_and_missing_times():
    dates_only = frame(posting_date=["2025-03-04"], posted_at=["2025-03-04"], amount=[1.0])
    assert AfterHoursPosting().detect(dates_only).skipped == "posted_at carries dates only, no times of day"
    assert AfterHoursPosting().detect(frame(posting_date=["2025-03-04"], amount=[1.0])).skipped == (
        "the upload has no posted_at data")


def _month_end_ledger():
    hot_dates = ["2025-01-29", "2025-01-30", "2025-02-26", "2025-02-27", "2025-02-28", "2025-03-31"]
    cold_dates = ["2025-01-10", "2025-02-10", "2025-03-10", "2025-03-12"]
    other = [f"2025-01-{d:02d}" for d in range(5, 21)] + [f"2025-02-{d:02d}" for d in range(5, 19)]
    return frame(posting_date=hot_dates + cold_dates + other,
                 account=["6110"] * 10 + ["5010"] * len(other),
                 amount=[100.0] * 10 + [500.0] * len(other))


def test_period_end_concentration():
    result = PeriodEndConcentration().detect(_month_end_ledger())
    found = flags(result)
    assert set(found) == {1, 2, 3, 4, 5, 6}
    assert found[1] == ("low", "account 6110: 60% of its postings (6 of 10) and 60% of its amount fall in the last "
                               "3 days of a month vs 15% of this ledger's postings; this one 2025-01-29, amount 100")
    # normal = max(calendar 3/30.44, population 6/40): 0.15; limit 3 x 0.15
    assert result.summary == {"normal_share": 0.15, "threshold_share": 0.45, "accounts": 1,
                              "recurring_closing_accounts": 0}
    # where the ledger books less at month end than the calendar would, the calendar is the base
    quiet = pd.concat([_month_end_ledger(), frame(posting_date=[f"2025-03-{d:02d}" for d in range(1, 21)] * 3,
                                                  account=["5010"] * 60, amount=[500.0] * 60)
                       .assign(transaction_id=range(41, 101))], ignore_index=True)
    assert flags(PeriodEndConcentration().detect(quiet))[1][1].endswith(
        "fall in the last 3 days of a month vs 10% by the calendar (this ledger: 6%); this one 2025-01-29, amount 100")
    assert flags(PeriodEndConcentration().detect(_month_end_ledger(), {"min_postings": 11})) == {}
    assert flags(PeriodEndConcentration().detect(_month_end_ledger(), {"ratio": 4.5})) == {}


def test_monthly_closing_entries_are_not_a_concentration():
    depreciation = frame(posting_date=["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30",
                            "2025-07-31", "2025-08-31", "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31"]
                         + [f"2025-{m:02d}-10" for m in range(1, 13)] * 3,
                         account=["1229"] * 12 + ["5010"] * 36, amount=[-833.33] * 12 + [100.0] * 36)
    result = PeriodEndConcentration().detect(depreciation)
    assert flags(result) == {}
    assert result.summary["recurring_closing_accounts"] == 1
    # a second posting at one month end makes 1229 an ordinary account again: 13 of 13 at month end
    extra = pd.concat([depreciation, frame(posting_date=["2025-12-30"], account=["1229"], amount=[-50.0])
                       .assign(transaction_id=49)], ignore_index=True)
    assert len(flags(PeriodEndConcentration().detect(extra))) == 13


def _burst_ledger():
    days = [f"2025-03-0{d}" for d in range(3, 8)]  # Mon-Fri: 2 vouchers by anna each day
    dates = [d for d in days for _ in range(2)] + ["2025-03-10"] * 12 + ["2025-03-03", "2025-03-04", "2025-03-05"]
    users = ["anna"] * 22 + ["bob"] * 3
    accounts = ["6110"] * 22 + ["5010"] * 3
    return frame(voucher_id=[f"V{i}" for i in range(1, 26)], posting_date=dates, user_name=users,
                 account=accounts, amount=[100.0] * 25)


def test_burst_by_user_and_account():
    result = PostingBurst().detect(_burst_ledger())
    found = flags(result)
    assert set(found) == set(range(11, 23))
    # six active days are too few to call 12 an outstanding burst for anna: `severity` (low)
    assert found[11] == ("low", "user anna: 12 vouchers on 2025-03-10 vs usually 2 per day and at most 2 on a day "
                                   "without a burst; account 6110: 12 vouchers on 2025-03-10 vs usually 2 per day and "
                                   "at most 2 on a day without a burst")
    assert result.summary == {"user_name_bursts": 1, "user_name_outstanding": 0, "account_bursts": 1,
                              "account_outstanding": 0}
    only_users = flags(PostingBurst().detect(_burst_ledger(), {"group_by": ["user_name"]}))
    assert only_users[11] == ("low", "user anna: 12 vouchers on 2025-03-10 vs usually 2 per day and at most 2 on "
                                        "a day without a burst")
    assert flags(PostingBurst().detect(_burst_ledger(), {"outstanding_min_windows": 6}))[11][0] == "high"
    # a 7-day window puts the burst week against one earlier week only: too few windows for a baseline
    assert flags(PostingBurst().detect(_burst_ledger(), {"window_days": 7})) == {}
    assert flags(PostingBurst().detect(_burst_ledger(), {"min_count": 13})) == {}


def test_bursts_that_recur_are_batch_bookkeeping():
    # anna books 1-2 vouchers a day and, on four Mondays, a batch of 12: her rhythm, not a burst;
    # bob's single day of 12 among his 1-2 a day stands out
    rows, n = [], 0
    for user, batches in (("anna", ["2025-03-03", "2025-03-17", "2025-03-31", "2025-04-14"]), ("bob", ["2025-03-10"])):
        for day in pd.date_range("2025-03-04", "2025-04-25", freq="B"):
            for _ in range(1 + day.day % 2):
                n += 1
                rows.append({"voucher_id": f"V{n}", "posting_date": day, "user_name": user, "amount": 100.0})
        for day in batches:
            for _ in range(12):
                n += 1
                rows.append({"voucher_id": f"V{n}", "posting_date": day, "user_name": user, "amount": 100.0})
    data = frame(rows)
    result = PostingBurst().detect(data, {"group_by": ["user_name"]})
    bob = {i for i, r in enumerate(rows, start=1)
           if r["user_name"] == "bob" and pd.Timestamp(r["posting_date"]) == pd.Timestamp("2025-03-10")}
    assert set(flags(result)) == bob
    # over some 38 active days bob never had more than 2: 13 is six and a half times his high-water mark
    assert {severity for severity, _ in flags(result).values()} == {"high"}
    assert result.summary == {"user_name_batch_keys": 1, "user_name_bursts": 1, "user_name_outstanding": 1}
    # a burst under `outstanding` times the high-water mark stays at `severity`
    assert {severity for severity, _ in flags(PostingBurst().detect(
        data, {"group_by": ["user_name"], "outstanding": 7})).values()} == {"low"}
    # counted as bursts where the rhythm is not allowed for
    every = PostingBurst().detect(data, {"group_by": ["user_name"], "routine_bursts": 5})
    # ... and anna's batch of 31 March, a month's last day where closing entries gather, is never outstanding
    assert every.summary == {"user_name_bursts": 5, "user_name_outstanding": 4} and set(flags(every)) > bob
    month_end = {i for i, r in enumerate(rows, start=1)
                 if r["user_name"] == "anna" and pd.Timestamp(r["posting_date"]) == pd.Timestamp("2025-03-31")}
    assert {flags(every)[i][0] for i in month_end} == {"low"}


def test_burst_counts_lines_without_vouchers_and_skips_without_keys():
    data = _burst_ledger().assign(voucher_id=pd.NA)
    assert flags(PostingBurst().detect(data, {"group_by": ["user_name"]}))[11][1] == (
        "user anna: 12 postings on 2025-03-10 vs usually 2 per day and at most 2 on a day without a burst")
    no_keys = frame(posting_date=["2025-03-03"], amount=[1.0])
    assert PostingBurst().detect(no_keys).skipped == "the upload has no user_name or account or counterparty data"


def test_without_a_counterparty_the_words_of_the_text_name_the_partner():
    # one bookkeeper, one materials account, six suppliers' invoices a day: only the supplier in the text shows
    # Bygma's ten extra invoices on one day against its one a day
    days = pd.bdate_range("2025-03-03", periods=25)
    suppliers = ("Bygma Viby", "Stark", "XL-Byg", "Davidsen", "Sanistål", "Carl Ras")
    rows = [{"voucher_id": f"{s}{i}", "posting_date": day, "user_name": "lmn", "account": "1310", "amount": 100.0 + i,
             "description": f"{s} fakt. {5000 + i} sag 24{i % 7}"} for i, day in enumerate(days) for s in suppliers]
    burst_day = days[-1]
    rows += [{"voucher_id": f"B{k}", "posting_date": burst_day, "user_name": "lmn", "account": "1310", "amount": 90.0,
              "description": f"Bygma Viby fakt. {7000 + k} sag 2514"} for k in range(10)]
    result = PostingBurst().detect(frame(rows))
    bygma = {i + 1 for i, r in enumerate(rows) if r["description"].startswith("Bygma") and r["posting_date"] == burst_day}
    assert len(bygma) == 11
    assert set(flags(result)) == bygma
    # active on 25 days, at most 1 a day before: an outstanding burst
    assert flags(result)[min(bygma)] == ("high", "text bygma viby fakt sag: 11 vouchers on 2025-04-04 vs usually 1 "
                                                 "per day and at most 1 on a day without a burst")
    assert result.summary["description_bursts"] == 1
    # with a counterparty column, the counterparty is the key and the text is not read
    named = frame(rows).assign(counterparty="Bygma")
    assert "description_bursts" not in PostingBurst().detect(named).summary


@pytest.mark.parametrize(("rule", "config", "field"), [
    (AfterHoursPosting, {"start_hour": 20.0}, "after_hours_posting.start_hour"),
    (AfterHoursPosting, {"end_hour": 25}, "after_hours_posting.end_hour"),
    (PeriodEndConcentration, {"days": 20}, "period_end_concentration.days"),
    (PeriodEndConcentration, {"ratio": 1}, "period_end_concentration.ratio"),
    (PostingBurst, {"group_by": ["voucher_id"]}, "posting_burst.group_by"),
    (PostingBurst, {"outstanding": 1}, "posting_burst.outstanding"),
    (PostingBurst, {"outstanding_severity": "extreme"}, "posting_burst.outstanding_severity"),
    (PostingBurst, {"window_days": 0}, "posting_burst.window_days"),
    (PostingBurst, {"min_count": "many"}, "posting_burst.min_count"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)


def test_after_hours_everywhere_means_a_time_zone_not_a_finding():
    times = [f"2025-03-04 0{h % 5}:30" for h in range(20)] + ["2025-03-04 10:00"] * 5
    data = frame(posting_date=["2025-03-04"] * 25, posted_at=times, amount=[1.0] * 25)
    assert AfterHoursPosting().detect(data).skipped == (
        "20 of 25 lines (80%) are outside business hours: the times are probably in another time zone (UTC) or "
        "the clock of a batch job; per-line flags suppressed (max_flagged_share 0.5)")
    assert len(flags(AfterHoursPosting().detect(data, {"max_flagged_share": 0.9}))) == 20


def test_a_partners_burst_takes_only_its_own_vouchers_and_their_payments_are_none():
    """The fuel account carries a voucher or two a day from two stations. One day Circle K bills 14 times: its
    invoices are the burst, the fuel account's too; Preem's one invoice that day is not part of it (without
    Circle K's the day is an ordinary one). The payment run paying Circle K's 14 invoices a month later is their
    consequence, no second finding; so are the day's payments of earlier invoices, which the burst's count leaves
    out."""
    rows, n = [], 0

    def add(day: pd.Timestamp, party: str, amount: float, account: str = "5611") -> None:
        nonlocal n
        n += 1
        rows.append({"voucher_id": f"V{n}", "posting_date": day, "account": account, "counterparty": party,
                     "amount": amount})

    for i, day in enumerate(pd.date_range("2025-01-02", "2025-06-30", freq="B")):
        add(day, "Preem" if i % 2 else "Circle K", 400.0 + i)
    burst_day = pd.Timestamp("2025-03-12")
    preem = n + 1
    add(burst_day, "Preem", 777.0)
    circle_k = list(range(n + 1, n + 15))
    for k in range(14):
        add(burst_day, "Circle K", 1_000.0 + k)
    settled = list(range(n + 1, n + 6))
    for i in range(0, 10, 2):  # that day Circle K's January invoices are paid too: not part of the burst
        add(burst_day, "Circle K", -(400.0 + i))
    payments = list(range(n + 1, n + 15))
    for k in range(14):
        add(pd.Timestamp("2025-04-11"), "Circle K", -(1_000.0 + k))
    found = flags(PostingBurst().detect(frame(rows), {"group_by": ["account", "counterparty"]}))
    assert set(found) == set(circle_k)
    assert preem not in found and not (set(payments) | set(settled)) & set(found)
    assert found[circle_k[0]] == ("high", "account 5611: 16 vouchers on 2025-03-12 vs usually 1 per day and at most 1 "
                                          "on a day without a burst; counterparty Circle K: 14 vouchers on 2025-03-12 "
                                          "vs usually 1 per day and at most 1 on a day without a burst")
