"""The services generator (held out at first, tuned on since calibration step 15): deterministic per seed, every
kind labelled, normal vouchers balance, and its CSV reads back through the pipeline's reader line for line."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.labelled_ledgers import assert_labels
from benchmarks.generate_services import generate_services, write_services


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_services(seed=21, per_kind=6)


def test_same_seed_same_ledger_other_seed_other(ledger):
    pd.testing.assert_frame_equal(ledger, generate_services(seed=21, per_kind=6))
    assert not ledger.equals(generate_services(seed=22, per_kind=6))
    assert 10_000 <= len(ledger) <= 13_000


def test_every_kind_has_per_kind_instances_and_normal_vouchers_balance(ledger):
    assert_labels(ledger, per_kind=6)
    labelled = ledger[ledger["anomaly_kind"] != ""]
    normal = ledger[~ledger["Journal No"].isin(labelled["Journal No"])]
    sums = (normal["Debit"] - normal["Credit"]).groupby(normal["Journal No"]).sum()
    assert (sums.abs() < 0.005).all()
    unbalanced = labelled[labelled["anomaly_kind"] == "unbalanced_voucher"]
    assert ((unbalanced["Debit"] - unbalanced["Credit"]).groupby(unbalanced["anomaly_id"]).sum().abs() > 0.005).all()


def test_csv_reads_back_exactly(ledger, tmp_path):
    path = write_services(ledger, tmp_path / "services.csv")
    _, result = read_file(path, get_settings())
    frame = result.frame
    assert len(frame) == len(ledger)
    assert frame["voucher_id"].nunique() == ledger["Journal No"].nunique()
    assert frame["voucher_id"].tolist() == ledger["Journal No"].tolist()
    assert frame["account"].tolist() == ledger["Nominal Code"].tolist()
    assert frame["user_name"].tolist() == ledger["User"].tolist()
    assert (frame["posting_date"] == ledger["Date"]).all()
    assert (frame["registration_date"] == ledger["Entry Date"]).all()
    expected = (ledger["Debit"] - ledger["Credit"]).round(2)
    assert (frame["amount"].round(2) == expected).all()
    assert frame["amount"].sum() == pytest.approx(expected.sum(), abs=0.005)
    assert frame["counterparty"].isna().all()
