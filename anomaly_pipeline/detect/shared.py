"""Work shared by the detectors that score one upload in one process.

    with shared_work():
        for algorithm in algorithms:
            algorithm.detect(frame, config)

Inside `shared_work()` intermediate results are memoized: the ML detectors build features and scale them
once per input frame (and reference, and the settings that shape the scaling), and fit each model once per
scaled matrix and model settings, so the ensemble reuses the fits its members made and the other way round.
Entries are keyed on the identity of the objects they were computed from and keep those objects alive
until the context ends, so an id cannot be reused by another object; frames passed to `detect()` must not
be modified inside the context. Outside it nothing is remembered and every call computes afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")

_MEMO: ContextVar[dict[Hashable, tuple[Any, tuple[object, ...]]] | None] = ContextVar(
    "anomaly_pipeline_shared_work", default=None)
_INPUT: ContextVar[tuple[pd.DataFrame, pd.DataFrame | None] | None] = ContextVar(
    "anomaly_pipeline_detect_input", default=None)


@contextmanager
def shared_work() -> Iterator[None]:
    """Memoize shared intermediate results until the block ends (a nested block shares the outer one's)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def sharing() -> bool:
    """Whether a `shared_work()` block is active in this context."""
    return _MEMO.get() is not None


def memoized(kind: str, sources: tuple[object, ...], settings: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its earlier result for the same `kind`, source objects (by identity) and `settings`
    inside `shared_work()`; outside it, always `compute()`."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    key = (kind, tuple(id(s) for s in sources), settings)
    if key not in memo:
        memo[key] = (compute(), sources)  # holding the sources keeps their ids from being reused
    return memo[key][0]


@contextmanager
def detecting(transactions: pd.DataFrame, reference: pd.DataFrame | None) -> Iterator[None]:
    """Record the frames a caller passed to `detect()`, which identify the input in memo keys (the frames
    that reach `_detect` are copies made per call)."""
    token = _INPUT.set((transactions, reference))
    try:
        yield
    finally:
        _INPUT.reset(token)


def detect_input() -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
    """The (transactions, reference) of the innermost `detecting()` block, else None."""
    return _INPUT.get()


def freeze(value: Any) -> Hashable:
    """A hashable equivalent of a config value (dicts and lists become sorted / plain tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set):
        items = tuple(freeze(v) for v in value)
        return tuple(sorted(items, key=repr)) if isinstance(value, set) else items
    return value
