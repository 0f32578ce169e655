"""`anomaly-pipeline` end to end: process, anomalies, uploads."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys

from anomaly_pipeline.cli import main
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"
BAD_DATES = "csv/bank2ynab__bank2ynab__TH_20180101-20180523_page_1.csv"


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_process_loads_flags_and_reports_duplicates_and_rejections(env, capsys):
    copy = env["tmp"] / "copy of xero.csv"
    shutil.copy(real_file(XERO), copy)
    code = main(["process", str(real_file(XERO)), str(real_file(BAD_DATES)), "--strategy", "aggressive",
                 "--format", "json"])
    out = _json(capsys)
    assert code == 1  # one file was rejected
    assert [o["status"] for o in out] == ["loaded", "rejected"]
    assert out[0]["transactions"] == 13
    assert out[0]["flagged"] == 9
    assert out[0]["error"] is None
    assert out[1]["transactions"] == 0
    assert "unparsable dates in 9 of 9 rows" in out[1]["error"]
    assert {"file", "upload_id", "status", "transactions", "flagged", "error"} <= set(out[0])

    assert main(["process", str(copy), "--strategy", "aggressive", "--format", "json"]) == 0
    dup = _json(capsys)
    assert dup[0]["status"] == "duplicate"
    assert dup[0]["upload_id"] == out[0]["upload_id"]

    assert main(["anomalies", "--strategy", "aggressive"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 9
    assert {"upload_id", "transaction_id", "voucher_id", "account", "amount", "posting_date", "risk_score",
            "is_anomaly", "reasons"} <= set(rows[0])
    assert all(r["reasons"].startswith("weekend_posting: posted S") for r in rows)

    assert main(["anomalies", "--all", "--format", "json", "--strategy", "aggressive"]) == 0
    assert len(_json(capsys)) == 13

    assert main(["uploads", "--format", "json"]) == 0
    uploads = _json(capsys)
    assert sorted(u["status"] for u in uploads) == ["loaded", "rejected"]


def test_process_text_output(env, capsys):
    assert main(["process", str(real_file(XERO))]) == 0
    line, *notes = capsys.readouterr().out.strip().split("\n")
    assert line.endswith("loaded upload=0d9e8b7d94a6a1f8 transactions=13 flagged=0")
    # the Xero journal has no registration date, time or user: the tests needing them are named (without a
    # counterparty, its texts name the partner)
    assert notes == [
        "  no registration date: 3 tests skipped (entry_date_gap, late_registration, period_mismatch)",
        "  no posting time: 1 test skipped (after_hours_posting)",
        "  no user: 1 test skipped (unusual_user_account)",
    ]


def test_the_cli_and_the_definitions_load_without_the_ml_and_plot_libraries():
    """scikit-learn and matplotlib are imported when a run needs them (preloaded during the load step), so
    `anomaly-pipeline --help` and the code location start without them."""
    code = ("import sys, anomaly_pipeline.cli, anomaly_pipeline.definitions; "
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    code = ("import sys; from anomaly_pipeline import preload; preload.start(); preload.wait(); "
            "print(all(m in sys.modules for m in preload.MODULES))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"


def test_a_command_started_with_sigterm_ignored_still_ends_its_worker(pg_env):
    """A supervisor (or a shell) may start the CLI with SIGTERM ignored, and the ML worker inherits that: the
    command still ends, its worker with it, instead of waiting for it at exit for ever."""
    code = "import sys; from anomaly_pipeline.cli import main; sys.exit(main(['process', sys.argv[1], '--force']))"
    path = str(real_file("sie4/bufferoverflow-se__SIEPort__SIE4-sample.SE"))
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "WORKER_THREADS": "2"},
                          preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    assert done.returncode == 0, done.stderr
    assert ": loaded upload=" in done.stdout


def test_a_small_file_s_models_fit_in_the_worker_process_with_the_same_result(pg_env):
    """With two cores, `process` of a small file fits the ML models in its worker process: the command itself
    never imports scikit-learn or scipy, and flags what the same run flags without a worker."""
    code = ("import json, sys; from anomaly_pipeline.cli import main; "
            "main(['process', sys.argv[1], '--format', 'json', '--force']); "
            "print('imported ' + json.dumps(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules)), "
            "file=sys.stderr)")
    path = str(real_file("sie4/bufferoverflow-se__SIEPort__SIE4-sample.SE"))
    runs = {}
    for threads in ("2", "1"):
        done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True,
                              env={**os.environ, "WORKER_THREADS": threads})
        imported = next(line for line in done.stderr.splitlines() if line.startswith("imported "))
        runs[threads] = (json.loads(done.stdout)[0], json.loads(imported.removeprefix("imported ")))
    assert runs["2"][1] == [] and runs["1"][1] == ["scipy", "sklearn"]
    assert runs["2"][0]["status"] == runs["1"][0]["status"] == "loaded"
    assert runs["2"][0]["flagged"] == runs["1"][0]["flagged"] == 4
