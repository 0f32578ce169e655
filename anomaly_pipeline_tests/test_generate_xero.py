"""The held-out Xero generator: deterministic per seed, every kind labelled as documented, every normal transaction
balances, the Victorian clinic's calendar, Xero's AU chart and GST, the General Ledger Detail CSV layout (title
rows, header, account headings, Opening Balance / Total <account> / Closing Balance rows, grand Total, `file_line`)
— and what the pipeline's reader makes of the file (written as expectations before the reader met them: the group
headings as accounts, Debit minus Credit rather than Gross, Contact as the counterparty)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_xero import (
    ACCOUNTS,
    APPROVAL_LIMIT,
    COMPANY,
    FILE_NAME,
    HEADER,
    OPENING,
    PERIOD,
    TAX_RATES,
    TITLE,
    VIC,
    generate_xero,
    is_closed,
    is_office_day,
    is_open,
    pay_days,
    write_xero,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_xero(seed=91, per_kind=6)


@pytest.fixture(scope="module")
def path(ledger, tmp_path_factory):
    return write_xero(ledger, tmp_path_factory.mktemp("xero"))


@pytest.fixture(scope="module")
def rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def read(path):
    _, result = read_file(path, get_settings())
    return result


@pytest.fixture(scope="module")
def aligned(read, ledger) -> pd.DataFrame:
    return read.frame.merge(ledger, left_on="row_number", right_on="file_line", how="left", suffixes=("", "_gen"))


def _net(frame: pd.DataFrame) -> pd.Series:
    return (frame["Debit"] - frame["Credit"]).round(2)


def _kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == kind]


def _txns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates("transaction_id")


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_xero(seed=91, per_kind=6))
    assert not ledger.equals(generate_xero(seed=92, per_kind=6))
    assert 4_000 <= len(ledger) <= 10_000
    assert ledger["date"].between("2024-07-01", "2025-06-30").all()
    assert (ledger[["Debit", "Credit"]] >= 0).all().all()
    assert not ((ledger["Debit"] > 0) & (ledger["Credit"] > 0)).any()


def test_every_kind_labelled_and_every_normal_transaction_balances(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("transaction_id")["anomaly_id"].nunique() == 1).all()
    balance = _net(ledger).groupby(ledger["transaction_id"]).sum().round(2)
    kind = ledger.groupby("transaction_id")["anomaly_kind"].first()
    assert (balance[kind != "unbalanced_voucher"].abs() < 0.005).all()
    assert len(balance[kind == "unbalanced_voucher"]) == 6
    assert (balance[kind == "unbalanced_voucher"].abs() > 0.005).all()
    # a transaction shows up once per account it touches
    assert (ledger.groupby("transaction_id")["account_code"].nunique() >= 2).mean() > 0.95


def test_accounts_and_gst(ledger):
    assert set(ledger["account_code"]) <= set(ACCOUNTS)
    assert (ledger["account"] == ledger["account_code"] + " - " + ledger["account_name"]).all()
    assert set(ledger["GST Rate Name"]) - {""} <= set(TAX_RATES)
    assert abs(sum(OPENING.values())) < 0.005
    normal = ledger[ledger["anomaly_kind"] == ""]
    taxed = normal[normal["GST Rate Name"].isin(["GST on Income", "GST on Expenses"])]
    assert (abs(taxed["GST"] - (_net(taxed) * 0.1).round(2)) <= 0.011).all()
    assert np.allclose(ledger["Gross"], (_net(ledger) + ledger["GST"]).round(2))
    untaxed = normal[~normal["GST Rate Name"].isin(["GST on Income", "GST on Expenses"])]
    assert (untaxed["GST"] == 0).all()


def test_victorian_calendar(ledger):
    assert dt.date(2024, 11, 5) in VIC and dt.date(2024, 9, 27) in VIC  # Melbourne Cup, AFL Grand Final Friday
    normal = _txns(ledger[ledger["anomaly_kind"] == ""])
    days = normal["date"].dt.date
    takings = normal["Source"].eq("Receive Money") & normal["Contact"].eq("Daily Takings")
    assert days[takings].map(is_open).all() and (normal.loc[takings, "date"].dt.weekday == 5).any()
    rent = normal["Contact"].eq("Hampton Street Property Trust") & normal["Source"].eq("Payable Invoice")
    assert (normal.loc[rent, "date"].dt.day == 1).all() and rent.sum() == 12
    journals = normal["Source"].eq("Manual Journal")  # the accountant dates month-end journals on the last day
    assert (normal.loc[journals, "date"].dt.is_month_end).all()
    others = ~takings & ~rent & ~journals
    assert days[others].map(is_office_day).all()
    assert len(pay_days()) == 26 and all(d.weekday() == 3 for d in pay_days() if is_office_day(d))


def test_each_kind_looks_as_it_should(ledger):
    txns = _txns(ledger)
    weekend = _txns(_kind(ledger, "weekend_holiday_posting"))
    assert weekend["date"].dt.date.map(is_closed).all()
    below = _kind(ledger, "just_below_approval_limit")
    gross = below[below["account_code"].isin(["800", "090"])]
    assert ((gross["Credit"] >= 9_800) & (gross["Credit"] < APPROVAL_LIMIT)).all() and len(gross) == 6
    normal_bills = ledger[(ledger["anomaly_kind"] == "") & (ledger["account_code"] == "800")
                          & (ledger["Source"] == "Payable Invoice")]
    assert not normal_bills["Credit"].between(0.95 * APPROVAL_LIMIT, APPROVAL_LIMIT - 0.01).any()
    rounds = _kind(ledger, "round_amount")
    assert (rounds[["Debit", "Credit"]].max(axis=1) % 5_000 == 0).all()
    dup = _txns(_kind(ledger, "duplicate"))
    for row in dup.itertuples():
        earlier = txns[(txns["Contact"] == row.Contact) & (txns["date"] <= row.date)
                       & (txns["transaction_id"] < row.transaction_id) & (txns["Source"] == row.Source)]
        assert len(earlier)
    rev = _kind(ledger, "period_end_reversal")
    assert (rev.groupby("anomaly_id")["transaction_id"].nunique() == 2).all()
    firsts = rev.groupby("anomaly_id")["date"].min()
    assert (firsts.dt.is_month_end).all()
    assert (_net(rev).groupby(rev["anomaly_id"]).sum().abs() < 0.01).all()
    spikes = _kind(ledger, "daily_spike")
    assert (spikes.groupby("anomaly_id")["transaction_id"].nunique() >= 15).all()
    assert (spikes.groupby("anomaly_id")["date"].nunique() == 1).all()
    vat = _kind(ledger, "broken_vat_ratio")
    vat = vat[vat["GST Rate Name"].isin(["GST on Income", "GST on Expenses"])]
    assert (abs(vat["GST"] - (_net(vat) * 0.1).round(2)) > 0.02).groupby(vat["anomaly_id"]).any().all()
    unusual = _txns(_kind(ledger, "unusual_user"))
    assert set(unusual["Source"]) == {"Spend Money", "Manual Journal", "Expense Claim"}
    assert "Expense Claim" not in set(ledger.loc[ledger["anomaly_kind"] == "", "Source"])
    back = _txns(_kind(ledger, "backdated"))
    inv = back[back["Source"] == "Receivable Invoice"]
    invoices = txns[txns["Source"] == "Receivable Invoice"].sort_values("Reference")
    for row in inv.itertuples():
        neighbours = invoices[invoices["Reference"] > row.Reference].head(3)
        assert (neighbours["date"] - row.date).dt.days.min() >= 30
    combo = _kind(ledger, "unusual_account_combination")
    assert combo.groupby("anomaly_id")["account_code"].apply(lambda s: "200" in set(s)).any()
    outl = _kind(ledger, "amount_outlier")
    assert (outl[["Debit", "Credit"]].max(axis=1).groupby(outl["anomaly_id"]).max() > 1_500).all()


def test_file_is_a_general_ledger_detail_export(path, rows, ledger):
    assert path.name == FILE_NAME
    assert rows[0][0] == TITLE and rows[1][0] == COMPANY and rows[2][0] == PERIOD and rows[3] == []
    assert rows[4] == HEADER and all(len(r) in (0, len(HEADER)) for r in rows)
    headings = [r[0] for r in rows if r and r[0][:3].isdigit() and " - " in r[0]]
    with_lines = list(dict.fromkeys(ledger["account"]))
    assert [h for h in headings if h in with_lines] == with_lines and set(headings) <= {
        f"{c} - {n}" for c, n in ACCOUNTS.items()}
    assert sum(r[0] == "Opening Balance" for r in rows if r) == len(headings)
    assert sum(r[0] == "Closing Balance" for r in rows if r) == len(headings)
    assert [r[0] for r in rows if r and r[0].startswith("Total ")] == [f"Total {h}" for h in headings]
    assert rows[-1][0] == "Total"
    for line in ledger.sample(200, random_state=0).itertuples():
        r = rows[line.file_line - 1]
        assert r[0] == line.Date and r[3] == line.Description
        assert dt.datetime.strptime(r[0], "%d %b %Y").date() == line.date.date()
    bank = ledger[ledger["account_code"] == "090"]
    assert abs(OPENING["090"] + _net(bank).sum() - bank["Running Balance"].iloc[-1]) < 0.01
    assert '"1,' in path.read_text() or '"2,' in path.read_text()


def test_reader_reads_every_line(read, ledger, aligned):
    """The reader finds the header under the title rows, numbers rows by their line in the file, skips headings,
    Opening/Closing Balance and Total rows, and reads every transaction line with its date and description."""
    frame = read.frame
    assert len(frame) == len(ledger) and set(frame["row_number"]) == set(ledger["file_line"])
    assert (aligned["posting_date"] == aligned["date"]).all()
    assert (aligned["description"].fillna("") == aligned["Description"]).all()
    assert (aligned["reference"].fillna("") == aligned["Reference"]).all()


def test_reader_gives_lines_their_groups_account(aligned):
    assert (aligned["account"].astype(str) == aligned["account_code"]).all()


def test_reader_amount_is_debit_minus_credit(aligned):
    assert np.allclose(aligned["amount"].astype(float), _net(aligned))


def test_reader_counterparty_is_the_contact(aligned):
    assert (aligned["counterparty"].fillna("") == aligned["Contact"]).all()


def test_reader_totals_per_day_without_summary_rows(aligned, ledger):
    """Nothing of the Opening/Closing Balance or Total rows enters the read amounts: the read lines' day totals
    equal the report's Debit minus Credit per day."""
    read_by_day = aligned.groupby("posting_date")["amount"].sum().astype(float).round(2)
    net_by_day = _net(ledger).groupby(ledger["date"]).sum().round(2)
    assert np.allclose(read_by_day.sort_index().to_numpy(), net_by_day.sort_index().to_numpy())
