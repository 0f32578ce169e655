"""Detectors judge a ledger by its own norms: the same pattern is flagged where it is rare and not where it
is the ledger's habit. Each test builds two ledgers of 100 two-line vouchers that differ only in how
common the pattern is."""

from __future__ import annotations

from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from anomaly_pipeline.detect.registry import get_algorithm
from anomaly_pipeline.detect.settlements import closing_routine
from anomaly_pipeline.detect.shared import SharedWork
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.conftest import real_file
from anomaly_pipeline_tests.detect.frames import flagged_ids, frame, reason_of

VOUCHERS = 100
# Swedish business days from Tuesday 7 January 2025 (Monday the 6th is Trettondedag jul)
WEEKDAYS = pd.bdate_range("2025-01-07", periods=VOUCHERS, freq="C",
                          holidays=list(holidays.Sweden(years=2025, include_sundays=False)))


def ledger(dates: list[pd.Timestamp], registered: list[pd.Timestamp] | None = None,
           amounts: list[float] | None = None, texts: list[str] | None = None) -> pd.DataFrame:
    """One two-line voucher (cost / bank) per date, numbered in list order."""
    n = len(dates)
    amounts = amounts or [1500.0 + 10 * i for i in range(n)]
    rows = []
    for i in range(n):
        for account, sign in (("6110", 1), ("1930", -1)):
            rows.append({"voucher_id": f"A{i + 1}", "posting_date": dates[i],
                         "registration_date": registered[i] if registered else None, "account": account,
                         "amount": sign * amounts[i], "description": texts[i] if texts else f"Invoice {i + 1}",
                         "user_name": "anna"})
    return frame(rows)


def _ids(data: pd.DataFrame, voucher: str) -> set[int]:
    return set(data.loc[data["voucher_id"] == voucher, "transaction_id"])


def test_weekend_posting_is_flagged_where_weekends_are_rare_not_where_the_company_trades_daily():
    rare = list(WEEKDAYS)
    rare[40] = pd.Timestamp("2025-03-08")  # one Saturday among business days
    data = ledger(rare)
    result = get_algorithm("weekend_posting").detect(data)
    assert flagged_ids(result) == _ids(data, "A41")
    assert reason_of(result, min(_ids(data, "A41"))) == (
        "posted Saturday 2025-03-08, amount 1 900 ≥ 1 000; 1.0 % of this ledger's vouchers fall on a weekend")
    # a shop open every day: two sevenths of its vouchers are on weekends (a month's first and last days aside,
    # 26 %), none is an anomaly
    daily = ledger(list(pd.date_range("2025-01-06", periods=VOUCHERS, freq="D")))
    result = get_algorithm("weekend_posting").detect(daily)
    assert flagged_ids(result) == set()
    assert result.summary["ledger_share"] == 0.26 and result.summary["calibrated"] is True


def test_in_a_business_open_every_day_an_account_that_never_works_weekends_is_judged_by_its_own_habit():
    # a restaurant's two years: a till settlement (1580) every day, a bank transfer (1920 from 1580) every weekday;
    # one bank transfer dated on a Sunday
    days = pd.date_range("2024-01-01", periods=730, freq="D")
    rows = [{"voucher_id": f"Z{i}", "posting_date": day, "account": account, "amount": sign * (30_000.0 + i),
             "user_name": "manager"} for i, day in enumerate(days) for account, sign in (("1580", 1), ("3000", -1))]
    bank = [day for day in days if day.dayofweek < 5] + [pd.Timestamp("2025-03-16")]  # a Sunday
    rows += [{"voucher_id": f"B{i}", "posting_date": day, "account": account, "amount": sign * (25_000.0 + i),
              "user_name": "accountant"} for i, day in enumerate(bank) for account, sign in (("1920", 1), ("1580", -1))]
    data = frame(rows)
    result = get_algorithm("weekend_posting").detect(data, {"min_amount": 0})
    sunday = _ids(data, f"B{len(bank) - 1}")
    assert flagged_ids(result) == {min(sunday)}  # the bank line; the card clearing account trades every day
    assert reason_of(result, min(sunday)) == ("posted Sunday 2025-03-16, amount 25 522 ≥ 0; 1.1 % of account 1920's "
                                              "vouchers fall on a weekend, against 16 % of this ledger's")
    assert result.flagged["severity"].tolist() == ["high"]
    assert result.summary["against_the_account"] == 1


def test_an_account_that_never_works_weekends_is_judged_by_its_own_habit_where_the_weekends_are_elsewhere():
    """A weekday business whose few weekend vouchers are all the company card's (1240): the ledger's weekend
    share (1.3 %) is under `max_share`, so a sales invoice dated on a Sunday was only weakly odd by the ledger's
    measure; its account, 500 weekday vouchers and no weekend, says much more."""
    days = pd.bdate_range("2025-01-06", periods=250)
    rows = [{"voucher_id": f"S{i}", "posting_date": day, "account": account, "amount": sign * (1_000.0 + i),
             "user_name": "anna"} for i, day in enumerate(np.repeat(days, 2)) for account, sign in
            (("1510", 1), ("3010", -1))]
    card = list(days[::5]) + list(pd.date_range("2025-03-08", periods=6, freq="7D"))  # six Saturdays
    rows += [{"voucher_id": f"C{i}", "posting_date": day, "account": account, "amount": sign * (80.0 + i),
              "user_name": "erik"} for i, day in enumerate(card) for account, sign in (("6540", 1), ("1240", -1))]
    rows += [{"voucher_id": "S-sunday", "posting_date": pd.Timestamp("2025-06-15"), "account": account,
              "amount": sign * 4_200.0, "user_name": "anna"} for account, sign in (("1510", 1), ("3010", -1))]
    data = frame(rows)
    result = get_algorithm("weekend_posting").detect(data, {"min_amount": 0})
    assert flagged_ids(result) == _ids(data, "S-sunday")
    assert reason_of(result, min(_ids(data, "S-sunday"))) == (
        "posted Sunday 2025-06-15, amount 4 200 ≥ 0; < 0.1 % of account 1510's vouchers fall on a weekend, against "
        "1.3 % of this ledger's")
    assert set(result.flagged["severity"]) == {"high"}


def test_a_merchant_dealt_with_on_saturdays_is_its_own_habit():
    """Fuel on the company card on Saturdays now and then, booked to the accounts every weekday purchase uses
    (the text names the station; the bank line has no counterparty, as in a FEC), is the station's habit, not
    the ledger's rare weekend, though its accounts (under 2 % of their vouchers on weekends) would judge it
    alone; a supplier's invoice dated on a Saturday is still flagged."""
    days = pd.bdate_range("2025-01-06", periods=250)
    rows = [{"voucher_id": f"S{i}", "posting_date": day, "account": account, "amount": sign * (1_200.0 + i),
             "counterparty": "Inox SAS" if account == "401000" else None, "description": f"INOX FA {i}"}
            for i, day in enumerate(days) for account, sign in (("607000", 1), ("401000", -1))]
    rows += [{"voucher_id": f"P{i}", "posting_date": day, "account": account, "amount": sign * (1_100.0 + i),
              "counterparty": None, "description": f"FOURNITURES {i}"} for i, day in enumerate(days)
             for account, sign in (("606800", 1), ("512000", -1))]
    fuel = list(days[::10]) + list(pd.date_range("2025-01-11", periods=5, freq="28D"))  # five Saturdays
    rows += [{"voucher_id": f"F{i}", "posting_date": day, "account": account, "amount": sign * 1_050.0,
              "counterparty": None, "description": "CB STATION TOTAL A43"} for i, day in enumerate(fuel)
             for account, sign in (("606800", 1), ("512000", -1))]
    rows += [{"voucher_id": "S-saturday", "posting_date": pd.Timestamp("2025-06-14"), "account": account,
              "amount": sign * 4_200.0, "counterparty": "Inox SAS" if account == "401000" else None,
              "description": "INOX FA 999"} for account, sign in (("607000", 1), ("401000", -1))]
    data = frame(rows)
    result = get_algorithm("weekend_posting").detect(data)
    assert flagged_ids(result) == _ids(data, "S-saturday")
    assert reason_of(result, min(_ids(data, "S-saturday"))).startswith("posted Saturday 2025-06-14, amount 4 200")


def test_a_one_off_account_and_user_are_not_their_own_habit():
    """The only voucher on an account, by a user seen once, posted on the ledger's one Saturday: its own
    posting does not make weekends habitual for that account or user."""
    dates = list(WEEKDAYS)
    dates[40] = pd.Timestamp("2025-03-08")
    data = ledger(dates)
    once = data["voucher_id"] == "A41"
    data.loc[once & (data["account"] == "6110"), "account"] = "6991"
    data.loc[once, "user_name"] = "erik"
    result = get_algorithm("weekend_posting").detect(data)
    assert flagged_ids(result) == _ids(data, "A41")
    assert reason_of(result, min(_ids(data, "A41"))).endswith("1.0 % of this ledger's vouchers fall on a weekend")


def test_holiday_posting_against_the_ledgers_holiday_share():
    dates = list(WEEKDAYS)
    dates[10] = pd.Timestamp("2025-01-06")  # Trettondedag jul, a Swedish public holiday
    data = ledger(dates)
    result = get_algorithm("holiday_posting").detect(data)
    assert flagged_ids(result) == _ids(data, "A11")
    assert reason_of(result, min(_ids(data, "A11"))) == (
        "posted on Trettondedag jul 2025-01-06, amount 1 600; 1.0 % of this ledger's vouchers fall on a holiday")
    # a company that books on holidays as a matter of course (every fifth voucher on a holiday)
    days = ["2025-01-01", "2025-01-06", "2025-04-18", "2025-04-21", "2025-05-01"]
    often = [pd.Timestamp(days[i % 5]) if i % 5 == 0 else d for i, d in enumerate(WEEKDAYS)]
    assert flagged_ids(get_algorithm("holiday_posting").detect(ledger(often))) == set()


def test_backdating_against_the_ledgers_own_registration_lag():
    # a company that books every entry three to five weeks late: 45 days is its habit, 200 days is not
    lags = [21 + (i * 7) % 15 for i in range(VOUCHERS)]
    lags[30] = 200
    data = ledger(list(WEEKDAYS), [d + pd.Timedelta(days=lag) for d, lag in zip(WEEKDAYS, lags, strict=True)])
    result = get_algorithm("entry_date_gap").detect(data)
    assert flagged_ids(result) == _ids(data, "A31")
    assert reason_of(result, min(_ids(data, "A31"))) == (
        "backdated: registered 2025-09-06, 200 days after its posting date 2025-02-18; 99% of this ledger's "
        "entries within 36 days")
    # the same 45-day lag in a ledger that registers within days is flagged (the prior limit, 30 days)
    quick = [i % 3 for i in range(VOUCHERS)]
    quick[30] = 45
    data = ledger(list(WEEKDAYS), [d + pd.Timedelta(days=lag) for d, lag in zip(WEEKDAYS, quick, strict=True)])
    assert flagged_ids(get_algorithm("entry_date_gap").detect(data)) == _ids(data, "A31")
    # and late_registration reads the batch bookkeeper's delay as its habit too
    late = ledger(list(WEEKDAYS), [d + pd.Timedelta(days=lag) for d, lag in zip(WEEKDAYS, lags, strict=True)])
    assert flagged_ids(get_algorithm("late_registration").detect(late)) == _ids(late, "A31")


def test_a_user_who_registers_late_routinely_is_not_backdating():
    """Anna registers her 400 entries within days; the external accountant keys his three 35-45 days after their
    date, 0.7 % of the ledger: his routine, not backdating. Anna's one entry registered 60 days late is flagged,
    by both registration rules."""
    days = list(pd.bdate_range("2024-01-02", periods=400))
    quick = [i % 3 for i in range(400)]
    quick[30] = 60
    data = ledger(days, [d + pd.Timedelta(days=lag) for d, lag in zip(days, quick, strict=True)])
    accountant = data["voucher_id"].isin(["A100", "A200", "A300"])
    data = data.assign(user_name=np.where(accountant, "rob", data["user_name"]),
                       registration_date=data["registration_date"] + pd.to_timedelta(np.where(accountant, 40, 0), "D"))
    for name in ("entry_date_gap", "late_registration"):
        assert flagged_ids(get_algorithm(name).detect(data)) == _ids(data, "A31"), name
        # without users to tell them apart, his entries are late for this ledger too
        assert flagged_ids(get_algorithm(name).detect(data.drop(columns="user_name"))) > _ids(data, "A31"), name


def test_period_mismatch_only_where_booking_into_another_period_is_rare():
    quick = [pd.Timestamp(d) for d in WEEKDAYS]
    registered = list(quick)
    registered[40] = quick[40] + pd.Timedelta(days=40)
    data = ledger(quick, registered)
    assert flagged_ids(get_algorithm("period_mismatch").detect(data)) == _ids(data, "A41")
    # every voucher registered the next month: the company's way of working
    batch = [d + pd.offsets.MonthBegin(1) for d in quick]
    assert flagged_ids(get_algorithm("period_mismatch").detect(ledger(quick, batch))) == set()


def test_voucher_disorder_against_the_ledgers_usual_disorder():
    registered = list(WEEKDAYS)
    registered[60] = registered[60] - pd.Timedelta(days=30)
    data = ledger(list(WEEKDAYS), registered)
    assert flagged_ids(get_algorithm("voucher_out_of_order").detect(data)) == _ids(data, "A61")
    # a ledger whose numbers run a few days against their registration dates now and then
    jitter = [d - pd.Timedelta(days=int(i % 7 == 3) * 8) for i, d in enumerate(WEEKDAYS)]
    jitter[60] = jitter[60] - pd.Timedelta(days=30)
    data = ledger(list(WEEKDAYS), jitter)
    result = get_algorithm("voucher_out_of_order").detect(data)
    assert flagged_ids(result) == _ids(data, "A61")
    assert result.summary["tolerance_days"] >= 3
    # the fixed tolerance of old (0 days) would call every seventh voucher out of order
    assert len(get_algorithm("voucher_out_of_order").detect(data, {"max_share": 1.0}).flagged) > 20


def test_exact_duplicates_need_whole_identical_vouchers_and_rare_twins():
    amounts = [1500.0 + 10 * i for i in range(VOUCHERS)]
    texts = [f"Invoice {i + 1}" for i in range(VOUCHERS)]
    dates = list(WEEKDAYS)
    dates[51], amounts[51], texts[51] = dates[50], amounts[50], texts[50]  # A52 repeats A51
    data = ledger(dates, amounts=amounts, texts=texts)
    assert flagged_ids(get_algorithm("exact_duplicate").detect(data)) == _ids(data, "A52")  # the copy
    # a ledger where every voucher has a same-day twin (a standard entry booked in pairs) has a routine
    pairs = [WEEKDAYS[i // 2] for i in range(VOUCHERS)]
    paired = ledger(pairs, amounts=[1000.0 + 100 * (i // 2) for i in range(VOUCHERS)], texts=["Transfer"] * VOUCHERS)
    assert flagged_ids(get_algorithm("exact_duplicate").detect(paired)) == set()


def test_unusual_robust_z_is_not_flagged_on_an_account_that_often_carries_such_amounts():
    rng = np.random.default_rng(1)
    small = list(rng.uniform(900, 1100, VOUCHERS))
    one = small.copy()
    one[20] = 250_000.0
    data = ledger(list(WEEKDAYS), amounts=one)
    assert _ids(data, "A21") <= flagged_ids(get_algorithm("robust_zscore").detect(data))
    # an account where every tenth posting is a large one: two kinds of amount, not outliers
    mixed = [250_000.0 if i % 10 == 0 else a for i, a in enumerate(small)]
    data = ledger(list(WEEKDAYS), amounts=mixed)
    assert flagged_ids(get_algorithm("robust_zscore").detect(data)) == set()


def test_single_entry_sources_get_no_voucher_balance_tests():
    path = real_file("xml/Subite-eu__camt-to-coda__2024-03-18.xml")
    statement = read_file(Path(path), get_settings())[1].frame
    assert len(statement) == 41
    for name in ("unbalanced_voucher", "voucher_number_gap", "voucher_out_of_order", "account_ratio",
                 "rare_account_combination", "forbidden_account_pair"):
        result = get_algorithm(name).detect(statement)
        assert result.skipped == ("not applicable: a camt.054 bank statement is single-entry: its entries are "
                                  "not balancing vouchers"), name
        assert result.scores.empty
    # a CSV export of one account is a statement too, whatever its reference column looks like
    card = frame(voucher_id=["R1", "R1", "R2"], posting_date=["2025-03-03"] * 3, account=["Visa"] * 3,
                 amount=[-12.0, -30.0, -8.5], source_format=["csv"] * 3)
    assert get_algorithm("unbalanced_voucher").detect(card).skipped == (
        "not applicable: every line is on one account (Visa): a statement or account extract, not double-entry "
        "vouchers")
    # a double-entry ledger is still tested
    ledger_frame = frame(voucher_id=["V1", "V1"], posting_date=["2025-03-03"] * 2, account=["6110", "1930"],
                         amount=[100.0, -90.0])
    assert get_algorithm("unbalanced_voucher").detect(ledger_frame).skipped is None


def _bookkeeper_ledger(with_types: bool) -> pd.DataFrame:
    """A coffee roaster's year: jenna keys the company card's expenses, a quarter of them on weekends, and her
    reclassification journals, always on weekdays; megan's invoices are weekday work. One of jenna's journals
    is dated on a Sunday."""
    days = pd.bdate_range("2025-01-06", periods=240)
    weekends = pd.date_range("2025-01-04", periods=100, freq="W-SAT")
    card = list(days[:150]) + list(weekends[:50])
    rows = [{"voucher_id": f"E{i}", "voucher_type": "Expense", "posting_date": day, "account": account,
             "amount": sign * (40.0 + i), "user_name": "jenna"} for i, day in enumerate(card)
            for account, sign in (("6540", 1), ("1240", -1))]
    rows += [{"voucher_id": f"J{i}", "voucher_type": "Journal Entry", "posting_date": day, "account": account,
              "amount": sign * (900.0 + i), "user_name": "jenna"} for i, day in enumerate(days[::3])
             for account, sign in (("6540", 1), ("1250", -1))]
    rows += [{"voucher_id": f"I{i}", "voucher_type": "Invoice", "posting_date": day, "account": account,
              "amount": sign * (2_000.0 + i), "user_name": "megan"} for i, day in enumerate(days)
             for account, sign in (("1510", 1), ("3010", -1))]
    rows += [{"voucher_id": "J-sunday", "voucher_type": "Journal Entry", "posting_date": pd.Timestamp("2025-03-09"),
              "account": account, "amount": sign * 1_478.60, "user_name": "jenna"}
             for account, sign in (("6540", 1), ("1250", -1))]
    data = frame(rows)
    if not with_types:
        data["voucher_type"] = pd.Series(pd.NA, index=data.index, dtype="string")
    return data


def test_each_kind_of_voucher_keeps_its_own_weekend_habit():
    """The card's Saturday expenses make weekends jenna's habit, and account 6540's; her journals never fall on
    one. Where the ledger tells journals from expenses, the Sunday journal is judged by the journals' habit. Where it
    does not, the weekend is the ledger's habit, but only its Saturdays: it rests on Sundays, and the Sunday journal
    is judged by that day's own share."""
    typed = _bookkeeper_ledger(with_types=True)
    result = get_algorithm("weekend_posting").detect(typed, {"min_amount": 0})
    assert flagged_ids(result) == _ids(typed, "J-sunday")
    assert reason_of(result, min(_ids(typed, "J-sunday"))) == (
        "posted Sunday 2025-03-09, amount 1 478.60 ≥ 0; 1.8 % of voucher type Journal Entry's vouchers fall on a "
        "weekend")
    untyped = _bookkeeper_ledger(with_types=False)
    result = get_algorithm("weekend_posting").detect(untyped, {"min_amount": 0})
    assert flagged_ids(result) == _ids(untyped, "J-sunday")
    assert reason_of(result, min(_ids(untyped, "J-sunday"))) == (
        "posted Sunday 2025-03-09, amount 1 478.60 ≥ 0; 0.2 % of this ledger's vouchers fall on a Sunday")
    assert result.summary["rest_days"] == ["Sunday"]


def test_a_shop_open_on_saturdays_rests_on_sundays():
    """A bicycle shop's till takes every Saturday (a sixth of its vouchers fall on a weekend); a Sunday posting of
    2 500 is flagged by Sundays' own share, the Saturdays are its trade. A shop open both days rests on neither."""
    days = pd.bdate_range("2025-01-06", periods=250)
    saturdays = pd.date_range("2025-01-04", periods=52, freq="W-SAT")
    rows = [{"voucher_id": f"T{i}", "posting_date": day, "account": account, "amount": sign * (1_200.0 + i)}
            for i, day in enumerate(list(days) + list(saturdays)) for account, sign in (("1910", 1), ("3000", -1))]
    rows += [{"voucher_id": "S1", "posting_date": pd.Timestamp("2025-06-15"), "account": account,
              "amount": sign * 2_500.0} for account, sign in (("6110", 1), ("1930", -1))]
    shop = frame(rows)
    result = get_algorithm("weekend_posting").detect(shop)
    assert flagged_ids(result) == _ids(shop, "S1")
    assert result.summary["rest_days"] == ["Sunday"]
    sundays = pd.date_range("2025-01-05", periods=52, freq="W-SUN")
    rows += [{"voucher_id": f"U{i}", "posting_date": day, "account": account, "amount": sign * (1_100.0 + i)}
             for i, day in enumerate(sundays) for account, sign in (("1910", 1), ("3000", -1))]
    assert flagged_ids(get_algorithm("weekend_posting").detect(frame(rows))) == set()


def _supplier_payments(weekend_to_acme: int) -> pd.DataFrame:
    """A year of supplier payments on business days (20 suppliers, 12 each); `weekend_to_acme` of ACME's are made
    on Sundays instead."""
    days = pd.bdate_range("2025-01-06", periods=240)
    sundays = pd.date_range("2025-02-02", periods=weekend_to_acme, freq="4W-SUN")
    rows = []
    for i, day in enumerate(days):
        supplier = "ACME" if i % 20 == 0 else f"S{i % 20}"
        if supplier == "ACME" and (i // 20) < weekend_to_acme:
            day = sundays[i // 20]
        rows += [(f"P{i}", day, "2440", 1_500.0 + i, supplier), (f"P{i}", day, "1930", -1_500.0 - i, supplier)]
    return frame(voucher_id=[r[0] for r in rows], posting_date=[r[1] for r in rows], account=[r[2] for r in rows],
                 amount=[r[3] for r in rows], counterparty=[r[4] for r in rows])


def test_two_sunday_payments_to_one_supplier_do_not_excuse_each_other():
    """No one is paid on a weekend but ACME: twice on a Sunday among its twelve payments. Each Sunday payment
    would make the other ACME's habit; one other is no habit, so both are flagged. Three Sundays (two others
    for each) are ACME's habit."""
    twice = _supplier_payments(2)
    result = get_algorithm("weekend_posting").detect(twice, {"min_amount": 0})
    assert flagged_ids(result) == _ids(twice, "P0") | _ids(twice, "P20")
    thrice = _supplier_payments(3)
    assert flagged_ids(get_algorithm("weekend_posting").detect(thrice, {"min_amount": 0})) == set()


def test_a_months_closing_routine_is_no_outlier_an_extra_or_far_larger_entry_on_its_accounts_is():
    """VAT on receipts (445740) credited invoice by invoice, about 60 each; on each month's last day the month's
    VAT on receipts, a share of it that is no sum of the account's lines, moves to VAT due (445710): a routine at
    a hundred times the account's usual line. A second such entry in one month, or one ten times the routine's
    size, is no routine."""
    rng = np.random.default_rng(3)
    rows = []
    month_ends = pd.date_range("2025-01-31", periods=8, freq="ME")
    for m, end in enumerate(month_ends):
        rows += [(f"I{m}-{i}", end - pd.Timedelta(days=4 + i % 20), "445740", -float(np.round(rng.uniform(30, 90), 2)))
                 for i in range(60)]
        moved = float(np.round(rng.uniform(2_500, 4_500), 2))
        rows += [(f"T{m}", end, "445740", moved), (f"T{m}", end, "445710", -moved)]
    rows += [("X1", month_ends[5], "445740", 3_100.0), ("X1", month_ends[5], "445710", -3_100.0),
             ("X2", month_ends[6] - pd.Timedelta(days=1), "445740", 41_000.0),
             ("X2", month_ends[6] - pd.Timedelta(days=1), "445710", -41_000.0)]
    data = frame(voucher_id=[v for v, *_ in rows], posting_date=[d for _, d, *_ in rows],
                 account=[a for *_, a, _ in rows], amount=[x for *_, x in rows])
    routine = closing_routine(data, SharedWork(data))
    vouchers = data["voucher_id"].to_numpy()
    # T5 and T6 share their month with X1 and X2
    assert set(vouchers[routine]) == {f"T{m}" for m in range(8)} - {"T5", "T6"}
    flagged = data.loc[data["transaction_id"].isin(flagged_ids(get_algorithm("robust_zscore").detect(data))),
                       "voucher_id"]
    assert "X2" in set(flagged) and not set(flagged) & {f"T{m}" for m in (0, 1, 2, 3, 4, 7)}


def test_a_line_settling_the_month_is_no_outlier_a_payment_of_another_size_is():
    """Output VAT (2611) credited invoice by invoice, about 250 each; on the 12th of the next month the month's
    VAT is moved to the tax account in one debit of exactly that month's total: the VAT return, no outlier. A
    debit of the same order that settles no month is one."""
    rng = np.random.default_rng(7)
    rows = []
    for month in range(1, 7):
        credits = np.round(rng.uniform(150, 350, 40), 2)
        rows += [(f"2025-{month:02d}-{1 + i % 27:02d}", -c) for i, c in enumerate(credits)]
        rows.append((f"2025-{month + 1:02d}-12", round(float(credits.sum()), 2)))
    rows.append(("2025-07-20", 9_876.54))
    data = frame(posting_date=[d for d, _ in rows], account=["2611"] * len(rows), amount=[a for _, a in rows])
    for name in ("robust_zscore", "moving_average"):
        assert flagged_ids(get_algorithm(name).detect(data)) == {len(rows)}, name


def test_a_return_clearing_the_months_net_vat_is_no_outlier_a_debit_clearing_nothing_is():
    """Output VAT (445710) credited invoice by invoice, a credit note now and then debiting it back; the VAT return
    debits what the month leaves on the account, the credits less the credit notes: on the month's last day (until
    April), then on the 12th of the next month. It equals no sum of the account's credits, yet it clears the month: no outlier. A
    debit of the same order that clears nothing is one."""
    rng = np.random.default_rng(11)
    rows = []
    for month in range(1, 9):
        credits = np.round(rng.uniform(150, 350, 40), 2)
        notes = np.round(rng.uniform(100, 300, 3), 2)
        rows += [(f"2025-{month:02d}-{1 + i % 27:02d}", -c) for i, c in enumerate(credits)]
        rows += [(f"2025-{month:02d}-{3 + 7 * i:02d}", n) for i, n in enumerate(notes)]
        net = round(float(credits.sum() - notes.sum()), 2)
        rows.append((f"2025-{month:02d}-28", net) if month <= 4 else (f"2025-{month + 1:02d}-12", net))
    rows.append(("2025-09-20", 9_876.54))
    data = frame(posting_date=[d for d, _ in rows], account=["445710"] * len(rows), amount=[a for _, a in rows])
    for name in ("robust_zscore", "moving_average"):
        assert flagged_ids(get_algorithm(name).detect(data)) == {len(rows)}, name


def test_a_web_shop_booking_every_day_books_on_holidays_as_on_any_other_day():
    """A US roaster's year: the web shop's sales receipt every day of the year, its payout to the bank and six
    supplier bills every working day (the office keeps the federal holidays). The shop's 11 holiday receipts are
    1.8 % of its 615 vouchers: under the 2 % `max_share`, but 3 % of the year's days are holidays, so a
    context booking on holidays as on any other day has about that share, and half of it is the bar. A supplier's
    bill on Thanksgiving is still a finding."""
    days = pd.date_range("2025-01-01", "2025-12-31")
    closed = set(holidays.US(years=2025))
    rows = []
    for i, day in enumerate(days):
        rows += [(f"R{i}", day, "1210", 2_000.0 + i, "Shopify"), (f"R{i}", day, "4000", -2_000.0 - i, "Shopify")]
        if day.day_of_week < 5 and day.date() not in closed:
            rows += [(f"P{i}", day, "1000", 1_900.0 + i, "Shopify"), (f"P{i}", day, "1210", -1_900.0 - i, "Shopify")]
            rows += [row for k in range(6) for row in ((f"B{i}-{k}", day, "5000", 300.0 + 7 * k + i, f"Supplier {k}"),
                                                        (f"B{i}-{k}", day, "2000", -300.0 - 7 * k - i, f"Supplier {k}"))]
    thanksgiving = pd.Timestamp("2025-11-27")
    rows += [("X", thanksgiving, "5000", 480.0, "Supplier 1"), ("X", thanksgiving, "2000", -480.0, "Supplier 1")]
    data = frame(voucher_id=[r[0] for r in rows], posting_date=[r[1] for r in rows], account=[r[2] for r in rows],
                 amount=[r[3] for r in rows], counterparty=[r[4] for r in rows], currency=["USD"] * len(rows))
    assert flagged_ids(get_algorithm("holiday_posting").detect(data)) == _ids(data, "X")
