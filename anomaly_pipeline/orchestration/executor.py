"""Which executor runs the steps of a launched run, chosen by the EXECUTOR environment variable.

Unset (local, dev, tests): Dagster's default, the multiprocess executor on this machine.
`celery`: dagster-celery (the `[deploy]` extra) sends each step to Celery workers through the broker in
DAGSTER_CELERY_BROKER_URL, so the steps of many partitions spread across worker containers. The CLI's
in-process runs (`execute_in_process`) always run in-process, whatever is set here.
"""

import os

import dagster as dg

EXECUTORS = ("multiprocess", "celery")


def executor_from_env() -> dg.ExecutorDefinition | None:
    name = os.environ.get("EXECUTOR", "").strip().lower() or "multiprocess"
    if name == "multiprocess":
        return None  # Definitions' default
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
