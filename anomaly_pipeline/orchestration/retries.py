"""Retrying uploads whose run failed for infrastructure reasons.

An upload whose latest `process_upload` run FAILED while its row is still `received` never got past loading:
the database was down, the worker died, the disk was full. Its original is in the archive, so the sensor
runs it again from there, at most MAX_ATTEMPTS runs in all (the first one included). The same holds for a
run that died after archiving the file but before registering it (no row at all): the archived file is
passed explicitly. A `rejected` upload is never retried: the file itself is the problem, a new file is
needed. Failures inside a run (a dropped connection in one step) are first retried by the assets'
RetryPolicy; this covers runs that failed as a whole. Only failures of the last RETRY_WINDOW are considered,
which keeps a tick to one query plus one per failed upload.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from anomaly_pipeline.orchestration.jobs import process_upload_job
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import Warehouse

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
    wh = Warehouse(settings.database_url)
    wh.migrate()
    requests, exhausted = retry_requests(context.instance, wh.get_upload, settings.archive_dir)
    for key in exhausted:
        context.log.warning(f"event=retry_exhausted upload={key} attempts={MAX_ATTEMPTS}")
    if not requests:
        return dg.SkipReason("no failed uploads to retry")
    return requests
