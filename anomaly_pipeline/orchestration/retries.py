"""Retrying what is transient, and only that.

Inside a run, every asset has RETRY (a RetryPolicy) and its body is wrapped in `transient_only`: a dropped
connection, a lock or statement timeout, a database that is down (the driver's OperationalError) is retried
with back-off; anything else (a TypeError, a missing table, a constraint violation) fails the step at once
with its real message, which is what the user sees.

Across runs, `retry_failed_uploads` reruns uploads whose run failed for infrastructure reasons.

An upload whose latest `process_upload` run FAILED while its row is still `received` never got past loading:
the database was down, the worker died, the disk was full. Its original is in the archive, so the sensor
runs it again from there, at most MAX_ATTEMPTS runs in all (the first one included). The same holds for a
run that died after archiving the file but before registering it (no row at all): the archived file is
passed explicitly. A `rejected` upload is never retried: the file itself is the problem, a new file is
needed. Failures inside a run (a dropped connection in one step) are first retried by the assets'
RetryPolicy; this covers runs that failed as a whole. Only failures of the last RETRY_WINDOW are considered,
which keeps a tick to one query plus one per failed upload.
"""

import functools
import inspect
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import dagster as dg
import psycopg
import sqlalchemy as sa

from anomaly_pipeline.orchestration.jobs import process_upload_job
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import open_warehouse

RETRY = dg.RetryPolicy(max_retries=3, delay=5, backoff=dg.Backoff.EXPONENTIAL)
#: SQLite reports a busy database and a missing table with the same exception class: its message decides
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "disk i/o error", "unable to open database")
F = TypeVar("F", bound=Callable)


def is_transient(exc: BaseException) -> bool:
    """Whether retrying can help: connection errors, timeouts, locks, a database that is down or restarting
    (the driver's OperationalError: on PostgreSQL that includes lock-not-available, deadlocks, serialization
    failures and cancelled statements). Looks through SQLAlchemy's wrapper and the exception chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError | TimeoutError | sa.exc.TimeoutError | sa.exc.DisconnectionError):
            return True
        if isinstance(current, sa.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, psycopg.OperationalError):
            return True
        if isinstance(current, sqlite3.OperationalError):
            return any(text in str(current).lower() for text in SQLITE_TRANSIENT)
        if type(current).__name__ == "OperationalError" and type(current).__module__.startswith("psycopg2"):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _fail_unless_transient(exc: Exception) -> None:
    if isinstance(exc, dg.Failure | dg.RetryRequested) or is_transient(exc):
        return
    raise dg.Failure(description=f"{type(exc).__name__}: {exc}", allow_retries=False) from exc


def transient_only(fn: F) -> F:
    """Wrap an asset's body so that its RetryPolicy applies to transient errors only; any other error becomes
    a `Failure` that is not retried, carrying the original error's type and message."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generate(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                _fail_unless_transient(exc)
                raise
        return generate  # type: ignore[return-value]

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            _fail_unless_transient(exc)
            raise
    return call  # type: ignore[return-value]


MAX_ATTEMPTS = 3
RETRY_WINDOW = timedelta(days=7)
PARTITION_TAG = "dagster/partition"


def _archived_original(archive_dir: Path, key: str) -> Path | None:
    folder = archive_dir / key
    files = [p for p in folder.glob("*") if p.is_file() and not p.name.endswith(".mapping.yaml")] \
        if folder.is_dir() else []
    return files[0] if len(files) == 1 else None


def retry_requests(instance: dg.DagsterInstance, lookup: Callable[[str], dict | None], archive_dir: Path,
                   now: datetime | None = None, max_attempts: int = MAX_ATTEMPTS) -> tuple[list[dg.RunRequest], list[str]]:
    """Run requests for uploads whose latest run failed before loading; and the uploads given up on.

    `lookup(upload_id)` returns the file_uploads row or None."""
    since = (now or datetime.now(UTC)) - RETRY_WINDOW
    failed = instance.get_run_records(dg.RunsFilter(job_name=process_upload_job.name,
                                                    statuses=[dg.DagsterRunStatus.FAILURE], updated_after=since))
    keys = sorted({r.dagster_run.tags[PARTITION_TAG] for r in failed if PARTITION_TAG in r.dagster_run.tags})
    requests, exhausted = [], []
    for key in keys:
        upload = lookup(key)
        run_config: dict = {}
        if upload is not None and upload["status"] != "received":
            continue  # loaded since, or rejected: the file is the problem
        runs = instance.get_run_records(dg.RunsFilter(job_name=process_upload_job.name, tags={PARTITION_TAG: key}))
        latest = runs[0].dagster_run
        if latest.status != dg.DagsterRunStatus.FAILURE:
            continue  # a later run is queued, running, succeeded, or was canceled by someone
        if upload is None:
            original = _archived_original(archive_dir, key)
            if original is None:
                continue  # failed before the file reached the archive: it is still in UPLOAD_DIR or gone
            name = latest.tags.get("upload_file") or original.name
            run_config = {"ops": {"raw_upload": {"config": {"path": str(original), "file_name": name,
                                                            "move": False}}}}
        attempts = sum(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in runs)
        if attempts >= max_attempts:
            exhausted.append(key)
            continue
        requests.append(dg.RunRequest(
            partition_key=key, run_key=f"retry:{key}:{attempts}", run_config=run_config,
            tags={"upload_retry": str(attempts), "retry_of": latest.run_id},
        ))
    return requests, exhausted


@dg.sensor(job=process_upload_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description=f"Reruns uploads whose run failed before loading (status still received), from the "
                       f"archived original, at most {MAX_ATTEMPTS} runs in all. Rejected files are not retried.")
def retry_failed_uploads(context: dg.SensorEvaluationContext):
    settings = get_settings()
    wh = open_warehouse(settings.database_url)
    requests, exhausted = retry_requests(context.instance, wh.get_upload, settings.archive_dir)
    for key in exhausted:
        context.log.warning(f"event=retry_exhausted upload={key} attempts={MAX_ATTEMPTS}")
    if not requests:
        return dg.SkipReason("no failed uploads to retry")
    return requests
