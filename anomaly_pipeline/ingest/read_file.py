"""The one entry point from a file (on disk or as bytes) to a validated canonical frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from anomaly_pipeline.canonical import conform
from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.detect_format import detect_format
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.mapping_report import structured_report
from anomaly_pipeline.ingest.registry import get_format
from anomaly_pipeline.settings import Settings

_REPLACEMENT_UTF8 = "\ufffd".encode()


@dataclass
class FileCheck:
    file_format: str
    size: int


def missing_reason(path: Path) -> str | None:
    """Why `path` is not a file that can be read, or None when it is one."""
    if path.is_dir():
        return "is a directory, not a file"
    if not path.exists():
        return "no such file"
    if not path.is_file():
        return "is not a regular file (a device, pipe or socket)"
    return None


def check_file(path: Path, settings: Settings) -> FileCheck:
    """Size and type checks that run before any parsing."""
    reason = missing_reason(path)
    if reason:
        raise RejectedFile(f"{path.name} {reason}")
    size = path.stat().st_size
    _check_size(size, settings)
    with path.open("rb") as fh:
        head = fh.read(65536)
    # a ZIP's directory is at its end: an .xlsx is recognised from the whole file (size already bounded)
    whole = size <= 65536 or head.startswith(b"PK\x03\x04")
    return FileCheck(file_format=_allowed(detect_format(path.read_bytes() if whole else head, path.name), settings),
                     size=size)


def check_bytes(data: bytes, name: str, settings: Settings) -> FileCheck:
    """`check_file` for content received as bytes (an upload over HTTP)."""
    _check_size(len(data), settings)
    return FileCheck(file_format=_allowed(detect_format(data, name), settings), size=len(data))


def _check_size(size: int, settings: Settings) -> None:
    if size > settings.max_file_size:
        raise RejectedFile(f"the file is {size} bytes, over MAX_FILE_SIZE ({settings.max_file_size} bytes)")
    if size == 0:
        raise RejectedFile("the file is empty (0 bytes)")


def _allowed(file_format: str, settings: Settings) -> str:
    if file_format not in settings.allowed_file_types:
        raise RejectedFile(
            f"format {file_format!r} (detected from content) is not in ALLOWED_FILE_TYPES "
            f"({', '.join(settings.allowed_file_types)})"
        )
    return file_format


def load_mapping(path: Path) -> dict[str, str] | None:
    """A sidecar `<file>.mapping.yaml` ({canonical_field: source header}) overrides header detection."""
    sidecar = path.with_name(path.name + ".mapping.yaml")
    if not sidecar.is_file():
        return None
    try:
        mapping = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RejectedFile(f"{sidecar.name} is not readable YAML ({type(exc).__name__})") from None
    if not isinstance(mapping, dict):
        raise RejectedFile(f"{sidecar.name} must be a mapping of canonical field to column header")
    return {str(k): str(v) for k, v in mapping.items()}


def read_file(source: Path | bytes, settings: Settings, file_format: str | None = None,
              mapping: dict[str, str] | None = None, name: str | None = None) -> tuple[str, ReadResult]:
    """Read a file (a path, or its bytes and `name`) into canonical transactions.

    A path's sidecar mapping is loaded unless `mapping` is given. Raises RejectedFile with a specific reason.
    """
    if isinstance(source, bytes | bytearray):
        if file_format is None:
            file_format = check_bytes(bytes(source), name or "upload", settings).file_format
    else:
        source = Path(source)
        if file_format is None:
            file_format = check_file(source, settings).file_format
        if mapping is None:
            mapping = load_mapping(source)
    spec = get_format(file_format)
    if spec is None:
        raise RejectedFile(f"no reader for format {file_format!r} yet")
    src = Source.of(source, name)
    notices: list[str] = []
    if mapping and not spec.takes_mapping:
        notices.append(f"the column mapping ({', '.join(f'{k}: {v}' for k, v in mapping.items())}) is ignored: "
                       f"{spec.label} files name their fields themselves")
        mapping = None
    result = spec.read(src, settings, mapping)
    # a row booking an amount between two accounts is read as its two lines: one record, two transactions
    result.expected_rows += int(result.metadata.get("contra_lines", 0))
    damaged = src.data.count(_REPLACEMENT_UTF8)
    if damaged:
        notices.append(f"the text was damaged by a wrong encoding before upload: {damaged} characters are U+FFFD "
                       "replacement characters (letters such as å, ä, ö, é are lost in names and texts)")
    result.warnings[:0] = notices
    frame = conform(result.frame)
    validate(frame)
    result.frame = frame
    if "mapping_report" not in result.metadata:
        not_loaded = result.expected_rows - len(frame)
        result.metadata["mapping_report"] = structured_report(
            frame, spec.field_sources(result.metadata),
            skipped=[{"reason": "records not loaded (see the upload's warnings)", "rows": max(not_loaded, 0)}])
    return file_format, result


def validate(frame) -> None:
    if frame.empty:
        raise RejectedFile("the file contains no transactions")
    for column in ("posting_date", "amount", "account"):
        missing = int(frame[column].isna().sum())
        if missing:
            rows = frame.loc[frame[column].isna(), "row_number"].head(5).tolist()
            raise RejectedFile(f"{missing} transactions have no {column} (rows {rows})")
