"""Originals on disk: content hashes, safe names, the archive and the rejected folder. Nothing is deleted."""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from pathlib import Path

CHUNK = 1 << 20


def upload_id_for(sha256_hex: str) -> str:
    """An upload's id: the first 16 hex digits of its content's SHA-256 (also its Dagster partition key)."""
    return sha256_hex[:16]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def safe_name(name: str) -> str:
    """A file name that is safe on any filesystem and in any shell: no separators, no dot-dot, no
    metacharacters. The original name is kept in the database, never used as a path."""
    name = unicodedata.normalize("NFKC", Path(name).name)
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._") or "upload"
    return cleaned[:120]


def archive(path: Path, archive_dir: Path, upload_id: str, move: bool) -> Path:
    """Keep the original under archive/<upload_id>/<safe name>; move it out of the upload dir or copy it."""
    target_dir = archive_dir / upload_id
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / safe_name(path.name)
    if path.resolve() == target.resolve():
        return target
    if move:
        shutil.move(str(path), target)
    else:
        shutil.copy2(path, target)
    return target


def set_aside(path: Path, folder: Path, upload_id: str, reason: str) -> Path:
    """Move a file into `folder` as <upload_id>__<name>, with the reason beside it in a .reason.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{upload_id}__{safe_name(path.name)}"
    if path.exists() and path.resolve() != target.resolve():
        shutil.move(str(path), target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target
