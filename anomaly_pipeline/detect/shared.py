"""The input of one batch of detectors and the work they share on it.

    shared = SharedWork(transactions, reference)
    for algorithm, config in work:
        algorithm.detect(transactions, config, reference, shared=shared)

A `SharedWork` is made for one input (the frames it is built with) and lives as long as its owner keeps it:
`detect_all` makes one per upload and drops it when the batch is done. Each detector receives it in
`_detect` and asks it, by name, for what several detectors would otherwise compute each on its own: a
column's codes, the unit weights and context codes the calibrated rules measure base rates with, the
population of earlier uploads and this one, the ML feature matrix, its scaling and the model fits. Entries are
keyed by what they are (a column name, settings), never by object identity: the object itself is the scope.
A detector called without one gets a private `SharedWork`, so nothing is remembered between calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from anomaly_pipeline.detect import norms
from anomaly_pipeline.detect.base import active_rows, encode

T = TypeVar("T")
#: which frame a shared figure is measured over: the scored rows, the reference, or both (`norms.population`)
Over = Literal["transactions", "reference", "population"]


class SharedWork:
    """One input (transactions and an optional reference) and the intermediate results computed on it once.

    Safe to use from several threads: each entry is computed once, under its own lock; callers get views
    or copies they may not modify (arrays from `encode` are their own)."""

    def __init__(self, transactions: pd.DataFrame, reference: pd.DataFrame | None = None) -> None:
        self.source = transactions
        self.reference_source = reference
        self._transactions = active_rows(transactions)
        # a reference that is the scored frame itself is no other population
        self._reference = None if reference is None or reference is transactions \
            else active_rows(reference, only_index=True)
        self._lock = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._results: dict[Hashable, Any] = {}

    def belongs_to(self, transactions: pd.DataFrame, reference: pd.DataFrame | None) -> bool:
        """Whether this is the work of exactly these caller's frames."""
        return transactions is self.source and reference is self.reference_source

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A detector's own (transactions, reference) views of the active rows: new frame objects over the
        same data (a detector may add columns to its own). Without a reference, both are one object."""
        with self._lock:
            transactions = self._transactions.copy(deep=False)
            reference = transactions if self._reference is None else self._reference.copy(deep=False)
        return transactions, reference

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` the first time `key` is asked for; its result every later time."""
        with self._lock:
            if key in self._results:
                return self._results[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one computation per key; other keys go on in parallel
            if key not in self._results:
                value = compute()
                with self._lock:
                    self._results[key] = value
        return self._results[key]

    def computed(self) -> list[Hashable]:
        """The keys computed so far, in order (what was shared)."""
        with self._lock:
            return list(self._results)

    # columns as codes ------------------------------------------------------------------------------------------

    def encode(self, column: str, clean: Callable[[pd.Series], pd.Series] | None = None, *,
               sort: bool = False, fill: str | None = None,
               over: Over = "transactions") -> tuple[np.ndarray, pd.Series]:
        """`base.encode` of `column` of the scored rows (or of the reference, or the population); each frame's
        column is factorized once for every detector, and cleaned once per `clean` (a text's words over a million
        distinct texts take seconds)."""
        over = self._canonical(over)
        frame = self._frame(over)
        with self._lock:  # the frames are read from several threads; take columns one at a time
            values = frame[column]

        def cleaned() -> tuple[np.ndarray, pd.Series]:
            codes, uniques = self.once(("factorize", over, column), lambda: pd.factorize(values))
            return encode(values, clean, sort=sort, fill=fill, factorized=(codes.copy(), uniques.copy()))

        codes, distinct = self.once(("encode", over, column, clean, sort, fill), cleaned)
        return codes.copy(), distinct.copy()

    def frame(self, over: Over) -> pd.DataFrame:
        """The chosen frame itself, shared by every detector: read it, never modify it."""
        return self._frame(self._canonical(over))

    def has(self, over: Over, column: str) -> bool:
        """Whether the chosen frame has a `column` (maybe empty)."""
        return column in self.frame(over).columns

    # base rates (see norms) -----------------------------------------------------------------------------------

    def population(self) -> tuple[pd.DataFrame, int]:
        """`norms.population`: the frame base rates are measured over and the scored rows' offset in it."""
        return self.once("population", lambda: norms.population(*self._pair()))

    def unit_weights(self, over: Over = "transactions") -> tuple[np.ndarray, str]:
        """`norms.unit_weights` over the chosen frame."""
        over = self._canonical(over)
        return self.once(("unit_weights", over), lambda: norms.unit_weights(self._frame(over)))

    def context_codes(self, over: Over, *columns: str) -> list[tuple[str, np.ndarray]]:
        """`norms.context_codes` over the chosen frame, each column's codes computed once."""
        over = self._canonical(over)
        frame = self._frame(over)
        out = []
        for column in columns:
            found = self.once(("context_codes", over, column), lambda column=column: norms.context_codes(frame, column))
            out.extend(found)
        return out

    def _pair(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        with self._lock:
            transactions = self._transactions
            return transactions, transactions if self._reference is None else self._reference

    def _canonical(self, over: Over) -> Over:
        """One name per distinct frame: without a reference all three are the scored rows."""
        if self._reference is None:
            return "transactions"
        return over

    def _frame(self, over: Over) -> pd.DataFrame:
        transactions, reference = self._pair()
        if over == "population":
            return self.population()[0]
        return reference if over == "reference" else transactions


def freeze(value: Any) -> Hashable:
    """A hashable equivalent of a config value (dicts and lists become sorted / plain tuples), for keys."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set):
        items = tuple(freeze(v) for v in value)
        return tuple(sorted(items, key=repr)) if isinstance(value, set) else items
    return value
