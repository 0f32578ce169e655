"""The shared feature matrix the ML detectors learn from, with the context their reasons quote.

Every feature is learned from a reference population (count tables, per-account medians) and evaluated on
the rows to score: log amount, its robust z within the account, the rarity of its sign for the account,
of its account pairing within the voucher, of its user for the account, of its weekday, of its user and
currency overall, the registration lag and the amount's roundness. Features whose source column is missing or empty are left out, so a bank statement (no
user, voucher or registration date) gets a narrower matrix rather than an error. Apart from the amount
features, each feature is oriented so that larger means rarer: -log10 of a share in the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import combine_codes, encode, format_amount, has_values, text_words

MAD_TO_SIGMA = 1.4826
#: distinct accounts per voucher above which account pairs are not enumerated (keeps pairs O(n))
MAX_PAIR_ACCOUNTS = 12
#: a user x account or an account pair met in this many different months is a routine of the ledger (the monthly
#: card settlement, the quarter's VAT transfer), as the rules read it (`routine_months`): not rare, however few
ROUTINE_MONTHS = 4
#: only keys rarer than this share are checked for a routine (the rest are not rare anyway)
ROUTINE_CHECK_SHARE = 0.2
#: reference rows an account x partner needs before amounts are judged by it rather than by the account alone
PARTNER_MIN_ROWS = 8
DAY_NAMES = np.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])


@dataclass
class Features:
    """matrix: model inputs (float, no NaN) for the rows to score; reference: the same for the reference
    population (the very same object when the rows are their own reference); context: per scored row,
    the raw figures reasons quote (aligned with matrix; text columns are categorical)."""

    matrix: pd.DataFrame
    reference: pd.DataFrame
    context: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return list(self.matrix.columns)

    def context_rows(self, rows: np.ndarray) -> pd.DataFrame:
        """The context of the given row positions (index 0..len(rows)-1), text columns as strings."""
        ctx = self.context.iloc[rows].reset_index(drop=True)
        for name in ctx.columns:
            if isinstance(ctx[name].dtype, pd.CategoricalDtype):
                ctx[name] = ctx[name].astype("string")
        return ctx

    @property
    def self_referenced(self) -> bool:
        """The rows are scored against themselves (reference and matrix are one object)."""
        return self.reference is self.matrix


@dataclass
class _Codes:
    """A text column as integer codes shared by the reference and the rows (missing = '')."""

    ref: np.ndarray
    rows: np.ndarray
    values: pd.Index

    @property
    def size(self) -> int:
        return len(self.values)

    def categorical(self, codes: np.ndarray) -> pd.Series:
        """Texts of `codes` (-1 = missing) without materializing a string per row."""
        return pd.Series(pd.Categorical.from_codes(codes, categories=self.values, validate=False))


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("string").fillna("")


def _codes(transactions: pd.DataFrame, reference: pd.DataFrame, column: str, same: bool) -> _Codes:
    ref_text = _text(reference, column)
    if same:
        codes, values = pd.factorize(ref_text)
        return _Codes(codes, codes, pd.Index(values))
    codes, values = pd.factorize(pd.concat([ref_text, _text(transactions, column)], ignore_index=True))
    return _Codes(codes[:len(reference)], codes[len(reference):], pd.Index(values))


def _partner_codes(transactions: pd.DataFrame, reference: pd.DataFrame, same: bool) -> _Codes | None:
    """Each row's partner: its counterparty, else the words of its text (`text_words`), as shared codes (-1:
    none); None where the frames have neither."""
    for column, clean in (("counterparty", None), ("description", text_words)):
        if has_values(transactions, column) and has_values(reference, column):
            frames = [reference[column]] if same else [reference[column], transactions[column]]
            codes, values = encode(pd.concat(frames, ignore_index=True) if not same else frames[0], clean)
            return _Codes(codes[:len(reference)], codes if same else codes[len(reference):], pd.Index(values))
    return None


def _pair_codes(a: _Codes, b: _Codes, same: bool) -> _Codes:
    """Codes of (a, b) pairs, shared by the reference and the rows (-1 where b is missing)."""
    joined = combine_codes(np.r_[a.ref, a.rows] if not same else a.ref,
                           np.r_[b.ref, b.rows] if not same else b.ref)
    joined = np.where(np.r_[b.ref, b.rows] >= 0 if not same else b.ref >= 0, joined, -1)
    n = len(a.ref)
    ref = joined[:n]
    return _Codes(ref, ref if same else joined[n:], pd.Index(range(int(joined.max(initial=-1)) + 1)))


def _rarity(counts: np.ndarray, total: int) -> np.ndarray:
    """-log10 share; unseen values count as half a posting."""
    return -np.log10(np.maximum(counts.astype("float64"), 0.5) / max(total, 1))


def _key_counts(ref_keys: np.ndarray, keys: np.ndarray, size: int) -> np.ndarray:
    """How often each of `keys` (ints in [0, size)) occurs among `ref_keys`."""
    if size <= 1 << 22:
        return np.bincount(ref_keys, minlength=size)[keys]
    table, counts = np.unique(ref_keys, return_counts=True)
    if not len(table):
        return np.zeros(len(keys), dtype="int64")
    pos = np.searchsorted(table, keys).clip(max=len(table) - 1)
    return np.where(table[pos] == keys, counts[pos], 0)


def _group_median(values: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Median of `values` per code (NaN skipped; NaN for codes without values)."""
    return pd.Series(values).groupby(codes).median().reindex(range(size)).to_numpy(dtype="float64")




def build_features(transactions: pd.DataFrame, reference: pd.DataFrame) -> Features:
    """Feature matrix for `transactions`, learned from `reference` (both canonical frames).

    Text columns are factorized once into integer codes shared by both frames; every table (counts,
    per-account medians, account pairs) is an array indexed by code. When the reference is the rows
    themselves (one object), each feature is computed once and the reference matrix is the row matrix."""
    same = transactions is reference
    n_ref = len(reference)
    rows: dict[str, np.ndarray] = {}
    refs: dict[str, np.ndarray] = {}
    ctx: dict[str, pd.Series | np.ndarray] = {}
    amount = transactions["amount"].to_numpy(dtype="float64", na_value=np.nan)
    ref_amount = amount if same else reference["amount"].to_numpy(dtype="float64", na_value=np.nan)
    ctx["amount"] = amount

    def add(name: str, builder: Callable[[bool], np.ndarray]) -> None:
        """builder(False) evaluates the feature on the rows, builder(True) on the reference."""
        rows[name] = np.asarray(builder(False), dtype="float64")
        refs[name] = rows[name] if same else np.asarray(builder(True), dtype="float64")

    mag = np.log10(np.abs(amount) + 1.0)
    ref_mag = mag if same else np.log10(np.abs(ref_amount) + 1.0)
    add("log_amount", lambda ref: ref_mag if ref else mag)
    add("roundness", lambda ref: _trailing_zeros(ref_amount if ref else amount))

    ref_month = _month(reference) if has_values(reference, "posting_date") else None
    if has_values(transactions, "account") and has_values(reference, "account"):
        acc = _codes(transactions, reference, "account", same)
        k = acc.size
        ctx["account"] = acc.categorical(acc.rows)
        acc_count = np.bincount(acc.ref, minlength=k)
        ctx["account_count"] = acc_count[acc.rows].astype("int64")
        # an amount's size is judged within its account and partner where that pair has history enough (a
        # client's progress invoices, a supplier's deliveries), else within its account
        size_group = acc
        partner = _partner_codes(transactions, reference, same)
        if partner is not None:
            pair = _pair_codes(acc, partner, same)
            enough = np.bincount(pair.ref[pair.ref >= 0], minlength=pair.size) >= PARTNER_MIN_ROWS
            size_group = _Codes(np.where(enough[np.maximum(pair.ref, 0)] & (pair.ref >= 0), pair.ref + k, acc.ref),
                                np.where(enough[np.maximum(pair.rows, 0)] & (pair.rows >= 0), pair.rows + k, acc.rows),
                                pd.Index(range(k + pair.size)))
            ctx["amount_partner"] = partner.categorical(np.where(size_group.rows >= k, partner.rows, -1))
        g = size_group.size
        med = _group_median(ref_mag, size_group.ref, g)
        mad = _group_median(np.abs(ref_mag - med[size_group.ref]), size_group.ref, g)
        scale = np.maximum(mad * MAD_TO_SIGMA, 0.05)
        ctx["account_median"] = _group_median(np.abs(ref_amount), size_group.ref, g)[size_group.rows]
        add("amount_z", lambda ref: np.nan_to_num(
            (ref_mag - med[size_group.ref]) / scale[size_group.ref] if ref
            else (mag - med[size_group.rows]) / scale[size_group.rows], nan=0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            ref_pos = np.bincount(acc.ref, weights=ref_amount >= 0, minlength=k) / acc_count
        ref_pos = np.where(np.isnan(ref_pos), 0.5, ref_pos)  # accounts the reference never saw

        def same_side(ref: bool) -> np.ndarray:
            amounts, codes = (ref_amount, acc.ref) if ref else (amount, acc.rows)
            return np.where(amounts >= 0, ref_pos[codes], 1 - ref_pos[codes])

        add("sign_rarity", lambda ref: 1.0 - same_side(ref))
        ctx["same_side"] = np.round(same_side(False) * ctx["account_count"]).astype("int64")

        if has_values(transactions, "voucher_id") and has_values(reference, "voucher_id"):
            ref_pairs = _voucher_pairs(reference, acc.ref, k)
            row_pairs = ref_pairs if same else _voucher_pairs(transactions, acc.rows, k)
            pair_count = np.bincount(ref_pairs.account * k + ref_pairs.other, minlength=k * k) if k * k <= 1 << 22 \
                else None
            voucher_count = np.bincount(ref_pairs.lines[1], minlength=k)

            routine_pairs = None if ref_month is None else _routine_pairs(ref_pairs, pair_count, voucher_count, k,
                                                                          ref_month)

            def pair_rarity(pairs: _Pairs) -> _Worst:
                return _worst_pair(pairs, ref_pairs, pair_count, voucher_count, k, routine_pairs)

            worst = pair_rarity(row_pairs)
            rows["pair_rarity"] = worst.rarity
            refs["pair_rarity"] = rows["pair_rarity"] if same else pair_rarity(ref_pairs).rarity
            ctx["pair_other"] = acc.categorical(worst.other)
            ctx["pair_count"], ctx["pair_base"] = worst.count, worst.base

        if has_values(transactions, "user_name") and has_values(reference, "user_name"):
            user = _codes(transactions, reference, "user_name", same)
            ref_key = acc.ref.astype("int64") * user.size + user.ref
            row_key = ref_key if same else acc.rows.astype("int64") * user.size + user.rows
            size = k * user.size
            row_pair_count = _key_counts(ref_key, row_key, size)
            ref_pair_count = row_pair_count if same else _key_counts(ref_key, ref_key, size)
            seldom = ref_pair_count < ROUTINE_CHECK_SHARE * acc_count[acc.ref]
            routine = _routine_keys(ref_key[seldom], ref_month[seldom]) if ref_month is not None else None

            def user_account(ref: bool) -> np.ndarray:
                count, codes, keys = (ref_pair_count, acc.ref, ref_key) if ref else (row_pair_count, acc.rows, row_key)
                rarity = np.maximum(-np.log10(np.maximum(count, 0.5) / np.maximum(acc_count[codes], 1)), 0.0)
                return rarity if routine is None else np.where(np.isin(keys, routine), 0.0, rarity)

            add("user_account_rarity", user_account)
            ctx["user"] = user.categorical(user.rows)
            ctx["user_account_count"] = row_pair_count.astype("int64")

    # frequency encodings of categoricals, as rarity beyond a 1% share: a user or currency seen on 1 line
    # in 10 000 stands out, a monthly payroll clerk's 1% does not (account and counterparty rarity are left
    # to the conditional features above: a rarely used account is mostly a rarely needed one)
    for column in ("user_name", "currency"):
        if has_values(transactions, column) and has_values(reference, column):
            codes = _codes(transactions, reference, column, same)
            table = np.bincount(codes.ref, minlength=codes.size)
            add(f"{column}_rarity", lambda ref, c=codes, t=table: np.maximum(
                _rarity(t[c.ref if ref else c.rows], n_ref) - 2, 0.0))
            ctx[column] = codes.categorical(codes.rows)
            ctx[f"{column}_count"] = table[codes.rows].astype("int64")

    if has_values(transactions, "posting_date") and has_values(reference, "posting_date"):
        dow = _weekday(transactions)
        ref_dow = dow if same else _weekday(reference)
        seen = np.bincount(ref_dow[ref_dow >= 0], minlength=7)
        dow_share = seen / max(seen.sum(), 1)

        def weekday_share(days: np.ndarray) -> np.ndarray:
            return np.where(days >= 0, dow_share[days], 0.0)

        add("weekday_rarity", lambda ref: -np.log10(np.maximum(
            weekday_share(ref_dow if ref else dow), 0.5 / max(n_ref, 1))))
        ctx["weekday"] = pd.Series(pd.Categorical.from_codes(dow, categories=DAY_NAMES, validate=False))
        ctx["weekday_share"] = weekday_share(dow)
        if has_values(transactions, "registration_date") and has_values(reference, "registration_date"):
            lag_days = _lag_days(transactions)
            ref_lag = lag_days if same else _lag_days(reference)
            add("registration_lag", lambda ref: np.nan_to_num(np.log1p(np.abs(ref_lag if ref else lag_days)), nan=0.0))
            ctx["lag_days"] = lag_days

    # a feature constant over the reference carries no information for the models
    keep = [c for c in rows if _varies(refs[c])]
    block = _block(rows, keep, len(transactions))
    ref_block = block if same else _block(refs, keep, n_ref)
    rows.clear()
    refs.clear()
    _fill_missing(block, ref_block)
    matrix = pd.DataFrame(block.T, columns=keep, copy=False)
    reference_matrix = matrix if same else pd.DataFrame(ref_block.T, columns=keep, copy=False)
    # one block per column, no consolidating copy
    context = pd.DataFrame({name: pd.Series(col, copy=False) for name, col in ctx.items()}, copy=False)
    return Features(matrix=matrix, reference=reference_matrix, context=context)


def _varies(values: np.ndarray) -> bool:
    finite = values[~np.isnan(values)]
    return len(finite) > 0 and finite.min() < finite.max()


def _block(columns: dict[str, np.ndarray], keep: list[str], n: int) -> np.ndarray:
    """The kept columns as one float64 (features x rows) array: its transpose wraps into a one-block frame
    whose `.to_numpy()` is a view."""
    block = np.empty((len(keep), n), dtype="float64")
    for i, name in enumerate(keep):
        block[i] = columns[name]
    return block


def _fill_missing(block: np.ndarray, ref_block: np.ndarray) -> None:
    """Missing values (rows without an amount) become the reference median, else 0; in place."""
    if not np.isnan(block).any() and (ref_block is block or not np.isnan(ref_block).any()):
        return
    fill = np.zeros((len(ref_block), 1))
    known = ~np.isnan(ref_block).all(axis=1)  # an all-NaN feature is filled with 0 (nanmedian would warn)
    fill[known, 0] = np.nanmedian(ref_block[known], axis=1)
    for values in (block, ref_block):
        np.copyto(values, np.broadcast_to(fill, values.shape), where=np.isnan(values))


def _trailing_zeros(amount: np.ndarray) -> np.ndarray:
    """0 for amounts with cents, else how many trailing zeros the whole amount has (capped at 6)."""
    cents = np.round(np.abs(np.nan_to_num(amount, nan=0.0)) * 100).astype("int64")
    out = np.zeros(len(cents))
    positive = cents > 0
    for power in range(1, 7):
        out += (cents % (100 * 10**power) == 0) & positive
    return out


def _weekday(frame: pd.DataFrame) -> np.ndarray:
    """Day of week of the posting date (Monday = 0), -1 where missing."""
    return frame["posting_date"].dt.day_of_week.fillna(-1).to_numpy(dtype="int64")


def _lag_days(frame: pd.DataFrame) -> np.ndarray:
    """Whole days from posting to registration (NaN where either is missing)."""
    return (frame["registration_date"] - frame["posting_date"]).dt.days.to_numpy(dtype="float64", na_value=np.nan)


@dataclass
class _Pairs:
    """Ordered pairs of distinct accounts sharing a voucher (vouchers of at most MAX_PAIR_ACCOUNTS
    accounts), and the distinct (voucher, account) lines they come from."""

    voucher: np.ndarray
    account: np.ndarray
    other: np.ndarray
    lines: tuple[np.ndarray, np.ndarray]  # (voucher, account) of every distinct voucher line
    row_voucher: np.ndarray  # per row of the frame: its voucher code, -1 without a voucher
    row_account: np.ndarray  # per row of the frame: its account code


def _voucher_pairs(frame: pd.DataFrame, account: np.ndarray, n_accounts: int) -> _Pairs:
    """The frame's account pairs per voucher, from the rows' account codes."""
    codes, values = pd.factorize(_text(frame, "voucher_id"))
    empty = np.flatnonzero(np.asarray(pd.Index(values) == ""))
    if len(empty):
        codes = np.where(codes == empty[0], -1, codes)
    has = codes >= 0
    keys = np.unique(codes[has].astype("int64") * n_accounts + account[has])
    voucher, acc = np.divmod(keys, n_accounts)
    starts = np.flatnonzero(np.r_[True, voucher[1:] != voucher[:-1]]) if len(voucher) else np.array([], dtype=int)
    sizes = np.diff(np.r_[starts, len(voucher)])
    small = np.repeat(sizes <= MAX_PAIR_ACCOUNTS, sizes)
    voucher, acc = voucher[small], acc[small]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for gap in range(1, MAX_PAIR_ACCOUNTS):  # lines sorted by voucher: partners sit within `gap` < 12
        first = np.flatnonzero(voucher[gap:] == voucher[:-gap])
        if not len(first):
            break
        parts += [(voucher[first], acc[first], acc[first + gap]), (voucher[first], acc[first + gap], acc[first])]
    joined = [np.concatenate(p) if p else np.array([], dtype="int64") for p in zip(*parts, strict=True)] \
        if parts else [np.array([], dtype="int64")] * 3
    return _Pairs(joined[0], joined[1], joined[2], (voucher, acc), codes, account)


@dataclass
class _Worst:
    rarity: np.ndarray
    other: np.ndarray  # account code, -1 where the row has no pairing
    count: np.ndarray  # -1 where the row has no pairing
    base: np.ndarray  # 0 where the row has no pairing


def _month(frame: pd.DataFrame) -> np.ndarray:
    """Calendar month of the posting date as year * 12 + month, -1 where missing."""
    dates = frame["posting_date"]
    return (dates.dt.year * 12 + dates.dt.month).fillna(-1).to_numpy(dtype="int64")


def _routine_keys(key: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The keys (sorted) met in at least ROUTINE_MONTHS different months."""
    ok = (key >= 0) & (month >= 0)
    if not ok.any():
        return np.array([], dtype="int64")
    low = month[ok].min()
    span = int(month[ok].max() - low) + 1
    seen = np.unique(key[ok].astype("int64") * span + (month[ok] - low))
    keys, months = np.unique(seen // span, return_counts=True)
    return keys[months >= ROUTINE_MONTHS]


def _pair_share(key: np.ndarray, pairs: _Pairs, ref_pairs: _Pairs, pair_count: np.ndarray | None,
                voucher_count: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(voucher count, base, share) of each pair: of the `base` reference vouchers holding the rarer account,
    the share holding the other too."""
    if pair_count is not None:
        count = pair_count[key]
    else:
        count = _key_counts(ref_pairs.account * k + ref_pairs.other, key, k * k)
    base = np.maximum(np.minimum(voucher_count[pairs.account], voucher_count[pairs.other]), 1)
    return count, base, np.maximum(count, 0.5) / base


def _routine_pairs(ref_pairs: _Pairs, pair_count: np.ndarray | None, voucher_count: np.ndarray, k: int,
                   month: np.ndarray) -> np.ndarray:
    """The account pairs (keys, sorted) of the reference's seldom pairs that recur in ROUTINE_MONTHS months
    (a voucher's month: its first line's)."""
    key = ref_pairs.account * k + ref_pairs.other
    _, _, share = _pair_share(key, ref_pairs, ref_pairs, pair_count, voucher_count, k)
    seldom = share < ROUTINE_CHECK_SHARE
    has = np.flatnonzero(ref_pairs.row_voucher >= 0)
    vouchers, first = np.unique(ref_pairs.row_voucher[has], return_index=True)
    voucher_month = np.full(int(vouchers.max(initial=-1)) + 1, -1, dtype="int64")
    voucher_month[vouchers] = month[has[first]]
    return _routine_keys(key[seldom], voucher_month[ref_pairs.voucher[seldom]])


def _worst_pair(pairs: _Pairs, ref_pairs: _Pairs, pair_count: np.ndarray | None, voucher_count: np.ndarray,
                k: int, routine: np.ndarray | None = None) -> _Worst:
    """Per row: -log10 of the least-supported pairing of its account with another account in its voucher
    (of the reference vouchers holding the rarer of the two accounts, the share that also hold the other:
    a monthly payroll pairing of bank and payroll tax is 12 of 12, salaries against sales 0 of 12; a `routine`
    pair counts as shared by all); the other account (of equally rare ones, the first seen); the pair's voucher
    count; the rarer account's voucher count."""
    key = pairs.account * k + pairs.other
    count, base, share = _pair_share(key, pairs, ref_pairs, pair_count, voucher_count, k)
    if routine is not None and len(routine):
        share = np.where(np.isin(key, routine), 1.0, share)
    group = pairs.voucher * k + pairs.account
    order = np.lexsort((pairs.other, share, group))
    group = group[order]
    first = order[np.r_[True, group[1:] != group[:-1]]] if len(group) else order
    worst_key = pairs.voucher[first] * k + pairs.account[first]  # sorted: groups come in key order

    n = len(pairs.row_voucher)
    rarity, other = np.zeros(n), np.full(n, -1, dtype="int64")
    out_count, out_base = np.full(n, -1, dtype="int64"), np.zeros(n, dtype="int64")
    if len(worst_key):
        has = np.flatnonzero(pairs.row_voucher >= 0)
        row_key = pairs.row_voucher[has].astype("int64") * k + pairs.row_account[has]
        pos = np.searchsorted(worst_key, row_key).clip(max=len(worst_key) - 1)
        hit = worst_key[pos] == row_key
        rows, src = has[hit], first[pos[hit]]
        rarity[rows] = -np.log10(np.minimum(share[src], 1.0))
        other[rows], out_count[rows], out_base[rows] = pairs.other[src], count[src], base[src]
    return _Worst(rarity, other, out_count, out_base)


def describe(feature: str, ctx: pd.DataFrame, value: np.ndarray) -> pd.Series:
    """Reason fragments for `feature` on the rows of `ctx` (flagged rows only), quoting the numbers.
    `value` is the row's feature value."""
    val = pd.Series(np.asarray(value, dtype="float64"), index=ctx.index)
    num = val.map("{:.1f}".format)
    if feature == "log_amount":
        return "unusual amount " + format_amount(ctx["amount"].to_numpy()).set_axis(ctx.index)
    if feature == "amount_z":
        partner = (("'" + ctx["amount_partner"] + "'").fillna("") if "amount_partner" in ctx
                   else pd.Series("", index=ctx.index, dtype="string"))
        account = ctx["account"] + partner.where(partner == "", " with " + partner)
        return ("unusual amount for account " + account + " (" + format_amount(ctx["amount"].to_numpy()).set_axis(ctx.index)
                + " vs median " + format_amount(ctx["account_median"].to_numpy()).set_axis(ctx.index) + ", log-amount z " + num + ")")
    if feature == "sign_rarity":
        return ("unusual side for account " + ctx["account"] + " (" + ctx["same_side"].astype("string") + " of "
                + ctx["account_count"].astype("string") + " postings on this side)")
    if feature == "pair_rarity":
        return ("unusual account combination " + ctx["account"] + " with " + ctx["pair_other"].fillna("?") + " ("
                + ctx["pair_count"].clip(lower=0).astype("string") + " of " + ctx["pair_base"].astype("string")
                + " vouchers holding the rarer of the two)")
    if feature == "user_account_rarity":
        return ("rare user " + ctx["user"] + " for account " + ctx["account"] + " ("
                + ctx["user_account_count"].astype("string") + " of " + ctx["account_count"].astype("string") + " postings)")
    if feature in ("user_name_rarity", "currency_rarity"):
        column = feature.removesuffix("_rarity")
        label = {"user_name": "user", "currency": "currency"}[column]
        return "rare " + label + " " + ctx[column] + " (" + ctx[f"{column}_count"].astype("string") + " postings)"
    if feature == "weekday_rarity":
        return "posted on a " + ctx["weekday"].fillna("?") + " (" + (ctx["weekday_share"] * 100).map("{:.1f}".format) + "% of postings)"
    if feature == "registration_lag":
        return "registered " + ctx["lag_days"].astype("Int64").astype("string") + " days after its posting date"
    if feature == "roundness":
        return "round amount " + format_amount(ctx["amount"].to_numpy()).set_axis(ctx.index)
    return feature + " " + num
