"""Who posts where: a user who almost never posts to an account, or keys a kind of voucher, doing so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    day_numbers,
    has_values,
)
from anomaly_pipeline.detect.rules._common import (
    check_min,
    check_severity,
    flag_result,
    money,
    months_per_key,
    stripped,
    text,
)
from anomaly_pipeline.detect.shared import SharedWork


class UnusualUserAccount(AnomalyDetectionAlgorithm):
    """Postings by a user who made at most `max_share` of an account's postings in the reference, on
    accounts with at least `min_account_postings` postings (so the share means something). A user who
    posts to the account in at least `routine_months` different months does so as a routine (the monthly
    rent, the payroll) and is not flagged, however small the share. Where chance alone (the user's share of all
    the reference's postings) would have given the user at least `outstanding_expected` of the account's
    postings, the intrusion is `outstanding_severity`: a busy user who otherwise leaves the account alone. A
    posting entered on a day the account's main user (most of its postings) entered nothing at all in the
    ledger, by a user who does so on two days or more, is someone standing in for them (a holiday, a sick
    day) and is `low`. Where the upload tells kinds of voucher apart (`voucher_type`: journals, bills,
    invoices), the same test runs on them: the sales clerk who keys a journal entry, though her invoices and
    payments touch the same accounts every day."""

    algorithm = "unusual_user_account"
    kind = "rule"
    description = "Postings by a user who rarely posts to that account (tiny share of its postings)."
    required_columns = ("user_name", "account", "amount")
    default_config = {"max_share": 0.02, "min_account_postings": 30, "routine_months": 4, "severity": "medium",
                      "outstanding_expected": 20.0, "outstanding_severity": "high"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        if not 0 < config["max_share"] < 1:
            raise ConfigError(f"{self.algorithm}.max_share: must be a fraction in (0, 1), got {config['max_share']!r}")
        check_min(self.algorithm, config, "min_account_postings", 2)
        check_min(self.algorithm, config, "routine_months", 1)
        check_severity(self.algorithm, config)
        check_min(self.algorithm, config, "outstanding_expected", 1)
        check_severity(self.algorithm, config, "outstanding_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        found = _rare_for_user(transactions, reference, shared, config, "account", "account")
        flagged, texts, level = found.flagged, found.texts, found.level
        summary = {"accounts_tested": found.tested, "outstanding": found.outstanding}
        if has_values(transactions, "voucher_type") and stripped(transactions["voucher_type"]).nunique() > 1:
            kinds = _rare_for_user(transactions, reference, shared, config, "voucher_type", "voucher type")
            kinds.flagged &= kinds.level > 0  # standing in for the kind's main user explains the row
            texts = texts.copy()
            only, both = np.flatnonzero(kinds.flagged & ~flagged), np.flatnonzero(kinds.flagged & flagged)
            texts[only] = kinds.texts[only]
            texts[both] = texts[both] + "; " + kinds.texts[both]
            level = np.where(kinds.flagged, np.where(flagged, np.maximum(level, kinds.level), kinds.level), level)
            flagged = flagged | kinds.flagged
            summary.update({"voucher_types_tested": kinds.tested, "outstanding_voucher_types": kinds.outstanding})
        idx = np.flatnonzero(flagged)
        severity: str | np.ndarray = config["severity"]
        if (level[idx] != 1).any():  # per-row severities only where some differ: a million-row object column costs
            severity = np.array(["low", config["severity"], config["outstanding_severity"]], dtype=object)[level]
        return flag_result(transactions, flagged, texts[idx], severity, summary)


@dataclass
class _Rare:
    """Per row: flagged, its reason (None where not flagged), its level (0 standing in, 1 severity, 2 outstanding);
    how many places were tested and how many rows outstanding."""

    flagged: np.ndarray
    texts: np.ndarray
    level: np.ndarray
    tested: int
    outstanding: int


def _rare_for_user(transactions: pd.DataFrame, reference: pd.DataFrame, shared: SharedWork, config: dict[str, Any],
                   column: str, what: str) -> _Rare:
    """Rows whose user made at most `max_share` of the reference's postings to the row's `column` value (an
    account, a kind of voucher), as the detector's docstring says."""
    place, places = shared.encode(column, stripped)
    user, users = shared.encode("user_name", stripped)
    if transactions is reference:
        ref_place, ref_user, ref_codes = place, user, place
    else:  # the reference's rows in the upload's codes (-2: a value the upload does not have)
        ref_codes, ref_places = (shared.encode(column, stripped, over="reference") if column in reference
                                 else (np.full(len(reference), -1, dtype="int64"), pd.Series(dtype="string")))
        ref_place = _recode(ref_codes, ref_places, places)
        ref_user = (_recode(*shared.encode("user_name", stripped, over="reference"), users)
                    if "user_name" in reference
                    else np.full(len(reference), -1, dtype="int64"))
    width = len(users) + 1
    per_place = np.bincount(ref_place[ref_place >= 0], minlength=len(places))
    pair = (ref_place >= 0) & (ref_user >= 0)
    per_user = np.bincount(ref_place[pair] * width + ref_user[pair], minlength=len(places) * width)
    known = (place >= 0) & (user >= 0)
    mine = np.where(known, per_user[np.where(known, place * width + user, 0)] if len(per_user) else 0, 0).astype("float64")
    total = np.where(place >= 0, per_place[np.maximum(place, 0)] if len(per_place) else 0, 0).astype("float64")
    share = np.divide(mine, total, out=np.ones_like(mine, dtype=float), where=total > 0)
    flagged = (user >= 0) & (total >= config["min_account_postings"]) & (share <= config["max_share"])
    if "posting_date" in reference and flagged.any():  # a monthly habit is a routine, not an intrusion
        ref_pair = np.where((ref_place >= 0) & (ref_user >= 0), ref_place * width + ref_user, -1)
        months = months_per_key(ref_pair, reference["posting_date"])
        pair_at = np.where(known, place * width + user, -1)
        flagged &= months.reindex(pair_at).fillna(0).to_numpy() < config["routine_months"]
    standing_in = np.zeros(len(transactions), dtype=bool)
    if "posting_date" in reference and flagged.any():
        # who was at work is read from when entries were made, where the ledger says
        when = "registration_date" if has_values(transactions, "registration_date") and has_values(
            reference, "registration_date") else "posting_date"
        standing_in = _standing_in(flagged, place, user, transactions[when], ref_place, ref_user,
                                   reference[when], per_user.reshape(len(places), width), per_place)
    idx = np.flatnonzero(flagged)
    # chance's count: the place's postings times the user's share of every posting in the reference
    user_total = np.bincount(ref_user[ref_user >= 0], minlength=len(users)).astype("float64")
    user_share = user_total / max(float(np.count_nonzero(ref_user != -1)), 1.0)  # -2: a user not in the upload
    expected = total[idx] * user_share[user[idx]]
    busy = expected >= config["outstanding_expected"]
    texts = np.full(len(transactions), None, dtype=object)
    texts[idx] = ("user " + text(stripped(transactions["user_name"].iloc[idx])) + " made "
                  + mine[idx].astype(int).astype(str).astype(object) + " of the "
                  + total[idx].astype(int).astype(str).astype(object) + f" postings on {what} "
                  + text(stripped(transactions[column].iloc[idx])) + " ("
                  + pd.Series(share[idx] * 100).map("{:.1f}%".format).to_numpy(dtype=object)
                  + np.where(busy, ", though " + pd.Series(user_share[user[idx]] * 100).map("{:.0f}%".format)
                             .to_numpy(dtype=object) + " of all postings are theirs", "")
                  + "); amount " + money(transactions["amount"].iloc[idx])
                  + np.where(standing_in[idx], f"; on a day the {what}'s main user entered nothing: standing in", ""))
    level = np.ones(len(transactions), dtype="int64")
    level[idx[busy]] = 2
    level[standing_in] = 0
    tested = np.bincount(ref_codes[ref_codes >= 0]) >= config["min_account_postings"]
    return _Rare(flagged, texts, level, int(tested.sum()), int(np.count_nonzero(busy)))


def _standing_in(flagged: np.ndarray, place: np.ndarray, user: np.ndarray, dates: pd.Series,
                 ref_place: np.ndarray, ref_user: np.ndarray, ref_dates: pd.Series, per_user: np.ndarray,
                 per_place: np.ndarray) -> np.ndarray:
    """Flagged rows dated on a day the main user of their place (an account, a kind of voucher; over half its
    postings) has nothing dated at all, of a user who does so on the place on two days or more."""
    main = per_user.argmax(axis=1)
    main_share = per_user.max(axis=1) / np.maximum(per_place, 1)
    day, ref_day = day_numbers(dates), day_numbers(ref_dates)
    dated = ~np.isnat(ref_dates.to_numpy(dtype="datetime64[ns]")) & (ref_user >= 0)
    worked = np.unique(ref_user[dated] * (1 << 32) + ref_day[dated])
    rows = np.flatnonzero(flagged & (place >= 0) & ~np.isnat(dates.to_numpy(dtype="datetime64[ns]")))
    their_main = main[place[rows]]
    absent = ~np.isin(their_main * (1 << 32) + day[rows], worked)
    covering = absent & (main_share[place[rows]] > 0.5) & (their_main != user[rows])
    # standing in is a stretch of work, not one entry: the user covers the place on two days or more
    pair = place[rows] * (int(user.max()) + 2) + user[rows]
    days_covered = pd.DataFrame({"pair": pair[covering], "day": day[rows][covering]}).drop_duplicates()
    stretch = days_covered.groupby("pair").size()
    out = np.zeros(len(flagged), dtype=bool)
    out[rows] = covering & (stretch.reindex(pair).fillna(0).to_numpy() >= 2)
    return out


def _recode(codes: np.ndarray, values: pd.Series, target: pd.Series) -> np.ndarray:
    """`codes` over `values` as codes over `target`: -1 where missing, -2 where `target` lacks the value."""
    where = pd.Index(target).get_indexer(values)
    where[where < 0] = -2
    return np.where(codes >= 0, where[np.maximum(codes, 0)] if len(where) else -1, -1)
