"""Amount patterns auditors test for: round amounts, tell-tale endings, and amounts just below an
approval limit (structuring to avoid a second signature)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.account_roles import read_revenue
from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    combine_codes,
    has_values,
    undated_text,
)
from anomaly_pipeline.detect.binomial import binomial_tail
from anomaly_pipeline.detect.norms import habitual_share, percent
from anomaly_pipeline.detect.rules._common import (
    cents,
    check_bool,
    check_min,
    check_severity,
    check_share,
    check_str_list,
    flag_result,
    money,
    months_per_key,
    rare_here,
    stripped,
    text,
    voucher_codes,
)
from anomaly_pipeline.detect.shared import SharedWork

#: a share of vouchers with round amounts this low or lower makes a round amount full evidence (`RoundAmount`)
RARE_ROUND = 0.005


class RoundAmount(AnomalyDetectionAlgorithm):
    """|amount| is a non-zero multiple of `multiple` (default 1 000: the '000' endings) and at least
    `min_amount`, where round amounts are rare here: at most `max_share` of the ledger's (and the account's)
    vouchers carry one. Its score is how rare they are here (`_by_rarity`): rents and salaries are round too, so a
    round amount says little where many are, much where almost none is. An amount ten times rounder where the
    ledger hardly ever is (at most `rounder_share` of its vouchers) is `rounder_severity`, and scored by how rare
    amounts that round are, unless its account carries that amount in STANDING_MONTHS months (a quarterly rent)."""

    algorithm = "round_amount"
    kind = "rule"
    description = "Round amounts (multiples of 1 000 by default)."
    required_columns = ("amount",)
    default_config = {"multiple": 1000.0, "min_amount": 0.0, "max_share": 0.05, "severity": "low",
                      "rounder_share": 0.005, "rounder_severity": "medium"}
    default_weight = 0.3

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "multiple", 0.01)
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)
        check_share(self.algorithm, config, "rounder_share")
        check_severity(self.algorithm, config, "rounder_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        c = cents(transactions["amount"].fillna(0)).abs()
        step = round(config["multiple"] * 100)
        hit = ((c > 0) & (c % step == 0) & (transactions["amount"].abs() >= config["min_amount"])).to_numpy()
        flagged, norm, summary, row_share = rare_here(transactions, shared, hit, config["max_share"],
                                                  "carry a round amount")
        idx = np.flatnonzero(flagged)
        texts = ("round amount " + money(transactions["amount"].iloc[idx]) + " (a multiple of "
                 + money([config["multiple"]])[0] + ")") + norm
        severity = np.full(len(transactions), config["severity"], dtype=object)
        # ten times rounder, where the ledger hardly ever is: 120 000 among amounts that are at most 1 000s
        rounder = flagged & (c % (10 * step) == 0).to_numpy()
        if rounder.any():
            weight, unit = shared.unit_weights()
            habit = habitual_share(hit & (c % (10 * step) == 0).to_numpy(),
                                   shared.context_codes("transactions", "account"), weight)
            share = habit.ledger_share
            if share <= config["rounder_share"]:
                severity[rounder] = config["rounder_severity"]
                # its rarity is that of amounts as round as it, here and on its account, unless the account
                # carries that amount in several months (a quarterly rent, a loan's instalment)
                fresh = rounder & ~_standing(transactions, shared, c.to_numpy(), rounder)
                row_share = np.where(fresh, np.fmin(row_share, habit.share), row_share)
                at = np.flatnonzero(rounder[idx])
                texts = texts.astype(object)
                texts[at] = texts[at] + (f"; {percent(share)} of this ledger's {unit} carry a multiple of "
                                         + money([10 * config["multiple"]])[0])
        result = flag_result(transactions, flagged, texts, severity, {"round": int(hit.sum()), **summary})
        return result if np.isnan(row_share).all() else self._by_rarity(result, flagged, row_share)

    @staticmethod
    def _by_rarity(result: DetectionResult, flagged: np.ndarray, share: np.ndarray) -> DetectionResult:
        """Scores by how rare round amounts are here: 1 where at most RARE_ROUND of the vouchers (or the
        account's) carry one, half where twice as many do. A round amount says more where the ledger is seldom
        round (the evidence is the likelihood ratio: about as likely in an invented entry anywhere, far less
        likely in this ledger's own)."""
        scores = result.scores.copy()
        with np.errstate(divide="ignore"):
            rarity = np.clip(RARE_ROUND / np.maximum(share, 1e-9), 0.0, 1.0)
        # never below half the severity's score: a rounder amount (medium) keeps its weight where 1 000s are common
        scores["score"] = np.where(flagged, np.maximum(rarity, scores["score"].to_numpy() / 2), 0.0)
        return DetectionResult(scores=scores, summary=result.summary)


#: an account carrying one amount in this many months or more carries it by standing arrangement
STANDING_MONTHS = 3


def _standing(transactions: pd.DataFrame, shared: SharedWork, cents_abs: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Per `asked` row: its account carries its amount in STANDING_MONTHS months or more (rent, a loan's
    instalment)."""
    out = np.zeros(len(transactions), dtype=bool)
    if "posting_date" not in transactions or not has_values(transactions, "account"):
        return out
    account = shared.encode("account", as_string)[0]
    key = np.where((account >= 0) & (cents_abs > 0), combine_codes(account, cents_abs), -1)
    key = np.where(np.isin(key, key[asked]), key, -1)  # only the keys asked about are counted
    months = months_per_key(key, transactions["posting_date"])
    return asked & (months.reindex(key, fill_value=0).to_numpy() >= STANDING_MONTHS)


class AmountEnding(AnomalyDetectionAlgorithm):
    """The whole-currency part of |amount| ends in one of `endings` (default '99': 9 999, 49 990 is not):
    prices set just under a threshold, or invented figures. Only where such endings are rare here: at
    most `max_share` of the ledger's (and the account's) vouchers carry one (a retailer's 99-prices are
    its habit)."""

    algorithm = "amount_ending"
    kind = "rule"
    description = "Amounts whose whole part ends in tell-tale digits ('99' by default)."
    required_columns = ("amount",)
    default_config = {"endings": ["99"], "min_amount": 100.0, "max_share": 0.05, "severity": "low"}
    default_weight = 0.1

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.algorithm, config, "endings", allow_empty=False)
        bad = [e for e in config["endings"] if not e.isdigit()]
        if bad:
            raise ConfigError(f"{self.algorithm}.endings: digits only, got {bad}")
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        whole = (cents(transactions["amount"].fillna(0)).abs() // 100).astype(str)
        ending = pd.Series(pd.NA, index=transactions.index, dtype="string")
        for e in sorted(config["endings"], key=len):  # a few endings; the longest match is the one named
            ending = ending.mask(whole.str.endswith(e).to_numpy(), e)
        hit = (ending.notna() & (transactions["amount"].abs() >= config["min_amount"])).to_numpy(dtype=bool)
        flagged, norm, summary, _ = rare_here(transactions, shared, hit, config["max_share"], "carry such an ending")
        idx = np.flatnonzero(flagged)
        texts = "amount " + money(transactions["amount"].iloc[idx]) + " ends in " + ending.iloc[idx].to_numpy(dtype=object) + norm
        return flag_result(transactions, flagged, texts, config["severity"], {"matched": int(hit.sum()), **summary})


class BelowApprovalLimit(AnomalyDetectionAlgorithm):
    """Threshold avoidance as a pattern: an excess of amounts just below an approval limit compared with
    the amounts around it, per user, per account, per supplier (a supplier's invoices split or priced under
    the limit; a customer, one whose vouchers hold a sales line, is billed, not approved) and in the whole ledger. Approval applies to a document's
    total, so the amounts tested are each voucher's largest line (every line without voucher ids).

    For each limit, |amount| in [limit x (1 - margin), limit) is *below*; the neighbourhood is the two
    margins under that band and the two above the limit. Without avoidance the below band holds about a
    fifth of the distinct amounts in that window, or this ledger's own share where its amounts habitually
    sit just under round numbers (pooled over every round threshold but the one tested: a retailer pricing
    at 9 990, 24 990, 49 990 is not avoiding anything). Where a group has at least `min_count` distinct
    amounts below and a binomial test puts the chance of so many under `alpha`, its amounts below the limit
    are flagged, at high severity: the excess is the evidence; an amount's later lines in the group (the invoice's
    payment) are not flagged again.

    The limits are the configured `limits` and, with `learn_limits`, every round threshold (1, 1.5, 2,
    2.5, 3, 4, 5, 7.5 x a power of ten, from `min_limit` up to the largest amount): a company's limit
    need not be in anyone's list. A learned limit is searched among many, so its test uses `alpha`
    divided by the number of thresholds searched; every limit's, by the number of groups (users, accounts,
    counterparties) with `min_count` amounts below it (which of them avoids it is searched too). Amounts are counted once per group (the same salary
    every month is a routine, not avoidance), and so is a monthly series: an account and text booked once a
    month in at least `routine_months` months at amounts within 10 % of each other (a loan's payment, its
    interest falling a little each month). One amount under a round number is not a finding."""

    algorithm = "below_approval_limit"
    kind = "rule"
    description = ("An excess of amounts just below an approval limit over the amounts around it (per user, account "
                   "or counterparty).")
    required_columns = ("amount",)
    default_config = {"limits": [10000.0, 50000.0], "learn_limits": True, "min_limit": 1000.0, "margin": 0.05,
                      "min_count": 4, "alpha": 0.01, "routine_months": 4, "severity": "high"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        bad = [v for v in config["limits"] if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0]
        if bad or not (config["limits"] or config["learn_limits"]):
            raise ConfigError(f"{self.algorithm}.limits: a non-empty list of positive numbers (or learn_limits), "
                              f"got {config['limits']!r}")
        check_bool(self.algorithm, config, "learn_limits")
        check_min(self.algorithm, config, "min_limit", 0.01)
        if not 0 < config["margin"] < 1 / 3:
            raise ConfigError(f"{self.algorithm}.margin: must be a fraction in (0, 1/3), got {config['margin']!r}")
        if not 0 < config["alpha"] < 1:
            raise ConfigError(f"{self.algorithm}.alpha: must be a fraction in (0, 1), got {config['alpha']!r}")
        check_min(self.algorithm, config, "min_count", 2)
        check_min(self.algorithm, config, "routine_months", 2)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        amount = cents(transactions["amount"].fillna(0)).abs().to_numpy()
        counted = _voucher_total_line(transactions, shared, amount)  # a voucher's largest line
        band_rows = _SortedAmounts(amount, counted)
        unit = _monthly_series_as_one(transactions, shared, amount, counted, config["routine_months"])
        margin = config["margin"]
        widths = sorted({NARROW_BAND, float(margin)})  # a pile-up right under the limit, or spread wider
        groups = []  # a user's or an account's excess first; the ledger's for what they leave unexplained
        for column, label in (("user_name", "user"), ("account", "account"), ("counterparty", "counterparty")):
            if has_values(transactions, column):
                codes, names = shared.encode(column, stripped)
                if column == "counterparty":  # what customers pay is billed, not approved: suppliers only
                    codes = np.where(_customers(codes, transactions, shared), -1, codes)
                if (codes >= 0).any():
                    groups.append((label, codes, names))
        groups.append(("this ledger", np.zeros(len(amount), dtype="int64"), None))
        fixed = sorted({float(v) for v in config["limits"]})
        learned = ([v for v in round_thresholds(config["min_limit"], band_rows.largest / 100 / (1 - margin))
                    if not any(np.isclose(v, f) for f in fixed)] if config["learn_limits"] else [])
        tests = [(limit, is_learned, width) for limit, is_learned in sorted([(v, False) for v in fixed]
                                                                            + [(v, True) for v in learned])
                 for width in widths]
        ledger = groups[-1][1]
        bands = [band_rows.bands(limit, width) for limit, _, width in tests]
        counts = np.array([[_distinct_per_group(ledger, unit, band, 1)[0] for band in pair[:2]] for pair in bands],
                          dtype="int64").reshape(-1, 2)
        width_of = np.array([width for _, _, width in tests])
        flagged = np.zeros(len(amount), dtype=bool)
        covered = np.zeros(len(amount), dtype=bool)  # in an excess found: flagged, or a later line of its amount
        flagged_by = np.full(len(amount), "", dtype=object)
        day = (transactions["posting_date"].to_numpy(dtype="datetime64[D]").astype("int64")
               if has_values(transactions, "posting_date") else np.zeros(len(amount), dtype="int64"))
        texts = np.full(len(amount), None, dtype=object)
        found = []
        for (limit, is_learned, width), (below, around, above), (lb, la) in zip(tests, bands, counts, strict=True):
            if lb < config["min_count"]:  # no group can reach min_count where the ledger does not
                continue
            # the ledger's own share of amounts just under a round threshold (this one left out), at least the
            # band's share of the window
            same = width_of == width
            pooled_b, pooled_n = int(counts[same, 0].sum()) - lb, int(counts[same].sum()) - lb - la
            floor = width / (width + 2 * REACH)
            null = max(floor, (pooled_b + floor * PRIOR_AMOUNTS) / (pooled_n + PRIOR_AMOUNTS))
            alpha = config["alpha"] / len(widths) / (len(learned) if is_learned else 1)
            for label, codes, names in groups:
                group_width = int(codes.max(initial=-1)) + 1
                unexplained = below[~(covered[below] & (flagged_by[below] != label))]  # another group's excess
                b, a, up = (_distinct_per_group(codes, unit, band, group_width)
                            for band in (unexplained, around, above))
                eligible = b >= config["min_count"]
                # every group that could show an excess is searched, for a configured limit too
                level = alpha / max(int(eligible.sum()), 1)
                # at most the binomial's median below, the chance is at least 1/2: computed only above it
                tested = eligible & ((b > np.floor((a + b) * null)) | (level >= 0.5))
                chance = np.ones(len(b))
                chance[tested] = binomial_tail(b[tested], (a + b)[tested], null)
                # a shelf: many more just below the limit than in the band as wide just above it
                excess = tested & (chance < level) & (b > SHELF * up)
                idx = np.sort(below[(codes[below] >= 0) & excess[np.maximum(codes[below], 0)] & ~covered[below]])
                if not len(idx):
                    continue
                covered[idx] = True
                flagged_by[idx] = label
                idx = _first_of_each_amount(codes[idx], amount[idx], day[idx], idx)
                who = (label if names is None else label + " " + text(names.iloc[codes[idx]]))
                which = (money([limit])[0] + " (a round threshold, not a configured limit)" if is_learned
                         else "the approval limit " + money([limit])[0])
                texts[idx] = ("amount " + money(transactions["amount"].iloc[idx]) + " is just below " + which
                              + "; " + who + " has " + b[codes[idx]].astype(str).astype(object)
                              + f" distinct amounts in the {width:.0%} below it and "
                              + a[codes[idx]].astype(str).astype(object)
                              + f" in the {REACH:.0%} on either side"
                              + (f" (this ledger: {null:.0%} of such amounts fall just below a round threshold)"
                                 if null > floor * 1.5 else ""))
                flagged[idx] = True
                found.append({"limit": limit, "learned": is_learned, "width": width, "group": label,
                              "groups": int(excess.sum())})
        idx = np.flatnonzero(flagged)
        return flag_result(transactions, flagged, texts[idx], config["severity"],
                           {"limits": fixed, "thresholds_searched": len(learned), "excesses": found})


#: the narrow band under a limit tested besides the configured margin, and how far either side of it the
#: amounts are counted that show the ledger's density there
NARROW_BAND = 0.02
REACH = 0.15
#: a shelf: the band below a limit holds more than this many times the distinct amounts of the band above
SHELF = 2.0
#: pseudo-count of amounts at the band's share of the window, pulling a ledger's pooled share toward it: a
#: habit of amounts just under round numbers must show in many amounts to count
PRIOR_AMOUNTS = 100.0
#: a monthly series' amounts lie within this fraction of each other (a loan's payment as its interest falls);
#: a text booked monthly at amounts that vary more ("Customer invoice") is no series
SERIES_SPREAD = 0.1
#: ... booked at most this often a month on average (weekly)
SERIES_PER_MONTH = 5
#: mantissas of the round thresholds searched for a ledger's own approval limits
ROUND_MANTISSAS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5)


def round_thresholds(low: float, high: float) -> list[float]:
    """Round numbers (ROUND_MANTISSAS x a power of ten) in [low, high]."""
    if high < low or low <= 0:
        return []
    out = []
    for power in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1):
        out += [m * 10.0 ** power for m in ROUND_MANTISSAS if low <= m * 10.0 ** power <= high]
    return out


class _SortedAmounts:
    """The rows that count (a voucher's largest line, non-zero) in order of amount, so that the rows of an
    amount band are one slice: every band of every threshold costs its own rows, not the ledger's."""

    def __init__(self, amount: np.ndarray, counted: np.ndarray) -> None:
        rows = np.flatnonzero(counted & (amount > 0))
        self.order = rows[np.argsort(amount[rows], kind="stable")]
        self.amount = amount[self.order]
        self.largest = int(self.amount[-1]) if len(self.amount) else 0

    def between(self, low: float, high: float) -> np.ndarray:
        """Rows with low <= |amount| < high (currency units; amounts in cents)."""
        lo, hi = (np.searchsorted(self.amount, int(np.ceil(v * 100 - 1e-6)), "left") for v in (low, high))
        return self.order[lo:hi]

    def bands(self, limit: float, width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(below, around, above) rows: |amount| in [limit x (1 - width), limit); the REACH under that band
        and above the limit; the band as wide just above the limit."""
        low = limit * (1 - width)
        around = np.concatenate([self.between(low - REACH * limit, low), self.between(limit, limit * (1 + REACH))])
        return self.between(low, limit), around, self.between(limit, limit * (1 + width))


def _first_of_each_amount(group: np.ndarray, amount: np.ndarray, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows dated first among those of their group and amount: the invoice, not its payment weeks later."""
    frame = pd.DataFrame({"group": group, "amount": amount, "day": day})
    return rows[(frame["day"] == frame.groupby(["group", "amount"])["day"].transform("min")).to_numpy()]


def _customers(party: np.ndarray, transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Per row: its counterparty is a customer, one with a line on a revenue account (by the accounts' names,
    else by their use) in any of its vouchers."""
    revenue = read_revenue(transactions, shared)[0]
    if not revenue.any():
        return np.zeros(len(party), dtype=bool)
    if has_values(transactions, "voucher_id"):  # the sales line need not carry the partner: its voucher does
        voucher = voucher_codes(shared)[0]
        sold = np.zeros(int(voucher.max(initial=-1)) + 1, dtype=bool)
        sold[voucher[revenue & (voucher >= 0)]] = True
        revenue = np.where(voucher >= 0, sold[np.maximum(voucher, 0)], revenue)
    customer = np.zeros(int(party.max(initial=-1)) + 1, dtype=bool)
    customer[party[revenue & (party >= 0)]] = True
    return (party >= 0) & customer[np.maximum(party, 0)]


def _voucher_total_line(transactions: pd.DataFrame, shared: SharedWork, amount: np.ndarray) -> np.ndarray:
    """True on each voucher's largest line(s) by |amount|, and on every line without a voucher id."""
    if "voucher_id" not in transactions or transactions["voucher_id"].isna().all():
        return np.ones(len(amount), dtype=bool)
    codes = voucher_codes(shared)[0]
    valid = codes >= 0
    largest = np.zeros(int(codes.max(initial=-1)) + 1, dtype=amount.dtype)
    np.maximum.at(largest, codes[valid], amount[valid])
    return ~valid | (amount == largest[np.maximum(codes, 0)])


def _monthly_series_as_one(transactions: pd.DataFrame, shared: SharedWork, amount: np.ndarray, counted: np.ndarray,
                           months: int) -> np.ndarray:
    """The value each counted row adds to a distinct count: its amount (cents), or one value per regular series
    (an account and text, its dates aside, in at least `months` months, on at most SERIES_PER_MONTH
    counted rows a month: a monthly loan payment, a fortnightly payroll run; its amounts within SERIES_SPREAD of
    each other), above every amount."""
    if not all(has_values(transactions, c) for c in ("account", "description", "posting_date")):
        return amount
    rows = np.flatnonzero(counted)
    account = shared.encode("account", stripped)[0][rows]
    words = shared.encode("description", undated_text)[0][rows]  # "Payroll 12/15 - 12/28": one text every run
    key = np.where((account >= 0) & (words >= 0), combine_codes(account, words), -1)
    per_key = months_per_key(key, transactions["posting_date"].iloc[rows])
    if per_key.empty:
        return amount
    valid = key >= 0
    size = int(per_key.index.max()) + 1
    lines = np.bincount(key[valid], minlength=size)
    values = amount[rows][valid]
    low, high = np.full(size, np.iinfo("int64").max), np.zeros(size, dtype="int64")
    np.minimum.at(low, key[valid], values)
    np.maximum.at(high, key[valid], values)
    series = ((per_key >= months) & (pd.Series(lines).reindex(per_key.index) <= SERIES_PER_MONTH * per_key)
              & pd.Series(high <= low * (1 + SERIES_SPREAD)).reindex(per_key.index))
    in_series = valid & series.reindex(key).fillna(False).to_numpy(dtype=bool)
    unit = amount.copy()
    unit[rows[in_series]] = int(amount.max(initial=0)) + 1 + key[in_series]
    return unit


def _distinct_per_group(codes: np.ndarray, amount: np.ndarray, rows: np.ndarray, width: int) -> np.ndarray:
    """Distinct amounts among `rows` per group code (0..width-1)."""
    rows = rows[codes[rows] >= 0]
    if not len(rows):
        return np.zeros(width, dtype="int64")
    span = int(amount[rows].max()) + 1
    pairs = pd.unique(codes[rows] * span + amount[rows])
    return np.bincount(pairs // span, minlength=width)
