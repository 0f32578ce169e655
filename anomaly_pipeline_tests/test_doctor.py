"""`anomaly-pipeline doctor`: findings, fixes and the exit code, against real databases and folders."""

from __future__ import annotations

import json
import re

import pytest

from anomaly_pipeline.cli import main
from anomaly_pipeline.storage.warehouse import MIGRATIONS_DIR, Warehouse

BAD_URL = "postgresql+psycopg://nobody@127.0.0.1:1/x"


def _revisions() -> set[str]:
    """Revision ids of the migration files, read from the files themselves."""
    found = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        match = re.search(r'^revision\s*(?::\s*str)?\s*=\s*["\']([^"\']+)["\']', path.read_text(), re.M)
        if match:
            found.add(match.group(1))
    return found


def _doctor(capsys, *args: str) -> tuple[int, dict[str, dict]]:
    code = main(["doctor", "--format", "json", *args])
    return code, {f["check"]: f for f in json.loads(capsys.readouterr().out)}


def test_unreachable_database_fails_with_the_fix(pg_env, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", BAD_URL)
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    database = next(i for i, line in enumerate(lines) if line.split()[1:2] == ["database"])
    assert lines[database].startswith("ERROR")
    assert "postgresql+psycopg://nobody@127.0.0.1:1/x: cannot connect" in lines[database]
    assert "fix: start PostgreSQL" in lines[database + 1]
    assert any(line.startswith("SKIPPED") and "migrations" in line for line in lines)
    assert lines[-1] == "1 error(s), 1 warning(s): the pipeline cannot run"  # warning: DAGSTER_HOME unset


def _migrated(env) -> None:
    Warehouse(env["DATABASE_URL"]).migrate()


def test_healthy_installation_exits_zero_and_warns_about_dagster_home(env, capsys):
    _migrated(env)
    code, found = _doctor(capsys)
    assert code == 0
    assert {k: f["status"] for k, f in found.items()} == {
        "database": "ok", "migrations": "ok", "upload dir": "ok", "data dir": "ok", "dagster instance": "warning"}
    assert found["dagster instance"]["blocking"] is False
    assert "DAGSTER_HOME" in found["dagster instance"]["fix"]


def test_daemon_not_running_is_a_warning_with_the_start_command(env, monkeypatch, capsys):
    _migrated(env)
    home = env["tmp"] / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    code, found = _doctor(capsys)
    assert code == 0
    assert found["dagster instance"]["status"] == "ok"
    assert found["dagster daemon"]["status"] == "warning"
    assert found["dagster daemon"]["message"].startswith("not running (never seen)")
    assert found["dagster daemon"]["fix"].startswith("dagster-daemon run")

    (home / "dagster.yaml").write_text("storage:\n  no_such_storage: {}\n")
    code, found = _doctor(capsys)
    assert code == 1 and found["dagster instance"]["status"] == "error"
    assert "dagster.yaml" in found["dagster instance"]["fix"]


def test_missing_migrations_fail_until_applied(env, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{env['tmp'] / 'fresh.db'}")
    code, found = _doctor(capsys)
    assert code == 1
    assert found["migrations"]["status"] == "error"
    assert found["migrations"]["message"].startswith(f"{len(_revisions())} pending: ")
    assert set(found["migrations"]["message"].split(": ")[1].split(", ")) == _revisions()
    assert found["migrations"]["fix"].startswith("anomaly-pipeline doctor --migrate")
    code, found = _doctor(capsys, "--migrate")
    assert code == 0 and found["migrations"]["status"] == "ok"
    assert _doctor(capsys)[0] == 0


@pytest.mark.parametrize("problem", ["missing", "a file"])
def test_unusable_upload_dir_fails(env, monkeypatch, capsys, problem):
    _migrated(env)
    target = env["tmp"] / "elsewhere"
    if problem == "a file":
        target.write_text("not a folder")
    monkeypatch.setenv("UPLOAD_DIR", str(target))
    code, found = _doctor(capsys)
    assert code == 1
    assert found["upload dir"]["status"] == "error"
    assert found["upload dir"]["fix"] == (f"mkdir -p '{target}'" if problem == "missing"
                                          else "set UPLOAD_DIR to a folder (or move the file away)")
