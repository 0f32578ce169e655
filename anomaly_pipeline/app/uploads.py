"""Uploads: process files through the `process_upload` Dagster job, their history and status."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import NotFound
from anomaly_pipeline.app.strategies import get as get_strategy
from anomaly_pipeline.reporting.uploads import upload_history
from anomaly_pipeline.settings import get_settings

StepCallback = Callable[[str, int, int], None]
FileCallback = Callable[[int, int, Path], None]


def process_files(paths: list[Path], strategy: str | None = None, *, force: bool = False, verbose: bool = False,
                  on_file: FileCallback | None = None, on_step: StepCallback | None = None) -> Iterator[Any]:
    """Load and score each file with the same job the sensor launches, in this process; yields one
    `ProcessOutcome` per file as it finishes. An unknown strategy is refused (Invalid/NotFound) before any
    file is loaded. With DAGSTER_HOME set the runs are kept in that instance (and show in its UI)."""
    from anomaly_pipeline.orchestration.runner import dagster_instance, process_file

    get_strategy(strategy or get_settings().default_strategy)
    with dagster_instance() as instance:
        for index, path in enumerate(paths, start=1):
            if on_file is not None:
                on_file(index, len(paths), path)
            yield process_file(path, instance, strategy=strategy, force=force,
                               log_level="INFO" if verbose else "CRITICAL", on_step=on_step)


def history(limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Uploads oldest first with status, counts, load and scoring timings and errors; `limit`/`offset` page
    the newest first instead."""
    rows = upload_history(warehouse())
    if limit is None:
        return rows
    return list(reversed(rows))[offset:offset + limit]


def status(upload_id: str) -> dict[str, Any]:
    """One upload's stored state: status, counts, timings, error, warnings and what the reader found."""
    upload = warehouse().get_upload(upload_id)
    if upload is None:
        raise NotFound(f"no upload {upload_id!r}")
    row = next((r for r in upload_history(warehouse()) if r["upload_id"] == upload_id), {})
    metadata = upload.get("read_metadata") or {}
    return {**row, "size_bytes": upload.get("size_bytes"), "sha256": upload.get("sha256"),
            "warnings": upload.get("warnings") or [], "entity": upload.get("entity"),
            "mapping": metadata.get("mapping") if isinstance(metadata, dict) else None}
