"""`anomaly-pipeline doctor`: what is wrong with this installation, and the command that fixes it.

Errors are what stops the main job (processing a file) and will not mend itself: an invalid setting, the
database unreachable or refusing us, a schema at a revision this code does not know, a folder that cannot be
created or written, a DAGSTER_HOME that does not load. What the pipeline does by itself on first use (apply
pending migrations to its database, create its folders and a DAGSTER_HOME) is reported as such, not as an
error. Warnings: without DAGSTER_HOME runs are not kept; without the daemon, sensors, schedules, retries and
queued runs wait. Exit status 1 when any error was found.

Each check group is a function returning findings; `run_checks` lists them in the order a newcomer fixes them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from anomaly_pipeline.settings import Settings, get_settings, setting_problems

if TYPE_CHECKING:
    from anomaly_pipeline.storage.warehouse import Warehouse

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


def run_checks(migrate: bool = False) -> list[Finding]:
    findings, settings = check_settings()
    findings += check_database_and_schema(settings, migrate)
    findings.append(check_folder("upload dir", settings.upload_dir, "UPLOAD_DIR",
                                 created_by="the upload sensor (`dagster dev` runs it)"))
    findings.append(check_folder("data dir", settings.data_dir, "ANOMALY_DATA_DIR", created_by="the first run"))
    findings.extend(check_dagster())
    return findings


def check_settings() -> tuple[list[Finding], Settings]:
    """Invalid environment variables (each an error); the settings with defaults in their place, so the other
    checks still run."""
    problems = setting_problems()
    findings = [Finding("settings", "error", message, f"unset {variable} or give it a valid value")
                for variable, message in problems.items()]
    return findings or [Finding("settings", "ok", "environment settings are valid")], get_settings(lenient=True)


def check_database_and_schema(settings: Settings, migrate: bool) -> list[Finding]:
    url = settings.database_url
    sqlite_file = _sqlite_file(url)
    if sqlite_file is not None and not sqlite_file.exists():
        folder = check_folder("database", sqlite_file.parent, "the database folder", created_by="the first run")
        if folder.status == "error":
            return [folder, Finding("migrations", "skipped", "not checked: no database")]
        if not migrate:
            return [Finding("database", "ok", f"{safe_url(url)}: will be created on first use"),
                    Finding("migrations", "ok", "the schema is created on first use"),
                    check_default_strategy(None, settings.default_strategy)]
    database = check_database(url)
    if database.status != "ok":
        return [database, Finding("migrations", "skipped", "not checked: the database is unreachable")]
    from anomaly_pipeline.storage.warehouse import Warehouse

    warehouse = Warehouse(url, cache_dir=settings.data_dir / "frames")
    schema = check_migrations(warehouse, migrate)
    ready = schema.status == "ok" and not warehouse.pending_migrations()
    return [database, schema, check_default_strategy(warehouse if ready else None, settings.default_strategy)]


def _sqlite_file(url: str) -> Path | None:
    try:
        parsed = sa.make_url(url)
    except Exception:  # noqa: BLE001 - reported by check_database
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).resolve()


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


def check_migrations(warehouse: Warehouse, migrate: bool) -> Finding:
    try:
        pending, unknown = warehouse.migration_state()
        if unknown:
            return Finding("migrations", "error",
                           f"the database is at revision {', '.join(unknown)}, which this version of "
                           f"anomaly_pipeline does not know (a newer version migrated it)",
                           "run the anomaly_pipeline version that migrated it, or set DATABASE_URL to another database")
        if pending and not warehouse.may_create_tables():
            return Finding("migrations", "error",
                           f"{len(pending)} pending ({', '.join(pending)}) and this database user may not create "
                           f"tables", "grant the user CREATE on its schema (PostgreSQL) or write access to the "
                                      "SQLite file, or apply them as the owner: anomaly-pipeline doctor --migrate")
        if pending and migrate:
            warehouse.migrate()
            return Finding("migrations", "ok", f"applied {len(pending)}: {', '.join(pending)}")
    except Exception as exc:  # noqa: BLE001
        return Finding("migrations", "error", f"cannot read or apply the migration state: {exc}",
                       "check the database user's rights on the alembic_version table")
    if pending:
        return Finding("migrations", "ok", f"{len(pending)} pending ({', '.join(pending)}): applied "
                                           f"automatically on first use (now: anomaly-pipeline doctor --migrate)")
    return Finding("migrations", "ok", "database schema is up to date")


def check_default_strategy(warehouse: Warehouse | None, name: str) -> Finding:
    """DEFAULT_STRATEGY names a preset or a stored strategy (runs started by the sensor use it)."""
    from anomaly_pipeline.strategies.model import PRESETS, StrategyError

    if warehouse is None:
        if name in PRESETS:
            return Finding("default strategy", "ok", f"DEFAULT_STRATEGY={name} (a preset)")
        problem = f"DEFAULT_STRATEGY={name} is not a preset and the database holds no strategies yet"
    else:
        from anomaly_pipeline.strategies.store import get_strategy

        try:
            strategy = get_strategy(warehouse, name)
            return Finding("default strategy", "ok", f"DEFAULT_STRATEGY={name} (version {strategy.version})")
        except StrategyError as exc:
            problem = f"DEFAULT_STRATEGY={name}: {exc}"
    return Finding("default strategy", "error", problem,
                   f"set DEFAULT_STRATEGY to one of `anomaly-pipeline strategies list` ({', '.join(PRESETS)} "
                   f"are presets), or create it: anomaly-pipeline strategies create {name} FILE")


def check_folder(name: str, path: Path, variable: str, created_by: str) -> Finding:
    """A folder the pipeline writes: it exists and is writable, or it can be created (by `created_by`)."""
    if path.exists() and not path.is_dir():
        return Finding(name, "error", f"{variable}={path} is a file, not a folder",
                       f"set {variable} to a folder (or move the file away)")
    if not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            return Finding(name, "error", f"{variable}={path} does not exist and cannot be created",
                           f"mkdir -p '{path}' as a user who may, and give the pipeline write access")
        return Finding(name, "ok", f"{variable}={path} will be created by {created_by}")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True):
            pass
    except OSError as exc:
        return Finding(name, "error", f"{variable}={path} is not writable: {exc.strerror}",
                       f"give the pipeline's user write access: chmod u+rwx '{path}' (or chown)")
    return Finding(name, "ok", f"{variable}={path} is writable")


def check_dagster() -> list[Finding]:
    from anomaly_pipeline.orchestration.instance import dagster_home, load_instance

    home = dagster_home()
    if home is None:
        return [Finding("dagster instance", "warning",
                        "DAGSTER_HOME is not set: `process` runs use a temporary instance and `dagster dev` keeps "
                        "run history only until it stops",
                        "export DAGSTER_HOME=/path/to/dagster_home (created with a dagster.yaml on first use)")]
    if not home.exists():
        folder = check_folder("dagster instance", home, "DAGSTER_HOME", created_by="the first run")
        if folder.status == "ok":
            folder.message += " (with the project's dagster.yaml)"
        return [folder]
    if not home.is_dir():
        return [Finding("dagster instance", "error", f"DAGSTER_HOME={home} is not a folder",
                        "set DAGSTER_HOME to a folder")]
    try:
        with load_instance() as instance:
            heartbeats = instance.get_daemon_heartbeats()
            storage = type(instance.run_storage).__name__
            coordinator = type(instance.run_coordinator).__name__
    except Exception as exc:  # noqa: BLE001 - a broken dagster.yaml or unreachable instance database
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [Finding("dagster instance", "error", f"DAGSTER_HOME={home}: the instance does not load: {reason}",
                        f"fix {home / 'dagster.yaml'} (postgres storage needs scheme postgresql+psycopg2), "
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
    if storage == "PostgresRunStorage":  # the deployed instance: the services around it
        findings.append(check_webserver(os.environ.get("DAGSTER_WEBSERVER_URL", "").strip()))
        if os.environ.get("EXECUTOR", "").strip().lower() == "celery":
            findings.append(check_celery_workers(os.environ.get("DAGSTER_CELERY_BROKER_URL", "").strip(),
                                                 os.environ.get("DAGSTER_CELERY_BACKEND_URL", "").strip()))
    return findings


def check_webserver(url: str) -> Finding:
    """The deployment's dagster-webserver answers /server_info (what its compose healthcheck asks)."""
    if not url:
        return Finding("dagster webserver", "warning", "DAGSTER_WEBSERVER_URL is not set: the webserver is not checked",
                       "export DAGSTER_WEBSERVER_URL=http://webserver:3000   (as in docker-compose.yml)")
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/server_info", timeout=CONNECT_TIMEOUT) as response:
            info = json.loads(response.read())
    except (OSError, ValueError) as exc:
        return Finding("dagster webserver", "warning", f"{url}/server_info does not answer: {exc}: the UI is down "
                       f"(runs still execute)", "dagster-webserver -h 0.0.0.0 -p 3000 -w workspace.yaml   "
                                                "(docker compose up -d webserver)")
    return Finding("dagster webserver", "ok", f"{url}: dagster-webserver {info.get('dagster_webserver_version', '?')}")


def check_celery_workers(broker: str, backend: str) -> Finding:
    """EXECUTOR=celery: which Celery workers answer a ping on the broker (steps wait while none does)."""
    fix = "dagster-celery worker start -A dagster_celery.app -y deploy/celery.yaml   (docker compose up -d celery_worker)"
    if not broker:
        return Finding("celery workers", "error", "EXECUTOR=celery but DAGSTER_CELERY_BROKER_URL is not set",
                       "set DAGSTER_CELERY_BROKER_URL=redis://HOST:6379/0 (and DAGSTER_CELERY_BACKEND_URL)")
    try:
        from celery import Celery
    except ImportError:
        return Finding("celery workers", "error", "EXECUTOR=celery but celery is not installed",
                       "pip install 'anomaly_pipeline[deploy]'")
    app = Celery(broker=broker, backend=backend or None)
    try:
        app.connection_for_write().ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
        names = sorted(name for reply in app.control.ping(timeout=2) or [] for name in reply)
    except Exception as exc:  # noqa: BLE001 - any broker error means no step can be sent
        return Finding("celery workers", "warning", f"the broker {safe_url(broker)} is unreachable: {exc}: steps of "
                       f"launched runs wait", "start Redis, or correct DAGSTER_CELERY_BROKER_URL")
    finally:
        app.close()
    if not names:
        return Finding("celery workers", "warning", f"no worker answers a ping on {safe_url(broker)}: steps of "
                                                    f"launched runs wait in the queue", fix)
    return Finding("celery workers", "ok", f"{len(names)} answer a ping on {safe_url(broker)}: {', '.join(names)}")


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
