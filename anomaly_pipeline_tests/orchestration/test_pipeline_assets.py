"""The per-upload job materialized for a real CSV, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"


def _xero_rows() -> list[dict]:
    text = real_file(XERO).read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return list(csv.DictReader(text.splitlines()))


def _run(instance: dg.DagsterInstance, path: Path, key: str, strategy: str = "balanced",
         raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("process_upload").execute_in_process(
        partition_key=key, instance=instance, raise_on_error=raise_on_error,
        run_config={"ops": {"raw_upload": {"config": {"path": str(path), "move": False}}},
                    "resources": {"scoring": {"config": {"strategy": strategy}}}},
    )


def test_csv_upload_is_loaded_scored_and_replaced_on_rematerialization(env):
    path = real_file(XERO)
    rows = _xero_rows()
    weekend = [r for r in rows if datetime.strptime(r["JournalDate"], "%d-%b-%y").weekday() >= 5
               and abs(float(r["NetAmount"])) >= 1000]
    key = partition_key_for(sha256_file(path))
    wh = Warehouse(env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = _run(instance, path, key)
        assert result.success
        upload = wh.get_upload(key)
        assert upload["status"] == "loaded"
        assert upload["file_format"] == "csv"
        assert upload["transaction_count"] == len(rows) == 13
        assert upload["sha256"] == sha256_file(path)
        assert Path(upload["stored_path"]).read_bytes() == path.read_bytes()

        tx = wh.read_transactions(key)
        assert tx["amount"].sum() == sum(float(r["NetAmount"]) for r in rows)
        assert sorted(tx["voucher_id"].unique()) == sorted({r["JournalNumber"] for r in rows})
        assert wh.count_rows(schema.rule_flags, upload_id=key, rule="weekend_posting") == len(weekend) == 9

        risk = wh.read_table(schema.transaction_risk, upload_id=key, strategy="balanced")
        assert risk["risk_score"].between(0, 1).all()
        # one weekend flag at weight 0.6 x severity 0.7 = 0.42 (plus round amount 0.15 x 0.4) stays under 0.5
        assert not risk["is_anomaly"].any()
        mat = result.asset_materializations_for_node("transactions")[0]
        assert mat.metadata["transactions"].value == 13
        assert 0 < mat.metadata["read_seconds"].value <= mat.metadata["seconds"].value

        # re-materializing replaces, never appends, and gives every transaction the same id again
        flag_rows = wh.count_rows(schema.rule_flags, upload_id=key)
        before = wh.read_transactions(key)[["transaction_id", "row_number", "voucher_id", "account", "amount"]]
        flags_before = wh.read_table(schema.rule_flags, upload_id=key).sort_values(["rule", "transaction_id"])
        assert _run(instance, path, key).success
        assert wh.count_rows(schema.transactions, upload_id=key) == 13
        after = wh.read_transactions(key)[["transaction_id", "row_number", "voucher_id", "account", "amount"]]
        pd.testing.assert_frame_equal(after, before)
        flags_after = wh.read_table(schema.rule_flags, upload_id=key).sort_values(["rule", "transaction_id"])
        pd.testing.assert_frame_equal(flags_after.reset_index(drop=True), flags_before.reset_index(drop=True))
        assert wh.count_rows(schema.rule_flags, upload_id=key) == flag_rows
        assert wh.count_rows(schema.transaction_risk, upload_id=key, strategy="balanced") == len(risk)
        with wh.engine.connect() as conn:
            runs = conn.execute(sa.select(sa.func.count()).select_from(schema.analysis_runs)).scalar_one()
        assert runs == 2  # the run log keeps both runs


def test_results_of_two_strategies_coexist(env):
    path = real_file(XERO)
    key = partition_key_for(sha256_file(path))
    wh = Warehouse(env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        assert _run(instance, path, key, "balanced").success
        assert _run(instance, path, key, "aggressive").success
    assert wh.flagged_count(key, "balanced") == 0
    # aggressive: weekend weight 0.8 x 0.7 = 0.56 >= threshold 0.3 -> every weekend posting is an anomaly
    assert wh.flagged_count(key, "aggressive") == 9
    assert wh.count_rows(schema.transactions, upload_id=key) == 13


def test_unreadable_file_is_rejected_moved_aside_and_loads_nothing(env):
    bad = env["tmp"] / "garbage.csv"
    bad.write_bytes(b"\x00\x01\x02binary\x00" * 50)
    key = partition_key_for(sha256_file(bad))
    wh = Warehouse(env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = defs.resolve_job_def("process_upload").execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False,
            run_config={"ops": {"raw_upload": {"config": {"path": str(bad), "move": True}}}},
        )
    assert result.success  # a bad file is a result: the file_readable check fails, scoring is skipped
    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == ("file_readable", False)
    upload = wh.get_upload(key)
    assert upload["status"] == "rejected"
    assert "binary" in upload["error"]
    moved = Path(upload["stored_path"])
    assert moved.parent == env["tmp"] / "data" / "rejected"
    assert moved.read_bytes() == b"\x00\x01\x02binary\x00" * 50
    assert not bad.exists()
    assert wh.count_rows(schema.transactions, upload_id=key) == 0


def test_a_failing_algorithm_keeps_the_others_results_and_stops_the_risk(pg_env, monkeypatch):
    from anomaly_pipeline.detect.rules.weekend_posting import WeekendPosting

    def broken(self, transactions, config, reference, shared):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(WeekendPosting, "_detect", broken)
    path = real_file(XERO)
    key = partition_key_for(sha256_file(path))
    wh = Warehouse(pg_env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = _run(instance, path, key, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "detectors"
    assert "1 algorithm(s) failed: weekend_posting: ValueError: broken on purpose" in \
        failure.step_failure_data.error.message
    materialized = {m.asset_key.to_user_string() for m in result.asset_materializations_for_node("detectors")}
    assert "rule_weekend_posting" not in materialized and "rule_round_amount" in materialized
    assert len(materialized) == 35
    runs = wh.read_table(schema.algorithm_runs, upload_id=key, strategy="balanced")
    assert "weekend_posting" not in set(runs["algorithm"]) and len(runs) == 35
    assert wh.count_rows(schema.transaction_risk, upload_id=key) == 0  # the risk waits for every algorithm
    assert len([e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]) == 0  # no retries


def _risk_only(instance: dg.DagsterInstance, key: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("rescore_upload").execute_in_process(
        partition_key=key, instance=instance, asset_selection=[dg.AssetKey("transaction_risk")])


def _risk(wh: Warehouse, key: str) -> pd.DataFrame:
    rows = wh.read_table(schema.transaction_risk, upload_id=key, strategy="balanced")
    return rows.sort_values("transaction_id").reset_index(drop=True)


def test_the_risk_combines_what_is_stored_whether_handed_over_in_memory_or_read_back(env):
    """An in-process run hands the scores it stored to transaction_risk; the database read (a later run starts
    with an empty memory) gives the same risk, and a store by another process (a new algorithm_runs row) is
    never overridden by the memory."""
    from anomaly_pipeline_tests.generators.ledger import generate_ledger, write_csv_comma

    ledger = generate_ledger(seed=3, vouchers=200)
    account, amount = ledger.vouchers[50].lines[0]
    ledger.vouchers[50].lines[0] = (account, amount + 100.0)  # one unbalanced voucher: a finding to combine
    path = write_csv_comma(ledger, env["tmp"] / "ledger.csv")
    key = partition_key_for(sha256_file(path))
    wh = Warehouse(env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        assert _run(instance, path, key).success
        handed_over = _risk(wh, key)
        assert handed_over["risk_score"].gt(0).sum() > 50 and handed_over["is_anomaly"].any()
        assert _risk_only(instance, key).success
        pd.testing.assert_frame_equal(_risk(wh, key), handed_over)

        assert _run(instance, path, key).success  # the memory holds this run's scores again
        s, r = schema.anomaly_scores, schema.algorithm_runs
        with wh.engine.begin() as conn:  # another process rescoring one algorithm
            conn.execute(s.delete().where(s.c.upload_id == key, s.c.algorithm == "isolation_forest",
                                          s.c.transaction_id == 1))
            conn.execute(s.insert().values(upload_id=key, strategy="balanced", algorithm="isolation_forest",
                                           transaction_id=1, score=1.0, flagged=True, reason="stored elsewhere"))
            conn.execute(r.update().where(r.c.upload_id == key, r.c.algorithm == "isolation_forest")
                         .values(finished_at=datetime(2030, 1, 1)))
        assert _risk_only(instance, key).success
        first = _risk(wh, key).set_index("transaction_id").loc[1]
        # the ML models give one reason, naming the members that flagged the line
        assert "isolation_forest" in first["reasons"] and "): stored elsewhere" in first["reasons"]


def process_upload_job() -> dg.JobDefinition:
    """The job as a run worker loads it (`reconstructable` needs a module-level function)."""
    return defs.resolve_job_def("process_upload")


def test_a_launched_run_executes_every_step_in_the_run_process_by_default(env):
    """What a sensor-launched run does: `execute_job` of the job definition with the Definitions' executor,
    chosen when they are imported (EXECUTOR unset here: in-process, so the steps share the run's process and
    the frame it loaded; with EXECUTOR=multiprocess this fails, each step showing its own pid)."""
    path = real_file(XERO)
    key = partition_key_for(sha256_file(path))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        with dg.execute_job(dg.reconstructable(process_upload_job), instance, tags={"dagster/partition": key},
                            run_config={"ops": {"raw_upload": {"config": {"path": str(path), "move": False}}}}) as result:
            assert result.success
            starts = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START]
            assert {e.step_key for e in starts} >= {"raw_upload", "transactions", "detectors", "transaction_risk"}
            assert {e.pid for e in starts} == {os.getpid()}
    assert Warehouse(env["DATABASE_URL"]).get_upload(key)["transaction_count"] == 13
