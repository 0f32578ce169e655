"""The assets' retry policy retries what is transient and fails at once, with the real message, otherwise.
(A database outage that the retries ride out is tested in test_crash_and_outage.py.)"""

from __future__ import annotations

import sqlite3

import dagster as dg
import psycopg
import pytest
import sqlalchemy as sa

from anomaly_pipeline.cli import main
from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.orchestration.retries import is_transient
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"


def test_transient_errors_are_told_from_the_rest(tmp_path):
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("postgresql://postgres@127.0.0.1:1/none", connect_timeout=2)
    assert is_transient(refused.value)
    engine = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(sa.exc.OperationalError) as wrapped:
        engine.connect()
    assert is_transient(wrapped.value)

    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        sqlite3.connect(path, timeout=0).execute("SELECT * FROM t")
    assert "locked" in str(locked.value) and is_transient(locked.value)
    holder.execute("ROLLBACK")
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect(path).execute("SELECT * FROM nowhere")
    assert not is_transient(missing.value)
    assert not is_transient(TypeError("read() got an unexpected keyword argument 'mapping'"))
    assert not is_transient(ValueError("bad value"))


def test_a_programming_error_fails_the_step_at_once_with_its_real_message(env, capsys):
    """A broken schema (a table gone) is not an outage: no retry, no back-off, the driver's message shown."""
    wh = Warehouse(env["DATABASE_URL"])
    wh.migrate()
    with wh.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE algorithm_runs RENAME TO algorithm_runs_away"))
    try:
        path = real_file(XERO)
        key = partition_key_for(sha256_file(path))
        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions("uploads", [key])
            result = defs.resolve_job_def("process_upload").execute_in_process(
                partition_key=key, instance=instance, raise_on_error=False,
                run_config={"ops": {"raw_upload": {"config": {"path": str(path), "move": False}}}})
        assert not result.success
        assert [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"] == []
        starts = [e.step_key for e in result.all_events if e.event_type_value in ("STEP_START", "STEP_RESTARTED")]
        assert starts.count("transactions") == 1  # one attempt, no back-off
        failure = next(e for e in result.all_events if e.is_step_failure)
        assert failure.step_key == "transactions"
        message = failure.step_failure_data.error.message
        assert "algorithm_runs" in message and ("no such table" in message or "does not exist" in message)

        assert main(["process", str(path)]) == 1
        line = capsys.readouterr().out.strip()
        assert f"failed upload={key}" in line and "algorithm_runs" in line and "max_retries" not in line
    finally:
        with wh.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE algorithm_runs_away RENAME TO algorithm_runs"))
