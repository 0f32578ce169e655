"""An amount against the rolling median of the same account's previous postings, in time order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    format_amount,
    group_starts,
    order_by_group_and_time,
    preceding_quantiles,
)
from anomaly_pipeline.detect.settlements import sized_by_another
from anomaly_pipeline.detect.shared import SharedWork


class MovingAverageDeviation(AnomalyDetectionAlgorithm):
    """For each posting, the previous `window` postings of its account (ordered by posting date, then
    line order) give a rolling median and interquartile spread of log10|amount|. The deviation in
    spreads (floored at `min_spread` and at `account_spread_share` of the account's whole-reference
    spread, so a window of near-identical amounts does not make an ordinary one look extreme) above `threshold`, and a ratio to the rolling median of at least
    `min_ratio` (or at most its inverse), flags the posting. Needs `min_history` previous postings.
    `direction` "up" judges only amounts above the rolling median (a bank account's small fees between
    large payments are no finding), "both" judges both sides. A line settling its account's month or quarter
    (`settlements`) is not flagged. Unlike the account-wide z-score it follows drift: a rent raised in June is normal by August."""

    algorithm = "moving_average"
    kind = "statistical"
    description = "Amounts far from the rolling median of the account's previous postings."
    required_columns = ("amount", "account", "posting_date")
    default_config = {"window": 20, "min_history": 8, "threshold": 4.0, "min_ratio": 3.0, "min_spread": 0.05,
                      "account_spread_share": 0.5, "direction": "both"}
    default_weight = 0.2

    def check_config(self, config: dict[str, Any]) -> None:
        checks = {"window": config["window"] >= 3, "min_history": 2 <= config["min_history"] <= config["window"],
                  "threshold": config["threshold"] > 0, "min_ratio": config["min_ratio"] >= 1,
                  "min_spread": config["min_spread"] > 0,
                  "account_spread_share": 0 <= config["account_spread_share"] <= 1,
                  "direction": config["direction"] in ("up", "both")}
        for key, ok in checks.items():
            if not ok:
                raise ConfigError(f"{self.algorithm}.{key}: out of range, got {config[key]!r}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        n = len(transactions)
        same = transactions is reference or (len(reference) == n and np.array_equal(
            reference["transaction_id"].to_numpy(), transactions["transaction_id"].to_numpy()))
        # history = the reference's postings followed by those scored (once, when they are the same rows)
        ref_account, accounts = shared.encode("account", as_string, fill="", over="reference")
        if same:
            account, dates, amount = ref_account, transactions["posting_date"], transactions["amount"]
            scored = np.arange(n)
        else:
            own, own_accounts = shared.encode("account", as_string, fill="")
            accounts = pd.concat([accounts, own_accounts[~own_accounts.isin(accounts)]], ignore_index=True)
            account = np.concatenate([ref_account, pd.Index(accounts).get_indexer(own_accounts)[own]])
            dates = pd.concat([reference["posting_date"], transactions["posting_date"]], ignore_index=True)
            amount = pd.concat([reference["amount"], transactions["amount"]], ignore_index=True)
            scored = np.arange(n) + len(reference)
        mag = np.log10(np.clip(np.abs(amount.to_numpy(dtype="float64")), 0.01, None))
        dated = np.flatnonzero(dates.notna().to_numpy())
        order = dated[order_by_group_and_time(account[dated], dates.to_numpy()[dated])]
        acc, values = account[order], mag[order]
        window, minp = config["window"], config["min_history"]
        starts = group_starts(acc)
        median, q1, q3 = preceding_quantiles(values, starts, window, minp, (0.5, 0.25, 0.75))
        spread = (q3 - q1) / 1.349
        ref_mag = mag[: len(reference)] if not same else mag
        q = pd.Series(ref_mag).groupby(ref_account).quantile([0.25, 0.75]).unstack()
        account_spread = np.zeros(len(accounts))
        account_spread[q.index.to_numpy()] = ((q[0.75] - q[0.25]) / 1.349).fillna(0.0).to_numpy()
        spread = np.maximum(spread, account_spread[acc] * config["account_spread_share"])
        spread = np.where(np.isnan(spread), spread, np.maximum(spread, config["min_spread"]))
        history = np.minimum(np.arange(len(order)) - starts, window)
        with np.errstate(invalid="ignore", divide="ignore"):
            z_sorted = np.nan_to_num((values - median) / spread, nan=0.0, posinf=np.inf, neginf=-np.inf)
            ratio_sorted = 10 ** (values - median)
        # back to the scored rows (those without a posting date keep z 0)
        position = np.full(len(mag), -1, dtype="int64")
        position[order] = np.arange(len(order))
        at = position[scored]
        has = at >= 0
        z = np.where(has, z_sorted[np.maximum(at, 0)], 0.0)
        ratio = np.where(has, ratio_sorted[np.maximum(at, 0)], np.nan)
        threshold = config["threshold"]
        if config["direction"] == "up":
            z = np.maximum(z, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            big = np.nan_to_num(np.maximum(ratio, 1 / ratio), nan=1.0) >= config["min_ratio"]
        settles = sized_by_another(transactions, shared)
        flagged = (np.abs(z) >= threshold) & big & ~settles
        score = np.where(settles, 0.0, np.clip((np.abs(z) - threshold / 2) / threshold, 0.0, 1.0))
        score = np.where(flagged, np.maximum(score, 0.5), np.minimum(score, 0.49))
        reason = None
        if flagged.any():
            idx = np.flatnonzero(flagged)
            sel = at[idx]
            r = ratio[idx]
            direction = np.where(r >= 1, pd.Series(r).map("{:.1f}× ".format), pd.Series(1 / r).map("1/{:.1f} of ".format))
            reason = np.full(n, None, dtype=object)
            reason[idx] = ("amount " + format_amount(transactions["amount"].to_numpy()[idx]).to_numpy() + " is "
                           + direction + "the rolling median of account " + accounts.to_numpy(dtype=object)[acc[sel]]
                           + "'s previous " + history[sel].astype(str).astype(object) + " postings ("
                           + format_amount(10 ** median[sel]).to_numpy() + "); z "
                           + pd.Series(z[idx]).map("{:.1f}".format).to_numpy())
        return self.build_result(transactions, score, flagged, reason, severity="medium")

