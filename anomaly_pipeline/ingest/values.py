"""Column-wise parsing of cell values: dates, money amounts and text.

The date format and the decimal separator are decided from the whole column, never guessed per row.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d", "%Y/%m/%d",
    "%Y.%m.%d.", "%Y.%m.%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y",
    "%d-%m-%Y", "%m-%d-%Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d, %Y", "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f", "%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%d %b %y", "%d.%m.%y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "ISO8601",  # last: only wins when it reads more values, e.g. a column mixing seconds and fractions
)

DATE_LIKE = re.compile(r"^\s*(\d{1,4}[-./ ]\d{1,2}[-./ ]\d{1,4}\.?|\d{8}|\d{1,2}[- ][A-Za-z]{3}[- ]\d{2,4}|[A-Za-z]{3} \d{1,2}, \d{4})")
_NUMBER_CHARS = re.compile(r"[^\d,.\-+()]")



def parse_dates(values: pd.Series, date_format: str | None = None) -> tuple[pd.Series, str | None]:
    """Parse a column of dates with the one format that fits the most values.

    Native datetimes are kept; numeric columns are Unix seconds / milliseconds or Excel serial days when
    their range says so; text is tried against DATE_FORMATS (an ISO time's UTC offset is dropped: the local
    time as written is the posting time).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        return _plausible(values), "native"
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return _numeric_dates(values.astype("float64"))
    native = _native_mask(values, (dt.date,))
    if native.any():  # spreadsheet column mixing date cells and dates typed as text
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        parsed[native] = pd.to_datetime(values[native]).astype("datetime64[ns]")
        fmt = "native"
        if (~native).any():
            rest, fmt = parse_dates(values[~native].astype("string"), date_format)
            parsed[~native] = rest
        return _plausible(parsed), fmt or "native"
    # cleaned and parsed once per distinct value: a million dates repeat a few thousand
    codes, distinct = pd.factorize(values.astype("string"), use_na_sentinel=False)
    text = _date_text(pd.Series(distinct))
    present = np.flatnonzero(text.notna().to_numpy()[codes])  # rows with a date text
    if not len(present):
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None
    candidates = (date_format,) if date_format else DATE_FORMATS
    best_fmt, best_count, best = None, -1, None
    rows = present[:: max(1, len(present) // 5000)]  # evenly spaced: keeps the file's order
    sample = pd.Series(text.array.take(codes[rows]), index=values.index[rows])
    for fmt in candidates:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        count = int(parsed.notna().sum())
        if count > best_count:
            best_fmt, best_count, best = fmt, count, parsed
    if best_count <= 0:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None
    best_fmt = _disambiguate_day_month(sample, best_fmt, best)
    parsed = _plausible(pd.to_datetime(text, format=best_fmt, errors="coerce"))
    return pd.Series(parsed.array.take(codes), index=values.index, name=values.name), best_fmt


def _date_text(values: pd.Series) -> pd.Series:
    """Date cells stripped, blank as <NA>, an ISO time's UTC offset dropped."""
    text = values.str.strip().replace("", pd.NA)
    text = text.str.replace(_COMMA_BEFORE_TIME, " ", regex=True)  # "29.12.24, 13:56"
    # both regexes run in Python per value (pandas' Arrow path lacks Python's \s): only where a time's colon is
    timed = text[text.str.contains(":", regex=False, na=False)]
    offset = timed.index[timed.str.contains(_OFFSET_END, regex=True, na=False).to_numpy(dtype=bool)]
    if len(offset):
        text[offset] = text[offset].str.replace(_ISO_OFFSET, r"\1", regex=True)
    return text


_COMMA_BEFORE_TIME = r"(?<=\d),\s*(?=\d{1,2}:\d{2})"
_OFFSET_END = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})$"  # a time, then an offset
_ISO_OFFSET = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|[+-]\d{2}:?\d{2})$"
# numeric date encodings by value range: (low, high, unit, origin)
_NUMERIC_DATES = ((1e12, 4.2e12, "ms", "unix"), (1e9, 4.2e9, "s", "unix"), (2e4, 8e4, "D", "1899-12-30"))


def _numeric_dates(values: pd.Series) -> tuple[pd.Series, str | None]:
    present = values.dropna()
    for low, high, unit, origin in _NUMERIC_DATES:
        if len(present) and present.between(low, high).all():
            parsed = pd.to_datetime(values, unit=unit, origin=origin, errors="coerce")
            name = "excel serial days" if origin != "unix" else f"unix {unit}"
            return _plausible(parsed), name
    return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None


def _plausible(parsed: pd.Series) -> pd.Series:
    """Dates outside 1900-2099 are placeholders or typos, never real postings: treat them as unparsable."""
    year = parsed.dt.year
    return parsed.where((year >= 1900) & (year <= 2099)).astype("datetime64[ns]")


_DAY_MONTH_SWAPS = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y", "%d/%m/%y": "%m/%d/%y", "%m/%d/%y": "%d/%m/%y",
                    "%d-%m-%Y": "%m-%d-%Y", "%m-%d-%Y": "%d-%m-%Y", "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M",
                    "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S": "%m/%d/%Y %H:%M:%S",
                    "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S", "%d-%m-%Y %H:%M": "%m-%d-%Y %H:%M",
                    "%m-%d-%Y %H:%M": "%d-%m-%Y %H:%M"}


def _disambiguate_day_month(sample: pd.Series, fmt: str, parsed: pd.Series) -> str:
    """Day-first and month-first read the same values when every day is <= 12: decide from the data.

    The order that parses more values wins (a 13..31 in the first field proves day-first). When both parse
    everything, the order under which the rows run in date order (exports are sorted) and span fewer days wins;
    a full tie keeps day-first, the more common order outside the US.
    """
    other = _DAY_MONTH_SWAPS.get(fmt)
    if other is None:
        return fmt
    alt = pd.to_datetime(sample, format=other, errors="coerce")
    if alt.notna().sum() != parsed.notna().sum():
        return other if alt.notna().sum() > parsed.notna().sum() else fmt
    score_fmt, score_alt = _orderliness(parsed), _orderliness(alt)
    if score_fmt != score_alt:
        return fmt if score_fmt > score_alt else other
    return fmt if fmt.startswith("%d") else other


def _orderliness(parsed: pd.Series) -> tuple[float, float]:
    """(share of consecutive steps in the dominant direction, minus the span in days): higher is likelier."""
    dates = parsed.dropna()
    if len(dates) < 2:
        return (0.0, 0.0)
    steps = dates.diff().dropna().dt.days
    monotone = max(float((steps >= 0).mean()), float((steps <= 0).mean()))
    return (round(monotone, 6), -float((dates.max() - dates.min()).days))


def parse_amounts(values: pd.Series, decimal: str | None = None) -> tuple[pd.Series, str | None]:
    """Parse money strings: currency symbols, thousands separators, decimal comma, (x) and trailing minus."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), "native"
    native = _native_mask(values, (int, float))
    if native.any():  # spreadsheet column mixing number cells and numbers typed as text
        number = pd.Series(np.nan, index=values.index, dtype="float64")
        number[native] = values[native].astype("float64")
        if (~native).any():
            parsed, decimal = parse_amounts(values[~native].astype("string"), decimal)
            number[~native] = parsed
        return number, decimal or "native"
    text = values.astype("string").str.strip()
    plain = _plain_numbers(text)
    if plain is not None:
        return plain, "."
    text = text.str.replace("\u2212", "-", regex=False).str.replace("\u00a0", "", regex=False)
    negative_paren = text.str.match(r"^\(.*\)$", na=False)
    trailing_minus = text.str.match(r"^[^-]*\d-$", na=False)
    cleaned = text.str.replace("'", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(_NUMBER_CHARS, "", regex=True).str.replace(r"[()]", "", regex=True)
    cleaned = cleaned.str.replace(r"-$", "", regex=True)
    if decimal is None:
        decimal = _decide_decimal(cleaned.dropna())
    if decimal == ",":
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(",", "", regex=False)
    cleaned = cleaned.str.replace(r"^\+", "", regex=True)
    number = pd.to_numeric(cleaned.replace("", pd.NA), errors="coerce").astype("float64")
    sign = np.where(negative_paren.to_numpy() | trailing_minus.to_numpy(), -1.0, 1.0)
    return number * sign, decimal


def _plain_numbers(text: pd.Series) -> pd.Series | None:
    """The common case, every value a plain number ("-1234.50", "+7", blanks): parsed in one vectorised cast
    instead of the cleaning passes. None when any value needs them (separators, symbols, signs in brackets)."""
    values = pa.array(text.replace("", pd.NA), type=pa.string(), from_pandas=True)
    if pc.any(pc.match_substring_regex(values, r"[^0-9.+\-eE]")).as_py():
        return None  # "e" stays: 1e5 is a number; "nan" / "inf" are not plain numbers
    try:
        number = pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(number.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def _decide_decimal(values: pd.Series) -> str:
    values = values[values.str.len() > 0]
    if values.empty:
        return "."
    last_comma = values.str.rfind(",")
    last_dot = values.str.rfind(".")
    both = (last_comma >= 0) & (last_dot >= 0)
    if both.any():
        return "," if (last_comma[both] > last_dot[both]).mean() > 0.5 else "."
    has_comma = last_comma >= 0
    if not has_comma.any():
        return "."
    # Only commas: "1,234" everywhere is a thousands separator; "12,5" or "12,50" is a decimal comma.
    thousands = values[has_comma].str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+")
    return "." if thousands.all() else ","



def as_text(column: pd.Series) -> pd.Series:
    """Cells as trimmed text; numeric cells (spreadsheets, JSON) without a spurious '.0' on whole numbers."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = column.astype("float64")
        whole = numbers.notna() & (numbers == numbers.round())
        text = numbers.astype("string")
        text[whole] = numbers[whole].astype("int64").astype("string")
        return text
    native = _native_mask(column, (int, float))
    if native.any():
        text = column.astype("string").str.strip().replace("", pd.NA)
        text[native] = as_text(column[native].astype("float64"))
        return text
    return column.astype("string").str.strip().replace("", pd.NA)


def _native_mask(values: pd.Series, kinds: tuple[type, ...]) -> pd.Series:
    """Cells of an object column holding native `kinds` (bools are not numbers)."""
    if values.dtype != object:
        return pd.Series(False, index=values.index)
    return values.map(lambda v: isinstance(v, kinds) and not isinstance(v, bool)).astype(bool)

