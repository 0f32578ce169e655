"""Combine per-algorithm scores into one explained risk per transaction (and per voucher)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def combine_scores(transactions: pd.DataFrame, scores: pd.DataFrame, weights: dict[str, float],
                   threshold: float, families: dict[str, str] | None = None) -> pd.DataFrame:
    """Noisy-OR of weighted scores: risk = 1 - prod(1 - w_a * s_a), so independent signals add up and
    the result stays in [0, 1]. Algorithms of one family (`families`: algorithm -> family; by default the
    ML models, which read the same features, and the amount-size statistics) are one signal: the family counts with
    its strongest member's contribution and gives one reason, naming the members that flagged the row.
    Reasons of the algorithms that flagged the row, strongest first (equal contributions in algorithm
    order, so the reasons do not depend on the order the scores come in).

    scores: long frame with transaction_id, algorithm, score, flagged, reason.
    Returns one row per transaction: transaction_id, voucher_id, risk_score, voucher_risk, is_anomaly, reasons.
    """
    base = transactions[["transaction_id", "voucher_id"]].copy()
    ids = base["transaction_id"].to_numpy()
    reasons = np.full(len(base), None, dtype=object)
    log_keep = np.zeros(len(base))
    if not scores.empty:
        families = default_families() if families is None else families
        at = _positions(ids, scores["transaction_id"].to_numpy())
        known = at >= 0  # scores of transactions not in the frame (removed lines) count for nothing
        # per algorithm, not per row: a million rows hold a few dozen algorithm names
        algorithm, names = pd.factorize(scores["algorithm"], sort=True)
        weight = pd.Series(names).map(weights).fillna(0.0).clip(0.0, 1.0).to_numpy(dtype="float64")[algorithm]
        contribution = weight * scores["score"].clip(0.0, 1.0).to_numpy(dtype="float64")
        family_names = pd.Series(names).map(families).fillna(pd.Series(names)).to_numpy(dtype=object)
        family_code, family_label = pd.factorize(family_names, sort=True)
        family = family_code[algorithm]
        grouped = len(family_label) < len(names)  # some algorithms share a family
        key = at * len(family_label) + family
        strongest = _strongest(key, contribution, known) if grouped else np.flatnonzero(known)
        log_keep = np.bincount(at[strongest], weights=np.log1p(-np.minimum(contribution[strongest], 1 - 1e-12)),
                               minlength=len(base))
        fired = np.flatnonzero(known & scores["flagged"].to_numpy(dtype=bool) & (contribution > 0)
                               & scores["reason"].notna().to_numpy())
        text = scores["reason"].iloc[fired].astype(str).to_numpy(dtype=object)
        label = np.asarray(names, dtype=object)[algorithm[fired]]
        if grouped and len(fired):
            fired, label, text = _one_per_family(fired, key, contribution, algorithm, names, family, family_label,
                                                 text, label)
        order = np.lexsort((algorithm[fired], -contribution[fired], at[fired]))
        fired, label, text = fired[order], label[order], text[order]
        joined = join_reasons(at[fired], label + ": " + text, label)
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


#: statistical detectors that all judge an amount against its account's usual size: one finding
AMOUNT_SIZE = ("robust_zscore", "robust_zscore_counterparty", "moving_average")


def default_families() -> dict[str, str]:
    """algorithm -> family: every registered ML algorithm is 'ml models' (they read the same features);
    the detectors comparing an amount with its account's usual size are 'amount size'."""
    from anomaly_pipeline.detect.registry import ALGORITHMS  # the registry imports every detector

    families = {name: "ml models" for name, cls in ALGORITHMS.items() if cls.kind == "ml"}
    return families | {name: "amount size" for name in AMOUNT_SIZE if name in ALGORITHMS}


def _strongest(key: np.ndarray, contribution: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Rows (among `known`) holding the largest contribution of each key."""
    rows = np.flatnonzero(known)
    rows = rows[np.lexsort((-contribution[rows], key[rows]))]
    first = np.r_[True, key[rows][1:] != key[rows][:-1]]
    return rows[first]


ENSEMBLE_PREFIX = r"^flagged by [^:]*?\): "


def _one_per_family(fired: np.ndarray, key: np.ndarray, contribution: np.ndarray, algorithm: np.ndarray,
                    names: pd.Index, family: np.ndarray, family_label: np.ndarray, text: np.ndarray,
                    label: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One reason per (transaction, family): the strongest member's text (an ensemble's 'flagged by ...'
    prefix dropped), labelled 'family (member, member)'. An algorithm that is its own family keeps its label."""
    frame = pd.DataFrame({"row": fired, "key": key[fired], "c": contribution[fired], "a": algorithm[fired],
                          "text": text, "label": label})
    frame = frame.sort_values(["key", "c", "a"], ascending=[True, False, True], kind="stable")
    members = frame.sort_values(["key", "a"]).groupby("key", sort=False)["label"].agg(", ".join)
    best = frame.drop_duplicates("key")
    fam = family[best["row"].to_numpy()]
    is_family = ~pd.Series(family_label[fam]).isin(set(names)).to_numpy()
    out_label = np.where(is_family, family_label[fam] + " (" + members.reindex(best["key"]).to_numpy(dtype=object) + ")",
                         best["label"].to_numpy(dtype=object))
    out_text = best["text"].str.replace(ENSEMBLE_PREFIX, "", regex=True).to_numpy(dtype=object)
    return best["row"].to_numpy(), out_label.astype(object), out_text


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted id in `ids` (unique), -1 where absent."""
    order = np.arange(len(ids)) if np.all(ids[1:] > ids[:-1]) else np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    at = np.clip(np.searchsorted(sorted_ids, wanted), 0, max(len(ids) - 1, 0))
    found = (sorted_ids[at] == wanted) if len(ids) else np.zeros(len(wanted), dtype=bool)
    return np.where(found, order[at], -1)


#: reasons shown per transaction; further findings are named, not spelled out
MAX_REASONS = 3


def join_reasons(ids: np.ndarray, labels: np.ndarray, names: np.ndarray | None = None,
                 limit: int = MAX_REASONS) -> pd.Series:
    """"; "-joined labels per id, in the given order; `ids` must be grouped (sorted). The first `limit`
    labels are spelled out, the rest named ('+2 more: reversal, round_amount', from `names`). One
    vectorised concatenation per rank within a group (a handful) instead of one Python join per transaction."""
    if len(ids) == 0:
        return pd.Series(dtype="string")
    names = labels if names is None else names
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(ids)]))
    rank = np.arange(len(ids)) - starts[group]
    joined = labels[starts].copy()
    extra = np.zeros(len(starts), dtype="int64")
    more = np.full(len(starts), "", dtype=object)
    for k in range(1, int(rank.max()) + 1):
        at = rank == k
        if k < limit:
            joined[group[at]] = joined[group[at]] + "; " + labels[at]
        else:
            more[group[at]] = more[group[at]] + np.where(extra[group[at]] > 0, ", ", "") + names[at]
            extra[group[at]] += 1
    has_more = extra > 0
    joined[has_more] = (joined[has_more] + "; +" + extra[has_more].astype(str).astype(object) + " more: "
                        + more[has_more])
    return pd.Series(joined, index=ids[starts], dtype="string")
