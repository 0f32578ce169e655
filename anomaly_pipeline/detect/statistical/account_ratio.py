"""Related postings that break their usual proportion: within a voucher, account pairs that move together
at a fixed ratio (output VAT = 25% of revenue, payroll tax = 31.42% of salaries) where this voucher's
ratio is off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    combine_codes,
    format_amount,
)
from anomaly_pipeline.detect.norms import rarity_score
from anomaly_pipeline.detect.shared import Over, SharedWork


class AccountRatio(AnomalyDetectionAlgorithm):
    """Learns, per ordered account pair seen together in at least `min_support` reference vouchers, the
    ratios their net amounts take: the 1%-wide log-ratio bins holding at least `min_mode_share` and
    `min_mode_count` of the pair's vouchers are its modes (a pair may have several, e.g. 25/12/6% VAT;
    adjacent bins are one mode). A pair is structured when it has at most `max_modes` modes and they
    cover at least `min_coverage` of its vouchers. A voucher whose ratio for a structured pair
    is more than `tolerance` (relative) and `min_abs_deviation` (absolute) away from every mode is flagged,
    on the lines of both accounts, with the expected amount, when such breaks are rare for the pair: the
    score falls to half as the pair's other vouchers break in up to `max_break_share` of cases, and a pair
    that breaks more often than that has no fixed ratio to break (no finding). Vouchers with more than `max_accounts`
    distinct accounts are not paired (bounded cost, and a 40-line payroll voucher has no single ratio).

    The VAT of an invoice or a till settlement with several revenue lines at one rate is a fixed share of their
    sum, not of any one of them: within a voucher, 2 to 4 lines of one account class (the account's first
    character: 3xxx revenue in BAS and NS 4102) and one sign also count as one account, their sum ("3000+3020"),
    paired with the smaller amounts of other classes on the same side (the VAT on them), and structured only
    with a single mode. A break of such a sum is reported on its members' lines. A voucher holding, on the side of
    the pair's smaller amount, an account the pair seldom meets (`STRANGER_SHARE`) is not judged on that pair: an
    invoice with one line at a second rate blends two rates.

    A structured pair's smaller account missing from a voucher of the pair's kind is a ratio of zero
    (`_missing_lines`: a sales invoice booked without its VAT line), judged by how often the kind's other vouchers
    miss it and not where the voucher's partner habitually goes without it (a customer abroad)."""

    algorithm = "account_ratio"
    kind = "statistical"
    double_entry_only = True
    description = "Accounts that usually move in fixed proportion within a voucher (VAT, payroll tax) where the ratio breaks."
    required_columns = ("amount", "account", "voucher_id")
    default_config = {"min_support": 8, "min_mode_share": 0.03, "min_mode_count": 4, "max_modes": 6,
                      "min_coverage": 0.9, "tolerance": 0.02, "min_abs_deviation": 1.0, "max_accounts": 8,
                      "max_break_share": 0.05}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        checks = {
            "min_support": config["min_support"] >= 3,
            "min_mode_share": 0 < config["min_mode_share"] <= 1,
            "min_mode_count": config["min_mode_count"] >= 2,
            "max_modes": config["max_modes"] >= 1,
            "min_coverage": 0 < config["min_coverage"] <= 1,
            "tolerance": 0 < config["tolerance"] < 1,
            "min_abs_deviation": config["min_abs_deviation"] >= 0,
            "max_accounts": 2 <= config["max_accounts"] <= 50,
            "max_break_share": 0 < config["max_break_share"] < 1,
        }
        for key, ok in checks.items():
            if not ok:
                raise ConfigError(f"{self.algorithm}.{key}: out of range, got {config[key]!r}")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        codes = _Codes(shared, transactions is reference)
        ref_lines = _net_lines(reference, codes.ref_voucher, codes.ref_account, len(codes.accounts),
                               config["max_accounts"])
        lines = (ref_lines if transactions is reference
                 else _net_lines(transactions, codes.voucher, codes.account, len(codes.accounts),
                                 config["max_accounts"]))
        ref_lines, lines = codes.with_sums(ref_lines, lines)
        ref_pairs = _pairs(ref_lines)
        modes = _modes(ref_pairs, config, len(codes.accounts))
        zero = np.zeros(len(transactions))
        if modes.empty:
            return self.build_result(transactions, zero, zero.astype(bool), None, summary={"structured_pairs": 0})
        pairs = ref_pairs if lines is ref_lines else _pairs(lines)
        cand = pairs.merge(modes, on=["a", "b"])
        cand["expected"] = cand["mode"] * cand["amount_a"]
        cand["deviation"] = (cand["amount_b"] - cand["expected"]).abs()
        # the nearest mode explains the voucher best
        best = cand.sort_values("deviation").drop_duplicates(["voucher", "a", "b"])
        allowed = np.maximum(config["tolerance"] * best["expected"].abs(), config["min_abs_deviation"])
        broken = best[best["deviation"] > allowed].copy()
        broken = broken[~_with_a_stranger(broken, ref_pairs, ref_lines, lines, codes)]
        rel = broken["deviation"] / broken["expected"].abs().clip(lower=1e-9)
        # how often the pair's other vouchers break it: rare breaks are findings, habitual ones are not
        support = broken["support"].to_numpy(dtype="float64")
        others = np.maximum(support - 1, 1.0)
        broken["breaks"] = np.maximum(np.rint((1.0 - broken["coverage"].to_numpy()) * support) - 1, 0.0)
        magnitude = 0.5 + 0.5 * np.clip(np.log10(rel / config["tolerance"]), 0.0, 1.0)
        broken["score"] = magnitude * rarity_score(broken["breaks"] / others, config["max_break_share"], 1.0)
        broken = broken[broken["score"] > 0]
        broken["text"] = _texts(broken, codes) if len(broken) else pd.Series(dtype="string")
        missing = _missing_lines(modes, ref_pairs, ref_lines, lines, codes, config,
                                 _voucher_partners(shared, codes, transactions is reference))
        # each line of either account takes its strongest broken pair
        hits = pd.concat([broken.rename(columns={"a": "account"})[["voucher", "account", "score", "text"]],
                          broken.rename(columns={"b": "account"})[["voucher", "account", "score", "text"]],
                          missing.rename(columns={"a": "account"})[["voucher", "account", "score", "text"]]])
        hits = codes.members_of(hits)
        hits = hits.sort_values("score", ascending=False).drop_duplicates(["voucher", "account"])
        width = len(codes.accounts)
        line = pd.Index(hits["voucher"].to_numpy() * width + hits["account"].to_numpy())
        at = np.where(codes.voucher >= 0, line.get_indexer(codes.voucher * width + codes.account), -1)
        found = at >= 0
        score = np.where(found, hits["score"].to_numpy()[np.maximum(at, 0)] if len(hits) else 0.0, 0.0)
        reason = np.full(len(transactions), None, dtype=object)
        reason[found] = hits["text"].to_numpy(dtype=object)[at[found]]
        flagged = score > 0
        return self.build_result(transactions, score, flagged, reason, severity="medium", summary={
            "structured_pairs": int(modes[["a", "b"]].drop_duplicates().shape[0]),
            "broken_vouchers": int(broken["voucher"].nunique()),
            "vouchers_missing_a_line": int(missing["voucher"].nunique()),
        })


class _Codes:
    """Vouchers and accounts of the reference and the scored rows as integer codes ('' and missing
    vouchers: -1). Accounts share one code space, in string order, so codes compare like the accounts."""

    def __init__(self, shared: SharedWork, self_referenced: bool) -> None:
        self.ref_voucher, self.ref_vouchers = _voucher_codes(shared, "reference")
        ref_account, accounts = shared.encode("account", as_string, fill="", over="reference")
        if self_referenced:
            self.voucher, self.vouchers = self.ref_voucher, self.ref_vouchers
            account, own = ref_account, accounts
        else:
            self.voucher, self.vouchers = _voucher_codes(shared, "transactions")
            account, own = shared.encode("account", as_string, fill="")
        self.accounts = pd.Index(accounts).union(pd.Index(own)).sort_values()
        self.ref_account = self.accounts.get_indexer(accounts)[ref_account]
        self.account = self.accounts.get_indexer(own)[account]
        self.names = self.accounts.to_numpy(dtype=object)  # accounts, then the sums `with_sums` adds
        self.members: list[np.ndarray] = []
        # an account's class: its first character, as a code per account
        self.classes = pd.factorize(pd.Series(self.accounts.astype(str)).str[:1])[0]

    def with_sums(self, ref_lines: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Both frames of net lines with their same-class sums appended (`_class_sums`), the sums coded after
        the accounts in one code space."""
        cls = self.classes
        ref_sums = _class_sums(ref_lines, cls, self.accounts)
        sums = ref_sums if lines is ref_lines else _class_sums(lines, cls, self.accounts)
        names = pd.Index(pd.concat([ref_sums["name"], sums["name"]]).unique())
        width = len(self.accounts)
        self.names = np.concatenate([self.accounts.to_numpy(dtype=object), names.to_numpy(dtype=object)])
        self.members = [self.accounts.get_indexer(name.split(SUM)) for name in names]

        def joined(net: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
            extra = extra.assign(account=width + names.get_indexer(extra["name"]))
            return pd.concat([net.assign(real=True, cls=cls[net["account"].to_numpy()]),
                              extra.drop(columns="name").assign(real=False)], ignore_index=True)

        ref_all = joined(ref_lines, ref_sums)
        return ref_all, (ref_all if lines is ref_lines else joined(lines, sums))

    def members_of(self, hits: pd.DataFrame) -> pd.DataFrame:
        """`hits` (voucher, account, ...) with each sum replaced by one row per member account."""
        width = len(self.accounts)
        summed = hits["account"].to_numpy() >= width
        if not summed.any():
            return hits
        parts = hits[summed]
        lists = pd.Series([self.members[code - width] for code in parts["account"].to_numpy()], index=parts.index)
        exploded = parts.assign(account=lists).explode("account")
        return pd.concat([hits[~summed], exploded.astype({"account": "int64"})])



def _voucher_codes(shared: SharedWork, over: Over) -> tuple[np.ndarray, pd.Series]:
    code, names = shared.encode("voucher_id", as_string, over=over)
    empty = names.to_numpy(dtype=object) == ""
    if empty.any():
        code = np.where((code >= 0) & empty[np.maximum(code, 0)], -1, code)
    return code, names


def _net_lines(frame: pd.DataFrame, voucher: np.ndarray, account: np.ndarray, accounts: int,
               max_accounts: int) -> pd.DataFrame:
    """Net amount per (voucher, account) of vouchers with 2 to `max_accounts` accounts."""
    valid = voucher >= 0
    key = voucher[valid] * accounts + account[valid]
    net = pd.Series(frame["amount"].to_numpy(dtype="float64")[valid]).groupby(key, sort=False).sum()
    net = pd.DataFrame({"voucher": net.index.to_numpy() // accounts, "account": net.index.to_numpy() % accounts,
                        "amount": net.to_numpy()})
    net = net[net["amount"].abs() > 1e-9]
    size = net.groupby("voucher")["account"].transform("size")
    return net[(size >= 2) & (size <= max_accounts)].reset_index(drop=True)


#: joins the member accounts of a same-class sum in its name
SUM = "+"


def _class_sums(net: pd.DataFrame, cls: np.ndarray, accounts: pd.Index) -> pd.DataFrame:
    """Per voucher, the sum of its lines of one account class (`cls` per account code) and sign where there are 2
    to 4 such lines: voucher, amount, name (the member accounts in order, joined by SUM) and cls."""
    account = net["account"].to_numpy()
    key = pd.factorize(combine_codes(net["voucher"].to_numpy(), cls[account], (net["amount"].to_numpy() > 0)))[0]
    size = np.bincount(key)[key]
    keep = (size >= 2) & (size <= 4)
    lines = net[keep].assign(cls=cls[account][keep], key=key[keep])
    if lines.empty:
        return pd.DataFrame({"voucher": np.zeros(0, dtype="int64"), "amount": np.zeros(0), "name": [],
                             "cls": np.zeros(0, dtype="int64")})
    lines = lines.sort_values(["key", "account"])  # a small share of the lines
    lines["name"] = accounts.to_numpy(dtype=object)[lines["account"].to_numpy()]
    group = lines.groupby("key", sort=False)
    return pd.DataFrame({"voucher": group["voucher"].first(), "amount": group["amount"].sum(),
                         "name": group["name"].agg(SUM.join), "cls": group["cls"].first()}).reset_index(drop=True)


#: an account in fewer than this share of a pair's vouchers is a stranger to the pair
STRANGER_SHARE = 0.1


def _with_a_stranger(broken: pd.DataFrame, ref_pairs: pd.DataFrame, ref_lines: pd.DataFrame, lines: pd.DataFrame,
                     codes: _Codes) -> np.ndarray:
    """Per broken (voucher, a, b): the voucher also holds, on the side of the pair's smaller amount, an account
    found in fewer than STRANGER_SHARE of the pair's reference vouchers. Such a voucher is not the pair's kind: an
    invoice with a 9 % line beside its 21 % ones blends two rates, and its 21 % VAT against the whole receivable is
    no broken rate."""
    if broken.empty:
        return np.zeros(0, dtype=bool)
    width = len(codes.accounts)

    def real_accounts(frame: pd.DataFrame, *extra: str) -> pd.DataFrame:
        return frame.loc[frame["real"], ["voucher", "account", *extra]]

    wanted = broken[["a", "b"]].drop_duplicates()
    support = ref_pairs.merge(wanted, on=["a", "b"])[["voucher", "a", "b"]].drop_duplicates()
    met = support.merge(real_accounts(ref_lines), on="voucher").groupby(["a", "b", "account"]).size()
    total = support.groupby(["a", "b"]).size().rename("total").reset_index()
    share = met.rename("n").reset_index().merge(total, on=["a", "b"])
    share["share"] = share["n"] / share["total"]
    # the side of the pair's smaller amount (the tax on a base): a stranger there changes the base; one on the
    # other side is a means of payment (a gift card redeemed at the till) and changes nothing
    tax_side = np.sign(np.where(broken["amount_a"].abs() <= broken["amount_b"].abs(), broken["amount_a"],
                                broken["amount_b"]))
    own = broken[["voucher", "a", "b"]].assign(side=tax_side).reset_index().merge(
        real_accounts(lines, "amount"), on="voucher")
    own = own[np.sign(own["amount"].to_numpy()) == own["side"].to_numpy()]
    members = {code: set(codes.members[code - width]) for code in set(broken["a"]) | set(broken["b"]) if code >= width}

    def part_of_pair(row_a: np.ndarray, row_b: np.ndarray, account: np.ndarray) -> np.ndarray:
        inside = (account == row_a) | (account == row_b)
        for code, accounts in members.items():
            inside |= ((row_a == code) | (row_b == code)) & np.isin(account, list(accounts))
        return inside

    own = own[~part_of_pair(own["a"].to_numpy(), own["b"].to_numpy(), own["account"].to_numpy())]
    own = own.merge(share[["a", "b", "account", "share"]], on=["a", "b", "account"], how="left")
    stranger = own.loc[own["share"].fillna(0.0) < STRANGER_SHARE, "index"].unique()
    return broken.index.isin(stranger)


#: an account in at least this share of a pair's vouchers, on its usual side, marks a voucher of the pair's kind
KIND_SHARE = 0.5


def _voucher_partners(shared: SharedWork, codes: _Codes, self_referenced: bool) -> Callable[[], tuple[pd.Series, pd.Series]]:
    """A function giving the (reference, scored) vouchers' partners: per voucher code, the first counterparty named on
    its lines (asked for only where a voucher misses a line)."""
    def partners(over: Over, voucher: np.ndarray) -> pd.Series:
        if not shared.has(over, "counterparty"):
            return pd.Series(dtype="string")
        party, names = shared.encode("counterparty", as_string, over=over)
        named = (voucher >= 0) & (party >= 0)
        first = pd.Series(party[named]).groupby(voucher[named]).first()
        return pd.Series(names.to_numpy(dtype=object)[first.to_numpy()], index=first.index)

    def both() -> tuple[pd.Series, pd.Series]:
        ref = partners("reference", codes.ref_voucher)
        return ref, ref if self_referenced else partners("transactions", codes.voucher)

    return both


def _missing_lines(modes: pd.DataFrame, ref_pairs: pd.DataFrame, ref_lines: pd.DataFrame, lines: pd.DataFrame,
                   codes: _Codes, config: dict[str, Any],
                   voucher_partners: Callable[[], tuple[pd.Series, pd.Series]]) -> pd.DataFrame:
    """A structured pair's smaller account missing where its larger one is booked (ratio 0: an invoice without its
    VAT line). Judged only in vouchers of the pair's kind: the larger account on its usual side beside an account
    found on its side in at least KIND_SHARE of the pair's vouchers (the revenue of a sales invoice; a customer's
    refund from the bank is no invoice), and holding on the smaller one's side no account that stands in for it (one
    the pair's vouchers seldom hold, or one of its class: a second VAT rate's account). Scored like a break, by how
    often the pair's other vouchers of that kind miss it, not where the voucher's partner's other vouchers of the
    kind miss it too. Rows: voucher, a (the larger account), score, text."""
    width = len(codes.accounts)
    main = modes[modes["b"] < width].sort_values("share", ascending=False)  # the larger may be a sum of lines
    main = main.drop_duplicates(["a", "b"])[["a", "b", "mode"]]
    empty = pd.DataFrame({"voucher": np.zeros(0, dtype="int64"), "a": np.zeros(0, dtype="int64"),
                          "score": np.zeros(0), "text": pd.Series(dtype="string")})
    if main.empty:
        return empty
    real_ref = ref_lines.loc[ref_lines["real"], ["voucher", "account", "amount"]]
    support = ref_pairs.merge(main[["a", "b"]], on=["a", "b"])[["voucher", "a", "b", "amount_a", "amount_b"]]
    support = support.drop_duplicates(["voucher", "a", "b"])
    total = support.groupby(["a", "b"]).size().rename("total")
    usual = support.assign(pos_a=support["amount_a"] > 0, pos_b=support["amount_b"] > 0).groupby(["a", "b"])[
        ["pos_a", "pos_b"]].mean().ge(0.5).join(total).reset_index()
    # the accounts of the pair's vouchers, by side: the kind's companions and the accounts it knows on each side
    met = support[["voucher", "a", "b"]].merge(real_ref, on="voucher")
    met = met.assign(pos=met["amount"] > 0).groupby(["a", "b", "account", "pos"]).size().rename("n").reset_index()
    met = met.merge(usual[["a", "b", "total"]], on=["a", "b"])
    met["share"] = met["n"] / met["total"]

    def kind_vouchers(frame_lines: pd.DataFrame) -> pd.DataFrame:
        """Per (voucher, pair) of the pair's kind: the larger account's amount, whether the smaller one is there,
        whether a stranger stands on its side."""
        real = frame_lines.loc[frame_lines["real"], ["voucher", "account", "amount"]]
        base = frame_lines[["voucher", "account", "amount"]].merge(usual, left_on="account", right_on="a")
        base = base[(base["amount"] > 0) == base["pos_a"]][["voucher", "a", "b", "amount", "pos_b"]]
        if base.empty:
            return base.assign(has_b=False, stranger=False)
        others = base[["voucher", "a", "b", "pos_b"]].merge(real, on="voucher")
        others = others[(others["account"] != others["a"])]
        others = others.assign(pos=others["amount"] > 0).merge(met[["a", "b", "account", "pos", "share"]],
                                                               on=["a", "b", "account", "pos"], how="left")
        others["share"] = others["share"].fillna(0.0)
        companion = (others["account"] != others["b"]) & (others["share"] >= KIND_SHARE)
        # on the smaller account's side, an account the pair's vouchers seldom hold, or one of its class (a second
        # VAT rate's account, another revenue account) stands in for it
        same_class = codes.classes[others["account"].to_numpy()] == codes.classes[others["b"].to_numpy()]
        stranger = ((others["pos"] == others["pos_b"]) & ((others["share"] < STRANGER_SHARE) | same_class)
                    & (others["account"] != others["b"]))
        flags = others.assign(has_b=others["account"] == others["b"], companion=companion, stranger=stranger)
        flags = flags.groupby(["voucher", "a", "b"])[["has_b", "companion", "stranger"]].any().reset_index()
        out = base.merge(flags, on=["voucher", "a", "b"], how="left").fillna(
            {"has_b": False, "companion": False, "stranger": False})
        return out[out["companion"].astype(bool)]

    ref_kind = kind_vouchers(ref_lines)
    ref_kind = ref_kind.assign(missed=~ref_kind["has_b"].astype(bool))
    judged = ref_kind[~ref_kind["stranger"].astype(bool)]
    kinds = judged.groupby(["a", "b"]).agg(kind=("missed", "size"), misses=("missed", "sum"))
    kinds = kinds[kinds["kind"] >= config["min_support"]]
    own = ref_kind if lines is ref_lines else kind_vouchers(lines)
    miss = own[~own["has_b"].astype(bool) & ~own["stranger"].astype(bool)]
    if miss.empty:
        return empty
    # a partner whose other vouchers of the kind miss it too: its habit (a customer abroad billed without VAT)
    partners = voucher_partners()
    missed = ref_kind[ref_kind["missed"]]
    habits = missed.assign(partner=missed["voucher"].map(partners[0])).groupby(["a", "b", "partner"]).size()
    habits = habits.rename("partner_misses")
    miss = miss.assign(partner=miss["voucher"].map(partners[1]))
    miss = miss.merge(kinds.reset_index(), on=["a", "b"]).merge(main, on=["a", "b"])
    miss = miss.merge(habits.reset_index(), on=["a", "b", "partner"], how="left")
    own_count = 1 if lines is ref_lines else 0  # the voucher itself, where it is among the reference's
    miss = miss[miss["partner_misses"].fillna(0) - own_count < 1]
    # how often the kind's other vouchers miss it, by the rule of succession: nine invoices with VAT tell too little
    # to call the tenth, without, rare (an export to a customer abroad)
    miss = miss.assign(other_kind=np.maximum(miss["kind"] - own_count, 0),
                       other_misses=np.maximum(miss["misses"] - own_count, 0))
    share = (miss["other_misses"].to_numpy(dtype="float64") + 1.0) / (miss["other_kind"].to_numpy(dtype="float64") + 2.0)
    miss["score"] = rarity_score(share, config["max_break_share"], 1.0)
    miss = miss[miss["score"] > 0]
    if miss.empty:
        return empty
    names = codes.names
    expected = miss["mode"].to_numpy() * miss["amount"].to_numpy()
    miss["text"] = ("voucher " + codes.vouchers.to_numpy(dtype=object)[miss["voucher"].to_numpy()] + " books account "
                    + names[miss["a"].to_numpy()] + " (" + format_amount(miss["amount"].to_numpy()).to_numpy()
                    + ") without account " + names[miss["b"].to_numpy()] + ", usually "
                    + miss["mode"].map("{:.3f}".format).to_numpy(dtype=object) + " × it; expected "
                    + format_amount(expected).to_numpy() + "; "
                    + miss["other_misses"].astype("int64").astype(str).to_numpy(dtype=object)
                    + " of the other " + miss["other_kind"].astype("int64").astype(str).to_numpy(dtype=object)
                    + " such vouchers miss it")
    return miss.sort_values("score", ascending=False).drop_duplicates(["voucher", "a"])[["voucher", "a", "score", "text"]]


def _pairs(lines: pd.DataFrame) -> pd.DataFrame:
    """Every account of a voucher paired with every other (both orders): voucher, a, b, amount_a, amount_b, ratio.
    A same-class sum (`real` false) is paired only with the smaller amounts of other classes on the same side."""
    columns = ["voucher", "account_a", "account_b", "amount_a", "amount_b"]
    real = lines[lines["real"]]
    pairs = real.merge(real, on="voucher", suffixes=("_a", "_b"))
    parts = [pairs.loc[pairs["account_a"] != pairs["account_b"], columns]]
    sums = lines[~lines["real"]]
    if len(sums):
        cross = sums.merge(real, on="voucher", suffixes=("_a", "_b"))
        # a sum is the base a tax is on: booked on the same side (output VAT and its revenue are both credits),
        # and larger
        cross = cross.loc[(cross["cls_a"] != cross["cls_b"]) & (np.sign(cross["amount_a"]) == np.sign(cross["amount_b"]))
                          & (cross["amount_a"].abs() >= cross["amount_b"].abs()), columns]
        swapped = {"account_a": "account_b", "account_b": "account_a", "amount_a": "amount_b", "amount_b": "amount_a"}
        parts += [cross, cross.rename(columns=swapped)[columns]]
    pairs = pd.concat(parts, ignore_index=True).rename(columns={"account_a": "a", "account_b": "b"})
    pairs["ratio"] = pairs["amount_b"] / pairs["amount_a"]
    return pairs


def _modes(ref: pd.DataFrame, config: dict[str, Any], accounts: int) -> pd.DataFrame:
    """Per structured pair (oriented so its typical |ratio| <= 1): mode ratios, their share and support, and
    the share of the pair's vouchers within tolerance of a mode (coverage). A pair with a same-class sum (codes
    from `accounts` on) is structured only with one mode: a set of revenue accounts carries one VAT rate."""
    if ref.empty:
        return pd.DataFrame(columns=["a", "b", "mode", "share", "support", "coverage"])
    support = ref.groupby(["a", "b"])["voucher"].transform("size")
    ref = ref[support >= config["min_support"]].assign(support=support[support >= config["min_support"]])
    if ref.empty:
        return pd.DataFrame(columns=["a", "b", "mode", "share", "support", "coverage"])
    log_ratio = np.log(ref["ratio"].abs())
    # keep the orientation where the pair's typical ratio is at most 1 (VAT / revenue, not the reverse)
    typical = log_ratio.groupby([ref["a"], ref["b"]]).transform("median")
    keep = (typical < 0) | ((typical == 0) & (ref["a"] < ref["b"]))
    ref, log_ratio = ref[keep], log_ratio[keep]
    ref = ref.assign(bin=np.round(log_ratio / 0.01).astype("int64"), sign=np.sign(ref["ratio"]))
    groups = ref.groupby(["a", "b", "sign", "bin"])
    bins = groups.agg(mode=("ratio", "median"), count=("ratio", "size"), support=("support", "first")).reset_index()
    bins["share"] = bins["count"] / bins["support"]
    modes = bins[(bins["share"] >= config["min_mode_share"]) & (bins["count"] >= config["min_mode_count"])]
    modes = modes.sort_values(["a", "b", "sign", "bin"])
    # adjacent bins are one mode split by rounding; count distinct modes per pair
    gap = (modes["bin"].diff().ne(1) | modes["a"].ne(modes["a"].shift()) | modes["b"].ne(modes["b"].shift())
           | modes["sign"].ne(modes["sign"].shift()))
    n_modes = gap.groupby([modes["a"], modes["b"]]).sum()
    # coverage: share of the pair's vouchers within tolerance of one of its modes
    cand = ref[["a", "b", "voucher", "amount_a", "amount_b"]].merge(modes[["a", "b", "mode"]], on=["a", "b"])
    dev = (cand["amount_b"] - cand["mode"] * cand["amount_a"]).abs()
    cand["ok"] = dev <= np.maximum(config["tolerance"] * (cand["mode"] * cand["amount_a"]).abs(), config["min_abs_deviation"])
    covered = cand.groupby(["a", "b", "voucher"])["ok"].any().groupby(level=["a", "b"]).mean()
    index = covered.index.to_frame(index=False)
    allowed = np.where((index["a"] >= accounts) | (index["b"] >= accounts), 1, config["max_modes"])
    few = n_modes.reindex(covered.index).fillna(0).to_numpy() <= allowed
    structured = covered[(covered >= config["min_coverage"]) & few].index
    modes = modes.set_index(["a", "b"])
    modes = modes[modes.index.isin(structured)].join(covered.rename("coverage")).reset_index()
    return modes[["a", "b", "mode", "share", "support", "coverage"]]


def _texts(broken: pd.DataFrame, codes: _Codes) -> pd.Series:
    names = codes.names
    account_a, account_b = names[broken["a"].to_numpy()], names[broken["b"].to_numpy()]
    voucher = codes.vouchers.to_numpy(dtype=object)[broken["voucher"].to_numpy()]
    ratio = broken["amount_b"] / broken["amount_a"]
    text = ("account " + account_b + " is " + ratio.map("{:.3f}".format).to_numpy(dtype=object) + " × account "
            + account_a + " in voucher " + voucher + " (" + format_amount(broken["amount_b"].to_numpy()).to_numpy()
            + " vs " + format_amount(broken["amount_a"].to_numpy()).to_numpy() + "); usually "
            + broken["mode"].map("{:.3f}".format).to_numpy(dtype=object) + " ("
            + (broken["share"] * 100).map("{:.0f}".format).to_numpy(dtype=object)
            + "% of " + broken["support"].astype("int64").astype(str).to_numpy(dtype=object) + " vouchers with both), expected "
            + format_amount(broken["expected"].to_numpy()).to_numpy() + "; "
            + broken["breaks"].astype("int64").astype(str).to_numpy(dtype=object) + " of the other "
            + (broken["support"] - 1).astype("int64").astype(str).to_numpy(dtype=object) + " break it")
    return pd.Series(text, index=broken.index, dtype="string")
