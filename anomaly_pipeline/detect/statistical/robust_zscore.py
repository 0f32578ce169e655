"""Robust z-score of each amount against its account's median and MAD (on a log scale)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    combine_codes,
    first_rows,
    format_amount,
    text_words,
)
from anomaly_pipeline.detect.settlements import sized_by_another
from anomaly_pipeline.detect.shared import Over, SharedWork

MAD_TO_SIGMA = 1.4826
#: a partner's other postings beyond the threshold that make one an order of magnitude beyond its usual size a
#: kind of amount (a customer's hardware orders beside its monthly fees), not an outlier
KIND_POSTINGS = 2


class RobustZScore(AnomalyDetectionAlgorithm):
    """|log10|amount| - median| / (1.4826 * MAD) per account, learned on the reference population.

    Money amounts are heavy-tailed, so the comparison is on the order of magnitude: a z of 3.5 on this
    scale is an amount far outside what the account usually carries. Accounts with fewer than
    `min_group_size` reference rows are not scored (no baseline to speak of). Zero amounts are not
    scored, nor a line settling its account's month or quarter (`settlements`: the VAT return, the payroll
    taxes paid), as large as the period's postings together, nor the payment of an earlier posting of the same
    size and partner. `direction` "up" judges only amounts above the usual size. An account where more than
    `max_share` of the postings lie beyond the threshold on the same side carries several kinds of
    amount (a multimodal account, not outliers): its postings are not flagged. Lines whose size another explains
    (a payment repeating its invoice, a settlement) count in neither that share nor the postings it is of.
    """

    algorithm = "robust_zscore"
    default_weight = 0.35
    #: whether the `max_share` guard leaves the judged posting itself out of its group's tail
    own_left_out = False
    kind = "statistical"
    description = "Amounts far from their account's usual size (median/MAD per account)."
    required_columns = ("amount", "account")
    default_config = {"threshold": 3.5, "min_group_size": 8, "group_by": "account", "direction": "both",
                      "max_share": 0.05}

    def check_config(self, config: dict[str, Any]) -> None:
        if config["threshold"] <= 0:
            raise ConfigError(f"{self.algorithm}.threshold: must be > 0, got {config['threshold']}")
        if config["min_group_size"] < 3:
            raise ConfigError(f"{self.algorithm}.min_group_size: must be >= 3, got {config['min_group_size']}")
        if config["group_by"] not in ("account", "account_counterparty"):
            raise ConfigError(f"{self.algorithm}.group_by: must be 'account' or 'account_counterparty'")
        if config["direction"] not in ("both", "up"):
            raise ConfigError(f"{self.algorithm}.direction: must be 'both' or 'up', got {config['direction']!r}")
        if not 0 < config["max_share"] <= 1:
            raise ConfigError(f"{self.algorithm}.max_share: must be in (0, 1], got {config['max_share']!r}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        ref_code, groups = group_codes(shared, "reference", config["group_by"])
        if transactions is reference:
            code = ref_code
        else:
            own, own_groups = group_codes(shared, "transactions", config["group_by"])
            code = np.where(own >= 0, pd.Index(groups).get_indexer(own_groups)[np.maximum(own, 0)], -1)
        ref_abs = reference["amount"].abs().to_numpy(dtype="float64")
        ref_mag = np.log10(np.clip(ref_abs, 0.01, None))
        by_group = pd.Series(ref_mag).groupby(ref_code)
        median = by_group.median().reindex(range(len(groups))).to_numpy()
        count = np.bincount(ref_code, minlength=len(groups))
        median_abs = pd.Series(ref_abs).groupby(ref_code).median().reindex(range(len(groups))).to_numpy()
        mad = pd.Series(np.abs(ref_mag - median[ref_code])).groupby(ref_code).median().reindex(range(len(groups))).to_numpy()
        # a MAD of zero (many identical amounts) would make every other amount infinitely odd: floor it
        scale = np.maximum(mad * MAD_TO_SIGMA, 0.05)

        known = code >= 0
        at = np.maximum(code, 0)
        amount = transactions["amount"].abs().to_numpy(dtype="float64")
        mag = np.log10(np.clip(amount, 0.01, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(known, (mag - median[at]) / scale[at], np.nan)
        # a line settling its account's month or quarter is as large as the period's postings together: routine;
        # an invoice's payment is as large as the invoice, which is the finding (`sized_by_another`)
        sized = sized_by_another(transactions, shared)
        eligible = known & (count[at] >= config["min_group_size"]) & (amount > 0) & ~sized
        z = np.where(eligible, np.nan_to_num(z), 0.0)
        if config["direction"] == "up":
            z = np.maximum(z, 0.0)
        threshold = config["threshold"]
        # how often the reference's own postings lie this far out, per account and side: common = not rare
        with np.errstate(invalid="ignore", divide="ignore"):
            ref_z = np.nan_to_num((ref_mag - median[ref_code]) / scale[ref_code])
        # an invoice's payment repeats the invoice's size: one more posting of that size, no second one
        usable = (ref_abs > 0) & ~sized if transactions is reference else ref_abs > 0
        judged = np.maximum(np.bincount(ref_code[usable], minlength=len(groups)), 1)
        high = np.bincount(ref_code[usable & (ref_z >= threshold)], minlength=len(groups)) / judged
        low = np.bincount(ref_code[usable & (ref_z <= -threshold)], minlength=len(groups)) / judged
        tail = np.where(z >= 0, high[at], low[at])
        # the row's own posting is no other kind of amount, where a partner is named (a text's words are no partner)
        if self.own_left_out and transactions is reference and partner_column(shared, "reference") == "counterparty":
            # only an order of magnitude beyond the pair's usual size: a customer's hardware order at four times
            # its monthly fee is another kind of amount
            beyond = (np.abs(z) >= threshold) & (np.abs(mag - median[at]) >= 1.0)
            n = np.maximum(judged[at], 2)
            others = np.round(tail * n) - 1
            tail = np.where(beyond, others / (n - 1), tail)
            # ... nor is one other such posting: two make no kind of amount
            tail = np.where(beyond & (others < KIND_POSTINGS), 0.0, tail)
        z = np.where(tail <= config["max_share"], z, 0.0)
        # 0 up to |z| = 1, 0.5 at the threshold, 1 at twice the threshold's distance
        score = np.clip((np.abs(z) - 1.0) / (2.0 * max(threshold - 1.0, 1e-9)), 0.0, 1.0)
        flagged = np.abs(z) >= threshold
        reason = _reasons(transactions, groups, code, median_abs, z, flagged)
        return self.build_result(
            transactions, score, flagged, reason, severity="medium",
            summary={"groups": len(groups), "groups_scored": int((count >= config["min_group_size"]).sum())},
        )


def partner_column(shared: SharedWork, over: Over) -> str | None:
    """The column naming a line's partner: the counterparty, else the description (read by its words), else
    none."""
    for column in ("counterparty", "description"):
        if shared.has(over, column) and shared.frame(over)[column].notna().any():
            return column
    return None


def group_codes(shared: SharedWork, over: Over, group_by: str) -> tuple[np.ndarray, pd.Series]:
    """A group code per row and the group keys ('6110', or '6110|ACME' per account x partner (`partner_column`);
    missing parts read as '')."""
    account, accounts = shared.encode("account", as_string, fill="", over=over)
    column = partner_column(shared, over) if group_by == "account_counterparty" else None
    if column is None:
        return account, accounts
    party, parties = shared.encode(column, as_string if column == "counterparty" else text_words, fill="", over=over)
    code = combine_codes(account, party)
    first = first_rows(code)
    partner = parties.iloc[party[first]].reset_index(drop=True)
    keys = (accounts.iloc[account[first]].reset_index(drop=True) + "|"
            + ("counterparty " + partner if column == "counterparty" else "texts '" + partner + "'"))
    return code, keys



def _reasons(transactions: pd.DataFrame, groups: pd.Series, code: np.ndarray, median_abs: np.ndarray,
             z: np.ndarray, flagged: np.ndarray) -> np.ndarray | None:
    if not flagged.any():
        return None
    idx = np.flatnonzero(flagged)
    group = code[idx]
    amount = transactions["amount"].to_numpy()[idx]
    r = np.abs(amount) / median_abs[group]
    with np.errstate(divide="ignore"):
        larger = pd.Series(r).map("{:.0f}×".format).to_numpy()
        smaller = pd.Series(1 / r).map("1/{:.0f} of".format).to_numpy()
    direction = np.where(r >= 1, larger, smaller)
    label = "account " + groups.iloc[group].str.replace("|", " with ", n=1, regex=False).to_numpy(dtype=object)
    texts = ("amount " + format_amount(amount).to_numpy() + " is " + direction + " the median of "
             + label + " (" + format_amount(median_abs[group]).to_numpy() + "); robust z = "
             + pd.Series(z[idx]).map("{:.1f}".format).to_numpy())
    reason = np.full(len(flagged), None, dtype=object)
    reason[idx] = texts
    return reason


class RobustZScoreCounterparty(RobustZScore):
    """The same robust z-score, with the baseline per account x counterparty: a supplier invoiced far above
    what that supplier usually bills on that account. Without a counterparty column the words of the text
    (`text_words`: "Carl Ras fakt. 6456533 sag 2431" -> "carl ras fakt sag") name the partner. A pair's dozen
    postings make one outlier a twelfth of them: where the upload names counterparties, the `max_share` guard
    leaves the judged posting out where it lies an order of magnitude beyond the pair's median, and takes such
    postings for a kind of amount only where at least KIND_POSTINGS others lie beyond the threshold too."""

    algorithm = "robust_zscore_counterparty"
    description = "Amounts far from the usual size for the account and counterparty (median/MAD per pair)."
    required_columns = ("amount", "account")
    any_of_columns = ("counterparty", "description")
    # a pair's dozen monthly invoices: one 40x invoice is a twelfth of its postings, which alone must not make
    # the pair "several kinds of amount"
    own_left_out = True
    # per-pair groups are tight (one supplier's invoices), so ordinary variation reaches z 3.5 there
    default_config = {"threshold": 4.5, "min_group_size": 8, "group_by": "account_counterparty",
                      "direction": "both", "max_share": 0.05}
    default_weight = 0.6
