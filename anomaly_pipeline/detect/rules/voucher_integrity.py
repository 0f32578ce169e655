"""Voucher integrity: vouchers that do not balance, gaps in a voucher number series, and voucher numbers
out of step with their dates. A voucher series is the non-digit prefix of voucher_id ('A' of 'A123',
'' of '1045'); the number is its trailing digits. Ids are parsed once per distinct voucher, and the
per-voucher work runs on integer codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    PrecedingWindow,
    encode,
    group_starts,
    has_values,
)
from anomaly_pipeline.detect.norms import MIN_POPULATION, ledger_limit
from anomaly_pipeline.detect.rules._common import (
    cents,
    check_min,
    check_severity,
    check_share,
    flag_result,
    money,
    nothing_flagged,
    systemic,
    text,
    voucher_codes,
    ymd,
)
from anomaly_pipeline.detect.shared import SharedWork


class UnbalancedVoucher(AnomalyDetectionAlgorithm):
    """Vouchers whose active lines do not sum to zero (beyond `tolerance`). All lines of the voucher are
    flagged. Uploads in which no voucher has two lines (bank statements with a reference column) are
    not double-entry and are skipped."""

    algorithm = "unbalanced_voucher"
    kind = "rule"
    double_entry_only = True
    description = "Vouchers whose lines do not sum to zero."
    required_columns = ("voucher_id", "amount")
    default_config = {"tolerance": 0.01, "severity": "high"}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "tolerance", 0)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        code, keys = voucher_codes(shared)
        valid = code >= 0
        lines = np.bincount(code[valid], minlength=len(keys))
        if not (lines >= 2).any():
            return DetectionResult.skip("no voucher has two lines: not a double-entry ledger")
        amount = cents(transactions["amount"].fillna(0)).to_numpy()
        total, debit, credit = (_sum_by(code[valid], part[valid], len(keys))
                                for part in (amount, np.maximum(amount, 0), np.minimum(amount, 0)))
        bad = np.abs(total) > round(config["tolerance"] * 100)
        flagged = valid & bad[np.maximum(code, 0)]
        idx = np.flatnonzero(flagged)
        voucher = code[idx]
        texts = ("voucher " + text(transactions["voucher_id"].iloc[idx]) + " does not balance: its "
                 + lines[voucher].astype(str).astype(object) + " lines sum to " + money(total[voucher] / 100)
                 + " (debits " + money(debit[voucher] / 100) + ", credits " + money(credit[voucher] / 100) + ")")
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"unbalanced_vouchers": int(np.count_nonzero(bad))})


def _sum_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums of `values` per code 0..size-1."""
    return pd.Series(values).groupby(codes, sort=False).sum().reindex(range(size), fill_value=0).to_numpy()


EPOCH = pd.Timestamp("1970-01-01")


@dataclass
class VoucherNumbers:
    """Voucher ids split into series and number ('A-0012' -> 'A-', 12; the series is entity-qualified,
    'E1|A-', when the upload holds several entities). Distinct (series, number) keys, sorted by series
    (in its string order), then number."""

    key: np.ndarray  #: per row: its key, -1 where the voucher id has no trailing digits
    series: np.ndarray  #: per key: series code
    number: np.ndarray  #: per key: the number (int64)
    labels: pd.Series  #: per series code: the series with its separator, so 'A-12' can be spelled back

    def prefix(self, series: np.ndarray) -> np.ndarray:
        """The series as spelled in voucher ids (without the entity)."""
        return self.labels.str.split("|").str[-1].to_numpy(dtype=object)[series]

    def label(self, series: np.ndarray) -> np.ndarray:
        """The series as shown to users ('(no prefix)' for bare numbers)."""
        label = self.prefix(series)
        label = pd.Series(label, dtype="string").str.strip().to_numpy(dtype=object)
        return np.where(label == "", "(no prefix)", label)


def _split(ids: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(series, number) of each id: the trailing 1-15 digits and what precedes them ('A-0012' -> 'A-', 12);
    NA and -1 where there are no trailing digits. Arrow's regex engine, not a Python call per id."""
    parts = pc.extract_regex(pa.array(ids.astype("string[pyarrow]").array), r"^(?P<series>.*?)(?P<number>\d{1,15})$")
    matched = pc.is_valid(parts)
    series = pc.if_else(matched, pc.struct_field(parts, "series"), pa.scalar(None, parts.type.field("series").type))
    number = pc.cast(pc.if_else(matched, pc.struct_field(parts, "number"), "-1"), pa.int64())
    return pd.Series(pd.array(series, dtype="string")), np.asarray(number, dtype="int64")


def voucher_numbers(shared: SharedWork) -> VoucherNumbers:
    """Series and number of each line's voucher, parsed once per distinct voucher id."""
    unit, units = voucher_codes(shared)
    prefix, number_of = _split(units)
    series_of, labels = encode(prefix, sort=True)
    numbered = np.flatnonzero(series_of >= 0)
    s, n = series_of[numbered], number_of[numbered]
    order = np.lexsort((n, s))
    s, n = s[order], n[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (n[1:] != n[:-1])
    key_of = np.full(len(units), -1, dtype="int64")
    key_of[numbered[order]] = np.cumsum(new) - 1  # 'A012' and 'A12' share a key
    key = np.where(unit >= 0, key_of[np.maximum(unit, 0)] if len(key_of) else -1, -1)
    return VoucherNumbers(key=key, series=s[new], number=n[new], labels=labels)


class VoucherNumberGap(AnomalyDetectionAlgorithm):
    """Missing numbers in a voucher series: the lines of the voucher after each gap are flagged. Series
    with fewer than `min_series_vouchers` vouchers are not tested; jumps larger than `max_gap` are read as
    a new numbering range, not as deleted vouchers; a series missing more than `max_missing_share` of its
    number range is read as an extract (e.g. filtered by account) and not flagged."""

    algorithm = "voucher_number_gap"
    kind = "rule"
    double_entry_only = True
    description = "Gaps in voucher number series (deleted or skipped vouchers)."
    required_columns = ("voucher_id",)
    default_config = {"min_series_vouchers": 5, "max_gap": 100, "max_missing_share": 0.2, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "min_series_vouchers", 2)
        check_min(self.algorithm, config, "max_gap", 1)
        if not 0 < config["max_missing_share"] <= 1:
            raise ConfigError(f"{self.algorithm}.max_missing_share: must be in (0, 1], got {config['max_missing_share']!r}")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        ids = voucher_numbers(shared)
        tested = np.bincount(ids.series, minlength=len(ids.labels))[ids.series] >= config["min_series_vouchers"]
        keys = np.flatnonzero(tested)
        series, number = ids.series[keys], ids.number[keys]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = series[1:] != series[:-1]
        previous = np.roll(number, 1)
        missing = np.where(first, 0, number - previous - 1)
        gap = (missing >= 1) & (missing < config["max_gap"])
        # a series missing much of its range is an extract (filtered by account or date), not a
        # ledger with deleted vouchers: gaps there say nothing
        present = np.bincount(series, minlength=len(ids.labels))
        absent = np.bincount(series[gap], weights=missing[gap], minlength=len(ids.labels))
        with np.errstate(invalid="ignore"):
            extract = (present > 0) & (absent / (present + absent) > config["max_missing_share"])
        gap &= ~extract[series]
        summary = {"series_tested": int(np.count_nonzero(present) - np.count_nonzero(extract)),
                   "gaps": int(np.count_nonzero(gap)), "missing_numbers": int(missing[gap].sum()),
                   "series_read_as_extracts": [str(x) for x in ids.labels.iloc[np.flatnonzero(extract)[:20]]]}
        if not gap.any():
            return nothing_flagged(transactions, summary)
        at_gap = np.full(len(ids.number), -1, dtype="int64")
        at_gap[keys[gap]] = np.arange(np.count_nonzero(gap))
        hit = np.where(ids.key >= 0, at_gap[np.maximum(ids.key, 0)], -1)
        flagged = hit >= 0
        idx = np.flatnonzero(flagged)
        s, prev, miss = series[gap], previous[gap], missing[gap]
        prefix = ids.prefix(s)
        low, high = (prev + 1).astype(str).astype(object), (prev + miss).astype(str).astype(object)
        span = np.where(miss == 1, prefix + low, prefix + low + "-" + prefix + high)
        found = "series " + ids.label(s) + ": " + miss.astype(str).astype(object) + " number(s) missing (" + span + ")"
        texts = found[hit[idx]] + " before voucher " + text(transactions["voucher_id"].iloc[idx])
        return flag_result(transactions, flagged, texts, config["severity"], summary)


class VoucherOutOfOrder(AnomalyDetectionAlgorithm):
    """Voucher numbers out of step with their dates. Numbers are handed out in registration order, so
    within a series, ordered by number, dates should not go backwards: a voucher is flagged when its date
    lies more than the tolerance before the level (median date) of the `window` vouchers numbered just
    before it. The median keeps one stray, late-dated voucher from implicating every successor. The
    registration date is used where the upload has one (`registration_tolerance_days`), else the posting
    date (`posting_tolerance_days`). On a ledger of at least `norms.MIN_POPULATION` vouchers the tolerance
    is at least `margin` times its own (1 - `max_share`) quantile of days out of order. When most vouchers are out of order, the series is not numbered in
    date order at all and the rule skips with that reason."""

    algorithm = "voucher_out_of_order"
    kind = "rule"
    double_entry_only = True
    description = "Voucher numbers out of step with their dates (number up, date down)."
    required_columns = ("voucher_id", "posting_date")
    default_config = {"registration_tolerance_days": 0, "posting_tolerance_days": 7, "window": 5,
                      "min_series_vouchers": 5, "max_share": 0.01, "margin": 1.5, "max_flagged_share": 0.5,
                      "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "registration_tolerance_days", 0)
        check_min(self.algorithm, config, "posting_tolerance_days", 0)
        check_min(self.algorithm, config, "window", 1)
        check_min(self.algorithm, config, "min_series_vouchers", 2)
        check_share(self.algorithm, config, "max_share")
        check_min(self.algorithm, config, "margin", 1)
        check_share(self.algorithm, config)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        ids = voucher_numbers(shared)
        use_registration = has_values(transactions, "registration_date")
        field = "registration_date" if use_registration else "posting_date"
        tolerance = config["registration_tolerance_days" if use_registration else "posting_tolerance_days"]
        verb = "registered" if use_registration else "dated"
        dates = transactions[field].dt.normalize()
        dated = (ids.key >= 0) & dates.notna().to_numpy()
        # a voucher's date is its earliest line's
        earliest = pd.Series((dates[dated] - EPOCH).dt.days.to_numpy()).groupby(ids.key[dated]).min()
        keys = earliest.index.to_numpy()  # sorted: series, then number
        series, number, days = ids.series[keys], ids.number[keys], earliest.to_numpy(dtype="float64")
        tested = np.bincount(series, minlength=len(ids.labels))[series] >= config["min_series_vouchers"]
        keys, series, number, days = keys[tested], series[tested], number[tested], days[tested]
        window = config["window"]
        starts = group_starts(series)
        level = pd.Series(days).rolling(PrecedingWindow(starts, window), min_periods=1).median().to_numpy()
        position = np.arange(len(keys))
        first = number[np.where(position - window >= starts, position - window, starts)]
        last = number[np.maximum(position - 1, 0)]
        back = level - days
        quantile = float("nan")
        if len(back) >= MIN_POPULATION:  # disorder judged against this ledger's usual disorder
            limit, quantile = ledger_limit(back, tolerance, config["max_share"], config["margin"])
            tolerance = max(tolerance, int(np.floor(limit)))
        bad = np.flatnonzero(back > tolerance)
        summary = {"date_used": field, "series_tested": int(len(np.unique(series))), "out_of_order": len(bad)}
        if quantile == quantile:
            summary["tolerance_days"] = tolerance
        # counted in vouchers: a series whose dates mostly run against its numbers is numbered some other way
        unordered = systemic(np.ones(len(bad), dtype=bool), len(keys), config["max_flagged_share"],
                             "out of order", "the series is not numbered in date order", unit="vouchers")
        if unordered:
            return unordered
        if not len(bad):
            return nothing_flagged(transactions, summary)
        at_bad = np.full(len(ids.number), -1, dtype="int64")
        at_bad[keys[bad]] = np.arange(len(bad))
        hit = np.where(ids.key >= 0, at_bad[np.maximum(ids.key, 0)], -1)
        flagged = hit >= 0
        idx = np.flatnonzero(flagged)
        prefix = ids.prefix(series[bad])
        low = prefix + first[bad].astype(str).astype(object)
        high = prefix + last[bad].astype(str).astype(object)
        span = np.where(low == high, low, low + "-" + high)
        around = ymd(pd.Series(EPOCH + pd.to_timedelta(np.round(level[bad]), unit="D")))
        when = ymd(pd.Series(EPOCH + pd.to_timedelta(days[bad], unit="D")))
        found = (" " + verb + " " + when + ", " + np.round(back[bad]).astype("int64").astype(str).astype(object)
                 + " days before the vouchers numbered just before it (" + span + ", " + verb + " around " + around + ")")
        if quantile == quantile:
            found = found + (f"; {1 - config['max_share']:.0%} of this ledger's vouchers are at most "
                             f"{max(0, int(quantile))} days out of number order")
        texts = "voucher " + text(transactions["voucher_id"].iloc[idx]) + found[hit[idx]]
        return flag_result(transactions, flagged, texts, config["severity"], summary)
