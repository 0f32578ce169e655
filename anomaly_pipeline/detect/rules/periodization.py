"""Unusual periodization: entries whose registration and posting dates disagree about the period, late
entries after the period close, back- and forward-dating, and revenue booked at period end and reversed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.account_roles import read_revenue
from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.detect.norms import (
    MIN_POPULATION,
    describe_habit,
    habitual_share,
    ledger_limit,
    percent,
)
from anomaly_pipeline.detect.rules._common import (
    cents,
    check_bool,
    check_min,
    check_period,
    check_severity,
    check_share,
    check_str_list,
    flag_result,
    matches_prefix,
    money,
    period_end,
    period_of,
    systemic,
    text,
    voucher_label,
    ymd,
)
from anomaly_pipeline.detect.shared import SharedWork

BULK = "a bulk registration (an import or a catch-up), not individual entries"


class PeriodMismatch(AnomalyDetectionAlgorithm):
    """Registration date and posting date fall in different accounting periods (months by default), in a
    ledger where that is rare: at most `max_share` of its vouchers (and of the user's) are registered in
    another period than posted. A company that books each month in the next is not flagged for it."""

    algorithm = "period_mismatch"
    kind = "rule"
    description = "Posting date and registration date in different periods."
    required_columns = ("posting_date", "registration_date", "amount")
    default_config = {"period": "month", "min_amount": 0.0, "max_share": 0.05, "max_flagged_share": 0.5,
                      "severity": "low"}
    default_weight = 0.05

    def check_config(self, config: dict[str, Any]) -> None:
        check_period(self.algorithm, config)
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_share(self.algorithm, config)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        posted, registered = transactions["posting_date"], transactions["registration_date"]
        p_period, r_period = period_of(posted, config["period"]), period_of(registered, config["period"])
        flagged = (registered.notna() & posted.notna() & (p_period != r_period)
                   & (transactions["amount"].abs() >= config["min_amount"])).to_numpy()
        dated = int((registered.notna() & posted.notna()).sum())
        bulk = systemic(flagged, dated, config["max_flagged_share"], "registered in another period than posted",
                        BULK)
        if bulk:
            return bulk
        weight, unit = shared.unit_weights()
        habit = habitual_share(flagged, shared.context_codes("transactions", "user_name"), weight)
        if habit.learned:
            flagged = flagged & (habit.share <= config["max_share"])
        idx = np.flatnonzero(flagged)
        texts = ("posted " + ymd(posted.iloc[idx]) + " (period " + text(p_period.iloc[idx].astype("string"))
                 + ") but registered " + ymd(registered.iloc[idx]) + " (period "
                 + text(r_period.iloc[idx].astype("string")) + ")")
        if habit.learned and len(idx):
            users = {"user": text(transactions["user_name"].astype("string").iloc[idx])} if "user_name" in transactions else None
            texts = texts + "; " + describe_habit(habit, idx, f"{unit} are registered in another period", users)
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"ledger_share": round(habit.ledger_share, 4), "calibrated": habit.learned})


#: a user registering more than this share of their entries late does so routinely (an external accountant keying
#: the quarter's adjustments weeks after it closed); smoothed toward the ledger's share as `habitual_share` does
USER_ROUTINE_SHARE = 0.05


def users_routine(late: np.ndarray, shared: SharedWork) -> np.ndarray:
    """Per row: it is late, and so are more than USER_ROUTINE_SHARE of its user's other entries (more than one of
    them): the user's routine, not a backdated entry."""
    contexts = shared.context_codes("transactions", "user_name")
    if not contexts or not late.any():
        return np.zeros(len(late), dtype=bool)
    weight = shared.unit_weights()[0]
    user_only = habitual_share(late, contexts, weight)
    return late & (user_only.share > USER_ROUTINE_SHARE) & (user_only.context > 0)


class LateRegistration(AnomalyDetectionAlgorithm):
    """Registered more than `close_lag_days` after the end of the posting period: booked into a period
    that should already have been closed. With `relative_to_usual`, the company's usual delay (the
    median of registration minus period end in the reference, when positive: bookkeeping done in
    quarterly batches) is added to the allowance, and the limit is at least `margin` times the ledger's own
    (1 - `max_share`) quantile of days after period end, so only entries late for this company are flagged; nor are
    those of a user who registers their entries this late routinely (`users_routine`)."""

    algorithm = "late_registration"
    kind = "rule"
    description = "Entries registered after the posting period's close (period end + close lag)."
    required_columns = ("posting_date", "registration_date", "amount")
    default_config = {"period": "month", "close_lag_days": 10, "relative_to_usual": True, "min_amount": 0.0,
                      "max_share": 0.01, "margin": 1.5, "max_flagged_share": 0.5, "severity": "medium"}
    default_weight = 0.45

    def check_config(self, config: dict[str, Any]) -> None:
        check_period(self.algorithm, config)
        check_min(self.algorithm, config, "close_lag_days", 0)
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_min(self.algorithm, config, "margin", 1)
        check_share(self.algorithm, config)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        posted, registered = transactions["posting_date"], transactions["registration_date"].dt.normalize()
        end = period_end(posted, config["period"])
        late_days = (registered - end).dt.days
        usual, quantile = 0, float("nan")
        allowed = config["close_lag_days"]
        if config["relative_to_usual"]:
            ref_late = (reference["registration_date"].dt.normalize()
                        - period_end(reference["posting_date"], config["period"])).dt.days
            usual = max(0, int(ref_late.median())) if ref_late.notna().any() else 0
            allowed += usual
            if ref_late.notna().sum() >= MIN_POPULATION:
                limit, quantile = ledger_limit(ref_late.to_numpy(dtype="float64", na_value=np.nan), allowed,
                                               config["max_share"], config["margin"])
                allowed = int(np.ceil(limit))
        flagged = ((late_days > allowed).fillna(False)
                   & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        if config["relative_to_usual"]:
            flagged = flagged & ~users_routine(flagged, shared)
        bulk = systemic(flagged, int(registered.notna().sum()), config["max_flagged_share"],
                        "registered after their period's close", BULK)
        if bulk:
            return bulk
        idx = np.flatnonzero(flagged)
        texts = ("registered " + ymd(registered.iloc[idx]) + ", " + late_days.iloc[idx].astype("int64").astype(str).to_numpy(dtype=object)
                 + " days after period " + text(period_of(posted, config["period"]).iloc[idx].astype("string")))
        if quantile == quantile:  # calibrated on the ledger's own delays
            texts = texts + (f" ended; {1 - config['max_share']:.0%} of this ledger's entries are registered within "
                             f"{max(0, int(quantile))} days of their period's end")
        else:
            texts = texts + (" ended (posting date " + ymd(posted.iloc[idx]) + ", close lag "
                             + str(config["close_lag_days"]) + " days" + (f" + usual delay {usual}" if usual else "") + ")")
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"allowed_days_after_period_end": allowed, "usual_delay_days": usual})


class EntryDateGap(AnomalyDetectionAlgorithm):
    """Backdated (registered more than `backdated_days` after the posting date) and forward-dated
    (posting date more than `forward_dated_days` after registration) entries. With `relative_to_usual`,
    the company's usual registration lag (median over the reference, when positive) is added to the
    backdating allowance, and each limit is at least `margin` times the ledger's own (1 - `max_share`)
    quantile of that gap: where bookkeeping runs a month behind, only entries later than that stand out; a user who
    backdates routinely (`users_routine`) is not flagged for it."""

    algorithm = "entry_date_gap"
    kind = "rule"
    description = "Backdated and forward-dated entries: registration vs posting date gap beyond N days."
    required_columns = ("posting_date", "registration_date", "amount")
    default_config = {"backdated_days": 30, "forward_dated_days": 7, "relative_to_usual": True, "min_amount": 0.0,
                      "max_share": 0.01, "margin": 1.5, "max_flagged_share": 0.5, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        for key in ("backdated_days", "forward_dated_days", "min_amount"):
            check_min(self.algorithm, config, key, 0)
        check_share(self.algorithm, config, "max_share")
        check_min(self.algorithm, config, "margin", 1)
        check_share(self.algorithm, config)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        posted, registered = transactions["posting_date"], transactions["registration_date"].dt.normalize()
        gap = (registered - posted).dt.days
        usual = 0
        limit, forward_limit = config["backdated_days"], config["forward_dated_days"]
        back_q = forward_q = float("nan")
        if config["relative_to_usual"]:
            ref_gap = (reference["registration_date"].dt.normalize() - reference["posting_date"]).dt.days
            usual = max(0, int(ref_gap.median())) if ref_gap.notna().any() else 0
            limit += usual
            if ref_gap.notna().sum() >= MIN_POPULATION:
                values = ref_gap.to_numpy(dtype="float64", na_value=np.nan)
                limit, back_q = ledger_limit(values, limit, config["max_share"], config["margin"])
                forward_limit, forward_q = ledger_limit(-values, forward_limit, config["max_share"], config["margin"])
        big = transactions["amount"].abs() >= config["min_amount"]
        back = ((gap > limit).fillna(False) & big).to_numpy(dtype=bool)
        forward = ((-gap > forward_limit).fillna(False) & big).to_numpy(dtype=bool)
        if config["relative_to_usual"]:
            back = back & ~users_routine(back, shared)
        flagged = back | forward
        bulk = systemic(flagged, int(gap.notna().sum()), config["max_flagged_share"], "back- or forward-dated", BULK)
        if bulk:
            return bulk
        idx = np.flatnonzero(flagged)
        days = gap.iloc[idx].abs().astype("int64").astype(str).to_numpy(dtype=object)
        p, r = ymd(posted.iloc[idx]), ymd(registered.iloc[idx])
        within = f"; {1 - config['max_share']:.0%} of this ledger's entries within"
        back_norm = (f"{within} {max(0, int(back_q))} days" if back_q == back_q
                     else " (limit " + str(config["backdated_days"]) + (f" + usual lag {usual}" if usual else "") + ")")
        forward_norm = (f"{within} {max(0, int(forward_q))} days" if forward_q == forward_q
                        else " (limit " + str(config["forward_dated_days"]) + ")")
        back_text = "backdated: registered " + r + ", " + days + " days after its posting date " + p + back_norm
        forward_text = "forward-dated: posting date " + p + " is " + days + " days after registration " + r + forward_norm
        texts = np.where(back[idx], back_text, forward_text)
        return flag_result(transactions, flagged, texts, config["severity"],
                           summary={"backdated": int(back.sum()), "forward_dated": int(forward.sum()),
                                    "usual_lag_days": usual, "backdated_limit_days": float(limit),
                                    "forward_dated_limit_days": float(forward_limit)})


class RevenueCutoffReversal(AnomalyDetectionAlgorithm):
    """Revenue booked in the last `days_before_end` days of a period and reversed (same account, opposite
    amount) within `days_after_end` days after the period ended: the classic cut-off manipulation. Both
    the booking and its reversal are flagged. Revenue accounts are read from the ledger's account names
    (`revenue_by_name`, see `account_roles`); where no name reads as revenue, from how accounts are used
    (`revenue_by_usage`: credited on nine lines in ten, as sales are); where neither tells,
    `revenue_account_prefixes`.

    Judged by the ledger's own habit: where more than `habit_share` of the revenue bookings made earlier in
    their period are reversed (same account, opposite amount) within `days_before_end` + `days_after_end`
    days as well (returns, credit memos), a reversal across the period end is `habit_severity` unless it is
    larger than the `larger_than` quantile of those other reversals: a coffee roaster crediting a returned $84
    bag is routine whatever the day, crediting an $84 000 invoice two days after booking it on the 31st is not.
    A reversal smaller than the `minor_quantile` quantile of the account's revenue lines (by default: most of
    them, in an account of at least 50) cannot move the period's revenue: `habit_severity` too, and the reason
    says so."""

    algorithm = "revenue_cutoff_reversal"
    kind = "rule"
    description = "Revenue booked at period end and reversed (same account, opposite amount) just after."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"revenue_by_name": True, "revenue_by_usage": True, "revenue_account_prefixes": ["3"],
                      "period": "month",
                      "days_before_end": 5, "days_after_end": 10, "min_amount": 0.0, "severity": "high",
                      "habit_share": 0.01, "larger_than": 0.95, "minor_quantile": 0.5, "habit_severity": "low"}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.algorithm, config, "revenue_account_prefixes")
        check_bool(self.algorithm, config, "revenue_by_name")
        check_bool(self.algorithm, config, "revenue_by_usage")
        check_period(self.algorithm, config)
        check_min(self.algorithm, config, "days_before_end", 1)
        check_min(self.algorithm, config, "days_after_end", 1)
        check_min(self.algorithm, config, "min_amount", 0)
        check_severity(self.algorithm, config)
        check_share(self.algorithm, config, "habit_share")
        check_share(self.algorithm, config, "larger_than")
        check_share(self.algorithm, config, "minor_quantile")
        check_severity(self.algorithm, config, "habit_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        posted = transactions["posting_date"]
        end = period_end(posted, config["period"])
        revenue, named, source = read_revenue(transactions, shared, config["revenue_by_name"],
                                              config["revenue_by_usage"])
        if not named:
            revenue, source = matches_prefix(transactions["account"], config["revenue_account_prefixes"]), "prefixes"
        revenue = (revenue & (transactions["amount"].abs() >= config["min_amount"]).to_numpy()
                   & (transactions["amount"] != 0).to_numpy())
        lines = pd.DataFrame({"row": np.arange(len(transactions)), "account": transactions["account"].astype("string"),
                              "cents": cents(transactions["amount"].fillna(0)), "date": posted, "end": end})
        at_end = ((end - posted).dt.days < config["days_before_end"]).to_numpy()
        originals = lines[revenue & at_end]
        candidates = lines[revenue]
        pairs = originals.merge(candidates.assign(cents=-candidates["cents"]), on=["account", "cents"],
                                suffixes=("", "_rev"))
        after = (pairs["date_rev"] - pairs["end"]).dt.days
        pairs = pairs[(after >= 1) & (after <= config["days_after_end"])]
        # one partner per line: the earliest reversal of each booking, then each reversal used once
        pairs = pairs.sort_values(["row", "date_rev", "row_rev"]).drop_duplicates("row").drop_duplicates("row_rev")
        # the ledger's habit: how often revenue booked earlier in its period is reversed as soon (the reversals
        # of the bookings at the end left out)
        window = config["days_before_end"] + config["days_after_end"]
        earlier = lines[revenue & ~at_end & posted.notna().to_numpy()]
        others = candidates[~candidates["row"].isin(pairs["row_rev"])]
        reversed_share, usual = _earlier_reversals(earlier, others, window)
        habit = len(earlier) >= MIN_POPULATION and reversed_share > config["habit_share"]
        bar = np.quantile(usual, config["larger_than"]) if habit else 0.0
        flagged = np.zeros(len(transactions), dtype=bool)
        texts = pd.Series("", index=transactions.index, dtype=object)
        severity = np.full(len(transactions), config["severity"], dtype=object)
        if len(pairs):
            o, r = pairs["row"].to_numpy(), pairs["row_rev"].to_numpy()
            amount = money(transactions["amount"].iloc[o])
            acct = text(transactions["account"].iloc[o])
            o_date, r_date = ymd(posted.iloc[o]), ymd(posted.iloc[r])
            period = text(period_of(posted, config["period"]).iloc[o].astype("string"))
            days = str(config["days_before_end"])
            texts.iloc[o] = ("revenue " + amount + " on " + acct + " booked " + o_date + " (last " + days
                             + " days of " + period + ") and reversed " + r_date + voucher_label(transactions, r, " by voucher ", ""))
            texts.iloc[r] = ("reverses revenue " + amount + " on " + acct + " booked " + o_date + " (last "
                             + days + " days of " + period + ")" + voucher_label(transactions, o, " in voucher ", ""))
            flagged[o] = True
            flagged[r] = True
            size = np.abs(pairs["cents"].to_numpy())
            # a reversal smaller than most of the account's revenue lines cannot move the period's revenue
            by_account = candidates["cents"].abs().groupby(candidates["account"])
            typical = by_account.quantile(config["minor_quantile"]).where(by_account.size() >= MIN_POPULATION)
            minor = size < typical.reindex(pairs["account"]).to_numpy()
            note = np.where(minor, "; smaller than " + f"{config['minor_quantile']:.0%}" + " of the revenue lines on "
                            + acct + " (" + money(typical.reindex(pairs["account"]).to_numpy() / 100) + ")", "")
            routine = minor.copy()
            if habit:
                usual_size = size <= bar
                routine |= usual_size
                share = percent(reversed_share)
                note = note + np.where(usual_size, f"; {share} of this ledger's revenue bookings earlier in their "
                                       f"period are reversed within {window} days too",
                                       f"; larger than {config['larger_than']:.0%} of the revenue this ledger reverses "
                                       f"within {window} days at other times")
            texts.iloc[o] = texts.iloc[o] + note
            texts.iloc[r] = texts.iloc[r] + note
            severity[o[routine]] = config["habit_severity"]
            severity[r[routine]] = config["habit_severity"]
        return flag_result(transactions, flagged, texts.to_numpy()[flagged], severity,
                           summary={"reversed_bookings": int(len(pairs)),
                                    "revenue_accounts": named[:20] if named else config["revenue_account_prefixes"],
                                    "revenue_accounts_from": source,
                                    "reversed_earlier_share": round(reversed_share, 4)})


def _earlier_reversals(earlier: pd.DataFrame, candidates: pd.DataFrame, days: int) -> tuple[float, np.ndarray]:
    """(share of the `earlier` bookings reversed, |cents| of those reversals): a booking is a line on its
    account's usual side (the sign of the account's net), a reversal a line on the other side of the same
    account and amount following such a booking by 1 to `days` days (each reversal counted once, found by an
    as-of join rather than pairing every equal amount with every other)."""
    if earlier.empty:
        return 0.0, np.zeros(0)
    usual = np.sign(candidates.groupby("account")["cents"].sum())
    def keyed(lines: pd.DataFrame) -> pd.DataFrame:
        side = np.sign(lines["cents"].to_numpy()) == usual.reindex(lines["account"]).to_numpy()
        return pd.DataFrame({"key": lines["account"].fillna("") + "|" + lines["cents"].abs().astype("string"),
                             "t": lines["date"], "usual": side, "cents": lines["cents"].abs().to_numpy()}
                            ).dropna(subset=["t"]).sort_values("t", kind="stable")
    booked, later = keyed(earlier), keyed(candidates)
    bookings = booked.loc[booked["usual"], ["key", "t"]].assign(hit=True)
    reversals = later[~later["usual"]].assign(t=lambda x: x["t"] - pd.Timedelta(days=1))
    if bookings.empty or reversals.empty:
        return 0.0, np.zeros(0)
    joined = pd.merge_asof(reversals, bookings, on="t", by="key", direction="backward",
                           tolerance=pd.Timedelta(days=days - 1))
    matched = joined["hit"].fillna(False).to_numpy(dtype=bool)
    return float(matched.sum() / len(bookings)), joined["cents"].to_numpy()[matched]
