"""Postings dated on a weekend day, in a ledger (account, user) that seldom posts on weekends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.rules._common import (
    check_min,
    check_severity,
    check_share,
    dated_pattern,
    money,
    ymd,
)
from anomaly_pipeline.detect.shared import SharedWork

DAY_NAMES = np.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])


class WeekendPosting(AnomalyDetectionAlgorithm):
    """Postings dated on a weekend day (ISO weekday numbers, 6 = Sat) with |amount| >= `min_amount`, where
    weekend postings are rare for this ledger: at most `max_share` of its vouchers (and of the account's,
    the user's) fall on a weekend. A business that trades every day is not flagged for doing so. With
    `skip_month_end`, a month's last and first days are not counted: accruals and closing entries are dated on
    the last, their reversals on the next month's first. Nor is (with
    `scheduled_months` > 0) a standing entry: an account and amount booked on the same day of the month in at
    least that many months (the rent, a retainer, a standing order), whose date the calendar chose."""

    algorithm = "weekend_posting"
    kind = "rule"
    description = "Postings on Saturdays or Sundays, where the ledger seldom posts on weekends."
    required_columns = ("posting_date", "amount")
    default_config = {"min_amount": 1000.0, "weekend_days": [6, 7], "skip_month_end": True, "scheduled_months": 4,
                      "max_share": 0.02, "severity": "medium"}
    default_weight = 0.6

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "min_amount", 0)
        check_min(self.algorithm, config, "scheduled_months", 0)
        bad = [d for d in config["weekend_days"] if d not in range(1, 8)]
        if bad:
            raise ConfigError(f"{self.algorithm}.weekend_days: ISO weekdays 1-7 only, got {bad}")
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        def on_weekend(frame: pd.DataFrame) -> np.ndarray:
            weekday = frame["posting_date"].dt.dayofweek.fillna(-1).to_numpy(dtype="int64")  # Monday = 0
            return np.isin(weekday + 1, config["weekend_days"])

        def label(frame: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
            dates = frame["posting_date"].iloc[idx]
            return ("posted " + DAY_NAMES[dates.dt.dayofweek.to_numpy()].astype(object) + " " + ymd(dates)
                    + ", amount " + money(frame["amount"].iloc[idx]) + " ≥ " + money([config["min_amount"]])[0])

        return dated_pattern(transactions, shared, config, on_weekend, "fall on a weekend", label, month_start=True)
