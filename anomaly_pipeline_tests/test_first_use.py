"""First use of a fresh installation by several processes at once: the migrations are taken under a lock, so
every concurrent `process` (or sensor-launched run) succeeds. Real parallel processes, fresh databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml

from anomaly_pipeline.orchestration.instance import INSTANCE_SETTINGS
from anomaly_pipeline.orchestration.sensors import upload_sensor
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import PG_ADMIN_URL, real_file

FILES = {"csv/reubano__csv2ofx__xero.csv": 13, "csv/reubano__csv2ofx__gls.csv": 1,
         "csv/reubano__csv2ofx__n26-fr.csv": 2}


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path) -> Iterator[str]:
    """A database nobody has migrated yet: the zero-config SQLite default, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'anomaly_pipeline.db'}"
        return
    name = f"anomaly_fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    from anomaly_pipeline.storage.warehouse import _engines

    for url in [u for u in _engines if u.endswith(f"/{name}")]:
        _engines.pop(url).dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child_env(tmp_path: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DAGSTER_HOME", "DATABASE_URL", "ANOMALY_DATA_DIR", "UPLOAD_DIR", "DEFAULT_STRATEGY")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    if url and not url.startswith("sqlite"):
        env["DATABASE_URL"] = url
    return env


def test_three_processes_started_together_on_a_fresh_install_all_succeed(tmp_path, fresh_url):
    """SQLite: no configuration at all (the default database under ./data of the working directory)."""
    env = _child_env(tmp_path, fresh_url)
    children = [subprocess.Popen([sys.executable, "-m", "anomaly_pipeline.cli", "process", str(real_file(f)),
                                  "--format", "json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for f in FILES]
    results = [c.communicate(timeout=300) for c in children]
    assert [c.returncode for c in children] == [0, 0, 0], [err[-2000:] for _, err in results]
    assert all("Traceback" not in err for _, err in results)
    outcomes = [json.loads(out)[0] for out, _ in results]
    assert [(o["status"], o["transactions"]) for o in outcomes] == [("loaded", n) for n in FILES.values()]
    wh = Warehouse(fresh_url if not fresh_url.startswith("sqlite") else
                   f"sqlite:///{tmp_path / 'data' / 'anomaly_pipeline.db'}")
    assert wh.pending_migrations() == []
    assert sorted(u["status"] for u in wh.list_uploads()) == ["loaded"] * 3


RUN_REQUEST = """
import json, sys
import dagster as dg
from anomaly_pipeline_tests.orchestration.test_pipeline_assets import process_upload_job as job

request = json.loads(sys.argv[1])
with dg.DagsterInstance.ephemeral() as instance:
    instance.add_dynamic_partitions("uploads", [request["partition_key"]])
    with dg.execute_job(dg.reconstructable(job), instance, run_config=request["run_config"],
                        tags={"dagster/partition": request["partition_key"]}) as result:
        print(json.dumps({"success": result.success}))
"""


def test_a_sensors_runs_on_a_fresh_install_all_succeed(tmp_path, monkeypatch):
    """The sensor's run requests for three drops, each executed in its own process at the same moment (as a
    run launcher does) against the not yet migrated zero-config SQLite database."""
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    for f in FILES:
        (uploads / Path(f).name).write_bytes(real_file(f).read_bytes())
    monkeypatch.setenv("UPLOAD_DIR", str(uploads))
    with dg.instance_for_test() as instance:
        first = upload_sensor(dg.build_sensor_context(instance=instance, cursor=None))
        result = upload_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert len(result.run_requests) == 3
    env = _child_env(tmp_path, None)
    env["UPLOAD_DIR"] = str(uploads)
    children = [subprocess.Popen([sys.executable, "-c", RUN_REQUEST, json.dumps(
        {"partition_key": r.partition_key, "run_config": r.run_config})], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in result.run_requests]
    results = [c.communicate(timeout=300) for c in children]
    assert [c.returncode for c in children] == [0, 0, 0], [err[-2000:] for _, err in results]
    assert [json.loads(out.strip().splitlines()[-1]) for out, _ in results] == [{"success": True}] * 3
    wh = Warehouse(f"sqlite:///{tmp_path / 'data' / 'anomaly_pipeline.db'}")
    assert sorted(u["transaction_count"] for u in wh.list_uploads()) == sorted(FILES.values())
    assert list(uploads.iterdir()) == []  # every run moved its file into the archive


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    child = _child_env(tmp_path, None)
    child.update(env)
    return subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", *args], cwd=tmp_path, env=child,
                          capture_output=True, text=True, timeout=300)


def test_a_users_dagster_home_without_dagster_yaml_is_used_as_it_is_and_stderr_stays_ours(tmp_path):
    home = tmp_path / "my dagster home"
    home.mkdir()
    xero = real_file("csv/reubano__csv2ofx__xero.csv")
    processed = _cli(["process", str(xero)], tmp_path, DAGSTER_HOME=str(home))
    assert processed.returncode == 0
    first, *lacking = processed.stdout.strip().splitlines()
    assert first.endswith("loaded upload=0d9e8b7d94a6a1f8 transactions=13 flagged=0")
    assert lacking == ["  no registration date: 3 tests skipped (entry_date_gap, late_registration, period_mismatch)",
                       "  no posting time: 1 test skipped (after_hours_posting)",
                       "  no user: 1 test skipped (unusual_user_account)"]
    assert processed.stderr == ""  # neither "No dagster instance configuration file" nor the telemetry welcome
    assert not (home / "dagster.yaml").exists()
    with dg.DagsterInstance.from_config(str(home)) as instance:  # the run is in the user's instance: in the UI
        assert [r.dagster_run.job_name for r in instance.get_run_records()] == ["process_upload"]
    doctor = _cli(["doctor"], tmp_path, DAGSTER_HOME=str(home))
    assert doctor.stderr == ""
    assert f"OK       dagster instance  DAGSTER_HOME={home}: loads" in doctor.stdout


def test_a_dagster_home_that_does_not_exist_is_created_with_the_projects_settings(tmp_path):
    home = tmp_path / "dagster_home"
    doctor = _cli(["doctor"], tmp_path, DAGSTER_HOME=str(home))
    assert doctor.returncode == 0, doctor.stdout
    assert f"DAGSTER_HOME={home} will be created by the first run (with the project's dagster.yaml)" in doctor.stdout
    processed = _cli(["process", str(real_file("csv/reubano__csv2ofx__gls.csv"))], tmp_path, DAGSTER_HOME=str(home))
    assert processed.returncode == 0 and processed.stderr == ""
    assert (home / "dagster.yaml").read_text() == INSTANCE_SETTINGS.read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_run_records()
        assert [r.dagster_run.job_name for r in runs] == ["process_upload"]
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"


def test_the_created_dagster_home_has_the_settings_of_the_projects_dagster_yaml():
    root = Path(__file__).resolve().parents[1] / "dagster.yaml"
    assert yaml.safe_load(INSTANCE_SETTINGS.read_text()) == yaml.safe_load(root.read_text())


def test_the_sensor_creates_a_missing_upload_dir_and_fails_its_tick_loudly_when_it_cannot(tmp_path, monkeypatch):
    missing = tmp_path / "not yet" / "uploads"
    monkeypatch.setenv("UPLOAD_DIR", str(missing))
    with dg.instance_for_test() as instance:
        result = upload_sensor(dg.build_sensor_context(instance=instance, cursor=None))
        assert missing.is_dir()
        assert result.skip_reason.skip_message == "no new, completely written files"
        blocker = tmp_path / "a file"
        blocker.write_text("x")
        monkeypatch.setenv("UPLOAD_DIR", str(blocker / "uploads"))
        with pytest.raises(RuntimeError, match=r"UPLOAD_DIR=.*/a file/uploads does not exist and cannot be "
                                               r"created: Not a directory: no file can be picked up"):
            upload_sensor(dg.build_sensor_context(instance=instance, cursor=None))


def test_a_run_in_a_dagster_home_is_stored_through_one_engine_per_event_log_shard_and_for_the_run_storage(
        tmp_path, pg_env, monkeypatch):
    """The CLI's instance keeps one SQLAlchemy engine per event-log shard (Dagster builds one per connection):
    what the run stores, and what the UI reads across runs from the index shard, is unchanged."""
    from anomaly_pipeline.app.uploads import process_files
    from anomaly_pipeline.detect.registry import ALGORITHMS
    from anomaly_pipeline.orchestration.assets import algorithm_asset_name
    from anomaly_pipeline.orchestration.instance import dagster_instance

    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    [outcome] = list(process_files([real_file("csv/reubano__csv2ofx__xero.csv")]))
    assert (outcome.status, outcome.transactions) == ("loaded", 13)
    assets = ["raw_upload", "transactions", *(algorithm_asset_name(cls) for cls in ALGORITHMS.values()),
              "transaction_risk"]
    with dg.DagsterInstance.from_config(str(home)) as instance:  # Dagster's own storage code reads it back
        records = instance.get_records_for_run(outcome.run_id).records
        materialized = [r.event_log_entry.dagster_event.asset_key.to_user_string() for r in records
                        if r.event_log_entry.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION]
        assert sorted(materialized) == sorted(assets)
        for asset in assets:  # mirrored in the index shard
            latest = instance.get_latest_materialization_event(dg.AssetKey(asset))
            assert latest is not None and latest.run_id == outcome.run_id
        checks = [r for r in records
                  if r.event_log_entry.dagster_event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
        assert len(checks) == 4 + 3 + 1  # transaction_risk (two over every detector), transactions, file_readable
    with dagster_instance() as instance:
        storage = instance.event_log_storage
        with storage.index_connection() as first:
            engine = first.engine
        with storage.index_connection() as second:  # a new connection (unpooled), from the same engine
            assert second.engine is engine
            # commits wait for no fsync (WAL + synchronous=NORMAL), and a connection held open keeps the WAL
            # from being checkpointed and deleted at every close
            assert second.exec_driver_sql("PRAGMA synchronous").scalar() == 1
            wal = Path(second.engine.url.database + "-wal")
        assert wal.exists()
        # the run storage (runs.db) likewise: one engine, its run readable through it
        with instance.run_storage.connect() as first:
            runs_engine = first.engine
        with instance.run_storage.connect() as second:
            assert second.engine is runs_engine
        assert instance.get_run_by_id(outcome.run_id).is_success
        assert runs_engine.pool.checkedin() >= 1  # kept open between accesses ...
    assert runs_engine.pool.checkedin() == 0 and engine.pool.checkedin() == 0  # ... and closed with the instance
