"""A multipart upload streamed to disk part by part, with the size limit enforced while reading.

Starlette's form parsing spools a whole file before a route sees it; this parser writes the `file` part to
a temporary file as its bytes arrive, hashes it on the way, and stops at MAX_FILE_SIZE (the partial file is
removed). Small text fields (`strategy`, the `mapping` sidecar) are kept in memory, bounded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

FIELD_LIMIT = 64 * 1024  # bytes of any non-file field (a mapping sidecar is a few lines)


class UploadTooLarge(Exception):
    pass


class BadUpload(Exception):
    pass


@dataclass
class ReceivedUpload:
    path: Path | None = None
    file_name: str = ""
    size: int = 0
    sha256: str = ""
    fields: dict[str, bytes] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive(stream: AsyncIterator[bytes], content_type: str, folder: Path, max_size: int) -> ReceivedUpload:
    """Parse a multipart/form-data body from `stream` into `folder`; the `file` part goes to disk."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload("expected a multipart/form-data body with a boundary")
    folder.mkdir(parents=True, exist_ok=True)
    upload = ReceivedUpload()
    digest = hashlib.sha256()
    state: dict = {"headers": {}, "field": b"", "name": None, "fh": None, "buffer": bytearray(),
                   "header_field": b"", "header_value": b"", "error": None}

    def on_part_begin() -> None:
        state.update(headers={}, name=None, buffer=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header_field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["header_value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header_field"].lower()] = state["header_value"]
        state["header_field"], state["header_value"] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        state["name"] = name
        if name == "file":
            if upload.path is not None:
                raise BadUpload("more than one file part")
            upload.file_name = disposition.get(b"filename", b"").decode("utf-8", "replace") or "upload"
            upload.path = folder / f"{uuid.uuid4().hex}.part"
            state["fh"] = upload.path.open("wb")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["name"] == "file":
            upload.size += len(chunk)
            if upload.size > max_size:
                raise UploadTooLarge(f"the file is larger than MAX_FILE_SIZE ({max_size} bytes)")
            digest.update(chunk)
            state["fh"].write(chunk)
        else:
            state["buffer"] += chunk
            if len(state["buffer"]) > FIELD_LIMIT:
                raise BadUpload(f"field {state['name']!r} is larger than {FIELD_LIMIT} bytes")

    def on_part_end() -> None:
        if state["name"] == "file":
            state["fh"].close()
            state["fh"] = None
        elif state["name"]:
            upload.fields[state["name"]] = bytes(state["buffer"])

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except (UploadTooLarge, BadUpload):
        _close(state)
        upload.discard()
        raise
    except Exception as exc:  # the multipart parser's own errors: a malformed body
        _close(state)
        upload.discard()
        raise BadUpload(f"malformed multipart body: {exc}") from None
    _close(state)
    if upload.path is None:
        raise BadUpload("no `file` part in the form")
    upload.sha256 = digest.hexdigest()
    return upload


def _close(state: dict) -> None:
    if state["fh"] is not None:
        state["fh"].close()
        state["fh"] = None
