"""`anomaly-pipeline doctor`: what is wrong with this installation, and the command that fixes it.

Errors are what stops the main job (processing a file): the database unreachable, migrations missing, the
upload or data folder not writable, a DAGSTER_HOME that does not load (`process` uses it when set).
Everything else is a warning: without DAGSTER_HOME runs are not kept; without the daemon, sensors,
schedules, retries and queued runs wait.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from anomaly_pipeline.settings import Settings

Status = Literal["ok", "warning", "error", "skipped"]
DAEMON_STALE_SECONDS = 300  # the daemon writes a heartbeat every 30 s
CONNECT_TIMEOUT = 5


@dataclass
class Finding:
    check: str
    status: Status
    message: str
    fix: str = ""

    @property
    def blocking(self) -> bool:
        return self.status == "error"


def run_checks(settings: Settings, migrate: bool = False) -> list[Finding]:
    database = check_database(settings.database_url)
    findings = [database]
    if database.status == "ok":
        findings.append(check_migrations(settings.database_url, migrate))
    else:
        findings.append(Finding("migrations", "skipped", "not checked: the database is unreachable"))
    findings.append(check_folder("upload dir", settings.upload_dir, "UPLOAD_DIR", must_exist=True))
    findings.append(check_folder("data dir", settings.data_dir, "ANOMALY_DATA_DIR", must_exist=False))
    findings.extend(check_dagster())
    return findings


def safe_url(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported by check_database
        return "<unparsable URL>"


def check_database(url: str) -> Finding:
    shown = safe_url(url)
    try:
        parsed = sa.make_url(url)
    except Exception as exc:  # noqa: BLE001
        return Finding("database", "error", f"DATABASE_URL is not a SQLAlchemy URL: {exc}",
                       "set DATABASE_URL=postgresql+psycopg://user:password@host:5432/db (or sqlite:///path.db)")
    connect_args = {"connect_timeout": CONNECT_TIMEOUT} if parsed.get_backend_name() == "postgresql" else {}
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            version = engine.dialect.server_version_info
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any driver error means "cannot use it"
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fix = ("start PostgreSQL or correct host, port, user and database in DATABASE_URL "
               "(scheme postgresql+psycopg://)" if parsed.get_backend_name() == "postgresql"
               else "make the SQLite file's folder writable, or set DATABASE_URL")
        return Finding("database", "error", f"{shown}: cannot connect: {reason}", fix)
    server = f" ({parsed.get_backend_name()} {'.'.join(map(str, version))})" if version else ""
    return Finding("database", "ok", f"{shown}: reachable{server}")


def check_migrations(url: str, migrate: bool) -> Finding:
    from anomaly_pipeline.storage.warehouse import Warehouse

    wh = Warehouse(url)
    try:
        pending = wh.pending_migrations()
        if pending and migrate:
            wh.migrate()
            applied = pending
            pending = wh.pending_migrations()
            if not pending:
                return Finding("migrations", "ok", f"applied {len(applied)}: {', '.join(applied)}")
    except Exception as exc:  # noqa: BLE001
        return Finding("migrations", "error", f"cannot read the migration state: {exc}",
                       "check the database user's rights on the alembic_version table")
    if pending:
        return Finding("migrations", "error", f"{len(pending)} pending: {', '.join(pending)}",
                       "anomaly-pipeline doctor --migrate   (or `alembic upgrade head` from the project root)")
    return Finding("migrations", "ok", "database schema is up to date")


def check_folder(name: str, path: Path, variable: str, must_exist: bool) -> Finding:
    if path.exists() and not path.is_dir():
        return Finding(name, "error", f"{variable}={path} is a file, not a folder",
                       f"set {variable} to a folder (or move the file away)")
    if not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if must_exist:
            return Finding(name, "error", f"{variable}={path} does not exist", f"mkdir -p '{path}'")
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            return Finding(name, "error", f"{variable}={path} does not exist and cannot be created",
                           f"mkdir -p '{path}' as a user who may, and give the pipeline write access")
        return Finding(name, "ok", f"{variable}={path} will be created on first use")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True):
            pass
    except OSError as exc:
        return Finding(name, "error", f"{variable}={path} is not writable: {exc.strerror}",
                       f"give the pipeline's user write access: chmod u+rwx '{path}' (or chown)")
    return Finding(name, "ok", f"{variable}={path} is writable")


def check_dagster() -> list[Finding]:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return [Finding("dagster instance", "warning",
                        "DAGSTER_HOME is not set: CLI runs use a temporary instance and do not show in the UI",
                        "export DAGSTER_HOME=/path/to/dagster_home (a folder, optionally with dagster.yaml)")]
    if not Path(home).is_dir():
        return [Finding("dagster instance", "error", f"DAGSTER_HOME={home} is not a folder",
                        f"mkdir -p '{home}' (Dagster requires it to exist)")]
    import dagster as dg

    try:
        instance = dg.DagsterInstance.get()
        heartbeats = instance.get_daemon_heartbeats()
        storage = type(instance.run_storage).__name__
        coordinator = type(instance.run_coordinator).__name__
    except Exception as exc:  # noqa: BLE001 - a broken dagster.yaml or unreachable instance database
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [Finding("dagster instance", "error", f"DAGSTER_HOME={home}: the instance does not load: {reason}",
                        f"fix {Path(home) / 'dagster.yaml'} (postgres storage needs scheme postgresql+psycopg2), "
                        f"start its database, or unset DAGSTER_HOME")]
    findings = [Finding("dagster instance", "ok", f"DAGSTER_HOME={home}: loads ({storage}, {coordinator})")]
    latest = max((h.timestamp for h in heartbeats.values()), default=None)
    if latest is None or time.time() - latest > DAEMON_STALE_SECONDS:
        when = "never seen" if latest is None else f"last heartbeat {int(time.time() - latest)} s ago"
        waiting = "sensors (file drops), the nightly schedule, retries"
        if coordinator == "QueuedRunCoordinator":
            waiting += " and queued runs"
        findings.append(Finding("dagster daemon", "warning", f"not running ({when}): {waiting} wait",
                                "dagster-daemon run -w workspace.yaml   (from the project root; "
                                "`dagster dev` also starts it)"))
    else:
        findings.append(Finding("dagster daemon", "ok",
                                f"running (heartbeat {int(time.time() - latest)} s ago, {len(heartbeats)} daemons)"))
    return findings


def render(findings: list[Finding], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps([{**asdict(f), "blocking": f.blocking} for f in findings], indent=2)
    width = max(len(f.check) for f in findings)
    lines = []
    for f in findings:
        lines.append(f"{f.status.upper():<8} {f.check:<{width}}  {f.message}")
        if f.fix and f.status in ("error", "warning"):
            lines.append(f"{'':<8} {'':<{width}}  fix: {f.fix}")
    errors = sum(f.status == "error" for f in findings)
    warnings = sum(f.status == "warning" for f in findings)
    verdict = "the pipeline cannot run" if errors else "the pipeline can run"
    lines.append(f"{errors} error(s), {warnings} warning(s): {verdict}")
    return "\n".join(lines)
