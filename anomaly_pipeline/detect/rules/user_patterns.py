"""Who posts where: a user who almost never posts to an account doing so."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.rules._common import check_min, check_severity, flag_result, money, text


class UnusualUserAccount(AnomalyDetectionAlgorithm):
    """Postings by a user who made at most `max_share` of an account's postings in the reference, on
    accounts with at least `min_account_postings` postings (so the share means something)."""

    algorithm = "unusual_user_account"
    kind = "rule"
    description = "Postings by a user who rarely posts to that account (tiny share of its postings)."
    required_columns = ("user_name", "account", "amount")
    default_config = {"max_share": 0.02, "min_account_postings": 30, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        if not 0 < config["max_share"] < 1:
            raise ConfigError(f"{self.name()}.max_share: must be a fraction in (0, 1), got {config['max_share']!r}")
        check_min(self.name(), config, "min_account_postings", 2)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        ref = pd.DataFrame({"account": reference["account"].astype("string").str.strip(),
                            "user": reference["user_name"].astype("string").str.strip()}) if "user_name" in reference \
            else pd.DataFrame(columns=["account", "user"], dtype="string")
        per_account = ref.groupby("account").size()
        per_user = ref.dropna().groupby(["account", "user"]).size()
        accounts = transactions["account"].astype("string").str.strip()
        users = transactions["user_name"].astype("string").str.strip()
        key = pd.MultiIndex.from_arrays([accounts, users])
        mine = per_user.reindex(key).fillna(0).to_numpy(dtype="float64")
        total = accounts.map(per_account).fillna(0).to_numpy(dtype="float64")
        share = np.divide(mine, total, out=np.ones_like(mine, dtype=float), where=total > 0)
        flagged = (users.notna().to_numpy() & (total >= config["min_account_postings"])
                   & (share <= config["max_share"]))
        idx = np.flatnonzero(flagged)
        texts = ("user " + text(users.iloc[idx]) + " made " + mine[idx].astype(int).astype(str).astype(object)
                 + " of the " + total[idx].astype(int).astype(str).astype(object) + " postings on account "
                 + text(accounts.iloc[idx]) + " (" + pd.Series(share[idx] * 100).map("{:.1f}%".format).to_numpy(dtype=object)
                 + "); amount " + money(transactions["amount"].iloc[idx]))
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"accounts_tested": int((per_account >= config["min_account_postings"]).sum())})
