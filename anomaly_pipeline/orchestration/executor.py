"""Which executor runs the steps of a launched run, chosen by the EXECUTOR environment variable.

Unset or `in_process` (local, `dagster dev`, tests): every step of a run in the run's own process. A run is a
handful of steps over one upload, and the heavy one (`detectors`) already keeps both cores busy with its
threads; a process per step would pay the imports (about 2 s) seven times and lose what the steps share in
memory (the loaded frame, the scores just stored). Measured through `execute_job` on 1M rows: 21.5 s in
process, 31.5 s with the multiprocess executor (100k rows: 19.3 s multiprocess). Uploads still run side by
side: one run per upload, up to the run queue's limit (`dagster.yaml`).
`multiprocess`: Dagster's multiprocess executor (a process per step).
`celery`: dagster-celery (the `[deploy]` extra) sends each step to Celery workers through the broker in
DAGSTER_CELERY_BROKER_URL, so the steps of many partitions spread across worker containers. The CLI's
in-process runs (`execute_in_process`) always run in-process, whatever is set here.
"""

import os

import dagster as dg

from anomaly_pipeline.settings import EXECUTORS


def executor_from_env() -> dg.ExecutorDefinition:
    name = os.environ.get("EXECUTOR", "").strip().lower() or "in_process"
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "celery":
        try:
            from dagster_celery import celery_executor
        except ImportError as exc:
            raise RuntimeError("EXECUTOR=celery needs dagster-celery: pip install 'anomaly_pipeline[deploy]'") from exc
        return celery_executor.configured({
            "broker": {"env": "DAGSTER_CELERY_BROKER_URL"},
            "backend": {"env": "DAGSTER_CELERY_BACKEND_URL"},
        }, name="celery")
    raise RuntimeError(f"EXECUTOR={name!r}: expected one of {', '.join(EXECUTORS)}")
