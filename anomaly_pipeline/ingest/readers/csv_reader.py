"""Delimited text: delimiter sniffing, preamble rows before the header, quoted fields, any encoding."""

from __future__ import annotations

import csv
import io
import operator
import re
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_match import exact_field, fields_for, means_something
from anomaly_pipeline.ingest.header_row import HEADER_SCAN_ROWS, find_header_row
from anomaly_pipeline.ingest.normalize import tabular_to_canonical
from anomaly_pipeline.ingest.preamble import parse_preamble
from anomaly_pipeline.ingest.text import decode_text, utf8_start
from anomaly_pipeline.ingest.values import DATE_LIKE
from anomaly_pipeline.settings import Settings

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = HEADER_SCAN_ROWS


def read_csv(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    text, start, encoding = utf8_text(source.data)
    head = _first_lines(text, start, _SNIFF_LINES)
    delimiter = sniff_delimiter(head)
    header_index = find_header(head, delimiter)
    if not _is_data_row(head[header_index], delimiter) and _reads_as_prose(head[header_index:], delimiter):
        raise RejectedFile("not a table: no delimiter-separated header found (the first lines read as prose text)")
    preamble = parse_preamble(list(csv.reader(head[:header_index], delimiter=delimiter)))
    header_at = _line_start(text, start, header_index)
    header_line = head[header_index]
    headerless = _is_data_row(header_line, delimiter)
    if headerless:  # the first line is a record: columns are named by position, the cells decide their meaning
        width = max(len(row) for row in csv.reader([line for line in head[header_index:] if line.strip()],
                                                   delimiter=delimiter))
        header_line = delimiter.join(f"column {i}" for i in range(1, width + 1))
        text, header_at, header_index = header_line.encode() + b"\n" + text[header_at:], 0, header_index - 1
    table, bad_lines = parse_table(memoryview(text)[header_at:], header_line, delimiter)
    records = len(table) + len(bad_lines)
    lines = record_lines(text, _line_start(text, header_at, 1), records, header_index + 2)
    del text  # the file's text is not needed from here on
    table = _drop_empty_columns(table)
    table.columns = _unique([str(c).strip() for c in table.columns])  # ' Konto ' and 'Konto': Konto, Konto.1
    filled = (table != "").any(axis=1)
    if not filled.all():  # a copy of every column otherwise
        table = table[filled]
    expected = len(table) + len(bad_lines)
    if bad_lines and len(bad_lines) > expected / 2:
        raise RejectedFile(f"malformed CSV: {len(bad_lines)} of {expected} records have more fields than the "
                           f"header (first: {bad_lines[:3]})")
    row_numbers = pd.Series(lines[table.index] if lines is not None and not bad_lines
                            else table.index + header_index + 2, dtype="int64")
    frame, metadata, row_warnings = tabular_to_canonical(
        table, source_format="csv", row_numbers=row_numbers, override=mapping,
        default_account=preamble.get("account"), default_currency=preamble.get("currency"),
        default_entity=preamble.get("entity"), raw_cells=True,
    )
    # the header of every raw record (a JSON array of the cells): dict(zip(columns, cells)) is the record
    metadata.update(
        {"encoding": encoding, "delimiter": delimiter, "header_row": None if headerless else header_index + 1,
         "columns": list(table.columns)}
    )
    if bad_lines:
        row_warnings.insert(0, f"skipped {len(bad_lines)} records with more fields than the header "
                           f"(an unquoted delimiter?): {bad_lines[:3]}")
        metadata["skipped_rows"] = int(metadata.get("skipped_rows", 0)) + len(bad_lines)
    if preamble["preamble"]:
        metadata["preamble"] = preamble["preamble"]
        metadata["preamble_defaults"] = {k: v for k, v in preamble.items() if k != "preamble"}
    if preamble.get("entity"):
        metadata["entity"] = preamble["entity"]  # stored on the upload row
    return ReadResult(frame=frame, expected_rows=expected, metadata=metadata, warnings=row_warnings)


def utf8_text(data: bytes) -> tuple[bytes, int, str]:
    """(the file as UTF-8 with "\n" line ends, where its text starts, the encoding). A UTF-8 file is used as it
    is (bar CR line ends), without a decoded copy: a million lines as Python strings took hundreds of MB."""
    found = utf8_start(data)
    if found is None:
        decoded, encoding = decode_text(data)
        data, start = decoded.encode("utf-8"), 0
    else:
        start, encoding = found
    if data.find(b"\r", start) >= 0:
        data, start = data[start:].replace(b"\r\n", b"\n").replace(b"\r", b"\n"), 0
    return data, start, encoding


def _first_lines(text: bytes, start: int, count: int) -> list[str]:
    """The first `count` lines from `start` (all of them when there are fewer)."""
    end = start
    for _ in range(count):
        end = text.find(b"\n", end) + 1
        if not end:
            end = len(text)
            break
    return text[start:end].decode("utf-8").split("\n")[:count]


def _line_start(text: bytes, start: int | None, lines: int) -> int | None:
    """Where the line `lines` lines below the one at `start` begins; None past the last line."""
    for _ in range(lines):
        if start is None:
            return None
        start = text.find(b"\n", start) + 1 or None
    return start


# a line that starts with a visible ASCII character is not blank
_LINE_NOT_VISIBLY_STARTED = re.compile(rb"\n[^\x21-\x7e]")
_ascii_blank_stripped = operator.methodcaller("strip", b" \t\r")


def record_lines(text: bytes, start: int | None, records: int, first_line: int) -> np.ndarray | None:
    """1-based file line of each record when records and non-blank lines (from `start`, the line after the
    header) correspond one to one; None when quoted fields span lines (then the record's position after the
    header is reported instead)."""
    if start is None:
        return None
    if start < len(text) and 0x21 <= text[start] <= 0x7E and not _LINE_NOT_VISIBLY_STARTED.search(text, start):
        # no blank line: every line but an empty one after the last line end is a record's
        lines = text.count(b"\n", start) + (not text.endswith(b"\n"))
        return np.arange(records) + first_line if lines == records else None
    lines = text[start:].split(b"\n")
    # blank as the parsers skip it: ASCII spaces and tabs only (a line of no-break spaces is a record)
    filled = np.fromiter(map(bool, map(_ascii_blank_stripped, lines)), dtype=bool, count=len(lines))
    positions = np.flatnonzero(filled)
    if len(positions) != records:
        return None
    return positions + first_line


def parse_table(body: memoryview, header: str, delimiter: str) -> tuple[pd.DataFrame, list[list[str]]]:
    """All cells as text; `body` is UTF-8 from the header line (`header`) on. Arrow for well-formed files,
    else pandas' C parser; on a malformed record, a slower pass that sets aside the records with more fields
    than the header (reported and skipped, like other unreadable rows)."""
    fast = _parse_well_formed(body, header, delimiter)
    if fast is not None:
        return fast, []
    return _parse_malformed(bytes(body).decode("utf-8"), delimiter)


def _parse_malformed(body: str, delimiter: str) -> tuple[pd.DataFrame, list[list[str]]]:
    options = {"sep": delimiter, "dtype": str, "keep_default_na": False, "skip_blank_lines": True,
               "quotechar": '"', "index_col": False}
    try:
        if delimiter != "|":
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                table = pd.read_csv(io.StringIO(body), engine="c", on_bad_lines="error", **options)
            # records one field longer than the header (a trailing delimiter): pandas drops the extra field
            if not (caught and _extra_fields_filled(body, delimiter, table.shape[1])):
                return table, []
    except pd.errors.EmptyDataError as exc:
        raise RejectedFile("the file has no rows") from exc
    except (pd.errors.ParserError, csv.Error):
        pass
    # Fallback (malformed records only): the csv module, keeping records that fit the header's width.
    try:
        rows = [row for row in csv.reader(io.StringIO(body), delimiter=delimiter, quotechar='"') if row]
    except csv.Error as exc:
        raise RejectedFile(f"malformed CSV: {exc}") from exc
    if not rows:
        raise RejectedFile("the file has no rows")
    header, width = rows[0], len(rows[0])
    good, bad = [], []
    for row in rows[1:]:
        if len(row) <= width or not any(cell.strip() for cell in row[width:]):
            good.append((row + [""] * width)[:width])
        else:
            bad.append(row[:4])
    names = [name if name.strip() else f"Unnamed: {i}" for i, name in enumerate(header)]
    return pd.DataFrame(good, columns=_unique(names), dtype=object).astype("string").fillna(""), bad


def _parse_well_formed(body: memoryview, header: str, delimiter: str) -> pd.DataFrame | None:
    """Arrow's parser for files whose every record is exactly as wide as the header: several times faster
    than pandas' and without a Python string per cell; read straight from the file's bytes into the string
    type pandas keeps. None for anything else (a record of another width, a header spanning lines): the
    pandas / csv-module path then decides what to keep and report."""
    names = next(csv.reader([header], delimiter=delimiter, quotechar='"'), [])
    if not names:
        return None
    names = _unique([name if name else f"Unnamed: {i}" for i, name in enumerate(names)])  # as pandas names them
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):
        return None
    if table.num_rows == 0:
        return None  # pandas' path says why (no rows, header only)
    return table.to_pandas()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, -1) + 1
        out.append(name if seen[name] == 0 else f"{name}.{seen[name]}")
    return out


def _extra_fields_filled(body: str, delimiter: str, width: int) -> bool:
    rows = csv.reader(body.split("\n")[1:200], delimiter=delimiter)
    return any(len(row) > width and any(cell.strip() for cell in row[width:]) for row in rows)


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


_VALUE_CELL = re.compile(r"[-+]?[\d.,' ]*\d[\d.,' ]*-?")


def _is_data_row(line: str, delimiter: str) -> bool:
    """A first line that is a record, not a header: a date and a number, or mostly values and no cell that
    names a field (a header never holds a date)."""
    cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter), []) if cell.strip()]
    dates = sum(bool(DATE_LIKE.match(cell)) for cell in cells)
    values = dates + sum(bool(_VALUE_CELL.fullmatch(cell)) for cell in cells)
    if values < 2:
        return False
    return dates > 0 or (values >= len(cells) / 2 and not any(exact_field(c) or fields_for(c) for c in cells))


def _reads_as_prose(lines: list[str], delimiter: str) -> bool:
    """Text that splits on a delimiter only by accident ("Dear team, the audit, as discussed, ..."): no cell of
    the would-be header names anything a ledger has, and its cells are phrases or the lines vary in width."""
    rows = [row for row in csv.reader([line for line in lines if line.strip()], delimiter=delimiter)]
    cells = [cell.strip() for cell in rows[0] if cell.strip()] if rows else []
    if not cells or any(means_something(cell) or exact_field(cell) for cell in cells):
        return False
    words = sum(len(cell.split()) for cell in cells) / len(cells)
    same_width = sum(len(row) == len(rows[0]) for row in rows) / len(rows)
    return words >= 2.5 or same_width < 0.5


def _drop_empty_columns(table: pd.DataFrame) -> pd.DataFrame:
    unnamed = [c for c in table.columns if str(c).startswith("Unnamed:") and (table[c] == "").all()]
    return table.drop(columns=unnamed)
