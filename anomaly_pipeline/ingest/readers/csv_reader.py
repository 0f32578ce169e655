"""Delimited text: delimiter sniffing, preamble rows before the header, quoted fields, any encoding."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pandas as pd

from anomaly_pipeline.ingest.base import ReadResult
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_row import HEADER_SCAN_ROWS, find_header_row
from anomaly_pipeline.ingest.normalize import tabular_to_canonical
from anomaly_pipeline.ingest.preamble import parse_preamble
from anomaly_pipeline.ingest.text import decode_text

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = HEADER_SCAN_ROWS


def read_csv(path: Path, data: bytes, mapping: dict[str, str] | None = None) -> ReadResult:
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    delimiter = sniff_delimiter(lines[:_SNIFF_LINES])
    header_index = find_header(lines[:_SNIFF_LINES], delimiter)
    preamble = parse_preamble(list(csv.reader(lines[:header_index], delimiter=delimiter)))
    body = "\n".join(lines[header_index:])
    try:
        table = pd.read_csv(
            io.StringIO(body), sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=True,
            engine="python" if delimiter == "|" else "c", quotechar='"', on_bad_lines="error",
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise RejectedFile(f"malformed CSV: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise RejectedFile("the file has no rows") from exc
    table = _drop_empty_columns(table)
    table.columns = [str(c).strip() for c in table.columns]
    table = table[(table != "").any(axis=1)]
    expected = len(table)
    # physical line of each record: header line + 1 + position (exact for files without embedded newlines)
    row_numbers = pd.Series(table.index + header_index + 2, dtype="int64")
    frame, metadata, warnings = tabular_to_canonical(
        table, source_format="csv", row_numbers=row_numbers, override=mapping,
        default_account=preamble.get("account"), default_currency=preamble.get("currency"),
        default_entity=preamble.get("entity"),
    )
    metadata.update(
        {"encoding": encoding, "delimiter": delimiter, "header_row": header_index + 1, "columns": list(table.columns)}
    )
    if preamble["preamble"]:
        metadata["preamble"] = preamble["preamble"]
        metadata["preamble_defaults"] = {k: v for k, v in preamble.items() if k != "preamble"}
    return ReadResult(frame=frame, expected_rows=expected, metadata=metadata, warnings=warnings)


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (> 1) of fields."""
    best, best_score = ",", -1.0
    sample = [line for line in lines if line.strip()]
    if not sample:
        raise RejectedFile("the file is empty")
    for delim in DELIMITERS:
        counts = [len(row) for row in csv.reader(sample, delimiter=delim)]
        common, freq = Counter(counts).most_common(1)[0]
        if common <= 1:
            continue
        score = freq * min(common, 40) ** 0.5
        if score > best_score:
            best, best_score = delim, score
    if best_score < 0:
        raise RejectedFile("no delimiter found: the file is not a table of , ; tab or | separated values")
    return best


def find_header(lines: list[str], delimiter: str) -> int:
    """Index of the header line (lines above it are a preamble)."""
    return find_header_row(list(csv.reader(lines, delimiter=delimiter)))


def _drop_empty_columns(table: pd.DataFrame) -> pd.DataFrame:
    unnamed = [c for c in table.columns if str(c).startswith("Unnamed:") and (table[c] == "").all()]
    return table.drop(columns=unnamed)
