"""Nightly rescoring: baselines grow with new uploads and strategies change, so old results move too. And
nightly verification: the opt-in read-back of what is stored (`verify_upload`), off every upload's run.

Only loaded uploads are rescored or verified (a `received` upload has no transactions yet, a `rejected` one never
will); ingestion is not rerun. One run per upload and tick; the run key names job, strategy, upload and tick, so
a re-evaluated tick never launches twice, while a new default strategy still rescores the same night.

Verification is a schedule of its own (VERIFY_CRON, 04:00 by default) rather than part of the rescore runs: it
reads what the 02:00 rescore stored, covers the transactions (which rescoring does not touch), can be stopped in
the UI without stopping rescoring, and a failed read-back shows as its own run, not as a rescore's.
"""

import os
from datetime import UTC, datetime, timedelta

import dagster as dg

from anomaly_pipeline.orchestration.jobs import rescore_job, verify_job
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import open_warehouse


def _utc(value: datetime) -> datetime:
    """SQLite returns naive timestamps (stored as UTC); PostgreSQL aware ones."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rescore_requests(uploads: list[dict], partitions: set[str], tick: datetime, recent_days: int,
                     strategy: str, kind: str = "rescore") -> list[dg.RunRequest]:
    """One run (scoring, or with `kind="verify"` the read-back) per loaded upload that is a partition (and
    received within `recent_days`, if > 0)."""
    cutoff = _utc(tick) - timedelta(days=recent_days) if recent_days > 0 else None
    requests = []
    for upload in uploads:
        key = upload["upload_id"]
        if upload["status"] != "loaded" or key not in partitions:
            continue
        if cutoff is not None and upload["received_at"] is not None and _utc(upload["received_at"]) < cutoff:
            continue
        requests.append(dg.RunRequest(
            partition_key=key, run_key=f"{kind}:{strategy}:{key}:{_utc(tick):%Y-%m-%dT%H:%M}",
            run_config={"resources": {"scoring": {"config": {"strategy": strategy}}}},
            tags={kind: "nightly", "strategy": strategy},
        ))
    return requests


def _nightly(context: dg.ScheduleEvaluationContext, kind: str) -> list[dg.RunRequest] | dg.SkipReason:
    settings = get_settings()
    recent_days = int(os.environ.get("RESCORE_RECENT_DAYS", "0"))
    partitions = set(context.instance.get_dynamic_partitions(uploads_partitions.name))
    wh = open_warehouse(settings.database_url)
    tick = context.scheduled_execution_time or datetime.now(UTC)
    requests = rescore_requests(wh.list_uploads(), partitions, tick, recent_days, settings.default_strategy, kind)
    return requests or dg.SkipReason(f"no loaded uploads to {kind}")


@dg.schedule(job=rescore_job, cron_schedule=os.environ.get("RESCORE_CRON", "0 2 * * *"),
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Reruns scoring (not ingestion) for loaded uploads (all, or those received in the last "
                         "RESCORE_RECENT_DAYS days) with the current DEFAULT_STRATEGY.")
def nightly_rescore(context: dg.ScheduleEvaluationContext):
    return _nightly(context, "rescore")


@dg.schedule(job=verify_job, cron_schedule=os.environ.get("VERIFY_CRON", "0 4 * * *"),
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Reads back what is stored for loaded uploads (the same uploads as nightly_rescore) and "
                         "checks it: the stored_* checks of verify_upload, with the current DEFAULT_STRATEGY.")
def nightly_verify(context: dg.ScheduleEvaluationContext):
    return _nightly(context, "verify")
