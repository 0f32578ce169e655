"""What every reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd


@dataclass
class ReadResult:
    """A reader's output.

    frame: canonical transactions (see `anomaly_pipeline.canonical`), not yet conformed.
    expected_rows: how many transaction records the reader counted in the file itself, independently of
        parsing success (checked against the loaded count by an asset check).
    metadata: what the UI and the upload row should show (encoding, delimiter, mapping, company, ...).
    warnings: row-level problems that did not stop the load.
    """

    frame: pd.DataFrame
    expected_rows: int
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Reader(Protocol):
    def __call__(self, path: Path, data: bytes) -> ReadResult: ...
