"""Retrying uploads whose run failed for infrastructure reasons.

An upload whose `process_upload` run FAILED while its row is still `received` never got past loading:
the database was down, the worker died, the disk was full. Its original is in the archive, so the sensor
runs it again from there, at most MAX_ATTEMPTS times in all (the first run included). A `rejected` upload is
never retried: the file itself is the problem, a new file is needed. Failures inside a run (a dropped
connection in one step) are already retried by the assets' RetryPolicy; this covers runs that died.
"""

import dagster as dg

from anomaly_pipeline.orchestration.jobs import process_upload_job
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import Warehouse

MAX_ATTEMPTS = 3
PARTITION_TAG = "dagster/partition"


def retry_requests(instance: dg.DagsterInstance, uploads: list[dict], partitions: set[str],
                   max_attempts: int = MAX_ATTEMPTS) -> tuple[list[dg.RunRequest], list[str]]:
    """Run requests for `received` uploads whose latest run failed; and the uploads given up on."""
    requests, exhausted = [], []
    for upload in uploads:
        key = upload["upload_id"]
        if upload["status"] != "received" or key not in partitions:
            continue
        runs = instance.get_run_records(dg.RunsFilter(job_name=process_upload_job.name, tags={PARTITION_TAG: key}))
        if not runs or runs[0].dagster_run.status != dg.DagsterRunStatus.FAILURE:
            continue  # never run here, still queued/running, succeeded or canceled by someone
        attempts = sum(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in runs)
        if attempts >= max_attempts:
            exhausted.append(key)
            continue
        requests.append(dg.RunRequest(
            partition_key=key, run_key=f"retry:{key}:{attempts}",
            tags={"upload_retry": str(attempts), "retry_of": runs[0].dagster_run.run_id},
        ))
    return requests, exhausted


@dg.sensor(job=process_upload_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description=f"Reruns uploads whose run failed before loading (status still received), from the "
                       f"archived original, at most {MAX_ATTEMPTS} runs in all. Rejected files are not retried.")
def retry_failed_uploads(context: dg.SensorEvaluationContext):
    wh = Warehouse(get_settings().database_url)
    wh.migrate()
    partitions = set(context.instance.get_dynamic_partitions(uploads_partitions.name))
    requests, exhausted = retry_requests(context.instance, wh.list_uploads(), partitions)
    for key in exhausted:
        context.log.warning(f"event=retry_exhausted upload={key} attempts={MAX_ATTEMPTS}")
    if not requests:
        return dg.SkipReason("no failed uploads to retry")
    return requests
