"""Voucher integrity: vouchers that do not balance, gaps in a voucher number series, and voucher numbers
out of step with their dates. A voucher series is the non-digit prefix of voucher_id ('A' of 'A123',
'' of '1045'); the number is its trailing digits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
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
    voucher_keys,
    ymd,
)


class UnbalancedVoucher(AnomalyDetectionAlgorithm):
    """Vouchers whose active lines do not sum to zero (beyond `tolerance`). All lines of the voucher are
    flagged. Uploads in which no voucher has two lines (bank statements with a reference column) are
    not double-entry and are skipped."""

    algorithm = "unbalanced_voucher"
    kind = "rule"
    description = "Vouchers whose lines do not sum to zero."
    required_columns = ("voucher_id", "amount")
    default_config = {"tolerance": 0.01, "severity": "high"}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "tolerance", 0)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        vouchers = voucher_keys(transactions)
        lines = vouchers.map(vouchers.value_counts())
        if not (lines >= 2).any():
            return DetectionResult.skip("no voucher has two lines: not a double-entry ledger")
        amount = cents(transactions["amount"].fillna(0))
        total = amount.groupby(vouchers).transform("sum")
        flagged = (vouchers.notna() & (total.abs() > round(config["tolerance"] * 100))).to_numpy(dtype=bool)
        idx = np.flatnonzero(flagged)
        debit = amount.clip(lower=0).groupby(vouchers).transform("sum").iloc[idx] / 100
        credit = amount.clip(upper=0).groupby(vouchers).transform("sum").iloc[idx] / 100
        texts = ("voucher " + text(transactions["voucher_id"].iloc[idx]) + " does not balance: its "
                 + lines.iloc[idx].astype("int64").astype(str).to_numpy(dtype=object) + " lines sum to "
                 + money(total.iloc[idx] / 100) + " (debits " + money(debit) + ", credits " + money(credit) + ")")
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"unbalanced_vouchers": int(vouchers[flagged].nunique())})


EPOCH = pd.Timestamp("1970-01-01")


def voucher_numbers(transactions: pd.DataFrame) -> pd.DataFrame:
    """series and number per line ('A-0012' -> 'A-', 12); NA where the id has no trailing digits."""
    parts = transactions["voucher_id"].astype("string").str.strip().str.extract(r"^(.*?)(\d{1,15})$")
    series = parts[0]  # kept with its separator ('A-', 'B ') so that 'A-12' can be spelled back
    if "entity" in transactions and transactions["entity"].nunique() > 1:
        series = transactions["entity"].astype("string").fillna("") + "|" + series
    return pd.DataFrame({"series": series, "number": pd.to_numeric(parts[1], errors="coerce").astype("Int64")})


def _series_label(series: pd.Series) -> np.ndarray:
    label = series.fillna("").str.split("|").str[-1].str.strip()
    return np.where(label == "", "(no prefix)", text(label))


class VoucherNumberGap(AnomalyDetectionAlgorithm):
    """Missing numbers in a voucher series: the lines of the voucher after each gap are flagged. Series
    with fewer than `min_series_vouchers` vouchers are not tested; jumps larger than `max_gap` are read as
    a new numbering range, not as deleted vouchers; a series missing more than `max_missing_share` of its
    number range is read as an extract (e.g. filtered by account) and not flagged."""

    algorithm = "voucher_number_gap"
    kind = "rule"
    description = "Gaps in voucher number series (deleted or skipped vouchers)."
    required_columns = ("voucher_id",)
    default_config = {"min_series_vouchers": 5, "max_gap": 100, "max_missing_share": 0.2, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "min_series_vouchers", 2)
        check_min(self.name(), config, "max_gap", 1)
        if not 0 < config["max_missing_share"] <= 1:
            raise ConfigError(f"{self.name()}.max_missing_share: must be in (0, 1], got {config['max_missing_share']!r}")
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        ids = voucher_numbers(transactions)
        numbered = ids.dropna().drop_duplicates().sort_values(["series", "number"])
        size = numbered.groupby("series")["number"].transform("size")
        numbered = numbered[size >= config["min_series_vouchers"]]
        previous = numbered.groupby("series")["number"].shift()
        missing = numbered["number"] - previous - 1
        gaps = numbered.assign(previous=previous, missing=missing)
        gaps = gaps[(gaps["missing"] >= 1) & (gaps["missing"] < config["max_gap"])]
        # a series missing much of its range is an extract (filtered by account or date), not a
        # ledger with deleted vouchers: gaps there say nothing
        present = numbered.groupby("series").size()
        absent = gaps.groupby("series")["missing"].sum().reindex(present.index, fill_value=0)
        share = absent / (present + absent)
        extracts = share[share > config["max_missing_share"]].index
        gaps = gaps[~gaps["series"].isin(extracts)]
        summary = {"series_tested": int(len(present) - len(extracts)), "gaps": len(gaps),
                   "missing_numbers": int(gaps["missing"].sum()),
                   "series_read_as_extracts": [str(x) for x in extracts[:20]]}
        if gaps.empty:
            return nothing_flagged(transactions, summary)
        key = pd.MultiIndex.from_frame(ids)
        hit = gaps.set_index(["series", "number"]).reindex(key)
        flagged = hit["missing"].notna().to_numpy()
        idx = np.flatnonzero(flagged)
        row = hit.iloc[idx]
        first = (row["previous"] + 1).astype("int64").astype(str).to_numpy(dtype=object)
        last = (row["previous"] + row["missing"]).astype("int64").astype(str).to_numpy(dtype=object)
        prefix = ids["series"].iloc[idx].fillna("").str.split("|").str[-1].to_numpy(dtype=object)
        span = np.where(first == last, prefix + first, prefix + first + "-" + prefix + last)
        texts = ("series " + _series_label(ids["series"].iloc[idx]) + ": " + row["missing"].astype("int64").astype(str).to_numpy(dtype=object)
                 + " number(s) missing (" + span + ") before voucher " + text(transactions["voucher_id"].iloc[idx]))
        return flag_result(transactions, flagged, texts, config["severity"], summary)


class VoucherOutOfOrder(AnomalyDetectionAlgorithm):
    """Voucher numbers out of step with their dates. Numbers are handed out in registration order, so
    within a series, ordered by number, dates should not go backwards: a voucher is flagged when its date
    lies more than the tolerance before the level (median date) of the `window` vouchers numbered just
    before it. The median keeps one stray, late-dated voucher from implicating every successor. The
    registration date is used where the upload has one (`registration_tolerance_days`), else the posting
    date (`posting_tolerance_days`). When most vouchers are out of order, the series is not numbered in
    date order at all and the rule skips with that reason."""

    algorithm = "voucher_out_of_order"
    kind = "rule"
    description = "Voucher numbers out of step with their dates (number up, date down)."
    required_columns = ("voucher_id", "posting_date")
    default_config = {"registration_tolerance_days": 0, "posting_tolerance_days": 7, "window": 5,
                      "min_series_vouchers": 5, "max_flagged_share": 0.5, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.name(), config, "registration_tolerance_days", 0)
        check_min(self.name(), config, "posting_tolerance_days", 0)
        check_min(self.name(), config, "window", 1)
        check_min(self.name(), config, "min_series_vouchers", 2)
        check_share(self.name(), config)
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        ids = voucher_numbers(transactions)
        use_registration = "registration_date" in transactions and transactions["registration_date"].notna().any()
        field = "registration_date" if use_registration else "posting_date"
        tolerance = config["registration_tolerance_days" if use_registration else "posting_tolerance_days"]
        verb = "registered" if use_registration else "dated"
        ids["date"] = transactions[field].dt.normalize()
        per = ids.dropna().groupby(["series", "number"])["date"].min().reset_index().sort_values(["series", "number"])
        per = per[per.groupby("series")["number"].transform("size") >= config["min_series_vouchers"]].reset_index(drop=True)
        per["days"] = (per["date"] - EPOCH).dt.days.astype("float64")
        window = config["window"]
        per["level"] = per.groupby("series", sort=False)["days"].transform(  # one group per series: a handful
            lambda d: d.shift().rolling(window, min_periods=1).median())
        per["first"] = per.groupby("series", sort=False)["number"].shift(window).fillna(
            per.groupby("series", sort=False)["number"].transform("min"))
        per["last"] = per.groupby("series", sort=False)["number"].shift()
        back = per["level"] - per["days"]
        bad = per[back > tolerance].assign(back=back[back > tolerance])
        summary = {"date_used": field, "series_tested": int(per["series"].nunique()), "out_of_order": len(bad)}
        # counted in vouchers: a series whose dates mostly run against its numbers is numbered some other way
        unordered = systemic(np.ones(len(bad), dtype=bool), len(per), config["max_flagged_share"],
                             "out of order", "the series is not numbered in date order", unit="vouchers")
        if unordered:
            return unordered
        if bad.empty:
            return nothing_flagged(transactions, summary)
        hit = bad.set_index(["series", "number"]).reindex(pd.MultiIndex.from_frame(ids[["series", "number"]]))
        flagged = hit["date"].notna().to_numpy()
        idx = np.flatnonzero(flagged)
        row = hit.iloc[idx]
        prefix = ids["series"].iloc[idx].fillna("").str.split("|").str[-1].to_numpy(dtype=object)
        first = prefix + row["first"].astype("int64").astype(str).to_numpy(dtype=object)
        last = prefix + row["last"].astype("int64").astype(str).to_numpy(dtype=object)
        span = np.where(first == last, first, first + "-" + last)
        level = ymd(EPOCH + pd.to_timedelta(row["level"].round().to_numpy(), unit="D"))
        texts = ("voucher " + text(transactions["voucher_id"].iloc[idx]) + " " + verb + " " + ymd(row["date"]) + ", "
                 + row["back"].round().astype("int64").astype(str).to_numpy(dtype=object)
                 + " days before the vouchers numbered just before it (" + span + ", " + verb + " around " + level + ")")
        return flag_result(transactions, flagged, texts, config["severity"], summary)
