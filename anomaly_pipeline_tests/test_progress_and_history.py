"""Progress on stderr for a terminal only (stdout stays machine-readable); upload history with timings."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import dagster as dg

from anomaly_pipeline.cli import main
from anomaly_pipeline.orchestration.runner import process_file
from anomaly_pipeline.progress import Progress
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_reports_every_step_of_the_run(pg_env):
    from anomaly_pipeline.definitions import defs

    steps: list[tuple[str, int, int]] = []
    with dg.instance_for_test() as instance:
        outcome = process_file(real_file(XERO), instance, on_step=lambda *a: steps.append(a))
    assert outcome.status == "loaded"
    job = defs.resolve_job_def("process_upload")
    total = len(job.graph.node_dict)
    assert {s[2] for s in steps} == {total}
    # each step starts and ends: two events per step, the last one reports every step finished
    assert len(steps) == 2 * total and steps[-1][1] == total
    names = [s[0] for s in steps]
    assert names.index("raw_upload") < names.index("transactions") < names.index("transaction_risk")
    assert "auditor_export" not in names  # built on demand, not in every upload's run
    assert set(names) == {"raw_upload", "transactions", "detectors", "transaction_risk"}  # checks: no steps of their own


def test_progress_line_only_on_a_terminal():
    term = Terminal()
    progress = Progress(term)
    progress.start_file(1, 2, "ledger.csv")
    progress.step("transactions", 3, 12)
    progress.done()
    shown = term.getvalue()
    assert "[1/2] ledger.csv: starting" in shown
    assert re.search(r"\[1/2\] ledger\.csv \[#####\.{15}\] 3/12 transactions", shown)
    pipe = io.StringIO()
    quiet = Progress(pipe)
    quiet.start_file(1, 1, "x.csv")
    quiet.step("transactions", 1, 2)
    assert pipe.getvalue() == "" and not quiet.enabled


def test_uploads_history_shows_status_and_timings(env, capsys):
    assert main(["process", str(real_file(XERO)), "--format", "json"]) == 0
    upload = json.loads(capsys.readouterr().out)[0]["upload_id"]
    wh = Warehouse(env["DATABASE_URL"])
    received = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    wh.update_upload(upload, received_at=received, loaded_at=received + timedelta(seconds=42.5))

    assert main(["uploads", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "loaded" and row["transaction_count"] == 13
    assert row["load_seconds"] == 42.5
    assert row["scoring_runs"] == 1 and row["last_strategy"] == "balanced"
    assert row["scoring_seconds"] >= 0

    assert main(["uploads"]) == 0  # one short line per upload; timings are in --format json
    text = capsys.readouterr().out.splitlines()
    assert text[0].split() == ["upload", "status", "format", "rows", "warnings", "received", "file"]
    assert text[1].split() == [upload, "loaded", "csv", "13", "0", "2026-01-05", "09:00", "reubano__csv2ofx__xero.csv"]
    assert text[2] == "details (timings, warnings, errors): anomaly-pipeline uploads --format json"
