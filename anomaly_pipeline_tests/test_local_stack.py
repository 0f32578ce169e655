"""The deployment runs for real: deploy/local_stack.py starts the docker-compose services' own commands natively
(gRPC code server, webserver, daemon, two Celery workers) on a PostgreSQL instance and the local Redis, and
files dropped into UPLOAD_DIR are loaded by runs whose steps execute on the workers.

One stack for the module (starting it takes 20-30 s); each test drops its own files."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file
from benchmarks.generate_gl import generate, write_csv

MAX_CONCURRENT_RUNS = 2


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis("127.0.0.1", 6379, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - not installed, refused, timed out: the same answer
        return False


pytestmark = pytest.mark.skipif(not _redis_reachable(),
                                reason="Redis is not reachable at 127.0.0.1:6379 (the Celery broker of the stack)")


@pytest.fixture(scope="module")
def warehouse_proxy():
    """Between the stack's processes and the warehouse database: drops their connections on demand."""
    from anomaly_pipeline_tests.test_crash_and_outage import FlakyProxy

    proxy = FlakyProxy()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, warehouse_proxy):
    from deploy.local_stack import create_stack, start_stack

    created = create_stack(tmp_path_factory.mktemp("stack"),
                           overrides={"DAGSTER_MAX_CONCURRENT_RUNS": str(MAX_CONCURRENT_RUNS)})
    created.env["DATABASE_URL"] = created.env["DATABASE_URL"].replace(":5432/", f":{warehouse_proxy.port}/")
    try:
        yield start_stack(created)
    finally:
        created.stop()


def _warehouse(stack) -> Warehouse:
    """The stack's warehouse read directly, not through the proxy."""
    return Warehouse(re.sub(r"@127\.0\.0\.1:\d+/", "@127.0.0.1:5432/", stack.database_url))


def _drop(files: list[Path], upload_dir: Path) -> dict[str, Path]:
    """Copy the files into UPLOAD_DIR at once (written beside it, then renamed in); partition key -> file."""
    staging = upload_dir.parent / "staging"
    staging.mkdir(exist_ok=True)
    keys = {}
    for path in files:
        keys[partition_key_for(sha256_file(path))] = path
        shutil.copy(path, staging / path.name)
    for path in files:
        (staging / path.name).rename(upload_dir / path.name)
    return keys


def _wait_for_runs(stack, keys, timeout: float) -> list[dg.RunRecord]:
    """The process_upload run records of these partitions, once each has one that finished."""
    deadline = time.monotonic() + timeout
    with stack.instance() as instance:
        while True:
            records = instance.get_run_records(dg.RunsFilter(job_name="process_upload"))
            mine = [r for r in records if r.dagster_run.tags.get("dagster/partition") in keys]
            done = {r.dagster_run.tags["dagster/partition"] for r in mine if r.dagster_run.is_finished}
            if done >= set(keys):
                return mine
            if time.monotonic() > deadline:
                states = {r.dagster_run.tags["dagster/partition"]: r.dagster_run.status.value for r in mine}
                pytest.fail(f"runs not finished after {timeout} s: {states}\ndaemon log:\n"
                            f"{stack.log('daemon')[-3000:]}")
            time.sleep(2)


def _max_overlap(records: list[dg.RunRecord]) -> int:
    edges = sorted([(r.start_time, 1) for r in records] + [(r.end_time, -1) for r in records],
                   key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


def _celery_steps(instance: dg.DagsterInstance, run_id: str) -> tuple[dict[str, str], set[str]]:
    """step key -> the Celery worker that reported executing it; the keys of the steps that succeeded."""
    on_worker, succeeded = {}, set()
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_SUCCESS":
            succeeded.add(entry.step_key)
        elif event.event_type_value == "ENGINE_EVENT" and "in celery worker" in entry.message:
            on_worker[entry.step_key] = event.engine_event_data.metadata["Celery worker"].value
    return on_worker, succeeded


def test_three_files_dropped_at_once_are_loaded_by_runs_whose_steps_run_on_the_workers(stack, tmp_path):
    files = [real_file("csv/reubano__csv2ofx__xero.csv")]
    expected = {files[0].name: 13}
    for rows, seed in ((2_000, 21), (3_000, 22)):
        path = tmp_path / f"ledger {rows}.csv"
        write_csv(generate(rows, seed=seed), path)
        files.append(path)
        expected[path.name] = rows
    keys = _drop(files, stack.upload_dir)

    records = _wait_for_runs(stack, keys, timeout=420)

    assert len(records) == 3, [r.dagster_run.tags for r in records]  # one run per file, none twice
    assert {r.dagster_run.status for r in records} == {dg.DagsterRunStatus.SUCCESS}
    assert _max_overlap(records) <= MAX_CONCURRENT_RUNS  # the queued run coordinator's limit held
    with stack.instance() as instance:
        for record in records:
            on_worker, succeeded = _celery_steps(instance, record.dagster_run.run_id)
            assert succeeded and succeeded <= set(on_worker), (succeeded, on_worker)
            assert set(on_worker.values()) <= set(stack.worker_names), on_worker
    wh = _warehouse(stack)
    for key, path in keys.items():
        upload = wh.get_upload(key)
        assert (upload["status"], upload["transaction_count"]) == ("loaded", expected[path.name]), upload
        assert wh.count_rows(schema.transactions, upload_id=key) == expected[path.name]
    assert not any(stack.upload_dir.iterdir())  # every file moved to the archive


def _doctor(env: dict[str, str]) -> dict[str, dict]:
    done = subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", "doctor", "--format", "json"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return {finding["check"]: finding for finding in json.loads(done.stdout)}


def test_doctor_checks_the_webserver_daemon_and_workers_of_the_deployed_instance(stack):
    from deploy.local_stack import free_port

    found = _doctor(stack.env)
    assert found["dagster instance"]["status"] == "ok"
    assert "PostgresRunStorage" in found["dagster instance"]["message"]
    assert found["dagster daemon"]["status"] == "ok"
    assert found["dagster webserver"]["status"] == "ok"
    assert stack.webserver_url in found["dagster webserver"]["message"]
    assert found["celery workers"]["status"] == "ok"
    assert all(name in found["celery workers"]["message"] for name in stack.worker_names)

    # nothing listening on the webserver's port; a broker database no worker consumes (the stack's result backend)
    elsewhere = {**stack.env, "DAGSTER_WEBSERVER_URL": f"http://127.0.0.1:{free_port()}",
                 "DAGSTER_CELERY_BROKER_URL": stack.env["DAGSTER_CELERY_BACKEND_URL"]}
    found = _doctor(elsewhere)
    assert found["dagster webserver"]["status"] == "warning"
    assert "does not answer" in found["dagster webserver"]["message"]
    assert found["celery workers"]["status"] == "warning"
    assert "no worker answers a ping" in found["celery workers"]["message"]


def _events(instance: dg.DagsterInstance, run_id: str, event_type: str) -> list:
    return [e for e in instance.all_logs(run_id) if e.dagster_event and e.dagster_event.event_type_value == event_type]


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"{what}: not seen within {timeout} s")


def _run_of(instance: dg.DagsterInstance, key: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(dg.RunsFilter(job_name="process_upload", tags={"dagster/partition": key}))
    return runs[0] if runs else None


def test_warehouse_outage_during_a_run_is_retried_and_the_run_completes(stack, warehouse_proxy, tmp_path):
    rows = 20_000
    path = tmp_path / "ledger outage.csv"
    write_csv(generate(rows, seed=23), path)
    keys = _drop([path], stack.upload_dir)
    key = next(iter(keys))
    with stack.instance() as instance:
        run = _wait(lambda: _run_of(instance, key), 180, "the sensor's run")
        _wait(lambda: any(e.step_key == "transactions" for e in _events(instance, run.run_id, "STEP_START")),
              240, "the load step starting on a worker")
        warehouse_proxy.outage()  # every open warehouse connection dropped, new ones refused
        try:
            _wait(lambda: _events(instance, run.run_id, "STEP_UP_FOR_RETRY"), 120, "a step failing on the outage")
        finally:
            warehouse_proxy.restore()
    records = _wait_for_runs(stack, keys, timeout=300)
    assert [r.dagster_run.status for r in records] == [dg.DagsterRunStatus.SUCCESS]  # the same run, not a rerun
    with stack.instance() as instance:
        retries = _events(instance, run.run_id, "STEP_UP_FOR_RETRY")
        assert _events(instance, run.run_id, "STEP_FAILURE") == []
    # dropped in flight or refused on connect: either way the driver's OperationalError, retried
    assert retries and all("OperationalError" in e.dagster_event.event_specific_data.error.to_string()
                           for e in retries), [e.dagster_event.event_specific_data.error.to_string() for e in retries]
    wh = _warehouse(stack)
    upload = wh.get_upload(key)
    assert (upload["status"], upload["transaction_count"]) == ("loaded", rows)
    assert wh.count_rows(schema.transactions, upload_id=key) == rows  # the retried load replaced, not appended


def _active_step_pid(stack, worker: str) -> int | None:
    """The pid of the pool process of `worker` executing its one Celery task (a step), from `inspect active`."""
    from celery import Celery

    app = Celery(broker=stack.env["DAGSTER_CELERY_BROKER_URL"], backend=stack.env["DAGSTER_CELERY_BACKEND_URL"])
    try:
        active = app.control.inspect(destination=[worker], timeout=2).active() or {}
    finally:
        app.close()
    pids = [task["worker_pid"] for task in active.get(worker, []) if task.get("name") == "execute_plan"]
    return pids[0] if len(pids) == 1 else None


def test_a_worker_process_killed_during_the_load_is_replaced_and_the_step_runs_again_once(stack, tmp_path):
    rows = 100_000
    path = tmp_path / "ledger killed.csv"
    write_csv(generate(rows, seed=24), path)
    keys = _drop([path], stack.upload_dir)
    key = next(iter(keys))
    with stack.instance() as instance:
        run = _wait(lambda: _run_of(instance, key), 180, "the sensor's run")

        def load_on_worker():
            for entry in _events(instance, run.run_id, "ENGINE_EVENT"):
                if entry.step_key == "transactions" and "in celery worker" in entry.message:
                    return entry.dagster_event.engine_event_data.metadata["Celery worker"].value
            return None

        worker = _wait(load_on_worker, 240, "the load step executing on a worker")
        pid = _wait(lambda: _active_step_pid(stack, worker), 30, f"the load's process on {worker}")
        assert not _events(instance, run.run_id, "STEP_SUCCESS") or all(
            e.step_key != "transactions" for e in _events(instance, run.run_id, "STEP_SUCCESS")), "killed too late"
        os.kill(pid, signal.SIGKILL)  # what the OOM killer does to the process running the step
    records = _wait_for_runs(stack, keys, timeout=420)
    assert [r.dagster_run.status for r in records] == [dg.DagsterRunStatus.SUCCESS]
    with stack.instance() as instance:
        executions = [e for e in _events(instance, run.run_id, "ENGINE_EVENT")
                      if e.step_key == "transactions" and "in celery worker" in e.message]
        successes = [e for e in _events(instance, run.run_id, "STEP_SUCCESS") if e.step_key == "transactions"]
    assert len(executions) == 2 and len(successes) == 1  # the killed execution, then the one that finished
    assert set(stack.worker_names) >= {
        e.dagster_event.engine_event_data.metadata["Celery worker"].value for e in executions}
    wh = _warehouse(stack)
    upload = wh.get_upload(key)
    assert (upload["status"], upload["transaction_count"]) == ("loaded", rows)
    assert wh.count_rows(schema.transactions, upload_id=key) == rows  # loaded once: the rerun replaced
    assert 0 < wh.count_rows(schema.transaction_risk, upload_id=key) <= rows  # zero risks are not stored
    assert all(proc.poll() is None for proc in stack.processes.values())  # the worker itself lives on
