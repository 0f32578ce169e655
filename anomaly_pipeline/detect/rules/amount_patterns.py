"""Amount patterns auditors test for: round amounts, tell-tale endings, and amounts just below an
approval limit (structuring to avoid a second signature)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult, encode
from anomaly_pipeline.detect.rules._common import (
    cents,
    check_min,
    check_severity,
    check_share,
    check_str_list,
    flag_result,
    money,
    rare_here,
    stripped,
    text,
)


class RoundAmount(AnomalyDetectionAlgorithm):
    """|amount| is a non-zero multiple of `multiple` (default 1 000: the '000' endings) and at least
    `min_amount`, where round amounts are rare here: at most `max_share` of the ledger's (and the account's)
    vouchers carry one. Rents and salaries are round too, so keep its weight low."""

    algorithm = "round_amount"
    kind = "rule"
    description = "Round amounts (multiples of 1 000 by default)."
    required_columns = ("amount",)
    default_config = {"multiple": 1000.0, "min_amount": 0.0, "max_share": 0.05, "severity": "low"}
    default_weight = 0.15

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "multiple", 0.01)
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        c = cents(transactions["amount"].fillna(0)).abs()
        step = round(config["multiple"] * 100)
        hit = ((c > 0) & (c % step == 0) & (transactions["amount"].abs() >= config["min_amount"])).to_numpy()
        flagged, norm, summary = rare_here(transactions, hit, config["max_share"], "carry a round amount")
        idx = np.flatnonzero(flagged)
        texts = ("round amount " + money(transactions["amount"].iloc[idx]) + " (a multiple of "
                 + money([config["multiple"]])[0] + ")") + norm
        return flag_result(transactions, flagged, texts, config["severity"], {"round": int(hit.sum()), **summary})


class AmountEnding(AnomalyDetectionAlgorithm):
    """The whole-currency part of |amount| ends in one of `endings` (default '99': 9 999, 49 990 is not):
    prices set just under a threshold, or invented figures. Only where such endings are rare here: at
    most `max_share` of the ledger's (and the account's) vouchers carry one (a retailer's 99-prices are
    its habit)."""

    algorithm = "amount_ending"
    kind = "rule"
    description = "Amounts whose whole part ends in tell-tale digits ('99' by default)."
    required_columns = ("amount",)
    default_config = {"endings": ["99"], "min_amount": 100.0, "max_share": 0.05, "severity": "low"}
    default_weight = 0.1

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.algorithm, config, "endings", allow_empty=False)
        bad = [e for e in config["endings"] if not e.isdigit()]
        if bad:
            raise ConfigError(f"{self.algorithm}.endings: digits only, got {bad}")
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        whole = (cents(transactions["amount"].fillna(0)).abs() // 100).astype(str)
        ending = pd.Series(pd.NA, index=transactions.index, dtype="string")
        for e in sorted(config["endings"], key=len):  # a few endings; the longest match is the one named
            ending = ending.mask(whole.str.endswith(e).to_numpy(), e)
        hit = (ending.notna() & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        flagged, norm, summary = rare_here(transactions, hit, config["max_share"], "carry such an ending")
        idx = np.flatnonzero(flagged)
        texts = "amount " + money(transactions["amount"].iloc[idx]) + " ends in " + ending.iloc[idx].to_numpy(dtype=object) + norm
        return flag_result(transactions, flagged, texts, config["severity"], {"matched": int(hit.sum()), **summary})


class BelowApprovalLimit(AnomalyDetectionAlgorithm):
    """Threshold avoidance as a pattern: an excess of amounts just below an approval limit compared with
    the amounts around it, per user, per account and in the whole ledger. For each limit, |amount| in
    [limit x (1 - margin), limit) is *below*; the neighbourhood is the two margins under that band and the
    two above the limit. Without avoidance the below band holds about a quarter as many distinct amounts
    as its neighbourhood (fewer, where amounts thin out upwards); where a group has at least `min_count`
    distinct amounts below and a binomial test puts the chance of so many under `alpha`, its amounts below
    the limit are flagged, at high severity: the excess is the evidence. Amounts are counted once per
    group (the same salary every month is a routine, not avoidance); one amount under a round number is
    not a finding."""

    algorithm = "below_approval_limit"
    kind = "rule"
    description = "An excess of amounts just below an approval limit over the amounts around it (per user or account)."
    required_columns = ("amount",)
    default_config = {"limits": [10000.0, 50000.0], "margin": 0.05, "min_count": 4, "alpha": 0.01,
                      "severity": "high"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        bad = [v for v in config["limits"] if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0]
        if bad or not config["limits"]:
            raise ConfigError(f"{self.algorithm}.limits: a non-empty list of positive numbers, got {config['limits']!r}")
        if not 0 < config["margin"] < 1 / 3:
            raise ConfigError(f"{self.algorithm}.margin: must be a fraction in (0, 1/3), got {config['margin']!r}")
        if not 0 < config["alpha"] < 1:
            raise ConfigError(f"{self.algorithm}.alpha: must be a fraction in (0, 1), got {config['alpha']!r}")
        check_min(self.algorithm, config, "min_count", 2)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        from scipy.stats import binom  # imported when a run needs it: the CLI starts without scipy

        size = transactions["amount"].abs().to_numpy()
        amount = cents(transactions["amount"].fillna(0)).abs().to_numpy()
        margin = config["margin"]
        groups = [("this ledger", np.zeros(len(size), dtype="int64"), None)]
        for column, label in (("user_name", "user"), ("account", "account")):
            if column in transactions and transactions[column].notna().any():
                codes, names = encode(transactions[column], stripped)
                groups.append((label, codes, names))
        flagged = np.zeros(len(size), dtype=bool)
        texts = np.full(len(size), None, dtype=object)
        found = []
        for limit in sorted(float(v) for v in config["limits"]):
            below = (size >= limit * (1 - margin)) & (size < limit)
            around = (size >= limit * (1 - 3 * margin)) & (size < limit * (1 + 2 * margin)) & ~below
            for label, codes, names in groups:
                width = int(codes.max(initial=-1)) + 1
                b, a = (_distinct_per_group(codes, amount, band, width) for band in (below, around))
                chance = binom.sf(b - 1, a + b, 0.2)  # the below band is a fifth of the window
                excess = (b >= config["min_count"]) & (chance < config["alpha"])
                hit = below & (codes >= 0) & excess[np.maximum(codes, 0)] & ~flagged
                if not hit.any():
                    continue
                idx = np.flatnonzero(hit)
                who = (label if names is None else label + " " + text(names.iloc[codes[idx]]))
                texts[idx] = ("amount " + money(transactions["amount"].iloc[idx]) + " is just below the approval limit "
                              + money([limit])[0] + "; " + who + " has " + b[codes[idx]].astype(str).astype(object)
                              + f" distinct amounts in the {margin:.0%} below it and "
                              + a[codes[idx]].astype(str).astype(object)
                              + f" in the {4 * margin:.0%} around that band")
                flagged |= hit
                found.append({"limit": limit, "group": label, "groups": int(excess.sum())})
        idx = np.flatnonzero(flagged)
        return flag_result(transactions, flagged, texts[idx], config["severity"],
                           {"limits": sorted(float(v) for v in config["limits"]), "excesses": found})


def _distinct_per_group(codes: np.ndarray, amount: np.ndarray, band: np.ndarray, width: int) -> np.ndarray:
    """Distinct amounts within `band` per group code (0..width-1)."""
    rows = band & (codes >= 0)
    pairs = pd.unique(codes[rows] * (int(amount.max(initial=0)) + 1) + amount[rows]) if rows.any() else np.zeros(0, "int64")
    return np.bincount(pairs // (int(amount.max(initial=0)) + 1), minlength=width)
