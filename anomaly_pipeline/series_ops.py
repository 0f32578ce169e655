"""Element-wise work on a column done once per distinct value: shared by the readers and the detectors."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def per_distinct(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """An element-wise `convert(values)` computed once per distinct value and spread back (a ledger's million
    rows repeat a few thousand dates or numbers), a missing value being one of them. Object columns are
    converted whole: their 1, 1.0 and True would count as one value."""
    if values.dtype == object:
        return convert(values)
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    converted = convert(pd.Series(distinct))
    return pd.Series(converted.array.take(codes), index=values.index, name=values.name)
