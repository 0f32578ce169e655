"""An upload's first two steps without Dagster: keep the received file and register it; read and load it, or
reject it. The `raw_upload` and `transactions` assets call these and turn their outcomes into metadata.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from anomaly_pipeline import preload
from anomaly_pipeline.ingest.base import ReadResult
from anomaly_pipeline.ingest.detect_format import detect_format
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.files import archive, set_aside, sha256_file, upload_id_for
from anomaly_pipeline.ingest.read_file import check_file, load_mapping, read_file
from anomaly_pipeline.settings import Settings
from anomaly_pipeline.storage.warehouse import Warehouse

#: the detectors' and plots' libraries (`preload`, ~1 s of imports) start before the read of a smaller file: its
#: read and load are too short to hide them. A larger file's read would share the GIL with them (1M-line CSV:
#: read 1.35 s alone, 2.4 s beside the imports), and its load leaves seconds of waiting on PostgreSQL for them.
PRELOAD_BEFORE_READ_BYTES = 32 * 2**20


class NothingToReceive(Exception):
    """No file for the upload, or one whose content is another upload's: retrying cannot help."""


@dataclass(frozen=True)
class Received:
    stored: Path
    sha256: str
    file_name: str
    file_format: str | None  # None: not a format we read (the `transactions` step rejects it with the reason)
    size: int
    read_metadata: dict  # what the last read of this upload found (encoding, mapping), {} before the first


@dataclass(frozen=True)
class Loaded:
    file_format: str
    result: ReadResult
    count: int
    read_seconds: float
    seconds: float  # read + load (COPY, indexes, commit)
    stored_rows: int  # every row written (removed lines included), as the database reported the load


@dataclass(frozen=True)
class Rejected:
    reason: str
    moved_to: Path


def receive(wh: Warehouse, settings: Settings, key: str, source: Path | None, file_name: str | None,
            move: bool) -> Received:
    """Keep the file of upload `key` in the archive (with its mapping sidecar) and register it as received.
    Without `source` the file already kept for the upload is used. A rejected upload's file stays where it
    was set aside: the next read decides again."""
    existing = wh.get_upload(key)
    if source is None or not source.exists():
        if existing is None or not existing["stored_path"] or not Path(existing["stored_path"]).exists():
            raise NothingToReceive(f"no file known for upload {key}: drop it into UPLOAD_DIR or pass config.path")
        source = Path(existing["stored_path"])
    sha = sha256_file(source)
    if upload_id_for(sha) != key:
        raise NothingToReceive(f"{source.name}: content hash {sha[:16]} does not match partition {key}")
    file_name = file_name or (existing["file_name"] if existing else source.name)
    if existing and existing["status"] == "rejected":
        stored = source
    else:
        sidecar = source.with_name(source.name + ".mapping.yaml")
        stored = archive(source, settings.archive_dir, key, move=move)
        if sidecar.exists():
            archive_sidecar = stored.with_name(stored.name + ".mapping.yaml")
            sidecar.replace(archive_sidecar) if move else archive_sidecar.write_bytes(sidecar.read_bytes())
    with stored.open("rb") as fh:
        head = fh.read(65536)
    try:
        detected = detect_format(head, file_name)
    except RejectedFile:
        detected = None
    size = stored.stat().st_size
    wh.register_upload(upload_id=key, sha256=sha, file_name=file_name, size_bytes=size, file_format=detected,
                       status="received", stored_path=str(stored))
    return Received(stored, sha, file_name, detected, size, (existing or {}).get("read_metadata") or {})


def read_and_load(wh: Warehouse, settings: Settings, key: str, path: Path) -> Loaded | Rejected:
    """Read the registered file of upload `key` and replace the upload's transactions with it; or, when it
    cannot be read truthfully, move it to the rejected folder and record why (nothing is loaded)."""
    if path.is_file() and path.stat().st_size < PRELOAD_BEFORE_READ_BYTES:
        preload.start()
    started = time.perf_counter()
    try:
        file_format = check_file(path, settings).file_format
        file_format, result = read_file(path, settings, file_format, mapping=load_mapping(path))
    except RejectedFile as exc:
        moved = set_aside(path, settings.rejected_dir, key, exc.reason)
        wh.reject_upload(key, reason=exc.reason, stored_path=str(moved))
        return Rejected(exc.reason, moved)
    read_seconds = round(time.perf_counter() - started, 3)
    preload.start(len(result.frame))  # a large file's imports run while the database loads and indexes
    stored = wh.store_transactions(key, result.frame, {
        "file_format": file_format, "expected_rows": result.expected_rows, "warnings": result.warnings,
        "read_metadata": result.metadata, "entity": result.metadata.get("entity"),
    })
    return Loaded(file_format, result, stored.active, read_seconds, round(time.perf_counter() - started, 3),
                  stored.written)
