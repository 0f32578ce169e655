"""The binomial upper tail in numpy: the one distribution the rules test with, without importing scipy.stats
(half a second of a cold command's start) for it."""

from __future__ import annotations

import numpy as np

_TINY = 1e-300
_EPS = 1e-14
_MAX_TERMS = 400
_SCALAR_UP_TO = 8
# Lanczos approximation (g = 7, n = 9): log-gamma to about 15 digits for positive arguments
_G = 7.0
_LANCZOS = np.array([0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                     -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
                     1.5056327351493116e-7])


def binomial_tail(k: np.ndarray | int, n: np.ndarray | int, p: float) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p), elementwise (scipy's `binom.sf(k - 1, n, p)`): 1 for k <= 0, 0 for
    k > n, else the regularized incomplete beta function I_p(k, n - k + 1)."""
    k, n = np.broadcast_arrays(np.asarray(k, dtype="float64"), np.asarray(n, dtype="float64"))
    out = np.where(k <= 0, 1.0, 0.0)
    inside = (k > 0) & (k <= n)
    if inside.any():
        out[inside] = _regularized_beta(float(p), k[inside], n[inside] - k[inside] + 1)
    return out


def _log_gamma(x: np.ndarray) -> np.ndarray:
    """log Γ(x) for x >= 0.5."""
    x = x - 1.0
    series = _LANCZOS[0] + sum(c / (x + i) for i, c in enumerate(_LANCZOS[1:], start=1))
    t = x + _G + 0.5
    return 0.5 * np.log(2 * np.pi) + (x + 0.5) * np.log(t) - t + np.log(series)


def _regularized_beta(x: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """I_x(a, b) for a, b >= 1, by its continued fraction (modified Lentz), on the side where it converges fast."""
    if x <= 0.0:
        return np.zeros(len(a))
    if x >= 1.0:
        return np.ones(len(a))
    log_front = _log_gamma(a + b) - _log_gamma(a) - _log_gamma(b) + a * np.log(x) + b * np.log1p(-x)
    direct = x < (a + 1) / (a + b + 2)
    out = np.empty(len(a))
    if direct.any():
        out[direct] = np.exp(log_front[direct]) * _fraction(a[direct], b[direct], x) / a[direct]
    if not direct.all():
        out[~direct] = 1.0 - np.exp(log_front[~direct]) * _fraction(b[~direct], a[~direct], 1.0 - x) / b[~direct]
    return np.clip(out, 0.0, 1.0)


def _fraction(a: np.ndarray, b: np.ndarray, x: float) -> np.ndarray:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf), elementwise until every term converged;
    a few elements one at a time, where numpy's per-call cost would dominate."""
    if len(a) <= _SCALAR_UP_TO:
        return np.array([_scalar_fraction(float(ai), float(bi), x) for ai, bi in zip(a, b, strict=True)])
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones(len(a))
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + aa / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = d * c
            h *= delta
        if np.all(np.abs(delta - 1.0) < _EPS):
            break
    return h


def _scalar_fraction(a: float, b: float, x: float) -> float:
    """`_fraction` of one element, in Python floats."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) >= _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) >= _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) >= _TINY else _TINY
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h
