"""Text columns as Arrow arrays without copies, and whole-column tests over a column's UTF-8 bytes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """A column of text cells (or <NA>) as Arrow large strings: pandas' own chunks when it holds them so."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def utf8_bytes(values: pa.LargeStringArray) -> np.ndarray:
    """The UTF-8 bytes of all cells of `values`, back to back (a view, not a copy)."""
    _, offsets, data = values.buffers()
    if data is None or not len(values):
        return np.zeros(0, dtype=np.uint8)
    start, end = np.frombuffer(offsets, dtype=np.int64)[[values.offset, values.offset + len(values)]]
    return np.frombuffer(data, dtype=np.uint8)[start:end]


def any_match(values: pa.ChunkedArray, pattern: str, *, ignore_case: bool = False) -> bool:
    """Whether `pattern` matches in the cells read back to back: one search per chunk instead of one per cell.
    A match may straddle two cells, so only False speaks for every cell."""
    return any(pc.any(pc.match_substring_regex(_one_string(chunk), pattern, ignore_case=ignore_case)).as_py()
               for chunk in values.chunks)


def _one_string(values: pa.LargeStringArray) -> pa.LargeStringArray:
    """A one-cell array of all cells of `values` back to back, on the same buffer."""
    return one_cell(utf8_bytes(values))


def one_cell(data) -> pa.LargeStringArray:
    """A one-cell string array over `data` (bytes-like, taken as UTF-8 unchecked), without a copy."""
    return pa.LargeStringArray.from_buffers(1, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)),
                                            pa.py_buffer(data))


def mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An Arrow boolean result as a writable numpy mask, null as False."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False).copy()
