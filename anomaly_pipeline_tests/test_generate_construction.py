"""The held-out construction generator: deterministic per seed, every kind labelled, normal vouchers balance, and its
Danish CSV (semicolons, decimal comma, dd-mm-yyyy) reads back through the pipeline's reader line for line."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_construction import (
    APPROVAL_LIMIT,
    danish_holidays,
    easter_sunday,
    generate_construction,
    write_construction,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_construction(seed=31, per_kind=6)


@pytest.fixture(scope="module")
def read_back(ledger, tmp_path_factory):
    path = write_construction(ledger, tmp_path_factory.mktemp("construction") / "construction.csv")
    _, result = read_file(path, get_settings())
    return result


def _amount(ledger: pd.DataFrame) -> pd.Series:
    return (ledger["Debet"] - ledger["Kredit"]).round(2)


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_construction(seed=31, per_kind=6))
    assert not ledger.equals(generate_construction(seed=32, per_kind=6))
    assert 10_000 <= len(ledger) <= 14_000


def test_easter_and_danish_holidays():
    assert easter_sunday(2024) == pd.Timestamp("2024-03-31")
    assert easter_sunday(2025) == pd.Timestamp("2025-04-20")
    days = danish_holidays(2025)
    assert days[pd.Timestamp("2025-04-17")] == "Skærtorsdag"
    assert days[pd.Timestamp("2025-05-29")] == "Kristi himmelfartsdag"
    assert days[pd.Timestamp("2025-06-09")] == "2. pinsedag"
    assert "Store bededag" not in days.values()
    assert "Store bededag" in danish_holidays(2023).values()


def test_every_kind_has_per_kind_instances_and_normal_vouchers_balance(ledger):
    assert_labels(ledger, per_kind=6)
    # a voucher is either wholly normal or wholly one instance
    assert (ledger.groupby("Bilagsnr.")["anomaly_id"].nunique() == 1).all()
    amount = _amount(ledger)
    normal = ledger["anomaly_kind"] == ""
    sums = amount[normal].groupby(ledger.loc[normal, "Bilagsnr."]).sum()
    assert (sums.abs() < 0.005).all()
    other = ~normal & (ledger["anomaly_kind"] != "unbalanced_voucher")
    assert (amount[other].groupby(ledger.loc[other, "Bilagsnr."]).sum().abs() < 0.005).all()
    unbalanced = ledger["anomaly_kind"] == "unbalanced_voucher"
    assert (amount[unbalanced].groupby(ledger.loc[unbalanced, "anomaly_id"]).sum().abs() > 0.005).all()


def test_normal_year_shape(ledger):
    normal = ledger[ledger["anomaly_kind"] == ""]
    vouchers = normal.drop_duplicates("Bilagsnr.")
    # series are number ranges (10001-, 20001-, ...), each numbered in registration order
    every = ledger.drop_duplicates("Bilagsnr.")
    every = every.assign(n=every["Bilagsnr."].astype(int)).sort_values("n")
    assert sorted(every["Bilagsnr."].str[0].unique()) == ["1", "2", "3", "4", "5", "9"]
    for _, series in every.groupby(every["Bilagsnr."].str[0]):
        assert series["Registreringsdato"].is_monotonic_increasing
    # weekend and holiday postings are rare in a normal year, but not absent
    closed = vouchers["Dato"].dt.day_of_week.ge(5) | vouchers["Dato"].isin(list(danish_holidays(2025)))
    assert 0 < closed.sum() < 0.01 * len(vouchers)
    # purchase invoices are registered days to weeks after their date, in the bookkeeper's batches
    purchases = vouchers[vouchers["Bilagsnr."].str.startswith("1")]
    lag = (purchases["Registreringsdato"] - purchases["Dato"]).dt.days
    assert lag.min() >= 0 and 3 <= lag.median() <= 14 and lag.max() >= 21
    assert ledger["Bruger"].nunique() == 5
    # below the approval limit is where most invoices are; some go above it, with the second signature
    gross = ledger.loc[ledger["Konto"] == "6810", "Kredit"]
    assert (gross >= APPROVAL_LIMIT).any()


def test_csv_reads_back_line_for_line(ledger, read_back):
    frame = read_back.frame
    assert len(frame) == len(ledger)
    assert frame["account"].tolist() == ledger["Konto"].tolist()
    assert frame["user_name"].tolist() == ledger["Bruger"].tolist()
    assert (frame["posting_date"] == ledger["Dato"]).all()
    assert (frame["registration_date"] == ledger["Registreringsdato"]).all()
    expected = _amount(ledger)
    assert (frame["amount"].round(2) == expected).all()
    assert frame["amount"].sum() == pytest.approx(expected.sum(), abs=0.005)
    assert frame["description"].tolist() == ledger["Tekst"].tolist()
    assert frame["counterparty"].isna().all()


def test_csv_reads_back_voucher_ids(ledger, read_back):
    frame = read_back.frame
    assert frame["voucher_id"].nunique() == ledger["Bilagsnr."].nunique()
    assert frame["voucher_id"].tolist() == ledger["Bilagsnr."].tolist()
