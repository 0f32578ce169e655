"""The held-out FEC generator: deterministic per seed, every kind labelled, every normal EcritureNum balances, the
Lyon kitchen equipment distributor's French year (public holidays, the closures, payroll dated the month's last
day, URSSAF/PAS on the 15th, the monthly CA3 paid on the 19th, validation twice a month, lettrage), and its FEC file
(the 18 legal columns in order, tab, CRLF, ISO-8859-15, YYYYMMDD, decimal commas) — and what the pipeline's reader
makes of it, with the columns it does not understand marked `# reader gap:`."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_fec import (
    APPROVAL_LIMIT,
    COLUMNS,
    ENCODING,
    FEC_NAME,
    KARIM,
    SUPPLIER,
    VALIDATION_DAYS,
    WHIT_MONDAY,
    generate_fec,
    in_closure,
    is_open,
    month_end,
    next_bank_day,
    pay_day,
    present,
    public_holidays,
    write_fec,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_fec(seed=61, per_kind=6)


@pytest.fixture(scope="module")
def fec_path(ledger, tmp_path_factory):
    return write_fec(ledger, tmp_path_factory.mktemp("fec"))


@pytest.fixture(scope="module")
def eur_only_path(ledger, tmp_path_factory):
    """The same year with the CHF amounts blanked, as if the Geneva hotel were invoiced in EUR."""
    return write_fec(ledger.assign(Montantdevise=np.nan, Idevise=""), tmp_path_factory.mktemp("fec_eur"))


def _amount(frame: pd.DataFrame) -> pd.Series:
    return (frame["Debit"] - frame["Credit"]).round(2)


def _entries(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates("EcritureNum")


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == ""]


def _kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == kind]


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_fec(seed=61, per_kind=6))
    assert not ledger.equals(generate_fec(seed=62, per_kind=6))
    assert 10_000 <= len(ledger) <= 25_000
    assert list(ledger.columns) == [*COLUMNS, "anomaly_kind", "anomaly_id"]
    assert ledger["EcritureDate"].dt.year.eq(2025).all() and ledger["PieceDate"].dt.year.eq(2025).all()
    assert ((ledger["Debit"] > 0) ^ (ledger["Credit"] > 0)).all()  # one side per line, no empty lines
    assert (ledger[["Debit", "Credit"]] >= 0).all().all()


def test_french_calendar():
    days = public_holidays(2025)
    assert sorted(days) == [dt.date(2025, 1, 1), dt.date(2025, 4, 21), dt.date(2025, 5, 1), dt.date(2025, 5, 8),
                            dt.date(2025, 5, 29), dt.date(2025, 6, 9), dt.date(2025, 7, 14), dt.date(2025, 8, 15),
                            dt.date(2025, 11, 1), dt.date(2025, 11, 11), dt.date(2025, 12, 25)]
    assert is_open(WHIT_MONDAY)  # journée de solidarité
    assert not is_open(dt.date(2025, 5, 29)) and not is_open(dt.date(2025, 5, 30))  # Ascension and its bridge
    assert in_closure(dt.date(2025, 8, 18)) and not in_closure(dt.date(2025, 8, 25))
    assert pay_day(5) == dt.date(2025, 5, 30) and pay_day(8) == dt.date(2025, 8, 29) and pay_day(12) == dt.date(
        2025, 12, 23)
    assert next_bank_day(dt.date(2025, 6, 15)) == dt.date(2025, 6, 16)
    # the chief accountant validates around the 12th and the 27th, never during her August holiday
    assert not [d for d in VALIDATION_DAYS if dt.date(2025, 8, 4) <= d <= dt.date(2025, 8, 22)]
    assert all(is_open(d) for d in VALIDATION_DAYS)


def test_every_kind_labelled_and_every_normal_entry_balances(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("EcritureNum")["anomaly_id"].nunique() == 1).all()
    balance = _amount(ledger).groupby(ledger["EcritureNum"]).sum().round(2)
    kind = ledger.groupby("EcritureNum")["anomaly_kind"].first()
    assert (balance[kind != "unbalanced_voucher"].abs() < 0.005).all()
    unbalanced = _kind(ledger, "unbalanced_voucher")
    per_instance = balance[kind == "unbalanced_voucher"].abs().groupby(
        unbalanced.groupby("EcritureNum")["anomaly_id"].first()).max()
    assert len(per_instance) == 6 and (per_instance > 0.005).all()


def test_each_kind_looks_as_it_should(ledger):
    entries = _entries(ledger)
    normal = _normal(ledger)
    # a duplicate repeats an earlier normal supplier invoice: same supplier, date and amounts, a later number
    for _, copy in _kind(ledger, "duplicate").groupby("anomaly_id"):
        head = normal[(normal["JournalCode"] == "AC") & (normal["CompAuxNum"] == copy["CompAuxNum"].iloc[0])
                      & (normal["EcritureDate"] == copy["EcritureDate"].iloc[0])]
        same = normal[normal["EcritureNum"].isin(head["EcritureNum"])]
        originals = [g for _, g in same.groupby("EcritureNum") if _amount(g).tolist() == _amount(copy).tolist()]
        assert originals and originals[0]["EcritureNum"].iloc[0] < copy["EcritureNum"].iloc[0]
        ref, copied = originals[0]["PieceRef"].iloc[0], copy["PieceRef"].iloc[0]
        assert re.sub(r"[^A-Z0-9]|(?<=[A-Z ])0+", "", ref) == re.sub(r"[^A-Z0-9]|(?<=[A-Z ])0+", "", copied)
    # just below the approval limit, excl. VAT
    below = _kind(ledger, "just_below_approval_limit")
    net = below[below["CompteNum"].str.startswith("6")]["Debit"]
    assert len(net) == 6 and net.between(0.95 * APPROVAL_LIMIT, APPROVAL_LIMIT, inclusive="left").all()
    # backdated: validated 45-150 days after its date
    back = _entries(_kind(ledger, "backdated"))
    assert (back["ValidDate"] - back["EcritureDate"]).dt.days.between(45, 150).all()
    # broken VAT: a business customer's invoice whose VAT is not 20 % of the net
    for _, inv in _kind(ledger, "broken_vat_ratio").groupby("anomaly_id"):
        vat = inv.loc[inv["CompteNum"].str.startswith("4457"), "Credit"].sum()
        net = inv.loc[inv["CompteNum"].str.startswith("70"), "Credit"].sum()
        assert abs(vat / net - 0.20) > 0.003
    # period end: an invoice on the month's last day the sales administrator works, cancelled by a full credit note
    # early next month
    for _, pair in _kind(ledger, "period_end_reversal").groupby("anomaly_id"):
        inv, credit = [g for _, g in pair.groupby("EcritureNum")]
        assert inv["PieceRef"].iloc[0].startswith("FA") and credit["PieceRef"].iloc[0].startswith("AV")
        assert _amount(inv).tolist() == (-_amount(credit)).tolist()
        day, back = inv["EcritureDate"].iloc[0], credit["EcritureDate"].iloc[0]
        assert day.month != back.month and (back - day).days <= 12
        assert not any(present(KARIM, d) and d.month == day.month for d in pd.date_range(day + pd.Timedelta(days=1),
                                                                                     periods=4).date)
    # weekend / holiday: dated a Sunday or a public holiday (not Whit Monday)
    off = _entries(_kind(ledger, "weekend_holiday_posting"))["EcritureDate"].dt.date
    holidays = set(public_holidays(2025)) - {WHIT_MONDAY}
    assert off.map(lambda d: d.weekday() >= 5 or d in holidays).all()
    # round amounts
    rounded = _kind(ledger, "round_amount")
    assert ((rounded["Debit"] + rounded["Credit"]) % 5_000 == 0).all()
    # the spike: one supplier, one day, many invoices
    for _, spike in _kind(ledger, "daily_spike").groupby("anomaly_id"):
        assert spike["EcritureDate"].nunique() == 1 and spike["EcritureNum"].nunique() >= 3
    assert len(entries) == ledger["EcritureNum"].max()


def test_users_show_only_through_their_habits(ledger):
    """No user column; the assistant keys supplier invoices as 'SUPPLIER FA ref', the président does not."""
    purchases = _entries(ledger[(ledger["JournalCode"] == "AC") & (ledger["CompteNum"].isin(["401000", "404000"]))])
    habit = purchases["EcritureLib"].str.fullmatch(r"[A-Z0-9 ]+ (FA|AV) \S+( RFA 2024)?")
    assert habit[purchases["anomaly_kind"] == ""].all()
    unusual = _entries(_kind(ledger, "unusual_user"))
    assert not unusual["EcritureLib"].str.fullmatch(r"[A-Z0-9 ]+ (FA|AV) \S+").any()
    assert not (ledger.columns.str.lower().str.contains("user|utilisateur")).any()


def test_the_firms_calendar(ledger):
    normal = _entries(_normal(ledger))
    holidays = {pd.Timestamp(d) for d in public_holidays(2025) if d != WHIT_MONDAY}
    date = normal["EcritureDate"]
    off = (date.dt.day_of_week >= 5) | date.isin(holidays)
    fixed_billing = normal["CompAuxNum"].map(lambda a: a in SUPPLIER and SUPPLIER[a].pattern.startswith(
        ("monthly", "quarterly")))
    allowed = ((normal["JournalCode"] == "AN")
               | (normal["JournalCode"].isin(["OD", "PAIE"]) & ((date == date + pd.offsets.MonthEnd(0))
                                                                  | (date == pd.Timestamp(2025, 1, 1))))
               | ((normal["JournalCode"] == "BQ") & normal["EcritureLib"].str.startswith("CB ")
                  & (date.dt.day_of_week == 5))
               | ((normal["JournalCode"] == "AC") & fixed_billing))
    assert not (off & ~allowed).any(), normal[off & ~allowed][["JournalCode", "EcritureDate", "EcritureLib"]]
    # sales are invoiced on the firm's working days: Whit Monday yes, the Ascension bridge and August closure no
    sales = normal[normal["JournalCode"] == "VE"]["EcritureDate"]
    assert (sales == pd.Timestamp(WHIT_MONDAY)).any()
    assert not sales.map(lambda d: in_closure(d.date())).any()
    # August is slow (bar the canteen fit-outs handed over before the school year)
    invoices = _entries(normal[normal["PieceRef"].str.startswith("FA")])["EcritureDate"].dt.month.value_counts()
    assert invoices[8] < 0.6 * invoices[9] and invoices[8] < 0.6 * invoices[7]
    # the Saturday card expenses are the on-call technician's fuel and tolls
    saturday = normal[(normal["JournalCode"] == "BQ") & (date.dt.day_of_week == 5)]
    assert len(saturday) >= 3 and saturday["EcritureLib"].str.match(r"CB (STATION|PEAGE)").all()


def test_structure_of_the_year(ledger):
    normal = _normal(ledger)
    entries = _entries(normal)
    assert set(ledger["JournalCode"]) == {"AN", "AC", "VE", "BQ", "OD", "PAIE"}
    # payroll dated each month's last day, net pay on the last bank day, URSSAF and PAS on the 15th
    payroll = entries[entries["JournalCode"] == "PAIE"]
    assert payroll["EcritureDate"].dt.date.tolist() == [month_end(m) for m in range(1, 13)]
    net_pay = entries[entries["EcritureLib"].str.startswith("VIR SEPA SALAIRES")]
    assert net_pay["EcritureDate"].dt.date.tolist() == [pay_day(m) for m in range(1, 13)]
    urssaf = entries[entries["EcritureLib"] == "PRLV URSSAF RHONE ALPES"]["EcritureDate"].dt.date
    assert len(urssaf) == 12 and all(d == next_bank_day(d.replace(day=15)) for d in urssaf)
    # the monthly CA3 dated the month's last day, paid on the 19th; the VAT accounts are cleared by it
    ca3 = entries[entries["PieceRef"].str.startswith("CA3-")]
    assert ca3["EcritureDate"].dt.date.tolist() == [month_end(m) for m in range(1, 13)]
    vat_paid = entries[entries["EcritureLib"] == "PRLV DGFIP TVA"]["EcritureDate"].dt.date
    assert all(d == next_bank_day(d.replace(day=19)) for d in vat_paid)
    # December 2024's return and each 2025 return with VAT to pay (a credit, 445670, goes against the next one)
    to_pay = normal[normal["PieceRef"].str.startswith("CA3-") & (normal["CompteNum"] == "445510")]
    assert len(vat_paid) == 1 + (to_pay["EcritureDate"].dt.month < 12).sum() >= 8
    cleared = ledger[ledger["CompteNum"].isin(["445710", "445660", "445620", "445662", "445200"])]
    assert abs(_amount(cleared).sum()) < 500
    rounding = normal[normal["CompteNum"].isin(["658000", "758000"]) & normal["PieceRef"].str.startswith("CA3-")]
    assert (rounding["Debit"] + rounding["Credit"]).max() < 3
    # VAT rates: 20 % and 10 % collected (private homes), 20 / 10 / 5.5 % deductible; the reverse charge on EU buys
    assert (ledger["CompteNum"] == "445200").sum() > 10 and (ledger["CompteNum"] == "445740").sum() > 1_000
    card_vat = normal[(normal["JournalCode"] == "BQ") & (normal["CompteNum"] == "445660")]
    assert len(card_vat) > 100
    # supplier invoices mostly under the approval limit, the van over it
    gross = normal[(normal["JournalCode"] == "AC") & normal["CompteNum"].str.startswith("6")]["Debit"]
    assert (gross < APPROVAL_LIMIT).mean() > 0.94
    assert normal[(normal["CompteNum"] == "218200")]["Debit"].max() > APPROVAL_LIMIT
    # the Geneva hotel in CHF: Montantdevise and Idevise only there
    fx = ledger["Idevise"] != ""
    assert fx.sum() >= 2 and (ledger.loc[fx, "Idevise"] == "CHF").all() and ledger.loc[fx, "Montantdevise"].gt(0).all()
    assert ledger.loc[~fx, "Montantdevise"].isna().all()
    assert set(ledger.loc[fx & (ledger["CompteNum"] == "411000"), "CompAuxNum"]) == {"C0106"}


def test_validation_numbering_and_lettrage(ledger):
    entries = _entries(ledger)
    # opening balances first, then the chronological order of validation; EcritureNum continuous in that order
    assert entries["JournalCode"].iloc[0] == "AN" and (entries["JournalCode"].iloc[1:] != "AN").all()
    assert entries["ValidDate"].iloc[1:].is_monotonic_increasing
    assert entries["EcritureNum"].tolist() == list(range(1, len(entries) + 1))
    assert entries["ValidDate"].dt.date.isin(VALIDATION_DAYS).all()
    assert (ledger.groupby("EcritureNum")[["EcritureDate", "ValidDate", "PieceRef"]].nunique() == 1).all().all()
    lag = (entries["ValidDate"] - entries["EcritureDate"]).dt.days
    assert (lag >= 0).all()
    normal = entries["anomaly_kind"] == ""
    late = entries["EcritureDate"].isin([pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)])
    assert lag[normal & ~late].max() <= 60 and (lag[normal & ~late] > 45).mean() < 0.005  # the August backlog
    assert 8 <= lag[normal].median() <= 20
    # lettrage: code and date together; each lettered group balances on its account
    lettered = ledger["EcritureLet"] != ""
    assert (lettered == ledger["DateLet"].notna()).all()
    groups = _amount(ledger[lettered]).groupby([ledger["CompteNum"], ledger["CompAuxNum"], ledger["EcritureLet"]])
    assert (groups.sum().abs() < 0.005).all()
    assert (ledger.loc[lettered, "DateLet"] >= ledger.loc[lettered, "EcritureDate"] - pd.Timedelta(days=366)).all()
    customers = ledger[ledger["CompteNum"] == "411000"]
    assert (customers["EcritureLet"] != "").mean() > 0.85
    assert ledger.loc[lettered, "CompteNum"].isin(["401000", "404000", "411000", "419100", "421000"]).all()


def test_file_is_a_fec(fec_path, ledger):
    assert fec_path.name == FEC_NAME and re.fullmatch(r"\d{9}FEC20251231\.txt", fec_path.name)
    raw = fec_path.read_bytes()
    text = raw.decode(ENCODING)
    assert raw.count(b"\r\n") == len(ledger) + 1 and text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert lines[0].split("\t") == ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum",
                                    "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib",
                                    "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise",
                                    "Idevise"]
    rows = [line.split("\t") for line in lines[1:]]
    assert len(rows) == len(ledger) and {len(r) for r in rows} == {18}
    date, amount = re.compile(r"\d{8}"), re.compile(r"\d+,\d\d")
    for r in rows[::7]:
        assert date.fullmatch(r[3]) and date.fullmatch(r[9]) and date.fullmatch(r[15])
        assert amount.fullmatch(r[11]) and amount.fullmatch(r[12])
        assert r[14] == "" or date.fullmatch(r[14])
        assert r[16] == "" or amount.fullmatch(r[16])
    # read independently, the file is the ledger line for line
    back = pd.read_csv(fec_path, sep="\t", dtype=str, keep_default_na=False, encoding=ENCODING)
    assert back["EcritureNum"].astype(int).tolist() == ledger["EcritureNum"].tolist()
    assert back["CompteNum"].tolist() == ledger["CompteNum"].tolist()
    assert back["EcritureLib"].tolist() == ledger["EcritureLib"].tolist()
    debit = back["Debit"].str.replace(",", ".").astype(float)
    credit = back["Credit"].str.replace(",", ".").astype(float)
    assert np.allclose(debit - credit, _amount(ledger))
    assert (pd.to_datetime(back["ValidDate"], format="%Y%m%d") == ledger["ValidDate"]).all()


def test_the_eur_only_copy_reads_back_line_for_line(eur_only_path, ledger):
    """What the reader reads of a FEC without foreign-currency lines."""
    _, result = read_file(eur_only_path, get_settings())
    frame = result.frame
    assert len(frame) == len(ledger)
    assert frame["row_number"].tolist() == list(range(2, len(ledger) + 2))
    assert np.allclose(frame["amount"].to_numpy(dtype=float), _amount(ledger).to_numpy())  # Debit - Credit
    assert frame["account"].tolist() == ledger["CompteNum"].tolist()
    assert (frame["posting_date"] == ledger["EcritureDate"]).all()
    assert frame["reference"].tolist() == ledger["PieceRef"].tolist()
    fields = result.metadata["mapping_report"]["fields"]
    assert fields["debit"]["source"] == "Debit" and fields["credit"]["source"] == "Credit"
    assert fields["account"]["source"] == "CompteNum" and fields["posting_date"]["source"] == "EcritureDate"
    assert fields["voucher_id"]["source"] == "EcritureNum" and fields["registration_date"]["source"] == "ValidDate"


def test_fec_reads_back_line_for_line(fec_path, ledger):
    """The whole FEC, its Geneva hotel's CHF lines included (Montantdevise and Idevise are the foreign amount
    and its currency, not the amounts loaded), in ISO-8859-15."""
    _, result = read_file(fec_path, get_settings())
    frame = result.frame
    assert len(frame) == len(ledger)
    assert result.metadata["encoding"] in ("cp1252", "iso8859_15", "latin_1")
    assert np.allclose(frame["amount"].to_numpy(dtype=float), _amount(ledger).to_numpy())
    assert frame["account"].tolist() == ledger["CompteNum"].tolist()
    assert (frame["posting_date"] == ledger["EcritureDate"]).all()
    assert frame["voucher_id"].astype(str).tolist() == ledger["EcritureNum"].astype(str).tolist()
    assert (frame["registration_date"] == ledger["ValidDate"]).all()
    assert frame["description"].tolist() == ledger["EcritureLib"].tolist()
    assert frame["account_name"].tolist() == ledger["CompteLib"].tolist()
    assert frame["counterparty"].fillna("").tolist() == ledger["CompAuxLib"].tolist()  # the name, not the code
    assert frame["currency"].isna().all()
