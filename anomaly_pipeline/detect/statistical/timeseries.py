"""Spikes in an account's daily (or weekly) turnover, after its weekday and month-of-year profile."""

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
    day_numbers,
    first_rows,
    format_amount,
    has_values,
)
from anomaly_pipeline.detect.rules._common import partner_codes
from anomaly_pipeline.detect.shared import SharedWork

MAD_TO_SIGMA = 1.4826
DAY_NAMES = np.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
MONTHS = np.array(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])


class TimeSeriesSpike(AnomalyDetectionAlgorithm):
    """Per account, the turnover (sum of |amount|) of each active period (`frequency` D or W) on a log
    scale is decomposed into the account's level (median), a weekday effect (daily only) and a
    month-of-year effect, each the median residual of that weekday / month when it has at least
    `min_profile_periods` periods (else 0). The residual's robust z (MAD per account) above `threshold`
    marks a spike when the total is also at least `min_ratio` times the expected one; the vouchers that make
    it (see `_carriers`) are flagged. Accounts with fewer than
    `min_periods` active periods in the reference are not scored. One-sided: a quiet day is no finding.

    A recurring peak is no spike: a day whose total and largest posting the account reaches (at least
    1/`recurring_ratio` of each) in `recurring_months` other months at the same place in the month (within
    `recurring_days` days of its day of the month, or both within `recurring_days` days of the month's end) is
    this ledger's monthly or quarterly cycle (progress billing on the last working day, the fuel card's invoice on the 3rd, the quarter's VAT
    settlement or pension levy), scored 0. Daily frequency only; `recurring_months` 0 turns it off.

    A spike carried by one partner's documents (its counterparty, else the words of its text; see
    `partner_codes`) of which it has at least `partner_burst` on the day, and half as many on at most `burst_days`
    of its other days (at least `burst_history` of them) in the reference, is that partner's burst, not the
    account's busy day: a supplier's month of invoices dated at once, invoices for work never done. This holds for
    any day the account takes `min_ratio` times its usual total, the partner at least half of it, whatever the
    day's z: a burst needs no account that is quiet otherwise. The partner's lines score `burst_score` (at least),
    and the reason says so. `partner_burst` 0 turns it off."""

    algorithm = "timeseries_spike"
    kind = "statistical"
    description = "Sudden spikes in an account's daily or weekly total, net of weekday and month seasonality."
    required_columns = ("amount", "account", "posting_date")
    default_config = {"frequency": "D", "threshold": 4.0, "min_ratio": 3.0, "min_periods": 20,
                      "min_profile_periods": 4, "min_scale": 0.25, "recurring_months": 2, "recurring_ratio": 3.0,
                      "recurring_days": 3, "partner_burst": 3, "burst_days": 1, "burst_history": 5,
                      "burst_score": 0.9}
    default_weight = 0.6

    def check_config(self, config: dict[str, Any]) -> None:
        if config["frequency"] not in ("D", "W"):
            raise ConfigError(f"{self.algorithm}.frequency: 'D' (daily) or 'W' (weekly), got {config['frequency']!r}")
        if config["threshold"] <= 0:
            raise ConfigError(f"{self.algorithm}.threshold: must be > 0, got {config['threshold']}")
        if config["min_ratio"] < 1:
            raise ConfigError(f"{self.algorithm}.min_ratio: must be >= 1, got {config['min_ratio']}")
        if config["min_periods"] < 5:
            raise ConfigError(f"{self.algorithm}.min_periods: must be >= 5, got {config['min_periods']}")
        if config["min_profile_periods"] < 2:
            raise ConfigError(f"{self.algorithm}.min_profile_periods: must be >= 2, got {config['min_profile_periods']}")
        if config["min_scale"] <= 0:
            raise ConfigError(f"{self.algorithm}.min_scale: must be > 0, got {config['min_scale']}")
        if config["recurring_months"] < 0 or config["recurring_days"] < 0:
            raise ConfigError(f"{self.algorithm}.recurring_months and recurring_days: must be >= 0")
        if min(config["partner_burst"], config["burst_days"], config["burst_history"]) < 0 or not (
                0 < config["burst_score"] <= 1):
            raise ConfigError(f"{self.algorithm}.partner_burst, burst_days and burst_history: must be >= 0; "
                              "burst_score in (0, 1]")
        if config["recurring_ratio"] < 1:
            raise ConfigError(f"{self.algorithm}.recurring_ratio: must be >= 1, got {config['recurring_ratio']}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        daily = config["frequency"] == "D"
        ref_account, accounts = shared.encode("account", as_string, fill="", over="reference")
        if transactions is reference:
            account = ref_account
        else:  # one code space for both, so the reference's profile applies to the scored rows
            own_account, own = shared.encode("account", as_string, fill="")
            accounts = pd.concat([accounts, own[~own.isin(accounts)]], ignore_index=True)
            account = pd.Index(accounts).get_indexer(own)[own_account]
        ref, _ = _totals(reference, ref_account, daily)
        ref = ref[ref.groupby("account")["total"].transform("size") >= config["min_periods"]]
        zero = np.zeros(len(transactions))
        if ref.empty:
            return self.build_result(transactions, zero, zero.astype(bool), None, summary={"accounts_scored": 0})
        profile = _fit(ref, daily, config)
        rows, cell = _totals(transactions, account, daily)  # cell: each transaction's row in `rows`, -1 if none
        rows = rows.assign(cell=np.arange(len(rows)))
        rows = rows[rows["account"].isin(profile["level"].index)]
        expected = _expected(rows, profile, daily)
        scale = rows["account"].map(profile["scale"]).to_numpy()
        threshold, min_ratio = config["threshold"], config["min_ratio"]
        z, score = _z_score(rows["total"].to_numpy(), expected.to_numpy(), scale, threshold, min_ratio)
        rows = rows.assign(z=z, score=score, expected=np.expm1(expected).to_numpy(), scale=scale,
                           active=rows["account"].map(profile["count"]).to_numpy())
        hits = rows[rows["score"] > 0].copy()
        recurring = 0
        if daily and config["recurring_months"]:
            routine = _recurring(hits, ref, config)
            hits = hits.drop(routine)
            recurring = len(routine)
        spikes = hits["z"] >= threshold
        hits["text"] = pd.Series(pd.NA, index=hits.index, dtype="string")
        if spikes.any():
            hits.loc[spikes, "text"] = _texts(hits[spikes], accounts, daily)
        # per transaction: its period's row among the hits
        hit_of_cell = np.full(int(cell.max(initial=-1)) + 1, -1, dtype="int64")
        hit_of_cell[hits["cell"].to_numpy()] = np.arange(len(hits))
        at = np.where(cell >= 0, hit_of_cell[np.maximum(cell, 0)] if len(hit_of_cell) else -1, -1)
        hit = at >= 0
        score = np.where(hit, hits["score"].to_numpy()[np.maximum(at, 0)] if len(hits) else 0.0, 0.0)
        period_z = np.where(hit, hits["z"].to_numpy()[np.maximum(at, 0)] if len(hits) else 0.0, 0.0)
        spiking = period_z >= threshold
        flagged, rest = _carriers(transactions, shared, spiking, hits, at, threshold, min_ratio)
        score = np.where(spiking & ~flagged, rest, score)
        reason = np.full(len(transactions), None, dtype=object)
        reason[hit] = hits["text"].to_numpy(dtype=object, na_value=None)[at[hit]]
        bursts = 0
        high = rows[rows["total"].to_numpy() >= min_ratio * rows["expected"].to_numpy()]
        if daily and config["partner_burst"] and len(high):  # the days a partner's burst may make
            of_cell = np.full(int(cell.max(initial=-1)) + 1, -1, dtype="int64")
            of_cell[high["cell"].to_numpy()] = np.arange(len(high))
            burst, texts = _partner_bursts(transactions, shared, np.where(cell >= 0, of_cell[np.maximum(cell, 0)], -1),
                                           high, accounts, config)
            flagged |= burst
            score[burst] = np.maximum(score[burst], config["burst_score"])
            reason[burst] = texts.reindex(of_cell[cell[burst]]).to_numpy(dtype=object)
            bursts = int(np.count_nonzero(burst))
        return self.build_result(transactions, score, flagged, reason, severity="medium", summary={
            "accounts_scored": int(len(profile["level"])), "spike_periods": int(spikes.sum()),
            "recurring_peaks": recurring, "partner_burst_rows": bursts,
        })


def _partner_bursts(transactions: pd.DataFrame, shared: SharedWork, at: np.ndarray, hits: pd.DataFrame,
                    accounts: pd.Series, config: dict[str, Any]) -> tuple[np.ndarray, pd.Series]:
    """Per transaction: whether it is one of a partner's burst of documents that makes its account's day (a row
    of `hits`, each transaction's at `at`, -1 for none) the most of it (see the class), and the burst's reason
    per row of `hits`."""
    burst = np.zeros(len(transactions), dtype=bool)
    codes, labels = partner_codes(shared, "transactions")
    if codes is None:
        return burst, pd.Series(dtype="string")
    rows = np.flatnonzero((at >= 0) & (codes >= 0))
    size = transactions["amount"].abs().to_numpy(dtype="float64")[rows]
    shares = pd.DataFrame({"hit": at[rows], "partner": codes[rows], "size": size}).groupby(
        ["hit", "partner"], sort=False)["size"].sum().reset_index().sort_values("size", ascending=False, kind="stable")
    top = shares.drop_duplicates("hit")
    top = top[top["size"].to_numpy() >= 0.5 * hits["total"].to_numpy()[top["hit"].to_numpy()]]
    if top.empty:
        return burst, pd.Series(dtype="string")
    day = day_numbers(hits["period"].to_numpy(dtype="datetime64[ns]")[top["hit"].to_numpy()])
    spikes = pd.DataFrame({"hit": top["hit"].to_numpy(), "partner": top["partner"].to_numpy(),
                           "label": labels[top["partner"].to_numpy()], "day": day})
    own = _documents(shared, "transactions", spikes["label"])
    spikes["n"] = own.reindex(pd.MultiIndex.from_frame(spikes[["label", "day"]])).fillna(0).to_numpy(dtype="int64")
    spikes = spikes[spikes["n"] >= config["partner_burst"]]
    if spikes.empty:
        return burst, pd.Series(dtype="string")
    same = shared.frame("reference") is shared.frame("transactions")
    other = (own if same else _documents(shared, "reference", spikes["label"])).rename("count").reset_index().merge(
        spikes, on="label", suffixes=("_other", ""))
    other = other[other["day_other"] != other["day"]]
    history = other.groupby("hit").size().reindex(spikes["hit"]).fillna(0).to_numpy(dtype="int64")
    half = other[2 * other["count"] >= other["n"]]
    days = half.groupby("hit").size().reindex(spikes["hit"]).fillna(0).to_numpy(dtype="int64")
    spikes = spikes.assign(days=days)[(days <= config["burst_days"]) & (history >= config["burst_history"])]
    if spikes.empty:
        return burst, pd.Series(dtype="string")
    found = hits.iloc[spikes["hit"].to_numpy()]
    texts = (_texts(found, accounts, daily=True).to_numpy(dtype=object) + "; " + spikes["n"].astype(str).to_numpy()
             + " documents that day are " + spikes["label"].to_numpy(dtype=object) + ", half as many on "
             + np.where(spikes["days"] == 0, "no other day", spikes["days"].astype(str) + " other day(s)"))
    burst[rows] = np.isin(at[rows] * (codes.max() + 1) + codes[rows],
                          spikes["hit"].to_numpy() * (codes.max() + 1) + spikes["partner"].to_numpy())
    return burst, pd.Series(texts, index=spikes["hit"].to_numpy(), dtype="string")


def _documents(shared: SharedWork, over: str, labels: pd.Series) -> pd.Series:
    """Documents (distinct vouchers, else lines) per (partner label, day) in the chosen frame, for the partners
    named in `labels`."""
    codes, names = partner_codes(shared, over)
    if codes is None:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_arrays([[], []], names=["label", "day"]))
    wanted = pd.Index(names).get_indexer(pd.unique(labels.to_numpy()))
    frame = shared.frame(over)
    rows = np.flatnonzero(np.isin(codes, wanted[wanted >= 0]) & frame["posting_date"].notna().to_numpy())
    day = day_numbers(frame["posting_date"].to_numpy(dtype="datetime64[ns]")[rows])
    voucher = shared.encode("voucher_id", over=over)[0][rows] if has_values(frame, "voucher_id") else -1 - rows
    voucher = np.where(voucher >= 0, voucher, -1 - rows)  # a line without a voucher is a document of its own
    pair = combine_codes(codes[rows], day)
    firsts = first_rows(pair)
    documents = np.bincount(pair[first_rows(combine_codes(pair, voucher))], minlength=len(firsts))
    index = pd.MultiIndex.from_arrays([names[codes[rows][firsts]], day[firsts]], names=["label", "day"])
    return pd.Series(documents, index=index)


def _recurring(high: pd.DataFrame, ref: pd.DataFrame, config: dict[str, Any]) -> pd.Index:
    """The high periods (their index) the account matches at the same place in `recurring_months` other months of the
    reference: a day there with at least 1/`recurring_ratio` of the period's total and of its largest posting
    (an invoice 50 times the usual size on the month's billing day is no routine, though the billing day is)."""
    if high.empty:
        return high.index
    days = config["recurring_days"]

    def place(frame: pd.DataFrame) -> pd.DataFrame:
        when = frame["period"]
        return pd.DataFrame({"account": frame["account"].to_numpy(), "total": frame["total"].to_numpy(),
                             "largest": frame["largest"].to_numpy(),
                             "month": (when.dt.year * 12 + when.dt.month).to_numpy(), "day": when.dt.day.to_numpy(),
                             "to_end": (when.dt.days_in_month - when.dt.day).to_numpy()})

    candidates = place(high).assign(spike=high.index.to_numpy())
    # only days that could match: at least 1/ratio of the account's smallest high period
    floor = candidates.groupby("account")["total"].min() / config["recurring_ratio"]
    peaks = place(ref)
    peaks = peaks[peaks["total"].to_numpy() >= peaks["account"].map(floor).fillna(np.inf).to_numpy()]
    pairs = candidates.merge(peaks, on="account", suffixes=("", "_other"))
    same_place = ((pairs["day"] - pairs["day_other"]).abs() <= days) | (
        (pairs["to_end"] <= days) & (pairs["to_end_other"] <= days))
    match = pairs[same_place & (pairs["month_other"] != pairs["month"])
                  & (pairs["total_other"] * config["recurring_ratio"] >= pairs["total"])
                  & (pairs["largest_other"] * config["recurring_ratio"] >= pairs["largest"])]
    months = match.groupby("spike")["month_other"].nunique()
    return pd.Index(months.index[months >= config["recurring_months"]])


def _z_score(total: np.ndarray, expected_log: np.ndarray, scale: np.ndarray, threshold: float,
             min_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """(robust z, score) of period totals: 0.5 at the threshold rising to 1 at twice it, 0.25–0.5 from
    half the threshold, else 0. Below `min_ratio` × the expected total a period is no spike whatever its
    z: z is capped just under the threshold there."""
    z = (np.log1p(total) - expected_log) / scale
    z = np.where(total < min_ratio * np.expm1(expected_log), np.minimum(z, threshold * 0.99), z)
    score = np.where(z >= threshold, np.clip(0.5 + 0.5 * (z - threshold) / threshold, 0.5, 1.0),
                     np.where(z >= 0.5 * threshold, np.clip(0.5 * z / threshold, 0.0, 1.0), 0.0))
    return z, score


def _carriers(transactions: pd.DataFrame, shared: SharedWork, spiking: np.ndarray, hits: pd.DataFrame,
              at: np.ndarray, threshold: float, min_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Within each spiking period, the vouchers (lines without one: each line) that make the spike: the
    largest contributions, taken until what is left would no longer be a spike, each at least half the
    largest. A payroll run that multiplies a day's total is flagged; the day's usual salary voucher beside
    it is not, nor are the many small invoices of a month-end beside the quarter's VAT transfer. The others
    score as the period without the flagged vouchers. Returns (carries, that score) per transaction."""
    carries, rest = np.zeros(len(transactions), dtype=bool), np.zeros(len(transactions))
    rows_at = np.flatnonzero(spiking)
    if not len(rows_at):
        return carries, rest
    voucher = (shared.encode("voucher_id")[0] if "voucher_id" in transactions
               else np.full(len(transactions), -1, dtype="int64"))
    unit = np.where(voucher[rows_at] >= 0, voucher[rows_at], -1 - rows_at)  # negative: a line of its own
    period = hits["cell"].to_numpy()[at[rows_at]]
    key = combine_codes(period, unit)
    size = transactions["amount"].abs().to_numpy(dtype="float64")[rows_at]
    spike = hits.iloc[at[rows_at]]
    expected_log, scale = np.log1p(spike["expected"].to_numpy()), spike["scale"].to_numpy()
    # the smallest total that is still a spike: min_ratio × expected, and z at the threshold
    bound = np.maximum(min_ratio * spike["expected"].to_numpy(), np.expm1(expected_log + threshold * scale))
    units = pd.DataFrame({"period": period, "key": key, "c": pd.Series(size).groupby(key).transform("sum").to_numpy(),
                          "excess": spike["total"].to_numpy() - bound}).drop_duplicates("key")
    units = units.sort_values(["period", "c"], ascending=[True, False], kind="stable")
    before = units.groupby("period")["c"].cumsum() - units["c"]
    # equal contributions are judged alike: each counts only what the strictly larger ones hold
    before = before.groupby([units["period"], units["c"]]).transform("min")
    largest = units.groupby("period")["c"].transform("max")
    carrying = units[(before.to_numpy() <= units["excess"].to_numpy()) & (units["c"] >= 0.5 * largest).to_numpy()]
    carries[rows_at] = np.isin(key, carrying["key"].to_numpy())
    removed = carrying.groupby("period")["c"].sum().reindex(period).fillna(0.0).to_numpy()
    _, rest[rows_at] = _z_score(np.maximum(spike["total"].to_numpy() - removed, 0.0), expected_log, scale,
                                threshold, min_ratio)
    return carries, np.minimum(rest, 0.49)


def _totals(frame: pd.DataFrame, account: np.ndarray, daily: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Turnover per (account, active period), in order of first appearance, and each row's period index
    (-1 without a posting date). Periods are days, or weeks from Monday."""
    ns = frame["posting_date"].to_numpy(dtype="datetime64[ns]").view("int64")
    dated = ns != np.iinfo("int64").min
    day = np.floor_divide(ns, DAY_NS)
    period = day if daily else day - (day + 3) % 7  # 1970-01-01 was a Thursday
    cell = np.full(len(ns), -1, dtype="int64")
    cell[dated] = combine_codes(account[dated], period[dated])
    amount = pd.Series(frame["amount"].abs().to_numpy(dtype="float64")[dated])
    grouped = amount.groupby(cell[dated], sort=False)
    first = np.flatnonzero(dated)[first_rows(cell[dated])]
    start = period[first].astype("datetime64[D]").astype("datetime64[ns]")
    totals = pd.DataFrame({"account": account[first], "period": start, "total": grouped.sum().to_numpy(),
                           "largest": grouped.max().to_numpy(), "postings": grouped.size().to_numpy()})
    totals["log"] = np.log1p(totals["total"])
    totals["weekday"] = totals["period"].dt.day_of_week
    totals["month"] = totals["period"].dt.month
    return totals, cell


def _effect(residual: pd.Series, frame: pd.DataFrame, column: str, minimum: int) -> pd.Series:
    """Median residual per (account, column) where it rests on at least `minimum` periods."""
    grouped = residual.groupby([frame["account"], frame[column]])
    effect = grouped.median().where(grouped.size() >= minimum, 0.0)
    return effect


def _lookup(effect: pd.Series, frame: pd.DataFrame, column: str) -> pd.Series:
    key = pd.MultiIndex.from_arrays([frame["account"], frame[column]])
    return pd.Series(effect.reindex(key).fillna(0.0).to_numpy(), index=frame.index)


def _fit(ref: pd.DataFrame, daily: bool, config: dict[str, Any]) -> dict[str, pd.Series]:
    level = ref.groupby("account")["log"].median()
    residual = ref["log"] - ref["account"].map(level)
    weekday = _effect(residual, ref, "weekday", config["min_profile_periods"]) if daily else pd.Series(dtype="float64")
    if daily:
        residual = residual - _lookup(weekday, ref, "weekday")
    month = _effect(residual, ref, "month", config["min_profile_periods"])
    residual = residual - _lookup(month, ref, "month")
    mad = residual.abs().groupby(ref["account"]).median()
    return {"level": level, "weekday": weekday, "month": month, "count": ref.groupby("account").size(),
            "scale": (mad * MAD_TO_SIGMA).clip(lower=config["min_scale"])}


def _expected(rows: pd.DataFrame, profile: dict[str, pd.Series], daily: bool) -> pd.Series:
    expected = rows["account"].map(profile["level"]) + _lookup(profile["month"], rows, "month")
    if daily:
        expected = expected + _lookup(profile["weekday"], rows, "weekday")
    return expected


def _texts(spikes: pd.DataFrame, accounts: pd.Series, daily: bool) -> pd.Series:
    when = (spikes["period"].dt.strftime("%Y-%m-%d") if daily
            else "week of " + spikes["period"].dt.strftime("%Y-%m-%d"))
    usual = (DAY_NAMES[spikes["weekday"].to_numpy()] + " in " + MONTHS[spikes["month"].to_numpy() - 1] if daily
             else "week in " + MONTHS[spikes["month"].to_numpy() - 1])
    ratio = spikes["total"] / spikes["expected"].clip(lower=0.01)
    account = pd.Series(accounts.to_numpy(dtype=object)[spikes["account"].to_numpy()], index=spikes.index)
    return ("account " + account + " total " + format_amount(spikes["total"].to_numpy()).to_numpy()
            + " (" + spikes["postings"].astype("string") + " postings) on " + when + " is "
            + ratio.map("{:.1f}".format) + "× its usual " + usual + " (" + format_amount(spikes["expected"].round(0).to_numpy()).to_numpy()
            + "); residual z " + spikes["z"].map("{:.1f}".format) + " over " + spikes["active"].astype("string")
            + " active periods")
