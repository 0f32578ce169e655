"""What the steps of one run share in one process, held by the run's warehouse resource.

A run that executes its steps in one process (the CLI, a launched run with the in-process executor) hands the
upload's canonical frame and the scores it has just stored from step to step without reading them back. The
object lives as long as the run's resources; nothing is kept between runs. Steps in separate processes each
start empty and read from the database and the Parquet frame cache instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class RunMemory:
    #: (upload_id, load_token) -> the canonical frame (one upload at a time)
    frames: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    #: (database url, upload_id, strategy) -> algorithm -> (its algorithm_runs marker, its stored rows)
    scores: dict[tuple[str, str, str], dict[str, tuple[tuple, pd.DataFrame]]] = field(default_factory=dict)

    def keep_frame(self, upload_id: str, token: str, frame: pd.DataFrame) -> None:
        self.frames.clear()
        self.frames[(upload_id, token)] = frame.copy()

    def frame(self, upload_id: str, token: str) -> pd.DataFrame | None:
        frame = self.frames.get((upload_id, token))
        return None if frame is None else frame.copy()

    def forget_upload(self, upload_id: str) -> None:
        for key in [k for k in self.frames if k[0] == upload_id]:
            del self.frames[key]
        for key in [k for k in self.scores if k[1] == upload_id]:
            del self.scores[key]

    def keep_scores(self, key: tuple[str, str, str], algorithm: str, marker: tuple, rows: pd.DataFrame) -> None:
        for other in [k for k in self.scores if k != key]:
            del self.scores[other]
        self.scores.setdefault(key, {})[algorithm] = (marker, rows)
