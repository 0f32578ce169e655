"""Postings dated on a weekend day, above an amount threshold."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    SEVERITY_SCORE,
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    format_amount,
)

DAY_NAMES = np.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])


class WeekendPosting(AnomalyDetectionAlgorithm):
    """Fires on transactions whose posting date is a weekend day and whose absolute amount is at least
    `min_amount` (in the upload's currency). Weekend days are configurable (ISO weekday numbers, 6 = Sat).
    With `skip_month_end`, a month's last day is not counted: accruals and closing entries are dated so."""

    algorithm = "weekend_posting"
    kind = "rule"
    description = "Postings on Saturdays or Sundays over an amount threshold."
    required_columns = ("posting_date", "amount")
    default_config = {"min_amount": 1000.0, "weekend_days": [6, 7], "skip_month_end": True, "severity": "medium"}
    default_weight = 0.6

    def check_config(self, config: dict[str, Any]) -> None:
        if config["min_amount"] < 0:
            raise ConfigError(f"{self.name()}.min_amount: must be >= 0, got {config['min_amount']}")
        bad = [d for d in config["weekend_days"] if d not in range(1, 8)]
        if bad:
            raise ConfigError(f"{self.name()}.weekend_days: ISO weekdays 1-7 only, got {bad}")
        if config["severity"] not in SEVERITY_SCORE:
            raise ConfigError(f"{self.name()}.severity: one of {', '.join(SEVERITY_SCORE)}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        # Monday = 0; a line without a posting date (-1) is on no weekday
        weekday = transactions["posting_date"].dt.dayofweek.fillna(-1).to_numpy(dtype="int64")
        on_weekend = np.isin(weekday + 1, config["weekend_days"])
        flagged = on_weekend & (transactions["amount"].abs().to_numpy() >= config["min_amount"])
        if config["skip_month_end"]:  # period-end entries carry the month's last date even when it is a Sunday
            flagged &= ~transactions["posting_date"].dt.is_month_end.fillna(False).to_numpy(dtype=bool)
        score = np.where(flagged, SEVERITY_SCORE[config["severity"]], 0.0)
        reason = None
        if flagged.any():
            idx = np.flatnonzero(flagged)
            dates = transactions["posting_date"].iloc[idx].dt.strftime("%Y-%m-%d").to_numpy()
            reason = np.full(len(transactions), None, dtype=object)
            reason[idx] = ("posted " + DAY_NAMES[weekday[idx]] + " " + dates + ", amount "
                                + format_amount(transactions["amount"].to_numpy()[idx]).to_numpy()
                                + " ≥ " + format_amount([config["min_amount"]]).iloc[0])
        return self.build_result(transactions, score, flagged, reason, severity=config["severity"])
