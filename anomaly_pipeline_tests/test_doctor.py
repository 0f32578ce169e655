"""`anomaly-pipeline doctor`: findings, fixes and the exit code, against real databases and folders."""

from __future__ import annotations

import json
import re
import uuid

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command

from anomaly_pipeline.cli import main
from anomaly_pipeline.storage.warehouse import MIGRATIONS_DIR, Warehouse, _alembic_config
from anomaly_pipeline_tests.conftest import PG_ADMIN_URL

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
        "settings": "ok", "database": "ok", "migrations": "ok", "default strategy": "ok", "upload dir": "ok",
        "data dir": "ok", "dagster instance": "warning"}
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


def test_pending_migrations_are_what_first_use_does_not_an_error(env, monkeypatch, capsys):
    fresh = env["tmp"] / "fresh.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{fresh}")
    code, found = _doctor(capsys)  # no database file yet: nothing is created by looking
    assert code == 0 and not fresh.exists()
    assert found["database"]["message"].endswith("will be created on first use")
    assert found["migrations"]["message"] == "the schema is created on first use"

    command.upgrade(_alembic_config(f"sqlite:///{fresh}"), "0002")
    later = sorted(_revisions() - {"0001", "0002"})
    code, found = _doctor(capsys)
    assert code == 0
    assert found["migrations"]["status"] == "ok"
    assert found["migrations"]["message"] == (
        f"{len(later)} pending ({', '.join(later)}): applied automatically on first use "
        f"(now: anomaly-pipeline doctor --migrate)")
    code, found = _doctor(capsys, "--migrate")
    assert code == 0 and found["migrations"]["message"] == f"applied {len(later)}: {', '.join(later)}"
    assert _doctor(capsys)[1]["migrations"]["message"] == "database schema is up to date"


def test_a_schema_revision_this_code_does_not_know_is_an_error(env, capsys):
    _migrated(env)
    wh = Warehouse(env["DATABASE_URL"])
    with wh.engine.begin() as conn:
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    try:
        code, found = _doctor(capsys)
    finally:  # the PostgreSQL database is shared by the session's tests
        with wh.engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert code == 1
    assert found["migrations"]["status"] == "error"
    assert found["migrations"]["message"].startswith("the database is at revision 0099, which this version")


def test_a_database_user_who_may_not_create_the_tables_is_an_error(postgres_url, pg_env, monkeypatch, capsys):
    """PostgreSQL 15+ grants no CREATE on schema public to ordinary roles: pending migrations cannot mend."""
    database = sa.make_url(postgres_url).database
    role = f"doctor_{uuid.uuid4().hex[:8]}"
    fresh = f"anomaly_doctor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://{role}@127.0.0.1:5432/{fresh}")
        code, found = _doctor(capsys)
        assert code == 1
        assert found["database"]["status"] == "ok"
        assert found["migrations"]["status"] == "error"
        assert "this database user may not create tables" in found["migrations"]["message"]
    finally:
        from anomaly_pipeline.storage.warehouse import _engines

        for url in [u for u in _engines if u.endswith(f"/{fresh}")]:
            _engines.pop(url).dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    assert database  # the session database was untouched


def test_folders_the_pipeline_can_create_are_not_errors(env, monkeypatch, capsys):
    _migrated(env)
    missing = env["tmp"] / "not yet" / "uploads"
    monkeypatch.setenv("UPLOAD_DIR", str(missing))
    monkeypatch.setenv("ANOMALY_DATA_DIR", str(env["tmp"] / "data-later"))
    code, found = _doctor(capsys)
    assert code == 0
    assert found["upload dir"]["message"] == (
        f"UPLOAD_DIR={missing} will be created by the upload sensor (`dagster dev` runs it)")
    assert found["data dir"]["status"] == "ok"
    assert not missing.exists()


@pytest.mark.parametrize("problem", ["a file", "under a file"])
def test_unusable_upload_dir_fails(env, monkeypatch, capsys, problem):
    _migrated(env)
    target = env["tmp"] / "elsewhere"
    target.write_text("not a folder")
    if problem == "under a file":
        target = target / "uploads"
    monkeypatch.setenv("UPLOAD_DIR", str(target))
    code, found = _doctor(capsys)
    assert code == 1
    assert found["upload dir"]["status"] == "error"
    assert found["upload dir"]["fix"] == (
        "set UPLOAD_DIR to a folder (or move the file away)" if problem == "a file"
        else f"mkdir -p '{target}' as a user who may, and give the pipeline write access")


@pytest.mark.parametrize(("variable", "value"), [("MAX_FILE_SIZE", "lots"), ("ALLOWED_FILE_TYPES", "csv,pdf"),
                                                 ("EXECUTOR", "threads")])
def test_an_invalid_setting_is_an_error_and_the_rest_is_still_checked(env, monkeypatch, capsys, variable, value):
    _migrated(env)
    monkeypatch.setenv(variable, value)
    code = main(["doctor"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith(f"ERROR    settings          {variable}={value!r} is invalid: expected ")
    assert lines[1].strip() == f"fix: unset {variable} or give it a valid value"
    assert any(line.startswith("OK       database") for line in lines)
    assert lines[-1] == "1 error(s), 1 warning(s): the pipeline cannot run"


def test_an_unknown_default_strategy_is_an_error(env, monkeypatch, capsys):
    _migrated(env)
    monkeypatch.setenv("DEFAULT_STRATEGY", "nosuch")
    code, found = _doctor(capsys)
    assert code == 1
    assert found["default strategy"]["status"] == "error"
    assert found["default strategy"]["fix"].startswith("set DEFAULT_STRATEGY to one of `anomaly-pipeline strategies")
