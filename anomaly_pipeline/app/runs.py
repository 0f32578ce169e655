"""Dagster runs started from a long-lived process (the HTTP API): uploads and rescoring run in that warm
process, without a new process's imports, through Dagster's own `execute_in_process` on the same jobs the
sensor and the CLI run.

One `RunService` holds the Dagster instance (DAGSTER_HOME's when set, so the runs show in that instance's
UI; else an ephemeral one kept for the process's life) and a worker pool of WORKER_RUNS threads (default 1:
the pipeline is CPU-bound and already uses the cores). A run id is chosen at submission, so a caller can
poll it while it waits in the pool; once started, its state is the Dagster run's.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from anomaly_pipeline.orchestration.runner import dagster_instance, process_file, rescore_upload

PARTITION_TAG = "dagster/partition"
STEP_EVENTS = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_SKIPPED}
STATES = {
    dg.DagsterRunStatus.QUEUED: "queued", dg.DagsterRunStatus.NOT_STARTED: "queued",
    dg.DagsterRunStatus.STARTING: "running", dg.DagsterRunStatus.STARTED: "running",
    dg.DagsterRunStatus.CANCELING: "running", dg.DagsterRunStatus.SUCCESS: "succeeded",
    dg.DagsterRunStatus.FAILURE: "failed", dg.DagsterRunStatus.CANCELED: "failed",
}


@dataclass
class Submitted:
    """A run this process accepted: what it is for, and its outcome once finished."""

    job: str
    upload_id: str
    strategy: str | None
    file_name: str = ""
    outcome: dict[str, Any] | None = None
    error: str | None = None


class RunService:
    def __init__(self, workers: int = 1):
        self._stack = ExitStack()
        self.instance: dg.DagsterInstance = self._stack.enter_context(dagster_instance())
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="dagster-run")
        self._submitted: dict[str, Submitted] = {}
        self._final: dict[str, dict[str, Any]] = {}  # run id -> its state once succeeded or failed: it stays so
        self._lock = threading.Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._stack.close()

    def submit_upload(self, path: Path, file_name: str, upload_id: str, strategy: str | None) -> str:
        """Queue the `process_upload` job for a stored file (moved into the archive by the run)."""
        run_id = str(uuid.uuid4())
        self._track(run_id, Submitted("process_upload", upload_id, strategy, file_name))
        def execute() -> dict[str, Any]:
            outcome = process_file(path, self.instance, strategy=strategy, force=True, file_name=file_name,
                                   move=True, run_id=run_id).as_dict()
            with contextlib.suppress(OSError):  # the run archived the file: its incoming folder is empty
                path.parent.rmdir()
            return outcome

        self._pool.submit(self._run, run_id, execute)
        return run_id

    def submit_rescore(self, upload_id: str, strategy: str, version: int | None) -> str:
        """Queue the `rescore_upload` job for a loaded upload with `strategy` (newest or given version)."""
        run_id = str(uuid.uuid4())
        self._track(run_id, Submitted("rescore_upload", upload_id, strategy))
        self._pool.submit(self._run, run_id, lambda: rescore_upload(
            upload_id, strategy, self.instance, version=version, run_id=run_id))
        return run_id

    def _track(self, run_id: str, submitted: Submitted) -> None:
        with self._lock:
            self._submitted[run_id] = submitted

    def _run(self, run_id: str, execute) -> None:
        submitted = self._submitted[run_id]
        try:
            submitted.outcome = execute()
        except Exception as exc:  # noqa: BLE001 - reported as the run's error, never lost in the pool
            submitted.error = f"{type(exc).__name__}: {exc}"

    def submitted(self, run_id: str) -> Submitted | None:
        return self._submitted.get(run_id)

    def state(self, run_id: str) -> dict[str, Any] | None:
        """queued / running / succeeded / failed, with steps done of total where the run has started; None
        for a run neither this process nor the instance knows. A finished run's answer is kept: a client polling
        it costs no more reads of the instance."""
        if (final := self._final.get(run_id)) is not None:
            return dict(final)
        submitted = self._submitted.get(run_id)
        run = self.instance.get_run_by_id(run_id)
        if run is None:
            if submitted is None:
                return None
            state = "failed" if submitted.error else "queued"
            return {"run_id": run_id, "job": submitted.job, "upload_id": submitted.upload_id,
                    "strategy": submitted.strategy, "status": state, "steps_done": 0, "steps_total": None,
                    "error": submitted.error}
        state = STATES.get(run.status, "running")
        if state in ("queued", "running") and submitted is not None and submitted.error is not None:
            state = "failed"  # the run's thread ended on an error before Dagster recorded an outcome
        if state == "succeeded" and submitted is not None and submitted.outcome is None and submitted.error is None:
            state = "running"  # the run is over; its outcome is being read back
        done = len([e for e in self.instance.all_logs(run_id, of_type=STEP_EVENTS) if e.dagster_event])
        total = len(run.step_keys_to_execute or []) or None
        config = (run.run_config or {}).get("resources", {}).get("scoring", {}).get("config", {})
        error = submitted.error if submitted else None
        if submitted and submitted.outcome and submitted.outcome.get("error"):
            error = submitted.outcome["error"]
        answer = {"run_id": run_id, "job": run.job_name, "upload_id": run.tags.get(PARTITION_TAG),
                  "strategy": config.get("strategy") or (submitted.strategy if submitted else None),
                  "status": state, "steps_done": done, "steps_total": total,
                  "error": error if state == "failed" else None}
        if state in ("succeeded", "failed"):
            self._final[run_id] = dict(answer)
        return answer

    def latest_run(self, upload_id: str, job: str = "process_upload") -> str | None:
        """The id of the newest run of `job` for the upload this process submitted or the instance holds."""
        with self._lock:
            mine = [rid for rid, s in self._submitted.items() if s.upload_id == upload_id and s.job == job]
        if mine:
            return mine[-1]
        records = self.instance.get_run_records(dg.RunsFilter(job_name=job, tags={PARTITION_TAG: upload_id}),
                                                limit=1)
        return records[0].dagster_run.run_id if records else None
