"""The held-out DATEV generator: deterministic per seed, every kind labelled as documented, the bicycle retailer's
year in Freiburg (Baden-Württemberg's holidays, the shop's and the workshop's trading days, the bank's days, the
tax office's monthly batches keyed weeks later, payroll through 1755, cash deposits through 1360), the EXTF
Buchungsstapel file itself (header record, the 125 column headings of format version 13, TTMM dates, unsigned
amounts with S/H, quoting, Windows-1252, CR LF) — and what the pipeline's reader makes of it: the outcome DATEV's
format calls for, written before the reader read DATEV (it then rejected the file) and met since without a change."""

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
from benchmarks.generate_datev import (
    ACCOUNTS,
    APPROVAL_LIMIT,
    AUTO_RATES,
    BELEG1,
    BELEG2,
    BELEGDATUM,
    BELEGLINK,
    BERATER,
    BU,
    CLEARING,
    CLERK,
    COLUMNS,
    ENCODING,
    EXTRA,
    FILE_NAME,
    GEGENKONTO,
    GU,
    KONTO,
    KOST1,
    LOHN,
    MANDANT,
    OWNER,
    REVENUE,
    SENIOR,
    SH,
    SHOP,
    TEXT,
    TEXT_COLUMNS,
    UMSATZ,
    WAWI,
    WORKSHOP,
    ZUORD,
    generate_datev,
    is_bank_day,
    is_closed,
    is_office_day,
    is_shop_day,
    is_supplier_day,
    is_trading_day,
    is_workshop_day,
    main,
    month_end,
    public_holidays,
    write_datev,
)

SEED = 81


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_datev(seed=SEED, per_kind=6)


@pytest.fixture(scope="module")
def path(ledger, tmp_path_factory):
    return write_datev(ledger, tmp_path_factory.mktemp("datev"))


@pytest.fixture(scope="module")
def raw(path) -> bytes:
    return path.read_bytes()


@pytest.fixture(scope="module")
def lines(raw) -> list[str]:
    return raw.decode(ENCODING).split("\r\n")[:-1]


@pytest.fixture(scope="module")
def rows(raw) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode(ENCODING), newline=""), delimiter=";"))


@pytest.fixture(scope="module")
def read(path):
    """The reader's result, or the exception it raised (so each reader test fails on its own)."""
    try:
        return read_file(path, get_settings())[1]
    except Exception as exc:  # noqa: BLE001 - a rejection is one of the outcomes under test
        return exc


def _frame(read) -> pd.DataFrame:
    if isinstance(read, Exception):
        raise AssertionError(f"the reader rejected the file: {read}")
    return read.frame


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == ""]


def _kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == kind]


def _sides(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(debit account, credit account) of each booking line: S debits the Konto; a Generalumkehr swaps them."""
    konto_debited = (frame[SH] == "S").to_numpy() != (frame[GU] == "1").to_numpy()
    debit = np.where(konto_debited, frame[KONTO], frame[GEGENKONTO])
    credit = np.where(konto_debited, frame[GEGENKONTO], frame[KONTO])
    return debit, credit


def _signed(frame: pd.DataFrame, account: str) -> pd.Series:
    debit, credit = _sides(frame)
    amount = frame[UMSATZ].to_numpy()
    return pd.Series(np.where(debit == account, amount, 0.0) - np.where(credit == account, amount, 0.0),
                     index=frame.index)


def _clearing_residual(frame: pd.DataFrame) -> pd.Series:
    """Per voucher, what its lines leave on the clearing accounts that must net to zero per document."""
    residual = _signed(frame, CLEARING[0]) + _signed(frame, CLEARING[1])
    return residual.groupby(frame["voucher"]).sum().round(2)


# --------------------------------------------------------------------------------------------------- the ledger
def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_datev(seed=SEED, per_kind=6))
    assert not ledger.equals(generate_datev(seed=SEED + 1, per_kind=6))
    assert 3_000 <= len(ledger) <= 8_000
    assert list(ledger.columns) == [*COLUMNS, *EXTRA]
    assert ledger["file_line"].tolist() == list(range(3, len(ledger) + 3))
    assert ledger["date"].dt.year.eq(2025).all()
    assert (ledger[UMSATZ] > 0).all() and (ledger[UMSATZ].round(2) == ledger[UMSATZ]).all()
    assert set(ledger[SH]) == {"S", "H"} and set(ledger[GU]) == {"", "1"}


def test_every_kind_labelled_once_per_instance(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("voucher")["anomaly_id"].nunique() == 1).all()
    small = generate_datev(seed=82, per_kind=2)
    assert_labels(small, per_kind=2)


# --------------------------------------------------------------------------------------------------- the file
def test_file_name_encoding_and_line_ends(path, raw, lines, ledger, tmp_path):
    assert path.name == FILE_NAME and re.fullmatch(r"EXTF_Buchungsstapel_\d+_\d+_20250101_20251231\.csv", path.name)
    assert raw.count(b"\r\n") == len(ledger) + 2 and raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "Geschäftspartnerbank".encode("cp1252") in raw and "Ü".encode() not in raw  # Windows-1252
    assert write_datev(ledger, tmp_path / "x.csv").read_bytes() == raw  # a file path is used as given


def test_header_record(rows, lines):
    header = rows[0]
    assert len(header) == 31
    assert header[:5] == ["EXTF", "700", "21", "Buchungsstapel", "13"]
    assert re.fullmatch(r"2026\d{13}", header[5]) and header[6] == "" and header[7] == "RE"
    assert header[10:16] == [str(BERATER), str(MANDANT), "20250101", "4", "20250101", "20251231"]
    assert 1001 <= BERATER <= 9_999_999 and 1 <= MANDANT <= 99_999
    assert len(header[16]) <= 30 and header[17] == "SH" and header[18:22] == ["1", "0", "0", "EUR"]
    assert header[26] == "03" and header[22:26] == ["", "", "", ""] and header[27:] == ["", "", "", ""]
    # text fields quoted, numbers bare, as in DATEV's Musterdatei
    assert lines[0].startswith('"EXTF";700;21;"Buchungsstapel";13;')
    assert f';"";{BERATER};{MANDANT};20250101;4;20250101;20251231;"' in lines[0]
    assert lines[0].endswith(';"EUR";;"";;;"03";;;"";""')


def test_column_headings(rows, lines):
    assert rows[1] == COLUMNS and len(COLUMNS) == 125 and len(set(COLUMNS)) == 125
    assert lines[1] == ";".join(COLUMNS)  # unquoted
    assert COLUMNS[:14] == ["Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs",
                            "Basis-Umsatz", "WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)",
                            "BU-Schlüssel", "Belegdatum", "Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext"]
    assert COLUMNS[36:41] == ["KOST1 - Kostenstelle", "KOST2 - Kostenstelle", "Kost-Menge",
                              "EU-Land u. UStID (Bestimmung)", "EU-Steuersatz (Bestimmung)"]
    assert COLUMNS[47:50] == ["Zusatzinformation - Art 1", "Zusatzinformation- Inhalt 1", "Zusatzinformation - Art 2"]
    assert COLUMNS[113:118] == ["Festschreibung", "Leistungsdatum", "Datum Zuord. Steuerperiode", "Fälligkeit",
                                "Generalumkehr (GU)"]
    assert COLUMNS[-1] == "Abw. Skontokonto"


def test_booking_lines_follow_the_format(rows, lines, ledger):
    body, raw_body = rows[2:], lines[2:]
    assert len(body) == len(ledger) and all(len(r) == 125 for r in body)
    text_positions = [i for i, c in enumerate(COLUMNS) if c in TEXT_COLUMNS]
    number_positions = [i for i, c in enumerate(COLUMNS) if c not in TEXT_COLUMNS]
    for line in raw_body[::7]:
        cells = re.findall(r'(?:"(?:[^"]|"")*"|[^;"]*)(?:;|$)', line)[:125]
        assert all(cells[i].rstrip(";").startswith('"') and cells[i].rstrip(";").endswith('"') for i in text_positions)
        assert not any('"' in cells[i] for i in number_positions)
    frame = pd.DataFrame(body, columns=COLUMNS)
    assert frame[UMSATZ].str.fullmatch(r"\d{1,10},\d{2}").all() and not (frame[UMSATZ] == "0,00").any()
    assert frame[SH].isin(["S", "H"]).all() and (frame["WKZ Umsatz"] == "EUR").all()
    for col in (KONTO, GEGENKONTO):
        assert frame[col].str.fullmatch(r"\d{4,5}").all()  # Sachkontenlänge 4, personal accounts one longer
    assert frame[BELEGDATUM].str.fullmatch(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])").all()
    assert frame[BELEG1].str.fullmatch(r"[\w$%&*+\-/]{0,36}").all() and frame[BELEG1].ne("").mean() > 0.9
    assert frame[BELEG2].str.fullmatch(r"(\d{6})?").all()
    assert (frame[TEXT].str.len() <= 60).all() and frame[TEXT].ne("").all()
    assert frame[BU].isin(["", "9", "40"]).all()
    assert frame[BELEGLINK].str.fullmatch(r'(BEDI "[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")?').all()
    assert any(';"BEDI ""' in x and '""";' in x for x in raw_body)  # the GUID's quotes doubled
    assert frame[ZUORD].str.fullmatch(r"(\d{8})?").all() and frame[GU].isin(["", "1"]).all()
    assert frame["Festschreibung"].isin(["0", "1"]).all()
    empty = [c for c in COLUMNS if c not in (UMSATZ, SH, "WKZ Umsatz", KONTO, GEGENKONTO, BU, BELEGDATUM, BELEG1,
                                             BELEG2, TEXT, BELEGLINK, KOST1, "EU-Land u. UStID (Bestimmung)",
                                             "Festschreibung", ZUORD, GU)]
    assert (frame[empty] == "").all().all()  # the rest as a real export: empty
    # the file holds the ledger's values
    assert np.allclose(frame[UMSATZ].str.replace(",", ".").astype(float), ledger[UMSATZ])
    for col in (SH, KONTO, GEGENKONTO, BU, BELEGDATUM, BELEG1, TEXT, GU):
        assert (frame[col] == ledger[col].to_numpy()).all(), col
    assert (frame[BELEGDATUM] == ledger["date"].dt.strftime("%d%m").to_numpy()).all()


def test_accounts_in_their_ranges(ledger):
    accounts = pd.concat([ledger[KONTO], ledger[GEGENKONTO]])
    personal = accounts.str.len() == 5
    assert accounts[~personal].isin(list(ACCOUNTS)).all()
    numbers = accounts[personal].astype(int)
    assert numbers.between(10_000, 99_999).all()
    debtors, creditors = numbers[numbers < 70_000], numbers[numbers >= 70_000]
    assert debtors.between(10_000, 69_999).all() and len(set(debtors)) >= 15
    assert creditors.between(70_000, 99_999).all() and len(set(creditors)) >= 15
    # a personal account meets general ledger accounts only
    assert not (ledger[KONTO].str.len().eq(5) & ledger[GEGENKONTO].str.len().eq(5)).any()
    normal = _normal(ledger)
    is_debtor = normal[KONTO].str.len().eq(5) & normal[KONTO].lt("70000")
    assert set(normal.loc[is_debtor, GEGENKONTO]) <= {"8400", "8125", "1200", "9008"}
    is_creditor = normal[KONTO].str.len().eq(5) & normal[KONTO].ge("70000")
    assert set(normal.loc[is_creditor & (normal["register"] == "ER"), SH]) == {"H"}


def test_vat_by_automatic_accounts_and_bu_keys(ledger):
    normal = _normal(ledger)
    # no BU-Schlüssel on an automatic account; non-automatic expenses with VAT carry BU 9
    assert not normal[normal[GEGENKONTO].isin(list(AUTO_RATES))][BU].ne("").any()
    assert set(normal.loc[normal[BU] == "9", GEGENKONTO]) <= {"4250", "4240", "4530", "4570", "4600", "4805", "4806",
                                                               "4920", "4930", "4955", "4964", "4969", "4985", "4540"}
    assert normal.loc[normal[GEGENKONTO].isin(["4210", "4360", "4910", "4970", "1800"]), BU].eq("").all()
    taxed = normal["vat_rate"].notna()
    assert (normal.loc[taxed, "vat_rate"] == normal.loc[taxed, "vat_due"]).all()
    assert np.allclose(normal["net"] + normal["vat"], normal[UMSATZ])
    sales = normal[normal[GEGENKONTO] == "8400"]
    assert np.allclose(sales["vat"], (sales[UMSATZ] * 19 / 119).round(2))
    eu = normal[normal[GEGENKONTO] == "8125"]
    assert len(eu) and eu["EU-Land u. UStID (Bestimmung)"].str.fullmatch(r"FR\d{11}").all()


# --------------------------------------------------------------------------------------------------- the year
def test_baden_wuerttemberg_calendar():
    days = public_holidays(2025)
    assert len(days) == 12 and dt.date(2025, 1, 6) in days and dt.date(2025, 6, 19) in days
    assert dt.date(2025, 11, 1) in days and dt.date(2025, 8, 15) not in days
    assert not is_shop_day(dt.date(2025, 1, 13)) and is_workshop_day(dt.date(2025, 1, 13))  # winter Mondays
    assert is_shop_day(dt.date(2025, 3, 10)) and is_shop_day(dt.date(2025, 3, 15))  # Saturday: shop open
    assert not is_workshop_day(dt.date(2025, 3, 15)) and not is_trading_day(dt.date(2025, 3, 16))
    assert not is_bank_day(dt.date(2025, 12, 24)) and not is_office_day(dt.date(2025, 12, 29))
    assert is_supplier_day(dt.date(2025, 6, 19)) and not is_trading_day(dt.date(2025, 6, 19))  # BW-only holiday
    assert is_closed(dt.date(2025, 6, 19)) and is_closed(dt.date(2025, 3, 16))


def test_the_firms_calendar(ledger):
    normal = _normal(ledger)
    day = normal["date"].dt.date
    register = normal["register"]
    assert day[register == "KASSE"].map(is_trading_day).all()
    assert day[register == "BANK"].map(is_bank_day).all()
    assert day[register == "AR"].map(is_trading_day).all()
    assert day[register == "ER"].map(is_supplier_day).all()
    assert day[register.isin(["LOHN", "UMB"])].map(lambda d: d == month_end(d.month)).all()
    assert set(day[register == "EB"]) == {dt.date(2025, 1, 1)} and set(day[register == "ABSCHLUSS"]) == {
        dt.date(2025, 12, 31)}
    web = day[register == "SHOP"]
    assert web.map(is_closed).sum() > 50  # the web shop sells on Sundays and holidays
    closed = day.map(is_closed)
    assert set(register[closed]) <= {"SHOP", "LOHN", "UMB", "EB", "ER"}
    # one Z-Bon a trading day, numbered without gaps; in January and February's Mondays only the workshop's
    zbon = normal[normal[BELEG1].str.fullmatch(r"Z\d+") & (register == "KASSE")]
    per_day = zbon.groupby("date")[BELEG1].first()
    trading = [d for d in pd.date_range("2025-01-01", "2025-12-31") if is_trading_day(d.date())]
    labelled_z = {z for z in _kind(ledger, "weekend_holiday_posting")[BELEG1] if re.fullmatch(r"Z\d+", z)}
    numbers = sorted(int(z[1:]) for z in set(per_day) | labelled_z)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert list(per_day.index) == trading
    winter_mondays = zbon[(zbon["date"].dt.month <= 2) & (zbon["date"].dt.dayofweek == 0)]
    assert len(winter_mondays) and (winter_mondays[KOST1] == "200").all()
    saturdays = zbon[zbon["date"].dt.dayofweek == 5]
    assert len(saturdays) and (saturdays[KOST1] == "100").all()


def test_monthly_batches_keyed_weeks_later(ledger):
    assert ledger["entered"].is_monotonic_increasing  # the file lists the batches in the order they were keyed
    normal = _normal(ledger)
    monthly = normal[normal["register"].isin(["KASSE", "BANK", "ER", "AR", "SHOP", "UMB"])]
    lag = (monthly["entered"] - monthly["date"]).dt.days
    assert lag.between(1, 62).all() and lag.median() > 20
    month_after = (monthly["date"].dt.month % 12 + 1) == monthly["entered"].dt.month
    assert month_after.all()
    assert monthly["entered"].dt.date.map(is_office_day).all()
    assert (normal.loc[normal["register"] == "ABSCHLUSS", "entered"] > pd.Timestamp(2026, 3, 1)).all()
    payroll = normal[normal["register"] == "LOHN"]
    assert (payroll["entered"] <= payroll["date"]).all()  # DATEV Lohn posts the month before it ends
    users = normal.groupby("register")["user"].agg(set).to_dict()
    assert users == {"EB": {SENIOR}, "KASSE": {CLERK}, "BANK": {CLERK}, "ER": {CLERK}, "AR": {WAWI}, "SHOP": {SHOP},
                     "LOHN": {LOHN}, "UMB": {SENIOR}, "ABSCHLUSS": {SENIOR}}


def test_structure_of_the_year(ledger):
    normal = _normal(ledger)
    # payroll: one transfer a month through 1755, which nets to zero; paid net, social security, income tax
    payroll = ledger[ledger["register"] == "LOHN"]
    assert payroll[BELEG1].nunique() == 12 and payroll.groupby(BELEG1)["date"].nunique().eq(1).all()
    assert (_clearing_residual(normal) == 0).all()
    assert (normal.loc[normal[GEGENKONTO] == "1740", UMSATZ] > 15_000).all()
    # the till never runs dry; the cards' takings come back from the acquirer; PayPal is emptied on Mondays
    cash = _signed(ledger, "1000").groupby(ledger["date"]).sum().cumsum()
    assert cash.min() >= 0 and cash.iloc[-1] < 5_000
    assert abs(_signed(ledger, "1361").sum()) < 15_000
    deposits = normal[(normal[GEGENKONTO] == "1360") & (normal[KONTO] == "1000")]
    assert deposits["date"].dt.dayofweek.isin([1, 4]).all() and (deposits[UMSATZ] % 50 == 0).all()
    payouts = normal[(normal[KONTO] == "1200") & (normal[GEGENKONTO] == "1210")]
    assert (payouts["date"].dt.dayofweek == 0).all()
    # invoices from the merchandise system: RE25-nnnnn in the order they were written; payments name them
    ar = normal[(normal["register"] == "AR") & (normal[SH] == "S") & (normal[GU] == "")]
    assert ar[BELEG1].str.fullmatch(r"RE25-\d{5}").all() and ar[BELEG1].is_unique
    assert ar.sort_values(["date", "file_line"])[BELEG1].is_monotonic_increasing
    paid = normal[(normal[KONTO] == "1200") & normal[GEGENKONTO].str.len().eq(5) & normal[GEGENKONTO].lt("70000")]
    invoiced = ledger[ledger["register"] == "AR"].groupby([BELEG1, KONTO])[UMSATZ].sum().round(2)
    opening = set(ledger.loc[ledger["register"] == "EB", BELEG1])
    for _, pay in paid.iterrows():  # each names its invoice, of that debtor, for its amount (or an opening item)
        assert pay[BELEG1] in opening or invoiced[(pay[BELEG1], pay[GEGENKONTO])] == pay[UMSATZ]
    # supplier invoices keyed from DATEV Unternehmen online carry their Beleglink and a due date
    er = normal[normal["register"] == "ER"]
    assert er[BELEGLINK].str.startswith('BEDI "').all() and er[BELEG2].str.fullmatch(r"\d{6}").all()
    skonto = normal[normal[GEGENKONTO] == "3736"]
    assert len(skonto) > 50 and (skonto[SH] == "S").all()
    # owner's drawings, rent by standing order, VAT payments
    assert (normal.loc[normal[GEGENKONTO] == "1800", UMSATZ] == 6_000).sum() == 12
    assert (normal.loc[normal[GEGENKONTO] == "4210", UMSATZ] == 4_850).sum() == 12
    assert (normal[GEGENKONTO] == "1780").sum() >= 10


# --------------------------------------------------------------------------------------------------- the kinds
def test_each_kind_looks_as_it_should(ledger):
    normal = _normal(ledger)
    # amount outliers: 20-60x what the same party usually books on the same account
    for _, line in _kind(ledger, "amount_outlier").iterrows():
        usual = normal[(normal["party"] == line["party"]) & (normal[GEGENKONTO] == line[GEGENKONTO])][UMSATZ]
        assert len(usual) >= 3 and 15 <= line[UMSATZ] / usual.median() <= 70
    # accounts that never meet in a normal booking line
    debit, credit = _sides(normal)
    pairs = {frozenset(p) for p in zip(debit, credit, strict=True)}
    combos = _kind(ledger, "unusual_account_combination")
    d, c = _sides(combos)
    assert not any(frozenset(p) in pairs for p in zip(d, c, strict=True))
    # dated on a Sunday or a BW holiday, by the till or the merchandise system
    off = _kind(ledger, "weekend_holiday_posting")
    assert off["date"].dt.date.map(is_closed).all() and set(off["register"]) == {"KASSE", "AR"}
    rounded = _kind(ledger, "round_amount")
    assert ((rounded[UMSATZ] % 5_000 == 0) & (rounded[UMSATZ] >= 20_000)).all()
    below = _kind(ledger, "just_below_approval_limit")
    assert below[UMSATZ].between(0.97 * APPROVAL_LIMIT, APPROVAL_LIMIT, inclusive="left").all()
    assert (below[GEGENKONTO] != "3400").all()
    others = normal[(normal["register"] == "ER") & (normal[GEGENKONTO] != "3400")]
    assert (others[UMSATZ] < 0.9 * APPROVAL_LIMIT).all()
    # duplicates: an earlier normal line of the same party, date, amount and expense account; the copy without
    # the document's Beleglink (keyed from paper) or from the bank card's debit of a cash receipt
    for _, copy in _kind(ledger, "duplicate").iterrows():
        same = normal[(normal["party"] == copy["party"]) & (normal["date"] == copy["date"])
                      & (normal[UMSATZ] == copy[UMSATZ]) & (normal[GEGENKONTO] == copy[GEGENKONTO])]
        assert len(same) == 1 and same["file_line"].iloc[0] < copy["file_line"] and copy[BELEGLINK] == ""
        assert copy["voucher"] != same["voucher"].iloc[0]
    # backdated: keyed 45-150 days after the date, among a later month's documents
    for _, line in _kind(ledger, "backdated").iterrows():
        assert 45 <= (line["entered"] - line["date"]).days <= 150
        batch = normal[(normal["entered"] - line["entered"]).dt.days.abs() <= 3]
        assert batch["date"].dt.to_period("M").mode()[0] > line["date"].to_period("M")  # a later month's batch
    back = _kind(ledger, "backdated")
    assert back[ZUORD].ne("").sum() == 2 and set(back["register"]) == {"ER", "AR", "UMB"}
    late_ar = back[back["register"] == "AR"]
    ar = normal[(normal["register"] == "AR") & normal[BELEG1].str.startswith("RE25")]
    for _, line in late_ar.iterrows():
        assert ((ar["date"] > line["date"]) & (ar[BELEG1] < line[BELEG1])).any()  # numbered out of date order
    # keyed by the owner or the workshop master in Unternehmen online, without the office's conventions
    users = _kind(ledger, "unusual_user")
    assert set(users["user"]) == {OWNER, WORKSHOP} and (users["register"] == "UO").all()
    assert (users[BELEGLINK] == "").all() and (users[KOST1] == "").all()
    assert not normal["user"].isin([OWNER, WORKSHOP]).any()
    # sales whose VAT is not what they owe
    for _, sale in _kind(ledger, "broken_vat_ratio").groupby("anomaly_id"):
        taxed = sale[sale[GEGENKONTO].isin([*REVENUE, "1776"])]
        ratio = taxed["vat"].sum() / taxed["net"].sum()
        assert abs(ratio - sale["vat_due"].max()) > 0.02
    sales = normal[(normal["register"] == "AR") & normal[GEGENKONTO].isin(REVENUE)]
    assert np.allclose(sales["vat"] / sales["net"], sales["vat_due"], atol=0.001)
    # revenue on a month's last shop day, reversed in the first days of the next month
    for _, pair in _kind(ledger, "period_end_reversal").groupby("anomaly_id"):
        inv, rev = pair.sort_values("date").iloc[0], pair.sort_values("date").iloc[1]
        later = pd.date_range(inv["date"] + pd.Timedelta(days=1), month_end(inv["date"].month))
        assert not any(is_shop_day(x.date()) for x in later) and inv[GU] == "" and inv[SH] == "S"
        assert rev["date"].month == inv["date"].month + 1 and (rev["date"] - inv["date"]).days <= 10
        assert rev[UMSATZ] == inv[UMSATZ] and rev[KONTO] == inv[KONTO]
        assert (rev[GU] == "1" and rev[SH] == "S") or (rev[GU] == "" and rev[SH] == "H")
        assert _signed(pair, inv[KONTO]).sum() == 0
    assert set(_kind(ledger, "period_end_reversal")[GU]) == {"", "1"}
    # documents that leave a clearing account open
    residual = _clearing_residual(ledger)
    unbalanced = _kind(ledger, "unbalanced_voucher")["voucher"].unique()
    assert len(unbalanced) == 6 and (residual[unbalanced] != 0).all()
    assert (residual.drop(unbalanced) == 0).all()
    # one day, one party, many documents
    for _, spike in _kind(ledger, "daily_spike").groupby("anomaly_id"):
        assert spike["date"].nunique() == 1 and spike["party"].nunique() == 1 and spike["voucher"].nunique() >= 8


def test_command_line(tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["--seed", "83", "--out", str(out), "--per-kind", "1"]) == 0
    assert out.read_bytes().startswith(b'"EXTF";700;21;"Buchungsstapel";13;')
    assert "anomalies" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------------- the reader
def test_reader_reads_every_booking(read, ledger):
    """Every booking line of the file is read (none taken for a header or summary row), numbered by its line."""
    frame = _frame(read)
    assert set(frame["row_number"]) == set(ledger["file_line"])


def test_reader_books_debit_and_credit(read, ledger):
    """A booking line debits one account and credits the other with the same amount: S debits the Konto, H credits
    it, the Gegenkonto takes the other side, a Generalumkehr swaps them; the amounts are unsigned with a decimal
    comma."""
    frame = _frame(read)
    debit, credit = _sides(ledger)
    expected = pd.concat([
        pd.DataFrame({"row_number": ledger["file_line"], "account": debit, "amount": ledger[UMSATZ]}),
        pd.DataFrame({"row_number": ledger["file_line"], "account": credit, "amount": -ledger[UMSATZ]}),
    ]).sort_values(["row_number", "amount"]).reset_index(drop=True)
    got = frame[["row_number", "account", "amount"]].astype({"account": str, "amount": float})
    got = got.sort_values(["row_number", "amount"]).reset_index(drop=True)
    assert len(got) == 2 * len(ledger)
    assert (got["row_number"] == expected["row_number"]).all() and (got["account"] == expected["account"]).all()
    assert np.allclose(got["amount"], expected["amount"])
    assert (frame.groupby("row_number")["amount"].sum().abs() < 0.005).all()
    # both sides of a booking belong to one voucher
    assert (frame.groupby("row_number")["voucher_id"].nunique() == 1).all()


def test_reader_dates_from_the_header_year(read, ledger):
    """Belegdatum is TTMM; the year comes from the header (field 13, WJ-Beginn 20250101)."""
    frame = _frame(read)
    dates = frame.groupby("row_number")["posting_date"].first()
    expected = ledger.set_index("file_line")["date"]
    assert (pd.to_datetime(dates).dt.normalize() == expected.reindex(dates.index)).all()
    assert pd.to_datetime(frame["posting_date"]).dt.year.eq(2025).all()


def test_reader_count_and_turnover(read, ledger):
    """As many bookings as booking lines in the file, and the debits add up to the file's total turnover."""
    frame = _frame(read)
    assert frame["row_number"].nunique() == len(ledger)
    assert abs(frame.loc[frame["amount"] > 0, "amount"].sum() - ledger[UMSATZ].sum()) < 0.01
    assert abs(frame["amount"].sum()) < 0.01
    # the reference a DATEV user looks for is Belegfeld 1, the booking text the description
    first = frame.groupby("row_number")[["reference", "description"]].first()
    expected = ledger.set_index("file_line")
    assert (first["reference"].fillna("") == expected.loc[first.index, BELEG1]).all()
    assert (first["description"].fillna("") == expected.loc[first.index, TEXT]).all()
