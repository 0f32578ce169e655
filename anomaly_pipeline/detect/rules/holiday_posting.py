"""Postings dated on a public holiday of the configured country, above an amount threshold."""

from __future__ import annotations

import functools
from typing import Any

import holidays
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


class HolidayPosting(AnomalyDetectionAlgorithm):
    """Fires on postings dated on a holiday of `country` (ISO code, python-holidays calendars) with
    |amount| >= `min_amount`. `categories` picks the calendar's kinds of holiday; for Sweden the default
    includes the de-facto days off (Midsommarafton, Julafton, Nyårsafton). Names are in the country's
    own language unless `language` says otherwise. Only where holiday postings are rare for this ledger:
    at most `max_share` of its vouchers (and of the account's, the user's). With `skip_month_end`, the last day of a month
    (Nyårsafton is also the year-end date closing entries carry) is not counted, nor (with `scheduled_months`
    > 0) a standing entry: an account and amount booked on the same day of the month in at least that many
    months (the rent, a retainer, a standing order), whose date the calendar chose."""

    algorithm = "holiday_posting"
    kind = "rule"
    description = "Postings on public holidays (configurable country, default Sweden) over an amount threshold."
    required_columns = ("posting_date", "amount")
    default_config = {"country": "SE", "subdivision": "", "categories": ["public", "de_facto"], "language": "",
                      "min_amount": 0.0, "skip_month_end": True, "scheduled_months": 4, "max_share": 0.02,
                      "severity": "medium"}
    default_weight = 0.25

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "min_amount", 0)
        check_min(self.algorithm, config, "scheduled_months", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)
        cls = _calendar_class(str(config["country"]))
        if cls is None:
            raise ConfigError(f"{self.algorithm}.country: no holiday calendar for {config['country']!r}")
        if config["language"] and config["language"] not in cls.supported_languages:
            raise ConfigError(f"{self.algorithm}.language: {config['country']} supports "
                              f"{', '.join(cls.supported_languages)}, got {config['language']!r}")
        if not set(config["categories"]) & set(cls.supported_categories):
            raise ConfigError(f"{self.algorithm}.categories: {config['country']} supports "
                              f"{', '.join(cls.supported_categories)}, got {config['categories']!r}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        names: pd.Series = pd.Series(dtype="string")

        def on_holiday(frame: pd.DataFrame) -> np.ndarray:
            nonlocal names
            dates = frame["posting_date"].dt.normalize()
            years = sorted({int(y) for y in dates.dt.year.dropna().unique()})
            calendar = _calendar(config, years)
            names = pd.Series({pd.Timestamp(day): name for day, name in calendar.items()}, dtype="string")
            return dates.isin(names.index).to_numpy(dtype=bool)

        def label(frame: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
            dates = frame["posting_date"].dt.normalize().iloc[idx]
            return ("posted on " + dates.map(names).astype("string").fillna("?").to_numpy(dtype=object) + " "
                    + ymd(dates) + ", amount " + money(frame["amount"].iloc[idx]))

        result = dated_pattern(transactions, shared, config, on_holiday, "fall on a holiday", label)
        result.summary.update({"country": config["country"], "holidays_in_range": len(names)})
        return result


@functools.lru_cache(maxsize=16)
def _calendar_class(country: str) -> type[holidays.HolidayBase] | None:
    """A country's calendar class (None: no calendar), looked up once per process: the lookup builds a
    calendar (some 4 ms), and every strategy validated checks its country."""
    try:
        return holidays.country_holidays(country).__class__
    except NotImplementedError:
        return None


def _calendar(config: dict[str, Any], years: list[int]) -> holidays.HolidayBase:
    cls = _calendar_class(str(config["country"]))
    kwargs: dict[str, Any] = {
        "years": years,
        "categories": tuple(c for c in config["categories"] if c in cls.supported_categories),
        "language": config["language"] or cls.default_language,
    }
    if config["subdivision"]:
        kwargs["subdiv"] = config["subdivision"]
    if config["country"].upper() in ("SE", "SWE"):
        kwargs["include_sundays"] = False  # Swedish calendars count every Sunday as a holiday; weekends have their own rule
    return holidays.country_holidays(config["country"], **kwargs)
