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
    least that many months (the rent, a retainer, a standing order), whose date the calendar chose. Where the
    weekend is the ledger's habit but one of its days is not (a shop open on Saturdays rests on Sundays:
    `_rest_days`), that day's postings are judged by its own share."""

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

        result = dated_pattern(transactions, shared, config, on_weekend, "fall on a weekend", label, month_start=True)
        rest = _rest_days(shared, config, on_weekend)
        for day in rest:  # a shop open on Saturdays rests on Sundays: judged by the day's own share
            def on_day(frame: pd.DataFrame, day: int = day) -> np.ndarray:
                return (frame["posting_date"].dt.dayofweek.fillna(-1).to_numpy(dtype="int64") + 1) == day

            result = _also(result, dated_pattern(transactions, shared, config, on_day,
                                               f"fall on a {DAY_NAMES[day - 1]}", label, month_start=True,
                                               against_the_account=False))
        result.summary["rest_days"] = [str(DAY_NAMES[day - 1]) for day in rest]
        return result


#: a weekend day is a rest day of a ledger that works the others where it holds at most this share of the
#: weekend's vouchers (and half of `max_share` of all)
REST_DAY_SHARE = 0.1


def _rest_days(shared: SharedWork, config: dict[str, Any], on_weekend: Any) -> list[int]:
    """The weekend days (ISO numbers) this ledger rests on while it works the others: its weekend postings are too
    many to be rare (over `max_share` of its vouchers), but hardly any fall on the day."""
    frame, _ = shared.population()
    weight, _ = shared.unit_weights("population")
    total = float(weight.sum())
    weekend = on_weekend(frame)
    if total <= 0 or float(weight[weekend].sum()) / total <= config["max_share"]:
        return []
    day = frame["posting_date"].dt.dayofweek.fillna(-1).to_numpy(dtype="int64") + 1
    share = {d: float(weight[day == d].sum()) / total for d in config["weekend_days"]}
    on_weekends = sum(share.values())
    return [d for d, x in share.items()
            if x <= REST_DAY_SHARE * on_weekends and x <= config["max_share"] / 2]


def _also(first: DetectionResult, second: DetectionResult) -> DetectionResult:
    """`first`, with the rows only `second` flags taken from it (a rest day's rows its own test flags)."""
    a, b = first.scores, second.scores
    take = b["flagged"].to_numpy(dtype=bool) & ~a["flagged"].to_numpy(dtype=bool)
    scores = a.copy()
    for column in ("score", "flagged", "reason", "severity"):
        if column in scores:
            scores[column] = np.where(take, b[column].to_numpy(dtype=object), a[column].to_numpy(dtype=object))
    scores["score"] = scores["score"].astype("float64")
    scores["flagged"] = scores["flagged"].astype(bool)
    return DetectionResult(scores=scores, summary=first.summary)
