"""Amount patterns auditors test for: round amounts, tell-tale endings, and amounts just below an
approval limit (structuring to avoid a second signature)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.rules._common import (
    cents,
    check_min,
    check_severity,
    check_str_list,
    flag_result,
    money,
)


class RoundAmount(AnomalyDetectionAlgorithm):
    """|amount| is a non-zero multiple of `multiple` (default 1 000: the '000' endings) and at least
    `min_amount`. Low specificity: rents and salaries are round too, so keep its weight low."""

    algorithm = "round_amount"
    kind = "rule"
    description = "Round amounts (multiples of 1 000 by default)."
    required_columns = ("amount",)
    default_config = {"multiple": 1000.0, "min_amount": 0.0, "severity": "low"}
    default_weight = 0.15

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "multiple", 0.01)
        check_min(self.name(), config, "min_amount", 0)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        c = cents(transactions["amount"].fillna(0)).abs()
        step = round(config["multiple"] * 100)
        flagged = ((c > 0) & (c % step == 0) & (transactions["amount"].abs() >= config["min_amount"])).to_numpy()
        idx = np.flatnonzero(flagged)
        texts = ("round amount " + money(transactions["amount"].iloc[idx]) + " (a multiple of "
                 + money([config["multiple"]])[0] + ")")
        return flag_result(transactions, flagged, texts, config["severity"], {"round": int(flagged.sum())})


class AmountEnding(AnomalyDetectionAlgorithm):
    """The whole-currency part of |amount| ends in one of `endings` (default '99': 9 999, 49 990 is not):
    prices set just under a threshold, or invented figures."""

    algorithm = "amount_ending"
    kind = "rule"
    description = "Amounts whose whole part ends in tell-tale digits ('99' by default)."
    required_columns = ("amount",)
    default_config = {"endings": ["99"], "min_amount": 100.0, "severity": "low"}
    default_weight = 0.1

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.name(), config, "endings", allow_empty=False)
        bad = [e for e in config["endings"] if not e.isdigit()]
        if bad:
            raise ConfigError(f"{self.name()}.endings: digits only, got {bad}")
        check_min(self.name(), config, "min_amount", 0)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        whole = (cents(transactions["amount"].fillna(0)).abs() // 100).astype(str)
        ending = pd.Series(pd.NA, index=transactions.index, dtype="string")
        for e in sorted(config["endings"], key=len):  # a few endings; the longest match is the one named
            ending = ending.mask(whole.str.endswith(e).to_numpy(), e)
        flagged = (ending.notna() & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        idx = np.flatnonzero(flagged)
        texts = "amount " + money(transactions["amount"].iloc[idx]) + " ends in " + ending.iloc[idx].to_numpy(dtype=object)
        return flag_result(transactions, flagged, texts, config["severity"], {"matched": int(flagged.sum())})


class BelowApprovalLimit(AnomalyDetectionAlgorithm):
    """|amount| within `margin` (a fraction) below one of the approval `limits`: limit x (1 - margin) <=
    |amount| < limit."""

    algorithm = "below_approval_limit"
    kind = "rule"
    description = "Amounts just below an approval limit (default 10 000 and 50 000, within 5 %)."
    required_columns = ("amount",)
    default_config = {"limits": [10000.0, 50000.0], "margin": 0.05, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        bad = [v for v in config["limits"] if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0]
        if bad or not config["limits"]:
            raise ConfigError(f"{self.name()}.limits: a non-empty list of positive numbers, got {config['limits']!r}")
        if not 0 < config["margin"] < 1:
            raise ConfigError(f"{self.name()}.margin: must be a fraction in (0, 1), got {config['margin']!r}")
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        size = transactions["amount"].abs().to_numpy()
        limits = np.array(sorted(float(v) for v in config["limits"]))
        # the smallest limit above each amount is the one it could be dodging
        pos = np.searchsorted(limits, size, side="right")
        above = np.where(pos < len(limits), limits[np.minimum(pos, len(limits) - 1)], np.nan)
        flagged = (size >= above * (1 - config["margin"])) & (size < above)
        idx = np.flatnonzero(flagged)
        below = (above[idx] - size[idx]) / above[idx] * 100
        texts = ("amount " + money(transactions["amount"].iloc[idx]) + " is " + money(above[idx] - size[idx]) + " ("
                 + pd.Series(below).map("{:.2f}%".format).to_numpy(dtype=object) + ") below the approval limit "
                 + money(above[idx]) + " (margin " + f"{config['margin'] * 100:g}%)")
        return flag_result(transactions, flagged, texts, config["severity"], {"limits": limits.tolist()})
