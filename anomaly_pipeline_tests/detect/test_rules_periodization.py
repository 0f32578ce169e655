"""Periodization rules: period mismatch, late registration, back/forward dating, revenue cut-off."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.periodization import (
    EntryDateGap,
    LateRegistration,
    PeriodMismatch,
    RevenueCutoffReversal,
)
from anomaly_pipeline_tests.detect.frames import flags, frame

POSTED = ["2025-03-31", "2025-03-10", "2025-03-05", "2025-06-30", "2025-02-15"]
REGISTERED = ["2025-04-02", "2025-03-11", "2025-05-20", "2025-06-10", None]
AMOUNTS = [100.0, 200.0, -3000.0, 50.0, 75.0]


def _dated():
    return frame(posting_date=POSTED, registration_date=REGISTERED, amount=AMOUNTS)


def test_period_mismatch_months_and_quarters():
    assert flags(PeriodMismatch().detect(_dated())) == {
        1: ("low", "posted 2025-03-31 (period 2025-03) but registered 2025-04-02 (period 2025-04)"),
        3: ("low", "posted 2025-03-05 (period 2025-03) but registered 2025-05-20 (period 2025-05)"),
    }
    by_quarter = flags(PeriodMismatch().detect(_dated(), {"period": "quarter", "min_amount": 1000}))
    assert by_quarter == {3: ("low", "posted 2025-03-05 (period 2025Q1) but registered 2025-05-20 (period 2025Q2)")}


def test_late_registration_after_close_lag():
    assert flags(LateRegistration().detect(_dated())) == {
        3: ("medium", "registered 2025-05-20, 50 days after period 2025-03 ended (posting date 2025-03-05, "
                      "close lag 10 days)"),
    }
    # a lag of 1 day also catches the entry registered on 2 April for March
    assert set(flags(LateRegistration().detect(_dated(), {"close_lag_days": 1}))) == {1, 3}


def test_backdated_and_forward_dated_entries():
    result = EntryDateGap().detect(_dated())
    assert flags(result) == {
        # usual lag = median of (1, 2, 76, -20) days, whole days: 1
        3: ("medium", "backdated: registered 2025-05-20, 76 days after its posting date 2025-03-05 "
                      "(limit 30 + usual lag 1)"),
        4: ("medium", "forward-dated: posting date 2025-06-30 is 20 days after registration 2025-06-10 (limit 7)"),
    }
    assert result.summary == {"backdated": 1, "forward_dated": 1, "usual_lag_days": 1, "backdated_limit_days": 31.0,
                              "forward_dated_limit_days": 7.0}
    assert set(flags(EntryDateGap().detect(_dated(), {"backdated_days": 80, "forward_dated_days": 20}))) == set()
    # 75 days + usual lag 1 leaves the 76-day entry just inside; without the usual lag it is outside
    assert flags(EntryDateGap().detect(_dated(), {"backdated_days": 75})).keys() == {4}
    assert flags(EntryDateGap().detect(_dated(), {"backdated_days": 75, "relative_to_usual": False})).keys() == {3, 4}


def test_registration_rules_skip_without_registration_dates():
    bank = frame(posting_date=POSTED, amount=AMOUNTS)
    for rule in (PeriodMismatch(), LateRegistration(), EntryDateGap()):
        assert rule.detect(bank).skipped == "the upload has no registration_date data"


def _revenue():
    return frame(
        voucher_id=["V1", "V1", "V2", "V2", "V3", "V4", "V5", "V6"],
        posting_date=["2025-03-29", "2025-03-29", "2025-04-03", "2025-04-03", "2025-03-10", "2025-03-12",
                      "2025-03-30", "2025-04-25"],
        account=["3010", "1510", "3010", "1510", "3010", "3010", "3041", "3041"],
        amount=[-50_000.0, 50_000.0, 50_000.0, -50_000.0, -7_000.0, 7_000.0, -1_000.0, 1_000.0],
    )


def test_revenue_booked_at_period_end_and_reversed_after():
    result = RevenueCutoffReversal().detect(_revenue())
    assert flags(result) == {
        1: ("high", "revenue -50 000 on 3010 booked 2025-03-29 (last 5 days of 2025-03) and reversed 2025-04-03 "
                    "by voucher V2"),
        3: ("high", "reverses revenue -50 000 on 3010 booked 2025-03-29 (last 5 days of 2025-03) in voucher V1"),
    }
    # V3/V4 reverse mid-month: the only booking earlier in its period is reversed, too few (< 50) for a habit
    assert result.summary == {"reversed_bookings": 1, "revenue_accounts": ["3"], "revenue_accounts_from": "prefixes",
                              "reversed_earlier_share": 1.0}
    # mid-month pairs (V3/V4) never count; with a 30-day window V5's late reversal (V6) does
    assert set(flags(RevenueCutoffReversal().detect(_revenue(), {"days_after_end": 30}))) == {1, 3, 7, 8}
    # other revenue prefixes: none configured under "4"
    assert flags(RevenueCutoffReversal().detect(_revenue(), {"revenue_account_prefixes": ["4"]})) == {}



def test_where_returns_are_routine_only_a_reversal_larger_than_the_usual_ones_is_high():
    """A roaster selling $84 bags on 3010 in the first weeks of February and March, every tenth sale credited
    back three days later (a return). A bag sold on 30 March and credited on 2 April is one more return (low, with the ledger's
    habit); an $84 000 invoice of 31 March credited on 2 April is larger than any return (high)."""
    lines = []
    for i in range(100):
        day = pd.Timestamp("2025-02-01" if i < 50 else "2025-03-01") + pd.Timedelta(days=i % 20)
        lines.append((f"S{i}", day, -84.0))
        if i % 10 == 0:
            lines.append((f"R{i}", day + pd.Timedelta(days=3), 84.0))
    lines += [("B1", pd.Timestamp("2025-03-30"), -84.0), ("B2", pd.Timestamp("2025-04-02"), 84.0),
              ("I1", pd.Timestamp("2025-03-31"), -84_000.0), ("I2", pd.Timestamp("2025-04-02"), 84_000.0)]
    data = frame(voucher_id=[v for v, _, _ in lines], posting_date=[d for _, d, _ in lines],
                 account=["3010"] * len(lines), amount=[a for _, _, a in lines])
    result = RevenueCutoffReversal().detect(data)
    by_voucher = {data.loc[data["transaction_id"] == t, "voucher_id"].item(): flag for t, flag in flags(result).items()}
    assert {v: severity for v, (severity, _) in by_voucher.items()} == {"B1": "low", "B2": "low", "I1": "high",
                                                                         "I2": "high"}
    assert by_voucher["B1"][1] == ("revenue -84 on 3010 booked 2025-03-30 (last 5 days of 2025-03) and reversed "
                                   "2025-04-02 by voucher B2; 10 % of this ledger's revenue bookings earlier in their "
                                   "period are reversed within 15 days too")
    assert by_voucher["I2"][1].endswith("; larger than 95% of the revenue this ledger reverses within 15 days at "
                                        "other times")
    assert result.summary["reversed_earlier_share"] == 0.1
    # where reversals are rare here, every one across the period end is high
    assert {s for s, _ in flags(RevenueCutoffReversal().detect(data, {"habit_share": 0.2})).values()} == {"high"}
    # but one smaller than most of the account's revenue lines cannot move the period's revenue
    small = pd.concat([data, frame(voucher_id=["C1", "C2"], posting_date=[pd.Timestamp("2025-03-29"),
                                                                          pd.Timestamp("2025-04-01")],
                                   account=["3010", "3010"], amount=[-30.0, 30.0])], ignore_index=True)
    small["transaction_id"] = range(1, len(small) + 1)
    judged = flags(RevenueCutoffReversal().detect(small, {"habit_share": 0.2}))
    credit = small.loc[small["voucher_id"] == "C1", "transaction_id"].item()
    assert judged[credit] == ("low", "revenue -30 on 3010 booked 2025-03-29 (last 5 days of 2025-03) and reversed "
                                     "2025-04-01 by voucher C2; smaller than 50% of the revenue lines on 3010 (84)")

def _uk_ledger(names: bool):
    """Fee income on 4000 (a UK nominal ledger), booked on 31 March with its VAT and reversed on 2 April; an
    ordinary invoice in mid-April."""
    lines = [("V1", "2025-03-31", "4000", "Fee income", -20_000.0), ("V1", "2025-03-31", "2200", "VAT output", -4_000.0),
             ("V1", "2025-03-31", "1100", "Debtors control", 24_000.0),
             ("V2", "2025-04-02", "4000", "Fee income", 20_000.0), ("V2", "2025-04-02", "2200", "VAT output", 4_000.0),
             ("V2", "2025-04-02", "1100", "Debtors control", -24_000.0),
             ("V3", "2025-03-31", "7500", "Travel fees", 900.0), ("V3", "2025-03-31", "1200", "Bank", -900.0),
             ("V4", "2025-04-01", "7500", "Travel fees", -900.0), ("V4", "2025-04-01", "1200", "Bank", 900.0),
             ("V5", "2025-04-15", "4000", "Fee income", -8_000.0), ("V5", "2025-04-15", "1100", "Debtors control", 8_000.0)]
    columns = dict(zip(("voucher_id", "posting_date", "account", "account_name", "amount"), zip(*lines, strict=True),
                       strict=True))
    if not names:
        columns.pop("account_name")
    return frame(**{k: list(v) for k, v in columns.items()})


def test_revenue_accounts_are_read_from_the_ledgers_account_names():
    result = RevenueCutoffReversal().detect(_uk_ledger(names=True))
    # fee income is revenue; its VAT is a tax on it, and 'Travel fees' is an expense (debited on balance)
    assert set(flags(result)) == {1, 4}
    assert flags(result)[1][1].startswith("revenue -20 000 on 4000 booked 2025-03-31")
    assert result.summary == {"reversed_bookings": 1, "revenue_accounts": ["4000"], "revenue_accounts_from": "names",
                              "reversed_earlier_share": 0.0}
    # without names, the configured chart prefixes decide: Swedish "3" finds nothing here, "4" the fee income
    assert flags(RevenueCutoffReversal().detect(_uk_ledger(names=False))) == {}
    assert set(flags(RevenueCutoffReversal().detect(_uk_ledger(names=False), {"revenue_account_prefixes": ["4"]}))) == {1, 4}
    # names can be switched off
    assert flags(RevenueCutoffReversal().detect(_uk_ledger(names=True), {"revenue_by_name": False})) == {}


def test_without_names_revenue_accounts_are_read_from_their_use():
    """A UK nominal ledger without account names: sales (4000) credited on every invoice, their VAT (2200)
    and the company card (1240) credited line by line too but settled in full; the invoice of 31 March
    cancelled on 2 April is found on the sales account only."""
    rows = []
    for month in range(1, 13):
        for day in (5, 12, 19):
            v = f"S{month}-{day}"
            rows += [(v, f"2025-{month:02d}-{day:02d}", "4000", -10_000.0), (v, f"2025-{month:02d}-{day:02d}", "2200", -2_000.0),
                     (v, f"2025-{month:02d}-{day:02d}", "1100", 12_000.0)]
            c = f"C{month}-{day}"
            rows += [(c, f"2025-{month:02d}-{day:02d}", "7400", 50.0), (c, f"2025-{month:02d}-{day:02d}", "1240", -50.0)]
        rows += [(f"P{month}", f"2025-{month:02d}-28", "1240", 150.0), (f"P{month}", f"2025-{month:02d}-28", "1200", -150.0),
                 (f"T{month}", f"2025-{month:02d}-27", "2200", 6_000.0), (f"T{month}", f"2025-{month:02d}-27", "1200", -6_000.0),
                 (f"R{month}", f"2025-{month:02d}-26", "1200", 36_000.0), (f"R{month}", f"2025-{month:02d}-26", "1100", -36_000.0)]
    rows += [("X1", "2025-03-31", "4000", -9_000.0), ("X1", "2025-03-31", "2200", -1_800.0),
             ("X1", "2025-03-31", "1100", 10_800.0),
             ("X2", "2025-04-02", "4000", 9_000.0), ("X2", "2025-04-02", "2200", 1_800.0),
             ("X2", "2025-04-02", "1100", -10_800.0)]
    voucher, date, account, amount = (list(column) for column in zip(*rows, strict=True))
    data = frame(voucher_id=voucher, posting_date=date, account=account, amount=amount)
    result = RevenueCutoffReversal().detect(data)
    assert result.summary == {"reversed_bookings": 1, "revenue_accounts": ["4000"], "revenue_accounts_from": "usage",
                              "reversed_earlier_share": 0.0}
    assert [reason for _, reason in flags(result).values()] == [
        "revenue -9 000 on 4000 booked 2025-03-31 (last 5 days of 2025-03) and reversed 2025-04-02 by voucher X2",
        "reverses revenue -9 000 on 4000 booked 2025-03-31 (last 5 days of 2025-03) in voucher X1"]
    assert RevenueCutoffReversal().detect(data, {"revenue_by_usage": False}).summary["revenue_accounts_from"] == (
        "prefixes")


@pytest.mark.parametrize(("rule", "config", "field"), [
    (RevenueCutoffReversal, {"revenue_by_name": "yes"}, "revenue_cutoff_reversal.revenue_by_name"),
    (RevenueCutoffReversal, {"revenue_by_usage": 1}, "revenue_cutoff_reversal.revenue_by_usage"),
    (PeriodMismatch, {"period": "week"}, "period_mismatch.period"),
    (LateRegistration, {"close_lag_days": -1}, "late_registration.close_lag_days"),
    (LateRegistration, {"close_lag_days": 2.5}, "late_registration.close_lag_days"),
    (EntryDateGap, {"backdated_days": -5}, "entry_date_gap.backdated_days"),
    (RevenueCutoffReversal, {"revenue_account_prefixes": [3]}, "revenue_cutoff_reversal.revenue_account_prefixes"),
    (RevenueCutoffReversal, {"days_before_end": 0}, "revenue_cutoff_reversal.days_before_end"),
    (RevenueCutoffReversal, {"severity": "huge"}, "revenue_cutoff_reversal.severity"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)


def test_bulk_registration_is_reported_not_flagged_line_by_line():
    posted = [f"2025-01-{d:02d}" for d in range(1, 26)]
    data = frame(posting_date=posted, registration_date=["2025-07-01"] * 24 + ["2025-01-25"], amount=[10.0] * 25)
    # relative to the usual delay (here half a year), nobody is late
    late = LateRegistration().detect(data)
    assert flags(late) == {} and late.summary == {"allowed_days_after_period_end": 161, "usual_delay_days": 151}
    assert flags(EntryDateGap().detect(data)) == {}
    absolute = {"relative_to_usual": False}
    for rule, what, config in ((PeriodMismatch(), "registered in another period than posted", {}),
                               (LateRegistration(), "registered after their period's close", absolute),
                               (EntryDateGap(), "back- or forward-dated", absolute)):
        result = rule.detect(data, config)
        assert result.skipped == (f"24 of 25 lines (96%) are {what}: a bulk registration (an import or a "
                                  "catch-up), not individual entries; per-line flags suppressed (max_flagged_share 0.5)")
        assert len(flags(rule.detect(data, {**config, "max_flagged_share": 1.0}))) == 24


def test_entries_late_for_this_company():
    # bookkeeping runs about 40 days behind; one entry is registered 150 days after its posting date
    posted = [f"2025-02-{d:02d}" for d in range(1, 21)]
    registered = ["2025-03-13"] * 19 + ["2025-06-30"]
    data = frame(posting_date=posted, registration_date=registered, amount=[10.0] * 20)
    gap = EntryDateGap().detect(data)
    assert flags(gap) == {20: ("medium", "backdated: registered 2025-06-30, 130 days after its posting date 2025-02-20 "
                                         "(limit 30 + usual lag 31)")}
    late = LateRegistration().detect(data)
    assert flags(late) == {20: ("medium", "registered 2025-06-30, 122 days after period 2025-02 ended (posting date "
                                          "2025-02-20, close lag 10 days + usual delay 13)")}
