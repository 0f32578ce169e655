"""Nightly rescoring: baselines grow with new uploads and strategies change, so old results move too."""


import os
from datetime import timedelta

import dagster as dg

from anomaly_pipeline.orchestration.jobs import rescore_job
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import Warehouse


@dg.schedule(job=rescore_job, cron_schedule=os.environ.get("RESCORE_CRON", "0 2 * * *"),
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Reruns scoring for loaded uploads (all, or those received in the last "
                         "RESCORE_RECENT_DAYS days) with the current default strategy.")
def nightly_rescore(context: dg.ScheduleEvaluationContext):
    settings = get_settings()
    recent_days = int(os.environ.get("RESCORE_RECENT_DAYS", "0"))
    partitions = set(context.instance.get_dynamic_partitions(uploads_partitions.name))
    wh = Warehouse(settings.database_url)
    wh.migrate()
    tick = context.scheduled_execution_time
    cutoff = tick - timedelta(days=recent_days) if recent_days else None
    requests = []
    for upload in wh.list_uploads():
        key = upload["upload_id"]
        if upload["status"] != "loaded" or key not in partitions:
            continue
        if cutoff is not None and upload["received_at"] and upload["received_at"] < cutoff:
            continue
        requests.append(dg.RunRequest(
            partition_key=key, run_key=f"rescore:{key}:{tick:%Y-%m-%d}",
            run_config={"resources": {"scoring": {"config": {"strategy": settings.default_strategy}}}},
            tags={"rescore": "nightly"},
        ))
    if not requests:
        return dg.SkipReason("no loaded uploads to rescore")
    return requests
