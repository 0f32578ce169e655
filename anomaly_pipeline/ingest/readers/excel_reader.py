"""Excel workbooks: .xlsx (openpyxl, read-only, cached values) and legacy .xls (xlrd).

The sheet holding the transactions is the one whose header maps best; the header may sit below a
preamble. Native cells are kept: datetime cells stay datetimes and numbers stay floats (never formatted
into locale text and re-parsed). Before openpyxl touches an .xlsx, the sizes declared in the ZIP
directory are checked, so a ZIP bomb is rejected without decompressing anything.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from io import BytesIO

import pandas as pd

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.column_mapping import map_columns
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_row import HEADER_SCAN_ROWS, find_header_row
from anomaly_pipeline.ingest.normalize import tabular_to_canonical
from anomaly_pipeline.ingest.preamble import parse_preamble
from anomaly_pipeline.settings import Settings

# Sheet XML expands ~5-20x over its compressed size; allow 10x MAX_FILE_SIZE in total and at most
# 200:1 per large member. A ZIP bomb expands thousands of times.
XML_EXPANSION_LIMIT = 10
MAX_COMPRESSION_RATIO = 200
_RATIO_CHECK_FROM = 1 << 20  # bytes: tiny members compress absurdly well without harm


def read_xlsx(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    data = source.data
    check_zip_expansion(data, settings.max_file_size)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise RejectedFile(f"the .xlsx workbook cannot be opened ({type(exc).__name__}: {exc})") from exc
    try:
        sheets = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RejectedFile(f"a worksheet of the .xlsx workbook is corrupt ({type(exc).__name__}: {exc})") from exc
    finally:
        workbook.close()
    return _read_sheets(sheets, "xlsx", mapping)


def read_xls(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    data = source.data
    import xlrd
    from xlrd.compdoc import CompDocError

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except (xlrd.XLRDError, CompDocError, AssertionError, IndexError, ValueError, struct.error) as exc:
        raise RejectedFile(f"the .xls workbook cannot be read ({exc})") from exc
    try:
        sheets = {name: _xls_rows(book, book.sheet_by_name(name)) for name in book.sheet_names()}
    except (xlrd.XLRDError, CompDocError, AssertionError, IndexError, ValueError, struct.error) as exc:
        raise RejectedFile(f"a worksheet of the .xls workbook is corrupt ({exc})") from exc
    finally:
        book.release_resources()
    return _read_sheets(sheets, "xls", mapping)


def check_zip_expansion(data: bytes, max_file_size: int) -> None:
    """Reject an .xlsx whose declared uncompressed sizes exceed a limit derived from MAX_FILE_SIZE."""
    try:
        infos = zipfile.ZipFile(BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise RejectedFile("the file is a corrupt ZIP archive (not a readable .xlsx workbook)") from exc
    limit = XML_EXPANSION_LIMIT * max_file_size
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise RejectedFile(
            f"the workbook would expand to {total} bytes uncompressed, over the limit of {limit} bytes "
            f"({XML_EXPANSION_LIMIT} x MAX_FILE_SIZE): refused as a possible ZIP bomb"
        )
    for info in infos:
        if info.file_size >= _RATIO_CHECK_FROM and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise RejectedFile(
                f"workbook part {info.filename} expands {info.file_size // max(info.compress_size, 1)}x "
                f"({info.compress_size} -> {info.file_size} bytes uncompressed): refused as a possible ZIP bomb"
            )


def _xls_rows(book, sheet) -> list[list]:
    import xlrd

    rows = []
    for r in range(sheet.nrows):
        cells = []
        for value, ctype in zip(sheet.row_values(r), sheet.row_types(r), strict=True):
            if ctype == xlrd.XL_CELL_DATE:
                cells.append(xlrd.xldate.xldate_as_datetime(value, book.datemode))
            elif ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                cells.append(None)
            else:
                cells.append(value)
        rows.append(cells)
    return rows


def _read_sheets(sheets: dict[str, list[list]], source_format: str, mapping: dict[str, str] | None) -> ReadResult:
    if not sheets:
        raise RejectedFile("the workbook has no worksheets")
    scored = [_score_sheet(name, rows, mapping) for name, rows in sheets.items()]
    best = max(scored, key=lambda s: (s["score"], s["rows"]))
    if best["score"] <= 0:
        detail = "; ".join(f"{s['name']!r}: {s['why']}" for s in scored)
        raise RejectedFile(f"no worksheet holds a table with a date and an amount column ({detail})")
    rows, header_index = sheets[best["name"]], best["header_index"]
    # one table split over several sheets (a sheet per month): every sheet with the same header is read
    signature = _header_signature(rows[header_index])
    used = [s for s in scored if s["score"] > 0
            and _header_signature(sheets[s["name"]][s["header_index"]]) == signature]
    parts, numbers = [], []
    for info in used:
        part = _table(sheets[info["name"]], info["header_index"])
        numbers.append(pd.Series(part.index + info["header_index"] + 2, dtype="int64"))  # spreadsheet rows
        if len(used) > 1:
            part.insert(0, "_sheet", info["name"])
        parts.append(part)
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    row_numbers = pd.concat(numbers, ignore_index=True)
    preamble = parse_preamble([[_text(c) for c in row] for row in rows[:header_index]])
    frame, metadata, warnings = tabular_to_canonical(
        table, source_format=source_format, row_numbers=row_numbers, override=mapping,
        default_account=preamble.get("account"), default_currency=preamble.get("currency"),
        default_entity=preamble.get("entity"),
    )
    metadata.update({
        "sheet": best["name"],
        "sheets_read": [info["name"] for info in used],
        "sheets": {s["name"]: s["score"] for s in scored},
        "header_row": header_index + 1,
        "columns": [str(c) for c in table.columns],
    })
    if preamble["preamble"]:
        metadata["preamble"] = preamble["preamble"]
    if preamble.get("entity"):
        metadata["entity"] = preamble["entity"]  # stored on the upload row
    return ReadResult(frame=frame, expected_rows=len(table), metadata=metadata, warnings=warnings)


def _header_signature(row: list) -> tuple[str, ...]:
    cells = [_text(c) for c in row]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def _score_sheet(name: str, rows: list[list], mapping: dict[str, str] | None) -> dict:
    """How well a sheet's header maps: mapped fields, or 0 when there is no date or no amount."""
    info = {"name": name, "score": 0, "rows": 0, "header_index": 0, "why": "empty"}
    if not any(any(c is not None and str(c).strip() for c in row) for row in rows[:HEADER_SCAN_ROWS]):
        return info
    header_index = find_header_row([[_text(c) for c in row] for row in rows[:HEADER_SCAN_ROWS]])
    table = _table(rows[: header_index + 1 + 200], header_index)
    info.update(header_index=header_index, rows=len(rows) - header_index - 1)
    if table.empty:
        info["why"] = "no data rows"
        return info
    try:
        cols = map_columns(table, mapping).columns
    except RejectedFile as exc:
        info["why"] = exc.reason
        return info
    if not ({"posting_date", "value_date"} & cols.keys()) or not ({"amount", "debit", "credit"} & cols.keys()):
        info["why"] = f"no date and amount columns in header row {header_index + 1}"
        return info
    info["score"] = len(cols)
    return info


def _table(rows: list[list], header_index: int) -> pd.DataFrame:
    """Rows below the header as a frame: all-datetime and all-number columns stay native, others become text."""
    header = rows[header_index] if rows else []
    body = rows[header_index + 1:]
    width = max([len(header)] + [len(r) for r in body[:1000]]) if rows else 0
    names, seen = [], set()
    for i in range(width):
        label = _text(header[i]) if i < len(header) else ""
        label = label or f"Unnamed: {i}"
        while label in seen:
            label += "_"
        seen.add(label)
        names.append(label)
    table = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in body], columns=names, dtype=object)
    table = table.apply(_blank_to_none)
    table = table.loc[:, [c for c in table.columns if not (c.startswith("Unnamed: ") and table[c].isna().all())]]
    table = table[table.notna().any(axis=1)]
    return table.apply(_native_or_text)


def _blank_to_none(column: pd.Series) -> pd.Series:
    is_text = column.map(type).eq(str)
    if not is_text.any():
        return column
    blank = pd.Series(False, index=column.index)
    blank[is_text] = column[is_text].astype("string").str.strip().eq("").to_numpy(dtype=bool)
    return column.where(~blank, None)


def _native_or_text(column: pd.Series) -> pd.Series:
    """All-datetime -> datetime64, all-number -> float64 (bools excluded), anything else -> text."""
    kinds = column.map(type)
    present = column.notna()
    if not present.any():
        return column.map(_text).astype("string")
    is_date = kinds.isin((dt.datetime, dt.date, pd.Timestamp))
    if is_date[present].all():
        return pd.to_datetime(column.where(is_date), errors="coerce")
    is_number = kinds.isin((int, float))
    if is_number[present].all():
        return pd.to_numeric(column.where(is_number), errors="coerce").astype("float64")
    is_text = kinds.eq(str)
    if (is_number | is_date)[present].any() and (is_text | is_number | is_date)[present].all():
        return column  # numbers / dates mixed with text cells: normalize parses each kind on its own
    return column.map(_text).astype("string")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour or value.minute or value.second) \
            else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
