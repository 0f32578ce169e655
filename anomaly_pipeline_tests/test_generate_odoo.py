"""The held-out Odoo 17 generator: deterministic per seed, every kind labelled as documented, every normal entry
balances, the Valencian calendar and the users' duties, Odoo's sequences, the IVA rates, the Journal Items xlsx
layout (header labels, date cells, numeric Debe/Haber, Odoo's default order) — and what the pipeline's reader
should make of the file (written from the export format before the reader met it: one record per data row,
Debe minus Haber as the amount, the entry is Asiento contable/Número, Fecha is the posting date, Cuenta's
display name is the account code and its name, Etiqueta the description, Creado por / Creado el the user and the
registration time, Contacto the counterparty)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_odoo import (
    ACCOUNTS,
    AMPARO,
    APPROVAL_LIMIT,
    BOT,
    EMAILED,
    FILE_NAME,
    HEADER,
    JOURNALS,
    LAURA,
    MJ,
    RAFAEL,
    VC,
    generate_odoo,
    is_closed,
    is_working_day,
    to_utc,
    write_odoo,
)

SEED = 101
HUMANS = {LAURA, MJ, AMPARO, RAFAEL}


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_odoo(seed=SEED, per_kind=6)


@pytest.fixture(scope="module")
def path(ledger, tmp_path_factory):
    return write_odoo(ledger, tmp_path_factory.mktemp("odoo"))


@pytest.fixture(scope="module")
def sheet(path):
    return openpyxl.load_workbook(path).worksheets


@pytest.fixture(scope="module")
def read(path):
    _, result = read_file(path, get_settings())
    return result


@pytest.fixture(scope="module")
def aligned(read, ledger) -> pd.DataFrame:
    frame = ledger.assign(file_row=np.arange(2, len(ledger) + 2))
    return read.frame.merge(frame, left_on="row_number", right_on="file_row", how="left", suffixes=("", "_gen"))


def _net(frame: pd.DataFrame) -> pd.Series:
    return (frame["Debe"] - frame["Haber"]).round(2)


def _code(frame: pd.DataFrame) -> pd.Series:
    return frame["Cuenta"].str[:8]


def _kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == kind]


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["anomaly_kind"] == ""]


def _entries(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates("voucher")


def _lag_days(frame: pd.DataFrame) -> pd.Series:
    return (frame["created"].dt.normalize() - frame["date"]).dt.days


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_odoo(seed=SEED, per_kind=6))
    assert not ledger.equals(generate_odoo(seed=SEED + 1, per_kind=6))
    assert 6_000 <= len(ledger) <= 12_000 and 1_800 <= ledger["voucher"].nunique() <= 3_500
    assert ledger["date"].between("2024-01-01", "2024-12-31").all()
    assert (ledger["Fecha"] == ledger["date"]).all() and (ledger["Asiento contable/Número"] == ledger["voucher"]).all()
    assert (ledger[["Debe", "Haber"]] >= 0).all().all()
    assert ((ledger["Debe"] > 0) ^ (ledger["Haber"] > 0)).all()  # one side per line, never a zero line
    assert ledger["created"].max() < pd.Timestamp("2025-02-20")
    # Creado el is Odoo's UTC: one hour behind Madrid in winter, two in summer
    shift = (ledger["created"] - ledger["Creado el"]).dt.total_seconds() / 3600
    assert set(shift.round().unique()) == {1.0, 2.0}
    assert (ledger["Creado el"] == ledger["created"].map(to_utc)).all()


def test_every_kind_labelled_and_every_normal_entry_balances(ledger):
    assert_labels(ledger, per_kind=6)
    assert (ledger.groupby("voucher")["anomaly_id"].nunique() == 1).all()
    balance = _net(ledger).groupby(ledger["voucher"]).sum().round(2)
    kind = ledger.groupby("voucher")["anomaly_kind"].first()
    assert (balance[kind != "unbalanced_voucher"].abs() < 0.005).all()
    assert len(balance[kind == "unbalanced_voucher"]) == 6
    assert (balance[kind == "unbalanced_voucher"].abs() > 0.005).all()


def test_odoo_sequences_and_journals(ledger):
    entries = _entries(ledger)
    assert set(ledger["Diario"]) == set(JOURNALS.values())
    assert (ledger["Diario"] == ledger["journal"].map(JOURNALS)).all()
    monthly = entries["journal"].isin(["BILL", "MISC"])
    assert entries.loc[monthly, "voucher"].str.fullmatch(r"(BILL|MISC)/2024/\d\d/\d{4}").all()
    assert entries.loc[~monthly, "voucher"].str.fullmatch(r"(INV|RINV|BNK1|BNK2|CSH1)/2024/\d{5}").all()
    assert (entries.loc[monthly, "voucher"].str[10:12].astype(int) == entries.loc[monthly, "date"].dt.month).all()
    assert (entries["voucher"].str.split("/").str[0] == entries["journal"]).all()
    # every sequence (a journal's year, or its month for BILL and MISC) runs from 1 without gaps
    key = entries["voucher"].str.rsplit("/", n=1).str[0]
    number = entries["voucher"].str.rsplit("/", n=1).str[1].astype(int)
    for _, numbers in number.groupby(key):
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    # Odoo's default order for journal items: date descending, then the entry's number descending
    assert ledger["date"].is_monotonic_decreasing
    for _, names in ledger.groupby("date", sort=False)["voucher"]:
        assert list(names) == sorted(names, reverse=True)
    assert set(_code(ledger)) <= set(ACCOUNTS)
    assert (ledger["Cuenta"] == _code(ledger) + " " + _code(ledger).map(ACCOUNTS)).all()


def test_users_duties_and_valencian_calendar(ledger):
    assert dt.date(2024, 3, 19) in VC and dt.date(2024, 10, 9) in VC and dt.date(2024, 4, 1) in VC
    assert is_closed(dt.date(2024, 6, 24)) and is_working_day(dt.date(2024, 3, 18))
    normal = _entries(_normal(ledger))
    duties = normal.groupby("journal")["Creado por"].agg(set).to_dict()
    assert duties == {"INV": {LAURA}, "RINV": {LAURA}, "BILL": {MJ, BOT}, "MISC": {AMPARO}, "BNK1": {BOT},
                      "BNK2": {MJ}, "CSH1": {MJ}}
    assert set(normal.loc[normal["Creado por"].eq(BOT) & normal["journal"].eq("BILL"), "Contacto"]) <= EMAILED
    assert RAFAEL not in set(normal["Creado por"])
    # people create entries on working days in office hours (Madrid time); OdooBot at any hour
    human = normal[normal["Creado por"].isin(HUMANS)]
    created = human[human["created"] >= "2024-01-01"]["created"]
    assert created.dt.date.map(is_working_day).all() and created.dt.hour.between(8, 18).all()
    assert normal.loc[normal["journal"].eq("BNK1"), "created"].dt.hour.between(5, 6).all()
    # entries are dated on working days, except the rent dated the 1st and month-end MISC entries
    rent = normal["Contacto"].eq("Inversiones Fuente del Jarro S.L.") & normal["date"].dt.day.eq(1)
    month_end = normal["journal"].eq("MISC") & normal["date"].dt.is_month_end
    assert normal.loc[~rent & ~month_end, "date"].dt.date.map(is_working_day).all()
    assert (~normal.loc[rent | month_end, "date"].dt.date.map(is_working_day)).any()
    # registration lags: drafts prepared ahead, bills keyed within days, depreciation boards made in advance
    lag = _lag_days(normal)
    sales = normal["journal"].isin(["INV", "RINV"])
    assert lag[sales].between(-8, 7).all() and (lag[sales] < 0).any()
    assert lag[normal["journal"].eq("BILL")].between(0, 16).all()
    depreciation = normal["journal"].eq("MISC") & normal["Referencia"].str.contains(r"\(\d+/\d+\)")
    assert depreciation.sum() == 55 and (lag[depreciation] < 0).all()
    assert lag[~depreciation].max() < 30
    # the monthly payroll, net salaries on the month's last working day
    payroll = normal[normal["Referencia"].str.startswith("Nómina")]
    assert len(payroll) == 12 and payroll["date"].dt.is_month_end.all()
    salaries = ledger[ledger["Etiqueta"].str.startswith("TRANSFERENCIAS NOMINAS")]
    assert len(salaries) == 12 and salaries["date"].dt.day.between(26, 31).all()


def test_iva_on_normal_invoices(ledger):
    normal = _normal(ledger)
    for journal, base_accounts, vat_account in (("INV", "7", "47700000"), ("BILL", "6", "47200000")):
        docs = normal[normal["journal"].isin([journal, "RINV"] if journal == "INV" else [journal])]
        for tax, rate in (("IVA 21% (Bienes)", 0.21), ("5.2% Recargo Equivalencia Ventas", 0.052),
                          ("21% IVA soportado (bienes corrientes)", 0.21),
                          ("21% IVA soportado (servicios corrientes)", 0.21)):
            base = docs[_code(docs).str.startswith(base_accounts) & docs["Impuestos"].str.contains(tax, regex=False)]
            if base.empty:
                continue
            vat = docs[_code(docs).eq(vat_account) & docs["Etiqueta"].eq(tax)]
            expected = (_net(base).groupby(base["voucher"]).sum() * rate).round(2)
            booked = _net(vat).groupby(vat["voucher"]).sum().reindex(expected.index, fill_value=0.0)
            assert np.allclose(expected, booked, atol=0.011), (journal, tax)
    # EU and export sales carry no IVA line; recargo de equivalencia only with IVA 21 %
    exempt = normal[_code(normal).isin(["70010000", "70020000"])]
    assert len(exempt) and exempt["Impuestos"].isin(["IVA 0% Entregas Intracomunitarias exentas",
                                                     "IVA 0% Exportaciones"]).all()
    assert not normal[normal["voucher"].isin(exempt["voucher"]) & _code(normal).eq("47700000")].size
    taxes = set(",".join(normal["Impuestos"]).split(",")) - {""}
    assert "IVA 10%" not in " ".join(taxes) and "IVA 4%" not in " ".join(taxes)
    assert {"IVA 21% (Bienes)", "5.2% Recargo Equivalencia Ventas",
            "IVA 21% Adquisición de servicios intracomunitarios", "Retenciones 19% (Arrendamientos)"} <= taxes


def test_each_kind_looks_as_it_should(ledger):
    normal = _entries(_normal(ledger))
    weekend = _entries(_kind(ledger, "weekend_holiday_posting"))
    assert weekend["date"].dt.date.map(is_closed).all()
    assert (weekend["created"].dt.date == weekend["date"].dt.date).all()
    assert _lag_days(_entries(_kind(ledger, "backdated"))).between(45, 150).all()
    below = _kind(ledger, "just_below_approval_limit")
    payable = below[_code(below) == "40000000"]
    assert len(payable) == 6 and payable["Haber"].between(29_000, 29_990).all()
    bills = _normal(ledger)
    bills = bills[bills["journal"].eq("BILL") & _code(bills).eq("40000000")]
    assert not bills["Haber"].between(0.95 * APPROVAL_LIMIT, APPROVAL_LIMIT - 0.01).any()
    assert (bills["Haber"] >= APPROVAL_LIMIT).any()  # larger ones exist: they went through approval
    rounds = _kind(ledger, "round_amount")
    sizes = rounds[["Debe", "Haber"]].max(axis=1).groupby(rounds["anomaly_id"]).max()
    assert (sizes % 5_000 == 0).all() and sizes.between(10_000, 60_000).all()
    for row in _entries(_kind(ledger, "duplicate")).itertuples():
        gross = ledger.loc[(ledger["voucher"] == row.voucher) & (_code(ledger) == "40000000"), "Haber"].iloc[0]
        twins = ledger[ledger["journal"].eq("BILL") & ledger["Contacto"].eq(row.Contacto)
                       & ledger["date"].eq(row.date) & _code(ledger).eq("40000000") & ledger["Haber"].eq(gross)
                       & ledger["voucher"].ne(row.voucher) & ledger["anomaly_kind"].eq("")]
        assert len(twins) == 1
    rev = _kind(ledger, "period_end_reversal")
    assert (rev.groupby("anomaly_id")["voucher"].nunique() == 2).all()
    assert rev["Referencia"].str.startswith("Reversión de: ").groupby(rev["anomaly_id"]).any().all()
    revenue = rev[_code(rev).str.startswith("7")]
    assert (_net(revenue).groupby(revenue["anomaly_id"]).sum().abs() < 0.01).all()
    spikes = _kind(ledger, "daily_spike")
    assert spikes.groupby("anomaly_id")["voucher"].nunique().between(15, 30).all()
    assert (spikes.groupby("anomaly_id")["date"].nunique() == 1).all()
    vat = _kind(ledger, "broken_vat_ratio")
    base = vat[vat["Impuestos"].str.contains("21%")]
    tax = vat[_code(vat).isin(["47200000", "47700000"])]
    ratio = _net(tax).groupby(tax["anomaly_id"]).sum() / _net(base).groupby(base["anomaly_id"]).sum()
    assert (abs(ratio - 0.21) > 0.02).all()
    duties = normal.groupby("Creado por")["journal"].agg(set)
    unusual = _entries(_kind(ledger, "unusual_user"))
    for journal, user in zip(unusual["journal"], unusual["Creado por"], strict=True):
        assert journal not in duties.get(user, set())
    combo = _kind(ledger, "unusual_account_combination")
    pairs = set(_code(combo).groupby(combo["anomaly_id"]).agg(frozenset))
    assert {frozenset({"64000000", "70000000"}), frozenset({"62100000", "43000000"})} <= pairs


def test_file_is_an_odoo_journal_items_export(path, sheet, ledger):
    assert path.name == FILE_NAME and len(sheet) == 1
    ws = sheet[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and all(c.font.bold for c in ws[1])
    assert len(rows) == len(ledger) + 1 and ws.max_column == len(HEADER)
    first = [c for c in ws[2]]
    assert first[0].is_date and first[0].number_format == "yyyy-mm-dd" and first[12].is_date
    body = rows[1:]
    assert all(isinstance(r[0], dt.datetime) and r[0].time() == dt.time(0) for r in body)
    assert all(isinstance(r[12], dt.datetime) for r in body)
    assert all(isinstance(r[8], int | float) and isinstance(r[9], int | float) for r in body)
    assert all(isinstance(r[10], bool) for r in body)
    assert all(re.fullmatch(r"\d{8} .+", r[3]) for r in body)
    total = sum(r[8] for r in body) - sum(r[9] for r in body)
    assert total == pytest.approx(_net(ledger).sum(), abs=0.01)
    for i in ledger.sample(300, random_state=0).index:
        r, line = body[i], ledger.loc[i]
        assert r[1] == line["voucher"] and r[3] == line["Cuenta"] and (r[6] or "") == line["Etiqueta"]
        assert r[0].date() == line["date"].date() and r[8] - r[9] == pytest.approx(line["Debe"] - line["Haber"])
    assert "Cerâmicas do Porto Lda" in {r[4] for r in body}


def test_reader_reads_every_row(read, ledger):
    frame = read.frame
    assert len(frame) == len(ledger)
    assert set(frame["row_number"]) == set(range(2, len(ledger) + 2))


def test_reader_amount_is_debe_minus_haber(read, aligned, ledger):
    assert float(read.frame["amount"].astype(float).sum()) == pytest.approx(_net(ledger).sum(), abs=0.01)
    assert np.allclose(aligned["amount"].astype(float), _net(aligned))


def test_reader_entry_is_the_entry_number(aligned):
    """Lines share a voucher exactly when they share Asiento contable/Número, and the voucher is that name."""
    assert (aligned.groupby("voucher_id")["voucher"].nunique() == 1).all()
    assert aligned["voucher_id"].nunique() == aligned["voucher"].nunique()
    assert (aligned["voucher_id"].astype(str) == aligned["voucher"]).all()


def test_reader_posting_date_and_account(aligned):
    """Fecha is the posting date; Cuenta's display name starts with the account code."""
    assert (pd.to_datetime(aligned["posting_date"]) == aligned["date"]).all()
    assert (aligned["account"].astype(str) == aligned["Cuenta"].str[:8]).all()
    assert (aligned["account_name"].fillna("") == aligned["Cuenta"].str[9:]).all()


def test_reader_label_user_and_registration(aligned):
    """Etiqueta is the line's text, Creado por who registered the entry, Creado el (as written: UTC) when."""
    assert (aligned["description"].fillna("") == aligned["Etiqueta"]).all()
    assert (aligned["user_name"] == aligned["Creado por"]).all()
    assert (pd.to_datetime(aligned["registration_date"]) == aligned["Creado el"]).all()


def test_reader_counterparty_is_contacto(aligned):
    assert (aligned["counterparty"].fillna("") == aligned["Contacto"]).all()
