"""Postings dated on a public holiday of the ledger's own (or a configured) country."""

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
    at most `max_share` of its vouchers (and of the account's, the user's), and at most half the share of the
    period's days that are holidays it rests on (`HABIT_OF_EXPOSURE`: a web shop booking every day has about that
    share). With `skip_month_end`, the last day of a month
    (Nyårsafton is also the year-end date closing entries carry) is not counted, nor (with `scheduled_months`
    > 0) a standing entry: an account and amount booked on the same day of the month in at least that many
    months (the rent, a retainer, a standing order), whose date the calendar chose.

    A holiday this company works is none of its holidays: where the ledger books at least `worked_share` of its
    usual vouchers for that weekday (the median over the same weekday in the four weeks before and after,
    holidays aside, where that is at least `min_usual` vouchers), the day is left out of the calendar (a Danish or
    British company on Sweden's national day, a restaurant open on Whit Monday). Too few vouchers a day to tell, and
    the calendar stands. Where a voucher's accounts book enough that weekday to tell, their own days decide
    instead, counted the same way (any account that works the day makes the voucher routine): a restaurant's
    tills on Maundy Thursday are routine while its office rests, a till settled on the day the restaurants were
    closed is not, nor is a bank voucher on a holiday the tills work.

    With `country` "auto" (the default) the ledger says whose holidays it keeps. Each of the `CANDIDATES`
    calendars scores the weekday holidays the ledger rests on, less those it works; the calendar of the country of
    the ledger's currency (else `FALLBACK_COUNTRY`) stands unless another scores at least `MIN_EVIDENCE` more (a
    Norwegian CSV without a currency: quiet on Maundy Thursday and Whit Monday, busy on Sweden's 6 June). Within
    that country, a region's calendar (a German state's, a US state's, a Swiss canton's) is taken where the ledger
    rests on its own weekday holidays, less those it works, at least `MIN_SUBDIVISION_EVIDENCE` more than on the
    country's (a Freiburg shop closed on Epiphany, Corpus Christi and All Saints). The summary says which calendar
    and why."""

    algorithm = "holiday_posting"
    kind = "rule"
    description = "Postings on public holidays (of the ledger's own country, or a configured one) over an amount threshold."
    required_columns = ("posting_date", "amount")
    default_config = {"country": "auto", "subdivision": "", "categories": ["public", "de_facto"], "language": "",
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
        if _is_auto(config):
            if config["subdivision"] or config["language"]:
                raise ConfigError(f"{self.algorithm}.country: subdivision and language need a country, not 'auto'")
            return
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
        country, why = str(config["country"]), "configured"

        def on_holiday(frame: pd.DataFrame) -> np.ndarray:
            nonlocal names, worked, country, why
            dates = frame["posting_date"].dt.normalize()
            years = tuple(sorted({int(y) for y in dates.dt.year.dropna().unique()}))
            days = _Days(dates, shared.unit_weights("population")[0])
            if _is_auto(config):
                country, why = _own_country(days, _currency(frame), years, config)
                region, region_why = _own_region(days, country, years, config)
                why = why + region_why
                calendar = _calendar(country, region, tuple(config["categories"]), "", years)
            else:
                calendar = _calendar(country, str(config["subdivision"]), tuple(config["categories"]),
                                     str(config["language"]), years)
            names = pd.Series({pd.Timestamp(day): name for day, name in calendar.items()}, dtype="string")
            usual, on = _evidence(days, names.index, config)
            worked = names[_is_worked(usual, on, config)]
            hit = dates.isin(names.index).to_numpy(dtype=bool, copy=True)
            rows = np.flatnonzero(hit)
            rests = ~dates.iloc[rows].isin(worked.index).to_numpy(dtype=bool)  # the ledger's verdict
            contexts = shared.context_codes("population", "account")
            if contexts and len(rows):  # where the voucher's accounts' own days tell, they decide
                judged, works = _account_days(days, contexts[0][1], rows, names.index, config)
                voucher = (shared.encode("voucher_id", over="population")[0][rows] if "voucher_id" in frame
                           else np.full(len(rows), -1))
                voucher = np.where(voucher >= 0, voucher, voucher.max(initial=-1) + 1 + np.arange(len(rows)))
                voucher = pd.factorize(voucher)[0]
                any_works = np.bincount(voucher, judged & works) > 0
                any_rests = np.bincount(voucher, judged & ~works) > 0
                rests = np.where(any_works[voucher], False, np.where(any_rests[voucher], True, rests))
            hit[rows] = rests
            return hit

        def label(frame: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
            dates = frame["posting_date"].dt.normalize().iloc[idx]
            return ("posted on " + dates.map(names).astype("string").fillna("?").to_numpy(dtype=object) + " "
                    + ymd(dates) + ", amount " + money(frame["amount"].iloc[idx]))

        frame = shared.population()[0]
        hit = on_holiday(frame)
        # a context booking on holidays as on any other day has the calendar's own share of them: rare is well under it
        dates = frame["posting_date"].dt.normalize()
        resting = names.index.difference(worked.index)
        if config["skip_month_end"]:
            resting = resting[~resting.is_month_end]
        days = (dates.max() - dates.min()).days + 1 if dates.notna().any() else 0
        exposure = len(resting[(resting >= dates.min()) & (resting <= dates.max())]) / days if days else 0.0
        judged = {**config, "max_share": min(config["max_share"], HABIT_OF_EXPOSURE * exposure)}
        result = dated_pattern(transactions, shared, judged, lambda _: hit, "fall on a holiday", label)
        result.summary.update({"country": country, "country_from": why, "holidays_in_range": len(names),
                               "holiday_days_share": round(exposure, 4),
                               "holidays_worked": [f"{name} {day:%Y-%m-%d}" for day, name in worked.items()]})
        return result


#: a context with at least this share of the calendar's own share of holidays books on holidays by habit
HABIT_OF_EXPOSURE = 0.5
#: the calendars `country: auto` chooses among (country -> the region whose calendar stands for it where holidays
#: differ by region: England's bank holidays, not the four nations' few common ones)
CANDIDATES: dict[str, str] = dict.fromkeys(
    ("SE", "NO", "DK", "FI", "IS", "DE", "AT", "CH", "NL", "BE", "LU", "FR", "GB", "IE", "ES", "PT", "IT", "PL", "CZ",
     "SK", "HU", "EE", "LV", "LT", "SI", "HR", "US", "CA", "AU", "NZ"), "") | {"GB": "ENG"}
#: the country a currency names, where it names one (the euro does not)
CURRENCY_COUNTRY = {"SEK": "SE", "NOK": "NO", "DKK": "DK", "ISK": "IS", "CHF": "CH", "GBP": "GB", "PLN": "PL",
                    "CZK": "CZ", "HUF": "HU", "USD": "US", "CAD": "CA", "AUD": "AU", "NZD": "NZ"}
#: where the ledger shows no holidays of its own and names no currency (SIE, where this project began, is Swedish)
FALLBACK_COUNTRY = "SE"
#: how many more weekday holidays (rested on, less those worked) a calendar must explain than the currency's
#: country's (or the fallback's) for the ledger to have chosen it
MIN_EVIDENCE = 3
#: the usual vouchers on a weekday from which a holiday counts as rested on or worked when choosing the calendar
COUNTRY_MIN_USUAL = 1.5


def _is_auto(config: dict[str, Any]) -> bool:
    return str(config["country"]).lower() == "auto"


def _currency(frame: pd.DataFrame) -> str:
    """The ledger's most common currency code ('' where it has none)."""
    if "currency" not in frame or frame["currency"].isna().all():
        return ""
    return str(frame["currency"].astype("string").str.strip().str.upper().mode().iloc[0])


def _own_country(days: _Days, currency: str, years: tuple[int, ...], config: dict[str, Any]) -> tuple[str, str]:
    """(country, why) for `country: auto`. A calendar scores the weekday holidays the ledger rests on less those it
    works (weekend holidays are the weekend rule's, and calendars differ in listing them). The country of the
    ledger's currency (else the fallback) stands unless another calendar scores `MIN_EVIDENCE` more; among equal
    scores it is preferred."""
    hint = CURRENCY_COUNTRY.get(currency, "")
    standing = hint or FALLBACK_COUNTRY
    calendars = {c: pd.DatetimeIndex(list(_calendar(c, sub, tuple(config["categories"]), "", years)))
                 for c, sub in CANDIDATES.items()}
    tally = _tally(days, calendars, config)
    order = list(CANDIDATES)
    best = min(order, key=lambda c: (-(tally[c][0] - tally[c][1]), c != standing, order.index(c)))
    score = {c: rest - work for c, (rest, work) in tally.items()}
    if best != standing and score[best] - score[standing] >= MIN_EVIDENCE:
        return best, (f"the ledger rests on {tally[best][0]} of its weekday holidays and works {tally[best][1]} "
                      f"({standing}'s: {tally[standing][0]} and {tally[standing][1]})")
    if hint:
        return hint, f"the ledger's currency {currency}"
    return FALLBACK_COUNTRY, "the default: no calendar fits the ledger's days off better and its currency names no country"


def _tally(days: _Days, calendars: dict[str, pd.DatetimeIndex], config: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per calendar: (its weekday holidays the ledger rests on, those it works). A calendar is weighed over all its
    holidays together: a small ledger's two or three vouchers a day tell where one such day alone would not."""
    candidates = pd.DatetimeIndex(sorted(set().union(*calendars.values())))
    candidates = candidates[candidates.dayofweek < 5]
    usual, on = _evidence(days, candidates, config)
    config = dict(config, min_usual=min(config["min_usual"], COUNTRY_MIN_USUAL))
    rested = pd.Series((usual >= config["min_usual"]) & (on < config["worked_share"] * usual), index=candidates)
    worked = pd.Series(_is_worked(usual, on, config), index=candidates)
    return {c: (int(rested.reindex(d).sum()), int(worked.reindex(d).sum())) for c, d in calendars.items()}


#: how many more of its own weekday holidays (rested on, less those worked) a region's calendar must explain than
#: its country's for the ledger to keep that region's
MIN_SUBDIVISION_EVIDENCE = 2


def _own_region(days: _Days, country: str, years: tuple[int, ...], config: dict[str, Any]) -> tuple[str, str]:
    """(subdivision, why) within `country` for `country: auto`: the country's standing one (`CANDIDATES`) unless a
    region's own weekday holidays (those its calendar adds to the standing one's) are rested on, less those worked,
    `MIN_SUBDIVISION_EVIDENCE` times or more; among equal scores the region adding fewest days. '' why: the standing
    one."""
    standing = CANDIDATES.get(country, "")
    cls = _calendar_class(country)
    regions = [r for r in (cls.subdivisions if cls is not None else ()) if r != standing]
    if not regions or not days.dated.any():
        return standing, ""
    categories = tuple(config["categories"])
    base = pd.DatetimeIndex(list(_calendar(country, standing, categories, "", years)))
    own = {r: pd.DatetimeIndex(list(_calendar(country, r, categories, "", years))).difference(base) for r in regions}
    own = {r: d[d.dayofweek < 5] for r, d in own.items()}
    if not any(len(d) for d in own.values()):
        return standing, ""
    tally = _tally(days, own, config)
    best = min(regions, key=lambda r: (-(tally[r][0] - tally[r][1]), len(own[r]), r))
    if tally[best][0] - tally[best][1] < MIN_SUBDIVISION_EVIDENCE:
        return standing, ""
    return best, (f"; region {best}: the ledger rests on {tally[best][0]} of its own weekday holidays and works "
                  f"{tally[best][1]}")


class _Days:
    """The ledger's days as integers (days since 1970), and its vouchers per day (`weight` per row) over its
    dates and four weeks either side: counted once for every calendar tested."""

    def __init__(self, dates: pd.Series, weight: np.ndarray) -> None:
        self.dated = dates.notna().to_numpy()
        self.day = np.where(self.dated, dates.to_numpy(dtype="datetime64[D]").astype("int64"), 0)
        days = self.day[self.dated]
        self.first, self.last = (int(days.min()), int(days.max())) if len(days) else (0, -1)
        self.start = self.first - 28
        self.per_day = np.bincount(days - self.start, weights=weight[self.dated], minlength=self.last - self.start + 29)

    @staticmethod
    def of(index: pd.DatetimeIndex) -> np.ndarray:
        return index.to_numpy(dtype="datetime64[D]").astype("int64")


def _evidence(days: _Days, days_off: pd.DatetimeIndex, config: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per day off: (usual, on): the vouchers the ledger books on that weekday, the median over the same weekday of
    the four weeks before and after (days off aside; NaN outside the ledger's dates), and those it books that
    day."""
    if not days.dated.any() or not len(days_off):
        return np.full(len(days_off), np.nan), np.full(len(days_off), np.nan)
    counts = days.per_day.astype("float64")
    span = np.arange(days.start, days.start + len(counts))
    inside = (span >= days.first + 28) & (span <= days.last - 28)
    off = days.of(days_off)
    counts[~inside | np.isin(span, off)] = np.nan  # outside the ledger's dates, or a day off: no evidence
    at = off - days.start
    known = (at >= 0) & (at < len(counts))
    near = np.clip(np.where(known, at, 0)[:, None] + np.r_[-4:0, 1:5][None, :] * 7, 0, len(counts) - 1)
    usual = pd.DataFrame(np.where(known[:, None], counts[near], np.nan)).median(axis=1).to_numpy()
    return usual, np.where(known, days.per_day[np.where(known, at, 0)], np.nan)


def _account_days(days: _Days, account: np.ndarray, rows: np.ndarray, days_off: pd.DatetimeIndex,
                  config: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `rows` (postings on a day off): (judged, works): whether its account's usual lines that weekday
    (counted as `_evidence` counts the ledger's vouchers) reach `min_usual`, and whether it books at least
    `worked_share` of them that day: the restaurant's tills on Maundy Thursday, while the office rests."""
    known = (account >= 0) & days.dated
    wanted = rows[known[rows]]
    judged, works = np.zeros(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
    if not len(wanted):
        return judged, works
    near = days.day[wanted][:, None] + np.r_[-4:0, 1:5][None, :] * 7
    # only the lines of those accounts on those days are counted
    needed = known & np.isin(days.day, np.union1d(near.ravel(), days.day[wanted])) & np.isin(account, account[wanted])
    per_day = pd.Series(np.ones(int(needed.sum()))).groupby([account[needed], days.day[needed]]).sum()
    counts = per_day.reindex(pd.MultiIndex.from_arrays([np.repeat(account[wanted], near.shape[1]), near.ravel()]),
                             fill_value=0.0).to_numpy(dtype="float64", copy=True).reshape(near.shape)
    off = np.isin(near, days.of(days_off))
    counts[off | (near < days.first) | (near > days.last)] = np.nan  # a day off, or outside the ledger's dates
    with np.errstate(all="ignore"):
        usual = pd.DataFrame(counts).median(axis=1).to_numpy()
    on = per_day.reindex(pd.MultiIndex.from_arrays([account[wanted], days.day[wanted]])).to_numpy()
    judged[known[rows]] = usual >= config["min_usual"]
    works[known[rows]] = _is_worked(usual, on, config)
    return judged, works


def _is_worked(usual: np.ndarray, on: np.ndarray, config: dict[str, Any]) -> np.ndarray:
    """Per day off: the ledger books at least `worked_share` of its usual vouchers that day, where that usual is at
    least `min_usual`: a quiet January is no reason to read Epiphany as a day off."""
    return (usual >= config["min_usual"]) & (on >= config["worked_share"] * usual)


@functools.lru_cache(maxsize=16)
def _calendar_class(country: str) -> type[holidays.HolidayBase] | None:
    """A country's calendar class (None: no calendar), looked up once per process: the lookup builds a
    calendar (some 4 ms), and every strategy validated checks its country."""
    try:
        return holidays.country_holidays(country).__class__
    except NotImplementedError:
        return None


@functools.lru_cache(maxsize=128)
def _calendar(country: str, subdivision: str, categories: tuple[str, ...], language: str,
              years: tuple[int, ...]) -> holidays.HolidayBase:
    """A country's holidays in `years`, of the `categories` it has (its public ones where it has none of them)."""
    cls = _calendar_class(country)
    kwargs: dict[str, Any] = {
        "years": list(years),
        "categories": tuple(c for c in categories if c in cls.supported_categories) or ("public",),
        "language": language or cls.default_language,
    }
    if subdivision:
        kwargs["subdiv"] = subdivision
    if country.upper() in ("SE", "SWE"):
        kwargs["include_sundays"] = False  # Swedish calendars count every Sunday as a holiday; weekends have their own rule
    return holidays.country_holidays(country, **kwargs)
