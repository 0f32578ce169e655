"""Nightly rescoring: baselines grow with new uploads and strategies change, so old results move too.

Only loaded uploads are rescored (a `received` upload has no transactions yet, a `rejected` one never will);
ingestion is not rerun. One run per upload and tick; the run key names strategy, upload and tick, so a
re-evaluated tick never launches twice, while a new default strategy still rescores the same night.
"""

import os
from datetime import UTC, datetime, timedelta

import dagster as dg

from anomaly_pipeline.orchestration.jobs import rescore_job
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import open_warehouse


def _utc(value: datetime) -> datetime:
    """SQLite returns naive timestamps (stored as UTC); PostgreSQL aware ones."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rescore_requests(uploads: list[dict], partitions: set[str], tick: datetime, recent_days: int,
                     strategy: str) -> list[dg.RunRequest]:
    """One scoring run per loaded upload that is a partition (and received within `recent_days`, if > 0)."""
    cutoff = _utc(tick) - timedelta(days=recent_days) if recent_days > 0 else None
    requests = []
    for upload in uploads:
        key = upload["upload_id"]
        if upload["status"] != "loaded" or key not in partitions:
            continue
        if cutoff is not None and upload["received_at"] is not None and _utc(upload["received_at"]) < cutoff:
            continue
        requests.append(dg.RunRequest(
            partition_key=key, run_key=f"rescore:{strategy}:{key}:{_utc(tick):%Y-%m-%dT%H:%M}",
            run_config={"resources": {"scoring": {"config": {"strategy": strategy}}}},
            tags={"rescore": "nightly", "strategy": strategy},
        ))
    return requests


@dg.schedule(job=rescore_job, cron_schedule=os.environ.get("RESCORE_CRON", "0 2 * * *"),
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Reruns scoring (not ingestion) for loaded uploads (all, or those received in the last "
                         "RESCORE_RECENT_DAYS days) with the current DEFAULT_STRATEGY.")
def nightly_rescore(context: dg.ScheduleEvaluationContext):
    settings = get_settings()
    recent_days = int(os.environ.get("RESCORE_RECENT_DAYS", "0"))
    partitions = set(context.instance.get_dynamic_partitions(uploads_partitions.name))
    wh = open_warehouse(settings.database_url)
    tick = context.scheduled_execution_time or datetime.now(UTC)
    requests = rescore_requests(wh.list_uploads(), partitions, tick, recent_days, settings.default_strategy)
    if not requests:
        return dg.SkipReason("no loaded uploads to rescore")
    return requests
