"""Nightly rescoring and failed-upload retries: the exact run requests for a set of partitions and uploads."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import dagster as dg

from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.orchestration.retries import MAX_ATTEMPTS, retry_failed_uploads
from anomaly_pipeline.orchestration.schedules import nightly_rescore, nightly_verify
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file

TICK = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def _upload(wh: Warehouse, key: str, status: str, days_ago: float) -> None:
    wh.migrate()
    wh.register_upload(upload_id=key, sha256=key * 4, file_name=f"{key}.csv", size_bytes=10, file_format="csv",
                       status=status, stored_path=f"/nowhere/{key}.csv")
    wh.update_upload(key, received_at=TICK - timedelta(days=days_ago))


def _seed(env) -> Warehouse:
    wh = Warehouse(env["DATABASE_URL"])
    _upload(wh, "a" * 16, "loaded", 1)
    _upload(wh, "b" * 16, "loaded", 10)
    _upload(wh, "c" * 16, "rejected", 1)
    _upload(wh, "d" * 16, "received", 1)
    _upload(wh, "e" * 16, "loaded", 2)  # loaded by an ephemeral CLI run: not a partition of this instance
    return wh


def _tick(instance: dg.DagsterInstance):
    return nightly_rescore(dg.build_schedule_context(instance=instance, scheduled_execution_time=TICK))


def _summary(requests) -> list[tuple]:
    return [(r.partition_key, r.run_key, r.run_config["resources"]["scoring"]["config"]["strategy"],
             r.tags["rescore"]) for r in requests]


def test_nightly_rescore_requests_every_loaded_partition_with_the_default_strategy(env, monkeypatch):
    _seed(env)
    monkeypatch.delenv("RESCORE_RECENT_DAYS", raising=False)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", ["a" * 16, "b" * 16, "c" * 16, "d" * 16, "f" * 16])
        requests = _tick(instance)
        assert _summary(requests) == [
            ("b" * 16, f"rescore:balanced:{'b' * 16}:2026-11-26T02:00", "balanced", "nightly"),
            ("a" * 16, f"rescore:balanced:{'a' * 16}:2026-11-26T02:00", "balanced", "nightly"),
        ]
        assert all(r.job_name is None for r in requests)  # the schedule's own job: rescore_upload

        monkeypatch.setenv("RESCORE_RECENT_DAYS", "7")
        assert _summary(_tick(instance)) == [
            ("a" * 16, f"rescore:balanced:{'a' * 16}:2026-11-26T02:00", "balanced", "nightly")]

        monkeypatch.setenv("DEFAULT_STRATEGY", "conservative")
        monkeypatch.setenv("RESCORE_RECENT_DAYS", "0")
        assert [r.run_key for r in _tick(instance)] == [f"rescore:conservative:{k * 16}:2026-11-26T02:00"
                                                         for k in "ba"]
    assert nightly_rescore.job_name == "rescore_upload"
    assert {k.to_user_string() for k in defs.resolve_job_def("rescore_upload").asset_layer.executable_asset_keys} \
        >= {"transaction_risk", "rule_weekend_posting"}
    rescored = {k.to_user_string() for k in defs.resolve_job_def("rescore_upload").asset_layer.executable_asset_keys}
    assert "transactions" not in rescored and "auditor_export" not in rescored  # the workbook is on demand


def test_nightly_verify_reads_back_every_loaded_partition_in_its_own_job(env, monkeypatch):
    _seed(env)
    monkeypatch.delenv("RESCORE_RECENT_DAYS", raising=False)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", ["a" * 16, "b" * 16, "c" * 16, "d" * 16, "f" * 16])
        requests = nightly_verify(dg.build_schedule_context(instance=instance, scheduled_execution_time=TICK))
    assert [(r.partition_key, r.run_key, r.tags) for r in requests] == [
        (k * 16, f"verify:balanced:{k * 16}:2026-11-26T02:00", {"verify": "nightly", "strategy": "balanced"})
        for k in "ba"]
    assert nightly_verify.job_name == "verify_upload"
    job = defs.resolve_job_def("verify_upload")
    assert not job.asset_layer.executable_asset_keys  # it materializes nothing
    # the read-back checks run only there; the runs that write evaluate the same checks from their own facts
    checks = {name: {k.name for k in defs.resolve_job_def(name).asset_layer.asset_graph.asset_check_keys}
              for name in ("process_upload", "rescore_upload", "verify_upload")}
    risk_checks = {"scores_in_range", "flags_have_reasons", "detector_scores_in_range", "detector_flags_have_reasons"}
    assert checks["verify_upload"] == {"stored_vouchers_balance", "stored_keys_present",
                                       "stored_row_count_matches_file", *("stored_" + c for c in risk_checks)}
    assert checks["process_upload"] == {"file_readable", "vouchers_balance", "keys_present", "row_count_matches_file",
                                        *risk_checks}
    assert checks["rescore_upload"] == risk_checks


def test_nightly_rescore_skips_when_nothing_is_loaded(pg_env):
    wh = Warehouse(pg_env["DATABASE_URL"])
    _upload(wh, "c" * 16, "rejected", 1)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", ["c" * 16])
        assert isinstance(_tick(instance), dg.SkipReason)


def _runs(instance: dg.DagsterInstance, key: str, *statuses: dg.DagsterRunStatus, **tags: str) -> None:
    job = defs.resolve_job_def("process_upload")
    for status in statuses:
        instance.create_run_for_job(job_def=job, tags={"dagster/partition": key, **tags}, status=status)


def test_failed_received_uploads_are_retried_a_bounded_number_of_times(pg_env):
    wh = Warehouse(pg_env["DATABASE_URL"])
    fail, ok, started = dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.STARTED
    _upload(wh, "1" * 16, "received", 0)  # one failed run: retry 1
    _upload(wh, "2" * 16, "received", 0)  # failed MAX_ATTEMPTS times: given up
    _upload(wh, "3" * 16, "received", 0)  # failed, then a retry is running: wait
    _upload(wh, "4" * 16, "rejected", 0)  # the file is the problem: never retried
    _upload(wh, "5" * 16, "loaded", 0)  # failed once, then loaded
    _upload(wh, "6" * 16, "received", 0)  # failed twice: retry 2
    # "7": the run died after archiving the file but before registering it; "8": before archiving
    archived = pg_env["tmp"] / "data" / "archive" / ("7" * 16) / "ledger_export.csv"
    archived.parent.mkdir(parents=True)
    archived.write_text("Date,Account,Amount\n2024-01-01,1910,5\n")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [k * 16 for k in "12345678"])
        _runs(instance, "1" * 16, fail)
        _runs(instance, "2" * 16, *[fail] * MAX_ATTEMPTS)
        _runs(instance, "3" * 16, fail, started)
        _runs(instance, "4" * 16, fail)
        _runs(instance, "5" * 16, fail, ok)
        _runs(instance, "6" * 16, fail, fail)
        _runs(instance, "7" * 16, fail, upload_file="ledger export.csv")
        _runs(instance, "8" * 16, fail, upload_file="lost.csv")
        result = retry_failed_uploads(dg.build_sensor_context(instance=instance))
        assert [(r.partition_key, r.run_key, r.tags["upload_retry"]) for r in result] == [
            ("1" * 16, f"retry:{'1' * 16}:1", "1"),
            ("6" * 16, f"retry:{'6' * 16}:2", "2"),
            ("7" * 16, f"retry:{'7' * 16}:1", "1"),
        ]
        # registered uploads: raw_upload falls back to the archived original; unregistered: passed explicitly
        assert [r.run_config for r in result[:2]] == [{}, {}]
        assert result[2].run_config == {"ops": {"raw_upload": {"config": {
            "path": str(archived), "file_name": "ledger export.csv", "move": False}}}}
        latest = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": "6" * 16}), limit=1)[0]
        assert result[1].tags["retry_of"] == latest.dagster_run.run_id
        assert MAX_ATTEMPTS == 3


def test_a_retry_request_loads_the_upload_from_the_archive(pg_env):
    """The run died after registering the file: the retry (empty config) reads the archived original."""
    dropped = pg_env["tmp"] / "uploads" / "ledger.csv"
    shutil.copy(real_file("csv/reubano__csv2ofx__xero.csv"), dropped)
    key = partition_key_for(sha256_file(dropped))
    wh = Warehouse(pg_env["DATABASE_URL"])
    job = defs.resolve_job_def("process_upload")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        first = job.execute_in_process(
            partition_key=key, instance=instance, asset_selection=[dg.AssetKey("raw_upload")],
            run_config={"ops": {"raw_upload": {"config": {"path": str(dropped), "move": True}}}})
        assert first.success and not dropped.exists()  # archived, registered, then the run "died"
        instance.report_run_failed(instance.get_run_by_id(first.run_id))
        assert wh.get_upload(key)["status"] == "received"
        (request,) = retry_failed_uploads(dg.build_sensor_context(instance=instance))
        retry = job.execute_in_process(partition_key=request.partition_key, instance=instance,
                                       run_config=request.run_config, tags=request.tags)
    assert retry.success
    assert wh.get_upload(key)["status"] == "loaded"
    assert wh.get_upload(key)["transaction_count"] == 13
