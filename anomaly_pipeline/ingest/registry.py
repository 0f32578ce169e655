"""Format name -> reader. Adding a format: one module in `readers/` and one entry here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from anomaly_pipeline.ingest.base import ReadResult
from anomaly_pipeline.ingest.readers.csv_reader import read_csv

READERS: dict[str, Callable[..., ReadResult]] = {
    "csv": read_csv,
}


def get_reader(file_format: str) -> Callable[[Path, bytes], ReadResult]:
    return READERS[file_format]
