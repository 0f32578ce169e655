"""The one entry point from a file on disk to a validated canonical frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from anomaly_pipeline.canonical import conform
from anomaly_pipeline.ingest.base import ReadResult
from anomaly_pipeline.ingest.detect_format import detect_format
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.registry import READERS
from anomaly_pipeline.settings import Settings


@dataclass
class FileCheck:
    file_format: str
    size: int


def check_file(path: Path, settings: Settings) -> FileCheck:
    """Size and type checks that run before any parsing."""
    size = path.stat().st_size
    if size > settings.max_file_size:
        raise RejectedFile(f"the file is {size} bytes, over MAX_FILE_SIZE ({settings.max_file_size} bytes)")
    if size == 0:
        raise RejectedFile("the file is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(65536)
    # a ZIP's directory is at its end: an .xlsx is recognised from the whole file (size already bounded)
    whole = size <= 65536 or head.startswith(b"PK\x03\x04")
    file_format = detect_format(path.read_bytes() if whole else head, path.name)
    if file_format not in settings.allowed_file_types:
        raise RejectedFile(
            f"format {file_format!r} (detected from content) is not in ALLOWED_FILE_TYPES "
            f"({', '.join(settings.allowed_file_types)})"
        )
    return FileCheck(file_format=file_format, size=size)


def load_mapping(path: Path) -> dict[str, str] | None:
    """A sidecar `<file>.mapping.yaml` ({canonical_field: source header}) overrides header detection."""
    sidecar = path.with_name(path.name + ".mapping.yaml")
    if not sidecar.exists():
        return None
    mapping = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    if not isinstance(mapping, dict):
        raise RejectedFile(f"{sidecar.name} must be a mapping of canonical field to column header")
    return {str(k): str(v) for k, v in mapping.items()}


def read_file(path: Path, settings: Settings, file_format: str | None = None,
              mapping: dict[str, str] | None = None) -> tuple[str, ReadResult]:
    """Read `path` into canonical transactions. Raises RejectedFile with a specific reason."""
    if file_format is None:
        file_format = check_file(path, settings).file_format
    reader = READERS.get(file_format)
    if reader is None:
        raise RejectedFile(f"no reader for format {file_format!r} yet")
    if mapping is None:
        mapping = load_mapping(path)
    data = path.read_bytes()
    result = reader(path, data, mapping=mapping) if mapping else reader(path, data)
    frame = conform(result.frame)
    validate(frame)
    result.frame = frame
    return file_format, result


def validate(frame) -> None:
    if frame.empty:
        raise RejectedFile("the file contains no transactions")
    for column in ("posting_date", "amount", "account"):
        missing = int(frame[column].isna().sum())
        if missing:
            rows = frame.loc[frame[column].isna(), "row_number"].head(5).tolist()
            raise RejectedFile(f"{missing} transactions have no {column} (rows {rows})")
