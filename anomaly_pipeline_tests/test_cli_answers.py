"""The CLI answers a newcomer can read: no silent empty answers, warnings where people look, lines that fit a
terminal, text from every command, no traceback when a pager or `head` stops reading."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import openpyxl

from anomaly_pipeline.cli import main
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file
from benchmarks.generate_gl import generate, write_csv

XERO = "csv/reubano__csv2ofx__xero.csv"
PENDING = "csv/bank2ynab__bank2ynab__MS_JANE_SMITH_01-12-2019_14-12-2019.csv"  # three 'Pending' rows
WIDTH = 100


def _out(capsys) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_reader_warnings_show_in_process_uploads_export_and_the_asset(env, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(env["tmp"] / "dagster_home"))  # keep the run to read its metadata
    assert main(["process", str(real_file(PENDING)), "--format", "json"]) == 0
    [outcome] = json.loads(_out(capsys)[0])
    stored = Warehouse(env["DATABASE_URL"]).get_upload(outcome["upload_id"])["warnings"]
    assert len(stored) == 1 and "skipped 3 rows" in stored[0] and "Pending" in stored[0]
    assert outcome["warnings"] == stored
    assert (outcome["status"], outcome["transactions"]) == ("loaded", 10)

    copy = env["tmp"] / "again.csv"
    shutil.copy(real_file(PENDING), copy)
    assert main(["process", str(copy)]) == 0
    lines = _out(capsys)[0].splitlines()
    assert lines[0].startswith(f"{copy}: duplicate upload={outcome['upload_id']} transactions=10 flagged=")
    assert lines[1] == f"  warning: {stored[0]}"
    # then the fields a card statement lacks, each with the tests it skipped
    assert "  no registration date: 3 tests skipped (entry_date_gap, late_registration, period_mismatch)" in lines[2:]
    assert all(line.startswith("  no ") and " skipped (" in line for line in lines[2:])

    assert main(["uploads", "--format", "json"]) == 0
    assert json.loads(_out(capsys)[0])[0]["warnings"] == stored
    assert main(["uploads"]) == 0
    assert _out(capsys)[0].splitlines()[1].split()[:5] == [outcome["upload_id"], "loaded", "csv", "10", "1"]

    out = env["tmp"] / "review.xlsx"
    assert main(["export", "--upload", outcome["upload_id"], "-o", str(out)]) == 0
    facts = [row for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) if row and row[0]]
    assert ("Reading warnings", 1) in [tuple(r[:2]) for r in facts]
    assert ("Warning", stored[0]) in [tuple(r[:2]) for r in facts]

    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("transactions"))
        metadata = event.asset_materialization.metadata
        assert list(metadata)[0] == "warnings"
        assert metadata["warnings"].value == f"- {stored[0]}"


def test_anomalies_for_what_does_not_exist_or_was_not_run_is_an_error_not_an_empty_answer(env, capsys):
    assert main(["process", str(real_file(XERO)), "--format", "json"]) == 0
    upload = json.loads(_out(capsys)[0])[0]["upload_id"]

    assert main(["anomalies", "--upload", "nosuch"]) == 1
    out, err = _out(capsys)
    assert out == ""
    assert err == f"error: no upload 'nosuch'; uploads: {upload} (all: anomaly-pipeline uploads)\n"

    assert main(["anomalies", "--strategy", "nosuch"]) == 1
    assert _out(capsys)[1] == ("error: no strategy named 'nosuch'; strategies: aggressive, audit_jet, balanced, "
                               "conservative\n")

    assert main(["anomalies", "--upload", upload, "--strategy", "aggressive"]) == 1
    assert _out(capsys)[1] == (f"error: strategy aggressive has not been run on upload {upload} yet; run it: "
                               f"anomaly-pipeline strategies apply aggressive --upload {upload}\n")
    assert main(["anomalies", "--strategy", "aggressive"]) == 1
    assert _out(capsys)[1].endswith("run it: anomaly-pipeline strategies apply aggressive --all\n")

    assert main(["anomalies", "--upload", upload]) == 0  # balanced ran: no anomalies is then a real answer
    assert _out(capsys)[0].splitlines()[0].startswith("upload_id,transaction_id")


def test_process_with_another_strategy_scores_an_already_loaded_file(env, capsys):
    assert main(["process", str(real_file(XERO)), "--format", "json"]) == 0
    first = json.loads(_out(capsys)[0])[0]
    assert (first["status"], first["flagged"], first["note"]) == ("loaded", 0, None)

    copy = env["tmp"] / "same bytes.csv"
    shutil.copy(real_file(XERO), copy)
    assert main(["process", str(copy), "--strategy", "aggressive", "--format", "json"]) == 0
    again = json.loads(_out(capsys)[0])[0]
    assert (again["status"], again["upload_id"], again["flagged"]) == ("duplicate", first["upload_id"], 9)
    assert again["note"] == "already loaded; scored now with strategy aggressive"
    assert again["run_id"] != first["run_id"]

    assert main(["anomalies", "--strategy", "aggressive", "--format", "json"]) == 0
    rows = json.loads(_out(capsys)[0])
    assert len(rows) == 9
    for row in rows:  # reasons as a list, one entry per algorithm
        assert isinstance(row["reasons"], list) and row["reasons"]
        assert all(reason.split(": ", 1)[0] in ALGORITHMS for reason in row["reasons"])
        assert row["reasons"][0].startswith("weekend_posting: posted S")

    assert main(["process", str(copy), "--strategy", "aggressive"]) == 0  # scored already: nothing to do
    assert _out(capsys)[0].splitlines() == [
        f"{copy}: duplicate upload={first['upload_id']} transactions=13 flagged=9",
        # the fields the Xero journal lacks, each with the tests it skipped
        "  no registration date: 3 tests skipped (entry_date_gap, late_registration, period_mismatch)",
        "  no posting time: 1 test skipped (after_hours_posting)",
        "  no user: 1 test skipped (unusual_user_account)"]


def test_listings_fit_a_terminal_and_export_prints_text(env, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    long_name = env["tmp"] / ("a ledger exported by the accounting system with a very long name " * 3 + ".csv")
    shutil.copy(real_file(XERO), long_name)
    assert main(["process", str(long_name), str(real_file(PENDING)), "--format", "json"]) == 0
    upload = json.loads(_out(capsys)[0])[0]["upload_id"]

    assert main(["strategies", "list"]) == 0
    lines = _out(capsys)[0].splitlines()
    assert max(map(len, lines)) <= WIDTH
    assert lines[0].split() == ["name", "version", "preset", "threshold", "algorithms", "description"]
    assert {line.split()[0] for line in lines[1:-1]} == {"aggressive", "audit_jet", "balanced", "conservative"}
    assert lines[-1] == "details (algorithms, weights, parameters): anomaly-pipeline strategies show NAME"

    assert main(["uploads"]) == 0
    lines = _out(capsys)[0].splitlines()
    assert max(map(len, lines)) <= WIDTH
    assert lines[1].split()[0] == upload and lines[1].endswith("…")  # the name is cut at a word, not the table

    out = env["tmp"] / "review.xlsx"
    assert main(["export", "--upload", upload, "-o", str(out)]) == 0
    printed = _out(capsys)[0]
    assert printed.startswith(f"wrote {out} (upload {upload}, strategy balanced): ")
    assert printed.count("\n") == 1 and out.exists()


def test_anomalies_into_head_ends_without_a_traceback(env, minimal_strategy, tmp_path, capsys):
    ledger = tmp_path / "ledger.csv"
    write_csv(generate(3000, seed=7), ledger)
    assert main(["process", str(ledger)]) == 0
    capsys.readouterr()
    child_env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    piped = subprocess.run(f"'{sys.executable}' -m anomaly_pipeline.cli anomalies --all | head -n 2", shell=True,
                           env=child_env, capture_output=True, text=True, timeout=300)
    assert piped.stdout.splitlines()[0].startswith("upload_id,transaction_id")
    assert len(piped.stdout.splitlines()) == 2
    assert piped.stderr == ""


def test_process_of_a_directory_says_it_is_one(env, capsys):
    assert main(["process", str(env["tmp"])]) == 1
    assert _out(capsys)[0] == f"{env['tmp']}: rejected upload=None transactions=0 flagged=0 error: is a directory, not a file\n"
