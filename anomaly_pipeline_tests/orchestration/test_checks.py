"""Asset checks: each rule passing and failing on crafted data, and the partitioned checks in real runs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import sqlalchemy as sa

from anomaly_pipeline import quality
from anomaly_pipeline.canonical import conform
from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse

# V2 is 200 short; V3 is posted on a Saturday (two weekend lines >= 1000)
LEDGER = """Date,Voucher,Account,Amount,Description
2024-03-04,V1,1910,-500.00,Cash
2024-03-04,V1,6110,500.00,Office supplies
2024-03-05,V2,1910,-1200.00,Cash
2024-03-05,V2,5010,1000.00,Rent
2024-03-09,V3,1930,-2500.00,Bank
2024-03-09,V3,4010,2500.00,Goods
"""


def _frame(rows: list[dict]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows))


def _ledger(amounts: dict[str, list[float]], accounts=("1910", "3010")) -> pd.DataFrame:
    rows = [{"voucher_id": v, "account": accounts[i % len(accounts)], "amount": a, "posting_date": "2024-01-02"}
            for v, values in amounts.items() for i, a in enumerate(values)]
    return _frame(rows)


# ---------------------------------------------------------------- the rules on crafted frames

def test_voucher_balance_passes_within_a_cent_and_fails_beyond():
    ok = quality.voucher_balance(_ledger({"A": [100.0, -100.0], "B": [10.01, -10.0], "C": [33.33, 33.33, -66.66]}))
    assert ok.passed and ok.metadata["vouchers"] == 3 and ok.metadata["unbalanced_vouchers"] == 0
    bad = quality.voucher_balance(_ledger({"A": [100.0, -100.0], "B": [10.02, -10.0], "C": [500.0, -300.0]}))
    assert not bad.passed
    assert bad.metadata["unbalanced_vouchers"] == 2
    assert bad.metadata["total_imbalance"] == 200.02
    assert bad.metadata["unbalanced"]["voucher_id"].tolist() == ["C", "B"]  # largest imbalance first


def test_voucher_balance_ignores_removed_lines_and_bank_statements():
    frame = _ledger({"A": [100.0, -100.0, 55.0]})
    frame.loc[2, "is_removed"] = True  # a #BTRANS line: kept, not active
    assert quality.voucher_balance(frame).passed
    bank = _ledger({"1": [100.0], "2": [-40.0]}, accounts=("BANK",))
    outcome = quality.voucher_balance(bank)
    assert outcome.passed and outcome.metadata == {"applicable": False}
    references = _ledger({str(i): [float(i)] for i in range(10)} | {"A": [5.0, -5.0]}, accounts=("1930", "2440"))
    single = quality.voucher_balance(references)  # a per-line reference column: 1 of 11 "vouchers" has 2 lines
    assert single.passed and single.metadata == {"applicable": False} and "9%" in single.description
    no_vouchers = _frame([{"account": "1910", "amount": 5.0, "posting_date": "2024-01-01"},
                          {"account": "3010", "amount": 7.0, "posting_date": "2024-01-01"}])
    assert quality.voucher_balance(no_vouchers).metadata == {"applicable": False}


def test_keys_present():
    good = _ledger({"A": [1.0, -1.0]})
    assert quality.keys_present(good).passed
    bad = good.copy()
    bad.loc[0, "amount"] = np.nan
    bad.loc[1, "posting_date"] = pd.NaT
    bad.loc[1, "account"] = "  "
    outcome = quality.keys_present(bad)
    assert not outcome.passed
    assert (outcome.metadata["missing_amount"], outcome.metadata["missing_posting_date"],
            outcome.metadata["missing_account"]) == (1, 1, 1)
    assert outcome.description == "2 rows miss a key field (1 without posting_date, 1 without amount, 1 without account)"


def test_row_count():
    upload = {"expected_rows": 10, "read_metadata": {"skipped_rows": 2}}
    assert quality.row_count(upload, 8).passed
    lost = quality.row_count(upload, 7)
    assert not lost.passed and lost.metadata["difference"] == 1 and "1 rows lost" in lost.description
    assert not quality.row_count({"expected_rows": 5, "read_metadata": {}}, 6).passed
    assert quality.row_count({"expected_rows": None}, 3).passed  # nothing counted: nothing to compare


def test_scores_in_range_and_reasons():
    assert quality.scores_in_range(pd.Series([0.0, 0.5, 1.0])).passed
    out = quality.scores_in_range(pd.Series([0.2, 1.0001, -0.1, np.nan]))
    assert not out.passed and out.metadata["out_of_range"] == 3
    flags = pd.DataFrame({"transaction_id": [1, 2, 3], "flagged": [True, True, False],
                          "reason": ["big", None, None]})
    bad = quality.flags_have_reasons(flags)
    assert not bad.passed and bad.metadata == {"flagged": 2, "without_reason": 1} | {"examples": bad.metadata["examples"]}
    assert bad.metadata["examples"]["transaction_id"].tolist() == [2]
    flags.loc[1, "reason"] = "odd"
    assert quality.flags_have_reasons(flags).passed
    flags.loc[0, "reason"] = " "
    assert not quality.flags_have_reasons(flags).passed


def test_the_detector_checks_count_every_detector_and_name_those_that_broke_them():
    scores = pd.DataFrame({"algorithm": ["zscore", "zscore", "weekend", "iforest", "iforest"],
                           "transaction_id": [1, 2, 3, 1, 2], "score": [0.2, 1.5, 0.9, np.nan, 0.4],
                           "flagged": [False, True, True, False, True], "reason": [None, "\t", "Sunday", None, "far"]})
    summary = quality.score_summary(scores)
    assert summary.reset_index().to_dict("records") == [
        {"algorithm": "iforest", "rows": 2, "out_of_range": 1, "min": 0.4, "max": 0.4, "flagged": 1, "without_reason": 0},
        {"algorithm": "weekend", "rows": 1, "out_of_range": 0, "min": 0.9, "max": 0.9, "flagged": 1, "without_reason": 0},
        {"algorithm": "zscore", "rows": 2, "out_of_range": 1, "min": 0.2, "max": 1.5, "flagged": 1, "without_reason": 1}]
    ranges = quality.detector_ranges(summary)
    assert not ranges.passed
    assert ranges.description == "2 detector scores outside [0, 1] or missing: iforest, zscore"
    assert (ranges.metadata["rows"], ranges.metadata["min"], ranges.metadata["max"]) == (5, 0.2, 1.5)
    assert ranges.metadata["detectors"]["algorithm"].tolist() == ["iforest", "zscore"]
    reasons = quality.detector_reasons(summary, quality.unexplained(scores))
    assert reasons.description == "1 of 3 flagged rows have no reason: zscore"
    assert reasons.metadata["examples"].to_dict("records") == [{"algorithm": "zscore", "transaction_id": 2}]
    fine = scores[scores["algorithm"] == "weekend"]
    assert quality.detector_ranges(quality.score_summary(fine)).passed
    assert quality.detector_reasons(quality.score_summary(fine)).passed
    nothing = quality.score_summary(scores.iloc[:0])
    assert quality.detector_ranges(nothing).description == "all 0 detector scores within [0, 1]"


# ---------------------------------------------------------------- the Dagster checks in runs

def _evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def _process(instance: dg.DagsterInstance, path: Path, key: str, strategy: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("process_upload").execute_in_process(
        partition_key=key, instance=instance,
        run_config={"ops": {"raw_upload": {"config": {"path": str(path), "move": False}}},
                    "resources": {"scoring": {"config": {"strategy": strategy}}}},
    )


BALANCED = """Date,Voucher,Account,Amount,Description
2024-03-04,V1,1910,-500.00,Cash
2024-03-04,V1,6110,500.00,Office supplies
2024-03-05,V2,1910,-1200.00,Cash
2024-03-05,V2,5010,1200.00,Rent
"""


def _all_checks(prefix: str = "") -> set[tuple[str, str]]:
    """Three on transactions, four on transaction_risk (two of them over every detector's rows), none on the
    detector assets."""
    return {("transactions", prefix + c) for c in ("vouchers_balance", "keys_present", "row_count_matches_file")} | {
        ("transaction_risk", prefix + c) for c in ("scores_in_range", "flags_have_reasons", "detector_scores_in_range",
                                                   "detector_flags_have_reasons")}


def _stored_score_rows(wh: Warehouse, key: str) -> tuple[int, int]:
    """(rows, flagged rows) the detectors stored for the upload: anomaly_scores and rule_flags."""
    s, f = schema.anomaly_scores, schema.rule_flags
    with wh.engine.connect() as conn:
        scores, flagged = conn.execute(sa.select(sa.func.count(), sa.func.count().filter(s.c.flagged)).where(
            s.c.upload_id == key)).one()
        flags = conn.execute(sa.select(sa.func.count()).where(f.c.upload_id == key)).scalar_one()
    return scores + flags, flagged + flags


def _upload(env, text: str) -> tuple[Path, str]:
    path = env["tmp"] / "ledger.csv"
    path.write_text(text)
    return path, partition_key_for(sha256_file(path))


def _verify(instance: dg.DagsterInstance, key: str, strategy: str) -> dg.ExecuteInProcessResult:
    # a checks-only job takes its partition as the run tag (what the UI's launchpad sets), not `partition_key=`
    return defs.resolve_job_def("verify_upload").execute_in_process(
        tags={"dagster/partition": key}, instance=instance, run_config={"resources": {"scoring": {"config": {"strategy": strategy}}}})


def test_a_normal_upload_passes_every_check_from_the_run_itself_without_check_steps(env):
    path, key = _upload(env, BALANCED)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = _process(instance, path, key, "aggressive")
    assert result.success
    # the checks are yielded by the asset steps: no step of their own, and no read-back check in the run
    steps = {e.step_key for e in result.all_events if e.is_step_start}
    assert steps == {"raw_upload", "transactions", "detectors", "transaction_risk"}
    evaluations = _evaluations(result)
    assert set(evaluations) == _all_checks() | {("transactions", "file_readable")}
    assert all(e.passed and e.partition == key for e in evaluations.values())
    balance = evaluations[("transactions", "vouchers_balance")]
    assert balance.severity == dg.AssetCheckSeverity.WARN
    assert balance.description == "all 2 vouchers balance"
    assert {k: v.value for k, v in balance.metadata.items() if k != "unbalanced"} == {
        "applicable": True, "vouchers": 2, "unbalanced_vouchers": 0, "lines_without_voucher": 0,
        "total_imbalance": 0.0, "tolerance": 0.01}
    keys = evaluations[("transactions", "keys_present")]
    assert (keys.severity, keys.description) == (dg.AssetCheckSeverity.ERROR,
                                                 "all 4 rows have a date, an amount and an account")
    assert {k: v.value for k, v in keys.metadata.items()} == {
        "rows": 4, "missing_posting_date": 0, "missing_amount": 0, "missing_account": 0}
    counted = evaluations[("transactions", "row_count_matches_file")]
    assert counted.description == "4 loaded + 0 skipped = 4 counted in the file"
    assert {k: v.value for k, v in counted.metadata.items()} == {
        "expected_rows": 4, "loaded_rows": 4, "skipped_rows": 0, "difference": 0}
    risk = evaluations[("transaction_risk", "flags_have_reasons")]
    assert risk.severity == dg.AssetCheckSeverity.ERROR
    # every transaction's risk and voucher risk (the run's frame, zero risks included)
    risk_range = evaluations[("transaction_risk", "scores_in_range")].metadata
    assert (risk_range["rows"].value, risk_range["out_of_range"].value) == (8, 0)
    # the detector checks count exactly the rows the detectors stored
    rows, flagged = _stored_score_rows(Warehouse(env["DATABASE_URL"]), key)
    detector_range = evaluations[("transaction_risk", "detector_scores_in_range")]
    assert (detector_range.severity, detector_range.description) == (
        dg.AssetCheckSeverity.ERROR, f"all {rows} detector scores within [0, 1]")
    assert (detector_range.metadata["rows"].value, detector_range.metadata["out_of_range"].value) == (rows, 0)
    detector_reasons = evaluations[("transaction_risk", "detector_flags_have_reasons")]
    assert detector_reasons.description == f"all {flagged} flagged rows have a reason"


def test_checks_run_per_partition_with_every_materialization(env):
    path, key = _upload(env, LEDGER)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = _process(instance, path, key, "aggressive")
    assert result.success  # a WARN check failing does not fail the run
    evaluations = _evaluations(result)
    assert {k: e.passed for k, e in evaluations.items()} == {
        ("transactions", "file_readable"): True, **dict.fromkeys(_all_checks(), True),
        ("transactions", "vouchers_balance"): False,
    }
    balance = evaluations[("transactions", "vouchers_balance")]
    assert balance.severity == dg.AssetCheckSeverity.WARN
    assert balance.partition == key
    assert balance.description == "1 of 3 vouchers do not balance"
    assert balance.metadata["unbalanced_vouchers"].value == 1
    assert balance.metadata["total_imbalance"].value == -200.0
    assert "| V2 " in balance.metadata["unbalanced"].value
    assert evaluations[("transactions", "row_count_matches_file")].metadata["expected_rows"].value == 6
    rows, flagged = _stored_score_rows(Warehouse(env["DATABASE_URL"]), key)
    assert flagged >= 2  # weekend_posting's two Saturday lines among them
    assert evaluations[("transaction_risk", "detector_flags_have_reasons")].metadata["flagged"].value == flagged
    assert evaluations[("transaction_risk", "detector_scores_in_range")].metadata["rows"].value == rows


def test_the_read_back_job_passes_an_intact_upload_and_catches_what_changed_after_loading(env):
    path, key = _upload(env, LEDGER)
    wh = Warehouse(env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        assert _process(instance, path, key, "aggressive").success
        intact = _verify(instance, key, "aggressive")
        assert intact.success
        evaluations = _evaluations(intact)
        assert set(evaluations) == _all_checks("stored_")  # the read-back only: nothing materialized
        assert not intact.get_asset_materialization_events()
        assert {k for k, e in evaluations.items() if not e.passed} == {("transactions", "stored_vouchers_balance")}
        assert all(e.partition == key for e in evaluations.values())
        counted = evaluations[("transactions", "stored_row_count_matches_file")].metadata
        assert (counted["expected_rows"].value, counted["loaded_rows"].value, counted["difference"].value) == (6, 6, 0)

        t, f, r = schema.transactions, schema.rule_flags, schema.transaction_risk
        with wh.engine.begin() as conn:
            conn.execute(t.update().where(t.c.upload_id == key, t.c.transaction_id == 1).values(account=""))
            conn.execute(t.delete().where(t.c.upload_id == key, t.c.transaction_id == 4))
            conn.execute(f.update().where(f.c.upload_id == key, f.c.transaction_id == 5).values(reason=" "))
            conn.execute(f.update().where(f.c.upload_id == key, f.c.transaction_id == 6).values(score=1.5))
            conn.execute(r.update().where(r.c.upload_id == key, r.c.transaction_id == 5).values(reasons=None))
            conn.execute(r.update().where(r.c.upload_id == key, r.c.transaction_id == 6).values(risk_score=-0.1))
            conn.execute(schema.anomaly_scores.insert().values(
                upload_id=key, strategy="aggressive", algorithm="robust_zscore", transaction_id=2, score=2.0,
                flagged=True, reason=None))
        result = _verify(instance, key, "aggressive")
    assert result.success  # failed checks are findings, not a failed run
    evaluations = _evaluations(result)
    failed = {k for k, e in evaluations.items() if not e.passed}
    assert failed == {
        ("transactions", "stored_vouchers_balance"), ("transactions", "stored_keys_present"),
        ("transactions", "stored_row_count_matches_file"),
        ("transaction_risk", "stored_scores_in_range"), ("transaction_risk", "stored_flags_have_reasons"),
        ("transaction_risk", "stored_detector_scores_in_range"), ("transaction_risk", "stored_detector_flags_have_reasons"),
    }
    assert evaluations[("transactions", "stored_vouchers_balance")].severity == dg.AssetCheckSeverity.WARN
    assert all(evaluations[k].severity == dg.AssetCheckSeverity.ERROR
               for k in failed - {("transactions", "stored_vouchers_balance")})
    assert evaluations[("transactions", "stored_keys_present")].metadata["missing_account"].value == 1
    counted = evaluations[("transactions", "stored_row_count_matches_file")].metadata
    assert (counted["expected_rows"].value, counted["loaded_rows"].value, counted["difference"].value) == (6, 5, 1)
    assert evaluations[("transaction_risk", "stored_scores_in_range")].metadata["out_of_range"].value == 1
    # one check over every detector names the detectors whose rows broke it: a flag's score edited to 1.5 and its
    # reason blanked (weekend_posting), a flagged z-score of 2.0 without reason added (robust_zscore)
    unexplained = evaluations[("transaction_risk", "stored_detector_flags_have_reasons")]
    assert unexplained.description.endswith("rows have no reason: robust_zscore, weekend_posting")
    assert unexplained.metadata["without_reason"].value == 2
    assert [line.replace(" ", "") for line in unexplained.metadata["examples"].value.splitlines()[2:]] == [
        "|robust_zscore|2|", "|weekend_posting|5|"]
    stored_range = evaluations[("transaction_risk", "stored_detector_scores_in_range")]
    assert stored_range.description.endswith("detector scores outside [0, 1] or missing: robust_zscore, weekend_posting")
    assert (stored_range.metadata["out_of_range"].value, stored_range.metadata["max"].value) == (2, 2.0)
    assert [line.replace(" ", "") for line in stored_range.metadata["detectors"].value.splitlines()[2:]] == [
        "|robust_zscore|1|1|2|2|", "|weekend_posting|2|1|0.7|1.5|"]  # algorithm, rows, out_of_range, min, max
    with wh.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.upload_id == key)).scalar_one() == 5
