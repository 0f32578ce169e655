"""Nothing half-loaded: a process killed during COPY leaves no partial partition; a database that goes away
mid-run fails the step clearly and the retry policy completes the run once it is back."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import sqlalchemy as sa

from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file
from benchmarks.generate_gl import generate, write_csv


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_sigkill_during_copy_leaves_no_partial_partition_and_rerun_completes(pg_env, minimal_strategy, tmp_path):
    ledger = tmp_path / "big ledger.csv"
    rows = 200_000
    write_csv(generate(rows, seed=3), ledger)
    key = partition_key_for(sha256_file(ledger))
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    child = subprocess.Popen([sys.executable, "-m", "anomaly_pipeline.cli", "process", str(ledger)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    saw_copy = False
    with psycopg.connect(_pg_dsn(pg_env["DATABASE_URL"]), autocommit=True) as watcher:
        while time.monotonic() < deadline and child.poll() is None:
            busy = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND query ILIKE 'COPY %transactions_%' AND state = 'active'").fetchone()[0]
            if busy:
                saw_copy = True
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    child.wait(timeout=30)
    assert saw_copy, "the COPY was never observed; the child exited with " + child.stderr.read().decode()[-2000:]
    wh = Warehouse(pg_env["DATABASE_URL"])
    # the server notices the dead client and rolls its transaction back
    for _ in range(100):
        if wh.count_rows(schema.transactions, upload_id=key) == 0 and not _copy_running(pg_env["DATABASE_URL"]):
            break
        time.sleep(0.1)
    assert wh.count_rows(schema.transactions, upload_id=key) == 0
    upload = wh.get_upload(key)
    assert upload is not None and upload["status"] == "received"  # registered, never marked loaded

    from anomaly_pipeline.cli import main

    assert main(["process", str(ledger), "--format", "json"]) == 0
    assert wh.count_rows(schema.transactions, upload_id=key) == rows
    assert wh.get_upload(key)["transaction_count"] == rows


def _copy_running(url: str) -> bool:
    with psycopg.connect(_pg_dsn(url), autocommit=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND query ILIKE 'COPY %' AND pid <> pg_backend_pid()").fetchone()[0])


class FlakyProxy:
    """A loopback TCP proxy to PostgreSQL that can drop every connection and refuse new ones."""

    def __init__(self, target_port: int = 5432):
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.connections: list[socket.socket] = []
        self.closed = False
        self.refused = 0
        self.restore_after_refusals: int | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                self.refused += 1
                if self.restore_after_refusals is not None and self.refused >= self.restore_after_refusals:
                    threading.Timer(1.0, self.restore).start()  # back well before the first retry (5 s)
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError
                    (b if sock is a else a).sendall(data)
        except OSError:
            for sock in (a, b):
                sock.close()

    def outage(self) -> None:
        self.up.clear()
        for sock in self.connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.connections.clear()

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.closed = True
        self.server.close()


@pytest.fixture
def proxy():
    p = FlakyProxy()
    yield p
    p.close()


def test_database_outage_fails_the_step_and_the_retry_policy_completes_the_run(pg_env, monkeypatch, proxy):
    url = pg_env["DATABASE_URL"].replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    monkeypatch.setenv("DATABASE_URL", url)
    path = real_file("csv/reubano__csv2ofx__xero.csv")
    key = partition_key_for(sha256_file(path))
    Warehouse(url).migrate()
    proxy.outage()
    proxy.restore_after_refusals = 1  # the outage is seen by the run at least once, whatever the machine load
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = defs.resolve_job_def("process_upload").execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False,
            run_config={"ops": {"raw_upload": {"config": {"path": str(path)}}}},
        )
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert result.success
    assert failures == []
    assert proxy.refused >= 1
    assert retries, "the outage should have been retried"
    assert "OperationalError" in retries[0].event_specific_data.error.to_string()  # the cause, not a bug
    wh = Warehouse(pg_env["DATABASE_URL"])
    assert wh.get_upload(key)["status"] == "loaded"
    assert wh.count_rows(schema.transactions, upload_id=key) == 13
    with wh.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.analysis_runs)).scalar_one() == 1


def test_staging_table_of_a_killed_load_does_not_block_the_next_load(pg_env):
    """A killed load can leave nothing attached; the next load of the same upload replaces any leftover."""
    path = Path(real_file("csv/reubano__csv2ofx__xero.csv"))
    key = partition_key_for(sha256_file(path))
    wh = Warehouse(pg_env["DATABASE_URL"])
    wh.migrate()
    with wh.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "transactions_{key}_new" (LIKE transactions)'))
    from anomaly_pipeline.cli import main

    assert main(["process", str(path)]) == 0
    assert wh.count_rows(schema.transactions, upload_id=key) == 13
