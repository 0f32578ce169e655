"""The held-out Exact Online generator: deterministic per seed, every kind labelled as documented, every
normal entry balances, the Dutch calendar and the users' duties, the BTW-codes and rates, the transactions CSV
layout byte for byte where it matters (BOM, header, `;`, CRLF, dd-mm-yyyy dates, decimal comma, quoting,
`file_line`) — and what the pipeline's reader should make of the file (written from the export format before
the reader met it: an entry is Dagboek plus Boekstuknummer, dates are day first, Debet minus Credit with a
decimal comma, Aangemaakt as the registration time, the line text rather than the account's name as the
description)."""

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
from benchmarks.generate_exact import (
    ACCOUNTANT,
    ACCOUNTS,
    APPROVAL_LIMIT,
    BOEKHOUDER,
    DIRECTEUR,
    FILE_NAME,
    HEADER,
    NL,
    SUPPLIERS,
    VAT_CODES,
    VERKOOP,
    generate_exact,
    is_closed,
    is_working_day,
    write_exact,
)

SEED = 111


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_exact(seed=SEED, per_kind=6)


@pytest.fixture(scope="module")
def path(ledger, tmp_path_factory):
    return write_exact(ledger, tmp_path_factory.mktemp("exact"))


@pytest.fixture(scope="module")
def raw(path) -> bytes:
    return path.read_bytes()


@pytest.fixture(scope="module")
def rows(raw) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.fixture(scope="module")
def read(path):
    _, result = read_file(path, get_settings())
    return result


@pytest.fixture(scope="module")
def aligned(read, ledger) -> pd.DataFrame:
    return read.frame.merge(
        ledger, left_on="row_number", right_on="file_line", how="left", suffixes=("", "_gen")
    )


def _net(frame: pd.DataFrame) -> pd.Series:
    return (frame["Debet"] - frame["Credit"]).round(2)


def _kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == kind]


def _vouchers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates("voucher")


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == ""]


def _lag_days(frame: pd.DataFrame) -> pd.Series:
    return (frame["created"].dt.normalize() - frame["date"]).dt.days


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_exact(seed=SEED, per_kind=6))
    assert not ledger.equals(generate_exact(seed=SEED + 1, per_kind=6))
    assert 4_000 <= len(ledger) <= 6_500 and 1_100 <= ledger["voucher"].nunique() <= 1_700
    assert ledger["date"].between("2024-01-01", "2024-12-31").all()
    assert (ledger["created"] >= ledger["date"]).all() and ledger["created"].max() < pd.Timestamp(
        "2025-02-14"
    )
    assert (ledger[["Debet", "Credit"]] >= 0).all().all()
    assert ((ledger["Debet"] > 0) ^ (ledger["Credit"] > 0)).all()  # one side per line, never a zero line
    assert list(ledger["file_line"]) == list(range(2, len(ledger) + 2))


def test_every_kind_labelled_and_every_normal_entry_balances(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("voucher")["anomaly_id"].nunique() == 1).all()
    balance = _net(ledger).groupby(ledger["voucher"]).sum().round(2)
    kind = ledger.groupby("voucher")["anomaly_kind"].first()
    assert (balance[kind != "unbalanced_voucher"].abs() < 0.005).all()
    assert len(balance[kind == "unbalanced_voucher"]) == 6
    assert (balance[kind == "unbalanced_voucher"].abs() > 0.005).all()
    # an entry is (Dagboek, Boekstuknummer): the numbers recur across journals, never within one
    entries = _vouchers(ledger)
    assert (entries.groupby("Boekstuknummer")["journal"].nunique() > 1).sum() > 100
    assert not entries.duplicated(["journal", "Boekstuknummer"]).any()
    # each journal numbers its entries in the order they were created, without gaps
    for journal, group in entries.groupby("journal"):
        numbers = group.sort_values(["created", "Boekstuknummer"])["Boekstuknummer"].to_numpy()
        assert (np.diff(numbers) > 0).all(), journal
        assert numbers.max() - numbers.min() + 1 == len(numbers)
    sales = ledger[ledger["journal"] == "60"]
    assert (sales["Factuurnummer"] == sales["Boekstuknummer"].astype(str)).all()


def test_accounts_users_and_btw(ledger):
    assert set(ledger["Grootboekrekening"]) <= set(ACCOUNTS)
    assert (ledger["Grootboekrekening: Omschrijving"] == ledger["Grootboekrekening"].map(ACCOUNTS)).all()
    assert set(ledger["BTW-code"]) - {""} <= set(VAT_CODES)
    assert set(ledger["Aangemaakt door"]) <= {BOEKHOUDER, VERKOOP, DIRECTEUR, ACCOUNTANT}
    normal = _normal(ledger)
    base = normal[normal["BTW-bedrag"].notna()]
    rate = base["BTW-code"].map(lambda c: VAT_CODES[c][1])
    assert (abs(base["BTW-bedrag"] - (_net(base) * rate).round(2)) <= 0.011).all()
    assert {"1", "2", "3", "4", "5", "6"} <= set(base["BTW-code"])  # 9 %, 21 %, EU verlegd, both sides
    # the BTW lines of an invoice carry exactly the BTW of its base lines (reverse charge: 1520 and 1500 both)
    invoices = normal[normal["journal"].isin(["60", "65"])]
    vat_lines = invoices[invoices["Grootboekrekening"].isin(["1500", "1510", "1520"])]
    charged = invoices[invoices["BTW-code"] != "6"].groupby("voucher")["BTW-bedrag"].sum().round(2)
    booked = (
        _net(vat_lines).groupby(vat_lines["voucher"]).sum().reindex(charged.index, fill_value=0.0).round(2)
    )
    assert np.allclose(charged, booked)
    reverse = vat_lines[vat_lines["BTW-code"] == "6"]
    assert len(reverse) and (_net(reverse).groupby(reverse["voucher"]).sum().abs() < 0.005).all()
    eu = normal[normal["BTW-code"] == "3"]
    assert set(eu["Grootboekrekening"]) == {"8100"} and (eu["BTW-bedrag"] == 0).all()
    assert not invoices.loc[invoices["Grootboekrekening"] == "1510", "BTW-code"].ne("1").any()
    # the users' duties
    entries = _vouchers(normal)
    duties = entries.groupby("journal")["Aangemaakt door"].agg(set).to_dict()
    assert duties == {
        "20": {BOEKHOUDER},
        "60": {VERKOOP},
        "65": {BOEKHOUDER},
        "70": {BOEKHOUDER, DIRECTEUR, ACCOUNTANT},
    }


def test_dutch_calendar(ledger):
    assert dt.date(2024, 5, 9) in NL and dt.date(2024, 5, 20) in NL and dt.date(2024, 4, 27) in NL
    assert not is_working_day(dt.date(2024, 12, 26)) and is_working_day(dt.date(2024, 12, 27))
    entries = _vouchers(_normal(ledger))
    days = entries["date"].dt.date
    subscriptions = (
        entries["journal"].eq("65")
        & entries["date"].dt.day.eq(1)
        & entries["Relatie"].str[:4].map(lambda c: c in SUPPLIERS and SUPPLIERS[c][4] == "first")
    )
    month_end = entries["journal"].eq("70") & entries["date"].dt.is_month_end
    assert days[~subscriptions & ~month_end].map(is_working_day).all()
    assert (
        ~days[subscriptions | month_end].map(is_working_day)
    ).any()  # the 1st and month ends fall on weekends
    # people work on working days in office hours
    created = entries["created"]
    assert created.dt.date.map(is_working_day).all()
    assert created.dt.hour.between(8, 17).all()
    lag = _lag_days(entries)
    assert lag.max() < 45
    assert lag[entries["journal"].eq("60")].max() <= 5  # the next working day at the latest
    assert lag[entries["journal"].eq("65") & ~subscriptions].between(1, 20).all()
    accountant = entries["Aangemaakt door"].eq(ACCOUNTANT)
    assert lag[accountant].between(10, 40).all() and (entries.loc[accountant, "date"].dt.is_month_end).all()
    # the managed-services batch on the first working day of each month, project hours on the last
    contract = entries[
        entries["journal"].eq("60") & entries["Omschrijving"].str.startswith("Managed services")
    ]
    firsts = contract.groupby(contract["date"].dt.month)["date"].min().dt.date
    assert all(d.day <= 4 and is_working_day(d) for d in firsts) and len(firsts) == 12
    # salaries on the 25th (or the working day before)
    salaries = ledger[
        ledger["Omschrijving"].str.startswith("Salarissen") & ledger["Grootboekrekening"].eq("1100")
    ]
    assert len(salaries) == 12 and salaries["date"].dt.day.between(22, 25).all()


def test_each_kind_looks_as_it_should(ledger):
    normal = _vouchers(_normal(ledger))
    weekend = _vouchers(_kind(ledger, "weekend_holiday_posting"))
    assert (
        weekend["date"].dt.date.map(is_closed).all()
        and (weekend["created"].dt.date == weekend["date"].dt.date).all()
    )
    assert not weekend["date"].dt.is_month_end.any() and (weekend["date"].dt.day > 1).all()
    back = _vouchers(_kind(ledger, "backdated"))
    assert _lag_days(back).between(45, 150).all()
    late_sales = back[back["journal"] == "60"]
    for row in late_sales.itertuples():  # its number sits among invoices dated weeks later
        near = normal[(normal["journal"] == "60") & (abs(normal["Boekstuknummer"] - row.Boekstuknummer) <= 3)]
        assert len(near) and (near["date"] - row.date).dt.days.min() >= 30
    below = _kind(ledger, "just_below_approval_limit")
    payable = below[below["Grootboekrekening"] == "1600"]
    assert len(payable) == 6 and payable["Credit"].between(14_700, 14_990).all()
    purchases = _normal(ledger)
    purchases = purchases[(purchases["journal"] == "65") & (purchases["Grootboekrekening"] == "1600")]
    assert not purchases["Credit"].between(0.95 * APPROVAL_LIMIT, APPROVAL_LIMIT - 0.01).any()
    assert (purchases["Credit"] >= APPROVAL_LIMIT).any()  # larger ones exist: they went through approval
    rounds = _kind(ledger, "round_amount")
    sizes = rounds[["Debet", "Credit"]].max(axis=1).groupby(rounds["anomaly_id"]).max()
    assert (sizes % 5_000 == 0).all() and sizes.between(10_000, 50_000).all()
    for row in _vouchers(_kind(ledger, "duplicate")).itertuples():
        gross = ledger.loc[
            (ledger["voucher"] == row.voucher) & (ledger["Grootboekrekening"] == "1600"), "Credit"
        ].iloc[0]
        twins = ledger[
            (ledger["journal"] == "65")
            & (ledger["Relatie"] == row.Relatie)
            & (ledger["date"] == row.date)
            & (ledger["Grootboekrekening"] == "1600")
            & (ledger["Credit"] == gross)
            & (ledger["created"] <= row.created)
            & (ledger["voucher"] != row.voucher)
        ]
        assert len(twins) == 1
        assert 0 <= (row.created.normalize() - twins["created"].iloc[0].normalize()).days <= 6
    rev = _kind(ledger, "period_end_reversal")
    assert (rev.groupby("anomaly_id")["voucher"].nunique() == 2).all()
    dates = rev.groupby("anomaly_id")["date"].agg(["min", "max"])
    assert dates["min"].dt.is_month_end.all() and ((dates["max"] - dates["min"]).dt.days.between(1, 5)).all()
    revenue = rev[rev["Grootboekrekening"].str.startswith("8")]
    assert (_net(revenue).groupby(revenue["anomaly_id"]).sum().abs() < 0.01).all()
    spikes = _kind(ledger, "daily_spike")
    assert (spikes.groupby("anomaly_id")["voucher"].nunique().between(15, 30)).all()
    assert (spikes.groupby("anomaly_id")["date"].nunique() == 1).all()
    vat = _kind(ledger, "broken_vat_ratio")
    vat = vat[vat["BTW-bedrag"].notna()]
    rate = vat["BTW-code"].map(lambda c: VAT_CODES[c][1])
    assert (
        (abs(vat["BTW-bedrag"] - (_net(vat) * rate).round(2)) > 0.02).groupby(vat["anomaly_id"]).any().all()
    )
    duties = normal.groupby("Aangemaakt door")["journal"].agg(set)
    unusual = _vouchers(_kind(ledger, "unusual_user"))
    for journal, user in zip(unusual["journal"], unusual["Aangemaakt door"], strict=True):
        assert journal not in duties.get(user, set())
    outliers = _vouchers(_kind(ledger, "amount_outlier"))
    for row in outliers.itertuples():
        usual = normal[(normal["Relatie"] == row.Relatie) & (normal["journal"] == row.journal)]
        side = ledger[(ledger["voucher"] == row.voucher) & ledger["Grootboekrekening"].isin(["1300", "1600"])]
        gross = float(side[["Debet", "Credit"]].max(axis=1).iloc[0])
        usual_gross = ledger[
            ledger["voucher"].isin(usual["voucher"]) & ledger["Grootboekrekening"].isin(["1300", "1600"])
        ][["Debet", "Credit"]].max(axis=1)
        assert gross / usual_gross.median() >= 12
    combo = _kind(ledger, "unusual_account_combination")
    pairs = combo.groupby("anomaly_id")["Grootboekrekening"].agg(frozenset)
    assert {frozenset({"4000", "8000"}), frozenset({"4100", "1300"})} <= set(pairs)


def test_file_is_an_exact_transactions_csv(path, raw, rows, ledger, tmp_path):
    assert path.name == FILE_NAME
    assert raw.startswith(b"\xef\xbb\xbf" + ";".join(HEADER).encode("utf-8") + b"\r\n")
    assert raw.count(b"\r\n") == len(ledger) + 1 and b"\n" not in raw.replace(b"\r\n", b"")
    assert rows[0] == HEADER and all(len(r) == len(HEADER) for r in rows)
    assert len(rows) == len(ledger) + 1
    body = rows[1:]
    assert all(re.fullmatch(r"\d{2}-\d{2}-\d{4}", r[2]) for r in body)
    assert all(re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", r[13]) for r in body)
    assert all(re.fullmatch(r"(\d+,\d\d)?", r[9]) and re.fullmatch(r"(\d+,\d\d)?", r[10]) for r in body)
    assert all(re.fullmatch(r"(-?\d+,\d\d)?", r[12]) for r in body)
    assert {r[0] for r in body} == {"20 - Bank", "60 - Verkoopboek", "65 - Inkoopboek", "70 - Memoriaal"}
    assert all(re.fullmatch(r"\d{4}", r[3]) for r in body)
    assert "K. Öztürk IT Services".encode() in raw  # UTF-8, not a code page
    assert re.search(
        rb';"\d+ x Dell P2423D 24"" monitor";', raw
    )  # a field with a quote is quoted, the quote doubled
    for line in ledger.sample(300, random_state=0).itertuples():
        r = rows[line.file_line - 1]
        assert (
            r[1] == str(line.Boekstuknummer) and r[3] == line.Grootboekrekening and r[5] == line.Omschrijving
        )
        assert dt.datetime.strptime(r[2], "%d-%m-%Y").date() == line.date.date()
        assert float((r[9] or "0").replace(",", ".")) - float(
            (r[10] or "0").replace(",", ".")
        ) == pytest.approx(line.Debet - line.Credit)
    # the benchmark hands the writer a file name: whatever its suffix, the format stays this CSV
    other = write_exact(ledger, tmp_path / "exact_111.xlsx")
    assert other.name == "exact_111.xlsx" and other.read_bytes() == raw


def test_reader_reads_every_line(read, ledger, aligned):
    """The reader finds the header under the BOM, numbers rows by their line in the file and reads every line,
    its Datum day first (03-04-2024 is 3 April) and the line text (Omschrijving, not the account's name)."""
    frame = read.frame
    assert len(frame) == len(ledger) and set(frame["row_number"]) == set(ledger["file_line"])
    assert (aligned["posting_date"] == aligned["date"]).all()
    assert (aligned["description"].fillna("") == aligned["Omschrijving"]).all()


def test_reader_amount_is_debet_minus_credit(aligned):
    assert np.allclose(aligned["amount"].astype(float), _net(aligned))


def test_reader_accounts_are_the_codes(aligned):
    assert (aligned["account"].astype(str) == aligned["Grootboekrekening"]).all()
    assert (aligned["account_name"].fillna("") == aligned["Grootboekrekening: Omschrijving"]).all()


def test_reader_entry_is_dagboek_and_boekstuknummer(aligned):
    """Boekstuknummer restarts in every journal: lines share a voucher exactly when they share both Dagboek
    and Boekstuknummer; the journal is the voucher type."""
    read_groups = aligned.groupby("voucher_id")["voucher"].nunique()
    assert (read_groups == 1).all()
    assert aligned["voucher_id"].nunique() == aligned["voucher"].nunique()
    assert all(
        t.startswith(j) for t, j in zip(aligned["voucher_type"].astype(str), aligned["journal"], strict=True)
    )


def test_reader_registration_and_user(aligned):
    """Aangemaakt (dd-mm-yyyy hh:mm) is when the entry was registered; Aangemaakt door who registered it."""
    assert (aligned["registration_date"] == aligned["created"]).all()
    assert (aligned["user_name"] == aligned["Aangemaakt door"]).all()


def test_reader_counterparty_and_reference(aligned):
    assert (aligned["counterparty"].fillna("") == aligned["Relatie"]).all()
    with_ref = aligned[aligned["Uw ref."] != ""]
    assert (with_ref["reference"].fillna("") == with_ref["Uw ref."]).all()


def test_reader_totals_per_day(aligned, ledger):
    read_by_day = aligned.groupby("posting_date")["amount"].sum().astype(float).round(2)
    net_by_day = _net(ledger).groupby(ledger["date"]).sum().round(2)
    assert np.allclose(read_by_day.sort_index().to_numpy(), net_by_day.sort_index().to_numpy())
