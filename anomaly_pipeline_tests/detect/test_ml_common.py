"""ML shared helpers: quantile normalization ranks only the rows it must, with the full ranking's result."""

from __future__ import annotations

import numpy as np
import pytest

from anomaly_pipeline.detect.ml.common import quantile_scores


def _full_rank(raw: np.ndarray, ref_raw: np.ndarray, contamination: float) -> tuple[np.ndarray, np.ndarray]:
    """The definition: every row ranked in the sorted reference."""
    ref_sorted = np.sort(ref_raw)
    q = np.searchsorted(ref_sorted, raw, side="right") / max(len(ref_sorted), 1)
    cut, floor = 1.0 - contamination, max(0.5, 1.0 - 5.0 * contamination)
    threshold = np.quantile(ref_sorted, cut) if len(ref_sorted) else np.inf
    flagged = raw > threshold
    low = np.clip((q - floor) / max(cut - floor, 1e-9), 0.0, 1.0) * 0.5
    high = 0.5 + 0.5 * np.clip((q - cut) / contamination, 0.0, 1.0)
    return np.where(flagged, np.maximum(high, 0.5 + 1e-6), np.minimum(low, 0.5)), flagged


@pytest.mark.parametrize("seed", range(40))
def test_quantile_scores_equal_the_full_ranking(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(0, 400)), int(rng.integers(0, 500))
    contamination = float(rng.choice([0.0025, 0.01, 0.05, 0.2, 0.49]))
    ties = seed % 2 == 0
    ref = rng.integers(0, 15, n).astype(float) if ties else rng.standard_normal(n)
    raw = rng.integers(-2, 18, m).astype(float) if ties else rng.standard_normal(m) * 1.5
    if m and seed % 5 == 0:
        raw[rng.integers(0, m)] = np.nan
    if seed % 3 == 0:
        ref, raw = ref.astype("float32"), raw.astype("float32")
    score, flagged = quantile_scores(raw, ref, contamination)
    expected_score, expected_flagged = _full_rank(raw, ref, contamination)
    np.testing.assert_array_equal(score, expected_score)
    np.testing.assert_array_equal(flagged, expected_flagged)
    assert ((score > 0.5) == flagged).all()  # the detectors read the flags off the scores
