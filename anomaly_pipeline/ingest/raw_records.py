"""Each source record kept as JSON beside its transaction (the audit trail's `raw`).

Delimited text is encoded by Arrow string kernels (a million records in well under a second); the result
equals the standard library's `json.dumps` (tested against it).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from anomaly_pipeline.ingest.arrow_text import arrow_text, utf8_bytes


def raw_json(table: pd.DataFrame) -> list[str] | pd.Series:
    """Each source record as a JSON object of its cells (kept with the transaction for the audit trail)."""
    if table.empty:
        return []
    if all(pd.api.types.is_string_dtype(table[c]) and table[c].dtype != object for c in table.columns):
        return raw_json_text(table, keyed=True)
    return _raw_json_pandas(table)


def _raw_json_pandas(table: pd.DataFrame) -> list[str]:
    # pandas' C serialiser; JSON escapes newlines inside values, so one record per "\n"
    text = table.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return text.rstrip("\n").split("\n")


# (character, its JSON escape), backslash first; the other control characters are written \u00XX
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                 ("\b", "\\b"), ("\f", "\\f"))
_SHORT_ESCAPED = frozenset(ord(char) for char, _ in _JSON_ESCAPES)


def raw_json_text(table: pd.DataFrame, *, keyed: bool) -> pd.Series:
    """Each record of a table of text cells as JSON, built with Arrow string kernels: an object keyed by header,
    or (`keyed` False) an array of the cells in column order, written as `json.dumps(cells, ensure_ascii=False,
    separators=(",", ":"))` would. Objects are the general path's JSON except that "/" is not escaped."""
    columns = []
    for i in range(table.shape[1]):
        values = arrow_text(table.iloc[:, i])
        special = _json_special_chars(values)
        if keyed and special - _SHORT_ESCAPED:  # objects keep the general path's escapes of control characters
            return pd.Series(_raw_json_pandas(table), index=table.index, dtype="string")
        columns.append(_json_escaped(values, special))
    joined = _json_objects(columns, list(table.columns)) if keyed else _json_arrays(columns)
    return pd.Series(pd.array(joined, dtype=pd.StringDtype("pyarrow")), index=table.index)


def _json_objects(columns: list[pa.ChunkedArray], names: list) -> pa.ChunkedArray:
    """Row-wise JSON objects of escaped text columns, in one element-wise join of values and literals."""
    pieces: list = []
    text = "{"  # literal JSON between two columns' values
    for i, (name, values) in enumerate(zip(names, columns, strict=True)):
        text += ("," if i else "") + json.dumps(str(name), ensure_ascii=False) + ":"
        if values.null_count:  # quoted per value, null as null
            pieces += [_large(text), _quoted(values)]
            text = ""
        else:  # the quotes go into the literals around the values
            pieces += [_large(text + '"'), values]
            text = '"'
    return pc.binary_join_element_wise(*pieces, _large(text + "}"), _large(""))


_BLOCK_ROWS = 1 << 16  # rows per block of raw records: temporaries of a few MB, not hundreds


def _json_arrays(columns: list[pa.ChunkedArray]) -> pa.ChunkedArray:
    """Row-wise JSON arrays of escaped text columns, a block of rows at a time: the block's cells taken row by
    row into lists and each list joined (twice as fast as an element-wise join of as many columns)."""
    if any(values.null_count for values in columns):  # quoted per value, null as null
        columns = [_quoted(values) for values in columns]
        opening, separator, closing = "[", ",", "]"
    else:
        opening, separator, closing = '["', '","', '"]'
    blocks, total, width = [], len(columns[0]), len(columns)
    for start in range(0, total, _BLOCK_ROWS):
        cells = [chunk for values in columns for chunk in values.slice(start, _BLOCK_ROWS).chunks]
        rows = min(_BLOCK_ROWS, total - start)
        row_major = (np.arange(rows)[:, None] + np.arange(width) * rows).ravel()  # cell (row, col) of col-major
        lists = pa.LargeListArray.from_arrays(pa.array(np.arange(0, rows * width + 1, width)),
                                              pa.concat_arrays(cells).take(pa.array(row_major)))
        joined = pc.binary_join(lists, _large(separator))
        blocks.append(pc.binary_join_element_wise(_large(opening), joined, _large(closing), _large("")))
    return pa.chunked_array(blocks, type=pa.large_string())


def _quoted(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Escaped text values as JSON strings, null as null."""
    return pc.fill_null(pc.binary_join_element_wise(_large('"'), values, _large('"'), _large("")), _large("null"))


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())  # Arrow's string kernels take one string type throughout


def _json_special_chars(values: pa.ChunkedArray) -> set[int]:
    """The characters of `values` a JSON string must escape (control characters, quote, backslash), read off
    the UTF-8 bytes: those are ASCII, and no byte of a multi-byte character is below 0x80."""
    found: set[int] = set()
    for chunk in values.chunks:
        raw = utf8_bytes(chunk)
        found.update(np.unique(raw[(raw < 0x20) | (raw == 0x22) | (raw == 0x5C)]).tolist())
    return found


def _json_escaped(values: pa.ChunkedArray, special: set[int]) -> pa.ChunkedArray:
    """`values` as the text between the quotes of JSON strings; `special` from `_json_special_chars`."""
    for char, escape in _JSON_ESCAPES:
        if ord(char) in special:
            values = pc.replace_substring(values, char, escape)
    for code in sorted(special - _SHORT_ESCAPED):
        values = pc.replace_substring(values, chr(code), f"\\u{code:04x}")
    return values
