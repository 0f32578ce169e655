"""The contract every detection algorithm follows.

Idioms follow scikit-learn / PyOD: an algorithm may learn from a reference population (by default the
upload itself; earlier uploads of the same entity where the caller passes them) and scores the rows it is
given; a higher score means more anomalous, normalized to [0, 1]. Where it fires, it says why, with the
numbers behind it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

from anomaly_pipeline.detect.sources import single_entry_reason

if TYPE_CHECKING:
    from anomaly_pipeline.detect.shared import SharedWork

AlgorithmType = Literal["statistical", "rule", "ml"]
#: how a skip reason starts when the test does not apply to this kind of source (not a data gap)
NOT_APPLICABLE = "not applicable: "
SEVERITY_SCORE = {"low": 0.4, "medium": 0.7, "high": 1.0}


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field and the reason."""


@dataclass
class DetectionResult:
    """Per-transaction outcome of one algorithm.

    scores: one row per scored transaction: transaction_id, score in [0, 1], flagged, reason (None where
        it did not fire), severity (rules: low | medium | high).
    skipped: why the algorithm did not run on this upload (missing columns, too little data), else None.
    summary: population-level figures worth showing (thresholds used, Benford MAD, ...).
    """

    scores: pd.DataFrame
    skipped: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> pd.DataFrame:
        # a take, never a slice: an empty slice of an Arrow-backed column (even copied) keeps its whole buffers
        # alive wherever only the flagged rows are kept (at 1M rows, 160 MB)
        return self.scores[self.scores["flagged"]]

    @classmethod
    def skip(cls, reason: str) -> DetectionResult:
        return cls(scores=empty_scores(), skipped=reason)


def empty_scores() -> pd.DataFrame:
    return pd.DataFrame({
        "transaction_id": pd.Series(dtype="int64"), "score": pd.Series(dtype="float64"),
        "flagged": pd.Series(dtype=bool), "reason": pd.Series(dtype="string"),
        "severity": pd.Series(dtype="string"),
    })


class AnomalyDetectionAlgorithm(ABC):
    """Base class: subclasses set the class attributes and implement `_detect`."""

    algorithm: ClassVar[str]
    kind: ClassVar[AlgorithmType]
    description: ClassVar[str] = ""
    #: canonical columns that must be present and not entirely empty
    required_columns: ClassVar[tuple[str, ...]] = ("amount",)
    #: canonical columns of which at least one must be present and not entirely empty (the first is the one meant)
    any_of_columns: ClassVar[tuple[str, ...]] = ()
    #: every config key with its default; `validate_config` refuses keys not listed here
    default_config: ClassVar[dict[str, Any]] = {}
    #: weight in the combined risk score when a strategy does not say otherwise
    default_weight: ClassVar[float] = 1.0
    enabled_by_default: ClassVar[bool] = True
    #: the test reads vouchers as balancing double entries: on a single-entry source (bank statement,
    #: card export) it does not apply and is skipped with that reason
    double_entry_only: ClassVar[bool] = False

    def validate_config(self, config: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the defaults overlaid with `config`; raise ConfigError naming the bad field."""
        config = dict(config or {})
        unknown = sorted(set(config) - set(self.default_config))
        if unknown:
            raise ConfigError(
                f"{self.algorithm}: unknown config field(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(self.default_config)) or 'none'})"
            )
        merged = {**self.default_config, **config}
        for key, default in self.default_config.items():
            merged[key] = _coerce(self.algorithm, key, merged[key], default)
        self.check_config(merged)
        return merged

    def check_config(self, config: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Range checks beyond types; raise ConfigError. Override where needed."""

    def missing_columns(self, transactions: pd.DataFrame) -> list[str]:
        """The required columns absent or empty, and `any_of_columns` (joined by 'or') where all of them are."""
        def absent(column: str) -> bool:
            return column not in transactions.columns or bool(transactions[column].isna().all())

        missing = [c for c in self.required_columns if absent(c)]
        if self.any_of_columns and all(absent(c) for c in self.any_of_columns):
            missing.append(" or ".join(self.any_of_columns))
        return missing

    def detect(self, transactions: pd.DataFrame, config: dict[str, Any] | None = None,
               reference: pd.DataFrame | None = None, *, shared: SharedWork | None = None) -> DetectionResult:
        """Score `transactions`; learn baselines from `reference` (default: the transactions themselves).
        `shared`: the work shared by the detectors of a batch on these same frames (see detect.shared);
        without it the call shares nothing."""
        from anomaly_pipeline.detect.shared import SharedWork

        if shared is None:
            shared = SharedWork(transactions, reference)
        elif not shared.belongs_to(transactions, reference):
            raise ValueError(f"{self.algorithm}: the shared work passed belongs to other frames")
        cfg = self.validate_config(config)
        active, ref = shared.frames()
        if active.empty:
            return DetectionResult.skip("no transactions")
        missing = self.missing_columns(active)
        if missing:
            return DetectionResult.skip(f"the upload has no {', '.join(missing)} data")
        if self.double_entry_only and (single := single_entry_reason(active)):
            return DetectionResult.skip(f"{NOT_APPLICABLE}{single}")
        result = self._detect(active, cfg, ref, shared)
        scores = result.scores
        if len(scores) and (scores["score"].lt(0).any() or scores["score"].gt(1).any()):
            raise AssertionError(f"{self.algorithm} produced scores outside [0, 1]")
        return result

    @abstractmethod
    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        """Score the active `transactions` (removed lines left out, index 0..n-1) against `reference` (the same
        object when the caller gave none); ask `shared` for work other detectors of the batch also need."""

    # helpers for subclasses -------------------------------------------------

    @staticmethod
    def build_result(transactions: pd.DataFrame, score: np.ndarray | pd.Series, flagged: np.ndarray | pd.Series,
                     reason: pd.Series | np.ndarray | None, severity: str | pd.Series | None = None,
                     summary: dict[str, Any] | None = None) -> DetectionResult:
        """Assemble a result; reasons are kept only where the row is flagged."""
        score = np.clip(np.nan_to_num(np.asarray(score, dtype="float64")), 0.0, 1.0)
        flagged = np.asarray(flagged, dtype=bool)
        frame = pd.DataFrame({
            "transaction_id": transactions["transaction_id"].to_numpy(dtype="int64"),
            "score": score,
            "flagged": flagged,
            "reason": flagged_strings(reason, flagged),
            "severity": flagged_strings(severity, flagged),
        })
        return DetectionResult(scores=frame, summary=summary or {})


def flagged_strings(values: str | pd.Series | np.ndarray | None, flagged: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A 'string' column holding `values` (one scalar, or one value per row) where `flagged`, else NA.
    Only the flagged values are converted; the column is filled by one take, not a million-row cast."""
    idx = np.flatnonzero(flagged)
    if values is None or isinstance(values, str) or values is pd.NA:
        kept = pd.array([values], dtype="string")
        positions = np.where(flagged, 0, -1)
    else:
        picked = values.iloc[idx] if isinstance(values, pd.Series) else np.asarray(values)[idx]
        kept = pd.array(np.asarray(picked, dtype=object), dtype="string")
        positions = np.full(len(flagged), -1, dtype="int64")
        positions[idx] = np.arange(len(idx))
    return kept.take(positions, allow_fill=True)


def day_numbers(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as int64 day numbers since 1970-01-01 (times of day dropped; NaT the int64 minimum)."""
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def has_values(frame: pd.DataFrame, column: str) -> bool:
    """The frame has the column and at least one value in it (a column the reader added empty does not count)."""
    return column in frame and bool(frame[column].notna().any())


def active_rows(frame: pd.DataFrame, *, only_index: bool = False) -> pd.DataFrame:
    """`frame` without its removed lines (unless `only_index`), on a 0..n-1 index, as a new frame object.
    The mask is applied only when a line is removed, so the usual upload (its raw text included) is not
    gathered anew for each of the thirty-odd detectors; copy-on-write keeps the caller's data safe from
    whatever a detector assigns."""
    if not only_index and "is_removed" in frame and frame["is_removed"].any():
        frame = frame[~frame["is_removed"].to_numpy(dtype=bool)]
    return frame.reset_index(drop=True)


def _coerce(algorithm: str, key: str, value: Any, default: Any) -> Any:
    """Type-check a config value against its default's type."""
    expected = type(default)
    if default is None or isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected in (list, tuple) and isinstance(value, list | tuple):
        return list(value)
    raise ConfigError(f"{algorithm}.{key}: expected {expected.__name__}, got {value!r}")


def format_amount(values: pd.Series | np.ndarray) -> pd.Series:
    """'240 000', '1 234.50': thousands separated by spaces, as auditors read them."""
    values = pd.Series(values, dtype="float64")
    whole = values.round(0) == values.round(2)
    text = values.map("{:,.2f}".format).str.replace(",", " ", regex=False)
    return text.where(~whole, text.str.removesuffix(".00"))


# vectorised building blocks -------------------------------------------------


def as_string(values: pd.Series) -> pd.Series:
    """Values as pandas strings (a `clean` for `encode`)."""
    return values.astype("string")


#: a date written in a text ("2025-03-31", "31.03", "2025")
TEXT_DATE = r"\b\d{1,4}[-./]\d{1,2}(?:[-./]\d{1,4})?\b|\b(?:19|20)\d{2}\b"
#: a month named in a text ("Miete März", "professional fees Sep", "loyer février"): when, not who. Full names in
#: the languages of the ledgers read here, and the unambiguous short forms
_MONTHS = " ".join((
    "january february march april may june july august september october november december ",  # en
    "januari februari mars maj augusti oktober ",  # sv
    "januar februar marts mai dezember desember ",  # da, no, de
    "märz maart mei augustus ",  # de, nl
    "janvier février fevrier avril juin juillet août aout septembre octobre novembre décembre decembre ",  # fr
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre ",  # es
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre ",  # it
    "janeiro fevereiro março junho julho setembro outubro novembro dezembro ",  # pt
    "jan feb mar apr jun jul aug sep sept oct okt nov dec dez mrz mär",  # short forms
)).split()
TEXT_MONTH = r"(?<!\w)(?:" + "|".join(sorted(set(_MONTHS), key=len, reverse=True)) + r")(?!\w)"
#: dates and months in one pass over the texts
_WHEN = f"(?:{TEXT_DATE})|{TEXT_MONTH}"
#: a number naming a document in a text, with its letters and joining dashes or slashes ("F-198078", "ck3595")
TEXT_NUMBER = r"[0-9a-z][0-9a-z/-]*[0-9][0-9a-z/-]*|[0-9]"


def _folded_undated(values: pd.Series) -> pd.Series:
    """Texts case-folded, their dates and months blanked."""
    return values.astype("string").str.casefold().str.replace(_WHEN, " ", regex=True)


def _words_only(texts: pd.Series) -> pd.Series:
    """Texts with every run of non-word characters one space, trimmed; missing where nothing is left."""
    words = texts.str.replace(r"[^\w]+", " ", regex=True).str.strip()
    return words.mask(words == "")


def undated_text(values: pd.Series) -> pd.Series:
    """A text without its dates and months, case-folded, single-spaced (missing where nothing is left): "Payroll
    12/15/2024 - 12/28/2024" and "Payroll 12/29/2024 - 01/11/2025" are one text; "Supplier 12" and "Supplier 13",
    whose numbers may name who, are two. A `clean` for `encode`."""
    return _words_only(_folded_undated(values))


def text_words(values: pd.Series) -> pd.Series:
    """A text's words without its dates, months and numbers, case-folded, single-spaced (missing where none are
    left): "Bygma Viby fakt. 1209513 sag 2514" -> "bygma viby fakt sag", the same for every invoice of that
    supplier; "Holloway Road Studios - professional fees Sep 2025" the same every month. A `clean` for `encode`."""
    return _words_only(_folded_undated(values).str.replace(TEXT_NUMBER, " ", regex=True))


def encode(values: pd.Series, clean: Callable[[pd.Series], pd.Series] | None = None, *,
           sort: bool = False, fill: str | None = None,
           factorized: tuple[np.ndarray, Any] | None = None) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct): an int64 code per row (-1 where missing) and the distinct values it indexes.

    `clean` (strip, casefold, ...) runs on the distinct raw values only and values it makes equal share a
    code, so string work on a million lines is done once per distinct value. With `sort` the codes follow
    the sort order of the (cleaned) values, so comparing codes compares the values. With `fill`, missing
    values read as that string (as after `fillna(fill)`), without `sort`. `factorized`: `pd.factorize(values)`
    where the caller has it already (`SharedWork.encode`), a copy this call may write into."""
    if fill is not None:
        codes, distinct = encode(values, clean, factorized=factorized)
        if (codes < 0).any():
            at = np.flatnonzero(distinct.to_numpy(dtype=object) == fill)
            if not len(at):
                distinct = pd.concat([distinct, pd.Series([fill], dtype=distinct.dtype)], ignore_index=True)
                at = [len(distinct) - 1]
            codes = np.where(codes < 0, at[0], codes)
        return codes, distinct
    codes, uniques = pd.factorize(values) if factorized is None else factorized
    distinct = pd.Series(uniques, dtype=values.dtype if len(uniques) == 0 else None)
    changed = False
    if clean is not None:
        cleaned = clean(distinct)
        # values that come out of `clean` unchanged stay distinct: no second factorize needed
        changed = not bool((cleaned == distinct).fillna(False).all())
        distinct = cleaned
    if changed or sort:
        recode, uniques = pd.factorize(distinct, sort=sort)
        codes = np.where(codes >= 0, recode[codes] if len(recode) else -1, -1)
        distinct = pd.Series(uniques, dtype=distinct.dtype)
    return codes.astype("int64", copy=False), distinct.reset_index(drop=True)


def combine_codes(*keys: np.ndarray) -> np.ndarray:
    """One dense int64 code per distinct combination of the per-row integer keys (codes, cents, day
    numbers), numbered in order of first appearance: a multi-column groupby key without tuples or
    strings. Keys are packed into one integer as they are while it cannot overflow, else factorized."""
    limit = 2**62
    out, bound = np.zeros(len(keys[0]), dtype="int64"), 1
    for key in keys:
        key = np.asarray(key, dtype="int64")
        low, high = (int(key.min()), int(key.max())) if len(key) else (0, 0)
        code, width = key - low, high - low + 1
        if bound * width >= limit:
            out = pd.factorize(out)[0].astype("int64")
            bound = int(out.max(initial=0)) + 1
        if bound * width >= limit:
            code = pd.factorize(key)[0].astype("int64")
            width = int(code.max(initial=0)) + 1
        out, bound = out * width + code, bound * width
    return pd.factorize(out)[0].astype("int64")



def voucher_fingerprint(voucher: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Per row: a code shared by the rows of every voucher holding the same multiset of line keys (account
    and cents, say), -1 without a voucher. Each distinct line key gets two random 40-bit numbers; a
    voucher's fingerprint is their sums over its lines (exact in int64 for vouchers under 2^20 lines)."""
    out = np.full(len(voucher), -1, dtype="int64")
    valid = voucher >= 0
    if not valid.any():
        return out
    line = combine_codes(*(k[valid] for k in keys))
    rng = np.random.default_rng(20240101)
    width = int(line.max()) + 1
    sums = [pd.Series(rng.integers(1, 2**40, size=width)[line]).groupby(voucher[valid]).sum() for _ in range(2)]
    count = np.bincount(voucher[valid])
    ids = sums[0].index.to_numpy()
    code = combine_codes(sums[0].to_numpy(), sums[1].to_numpy(), count[ids])
    per_voucher = np.full(int(voucher.max()) + 1, -1, dtype="int64")
    per_voucher[ids] = code
    out[valid] = per_voucher[voucher[valid]]
    return out

def first_rows(codes: np.ndarray) -> np.ndarray:
    """For codes numbered in order of first appearance (`combine_codes`, `pd.factorize`): the row where
    each code first appears, in code order."""
    if not len(codes):
        return np.zeros(0, dtype="int64")
    return np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)


DAY_NS = 86_400 * 10**9


def order_by_group_and_time(groups: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Stable order by (group code, datetime64 time): equal times keep their row order. One packed-int
    argsort instead of a lexsort; `times` must not hold NaT."""
    ns = np.asarray(times, dtype="datetime64[ns]").view("int64")
    if not len(ns):
        return np.zeros(0, dtype="int64")
    if (ns % DAY_NS == 0).all():  # dates: day numbers are a narrow rank
        rank = ns // DAY_NS
        rank = rank - rank.min()
    else:
        rank = pd.factorize(ns, sort=True)[0].astype("int64")
    return np.argsort(np.asarray(groups, dtype="int64") * (int(rank.max()) + 1) + rank, kind="stable")


def group_starts(sorted_codes: np.ndarray) -> np.ndarray:
    """For codes sorted so that each group is contiguous: the position where each row's group begins."""
    n = len(sorted_codes)
    first = np.ones(n, dtype=bool)
    first[1:] = sorted_codes[1:] != sorted_codes[:-1]
    return np.maximum.accumulate(np.where(first, np.arange(n), 0)) if n else np.zeros(0, dtype="int64")


class PrecedingWindow(BaseIndexer):
    """Rolling window over up to `window_size` rows before each row (the row itself excluded), not
    reaching back past the start of its group: `series.rolling(PrecedingWindow(starts, w))` does in
    one pass what `groupby(g).shift().rolling(w)` does group by group. `starts` is `group_starts(...)`."""

    def __init__(self, starts: np.ndarray, window_size: int) -> None:
        super().__init__(window_size=window_size)
        self.starts = np.asarray(starts, dtype="int64")

    def get_window_bounds(self, num_values: int = 0, min_periods: int | None = None, center: bool | None = None,
                          closed: str | None = None, step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        end = np.arange(num_values, dtype="int64")
        return np.maximum(end - self.window_size, self.starts[:num_values]), end


def preceding_quantiles(values: np.ndarray, starts: np.ndarray, window: int, min_periods: int,
                        quantiles: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles (linear interpolation; the median averages the middle pair) of the up to `window`
    non-missing values before each row within its group, NaN below `min_periods`: what
    `rolling(PrecedingWindow(starts, window)).quantile(q)` gives, for a small window. The window's values
    are sorted as rows of a matrix, a chunk of rows at a time, instead of one skiplist pass per quantile."""
    values = np.asarray(values, dtype="float64")
    n = len(values)
    out = [np.full(n, np.nan) for _ in quantiles]
    padded = np.concatenate([np.full(window, np.nan), values])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)  # row i: values[i - window:i]
    offsets = np.arange(window) - window
    gaps = bool(np.isnan(values).any())
    for first in range(0, n, 100_000):  # bounded memory: 100k x window at a time
        rows = np.arange(first, min(n, first + 100_000))
        block = windows[first:first + len(rows)].copy()
        reach = rows - starts[rows]  # values of the group before the row
        near = np.flatnonzero(reach < window)  # windows that reach back past the group's start
        block[near] = np.where(rows[near, None] + offsets < starts[rows[near], None], np.nan, block[near])
        block.sort(axis=1)  # NaN last
        count = window - np.isnan(block).sum(axis=1) if gaps else np.minimum(reach, window)
        ok = (count >= max(min_periods, 1)).nonzero()[0]
        size = count[ok]
        for result, q in zip(out, quantiles, strict=True):
            position = q * (size - 1)
            low = position.astype("int64")
            high = np.minimum(low + 1, size - 1)
            a, b = block[ok, low], block[ok, high]
            value = np.where(size % 2 == 1, a, (a + b) / 2) if q == 0.5 else a + (b - a) * (position - low)
            result[rows[ok]] = value
    return out
