"""Combine per-algorithm scores into one explained risk per transaction (and per voucher)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def combine_scores(transactions: pd.DataFrame, scores: pd.DataFrame, weights: dict[str, float],
                   threshold: float) -> pd.DataFrame:
    """Noisy-OR of weighted scores: risk = 1 - prod(1 - w_a * s_a), so independent signals add up and
    the result stays in [0, 1]. Reasons of the algorithms that flagged the row, strongest first.

    scores: long frame with transaction_id, algorithm, score, flagged, reason.
    Returns one row per transaction: transaction_id, voucher_id, risk_score, voucher_risk, is_anomaly, reasons.
    """
    base = transactions[["transaction_id", "voucher_id"]].copy()
    if scores.empty:
        risk = pd.Series(0.0, index=base["transaction_id"])
        reasons = pd.Series(pd.NA, index=base["transaction_id"], dtype="string")
    else:
        weight = scores["algorithm"].map(weights).fillna(0.0).clip(0.0, 1.0)
        contribution = (weight * scores["score"].clip(0.0, 1.0)).to_numpy()
        work = pd.DataFrame({"transaction_id": scores["transaction_id"].to_numpy(),
                             "log_keep": np.log1p(-np.minimum(contribution, 1 - 1e-12)),
                             "contribution": contribution, "flagged": scores["flagged"].to_numpy(),
                             "reason": scores["reason"].astype("string").to_numpy(),
                             "algorithm": scores["algorithm"].to_numpy()})
        risk = 1.0 - np.exp(work.groupby("transaction_id")["log_keep"].sum())
        fired = work[work["flagged"] & work["reason"].notna() & (work["contribution"] > 0)]
        # the algorithm breaks ties, so the reasons do not depend on the order the scores were read in
        fired = fired.sort_values(["transaction_id", "contribution", "algorithm"], ascending=[True, False, True])
        reasons = join_reasons(fired["transaction_id"].to_numpy(),
                               (fired["algorithm"].astype("string") + ": " + fired["reason"]).to_numpy(object))
    base["risk_score"] = base["transaction_id"].map(risk).fillna(0.0).clip(0.0, 1.0).round(6)
    base["reasons"] = base["transaction_id"].map(reasons).astype("string")
    base["is_anomaly"] = (base["risk_score"] >= threshold) & base["reasons"].notna()
    voucher = base["voucher_id"].astype("string")
    has_voucher = voucher.notna()
    base["voucher_risk"] = base["risk_score"]
    if has_voucher.any():
        base.loc[has_voucher, "voucher_risk"] = base[has_voucher].groupby(voucher[has_voucher])["risk_score"].transform("max")
    return base


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
