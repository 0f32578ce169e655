"""An amount against the rolling median of the same account's previous postings, in time order."""

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


class MovingAverageDeviation(AnomalyDetectionAlgorithm):
    """For each posting, the previous `window` postings of its account (ordered by posting date, then
    line order) give a rolling median and interquartile spread of log10|amount|. The deviation in
    spreads (floored at `min_spread` and at `account_spread_share` of the account's whole-reference
    spread, so a window of near-identical amounts does not make an ordinary one look extreme) above `threshold`, and a ratio to the rolling median of at least
    `min_ratio` (or at most its inverse), flags the posting. Needs `min_history` previous postings.
    `direction` "up" judges only amounts above the rolling median (a bank account's small fees between
    large payments are no finding), "both" judges both sides. Unlike the account-wide z-score it follows drift: a rent raised in June is normal by August."""

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
                raise ConfigError(f"{self.name()}.{key}: out of range, got {config[key]!r}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        same = len(reference) == len(transactions) and np.array_equal(
            reference["transaction_id"].to_numpy(), transactions["transaction_id"].to_numpy())
        # history = the reference's postings followed by those scored (once, when they are the same rows)
        scored = transactions.assign(_scored=True, _row=np.arange(len(transactions)))
        parts = [scored] if same else [reference.assign(_scored=False, _row=-1), scored]
        work = pd.concat([p[["account", "posting_date", "amount", "_scored", "_row"]] for p in parts], ignore_index=True)
        work["_pos"] = np.arange(len(work))
        work["account"] = work["account"].astype("string").fillna("")
        work["mag"] = np.log10(work["amount"].abs().clip(lower=0.01))
        work = work.dropna(subset=["posting_date"]).sort_values(["account", "posting_date", "_pos"], kind="stable")
        window, minp = config["window"], config["min_history"]
        prev = work.groupby("account", sort=False)["mag"].shift(1)
        rolling = prev.groupby(work["account"], sort=False).rolling(window, min_periods=minp)
        median = rolling.median().reset_index(level=0, drop=True)
        spread = (rolling.quantile(0.75) - rolling.quantile(0.25)).reset_index(level=0, drop=True) / 1.349
        work["median"] = median.reindex(work.index)
        ref_acc = reference["account"].astype("string").fillna("")
        ref_mag = np.log10(reference["amount"].abs().clip(lower=0.01))
        q = ref_mag.groupby(ref_acc).quantile([0.25, 0.75]).unstack()
        account_spread = work["account"].map((q[0.75] - q[0.25]) / 1.349).fillna(0.0) * config["account_spread_share"]
        work["spread"] = np.maximum(spread.reindex(work.index), account_spread).clip(lower=config["min_spread"])
        work["history"] = work.groupby("account", sort=False).cumcount().clip(upper=window)
        work["z"] = ((work["mag"] - work["median"]) / work["spread"]).fillna(0.0)
        work["ratio"] = 10 ** (work["mag"] - work["median"])
        work = work[work["_scored"]].set_index("_row")
        z = work["z"].reindex(np.arange(len(transactions))).fillna(0.0).to_numpy()
        ratio = work["ratio"].reindex(np.arange(len(transactions))).to_numpy()
        threshold = config["threshold"]
        if config["direction"] == "up":
            z = np.maximum(z, 0.0)
        big = np.nan_to_num(np.maximum(ratio, 1 / ratio), nan=1.0) >= config["min_ratio"]
        flagged = (np.abs(z) >= threshold) & big
        score = np.clip((np.abs(z) - threshold / 2) / threshold, 0.0, 1.0)
        score = np.where(flagged, np.maximum(score, 0.5), np.minimum(score, 0.49))
        reason = pd.Series(pd.NA, index=transactions.index, dtype="string")
        if flagged.any():
            idx = np.flatnonzero(flagged)
            sel = work.loc[idx]
            r = ratio[idx]
            direction = np.where(r >= 1, pd.Series(r).map("{:.1f}× ".format), pd.Series(1 / r).map("1/{:.1f} of ".format))
            reason.iloc[idx] = ("amount " + format_amount(transactions["amount"].to_numpy()[idx]).to_numpy() + " is "
                                + direction + "the rolling median of account " + sel["account"].to_numpy()
                                + "'s previous " + sel["history"].astype("string").to_numpy() + " postings ("
                                + format_amount(10 ** sel["median"].to_numpy()).to_numpy() + "); z "
                                + pd.Series(z[idx]).map("{:.1f}".format).to_numpy())
        return self.build_result(transactions, score, flagged, reason, severity="medium")
