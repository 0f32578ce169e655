"""Text columns as Arrow arrays, and a column's cells read as one run of UTF-8 bytes for whole-column tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(values: pd.Series) -> pa.LargeStringArray:
    """A column of text cells (or <NA>) as one Arrow array (one chunk); the type pandas' Arrow strings use."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def utf8_bytes(values: pa.LargeStringArray) -> np.ndarray:
    """The UTF-8 bytes of all cells of `values`, back to back (a view, not a copy)."""
    _, offsets, data = values.buffers()
    if data is None or not len(values):
        return np.zeros(0, dtype=np.uint8)
    start, end = np.frombuffer(offsets, dtype=np.int64)[[values.offset, values.offset + len(values)]]
    return np.frombuffer(data, dtype=np.uint8)[start:end]


def one_string(values: pa.LargeStringArray) -> pa.LargeStringArray:
    """A one-cell array of all cells of `values` back to back (no copy): one regex search instead of one per
    cell. A match may straddle two cells, so only "no match" speaks for every cell."""
    _, offsets, data = values.buffers()
    if data is None or not len(values):
        return pa.array([""], type=pa.large_string())
    start, end = np.frombuffer(offsets, dtype=np.int64)[[values.offset, values.offset + len(values)]]
    bounds = pa.py_buffer(np.array([0, end - start], dtype=np.int64))
    return pa.LargeStringArray.from_buffers(1, bounds, data.slice(int(start), int(end - start)))


def any_match(values: pa.Array, pattern: str, *, ignore_case: bool = False) -> bool:
    return bool(pc.any(pc.match_substring_regex(values, pattern, ignore_case=ignore_case)).as_py())


def mask(values: pa.Array) -> np.ndarray:
    """An Arrow boolean result as a writable numpy mask, null as False."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False).copy()
