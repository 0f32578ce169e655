"""A ledger's own norms: how common a pattern is in the population being audited.

Anomalous means rare *here*. A preset's threshold (a weekend share, a lag in days) is a prior; the evidence
is the pattern's base rate in the reference population. Two helpers serve every calibrated detector:

- `habitual_share`: for a yes/no pattern (posted on a weekend, a round amount, registered in another
  period) the share of the reference that shows it, in the ledger and in each context that could make it
  routine (the row's account, its user), smoothed toward the ledger's share where a context is small. A
  row is only as surprising as its most habitual context allows.
- `ledger_limit`: for a magnitude (days of registration lag, days out of number order) the limit beyond
  which a value is unusual for this ledger: the prior limit, or the ledger's own high quantile times a
  margin where its habits are looser.

`rarity_score` turns a share into a score, and the `describe_*` helpers put the comparison into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import combine_codes, encode, has_values

#: pseudo-count pulling a small context's share toward the ledger's share
SMOOTHING = 20.0
#: below this many units (vouchers, or lines without voucher ids) a ledger has no habits to learn from:
#: calibrated detectors then apply their prior alone
MIN_POPULATION = 50
#: a context (an account, a user, a partner) has a habit of its own only where more than this many of its other
#: units show the pattern (a unit's lines in the context weigh their share of it): one supplier's two payments on
#: a Sunday do not excuse each other
MIN_OTHERS = 1.0


@dataclass
class Habit:
    """Per row: the highest smoothed share of the pattern among its contexts, and which context that is.
    `ledger_share` is the share over the whole reference."""

    share: np.ndarray
    context: np.ndarray  # index into the context names; 0 = the ledger
    names: list[str]
    ledger_share: float
    units: int  # how many units (lines, vouchers) the ledger share counts

    @property
    def learned(self) -> bool:
        """Whether the population is large enough for its shares to mean something."""
        return self.units >= MIN_POPULATION


def habitual_share(hit: np.ndarray, contexts: Sequence[tuple[str, np.ndarray]] = (),
                   weight: np.ndarray | None = None, within: tuple[str, np.ndarray] | None = None) -> Habit:
    """Share of `hit` in the ledger and in each context group, the highest per row that shows the pattern
    (rows that do not show it get the ledger's share: only a hit can be flagged).

    hit: bool per reference row. contexts: (name, int codes per row, -1 = unknown) such as
    ("account", account codes). weight: per row (e.g. 1 / lines of its voucher, so each voucher counts
    once); default 1. Groups are smoothed and leave the row's own unit (its line or voucher) out:
    (hits - own + SMOOTHING x prior) / (size - own + SMOOTHING), own = min(hits, 1), the prior being the ledger's
    share.

    within: (name, codes) of groups whose habits differ in kind, such as voucher types (a manual journal is not a
    card expense). A row of such a group is judged by its group's share instead of the ledger's, and each context
    within the group (the user's journals, the account's journals), smoothed toward the group's share."""
    hit = np.asarray(hit, dtype=bool)
    w = np.ones(len(hit)) if weight is None else np.asarray(weight, dtype="float64")
    rows = np.flatnonzero(hit)
    total = float(w.sum())
    ledger = float(w[rows].sum() / total) if total > 0 else 0.0
    share = np.full(len(hit), ledger)
    which = np.zeros(len(hit), dtype="int64")
    names = ["ledger"]
    prior: float | np.ndarray = ledger
    if within is not None:
        name, kinds = within[0], np.asarray(within[1], dtype="int64")
        names.append(name)
        group = _hit_shares(hit, kinds, w, ledger)
        typed = kinds >= 0
        share[typed] = group[kinds[typed]]  # the floor: no longer the ledger's share
        which[typed] = 1
        prior = share.copy()
        contexts = [(context, np.where(typed & (codes >= 0), combine_codes(codes, kinds), -1))
                    for context, codes in contexts]
    for number, (name, codes) in enumerate(contexts, start=len(names)):
        codes = np.asarray(codes, dtype="int64")
        names.append(name)
        if not len(rows):
            continue
        group = _hit_shares(hit, codes, w, _group_prior(codes, prior), min_others=MIN_OTHERS)
        at = codes[rows]
        mine = np.where(at >= 0, group[np.maximum(at, 0)], -1.0)
        higher = mine > share[rows]
        share[rows[higher]] = mine[higher]
        which[rows[higher]] = number
    return Habit(share=share, context=which, names=names, ledger_share=ledger, units=int(round(total)))


def _group_prior(codes: np.ndarray, prior: float | np.ndarray) -> float | np.ndarray:
    """The share each group is smoothed toward: the ledger's, or per group the share of the kind its rows are of."""
    if np.ndim(prior) == 0:
        return prior
    known = codes >= 0
    out = np.zeros(int(codes.max(initial=-1)) + 1)
    out[codes[known]] = np.asarray(prior)[known]
    return out


def own_context_share(hit: np.ndarray, codes: np.ndarray, weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row that shows the pattern: (its group's smoothed share of `hit`, its own unit left out, as
    `habitual_share` computes it; the group's lines). NaN and 0 where the row has no group."""
    hit = np.asarray(hit, dtype=bool)
    w = np.ones(len(hit)) if weight is None else np.asarray(weight, dtype="float64")
    total = float(w.sum())
    codes = np.asarray(codes, dtype="int64")
    group = _hit_shares(hit, codes, w, float(w[hit].sum() / total) if total > 0 else 0.0)
    known = codes >= 0
    lines = np.bincount(codes[known], minlength=len(group))
    at = np.maximum(codes, 0)
    return np.where(known, group[at], np.nan), np.where(known, lines[at], 0)


def _hit_shares(hit: np.ndarray, codes: np.ndarray, weight: np.ndarray, ledger: float | np.ndarray,
                min_others: float = -1.0) -> np.ndarray:
    """Per group code: the smoothed share of `hit` as a hit of that group sees it. A hit is judged by the group's
    other postings: its own (up to one unit, a whole voucher when rows are weighted per voucher) is left out, so a
    one-off account or user with the pattern is not its own habit."""
    size = _group_sizes(codes, weight)
    known = (codes >= 0) & hit
    hits = np.bincount(codes[known], weights=weight[known], minlength=len(size))
    own = np.minimum(hits, 1.0)
    others = np.where(hits - own > min_others, hits - own, 0.0)  # as few others: no habit of the group's own
    return (others + SMOOTHING * ledger) / (np.maximum(size - own, 0.0) + SMOOTHING)


def _group_sizes(codes: np.ndarray, weight: np.ndarray) -> np.ndarray:
    known = codes >= 0
    return np.bincount(codes[known], weights=weight[known], minlength=int(codes.max(initial=-1)) + 1)


def rarity_score(share: np.ndarray, max_share: float, severity_score: float) -> np.ndarray:
    """Severity score scaled by how far below `max_share` the pattern's share is: the full score for a
    pattern never seen here, half at the limit, zero above it (not rare here: no finding)."""
    share = np.asarray(share, dtype="float64")
    scale = 1.0 - 0.5 * np.clip(share / max_share, 0.0, 1.0) if max_share > 0 else np.zeros_like(share)
    return np.where(share <= max_share, severity_score * scale, 0.0)


def ledger_limit(values: np.ndarray, prior: float, max_share: float, margin: float = 1.5) -> tuple[float, float]:
    """(limit, quantile): the value beyond which a magnitude is unusual for this ledger. The ledger's
    (1 - max_share) quantile times `margin`, never below the prior limit: where a company always books
    a month late, only what is far later than its own habit stands out."""
    values = np.asarray(values, dtype="float64")
    values = values[~np.isnan(values)]
    if not len(values):
        return float(prior), float("nan")
    q = float(np.quantile(values, 1.0 - max_share))
    return max(float(prior), q * margin), q


def percent(share: float | np.ndarray) -> np.ndarray | str:
    """'0.4 %', '12 %', '< 0.1 %': a share as an auditor reads it."""
    def one(x: float) -> str:
        if x <= 0:
            return "0 %"
        if x < 0.001:
            return "< 0.1 %"
        return f"{x * 100:.1f} %" if x < 0.1 else f"{x * 100:.0f} %"
    if np.ndim(share) == 0:
        return one(float(share))
    return pd.Series(np.asarray(share, dtype="float64")).map(one).to_numpy(dtype=object)


def describe_habit(habit: Habit, rows: np.ndarray, what: str, labels: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Per given row: '0.4 % of this ledger's <what>' or, where a context is the most habitual one,
    '2.1 % of account 1930's <what>' (labels[name] holds each row's context value)."""
    rows = np.asarray(rows, dtype="int64")
    out = np.asarray(percent(habit.share[rows]), dtype=object) + (" of this ledger's " + what)
    for number, name in enumerate(habit.names):
        if number == 0 or not name or labels is None or name not in labels:
            continue
        at = habit.context[rows] == number
        if at.any():
            label = np.asarray(labels[name], dtype=object)[at]
            whose = label + "'s " if name != "partner" else label + " "  # a partner's label is its own possessive
            out[at] = (np.asarray(percent(habit.share[rows][at]), dtype=object) + " of "
                       + ("" if name == "partner" else name + " ") + whose + what)
    return out


def unit_weights(transactions: pd.DataFrame) -> tuple[np.ndarray, str]:
    """(weight per row, unit name): 1 / lines of its voucher, so a share counts vouchers, where the upload
    has voucher ids; else 1 per line. Lines without a voucher id count as one voucher each."""
    if "voucher_id" not in transactions or transactions["voucher_id"].isna().all():
        return np.ones(len(transactions)), "lines"
    codes = encode(transactions["voucher_id"])[0]
    valid = codes >= 0
    lines = np.bincount(codes[valid]) if valid.any() else np.zeros(0)
    return np.where(valid, 1.0 / np.where(valid, lines[np.maximum(codes, 0)] if len(lines) else 1, 1), 1.0), "vouchers"


def context_codes(transactions: pd.DataFrame, *columns: str) -> list[tuple[str, np.ndarray]]:
    """(context name, codes) for each column the upload has data in ('account' -> ('account', codes))."""
    out = []
    for column in columns:
        if has_values(transactions, column):
            codes = encode(transactions[column], _stripped)[0]
            out.append((column.replace("_name", ""), codes))
    return out


def population(transactions: pd.DataFrame, reference: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(frame whose base rates are measured, offset of the scored rows in it): the upload itself, or the
    earlier uploads followed by this one, whose rows then start at the offset."""
    if reference is transactions:
        return transactions, 0
    columns = [c for c in transactions.columns if c in reference.columns]
    both = pd.concat([reference[columns], transactions[columns]], ignore_index=True)
    return both, len(reference)


def _stripped(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()
