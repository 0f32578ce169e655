"""The held-out QuickBooks Online generator: deterministic per seed, every kind labelled, every normal transaction
balances, the Portland roaster's US year (federal holidays and the firm's own closing days, payroll every other
Friday through Gusto, the café and the web shop every day, bills in Tuesday/Thursday batches paid on Fridays, Amex
accepted on Mondays, the bookkeeper's month-end entries), its Journal report CSV (title rows, header, group rows,
'Total for' rows, TOTAL, footer, amount and date formats, `file_line`) — and what the pipeline's reader makes of it,
with what it gets wrong marked `reader gap:` as strict xfails."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_quickbooks import (
    APPROVAL_LIMIT,
    COLUMNS,
    COMPANY,
    FOOTER,
    GUSTO,
    HEADER,
    JENNA,
    MEGAN,
    OFFICE_CLOSED,
    PERIOD,
    RYAN,
    SHOPIFY,
    SQUARE,
    TOM,
    WA_TAX,
    federal_holidays,
    generate_quickbooks,
    is_bank_day,
    is_off,
    is_office_day,
    month_end,
    pay_days,
    write_quickbooks,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_quickbooks(seed=71, per_kind=6)


@pytest.fixture(scope="module")
def path(ledger, tmp_path_factory):
    return write_quickbooks(ledger, tmp_path_factory.mktemp("qbo"))


@pytest.fixture(scope="module")
def rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def read(path):
    _, result = read_file(path, get_settings())
    return result


@pytest.fixture(scope="module")
def aligned(read, ledger) -> pd.DataFrame:
    return read.frame.merge(ledger, left_on="row_number", right_on="file_line", how="left")


def _amount(frame: pd.DataFrame) -> pd.Series:
    return (frame["Debit"] - frame["Credit"]).round(2)


def _txns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates("Transaction ID")


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == ""]


def _kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == kind]


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_quickbooks(seed=71, per_kind=6))
    assert not ledger.equals(generate_quickbooks(seed=72, per_kind=6))
    assert 10_000 <= len(ledger) <= 25_000
    assert list(ledger.columns) == [*COLUMNS, "anomaly_kind", "anomaly_id", "file_line"]
    assert ledger["Transaction date"].dt.year.eq(2025).all()
    assert (ledger[["Debit", "Credit"]] >= 0).all().all() and not ((ledger["Debit"] > 0) & (ledger["Credit"] > 0)).any()
    # QBO's $0 payments (a credit memo applied to its invoice) are the only lines without an amount
    empty = (ledger["Debit"] == 0) & (ledger["Credit"] == 0)
    assert (ledger.loc[empty, "Transaction type"] == "Payment").all() and empty.sum() > 10


def test_every_kind_labelled_and_every_normal_transaction_balances(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("Transaction ID")["anomaly_id"].nunique() == 1).all()
    balance = _amount(ledger).groupby(ledger["Transaction ID"]).sum().round(2)
    kind = ledger.groupby("Transaction ID")["anomaly_kind"].first()
    assert (balance[kind != "unbalanced_voucher"].abs() < 0.005).all()
    assert len(balance[kind == "unbalanced_voucher"]) == 6 and (balance[kind == "unbalanced_voucher"].abs() > 0.005).all()


def test_each_kind_looks_as_it_should(ledger):
    normal = _normal(ledger)
    # duplicates repeat an earlier normal bill or card charge: same name, date and amounts, created later
    for _, copy in _kind(ledger, "duplicate").groupby("anomaly_id"):
        same = normal[(normal["Name"] == copy["Name"].iloc[0]) & (normal["Transaction date"] == copy[
            "Transaction date"].iloc[0]) & (normal["Transaction type"] == copy["Transaction type"].iloc[0])]
        originals = [g for _, g in same.groupby("Transaction ID") if _amount(g).tolist() == _amount(copy).tolist()]
        assert originals and originals[0]["Create date"].iloc[0] < copy["Create date"].iloc[0]
        assert originals[0]["Num"].iloc[0] == "" or originals[0]["Num"].iloc[0] != copy["Num"].iloc[0]
    below = _kind(ledger, "just_below_approval_limit")
    assert below[below["Debit"] > 0]["Debit"].between(0.97 * APPROVAL_LIMIT, APPROVAL_LIMIT, inclusive="left").all()
    back = _txns(_kind(ledger, "backdated"))
    assert (back["Create date"].dt.normalize() - back["Transaction date"]).dt.days.between(45, 150).all()
    # sales tax on a Washington equipment sale that is not the customer's city rate
    for _, inv in _kind(ledger, "broken_vat_ratio").groupby("anomaly_id"):
        equipment = inv.loc[inv["Account full name"] == "Equipment Sales", "Credit"].sum()
        tax = inv.loc[inv["Account full name"] == WA_TAX, "Credit"].sum()
        assert inv["Name"].iloc[0].endswith(")") and equipment > 0
        rate = {"Vancouver": 0.087, "Seattle": 0.1035, "Tacoma": 0.103, "Olympia": 0.098, "Camas": 0.087}[
            re.search(r"\((\w+)\)$", inv["Name"].iloc[0]).group(1)]
        assert abs(tax / equipment - rate) > 0.004
    for _, pair in _kind(ledger, "period_end_reversal").groupby("anomaly_id"):
        inv, memo = [g for _, g in pair.groupby("Transaction ID", sort=False)]
        assert inv["Transaction type"].iloc[0] == "Invoice" and memo["Transaction type"].iloc[0] == "Credit Memo"
        assert _amount(inv).tolist() == (-_amount(memo)).tolist()
        day, back_day = inv["Transaction date"].iloc[0], memo["Transaction date"].iloc[0]
        assert day.month != back_day.month and (back_day - day).days <= 12
        assert not [d for d in pd.date_range(day + pd.Timedelta(days=1), month_end(day.month)) if is_office_day(d.date())]
    off = _txns(_kind(ledger, "weekend_holiday_posting"))
    assert off["Transaction date"].dt.date.map(is_off).all()
    assert set(off["Transaction type"]) == {"Invoice", "Bill Payment (Check)", "Journal Entry"}
    rounded = _kind(ledger, "round_amount")
    assert ((rounded["Debit"] + rounded["Credit"]) % 5_000 == 0).all()
    for _, spike in _kind(ledger, "daily_spike").groupby("anomaly_id"):
        assert spike["Transaction date"].nunique() == 1 and spike["Transaction ID"].nunique() >= 6
    users = _txns(_kind(ledger, "unusual_user"))
    assert set(users["Created by"]) == {RYAN, MEGAN, TOM}


def test_us_calendar():
    days = federal_holidays(2025)
    assert len(days) == 11 and dt.date(2025, 7, 4) in days and dt.date(2025, 11, 27) in days
    assert is_office_day(dt.date(2025, 1, 20)) and not is_bank_day(dt.date(2025, 1, 20))  # MLK day: office works
    assert not is_office_day(dt.date(2025, 11, 28)) and is_bank_day(dt.date(2025, 11, 28))  # the day after
    assert dt.date(2025, 12, 24) in OFFICE_CLOSED
    paid = pay_days()
    assert len(paid) == 26 and paid[0] == dt.date(2025, 1, 3) and dt.date(2025, 7, 3) in paid
    assert all(d.weekday() == 4 for d in paid if d != dt.date(2025, 7, 3))


def test_the_firms_calendar(ledger):
    txns = _txns(_normal(ledger))
    date = txns["Transaction date"]
    off = (date.dt.day_of_week >= 5) | date.dt.date.isin(OFFICE_CLOSED)  # the office works on MLK day & co.
    apps = txns["Created by"].isin([SQUARE, SHOPIFY])
    card = (txns["Transaction type"] == "Expense") & txns["Account full name"].ne("Checking - US Bank") & (
        date.dt.day_of_week >= 5)
    vendor_dated = txns["Transaction type"] == "Bill"
    month_edges = (txns["Transaction type"] == "Journal Entry") & ((date == date + pd.offsets.MonthEnd(0))
                                                                   | (date.dt.day == 1))
    bank = txns["Transaction type"].isin(["Payment", "Deposit", "Expense"]) & date.dt.date.map(is_bank_day)
    allowed = apps | card | vendor_dated | month_edges | bank
    assert not (off & ~allowed).any(), txns[off & ~allowed][["Transaction date", "Transaction type", "Name"]]
    # invoices are keyed the day they are dated, on office days (MLK day etc. included)
    invoices = txns[txns["Transaction type"] == "Invoice"]
    assert invoices["Transaction date"].dt.date.map(is_office_day).all()
    assert (invoices["Create date"].dt.normalize() == invoices["Transaction date"]).mean() > 0.99
    assert (invoices["Transaction date"] == pd.Timestamp(2025, 1, 20)).any()
    # the café every open day, weekends included
    square = _txns(ledger[ledger["Created by"] == SQUARE])  # a sync glitch or two included
    receipts = square[square["Transaction type"] == "Sales Receipt"]["Transaction date"]
    assert len(receipts) == 362 and (receipts.dt.day_of_week >= 5).sum() > 100
    # bills created in Tuesday/Thursday batches, card charges accepted on Mondays
    bills = txns[(txns["Transaction type"] == "Bill") & (txns["Created by"] == TOM)]
    rent = bills["Name"] == "Ankeny Street Properties LLC"  # entered ahead of the 1st
    assert bills[~rent]["Create date"].dt.day_of_week.isin([1, 3]).all()
    assert (bills[rent]["Create date"] < bills[rent]["Transaction date"]).all()
    card_charges = txns[(txns["Transaction type"] == "Expense") & (txns["Created by"] == JENNA)
                        & txns["Name"].isin(["Costco", "Chevron", "Amazon", "Meta Ads"])]
    assert (card_charges["Create date"].dt.day_of_week == 0).all()


def test_structure_of_the_year(ledger):
    txns = _txns(_normal(ledger))
    payroll = _txns(ledger[ledger["Created by"] == GUSTO])  # one that lost its 401(k) line included
    assert payroll["Transaction date"].dt.date.tolist() == pay_days()
    assert (payroll["Create date"] < payroll["Transaction date"]).all()  # Gusto debits two bank days before
    adjusting = txns[txns["Num"].str.startswith("ADJ") & ~txns["Num"].str.endswith("R")]
    assert set(adjusting["Transaction date"].dt.date) == {month_end(m) for m in range(1, 13)}
    lag = (adjusting["Create date"].dt.normalize() - adjusting["Transaction date"]).dt.days
    assert lag.between(5, 20).all() and (adjusting["Created by"] == JENNA).all()
    runs = txns[txns["Transaction type"] == "Bill Payment (Check)"]["Transaction date"]
    assert (runs.dt.day_of_week.isin([2, 3, 4])).all() and (runs.dt.day_of_week == 4).mean() > 0.9
    deposits = txns[(txns["Transaction type"] == "Deposit") & (txns["Created by"] == MEGAN)]["Transaction date"]
    assert deposits.dt.day_of_week.isin([1, 4]).all()
    # Oregon has no sales tax: only Washington customers and the web shop's WA orders collect it
    taxed = _txns(ledger[(ledger["Account full name"] == WA_TAX) & (ledger["Credit"] > 0)])
    assert (taxed["Name"].str.contains(r"\((?:Vancouver|Seattle|Tacoma|Olympia|Camas)\)") | (
        taxed["Name"] == "Shopify")).all()
    invoices = txns[txns["Transaction type"] == "Invoice"]
    assert invoices["Num"].astype(int).is_unique and invoices["Num"].astype(int).min() == 1001
    ids = _txns(ledger)["Transaction ID"].astype(int)
    assert ids.is_unique
    gross = _normal(ledger)
    assert (gross[(gross["Transaction type"] == "Bill") & (gross["Debit"] > 0) & ~gross["Account full name"].str.contains(
        "Green Coffee|Rent|Prepaid")]["Debit"] < APPROVAL_LIMIT).mean() > 0.99


def test_file_is_a_qbo_journal_report(path, rows, ledger):
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == len(rows) and raw.endswith(b"\r\n") and not raw.startswith(b"\xef\xbb\xbf")
    width = len(HEADER)
    assert rows[0] == [COMPANY, *[""] * (width - 1)] and rows[1] == ["Journal", *[""] * (width - 1)]
    assert rows[2] == [PERIOD, *[""] * (width - 1)] and rows[3] == [] and rows[4] == HEADER
    assert raw.splitlines()[0].startswith(b'"Stumptown Ridge Coffee Roasters, LLC",,')
    assert rows[-1] == [FOOTER, *[""] * (width - 1)] and rows[-2] == rows[-3] == []
    assert rows[-4][0] == "TOTAL" and rows[-4][-2].startswith("$")
    body = rows[5:-4]
    money, dollars = re.compile(r"\d{1,3}(,\d{3})*\.\d\d"), re.compile(r"\$\d{1,3}(,\d{3})*\.\d\d")
    groups = totals = 0
    for r in body:
        assert len(r) == width
        if r[0].startswith("Total for "):
            totals += 1
            assert all(c == "" for c in r[1:-2]) and all(c == "" or dollars.fullmatch(c) for c in r[-2:])
        elif r[0]:
            groups += 1
            assert r[0].isdigit() and all(c == "" for c in r[1:])
        else:  # a split line: the transaction's date, type, Num and name repeated on every line
            assert re.fullmatch(r"\d\d/\d\d/2025", r[1]) and re.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d:\d\d", r[4])
            assert all(c == "" or money.fullmatch(c) for c in r[-2:])
    assert groups == totals == ledger["Transaction ID"].nunique()
    assert len(body) == len(ledger) + 2 * groups
    # file_line is each split's physical line
    for line in ledger["file_line"].iloc[::97]:
        r = rows[line - 1]
        split = ledger[ledger["file_line"] == line].iloc[0]
        assert r[1] == f"{split['Transaction date']:%m/%d/%Y}" and r[8] == split["Account full name"]
    # a transaction's 'Total for' row carries its debits and credits, the unbalanced ones unequal
    totals_rows = {r[0][10:]: r for r in body if r[0].startswith("Total for ")}
    unbalanced = _kind(ledger, "unbalanced_voucher")["Transaction ID"].unique()
    for tid in unbalanced:
        assert totals_rows[tid][-2] != totals_rows[tid][-1]
    quoted = raw.decode("utf-8")
    assert '"1,' in quoted or '"2,' in quoted  # amounts over 999 are quoted for their thousands separator


def test_reader_reads_every_split(read, ledger, aligned):
    """The CSV reader finds the header under the title rows, numbers rows by their physical line (so `file_line`
    aligns), skips the group headings, 'Total for' rows, TOTAL and the footer as summary rows, and reads every
    split: dates, accounts, names, memos, Created by, Create date as the registration date, debit minus credit,
    and the transaction (the group heading's id) as the voucher, Num as the reference. The $0 Payment's lines
    inside a transaction are amounts of 0; the one of them without an account says nothing and is skipped."""
    frame = read.frame
    kept = ledger[(ledger["Debit"] > 0) | (ledger["Credit"] > 0) | (ledger["Account full name"] != "")]
    assert len(frame) == len(kept) and set(frame["row_number"]) == set(kept["file_line"])
    assert aligned["file_line"].notna().all()
    assert (aligned["posting_date"] == aligned["Transaction date"]).all()
    assert (aligned["account"] == aligned["Account full name"]).all()
    assert (aligned["counterparty"].fillna("") == aligned["Name"].str.strip()).all()
    assert (aligned["description"].fillna("") == aligned["Description"].str.strip()).all()
    assert (aligned["user_name"] == aligned["Created by"]).all()
    assert np.allclose(aligned["amount"].to_numpy(dtype=float), _amount(aligned).to_numpy())
    assert (aligned["registration_date"].dt.normalize() == aligned["Create date"].dt.normalize()).all()
    assert (aligned["voucher_id"].astype(str) == aligned["Transaction ID"].astype(str)).all()
    assert (aligned["reference"].fillna("") == aligned["Num"].astype(str).str.strip()).all()
    fields = read.metadata["mapping_report"]["fields"]
    assert fields["debit"]["source"] == "Debit" and fields["credit"]["source"] == "Credit"
    assert fields["account"]["source"] == "Account full name" and fields["posting_date"]["source"] == "Transaction date"
    assert fields["voucher_id"]["how"] == "the report's group rows" and fields["reference"]["source"] == "Num"
    assert fields["registration_date"]["source"] == "Create date" and fields["user_name"]["source"] == "Created by"
    assert read.metadata["mapping_report"]["unmapped_columns"] == []
    assert fields["voucher_type"]["source"] == "Transaction type"
    assert (aligned["voucher_type"] == aligned["Transaction type"]).all()
    skipped = {entry["reason"]: entry["rows"] for entry in read.metadata["mapping_report"]["skipped_rows"]}
    assert skipped["balance/summary rows, not transactions"] == 2 * ledger["Transaction ID"].nunique() + 1
