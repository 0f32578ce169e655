"""Every registered rule keeps the detector contract on awkward input and with an external reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.strategies.model import PRESETS, load_preset
from anomaly_pipeline_tests.conftest import real_file
from anomaly_pipeline_tests.detect.frames import frame
from anomaly_pipeline_tests.detect.ledger_factory import write_ledger

RULES = sorted(name for name, cls in ALGORITHMS.items() if cls.kind == "rule")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> pd.DataFrame:
    from anomaly_pipeline.ingest.read_file import read_file
    from anomaly_pipeline.settings import get_settings

    path = tmp_path_factory.mktemp("ledger") / "ledger.csv"
    write_ledger(path)
    return read_file(path, get_settings(), "csv")[1].frame


def _check(result, transactions: pd.DataFrame) -> None:
    if result.skipped:
        assert result.scores.empty
        return
    scores = result.scores
    assert list(scores.columns) == ["transaction_id", "score", "flagged", "reason", "severity"]
    assert scores["score"].between(0, 1).all()
    flagged = scores[scores["flagged"]]
    assert flagged["reason"].notna().all() and (flagged["reason"].str.len() > 0).all()
    assert flagged["severity"].isin(["low", "medium", "high"]).all()
    assert (flagged["score"] > 0).all()
    assert scores.loc[~scores["flagged"], "reason"].isna().all()
    assert set(scores["transaction_id"]) <= set(transactions["transaction_id"])


@pytest.mark.parametrize("name", RULES)
def test_rule_on_a_ledger_with_an_earlier_upload_as_reference(name, ledger):
    rule = ALGORITHMS[name]()
    _check(rule.detect(ledger), ledger)
    earlier = ledger.assign(posting_date=ledger["posting_date"] - pd.Timedelta(days=365))
    _check(rule.detect(ledger, reference=earlier), ledger)


@pytest.mark.parametrize("name", RULES)
def test_rule_on_awkward_frames(name, ledger):
    rule = ALGORITHMS[name]()
    one = ledger.head(1).copy()
    _check(rule.detect(one), one)
    removed = ledger.assign(is_removed=True)
    _check(rule.detect(removed), removed)
    holes = ledger.copy()
    for column in ("voucher_id", "user_name", "description", "counterparty", "registration_date", "posted_at"):
        holes.loc[holes.index % 3 == 0, column] = pd.NA if holes[column].dtype != "datetime64[ns]" else pd.NaT
    _check(rule.detect(holes), holes)
    bank = frame(posting_date=["2025-03-01", "2025-03-02"], account=["SE1", "SE1"], amount=[np.nan, 5.0])
    _check(rule.detect(bank), bank)


def test_every_preset_validates_and_lists_every_rule():
    for preset in PRESETS:
        strategy = load_preset(preset)
        assert set(RULES) <= set(strategy.algorithms)


def test_bank_statement_skips_voucher_user_and_registration_rules():
    from anomaly_pipeline.ingest.read_file import read_file
    from anomaly_pipeline.settings import get_settings

    path = real_file("csv/bank2ynab__bank2ynab__MS_JANE_SMITH_01-12-2019_14-12-2019.csv")
    statement = read_file(path, get_settings(), "csv")[1].frame
    assert not statement.empty
    skipped = {name: ALGORITHMS[name]().detect(statement).skipped for name in RULES}
    for name in ("unbalanced_voucher", "voucher_number_gap", "voucher_out_of_order", "forbidden_account_pair",
                 "rare_account_combination"):
        assert skipped[name] == "the upload has no voucher_id data"
    assert skipped["unusual_user_account"] == "the upload has no user_name data"
    for name in ("period_mismatch", "late_registration", "entry_date_gap"):
        assert skipped[name] == "the upload has no registration_date data"
    assert skipped["after_hours_posting"] == "the upload has no posted_at data"
    assert skipped["near_duplicate"] is None  # without a counterparty it compares the texts
    assert skipped["weekend_posting"] is None and skipped["round_amount"] is None


def test_balanced_preset_is_the_rules_default_weights():
    balanced = load_preset("balanced")
    assert {n: balanced.algorithms[n].weight for n in RULES} == {n: ALGORITHMS[n].default_weight for n in RULES}
