"""Uploads: process files through the `process_upload` Dagster job, their history and status."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from anomaly_pipeline import gc_tuning
from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import Invalid, NotFound
from anomaly_pipeline.app.strategies import get as get_strategy
from anomaly_pipeline.reporting.mapping import mapping_report_of, missing_data_lines
from anomaly_pipeline.reporting.uploads import upload_history
from anomaly_pipeline.settings import get_settings

StepCallback = Callable[[str, int, int], None]
FileCallback = Callable[[int, int, Path], None]


def process_files(paths: list[Path], strategy: str | None = None, *, force: bool = False, verbose: bool = False,
                  on_file: FileCallback | None = None, on_step: StepCallback | None = None) -> Iterator[Any]:
    """Load and score each file with the same job the sensor launches, in this process; yields one
    `ProcessOutcome` per file as it finishes. An unknown strategy is refused (Invalid/NotFound) before any
    file is loaded. With DAGSTER_HOME set the runs are kept in that instance (and show in its UI)."""
    with gc_tuning.importing():
        from anomaly_pipeline.orchestration.runner import dagster_instance, process_file

    get_strategy(strategy or get_settings().default_strategy)
    with dagster_instance() as instance:
        for index, path in enumerate(paths, start=1):
            if on_file is not None:
                on_file(index, len(paths), path)
            yield process_file(path, instance, strategy=strategy, force=force,
                               log_level="INFO" if verbose else "CRITICAL", on_step=on_step)


def history(limit: int | None = None, offset: int = 0, *, details: bool = False) -> list[dict[str, Any]]:
    """Uploads oldest first with status, counts, load and scoring timings and errors; `limit`/`offset` page
    the newest first instead. With `details`, each has its mapping report (what each field was read from)."""
    rows = upload_history(warehouse())
    if details:
        reports = {u["upload_id"]: mapping_report_of(u) for u in warehouse().list_uploads()}
        rows = [{**row, "mapping_report": reports.get(row["upload_id"])} for row in rows]
    if limit is None:
        return rows
    return list(reversed(rows))[offset:offset + limit]


def missing_data(upload_id: str, strategy: str | None = None) -> list[str]:
    """Fields the upload's file did not have that made tests skip ("no registration date: 3 tests skipped")."""
    return missing_data_lines(warehouse(), upload_id, strategy or get_settings().default_strategy)


def status(upload_id: str) -> dict[str, Any]:
    """One upload's stored state: status, counts, timings, error, warnings and what the reader found."""
    upload = warehouse().get_upload(upload_id)
    if upload is None:
        raise NotFound(f"no upload {upload_id!r}")
    row = next(iter(upload_history(warehouse(), upload_id, upload)), {})
    metadata = upload.get("read_metadata") or {}
    return {**row, "size_bytes": upload.get("size_bytes"), "sha256": upload.get("sha256"),
            "warnings": upload.get("warnings") or [], "entity": upload.get("entity"),
            "mapping": metadata.get("mapping") if isinstance(metadata, dict) else None,
            "mapping_report": mapping_report_of(upload)}


INCOMING = "incoming"  # data_dir/incoming/<upload>/: files received over HTTP until their run archives them


def accept(received: Path, file_name: str, sha256: str, runs: Any, strategy: str | None = None,
           mapping: bytes | None = None) -> tuple[dict[str, Any], bool]:
    """Take a file received into `received` (a temporary path) as an upload: a byte-identical copy of a
    loaded or rejected upload answers with that upload (the temporary file is removed); anything else is
    queued on `runs` (a `RunService`) for the `process_upload` job. Returns (status answer, queued)."""
    from anomaly_pipeline.ingest.files import safe_name
    from anomaly_pipeline.orchestration.partitions import partition_key_for

    if strategy:
        try:
            get_strategy(strategy)
        except NotFound as exc:
            received.unlink(missing_ok=True)
            raise Invalid(f"strategy: {exc}") from None
    key = partition_key_for(sha256)
    existing = warehouse().get_upload(key)
    if existing is not None and existing["status"] in ("loaded", "rejected"):
        received.unlink(missing_ok=True)
        answer = live_status(key, runs)
        return ({**answer, "status": "duplicate"} if existing["status"] == "loaded" else answer), False
    latest = runs.latest_run(key)
    if latest is not None and (runs.state(latest) or {}).get("status") in ("queued", "running"):
        received.unlink(missing_ok=True)
        return live_status(key, runs), False
    folder = get_settings().data_dir / INCOMING / key
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(file_name)
    received.replace(target)
    sidecar = target.with_name(target.name + ".mapping.yaml")
    if mapping:
        sidecar.write_bytes(mapping)
    else:
        sidecar.unlink(missing_ok=True)
    run_id = runs.submit_upload(target, file_name, key, strategy)
    return {**_pending(key, file_name, run_id), **_flagged(key, strategy)}, True


def _pending(key: str, file_name: str, run_id: str) -> dict[str, Any]:
    return {"upload_id": key, "status": "received", "file_name": file_name, "run_id": run_id,
            "run_status": "queued"}


def _flagged(key: str, strategy: str | None) -> dict[str, Any]:
    strategy = strategy or get_settings().default_strategy
    return {"strategy": strategy, "flagged": warehouse().flagged_count(key, strategy)}


def live_status(upload_id: str, runs: Any) -> dict[str, Any]:
    """`status` combined with the upload's newest `process_upload` run on `runs`: received while queued,
    processing while it runs (loaded only once scoring is done), failed when the run failed for any
    reason other than a rejection (with the run's error)."""
    run_id = runs.latest_run(upload_id)
    run = runs.state(run_id) if run_id else None
    try:
        answer = status(upload_id)
    except NotFound:
        if run is None:
            raise
        submitted = runs.submitted(run_id)
        answer = _pending(upload_id, submitted.file_name if submitted else "", run_id)
    strategy = (run or {}).get("strategy") or get_settings().default_strategy
    answer.update(run_id=run_id, run_status=run["status"] if run else None, **_flagged(upload_id, strategy))
    if run is not None and answer["status"] != "rejected":
        if run["status"] == "queued":
            answer["status"] = "received"
        elif run["status"] == "running":
            answer["status"] = "processing"
        elif run["status"] == "failed":
            answer.update(status="failed", error=answer.get("error") or run["error"] or "the run failed")
    return answer
