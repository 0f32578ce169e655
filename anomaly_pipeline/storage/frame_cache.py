"""A Parquet copy of each loaded upload's canonical frame, so detectors do not re-read the database.

Keyed by the upload's `load_token` (new on every load): a stale copy is never used. The warehouse stays the
source of truth; a missing or stale cache file only costs one database read, which refills it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_SAFE = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")
_memory: dict[tuple[str, str], pd.DataFrame] = {}


class FrameCache:
    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, upload_id: str, token: str) -> Path:
        if not (_SAFE.match(upload_id) and _SAFE.match(token)):
            raise ValueError("upload id and load token must be plain identifiers")
        return self.directory / f"{upload_id}.{token}.parquet"

    def get(self, upload_id: str, token: str) -> pd.DataFrame | None:
        frame = _memory.get((upload_id, token))
        if frame is not None:
            return frame.copy()
        path = self._path(upload_id, token)
        if not path.exists():
            return None
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError):
            return None
        self._remember(upload_id, token, frame)
        return frame.copy()

    def put(self, upload_id: str, token: str, frame: pd.DataFrame) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.drop(upload_id)
        path = self._path(upload_id, token)
        tmp = path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)  # atomic: readers never see half a file
        self._remember(upload_id, token, frame)

    def drop(self, upload_id: str) -> None:
        for key in [k for k in _memory if k[0] == upload_id]:
            del _memory[key]
        if self.directory.exists():
            for old in self.directory.glob(f"{upload_id}.*.parquet"):
                old.unlink(missing_ok=True)

    @staticmethod
    def _remember(upload_id: str, token: str, frame: pd.DataFrame) -> None:
        # one frame in memory: in-process runs (CLI) hand it from asset to asset without I/O
        _memory.clear()
        _memory[(upload_id, token)] = frame.copy()
