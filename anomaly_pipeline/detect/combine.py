"""Combine per-algorithm scores into one explained risk per transaction (and per voucher)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def combine_scores(transactions: pd.DataFrame, scores: pd.DataFrame, weights: dict[str, float],
                   threshold: float) -> pd.DataFrame:
    """Noisy-OR of weighted scores: risk = 1 - prod(1 - w_a * s_a), so independent signals add up and
    the result stays in [0, 1]. Reasons of the algorithms that flagged the row, strongest first (equal
    contributions in algorithm order, so the reasons do not depend on the order the scores come in).

    scores: long frame with transaction_id, algorithm, score, flagged, reason.
    Returns one row per transaction: transaction_id, voucher_id, risk_score, voucher_risk, is_anomaly, reasons.
    """
    base = transactions[["transaction_id", "voucher_id"]].copy()
    ids = base["transaction_id"].to_numpy()
    reasons = np.full(len(base), None, dtype=object)
    log_keep = np.zeros(len(base))
    if not scores.empty:
        at = _positions(ids, scores["transaction_id"].to_numpy())
        known = at >= 0  # scores of transactions not in the frame (removed lines) count for nothing
        # per algorithm, not per row: a million rows hold a few dozen algorithm names
        algorithm, names = pd.factorize(scores["algorithm"], sort=True)
        weight = pd.Series(names).map(weights).fillna(0.0).clip(0.0, 1.0).to_numpy(dtype="float64")[algorithm]
        contribution = weight * scores["score"].clip(0.0, 1.0).to_numpy(dtype="float64")
        log_keep = np.bincount(at[known], weights=np.log1p(-np.minimum(contribution[known], 1 - 1e-12)),
                               minlength=len(base))
        fired = np.flatnonzero(known & scores["flagged"].to_numpy(dtype=bool) & (contribution > 0)
                               & scores["reason"].notna().to_numpy())
        order = fired[np.lexsort((algorithm[fired], -contribution[fired], at[fired]))]
        labels = (np.asarray(names, dtype=object)[algorithm[order]] + ": "
                  + scores["reason"].iloc[order].astype(str).to_numpy(dtype=object))
        joined = join_reasons(at[order], labels)
        reasons[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    risk = np.clip(1.0 - np.exp(log_keep), 0.0, 1.0).round(6)
    base["risk_score"] = risk
    base["reasons"] = pd.array(reasons, dtype="string")
    base["is_anomaly"] = (risk >= threshold) & base["reasons"].notna().to_numpy()
    voucher_risk = risk.copy()
    codes = pd.factorize(base["voucher_id"].astype("string"))[0]  # -1: no voucher, the line's own risk
    has_voucher = codes >= 0
    if has_voucher.any():
        highest = np.full(codes.max() + 1, -np.inf)
        np.maximum.at(highest, codes[has_voucher], risk[has_voucher])
        voucher_risk[has_voucher] = highest[codes[has_voucher]]
    base["voucher_risk"] = voucher_risk
    return base


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted id in `ids` (unique), -1 where absent."""
    order = np.arange(len(ids)) if np.all(ids[1:] > ids[:-1]) else np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    at = np.clip(np.searchsorted(sorted_ids, wanted), 0, max(len(ids) - 1, 0))
    found = (sorted_ids[at] == wanted) if len(ids) else np.zeros(len(wanted), dtype=bool)
    return np.where(found, order[at], -1)


def join_reasons(ids: np.ndarray, labels: np.ndarray) -> pd.Series:
    """"; "-joined labels per id, in the given order; `ids` must be grouped (sorted). One vectorised
    concatenation per rank within a group (a handful) instead of one Python join per transaction."""
    if len(ids) == 0:
        return pd.Series(dtype="string")
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(ids)]))
    rank = np.arange(len(ids)) - starts[group]
    joined = labels[starts].copy()
    for k in range(1, int(rank.max()) + 1):
        at = rank == k
        joined[group[at]] = joined[group[at]] + "; " + labels[at]
    return pd.Series(joined, index=ids[starts], dtype="string")
