"""The numpy binomial tail against scipy's, which the rules no longer import."""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from anomaly_pipeline.detect.binomial import binomial_tail


def test_binomial_tail_matches_scipy():
    rng = np.random.default_rng(7)
    for p in (0.001, 0.05, 0.2, 0.5, 0.93):
        n = rng.integers(0, 50_000, size=400)
        k = np.r_[(n * p + rng.normal(0, 5, 400) * np.sqrt(n * p * (1 - p) + 1)).astype(int)]
        ours, theirs = binomial_tail(k, n, p), binom.sf(k - 1, n, p)
        assert np.abs(ours - theirs).max() < 1e-10
        assert np.all(np.abs(ours - theirs)[theirs > 1e-12] <= 1e-7 * theirs[theirs > 1e-12])
        for few in range(1, 9):  # a few elements take the scalar path
            ours, theirs = binomial_tail(k[:few], n[:few], p), binom.sf(k[:few] - 1, n[:few], p)
            assert np.abs(ours - theirs).max() < 1e-10


def test_binomial_tail_edges():
    assert np.allclose(binomial_tail(np.array([-1, 0, 1, 5, 6]), 5, 0.5), [1.0, 1.0, 31 / 32, 1 / 32, 0.0],
                       rtol=1e-12, atol=0)
    assert binomial_tail(3, 10, 0.0).tolist() == 0.0
    assert binomial_tail(3, 10, 1.0).tolist() == 1.0
