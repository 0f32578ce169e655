"""Time-based patterns: postings outside business hours, accounts whose activity piles up at period end,
and bursts of postings by one user or to one account compared with their usual rate."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    DAY_NS,
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    combine_codes,
    first_rows,
    has_values,
    text_words,
)
from anomaly_pipeline.detect.norms import MIN_POPULATION, percent
from anomaly_pipeline.detect.rules._common import (
    check_min,
    check_severity,
    check_share,
    flag_result,
    money,
    nothing_flagged,
    period_end,
    stripped,
    systemic,
    text,
    ymd,
)
from anomaly_pipeline.detect.settlements import pays_earlier_posting, settlement_lines
from anomaly_pipeline.detect.shared import Over, SharedWork

#: a Monday, so that 7-day windows are calendar weeks
ANCHOR = pd.Timestamp("1970-01-05")
GROUP_LABELS = {"user_name": "user", "account": "account", "counterparty": "counterparty", "description": "text"}


class AfterHoursPosting(AnomalyDetectionAlgorithm):
    """Postings whose time of day (`posted_at`) is before `start_hour` or at/after `end_hour`, at an hour
    this ledger seldom posts at: the vouchers posted within an hour of it (that hour, the one before and
    the one after) are at most `max_share` of the ledger's timed vouchers (its own left out). A team that
    books every evening until nine is not flagged for it; the one entry at three in the morning is. A ledger
    with fewer than `norms.MIN_POPULATION` timed vouchers has no clock to learn: every posting outside the
    hours is flagged. Runs only when the source carries times; a time of exactly 00:00:00 is read as 'no
    time given' and not flagged. When most timed lines fall outside the hours, the times describe the
    source (time zone, batch job), not the entries: the rule then skips with that reason."""

    algorithm = "after_hours_posting"
    kind = "rule"
    description = "Postings outside business hours at an hour the ledger seldom posts at (when it has times)."
    required_columns = ("posted_at", "amount")
    default_config = {"start_hour": 7.0, "end_hour": 19.0, "min_amount": 0.0, "max_share": 0.02,
                      "max_flagged_share": 0.5, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        for key in ("start_hour", "end_hour"):
            if not 0 <= config[key] <= 24:
                raise ConfigError(f"{self.algorithm}.{key}: must be an hour in [0, 24], got {config[key]!r}")
        if config["start_hour"] >= config["end_hour"]:
            raise ConfigError(f"{self.algorithm}.start_hour: must be before end_hour "
                              f"({config['start_hour']} >= {config['end_hour']})")
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_share(self.algorithm, config)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        at = transactions["posted_at"]
        hours = (at - at.dt.normalize()).dt.total_seconds() / 3600.0
        has_time = hours.gt(0).fillna(False)
        if not has_time.any():
            return DetectionResult.skip("posted_at carries dates only, no times of day")
        outside = (hours < config["start_hour"]) | (hours >= config["end_hour"])
        flagged = (has_time & outside & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        everywhere = systemic(flagged, int(has_time.sum()), config["max_flagged_share"], "outside business hours",
                              "the times are probably in another time zone (UTC) or the clock of a batch job")
        if everywhere:
            return everywhere
        clock = _clock(shared)
        summary: dict[str, Any] = {"with_times": int(has_time.sum()), "calibrated": clock is not None}
        comparison = np.full(len(transactions), "", dtype=object)
        if clock is not None:  # the ledger's own clock: only an hour it seldom posts at is a finding
            near, units, unit = clock
            hour = np.floor(hours.fillna(0).to_numpy()).astype("int64") % 24
            share = np.maximum(near[hour] - 1.0, 0.0) / max(units - 1.0, 1.0)
            flagged = flagged & (share <= config["max_share"])
            comparison = ("; " + percent(share) + f" of this ledger's timed {unit} are posted between "
                          + pd.Series((hour - 1) % 24).map("{:02d}:00".format).to_numpy(dtype=object) + " and "
                          + pd.Series((hour + 2) % 24).map("{:02d}:00".format).to_numpy(dtype=object))
            summary.update(max_share=config["max_share"], timed_units=round(units, 1))
        idx = np.flatnonzero(flagged)
        window = f"{_hhmm(config['start_hour'])}-{_hhmm(config['end_hour'])}"
        texts = ("posted at " + at.iloc[idx].dt.strftime("%H:%M").to_numpy(dtype=object) + " on "
                 + ymd(at.iloc[idx]) + ", outside business hours " + window + comparison[idx])
        return flag_result(transactions, flagged, texts, config["severity"], {**summary, "business_hours": window})


def _clock(shared: SharedWork) -> tuple[np.ndarray, float, str] | None:
    """(per hour of day: the timed units posted within an hour of it, the timed units, their name) over the
    population the ledger is judged with (its entity's history included); None below MIN_POPULATION timed
    units."""
    frame, _ = shared.population()
    at = frame["posted_at"]
    hours = ((at - at.dt.normalize()).dt.total_seconds() / 3600.0).to_numpy()
    timed = np.nan_to_num(hours, nan=0.0) > 0
    weight, unit = shared.unit_weights("population")
    per_hour = np.bincount(np.floor(hours[timed]).astype("int64") % 24, weights=weight[timed], minlength=24)
    units = float(per_hour.sum())
    if units < MIN_POPULATION:
        return None
    return per_hour + np.roll(per_hour, 1) + np.roll(per_hour, -1), units, unit


def _hhmm(hour: float) -> str:
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class PeriodEndConcentration(AnomalyDetectionAlgorithm):
    """Accounts whose postings (by count or by amount) fall in the last `days` days of a month at least
    `ratio` times as often as normal. Normal is the larger of the calendar share (days / 30.4) and the
    population's own share, so a company that books everything at month end does not flag every account.
    The account's period-end postings are flagged. Accounts whose only postings are one per month end
    (depreciation, recurring accruals) are closing routines and are left out, and so are settlements
    (`settlements.settlement_lines`: the quarter's VAT cleared on its last day is not the account's activity)."""

    algorithm = "period_end_concentration"
    kind = "rule"
    description = "Accounts with an unusual share of postings or amount in the last days of a month."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"days": 3, "ratio": 3.0, "min_postings": 10, "min_period_end_postings": 2, "severity": "low"}
    default_weight = 0.3

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "days", 1)
        if config["days"] > 15:
            raise ConfigError(f"{self.algorithm}.days: must be <= 15, got {config['days']}")
        check_min(self.algorithm, config, "ratio", 1, strict=True)
        check_min(self.algorithm, config, "min_postings", 2)
        check_min(self.algorithm, config, "min_period_end_postings", 1)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        days = config["days"]

        def at_end(frame: pd.DataFrame) -> pd.Series:
            return (period_end(frame["posting_date"], "month") - frame["posting_date"]).dt.days < days

        settles = settlement_lines(transactions, shared)
        if reference is transactions:  # a settlement (the quarter's VAT cleared on its last day) is no activity
            reference = reference[~settles]
        ref_end = at_end(reference)
        calendar, own = days / 30.44, float(ref_end.mean())
        normal = max(calendar, own)
        base = (f"{own * 100:.0f}% of this ledger's postings" if own >= calendar
                else f"{calendar * 100:.0f}% by the calendar (this ledger: {own * 100:.0f}%)")
        stats = pd.DataFrame({"account": reference["account"].astype("string"), "end": ref_end,
                              "abs": reference["amount"].abs(), "end_abs": reference["amount"].abs().where(ref_end, 0.0),
                              "end_month": reference["posting_date"].dt.to_period("M").where(ref_end)})
        per = stats.groupby("account").agg(n=("end", "size"), n_end=("end", "sum"), amount=("abs", "sum"),
                                           amount_end=("end_abs", "sum"), months=("end_month", "nunique"))
        # one posting at each month end and none otherwise: a recurring closing entry (depreciation,
        # accrual), period-end by design
        routine = (per["n_end"] == per["n"]) & (per["months"] == per["n"])
        per = per[~routine]
        per["count_share"] = per["n_end"] / per["n"]
        per["amount_share"] = (per["amount_end"] / per["amount"].where(per["amount"] > 0)).fillna(0.0)
        limit = config["ratio"] * normal
        hot = per[(per["n"] >= config["min_postings"]) & (per["n_end"] >= config["min_period_end_postings"])
                  & ((per["count_share"] >= limit) | (per["amount_share"] >= limit))]
        summary = {"normal_share": round(normal, 4), "threshold_share": round(limit, 4), "accounts": len(hot),
                   "recurring_closing_accounts": int(routine.sum())}
        if hot.empty:
            return nothing_flagged(transactions, summary)
        accounts = transactions["account"].astype("string")
        flagged = (accounts.isin(hot.index) & at_end(transactions)).fillna(False).to_numpy(dtype=bool) & ~settles
        idx = np.flatnonzero(flagged)
        row = hot.reindex(accounts.iloc[idx].to_numpy())
        texts = ("account " + text(accounts.iloc[idx]) + ": " + _pct(row["count_share"]) + " of its postings ("
                 + row["n_end"].astype("int64").astype(str).to_numpy(dtype=object) + " of "
                 + row["n"].astype("int64").astype(str).to_numpy(dtype=object) + ") and "
                 + _pct(row["amount_share"]) + " of its amount fall in the last " + str(days)
                 + " days of a month vs " + base + "; this one " + ymd(transactions["posting_date"].iloc[idx])
                 + ", amount " + money(transactions["amount"].iloc[idx]))
        return flag_result(transactions, flagged, texts, config["severity"], summary)


def _pct(share: pd.Series) -> np.ndarray:
    return (share * 100).round().astype("int64").astype(str).to_numpy(dtype=object) + "%"


class PostingBurst(AnomalyDetectionAlgorithm):
    """Windows of `window_days` days in which one user (or one account) has at least `min_count` postings
    and at least `ratio` times its usual count per active window (the median over the reference).
    Postings are counted as distinct vouchers where the upload has voucher ids, else as lines. A key that
    bursts in at least `routine_bursts` windows books in batches (a fortnightly run of purchase invoices, a
    monthly payroll day): its bursts are its habit and are not flagged. A burst of at least `outstanding` times
    the most the key has in a window that is no burst (this ledger's own high-water mark for it, once the key is
    active in `outstanding_min_windows` windows) is `outstanding_severity`, except in a window holding a month's
    last day, where closing entries gather (the year-end bank import, the month's invoicing run). A burst takes only
    its own vouchers: a user's or an account's burst is not flagged on the vouchers outside a partner's burst that
    day where, without the partner's vouchers, the window would be no burst; and vouchers paying an earlier posting
    (`settlements.pays_earlier_posting`: a payment run paying a burst's invoices) neither make a burst nor are
    flagged in one. Without a
    counterparty column, the words of the text (`text_words`: "Bygma Viby fakt. 1209513" -> "bygma viby fakt")
    stand in for the counterparty: a supplier's ten invoices on one day against its usual one."""

    algorithm = "posting_burst"
    kind = "rule"
    description = "Bursts: many postings by one user or to one account in a short window vs its usual rate."
    required_columns = ("posting_date", "amount")
    default_config = {"group_by": ["user_name", "account", "counterparty"], "window_days": 1, "min_count": 10, "ratio": 5.0,
                      "min_active_windows": 3, "routine_bursts": 4, "severity": "low", "outstanding": 3.0,
                      "outstanding_min_windows": 20, "outstanding_severity": "high"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        bad = [g for g in config["group_by"] if g not in GROUP_LABELS]
        if bad or not config["group_by"]:
            raise ConfigError(f"{self.algorithm}.group_by: a non-empty list of {', '.join(GROUP_LABELS)}, got {config['group_by']!r}")
        check_min(self.algorithm, config, "window_days", 1)
        check_min(self.algorithm, config, "min_count", 2)
        check_min(self.algorithm, config, "ratio", 1, strict=True)
        check_min(self.algorithm, config, "min_active_windows", 2)
        check_min(self.algorithm, config, "routine_bursts", 2)
        check_min(self.algorithm, config, "outstanding", 1, strict=True)
        check_min(self.algorithm, config, "outstanding_min_windows", 2)
        check_severity(self.algorithm, config)
        check_severity(self.algorithm, config, "outstanding_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        def present(column: str) -> bool:
            return has_values(transactions, column)

        groups = [g if present(g) or g != "counterparty" or not present("description") else "description"
                  for g in config["group_by"]]
        groups = [g for g in dict.fromkeys(groups) if present(g)]
        if not groups:
            return DetectionResult.skip(f"the upload has no {' or '.join(config['group_by'])} data")
        width = config["window_days"]
        found_by: dict[str, tuple[np.ndarray, np.ndarray, _Windows, np.ndarray]] = {}
        summary: dict[str, Any] = {}
        unit = "vouchers" if _has_vouchers(transactions) else "postings"
        period, other = (("day", "on a day without a burst") if width == 1
                         else (f"{width} days", f"in {width} days without a burst"))
        vouchers = _voucher_units(shared, "transactions")
        ref_vouchers = vouchers if reference is transactions else _voucher_units(shared, "reference")
        # an invoice's payment is its consequence: a run paying a burst's invoices is no second finding
        paying = pays_earlier_posting(transactions, shared)
        for group in groups:  # at most three grouping columns
            windows = _Windows(shared, "transactions", group, width, vouchers)
            usual = windows if reference is transactions else _Windows(shared, "reference", group, width, ref_vouchers)
            # per key of the scored rows: the median count per active window in the reference, and how many
            at = (np.arange(len(windows.keys)) if usual is windows
                  else pd.Index(usual.keys).get_indexer(windows.keys))
            known = at >= 0
            median = np.where(known, usual.median[np.maximum(at, 0)] if len(usual.median) else np.nan, np.nan)
            active = np.where(known, usual.active[np.maximum(at, 0)] if len(usual.active) else 0, 0)
            key, count = windows.cell_key, windows.count
            burst = windows.bursts(config, median) & (active[key] >= config["min_active_windows"])
            # a key that bursts again and again books in batches: that is its rhythm, not a burst
            routine = np.bincount(key[burst], minlength=len(windows.keys)) >= config["routine_bursts"]
            if routine.any():
                summary[f"{group}_batch_keys"] = int(routine.sum())
                burst &= ~routine[key]
            # a burst without the payments in it: a payment run's day is no burst of the day's other vouchers
            if paying.any():
                count = windows.count_of(~paying)
                burst &= windows.bursts(config, median, count)
            summary[f"{group}_bursts"] = int(np.count_nonzero(burst))
            if not burst.any():
                continue
            usual_peak = usual.ordinary_peak(config)
            peak = np.where(known, usual_peak[np.maximum(at, 0)] if len(usual_peak) else 0, 0)
            first_day = ANCHOR + pd.to_timedelta(windows.cell_window * width, unit="D")
            closing = (first_day + pd.Timedelta(days=width)).month != first_day.month  # holds a month's last day
            standout = (burst & (count >= config["outstanding"] * peak[key]) & ~np.asarray(closing)
                        & (active[key] >= config["outstanding_min_windows"]))
            summary[f"{group}_outstanding"] = int(np.count_nonzero(standout))
            hit = windows.cell >= 0
            hit[hit] = burst[windows.cell[hit]]
            hit &= ~paying
            idx = np.flatnonzero(hit)
            cell = windows.cell[idx]
            start = ANCHOR + pd.to_timedelta(windows.cell_window[cell] * width, unit="D")
            when = ("on " + ymd(pd.Series(start)) if width == 1
                    else f"in the {width} days from " + ymd(pd.Series(start)))
            found = (GROUP_LABELS[group] + " " + windows.keys.to_numpy(dtype=object)[key[cell]] + ": "
                     + count[cell].astype(str).astype(object) + " " + unit + " " + when
                     + " vs usually " + pd.Series(median[key[cell]]).map("{:g}".format).to_numpy(dtype=object)
                     + f" per {period} and at most " + peak[key[cell]].astype(str).astype(object) + f" {other}")
            texts = np.full(len(transactions), "", dtype=object)
            texts[idx] = found
            standing = np.zeros(len(transactions), dtype=bool)
            standing[idx] = standout[cell]
            found_by[group] = (texts, standing, windows, median)
        _explained_by_partners(found_by, groups, config)
        reason = np.full(len(transactions), "", dtype=object)
        outstanding = np.zeros(len(transactions), dtype=bool)
        for texts, standing, _, _ in found_by.values():
            idx = np.flatnonzero(texts != "")
            current = reason[idx]
            reason[idx] = np.where(current != "", current + "; " + texts[idx], texts[idx])
            outstanding |= standing
        flagged = reason != ""
        severity = (np.where(outstanding, config["outstanding_severity"], config["severity"]).astype(object)
                    if outstanding.any() else config["severity"])  # a million-row object column only if needed
        return flag_result(transactions, flagged, reason[flagged], severity, summary)


def _has_vouchers(frame: pd.DataFrame) -> bool:
    return has_values(frame, "voucher_id")


def _voucher_units(shared: SharedWork, over: Over) -> np.ndarray | None:
    """Voucher id codes (missing = '') where the frame has voucher ids: postings then count as vouchers."""
    if not _has_vouchers(shared.frame(over)):
        return None
    return shared.encode("voucher_id", as_string, fill="", over=over)[0]



def _explained_by_partners(found_by: dict[str, tuple[np.ndarray, np.ndarray, _Windows, np.ndarray]],
                           groups: list[str], config: dict[str, Any]) -> None:
    """Drops, in place, a user's or an account's burst from the rows outside a partner's burst of that day when
    the burst is the partner's: without the partner's vouchers the user's or account's window would be no burst
    (one supplier's eighteen invoices make the fuel account's day; the other supplier's one invoice that day is
    not part of it)."""
    partner = groups[-1] if groups and groups[-1] in ("counterparty", "description") else None
    if partner is None or partner not in found_by or len(found_by) < 2:
        return
    inside = found_by[partner][0] != ""
    for group, (texts, standing, windows, median) in found_by.items():
        if group == partner:
            continue
        outside = (texts != "") & ~inside
        if not outside.any():
            continue
        still = windows.bursts(config, median, windows.count_of(~inside))
        explained = outside & ~still[np.maximum(windows.cell, 0)]
        texts[explained] = ""
        standing[explained] = False


class _Windows:
    """Postings per (key, window) of one grouping column: distinct vouchers where the frame has voucher
    ids, else lines. Windows are `width`-day blocks counted from ANCHOR."""

    def __init__(self, shared: SharedWork, over: Over, group: str, width: int, vouchers: np.ndarray | None) -> None:
        frame = shared.frame(over)
        key, self.keys = shared.encode(group, text_words if group == "description" else stripped, over=over)
        days = frame["posting_date"].to_numpy(dtype="datetime64[ns]") - ANCHOR.to_datetime64()
        dated = ~np.isnat(days)
        window = np.floor_divide(days.view("int64"), DAY_NS * width)
        valid = (key >= 0) & dated
        self.cell = np.full(len(frame), -1, dtype="int64")  #: per row: its (key, window) cell
        self.cell[valid] = combine_codes(key[valid], window[valid])
        first = first_rows(self.cell[valid])
        rows = np.flatnonzero(valid)[first]
        self.cell_key, self.cell_window = key[rows], window[rows]
        self.vouchers = vouchers
        self.count = self._count(valid)
        by_key = pd.Series(self.count).groupby(self.cell_key)
        self.median = by_key.median().reindex(range(len(self.keys))).to_numpy()
        self.active = np.bincount(self.cell_key, minlength=len(self.keys))

    def count_of(self, kept: np.ndarray) -> np.ndarray:
        """Per window: its postings among the `kept` rows."""
        return self._count((self.cell >= 0) & kept)

    def _count(self, rows: np.ndarray) -> np.ndarray:
        """Per window: its postings among `rows` (a mask): distinct vouchers, else lines."""
        cells = len(self.cell_key)
        if self.vouchers is None:
            return np.bincount(self.cell[rows], minlength=cells)
        voucher = self.vouchers[rows]
        span = int(voucher.max(initial=0)) + 1
        distinct = pd.unique(self.cell[rows] * span + voucher)
        return np.bincount(distinct // span, minlength=cells)

    def bursts(self, config: dict[str, Any], median: np.ndarray, count: np.ndarray | None = None) -> np.ndarray:
        """Per window: at least `min_count` postings and `ratio` times its key's `median` (one per key: these
        windows' own, or the reference's); counting its postings, or the given `count` per window (`count_of`
        some rows)."""
        count = self.count if count is None else count
        return (count >= config["min_count"]) & (count >= config["ratio"] * median[self.cell_key])

    def ordinary_peak(self, config: dict[str, Any]) -> np.ndarray:
        """Per key: its largest count in a window that is not a burst (0 where every window is one)."""
        peak = np.zeros(len(self.keys), dtype="int64")
        calm = ~self.bursts(config, self.median)
        np.maximum.at(peak, self.cell_key[calm], self.count[calm])
        return peak
