"""Lines that repeat or cancel other lines: exact duplicates, near-duplicates (same amount, account and
counterparty a few days apart) and reversals (a line that negates an earlier one on the same account)."""

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
    matches_prefix,
    money,
    nothing_flagged,
    text,
    voucher_label,
    ymd,
)


def _norm(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def _vouchers(transactions: pd.DataFrame) -> pd.Series:
    if "voucher_id" in transactions:
        return transactions["voucher_id"].astype("string")
    return pd.Series(pd.NA, index=transactions.index, dtype="string")


class ExactDuplicate(AnomalyDetectionAlgorithm):
    """Lines with the same account, amount, posting date and text. Where the upload has vouchers, the
    copies must sit in different vouchers (identical lines inside one voucher are usually a split)."""

    algorithm = "exact_duplicate"
    kind = "rule"
    description = "Exact duplicates: same amount, account, date and text."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"min_amount": 0.0, "severity": "medium"}
    default_weight = 0.75

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "min_amount", 0)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        desc = _norm(transactions["description"]) if "description" in transactions else pd.Series("", index=transactions.index)
        amount = cents(transactions["amount"].fillna(0))
        key = pd.DataFrame({"account": transactions["account"].astype("string").str.strip(), "cents": amount,
                            "date": transactions["posting_date"], "desc": desc})
        group = key.groupby(["account", "cents", "date", "desc"], dropna=False).ngroup()
        vouchers = _vouchers(transactions)
        size = group.map(group.value_counts())
        has_vouchers = vouchers.notna().any()
        spread = (vouchers.fillna("").groupby(group).transform("nunique") if has_vouchers
                  else pd.Series(2, index=transactions.index))
        flagged = ((size >= 2) & (spread >= 2) & (amount != 0)
                   & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        idx = np.flatnonzero(flagged)
        others = (size.iloc[idx] - 1).astype(str).to_numpy(dtype=object)
        texts = ("identical to " + others + " other line(s): account " + text(key["account"].iloc[idx])
                 + ", amount " + money(transactions["amount"].iloc[idx]) + ", " + ymd(key["date"].iloc[idx])
                 + ", text '" + (transactions["description"].astype("string").fillna("").iloc[idx].to_numpy(dtype=object)
                                 if "description" in transactions else "") + "'")
        if has_vouchers and len(idx):
            listed = vouchers.iloc[idx].groupby(group.iloc[idx]).agg(lambda s: ", ".join(sorted(set(s.dropna()))))
            texts = texts + " in vouchers " + group.iloc[idx].map(listed).to_numpy(dtype=object)
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"duplicate_groups": int(group[flagged].nunique())})


class NearDuplicate(AnomalyDetectionAlgorithm):
    """Lines with the same account, amount and counterparty within `days` days of each other (different
    vouchers where there are vouchers), other than exact duplicates (their own rule): a payment made twice."""

    algorithm = "near_duplicate"
    kind = "rule"
    description = "Near-duplicates: same amount, account and counterparty within N days."
    required_columns = ("posting_date", "account", "amount", "counterparty")
    default_config = {"days": 5, "min_amount": 0.0, "severity": "medium"}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "days", 0)
        check_min(self.name(), config, "min_amount", 0)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        frame = pd.DataFrame({
            "row": np.arange(len(transactions)),
            "account": transactions["account"].astype("string").str.strip(),
            "cents": cents(transactions["amount"].fillna(0)),
            "party": _norm(transactions["counterparty"]),
            "date": transactions["posting_date"],
            "desc": _norm(transactions["description"]) if "description" in transactions else "",
            "voucher": _vouchers(transactions).fillna("").to_numpy(),
        })
        frame = frame[(frame["party"] != "") & (frame["cents"] != 0)
                      & (transactions["amount"].abs() >= config["min_amount"]).to_numpy()]
        # exact twins are the other rule's business: collapse them so their neighbours are compared instead
        frame["twin"] = frame.groupby(["account", "cents", "party", "date", "desc"]).ngroup()
        reps = frame.drop_duplicates("twin").sort_values(["account", "cents", "party", "date", "row"])
        best_gap = pd.Series(np.inf, index=reps.index)
        partner = pd.Series(-1, index=reps.index, dtype="int64")
        for step in (1, -1):  # the previous and the next line of the same key are the nearest candidates
            other = reps.shift(step)
            gap = (reps["date"] - other["date"]).dt.days.abs()
            same_key = (reps["account"] == other["account"]) & (reps["cents"] == other["cents"]) & (reps["party"] == other["party"])
            distinct = (reps["voucher"] != other["voucher"]) | (reps["voucher"] == "")
            ok = same_key & (gap <= config["days"]) & distinct & (gap < best_gap)
            best_gap = best_gap.mask(ok, gap)
            partner = partner.mask(ok, other["row"].fillna(-1).astype("int64"))
        found = pd.DataFrame({"partner": partner, "gap": best_gap, "twin": reps["twin"]})[partner >= 0]
        hits = frame.merge(found, on="twin").sort_values("row")
        rows, partners, gaps = hits["row"].to_numpy(), hits["partner"].to_numpy(), hits["gap"].to_numpy()
        flagged = np.zeros(len(transactions), dtype=bool)
        flagged[rows] = True
        texts = ("same amount " + money(transactions["amount"].iloc[rows]) + ", account "
                 + text(transactions["account"].iloc[rows]) + " and counterparty "
                 + text(transactions["counterparty"].iloc[rows]) + " as the line of "
                 + ymd(transactions["posting_date"].iloc[partners]) + voucher_label(transactions, partners)
                 + ", " + gaps.astype("int64").astype(str).astype(object) + " day(s) apart")
        return flag_result(transactions, flagged, texts, config["severity"], {"near_duplicates": int(flagged.sum())})


class Reversal(AnomalyDetectionAlgorithm):
    """A line that exactly negates an earlier line on the same account within `days` days (in another
    voucher). Accounts where such pairs are routine (receivables, payables, clearing: more than
    `max_account_share` of their lines negate an earlier line at any distance, given at least
    `min_account_lines` lines) are settlement accounts and are not flagged; `exclude_account_prefixes`
    drops others by name."""

    algorithm = "reversal"
    kind = "rule"
    description = "Reversals: a line negating an earlier line on the same account within N days."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"days": 30, "max_account_share": 0.2, "min_account_lines": 10,
                      "exclude_account_prefixes": [], "min_amount": 0.0, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "days", 0)
        if not 0 < config["max_account_share"] <= 1:
            raise ConfigError(f"{self.name()}.max_account_share: must be in (0, 1], got {config['max_account_share']!r}")
        check_min(self.name(), config, "min_account_lines", 2)
        check_str_list(self.name(), config, "exclude_account_prefixes")
        check_min(self.name(), config, "min_amount", 0)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        lines = pd.DataFrame({
            "row": np.arange(len(transactions)),
            "account": transactions["account"].astype("string").str.strip().fillna("").astype(object),
            "cents": cents(transactions["amount"].fillna(0)),
            "date": transactions["posting_date"],
            "voucher": _vouchers(transactions).fillna("").astype(object).to_numpy(),
        })
        lines = lines[(lines["cents"] != 0) & lines["date"].notna()].sort_values(["date", "row"])
        if lines.empty:
            return nothing_flagged(transactions)
        earlier = lines.assign(cents=-lines["cents"]).rename(
            columns={"row": "orig_row", "date": "orig_date", "voucher": "orig_voucher"})
        earlier["date"] = earlier["orig_date"]
        # matched without a time limit first: how often an account's lines cancel earlier ones at all tells
        # settlement accounts (an invoice and its payment, however late) from accounts where it is rare
        matched = pd.merge_asof(lines, earlier, on="date", by=["account", "cents"], direction="backward")
        matched = matched[matched["orig_row"].notna()]
        matched = matched[((matched["orig_date"] < matched["date"]) | (matched["orig_row"] < matched["row"]))
                          & ((matched["voucher"] != matched["orig_voucher"]) | (matched["voucher"] == ""))]
        share = matched.groupby("account").size() / lines.groupby("account").size()
        size = lines.groupby("account").size()
        routine = share[(share > config["max_account_share"]) & (size.reindex(share.index) >= config["min_account_lines"])]
        matched = matched[((matched["date"] - matched["orig_date"]).dt.days <= config["days"])
                          & ~matched["account"].isin(routine.index)
                          & ~matches_prefix(matched["account"], config["exclude_account_prefixes"])]
        rows = matched["row"].to_numpy(dtype=int)
        rows = rows[(transactions["amount"].abs().to_numpy()[rows] >= config["min_amount"])] if len(rows) else rows
        matched = matched.set_index("row").loc[rows].reset_index().sort_values("row")
        rows, orig = matched["row"].to_numpy(dtype=int), matched["orig_row"].to_numpy(dtype=int)
        flagged = np.zeros(len(transactions), dtype=bool)
        flagged[rows] = True
        days = (matched["date"] - matched["orig_date"]).dt.days.astype(str).to_numpy(dtype=object)
        texts = ("reverses " + money(transactions["amount"].iloc[orig]) + " on account "
                 + text(transactions["account"].iloc[rows]) + " posted " + ymd(transactions["posting_date"].iloc[orig])
                 + voucher_label(transactions, orig) + ", " + days + " day(s) earlier")
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"reversals": int(flagged.sum()), "settlement_accounts_skipped": sorted(routine.index.tolist())[:50]})
