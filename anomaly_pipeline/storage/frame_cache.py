"""A Parquet copy of each loaded upload's canonical frame, so detectors do not re-read the database.

Keyed by the upload's `load_token` (new on every load): a stale copy is never used. The warehouse stays the
source of truth; a missing or stale cache file only costs one database read, which refills it. With a run's
`RunMemory` the frame is also handed from step to step in memory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from anomaly_pipeline.storage.run_memory import RunMemory

_SAFE = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")


class FrameCache:
    def __init__(self, directory: Path, memory: RunMemory | None = None):
        self.directory = directory
        self.memory = memory

    def _path(self, upload_id: str, token: str) -> Path:
        if not (_SAFE.match(upload_id) and _SAFE.match(token)):
            raise ValueError("upload id and load token must be plain identifiers")
        return self.directory / f"{upload_id}.{token}.parquet"

    def get(self, upload_id: str, token: str) -> pd.DataFrame | None:
        if self.memory is not None and (frame := self.memory.frame(upload_id, token)) is not None:
            return frame
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
        if self.memory is not None:
            self.memory.forget_upload(upload_id)
        if self.directory.exists():
            for old in self.directory.glob(f"{upload_id}.*.parquet"):
                old.unlink(missing_ok=True)

    def _remember(self, upload_id: str, token: str, frame: pd.DataFrame) -> None:
        if self.memory is not None:
            self.memory.keep_frame(upload_id, token, frame)
