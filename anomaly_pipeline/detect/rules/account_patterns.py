"""How accounts are used: account pairs that rarely meet in one voucher, and accounts hardly ever used.
Baselines come from the reference population (by default the upload itself)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.detect.rules._common import (
    check_min,
    check_severity,
    flag_result,
    money,
    nothing_flagged,
    text,
    voucher_keys,
)


def _voucher_accounts(frame: pd.DataFrame, max_lines: int) -> pd.DataFrame:
    """Distinct (voucher, account) of vouchers with at most `max_lines` distinct accounts."""
    va = pd.DataFrame({"voucher": voucher_keys(frame), "account": frame["account"].astype("string").str.strip()})
    va = va.dropna().drop_duplicates()
    width = va.groupby("voucher")["account"].transform("size")
    return va[width <= max_lines]


def _pairs(va: pd.DataFrame) -> pd.DataFrame:
    pairs = va.merge(va, on="voucher", suffixes=("_a", "_b"))
    return pairs[pairs["account_a"] < pairs["account_b"]]


class RareAccountCombination(AnomalyDetectionAlgorithm):
    """Two accounts booked in one voucher that appear together in at most `max_pair_vouchers` vouchers of
    the reference although each is common (in at least `min_account_vouchers` vouchers): an unusual
    debit/credit combination. Needs `min_vouchers` vouchers; vouchers with more than `max_voucher_accounts`
    distinct accounts (payroll, allocations) are left out of the pair count."""

    algorithm = "rare_account_combination"
    kind = "rule"
    description = "Account pairs that rarely appear together in a voucher although each account is common."
    required_columns = ("voucher_id", "account")
    default_config = {"max_pair_vouchers": 1, "min_account_vouchers": 5, "min_vouchers": 30,
                      "max_voucher_accounts": 30, "severity": "low"}
    default_weight = 0.3

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "max_pair_vouchers", 1)
        check_min(self.name(), config, "min_account_vouchers", 1)
        check_min(self.name(), config, "min_vouchers", 2)
        check_min(self.name(), config, "max_voucher_accounts", 2)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        if "voucher_id" not in reference or reference["voucher_id"].isna().all():
            return DetectionResult.skip("the reference population has no voucher ids")
        ref_va = _voucher_accounts(reference, config["max_voucher_accounts"])
        vouchers = ref_va["voucher"].nunique()
        summary: dict[str, Any] = {"vouchers": int(vouchers)}
        if vouchers < config["min_vouchers"]:
            return DetectionResult.skip(f"only {vouchers} vouchers, fewer than min_vouchers {config['min_vouchers']}")
        account_vouchers = ref_va.groupby("account").size()
        pair_vouchers = _pairs(ref_va).groupby(["account_a", "account_b"]).size()
        pairs = _pairs(_voucher_accounts(transactions, config["max_voucher_accounts"]))
        pairs["together"] = pair_vouchers.reindex(pd.MultiIndex.from_frame(pairs[["account_a", "account_b"]])).fillna(0).to_numpy()
        pairs["n_a"] = pairs["account_a"].map(account_vouchers).fillna(0).to_numpy()
        pairs["n_b"] = pairs["account_b"].map(account_vouchers).fillna(0).to_numpy()
        rare = pairs[(pairs["together"] <= config["max_pair_vouchers"])
                     & (pairs[["n_a", "n_b"]].min(axis=1) >= config["min_account_vouchers"])]
        summary["rare_pairs"] = int(len(rare[["account_a", "account_b"]].drop_duplicates()))
        if rare.empty:
            return nothing_flagged(transactions, summary)
        phrase = ("accounts " + rare["account_a"] + " and " + rare["account_b"] + " appear together in "
                  + rare["together"].astype(int).astype(str) + " of " + f"{vouchers}" + " vouchers although they are in "
                  + rare["n_a"].astype(int).astype(str) + " and " + rare["n_b"].astype(int).astype(str) + " vouchers")
        both = pd.concat([pd.DataFrame({"voucher": rare["voucher"], "account": rare["account_a"], "phrase": phrase}),
                          pd.DataFrame({"voucher": rare["voucher"], "account": rare["account_b"], "phrase": phrase})])
        per_line = both.groupby(["voucher", "account"])["phrase"].agg(lambda s: "; ".join(s.head(3)))
        key = pd.MultiIndex.from_arrays([voucher_keys(transactions), transactions["account"].astype("string").str.strip()])
        reason = per_line.reindex(key)
        flagged = reason.notna().to_numpy()
        return flag_result(transactions, flagged, reason.to_numpy(dtype=object)[flagged], config["severity"], summary)


class SeldomUsedAccount(AnomalyDetectionAlgorithm):
    """Postings to accounts with at most `max_postings` lines in a reference of at least `min_population`
    lines."""

    algorithm = "seldom_used_account"
    kind = "rule"
    description = "Postings to accounts that are hardly ever used."
    required_columns = ("account", "amount")
    default_config = {"max_postings": 2, "min_population": 100, "severity": "low"}
    default_weight = 0.3

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "max_postings", 1)
        check_min(self.name(), config, "min_population", 10)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        if len(reference) < config["min_population"]:
            return DetectionResult.skip(f"only {len(reference)} reference lines, fewer than min_population "
                                        f"{config['min_population']}")
        usage = reference["account"].astype("string").str.strip().value_counts()
        accounts = transactions["account"].astype("string").str.strip()
        used = accounts.map(usage).fillna(0).astype("int64")
        flagged = (accounts.notna() & (used <= config["max_postings"])).to_numpy(dtype=bool)
        idx = np.flatnonzero(flagged)
        texts = ("account " + text(accounts.iloc[idx]) + " is used " + used.iloc[idx].astype(str).to_numpy(dtype=object)
                 + " time(s) in " + money([len(reference)])[0] + " lines; amount "
                 + money(transactions["amount"].iloc[idx]))
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"seldom_used_accounts": int((usage <= config["max_postings"]).sum())})
