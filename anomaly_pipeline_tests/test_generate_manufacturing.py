"""The held-out manufacturing generator: deterministic per seed, every kind labelled, normal vouchers balance, the
Midlands engineering firm's normal year (England & Wales bank holidays, the shutdowns, payroll on the last working
day, PAYE on the 22nd, VAT a month and seven days after the quarter, Tuesday/Thursday invoice batches, numbering in
entry order), and its Sage 50 style audit trail CSV (separate Debit and Credit columns, dd/mm/yyyy) reads back
through the pipeline's reader line for line."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_manufacturing import (
    APPROVAL_LIMIT,
    COLUMNS,
    FIRST_NUMBER,
    bank_holidays,
    generate_manufacturing,
    in_shutdown,
    is_bank_day,
    pay_day,
    write_manufacturing,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_manufacturing(seed=51, per_kind=6)


@pytest.fixture(scope="module")
def csv_path(ledger, tmp_path_factory):
    return write_manufacturing(ledger, tmp_path_factory.mktemp("manufacturing") / "manufacturing.csv")


@pytest.fixture(scope="module")
def read_back(csv_path):
    _, result = read_file(csv_path, get_settings())
    return result


def _amount(ledger: pd.DataFrame) -> pd.Series:
    return (ledger["Debit"].fillna(0.0) - ledger["Credit"].fillna(0.0)).round(2)


def _vouchers(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.drop_duplicates("No")


def _normal(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger[ledger["anomaly_kind"] == ""]


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_manufacturing(seed=51, per_kind=6))
    assert not ledger.equals(generate_manufacturing(seed=52, per_kind=6))
    assert 8_000 <= len(ledger) <= 20_000
    assert list(ledger.columns) == [*COLUMNS, "anomaly_kind", "anomaly_id"]
    assert (ledger["Debit"].isna() ^ ledger["Credit"].isna()).all()  # one side per row
    assert (ledger[["Debit", "Credit"]].fillna(0.0) >= 0).all().all()


def test_england_and_wales_calendar():
    days = bank_holidays(2025)
    assert sorted(days) == [dt.date(2025, 1, 1), dt.date(2025, 4, 18), dt.date(2025, 4, 21), dt.date(2025, 5, 5),
                            dt.date(2025, 5, 26), dt.date(2025, 8, 25), dt.date(2025, 12, 25), dt.date(2025, 12, 26)]
    assert not is_bank_day(dt.date(2025, 4, 18)) and not is_bank_day(dt.date(2025, 8, 25))
    assert is_bank_day(dt.date(2025, 12, 24)) and in_shutdown(dt.date(2025, 12, 24))
    assert in_shutdown(dt.date(2025, 8, 11)) and not in_shutdown(dt.date(2025, 8, 18))
    assert pay_day(5) == dt.date(2025, 5, 30) and pay_day(8) == dt.date(2025, 8, 29)
    assert pay_day(12) == dt.date(2025, 12, 23)


def test_every_kind_has_per_kind_instances_and_normal_vouchers_balance(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("No")["anomaly_id"].nunique() == 1).all()
    amount = _amount(ledger)
    by_voucher = amount.groupby(ledger["No"]).sum()
    kind = ledger.groupby("No")["anomaly_kind"].first()
    assert (by_voucher[kind != "unbalanced_voucher"].abs() < 0.005).all()
    unbalanced = ledger["anomaly_kind"] == "unbalanced_voucher"
    assert (amount[unbalanced].groupby(ledger.loc[unbalanced, "anomaly_id"]).sum().abs() > 0.005).all()
    # a duplicate repeats a normal purchase invoice's supplier, reference and amounts under a later number
    normal = ledger["anomaly_kind"] == ""
    for _, copy in ledger[ledger["anomaly_kind"] == "duplicate"].groupby("anomaly_id"):
        first = ledger[normal & (ledger["Type"] == "PI") & (ledger["A/C"] == copy["A/C"].iloc[0])
                       & (ledger["Ref"] == copy["Ref"].iloc[0])]
        assert _amount(first).tolist() == _amount(copy).tolist()
        assert first["No"].iloc[0] < copy["No"].iloc[0]
    # just below the limit means just below it
    below = ledger[(ledger["anomaly_kind"] == "just_below_approval_limit") & (ledger["N/C"] == "2100")]
    assert below["Credit"].between(0.95 * APPROVAL_LIMIT, APPROVAL_LIMIT, inclusive="left").all()


def test_numbered_in_entry_order(ledger):
    every = _vouchers(ledger)
    assert every["No"].tolist() == list(range(FIRST_NUMBER, FIRST_NUMBER + len(every)))
    assert ledger["Date Entered"].is_monotonic_increasing
    assert set(ledger["Type"]) == {"SI", "SC", "SR", "PI", "PC", "PP", "BP", "BR", "CP", "VP", "JD", "JC"}
    journals = ledger[ledger["Type"].isin(["JD", "JC"])]
    assert ((journals["Type"] == "JD") == journals["Debit"].notna()).all()
    assert (journals["A/C"] == "").all() and (ledger.loc[ledger["Type"] == "PI", "A/C"] != "").all()


def test_the_firms_calendar(ledger):
    normal = _vouchers(_normal(ledger))
    holidays = [pd.Timestamp(d) for d in bank_holidays(2025)]
    sales = normal[normal["Type"] == "SI"]
    # despatches on working days, a few Saturday shifts, never on a Sunday, a bank holiday or in a shutdown
    assert not sales["Date"].isin(holidays).any() and not (sales["Date"].dt.day_of_week == 6).any()
    assert 1 <= (sales["Date"].dt.day_of_week == 5).sum() <= 8
    assert not sales["Date"].map(lambda d: in_shutdown(d.date())).any()
    # payroll journal on the last working day, posted before it; PAYE/NIC to HMRC on the 22nd or the bank day before
    payroll = normal[normal["Ref"].str.startswith("PAY")]
    assert payroll["Date"].dt.date.tolist() == [pay_day(m) for m in range(1, 13)]
    assert (payroll["Date Entered"] < payroll["Date"]).all() and (payroll["User Name"] == "DFOSTER").all()
    hmrc = normal[normal["Ref"] == "HMRC"]
    assert len(hmrc) == 12 and hmrc["Date"].dt.day.between(19, 22).all()
    # VAT returns to 2202 at the quarter ends, paid a month and seven days later
    vat_paid = normal[normal["Ref"] == "HMRC VAT"]["Date"].dt.date.tolist()
    assert vat_paid == [dt.date(2025, 2, 7), dt.date(2025, 5, 7), dt.date(2025, 8, 7), dt.date(2025, 11, 7)]
    returns = normal[normal["Ref"].str.startswith("VAT Q")]
    assert returns["Date"].dt.month.tolist() == [3, 6, 9, 12]
    vat = ledger[ledger["N/C"].isin(["2200", "2201"])]
    assert _amount(vat).sum() == pytest.approx(0.0, abs=0.05)
    # month-end journals are dated the last day of the month, weekend or not
    depreciation = normal[normal["Ref"].str.startswith("DEP")]
    assert (depreciation["Date"] == depreciation["Date"] + pd.offsets.MonthEnd(0)).all()


def test_structure_of_the_normal_year(ledger):
    normal = _normal(ledger)
    vouchers = _vouchers(normal)
    # purchase invoices in Sarah's Tuesday/Thursday batches, a few days after their date
    purchases = vouchers[vouchers["Type"] == "PI"]
    assert (purchases["User Name"] == "SARAHW").all()
    assert purchases["Date Entered"].dt.day_of_week.isin([1, 3]).all()
    lag = (purchases["Date Entered"].dt.normalize() - purchases["Date"]).dt.days
    assert lag.min() >= 1 and 2 <= lag.median() <= 8 and lag.max() >= 14
    # most purchase invoices are under the approval limit; rent, energy and the new lathe are over it
    gross = normal.loc[(normal["Type"] == "PI") & (normal["N/C"] == "2100"), "Credit"]
    assert (gross >= APPROVAL_LIMIT).sum() >= 5 and (gross < APPROVAL_LIMIT).mean() > 0.95
    # sales: the sales clerk invoices, OEMs dominate, exports zero-rated
    sales = vouchers[vouchers["Type"] == "SI"]
    assert (sales["User Name"] == "JOANNEB").mean() > 0.9
    exports = normal[normal["N/C"] == "4001"]
    assert len(exports) > 50 and (exports["T/C"] == "T0").all()
    assert not normal[(normal["Type"] == "SI") & normal["A/C"].isin(["KESSLE01", "VANDIJ01"])]["N/C"].eq(
        "2200").any()
    assert (normal["T/C"] == "T5").any() and (normal["T/C"] == "T22").any()
    revenue = -_amount(normal[normal["N/C"].isin(["4000", "4001"])]).groupby(
        normal["Date"].dt.month).sum()
    assert revenue[8] < 0.8 * revenue[9] and revenue[3] > revenue[1]
    # a new aluminium supplier from July
    castle = vouchers[vouchers["A/C"] == "CASALL01"]
    assert len(castle) > 15 and castle["Date"].min() >= pd.Timestamp(2025, 7, 1)
    # who does what
    assert set(vouchers["User Name"]) == {"SARAHW", "JOANNEB", "DFOSTER"}
    assert set(vouchers.loc[vouchers["Type"] == "VP", "User Name"]) == {"DFOSTER"}
    every = _vouchers(ledger)
    month_end = every[every["Ref"].str.match(r"(DEP|PRE|STK)\d\d$")]
    assert len(month_end) == 36 and (month_end["Date Entered"] > month_end["Date"]).all()


def test_csv_is_a_sage_style_audit_trail(csv_path, ledger):
    raw = csv_path.read_bytes()
    lines = raw.decode("cp1252").split("\r\n")
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == len(ledger) + 2  # header and the final line break
    first = lines[1].split(",")
    assert first[2].count("/") == 2 and len(first[2]) == 10
    assert (first[10] == "") != (first[11] == "")


def test_csv_reads_back_line_for_line(ledger, read_back):
    frame = read_back.frame
    assert len(frame) == len(ledger)
    # the evaluator maps row_number - 2 back to the ledger's row
    assert frame["row_number"].tolist() == list(range(2, len(ledger) + 2))
    assert frame["voucher_id"].astype(int).tolist() == ledger["No"].tolist()
    assert frame["account"].tolist() == ledger["N/C"].tolist()
    assert frame["counterparty"].fillna("").tolist() == ledger["A/C"].tolist()  # Sage's A/C: customer, supplier
    assert frame["user_name"].tolist() == ledger["User Name"].tolist()
    assert frame["description"].tolist() == ledger["Details"].tolist()
    assert (frame["posting_date"] == ledger["Date"]).all()
    assert (frame["registration_date"] == ledger["Date Entered"]).all()
    assert np.allclose(frame["amount"].to_numpy(dtype=float), _amount(ledger).to_numpy())
    mapping = read_back.metadata["mapping"]
    assert mapping["debit_is_money_out"] is False
    assert mapping["columns"]["debit"] == "Debit" and mapping["columns"]["credit"] == "Credit"
