"""How accounts are used: account pairs that rarely meet in one voucher, and accounts hardly ever used.
Baselines come from the reference population (by default the upload itself)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.detect.norms import percent
from anomaly_pipeline.detect.rules._common import (
    check_min,
    check_severity,
    check_share,
    flag_result,
    money,
    months_per_key,
    nothing_flagged,
    stripped,
    text,
    voucher_codes,
)
from anomaly_pipeline.detect.settlements import settlement_lines
from anomaly_pipeline.detect.shared import Over, SharedWork


class _VoucherAccounts:
    """Distinct (voucher, account) of vouchers with at most `max_lines` distinct accounts, as integer
    codes (accounts coded in their string order, so codes compare like the accounts), with the side the account
    takes in the voucher (`debit`: its net amount there is a debit)."""

    def __init__(self, shared: SharedWork, over: Over, max_lines: int) -> None:
        voucher = voucher_codes(shared, over)[0]
        account, self.accounts = shared.encode("account", stripped, sort=True, over=over)
        self.voucher, self.account = voucher, account  # per row
        keep = (voucher >= 0) & (account >= 0)
        amount = shared.frame(over)["amount"].to_numpy(dtype="float64", na_value=0.0)
        va = (pd.DataFrame({"voucher": voucher[keep], "account": account[keep], "net": amount[keep]})
              .groupby(["voucher", "account"], sort=False)["net"].sum().reset_index())
        va["debit"] = (va.pop("net") > 0).astype("int64")  # the side the account takes in the voucher
        width = va.groupby("voucher")["account"].transform("size")
        self.va = va[width <= max_lines]


def _pairs(va: pd.DataFrame) -> pd.DataFrame:
    pairs = va.merge(va, on="voucher", suffixes=("_a", "_b"))
    return pairs[pairs["account_a"] < pairs["account_b"]]


def _partner_overlap(ref: _VoucherAccounts, ref_pairs: pd.DataFrame, pair_key: np.ndarray, span: int,
                     a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair (a[i], b[i]) of reference account codes: how much the accounts each is booked against have in
    common, sum over partners x of min(share of a's vouchers holding x, share of b's), counting neither the
    vouchers where a and b meet nor a and b themselves. A partner is an account on a side: the bank credited
    (paying a rent) is not the bank debited (a customer paying). 0: the two live in different parts of the
    ledger."""
    if len(a) == 0:
        return np.zeros(0)
    cand = pd.DataFrame({"a": a, "b": b}).drop_duplicates().reset_index(drop=True)
    cand["pair"] = np.arange(len(cand))
    # a partner: its account code and side, account * 2 + debit
    edges = pd.concat([
        pd.DataFrame({"account": ref_pairs["account_a"], "partner": ref_pairs["account_b"] * 2 + ref_pairs["debit_b"]}),
        pd.DataFrame({"account": ref_pairs["account_b"], "partner": ref_pairs["account_a"] * 2 + ref_pairs["debit_a"]}),
    ])
    edges = edges.groupby(["account", "partner"]).size().rename("n").reset_index()
    side_a = cand.merge(edges, left_on="a", right_on="account")[["pair", "partner", "n"]]
    side_b = cand.merge(edges, left_on="b", right_on="account")[["pair", "partner", "n"]]
    common = side_a.merge(side_b, on=["pair", "partner"], suffixes=("_a", "_b"))
    # the vouchers where the pair meets: their other accounts count for neither side
    meet = pd.DataFrame({"key": pair_key, "voucher": ref_pairs["voucher"].to_numpy()})
    meet = meet.merge(pd.DataFrame({"key": cand["a"] * span + cand["b"], "pair": cand["pair"]}), on="key")
    met_lines = meet.merge(ref.va, on="voucher")
    own = (met_lines.assign(partner=met_lines["account"] * 2 + met_lines["debit"])
           .groupby(["pair", "partner"]).size().rename("own").reset_index())
    common = common.merge(own, how="left", on=["pair", "partner"])
    own_n = common["own"].fillna(0).to_numpy()
    met = meet.groupby("pair").size().reindex(cand["pair"], fill_value=0).to_numpy()
    vouchers = np.bincount(ref.va["account"], minlength=span)
    n_a = np.maximum(vouchers[cand["a"]] - met, 1)[common["pair"]]
    n_b = np.maximum(vouchers[cand["b"]] - met, 1)[common["pair"]]
    shared = np.minimum((common["n_a"].to_numpy() - own_n) / n_a, (common["n_b"].to_numpy() - own_n) / n_b)
    per_pair = np.bincount(common["pair"], weights=np.maximum(shared, 0), minlength=len(cand))
    at = pd.MultiIndex.from_frame(cand[["a", "b"]]).get_indexer(pd.MultiIndex.from_arrays([a, b]))
    return per_pair[at]


#: a pair met so seldom that chance alone would meet it this seldom at most this often is `strong_severity`
UNLIKELY = 0.01
#: ... judged for pairs met at most this many times
UNLIKELY_UP_TO = 3


def _fewer_than_chance(together: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """P(X <= together) for X ~ Poisson(chance), the vouchers two independent accounts would share; 1 for pairs
    met more than UNLIKELY_UP_TO times."""
    out = np.ones(len(together))
    judged = together <= UNLIKELY_UP_TO
    term = np.exp(-chance[judged])
    cdf = term.copy()
    for i in range(1, UNLIKELY_UP_TO + 1):
        term = term * chance[judged] / i
        cdf += np.where(together[judged] >= i, term, 0.0)
    out[judged] = cdf
    return out


class RareAccountCombination(AnomalyDetectionAlgorithm):
    """Two accounts booked in one voucher that rarely meet in this ledger although each is common (in at
    least `min_account_vouchers` vouchers): an unusual debit/credit combination. A pair that meets in
    `routine_months` or more different months is a routine of this ledger (a quarterly reclassification, a
    monthly accrual), however few its vouchers. Rare is relative to the
    accounts' own volume: the pair is in at most `max_pair_vouchers` vouchers, or in at most `max_share` of
    the vouchers of the less used account and fewer than chance alone would bring together (the product of
    the two accounts' shares of the vouchers): a reclassification booked twice between salaries and sales
    is as unusual as one booked once, while an account paid directly from the bank in a fifth of its
    vouchers is a habit. Needs `min_vouchers` vouchers; vouchers with more than `max_voucher_accounts`
    distinct accounts (payroll, allocations) are left out of the pair count. A pair is `strong_severity`
    (else `severity`) when the less used account's own vouchers make it unlikely: together / (its
    vouchers + 1) at most `strong_share`, e.g. met once by accounts each in 19 or more vouchers, or, in a
    ledger of at least `apart_min_ledger` vouchers, when chance alone would meet the pair so seldom at most once in
    a hundred ledgers (UNLIKELY: two meetings where chance expects eight and a half or more); and
    `surprise_severity` when, met at most `max_pair_vouchers` times, chance alone would have brought the two
    together at least `surprise` times as often (receivables and payables, each in a thousand vouchers, met
    once in a supplier's bill). Chance is the wrong yardstick where the two accounts live in different parts of
    the ledger: wages (booked against the bank and payroll liabilities) and sales (against receivables and
    output VAT) meet by chance once a year in a ledger of a few thousand vouchers, yet never in a sound one. So
    a pair met at most `apart_max_pair_vouchers` times by accounts each in at least `apart_min_vouchers`
    vouchers is `apart_severity` when, leaving out the vouchers where they meet, the accounts they are booked
    against overlap by at most `apart_overlap` (the sum over partner accounts, each on the side it takes, of the
    smaller of the two shares of vouchers holding that partner: a rent paid from the bank and a receivable paid
    into it share no partner), in a ledger of at least `apart_min_ledger` vouchers (fewer tell too little about an
    account's partners)."""

    algorithm = "rare_account_combination"
    kind = "rule"
    double_entry_only = True
    description = "Account pairs that rarely appear together in a voucher although each account is common."
    required_columns = ("voucher_id", "account")
    default_config = {"max_pair_vouchers": 1, "max_share": 0.15, "min_account_vouchers": 5, "min_vouchers": 30,
                      "max_voucher_accounts": 30, "routine_months": 4, "severity": "low", "strong_share": 0.05,
                      "strong_severity": "medium", "surprise": 20.0, "surprise_severity": "high",
                      "apart_max_pair_vouchers": 2, "apart_min_vouchers": 10, "apart_overlap": 0.05,
                      "apart_min_ledger": 500, "apart_severity": "high"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "max_pair_vouchers", 1)
        check_share(self.algorithm, config, "max_share")
        check_min(self.algorithm, config, "min_account_vouchers", 1)
        check_min(self.algorithm, config, "min_vouchers", 2)
        check_min(self.algorithm, config, "max_voucher_accounts", 2)
        check_min(self.algorithm, config, "routine_months", 2)
        check_severity(self.algorithm, config)
        check_share(self.algorithm, config, "strong_share")
        check_severity(self.algorithm, config, "strong_severity")
        check_min(self.algorithm, config, "surprise", 1)
        check_severity(self.algorithm, config, "surprise_severity")
        check_min(self.algorithm, config, "apart_max_pair_vouchers", 1)
        check_min(self.algorithm, config, "apart_min_vouchers", 1)
        check_share(self.algorithm, config, "apart_overlap")
        check_min(self.algorithm, config, "apart_min_ledger", 1)
        check_severity(self.algorithm, config, "apart_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        if "voucher_id" not in reference or reference["voucher_id"].isna().all():
            return DetectionResult.skip("the reference population has no voucher ids")
        ref = _VoucherAccounts(shared, "reference", config["max_voucher_accounts"])
        vouchers = ref.va["voucher"].nunique()
        summary: dict[str, Any] = {"vouchers": int(vouchers)}
        if vouchers < config["min_vouchers"]:
            return DetectionResult.skip(f"only {vouchers} vouchers, fewer than min_vouchers {config['min_vouchers']}")
        account_vouchers = np.bincount(ref.va["account"], minlength=len(ref.accounts))
        ref_pairs = _pairs(ref.va)
        span = len(ref.accounts)
        pair_key = ref_pairs["account_a"].to_numpy() * span + ref_pairs["account_b"].to_numpy()
        pair_vouchers = pd.Series(pair_key).value_counts()
        # pairs this ledger books month after month (a voucher's month: its first line's date): its routines
        if "posting_date" in reference:
            voucher_row = pd.Series(np.arange(len(ref.voucher))).groupby(ref.voucher).first()
            dates = reference["posting_date"].iloc[voucher_row.reindex(ref_pairs["voucher"]).to_numpy()]
            months = months_per_key(pair_key, dates)
            routine_pairs = months.index[months >= config["routine_months"]]
        else:
            routine_pairs = pd.Index([], dtype="int64")
        own = ref if transactions is reference else _VoucherAccounts(shared, "transactions", config["max_voucher_accounts"])
        pairs = _pairs(own.va)
        # the upload's accounts among the reference's (-1: never seen there)
        in_ref = (np.arange(span) if own is ref
                  else pd.Index(ref.accounts).get_indexer(own.accounts))
        a, b = in_ref[pairs["account_a"].to_numpy()], in_ref[pairs["account_b"].to_numpy()]
        known = (a >= 0) & (b >= 0)
        together = np.where(known, pair_vouchers.reindex(a * span + b).fillna(0).to_numpy(), 0)
        n_a = np.where(a >= 0, account_vouchers[np.maximum(a, 0)], 0)
        n_b = np.where(b >= 0, account_vouchers[np.maximum(b, 0)], 0)
        fewer = np.minimum(n_a, n_b)
        chance = n_a * n_b / max(vouchers, 1)  # vouchers holding both were the accounts independent
        relative = (together <= config["max_share"] * fewer) & (together < chance)
        routine = known & np.isin(a * span + b, routine_pairs)
        rare = ((together <= config["max_pair_vouchers"]) | relative) & (fewer >= config["min_account_vouchers"]) & ~routine
        overlap = np.ones(len(pairs))
        if vouchers >= config["apart_min_ledger"]:
            candidate = (known & ~routine & (together <= config["apart_max_pair_vouchers"])
                         & (fewer >= config["apart_min_vouchers"]))
            overlap[candidate] = _partner_overlap(ref, ref_pairs, pair_key, span, a[candidate], b[candidate])
        apart = overlap <= config["apart_overlap"]
        rare |= apart
        # a voucher settling a period (the VAT report, the payroll taxes paid) brings together the accounts it
        # clears: that is its job
        settles = own.voucher[settlement_lines(transactions, shared) & (own.voucher >= 0)]
        rare &= ~np.isin(pairs["voucher"].to_numpy(), settles)
        summary["routine_pairs"] = int(len(routine_pairs))
        pairs = pairs[rare]
        together, n_a, n_b, chance = together[rare], n_a[rare], n_b[rare], chance[rare]
        apart, overlap = apart[rare], overlap[rare]
        summary["rare_pairs"] = int(len(pairs[["account_a", "account_b"]].drop_duplicates()))
        if pairs.empty:
            return nothing_flagged(transactions, summary)
        names = own.accounts.to_numpy(dtype=object)
        name_a, name_b = names[pairs["account_a"].to_numpy()], names[pairs["account_b"].to_numpy()]
        phrase = ("accounts " + name_a + " and " + name_b + " appear together in "
                  + together.astype(int).astype(str).astype(object) + " of " + f"{vouchers}" + " vouchers although they are in "
                  + n_a.astype(int).astype(str).astype(object) + " and " + n_b.astype(int).astype(str).astype(object) + " vouchers")
        more = together > config["max_pair_vouchers"]  # rare for these accounts' volume: say so
        if more.any():
            phrase[more] = (phrase[more] + " (" + pd.Series(together[more] / np.minimum(n_a, n_b)[more]).map(
                lambda x: f"{x:.0%}").to_numpy(dtype=object) + " of the less used account's; "
                + pd.Series(chance[more]).map(lambda x: f"{x:.1f}").to_numpy(dtype=object) + " expected by chance)")
        # how often the less used account's vouchers would hold the other one, judged by its own vouchers
        # (Laplace's rule of succession): a pair met once by accounts each in dozens of vouchers breaks an
        # established structure; one met once by accounts in five vouchers says little
        expected_share = together / (np.minimum(n_a, n_b) + 1)
        strong = expected_share <= config["strong_share"]
        # or chance alone would bring the two together so much more often that so few meetings are unlikely
        if vouchers >= config["apart_min_ledger"]:  # a small ledger's accounts are too few to be taken as independent
            strong |= _fewer_than_chance(together, chance) <= UNLIKELY
        if strong.any():
            phrase[strong] = phrase[strong] + np.where(together[strong] == 1, " (a pair the accounts' other vouchers never hold)", "")
        surprising = strong & ~more & (chance >= config["surprise"] * together)
        if surprising.any():
            phrase[surprising] = (phrase[surprising] + "; chance alone would bring them together in "
                                  + pd.Series(chance[surprising]).map(lambda x: f"{x:.0f}").to_numpy(dtype=object))
        if apart.any():
            phrase[apart] = (phrase[apart] + "; the accounts each is otherwise booked against, on the side it takes "
                             "there, have "
                             + pd.Series(overlap[apart]).map(percent).to_numpy(dtype=object) + " in common")
        level = np.where(apart, 3, strong.astype("int64") + surprising)  # 0 severity, 1 strong, 2 surprise, 3 apart
        both = pd.concat([pd.DataFrame({"voucher": pairs["voucher"], "account": pairs["account_a"], "phrase": phrase,
                                        "level": level}),
                          pd.DataFrame({"voucher": pairs["voucher"], "account": pairs["account_b"], "phrase": phrase,
                                        "level": level})])
        both = both.sort_values("level", ascending=False, kind="stable")  # a line's strongest pairs first
        both = both[both.groupby(["voucher", "account"]).cumcount() < 3]  # up to three pairs per line
        per_line = both.groupby(["voucher", "account"], sort=False).agg(phrase=("phrase", "; ".join),
                                                                         level=("level", "max"))
        voucher, account, width = own.voucher, own.account, len(own.accounts)
        line = pd.Index(per_line.index.get_level_values(0) * width + per_line.index.get_level_values(1))
        at = line.get_indexer(voucher * width + account)
        flagged = (voucher >= 0) & (account >= 0) & (at >= 0)
        levels = np.where(flagged, per_line["level"].to_numpy()[np.maximum(at, 0)], 0)
        severity = np.array([config["severity"], config["strong_severity"], config["surprise_severity"],
                             config["apart_severity"]], dtype=object)[levels]
        summary["strong_pairs"] = int(len(pairs[strong][["account_a", "account_b"]].drop_duplicates()))
        summary["surprising_pairs"] = int(len(pairs[surprising][["account_a", "account_b"]].drop_duplicates()))
        summary["apart_pairs"] = int(len(pairs[apart][["account_a", "account_b"]].drop_duplicates()))
        return flag_result(transactions, flagged, per_line["phrase"].to_numpy(dtype=object)[at[flagged]], severity,
                           summary)


class SeldomUsedAccount(AnomalyDetectionAlgorithm):
    """Postings to accounts with at most `max_postings` lines in a reference of at least `min_population`
    lines, as long as such accounts are rare in this ledger: the bar is lowered (to accounts used at most
    k < `max_postings` times) until the postings to them are at most `max_share` of the ledger's vouchers
    (lines without voucher ids). A ledger with a long tail of accounts each used once or twice uses
    accounts that way; flagging the whole tail would bury what is really unusual."""

    algorithm = "seldom_used_account"
    kind = "rule"
    description = "Postings to accounts that are hardly ever used."
    required_columns = ("account", "amount")
    default_config = {"max_postings": 2, "min_population": 100, "max_share": 0.05, "severity": "low"}
    default_weight = 0.3

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "max_postings", 1)
        check_min(self.algorithm, config, "min_population", 10)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        if len(reference) < config["min_population"]:
            return DetectionResult.skip(f"only {len(reference)} reference lines, fewer than min_population "
                                        f"{config['min_population']}")
        account, accounts = shared.encode("account", stripped)
        ref_code, ref_accounts = ((account, accounts) if reference is transactions
                                  else shared.encode("account", stripped, over="reference"))
        usage = np.bincount(ref_code[ref_code >= 0], minlength=len(ref_accounts))
        in_ref = pd.Index(ref_accounts).get_indexer(accounts) if reference is not transactions else np.arange(len(accounts))
        at = np.where(account >= 0, in_ref[np.maximum(account, 0)] if len(in_ref) else -1, -1)
        used = np.where(at >= 0, usage[np.maximum(at, 0)] if len(usage) else 0, 0)
        # this ledger's bar: the most postings an account may have and still be rare here
        ref_used = np.where(ref_code >= 0, usage[np.maximum(ref_code, 0)] if len(usage) else 0, 0)
        weight, unit = shared.unit_weights("reference")
        bar, share = 0, 0.0
        for k in range(int(config["max_postings"]), 0, -1):
            share = float(weight[(ref_code >= 0) & (ref_used <= k)].sum() / max(weight.sum(), 1e-9))
            if share <= config["max_share"]:
                bar = k
                break
        summary = {"seldom_used_accounts": int((usage <= config["max_postings"]).sum()), "bar": bar,
                   "share": round(share, 4)}
        flagged = (account >= 0) & (used <= bar)
        idx = np.flatnonzero(flagged)
        tail = (f"; accounts used at most {bar} time(s) carry {percent(share)} of this ledger's {unit}"
                if bar < config["max_postings"] else "")
        texts = ("account " + text(stripped(transactions["account"].iloc[idx])) + " is used "
                 + used[idx].astype(str).astype(object)
                 + " time(s) in " + money([len(reference)])[0] + " lines; amount "
                 + money(transactions["amount"].iloc[idx]) + tail)
        return flag_result(transactions, flagged, texts, config["severity"], summary)
