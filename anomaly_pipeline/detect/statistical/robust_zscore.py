"""Robust z-score of each amount against its account's median and MAD (on a log scale)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    format_amount,
)

MAD_TO_SIGMA = 1.4826


class RobustZScore(AnomalyDetectionAlgorithm):
    """|log10|amount| - median| / (1.4826 * MAD) per account, learned on the reference population.

    Money amounts are heavy-tailed, so the comparison is on the order of magnitude: a z of 3.5 on this
    scale is an amount far outside what the account usually carries. Accounts with fewer than
    `min_group_size` reference rows are not scored (no baseline to speak of).
    """

    algorithm = "robust_zscore"
    default_weight = 0.35
    kind = "statistical"
    description = "Amounts far from their account's usual size (median/MAD per account)."
    required_columns = ("amount", "account")
    default_config = {"threshold": 3.5, "min_group_size": 8, "group_by": "account"}

    def check_config(self, config: dict[str, Any]) -> None:
        if config["threshold"] <= 0:
            raise ConfigError(f"{self.name()}.threshold: must be > 0, got {config['threshold']}")
        if config["min_group_size"] < 3:
            raise ConfigError(f"{self.name()}.min_group_size: must be >= 3, got {config['min_group_size']}")
        if config["group_by"] not in ("account", "account_counterparty"):
            raise ConfigError(f"{self.name()}.group_by: must be 'account' or 'account_counterparty'")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        keys = _group_keys(transactions, config["group_by"])
        ref_keys = _group_keys(reference, config["group_by"])
        ref_mag = np.log10(reference["amount"].abs().clip(lower=0.01))
        stats = pd.DataFrame({"key": ref_keys, "mag": ref_mag, "abs": reference["amount"].abs()})
        grouped = stats.groupby("key", sort=False)
        baseline = pd.DataFrame({
            "median": grouped["mag"].median(),
            "count": grouped["mag"].size(),
            "median_abs": grouped["abs"].median(),
        })
        baseline["mad"] = (stats["mag"] - stats["key"].map(baseline["median"])).abs().groupby(stats["key"]).median()
        # a MAD of zero (many identical amounts) would make every other amount infinitely odd: floor it
        baseline["scale"] = (baseline["mad"] * MAD_TO_SIGMA).clip(lower=0.05)

        joined = baseline.reindex(keys.to_numpy())
        mag = np.log10(transactions["amount"].abs().clip(lower=0.01)).to_numpy()
        z = (mag - joined["median"].to_numpy()) / joined["scale"].to_numpy()
        eligible = joined["count"].to_numpy() >= config["min_group_size"]
        z = np.where(eligible, np.nan_to_num(z), 0.0)
        threshold = config["threshold"]
        # 0 up to |z| = 1, 0.5 at the threshold, 1 at twice the threshold's distance
        score = np.clip((np.abs(z) - 1.0) / (2.0 * max(threshold - 1.0, 1e-9)), 0.0, 1.0)
        flagged = np.abs(z) >= threshold
        ratio = transactions["amount"].abs().to_numpy() / joined["median_abs"].to_numpy()
        label = "account " + keys.str.replace("|", " with counterparty ", n=1, regex=False)
        reason = _reasons(transactions, label, joined, ratio, z, flagged)
        return self.build_result(
            transactions, score, flagged, reason, severity="medium",
            summary={"groups": int(len(baseline)), "groups_scored": int((baseline["count"] >= config["min_group_size"]).sum())},
        )


def _group_keys(frame: pd.DataFrame, group_by: str) -> pd.Series:
    keys = frame["account"].astype("string").fillna("")
    if group_by == "account_counterparty" and "counterparty" in frame:
        keys = keys + "|" + frame["counterparty"].astype("string").fillna("")
    return keys


def _reasons(transactions: pd.DataFrame, keys: pd.Series, joined: pd.DataFrame, ratio: np.ndarray,
             z: np.ndarray, flagged: np.ndarray) -> pd.Series:
    reason = pd.Series(pd.NA, index=transactions.index, dtype="string")
    if not flagged.any():
        return reason
    idx = np.flatnonzero(flagged)
    amounts = format_amount(transactions["amount"].to_numpy()[idx])
    medians = format_amount(joined["median_abs"].to_numpy()[idx])
    r = ratio[idx]
    with np.errstate(divide="ignore"):
        larger = pd.Series(r).map("{:.0f}×".format).to_numpy()
        smaller = pd.Series(1 / r).map("1/{:.0f} of".format).to_numpy()
    direction = np.where(r >= 1, larger, smaller)
    texts = ("amount " + amounts.to_numpy() + " is " + direction + " the median of "
             + keys.to_numpy()[idx] + " (" + medians.to_numpy() + "); robust z = "
             + pd.Series(z[idx]).map("{:.1f}".format).to_numpy())
    reason.iloc[idx] = texts
    return reason


class RobustZScoreCounterparty(RobustZScore):
    """The same robust z-score, with the baseline per account x counterparty: a supplier invoiced far above
    what that supplier usually bills on that account. Needs a counterparty column (bank statements, AP/AR)."""

    algorithm = "robust_zscore_counterparty"
    description = "Amounts far from the usual size for the account and counterparty (median/MAD per pair)."
    required_columns = ("amount", "account", "counterparty")
    # per-pair groups are tight (one supplier's invoices), so ordinary variation reaches z 3.5 there
    default_config = {"threshold": 4.5, "min_group_size": 8, "group_by": "account_counterparty"}
    default_weight = 0.6
