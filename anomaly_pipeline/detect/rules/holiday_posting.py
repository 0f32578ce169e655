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
    months (the rent, a retainer, a standing order), whose date the calendar chose.

    A holiday this company works is none of its holidays: where the ledger books at least `worked_share` of its
    usual vouchers for that weekday (the median over the same weekday in the four weeks before and after,
    holidays aside, where that is at least `min_usual` vouchers), the day is left out of the calendar (a Danish or British company on Sweden's
    national day, a restaurant open on Whit Monday). Too few vouchers a day to tell, and the calendar stands."""

    algorithm = "holiday_posting"
    kind = "rule"
    description = "Postings on public holidays (configurable country, default Sweden) over an amount threshold."
    required_columns = ("posting_date", "amount")
    default_config = {"country": "SE", "subdivision": "", "categories": ["public", "de_facto"], "language": "",
                      "min_amount": 0.0, "skip_month_end": True, "scheduled_months": 4, "max_share": 0.02,
                      "worked_share": 0.5, "min_usual": 4.0, "severity": "medium"}
    default_weight = 0.6

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "min_amount", 0)
        check_min(self.algorithm, config, "scheduled_months", 0)
        check_share(self.algorithm, config, "max_share")
        check_share(self.algorithm, config, "worked_share")
        check_min(self.algorithm, config, "min_usual", 1)
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
        worked: pd.Series = pd.Series(dtype="string")

        def on_holiday(frame: pd.DataFrame) -> np.ndarray:
            nonlocal names, worked
            dates = frame["posting_date"].dt.normalize()
            years = sorted({int(y) for y in dates.dt.year.dropna().unique()})
            calendar = _calendar(config, years)
            names = pd.Series({pd.Timestamp(day): name for day, name in calendar.items()}, dtype="string")
            worked = names[_worked(dates, shared.unit_weights("population")[0], names.index, config)]
            names = names.drop(worked.index)
            return dates.isin(names.index).to_numpy(dtype=bool)

        def label(frame: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
            dates = frame["posting_date"].dt.normalize().iloc[idx]
            return ("posted on " + dates.map(names).astype("string").fillna("?").to_numpy(dtype=object) + " "
                    + ymd(dates) + ", amount " + money(frame["amount"].iloc[idx]))

        result = dated_pattern(transactions, shared, config, on_holiday, "fall on a holiday", label)
        result.summary.update({"country": config["country"], "holidays_in_range": len(names),
                               "holidays_worked": [f"{name} {day:%Y-%m-%d}" for day, name in worked.items()]})
        return result


def _worked(dates: pd.Series, weight: np.ndarray, days_off: pd.DatetimeIndex, config: dict[str, Any]) -> np.ndarray:
    """Per holiday: whether the ledger books at least `worked_share` of its usual vouchers (`weight` per row) that
    day, usual being the median over the same weekday of the four weeks before and after (holidays aside), where
    that is at least `min_usual`: a quiet January is no reason to read Epiphany as a day off."""
    dated = dates.notna().to_numpy()
    if not dated.any() or not len(days_off):
        return np.zeros(len(days_off), dtype=bool)
    per_day = pd.Series(weight[dated]).groupby(dates[dated].to_numpy()).sum()
    days = pd.date_range(per_day.index.min() - pd.Timedelta(weeks=4), per_day.index.max() + pd.Timedelta(weeks=4))
    per_day = per_day.reindex(days, fill_value=0.0)
    inside = (days >= per_day.index.min() + pd.Timedelta(weeks=4)) & (days <= per_day.index.max() - pd.Timedelta(weeks=4))
    counts = per_day.to_numpy().copy()
    counts[~inside | days.isin(days_off)] = np.nan  # outside the ledger's dates, or a holiday: no evidence
    at = days.get_indexer(days_off)
    known = at >= 0
    weeks = np.r_[-4:0, 1:5] * 7
    near = np.where(known[:, None], np.clip(at[:, None] + weeks[None, :], 0, len(days) - 1), 0)
    usual = pd.DataFrame(np.where(known[:, None], counts[near], np.nan)).median(axis=1).to_numpy()
    on = np.where(known, per_day.to_numpy()[np.maximum(at, 0)], np.nan)
    return (usual >= config["min_usual"]) & (on >= config["worked_share"] * usual)


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
