"""Run the Dagster job in-process for a file: the CLI's path into the very assets the sensor launches."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.ingest.read_file import missing_reason
from anomaly_pipeline.orchestration.instance import dagster_instance  # noqa: F401 - the CLI's entry point
from anomaly_pipeline.orchestration.partitions import partition_key_for, uploads_partitions
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.results import algorithm_states
from anomaly_pipeline.storage.review import latest_baseline
from anomaly_pipeline.storage.warehouse import Warehouse, open_warehouse

StepCallback = Callable[[str, int, int], None]


@dataclass
class ProcessOutcome:
    file: str
    upload_id: str | None
    status: str  # loaded | duplicate | rejected | failed
    transactions: int
    flagged: int
    error: str | None
    run_id: str | None = None
    warnings: list[str] = field(default_factory=list)  # what the reader skipped or found damaged
    note: str | None = None  # what this command did beyond its status (a duplicate scored with a new strategy)
    skipped: dict[str, str] = field(default_factory=dict)  # algorithm -> why it did not run on this upload
    judged_with: dict | None = None  # the entity history the upload was judged with (None: alone)

    def as_dict(self) -> dict:
        return asdict(self)


def process_file(path: Path, instance: dg.DagsterInstance, strategy: str | None = None,
                 force: bool = False, log_level: str = "CRITICAL", on_step: StepCallback | None = None, *,
                 file_name: str | None = None, move: bool = False, run_id: str | None = None) -> ProcessOutcome:
    """Register `path` as an upload partition and materialize the whole per-upload job for it.

    `on_step(step, finished, total)` is called as steps (assets, checks) start and finish. `file_name` is the
    name the user gave the file (default: the path's); `move` moves it into the archive instead of copying;
    `run_id` is the Dagster run id to use (default: a new one). One content is processed by one run at a
    time (`Warehouse.processing`): a second process given the same bytes meanwhile waits and finds it loaded."""
    settings = get_settings()
    wh = open_warehouse(settings.database_url)
    if (missing := missing_reason(path)) is not None:
        return ProcessOutcome(str(path), None, "rejected", 0, 0, missing)
    key = partition_key_for(sha256_file(path))
    with wh.processing(key):
        return _process(wh, key, path, instance, strategy or settings.default_strategy, force, log_level, on_step,
                        file_name=file_name, move=move, run_id=run_id)


def _process(wh: Warehouse, key: str, path: Path, instance: dg.DagsterInstance, strategy: str, force: bool,
             log_level: str, on_step: StepCallback | None, *, file_name: str | None, move: bool,
             run_id: str | None) -> ProcessOutcome:
    from anomaly_pipeline.definitions import defs

    existing = wh.get_upload(key)
    if existing and existing["status"] in ("loaded", "rejected") and not force:
        if existing["status"] == "rejected":
            return _outcome(wh, path, key, strategy, "rejected")
        if algorithm_states(wh, key, strategy):
            return _outcome(wh, path, key, strategy, "duplicate")
        # the same bytes are loaded, but not scored with this strategy yet: score them (nothing is read again)
        scored = rescore_upload(key, strategy, instance, log_level, run_id=run_id)
        outcome = _outcome(wh, path, key, strategy, "duplicate" if scored["status"] == "scored" else "failed")
        outcome.run_id, outcome.error = scored["run_id"], scored["error"]
        outcome.note = f"already loaded; scored now with strategy {strategy}"
        return outcome
    if not instance.has_dynamic_partition(uploads_partitions.name, key):
        instance.add_dynamic_partitions(uploads_partitions.name, [key])
    job = defs.resolve_job_def("process_upload")
    run = functools.partial(
        job.execute_in_process, partition_key=key, instance=instance, raise_on_error=False,
        tags={"upload_file": (file_name or path.name)[:200]},
        run_config={
            "ops": {"raw_upload": {"config": {"path": str(path.resolve()), "file_name": file_name or path.name,
                                              "move": move}}},
            "resources": {"scoring": {"config": {"strategy": strategy}}},
            "loggers": {"console": {"config": {"log_level": log_level}}},
        },
    )
    run_id = run_id or str(uuid.uuid4())
    result = run(run_id=run_id) if on_step is None else \
        _with_progress(functools.partial(run, run_id=run_id), run_id, instance, len(job.graph.node_dict), on_step)
    try:
        outcome = _outcome(wh, path, key, strategy, None)
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError):
        if result.success:
            raise
        # the run failed on the database: its error is the answer, not a second failure reading results
        outcome = ProcessOutcome(str(path), key, "failed", 0, 0, None)
    outcome.run_id = result.run_id
    if not result.success and outcome.status != "rejected":
        outcome.status = "failed"
        outcome.error = _failure_message(result) or "the run failed"
    return outcome


def _with_progress(run: Callable[[], dg.ExecuteInProcessResult], run_id: str, instance: dg.DagsterInstance,
                   total: int, on_step: StepCallback) -> dg.ExecuteInProcessResult:
    """Run in a worker thread and report the run's step events from the instance as they are written."""
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE,
             dg.DagsterEventType.STEP_SKIPPED}
    reported = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="anomaly-run") as pool:
        future = pool.submit(run)
        while True:
            finished_run = future.done()
            events = [e for e in instance.all_logs(run_id, of_type=kinds) if e.dagster_event]
            finished = sum(e.dagster_event.event_type != dg.DagsterEventType.STEP_START for e in events)
            for event in events[reported:]:
                on_step(event.dagster_event.step_key or "", finished, total)
            reported = len(events)
            if finished_run:
                break
            time.sleep(0.2)
        return future.result()


def _outcome(wh: Warehouse, path: Path, key: str, strategy: str, status: str | None) -> ProcessOutcome:
    upload = wh.get_upload(key) or {}
    flagged = wh.flagged_count(key, strategy)
    runs = wh.read_table(schema.algorithm_runs, upload_id=key, strategy=strategy)
    skipped = {row.algorithm: row.skip_reason if isinstance(row.skip_reason, str) else ""
               for row in runs.itertuples() if row.status == "skipped"}
    return ProcessOutcome(
        file=str(path), upload_id=key, status=status or upload.get("status", "failed"),
        transactions=int(upload.get("transaction_count") or 0), flagged=flagged, error=upload.get("error"),
        warnings=list(upload.get("warnings") or []),
        skipped=dict(sorted(skipped.items())), judged_with=latest_baseline(wh, key, strategy),
    )


def _failure_message(result: dg.ExecuteInProcessResult) -> str | None:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            return event.step_failure_data.error.message.strip().splitlines()[0]
    return None


def rescore_upload(upload_id: str, strategy: str, instance: dg.DagsterInstance,
                   log_level: str = "CRITICAL", *, version: int | None = None, run_id: str | None = None) -> dict:
    """Run the `rescore_upload` job for one loaded upload with `strategy` (its newest or the given version);
    other strategies' results stay."""
    from anomaly_pipeline.definitions import defs

    wh = Warehouse(get_settings().database_url)
    if not instance.has_dynamic_partition(uploads_partitions.name, upload_id):
        instance.add_dynamic_partitions(uploads_partitions.name, [upload_id])
    result = defs.resolve_job_def("rescore_upload").execute_in_process(
        partition_key=upload_id, instance=instance, raise_on_error=False, run_id=run_id,
        run_config={"resources": {"scoring": {"config": {"strategy": strategy, "strategy_version": version or 0}}},
                    "loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    return {"upload_id": upload_id, "strategy": strategy, "status": "scored" if result.success else "failed",
            "flagged": wh.flagged_count(upload_id, strategy), "run_id": result.run_id,
            "error": None if result.success else (_failure_message(result) or "the run failed")}

