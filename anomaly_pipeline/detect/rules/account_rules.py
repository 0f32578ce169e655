"""Account-specific rules the auditor configures: amount limits per account, account pairs that must not
meet in one voucher, and accounts where every posting deserves a look. Defaults flag nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.rules._common import (
    check_min,
    check_severity,
    check_str_list,
    flag_result,
    longest_prefix,
    matches_prefix,
    money,
    nothing_flagged,
    text,
    voucher_keys,
)
from anomaly_pipeline.detect.shared import SharedWork


class AccountAmountLimit(AnomalyDetectionAlgorithm):
    """`limits` maps an account or account prefix to the largest |amount| it may carry; the longest
    matching prefix applies. Empty by default."""

    algorithm = "account_amount_limit"
    kind = "rule"
    description = "Postings above a configured per-account (or account-prefix) amount limit."
    required_columns = ("account", "amount")
    default_config = {"limits": {}, "severity": "medium"}
    default_weight = 0.75

    def check_config(self, config: dict[str, Any]) -> None:
        for prefix, limit in config["limits"].items():
            if not isinstance(prefix, str) or not prefix:
                raise ConfigError(f"{self.algorithm}.limits: keys must be account prefixes as text, got {prefix!r}")
            if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
                raise ConfigError(f"{self.algorithm}.limits.{prefix}: must be a number >= 0, got {limit!r}")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        limits = {str(k): float(v) for k, v in config["limits"].items()}
        if not limits:
            return nothing_flagged(transactions, {"limits": 0})
        rule = longest_prefix(transactions["account"], list(limits))
        limit = rule.map(limits).astype("float64")
        flagged = (transactions["amount"].abs() > limit).fillna(False).to_numpy(dtype=bool)
        idx = np.flatnonzero(flagged)
        texts = ("amount " + money(transactions["amount"].iloc[idx]) + " exceeds the limit "
                 + money(limit.iloc[idx]) + " for account " + text(transactions["account"].iloc[idx])
                 + " (rule '" + text(rule.iloc[idx]) + "')")
        return flag_result(transactions, flagged, texts, config["severity"], {"limits": len(limits)})


class ForbiddenAccountPair(AnomalyDetectionAlgorithm):
    """`pairs` lists [prefix_a, prefix_b] combinations that must not appear in one voucher (e.g. cash
    against a suspense account). Every line of either side in such a voucher is flagged."""

    algorithm = "forbidden_account_pair"
    kind = "rule"
    double_entry_only = True
    description = "Vouchers combining two accounts that must not be booked together (configured pairs)."
    required_columns = ("voucher_id", "account", "amount")
    default_config = {"pairs": [], "severity": "high"}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        for pair in config["pairs"]:
            if (not isinstance(pair, list | tuple) or len(pair) != 2
                    or not all(isinstance(p, str) and p for p in pair)):
                raise ConfigError(f"{self.algorithm}.pairs: each pair must be two account prefixes, got {pair!r}")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        vouchers = voucher_keys(transactions)
        accounts = transactions["account"].astype("string")
        reason = np.full(len(transactions), "", dtype=object)
        for a, b in config["pairs"]:  # a handful of configured pairs
            for this, other in ((a, b), (b, a)):
                is_this, is_other = matches_prefix(accounts, [this]), matches_prefix(accounts, [other])
                partner = accounts[is_other].groupby(vouchers[is_other]).first()
                other_account = vouchers.map(partner)
                hit = is_this & other_account.notna().to_numpy() & vouchers.notna().to_numpy()
                found = np.where(hit, "voucher " + text(vouchers) + " posts to " + text(accounts)
                                 + " together with " + text(other_account) + " (forbidden pair " + a + " + " + b + ")",
                                 "")
                reason = np.where((reason != "") & (found != ""), reason + "; " + found, reason + found)
        flagged = reason != ""
        return flag_result(transactions, flagged, reason[flagged], config["severity"],
                           {"pairs": len(config["pairs"]), "vouchers": int(vouchers[flagged].nunique())})


class SensitiveAccount(AnomalyDetectionAlgorithm):
    """Every posting to one of `accounts` (accounts or prefixes) with |amount| >= `min_amount`: suspense,
    related-party, owner or write-off accounts the auditor wants to see in full. Empty by default."""

    algorithm = "sensitive_account"
    kind = "rule"
    description = "Any posting to a configured sensitive account (suspense, related party, write-offs...)."
    required_columns = ("account", "amount")
    default_config = {"accounts": [], "min_amount": 0.0, "severity": "medium"}
    default_weight = 0.75

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.algorithm, config, "accounts")
        check_min(self.algorithm, config, "min_amount", 0)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        rule = longest_prefix(transactions["account"], config["accounts"])
        flagged = (rule.notna() & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        idx = np.flatnonzero(flagged)
        name = (" " + text(transactions["account_name"].iloc[idx]) if "account_name" in transactions
                else np.full(len(idx), "", dtype=object))
        name = np.where(name == " ?", "", name)
        texts = ("posting of " + money(transactions["amount"].iloc[idx]) + " to sensitive account "
                 + text(transactions["account"].iloc[idx]) + name + " (listed as '" + text(rule.iloc[idx]) + "')")
        return flag_result(transactions, flagged, texts, config["severity"], {"accounts": len(config["accounts"])})
