"""The held-out hospitality generator: deterministic per seed, every kind labelled, normal vouchers balance, the
restaurant group's normal year (a till settlement for every trading day of every location, weekends included;
registration lags by who registers; series numbered in registration order), and its Tripletex-style CSV
(semicolons, decimal comma, no-break-space thousands, dd.mm.yyyy) reads back through the pipeline's reader line
for line."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_hospitality import (
    APPROVAL_LIMIT,
    COLUMNS,
    LOCATIONS,
    SERIES,
    days_of_year,
    easter_sunday,
    generate_hospitality,
    is_bank_day,
    norwegian_holidays,
    write_hospitality,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_hospitality(seed=41, per_kind=6)


@pytest.fixture(scope="module")
def csv_path(ledger, tmp_path_factory):
    return write_hospitality(ledger, tmp_path_factory.mktemp("hospitality") / "hospitality.csv")


@pytest.fixture(scope="module")
def read_back(csv_path):
    _, result = read_file(csv_path, get_settings())
    return result


def _vouchers(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.drop_duplicates("Bilagsnummer")


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_hospitality(seed=41, per_kind=6))
    assert not ledger.equals(generate_hospitality(seed=42, per_kind=6))
    assert 14_000 <= len(ledger) <= 16_500
    assert list(ledger.columns) == [*COLUMNS, "anomaly_kind", "anomaly_id"]


def test_norwegian_calendar():
    assert easter_sunday(2025) == dt.date(2025, 4, 20)
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    days = norwegian_holidays(2025)
    assert days[dt.date(2025, 4, 17)] == "Skjærtorsdag"
    assert days[dt.date(2025, 5, 17)] == "Grunnlovsdag"
    assert days[dt.date(2025, 5, 29)] == "Kristi himmelfartsdag"
    assert days[dt.date(2025, 6, 9)] == "2. pinsedag"
    assert len(days) == 12
    assert not is_bank_day(dt.date(2025, 12, 24)) and not is_bank_day(dt.date(2025, 12, 31))
    assert is_bank_day(dt.date(2025, 12, 23)) and not is_bank_day(dt.date(2025, 4, 21))


def test_every_kind_has_per_kind_instances_and_normal_vouchers_balance(ledger):
    assert_labels(ledger, per_kind=6)
    # a voucher is either wholly normal or wholly one instance
    assert (ledger.groupby("Bilagsnummer")["anomaly_id"].nunique() == 1).all()
    amount = ledger["Beløp"]
    normal = ledger["anomaly_kind"] == ""
    assert (amount[normal].groupby(ledger.loc[normal, "Bilagsnummer"]).sum().abs() < 0.005).all()
    other = ~normal & (ledger["anomaly_kind"] != "unbalanced_voucher")
    assert (amount[other].groupby(ledger.loc[other, "Bilagsnummer"]).sum().abs() < 0.005).all()
    unbalanced = ledger["anomaly_kind"] == "unbalanced_voucher"
    assert (amount[unbalanced].groupby(ledger.loc[unbalanced, "anomaly_id"]).sum().abs() > 0.005).all()
    # a duplicate repeats a normal invoice's text and amounts under a later voucher number
    for _, copy in ledger[ledger["anomaly_kind"] == "duplicate"].groupby("anomaly_id"):
        text = copy["Beskrivelse"].iloc[0]
        first = ledger[normal & (ledger["Beskrivelse"] == text)]
        assert first["Beløp"].tolist() == copy["Beløp"].tolist()
        assert int(first["Bilagsnummer"].iloc[0]) < int(copy["Bilagsnummer"].iloc[0])


def test_a_till_for_every_trading_day_weekends_included(ledger):
    tills = _vouchers(ledger[(ledger["Bilagstype"] == "Dagsoppgjør") & ledger["Beskrivelse"].str.startswith("Z ")])
    # the POS date in the Z text (the voucher date of a misdated till is labelled, the Z text keeps the truth)
    pos_date = pd.to_datetime(tills["Beskrivelse"].str.extract(r"(\d\d\.\d\d\.\d{4})")[0], format="%d.%m.%Y")
    for loc in LOCATIONS:
        own = pos_date[tills["Avdeling"].str.startswith(loc.dept)]
        open_days = [pd.Timestamp(d) for d in days_of_year() if loc.open_on(d)]
        assert sorted(own) == open_days, loc.name
        assert own.is_unique
        weekend_days = [d for d in open_days if d.day_of_week >= 5]
        assert len(weekend_days) >= 80 and set(weekend_days) <= set(own)
        assert tills.loc[own.index, "Registrert av"].value_counts().index[0] == loc.manager
    normal = _vouchers(ledger[ledger["anomaly_kind"] == ""])
    normal_tills = normal[normal["Bilagstype"] == "Dagsoppgjør"]
    assert normal_tills["Bilagsdato"].dt.day_of_week.isin([5, 6]).mean() > 0.25
    # approved on the manager's next working day, never the same day
    lag = (normal_tills["Registrert"].dt.normalize() - normal_tills["Bilagsdato"]).dt.days
    assert lag.min() >= 1 and lag.max() <= 4


def test_busy_weekends_and_seasons(ledger):
    normal = ledger[ledger["anomaly_kind"] == ""]
    sales = normal[normal["Bilagstype"].eq("Dagsoppgjør") & normal["Konto"].isin(["3000", "3020", "3100"])]
    by_day = -sales.groupby("Bilagsdato")["Beløp"].sum()
    weekday = by_day.groupby(by_day.index.day_of_week).mean()
    assert weekday[5] > 1.5 * weekday[1]
    by_month = by_day.groupby(by_day.index.month).sum()
    assert by_month[12] > 1.4 * by_month[1]
    assert (normal["Konto"] == "3100").any()  # Nordnes' takeaway at 15 %
    till_mva = normal[normal["Bilagstype"].eq("Dagsoppgjør") & normal["Konto"].isin(["2700", "2702"])]
    assert (till_mva["Mva-kode"] == till_mva["Konto"].map({"2700": "3", "2702": "31"})).all()


def test_series_and_registration(ledger):
    every = _vouchers(ledger).assign(n=lambda f: f["Bilagsnummer"].astype(int)).sort_values("n")
    assert set(every["Bilagstype"]) == set(SERIES)
    for series, start in SERIES.items():
        own = every[every["Bilagstype"] == series]
        assert own["n"].tolist() == list(range(start, start + len(own)))
        assert own["Registrert"].is_monotonic_increasing, series
    normal = _vouchers(ledger[ledger["anomaly_kind"] == ""])
    # supplier invoices wait for the accountant's Tuesday batch, longer in her July holiday
    purchases = normal[normal["Bilagstype"] == "Leverandørfaktura"]
    lag = (purchases["Registrert"].dt.normalize() - purchases["Bilagsdato"]).dt.days
    assert lag.min() >= 0 and 3 <= lag.median() <= 14 and lag.max() >= 21
    assert (purchases["Registrert"].dt.day_of_week == 1).mean() > 0.8
    # the payroll system posts a run before its pay day
    payroll = normal[normal["Bilagstype"] == "Lønn"]
    assert len(payroll) == 12 and (payroll["Registrert"] < payroll["Bilagsdato"]).all()
    assert ledger["Registrert av"].nunique() == 7
    # most invoices stay under the approval limit; rent, insurance and big deliveries go over it
    payable = -normal.merge(ledger[ledger["Konto"] == "2400"], on="Bilagsnummer")["Beløp_y"]
    assert (payable >= APPROVAL_LIMIT).any() and (payable < APPROVAL_LIMIT).mean() > 0.8


def test_mva_terms_clear_the_mva_accounts(ledger):
    normal = ledger[ledger["anomaly_kind"] == ""]
    mva = normal[normal["Konto"].isin(["2700", "2701", "2702", "2710", "2711", "2712"])]
    assert mva["Beløp"].sum() == pytest.approx(0.0, abs=0.05)
    settlements = _vouchers(normal[normal["Beskrivelse"].str.startswith("Mva-oppgjør")])
    assert settlements["Bilagsdato"].dt.month.tolist() == [2, 4, 6, 8, 10, 12]


def test_csv_is_a_norwegian_export(csv_path, ledger):
    raw = csv_path.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ";".join(COLUMNS)
    assert len(lines) == len(ledger) + 2  # header and the final line break
    assert any("\u00a0" in line for line in lines[1:])  # thousands with a no-break space
    first = lines[1].split(";")
    assert first[1].count(".") == 2 and "," in first[8]


def test_csv_reads_back_line_for_line(ledger, read_back):
    frame = read_back.frame
    assert len(frame) == len(ledger)
    assert frame["voucher_id"].tolist() == ledger["Bilagsnummer"].tolist()
    assert frame["account"].tolist() == ledger["Konto"].tolist()
    assert frame["user_name"].tolist() == ledger["Registrert av"].tolist()
    assert frame["description"].tolist() == ledger["Beskrivelse"].tolist()
    assert (frame["posting_date"] == ledger["Bilagsdato"]).all()
    assert (frame["registration_date"] == ledger["Registrert"]).all()
    assert (frame["amount"].round(2) == ledger["Beløp"].round(2)).all()
    assert frame["counterparty"].isna().all()
