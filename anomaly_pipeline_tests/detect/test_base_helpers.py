"""The vectorised building blocks in detect/base.py equal the pandas idioms they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.detect.base import (
    PrecedingWindow,
    combine_codes,
    encode,
    first_rows,
    group_starts,
    order_by_group_and_time,
    preceding_quantiles,
)


def test_encode_cleans_distinct_values_and_fills_missing():
    values = pd.Series([" b", "a", None, "b", "c "], dtype="string")
    codes, distinct = encode(values, lambda s: s.str.strip(), sort=True)
    assert distinct.tolist() == ["a", "b", "c"] and codes.tolist() == [1, 0, -1, 1, 2]
    codes, distinct = encode(values, lambda s: s.str.strip(), fill="")
    assert distinct.iloc[codes].tolist() == ["b", "a", "", "b", "c"]


def test_combine_codes_groups_like_groupby_ngroup():
    rng = np.random.default_rng(0)
    keys = [rng.integers(0, 5, 500), rng.integers(-10**15, 10**15, 500) // 10**14, rng.integers(0, 3, 500)]
    codes = combine_codes(*keys)
    expected = pd.DataFrame(dict(enumerate(keys))).groupby([0, 1, 2], sort=False).ngroup().to_numpy()
    assert (codes == expected).all()  # both number groups in order of first appearance
    assert (codes[first_rows(codes)] == np.arange(codes.max() + 1)).all()


@pytest.mark.parametrize(("window", "min_periods"), [(1, 1), (3, 2), (20, 2)])
def test_preceding_windows_equal_groupby_shift_rolling(window, min_periods):
    rng = np.random.default_rng(window)
    groups = np.sort(rng.integers(0, 8, 400))
    values = rng.normal(size=400)
    values[rng.integers(0, 400, 30)] = np.nan
    series = pd.Series(values)
    shifted = series.groupby(groups).shift()
    starts = group_starts(groups)
    for q in (0.25, 0.5, 0.75):
        expected = shifted.groupby(groups).rolling(window, min_periods=min_periods).quantile(q).to_numpy()
        (fast,) = preceding_quantiles(values, starts, window, min_periods, (q,))
        np.testing.assert_allclose(fast, expected, rtol=1e-12, atol=1e-12)
    median = series.rolling(PrecedingWindow(starts, window), min_periods=min_periods).median().to_numpy()
    expected = shifted.groupby(groups).rolling(window, min_periods=min_periods).median().to_numpy()
    np.testing.assert_allclose(median, expected, rtol=1e-12, atol=1e-12)


def test_order_by_group_and_time_is_stable():
    times = pd.to_datetime(["2025-01-02", "2025-01-01", "2025-01-02", "2025-01-01 10:00", "2025-01-01"],
                           format="ISO8601").to_numpy()
    groups = np.array([1, 1, 0, 1, 1])
    assert order_by_group_and_time(groups, times).tolist() == [2, 1, 4, 3, 0]
