"""Format name -> reader. Adding a format: one module in `readers/` and one entry here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from anomaly_pipeline.ingest.base import ReadResult
from anomaly_pipeline.ingest.readers.csv_reader import read_csv
from anomaly_pipeline.ingest.readers.excel_reader import read_xls, read_xlsx
from anomaly_pipeline.ingest.readers.json_reader import read_json
from anomaly_pipeline.ingest.readers.sie4_reader import read_sie4
from anomaly_pipeline.ingest.readers.xml_reader import read_xml

READERS: dict[str, Callable[..., ReadResult]] = {
    "csv": read_csv,
    "json": read_json,
    "xlsx": read_xlsx,
    "xls": read_xls,
    "sie4": read_sie4,
    "xml": read_xml,
}


def get_reader(file_format: str) -> Callable[[Path, bytes], ReadResult]:
    return READERS[file_format]
