"""Lines that settle an account's period: the VAT return moving a month's output VAT, the payroll liabilities paid
to the tax office, an accrual reversed. Such a line is as large as the period's postings together, so an amount-size
test would call it an outlier; it is the account's routine."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    as_string,
    combine_codes,
    day_numbers,
    group_starts,
    voucher_fingerprint,
)
from anomaly_pipeline.detect.shared import SharedWork

#: periods whose postings a settlement may sum, and how many of them back from the settlement's own
PERIODS = (("M", 3), ("Q", 2))
#: a settlement equals the period's postings to within this share of its amount (rounding, a cent's difference)
TOLERANCE = 0.002
#: a settled account's lines on its other side are at most this share of those on its usual side
LOPSIDED = 0.2


def settlement_lines(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Per row: a line on the other side of its account from the usual one (the side with more lines: a debit to
    a liability credited invoice by invoice) whose amount equals, within TOLERANCE, the sum of the account's usual-side lines of one
    calendar month (this one or up to three back) or quarter (up to two back), or, on an account whose other side
    is seldom used (LOPSIDED), clears the balance that period's usual side and its credit notes leave (a VAT return
    paying the month's VAT less its credit notes); or a line of a month's closing routine (`closing_routine`)."""
    return shared.once(("settlement_lines",),
                       lambda: _settlements(transactions, shared) | closing_routine(transactions, shared))


#: a closing entry is dated within this many days of its month's end
CLOSING_DAYS = 3
#: ... and its accounts are booked together so at month end in at least this many months, about once a month
CLOSING_MONTHS = 4
ONCE_A_MONTH = 1.25
#: ... at a size within this factor of the routine's median voucher
CLOSING_SPREAD = 3.0


def closing_routine(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Per row: its voucher is a month's closing routine, dated in the month's last CLOSING_DAYS days on the same
    set of accounts as such a voucher in at least CLOSING_MONTHS months, about once a month, the only one of its
    month, and of about their size (CLOSING_SPREAD): the VAT on the
    month's receipts moved to VAT due, depreciation, a standing accrual. As large as the month's business, it is
    the account's routine."""
    n = len(transactions)
    if not n or "voucher_id" not in transactions or "posting_date" not in transactions:
        return np.zeros(n, dtype=bool)
    voucher = shared.encode("voucher_id", as_string)[0]
    account = shared.encode("account", as_string)[0]
    dates = transactions["posting_date"]
    end = ((dates + pd.offsets.MonthEnd(0)) - dates).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    rows = np.flatnonzero((voucher >= 0) & (account >= 0) & (end < CLOSING_DAYS))
    if not len(rows):
        return np.zeros(n, dtype=bool)
    # a voucher's account set: the fingerprint of its distinct accounts
    pairs = pd.DataFrame({"v": voucher[rows], "a": account[rows]}).drop_duplicates()
    signature = pd.Series(voucher_fingerprint(pairs["v"].to_numpy(), pairs["a"].to_numpy()),
                          index=pairs["v"].to_numpy()).groupby(level=0).first()
    month = (dates.dt.year * 12 + dates.dt.month).to_numpy(dtype="float64", na_value=np.nan)[rows]
    size = transactions["amount"].abs().to_numpy(dtype="float64", na_value=0.0)[rows]
    per_voucher = pd.DataFrame({"v": voucher[rows], "m": month, "size": size}).groupby("v").agg(
        m=("m", "first"), size=("size", "max"))
    vouchers = per_voucher.reindex(signature.index).assign(sig=signature)
    grouped = vouchers.groupby("sig").agg(months=("m", "nunique"), count=("m", "size"), usual=("size", "median"))
    routine_sigs = grouped.index[(grouped["months"] >= CLOSING_MONTHS) & (grouped["count"] <= ONCE_A_MONTH * grouped["months"])]
    usual = grouped["usual"].reindex(vouchers["sig"]).to_numpy()
    # the month's usual size: a round transfer ten times the routine's on the same accounts is no routine
    near = (vouchers["size"].to_numpy() <= CLOSING_SPREAD * usual) & (vouchers["size"].to_numpy() * CLOSING_SPREAD >= usual)
    # alone in its month: a second entry on the same accounts at the same month's end is an extra one
    alone = vouchers.groupby(["sig", "m"])["m"].transform("size").to_numpy() == 1
    routine = vouchers.index[vouchers["sig"].isin(routine_sigs).to_numpy() & near & alone].to_numpy()
    out = np.zeros(n, dtype=bool)
    out[rows] = np.isin(voucher[rows], routine)
    return out


def sized_by_another(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Per row: a line whose size another's explains, one the amount-size tests do not judge: it settles a
    period's postings (`settlement_lines`) or pays an earlier posting (`pays_earlier_posting`)."""
    return settlement_lines(transactions, shared) | pays_earlier_posting(transactions, shared)


def pays_earlier_posting(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Per row: its voucher (without voucher ids, the line) pays or clears an earlier posting, holding a line on an
    account and named counterparty that an earlier line (by date, then place in the file) carried at the same
    absolute amount on the other side, one not paid before (the lines on the other side before it outnumber those
    on its own), or that clears the partner's oldest open items at once (`_clears_open_items`: a payment run); true
    on that voucher's lines of that amount. An invoice's payment, as large as the invoice: the invoice is the
    finding, its payment a consequence; a second payment of it pays nothing."""
    n = len(transactions)
    out = np.zeros(n, dtype=bool)
    if not n or "counterparty" not in transactions or "posting_date" not in transactions:
        return out
    return shared.once(("pays_earlier_posting",), lambda: _pays_earlier(transactions, shared))


def _pays_earlier(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    n = len(transactions)
    party = shared.encode("counterparty", as_string)[0]
    account = shared.encode("account", as_string)[0]
    voucher = _units(transactions, shared)
    amount = transactions["amount"].to_numpy(dtype="float64", na_value=0.0)
    cents = np.round(np.abs(amount) * 100).astype("int64")
    day = day_numbers(transactions["posting_date"])
    known = (party >= 0) & (account >= 0) & (cents > 0) & (day != np.iinfo(np.int64).min)
    out = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(known)
    if not len(rows):
        return out
    key = combine_codes(account[rows], party[rows], pd.factorize(cents[rows])[0])
    # the order lines were made in: by date, then by place in the file
    order = day[rows].astype("int64") * (n + 1) + rows
    # a line pays (or clears) an earlier one where the lines on the other side before it outnumber those on its
    # own side: the second payment of one invoice pays nothing
    sort = np.lexsort((order, key))
    side = (amount[rows] > 0)[sort].astype("int64")
    begin = group_starts(key[sort])  # where each line's key begins
    place = np.arange(len(sort)) - begin  # lines of the key before this one
    debits = np.cumsum(side) - side  # debit lines before this one, over all keys ...
    debits -= debits[begin]  # ... and within its key
    mine_before = np.where(side == 1, debits, place - debits)
    earlier = np.zeros(len(rows), dtype=bool)
    earlier[sort] = place - mine_before > mine_before
    earlier |= _clears_open_items(combine_codes(account[rows], party[rows]), order, amount[rows] > 0, cents[rows])
    # the voucher's lines of the paid amount (its bank line, too)
    mine = combine_codes(voucher[rows], cents[rows])
    out[rows] = np.isin(mine, mine[earlier])
    return out


def _units(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """A code per row: its voucher's, or the row's own where it has no voucher id (a general ledger report without
    transaction numbers pays its invoices too)."""
    n = len(transactions)
    if "voucher_id" not in transactions:
        return np.arange(n, dtype="int64")
    voucher = shared.encode("voucher_id", as_string)[0]
    return np.where(voucher >= 0, voucher, int(voucher.max(initial=-1)) + 1 + np.arange(n, dtype="int64"))


def _clears_open_items(key: np.ndarray, order: np.ndarray, debit: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """Per line: on its partner's minor side (the side with fewer lines; on a tie, the side the partner's first line
    is not on), it brings that side's running total to the total the major side had reached at one of its own
    earlier lines: a payment run paying the partner's oldest open invoices at once, or the last instalment of
    one."""
    sort = np.lexsort((order, key))
    k, side, size = key[sort], debit[sort], cents[sort]
    begin = group_starts(k)  # where each line's partner begins
    debits = np.bincount(begin, weights=side.astype("float64"), minlength=len(k))[begin]
    lines = np.bincount(begin, minlength=len(k))[begin]
    major = side == np.where(2 * debits == lines, side[begin], 2 * debits > lines)
    # each side's running total within the key (a side's own line included)
    on_major = np.cumsum(np.where(major, size, 0))
    on_minor = np.cumsum(np.where(major, 0, size))
    on_major, on_minor = on_major - np.r_[0, on_major[:-1]][begin], on_minor - np.r_[0, on_minor[:-1]][begin]
    # the major side's totals only grow, so a total it reached before this line is one at most its total so far
    clears = ~major & (on_minor <= on_major)
    code = combine_codes(np.r_[k[major], k[clears]], np.r_[on_major[major], on_minor[clears]])
    out = np.zeros(len(key), dtype=bool)
    out[sort[clears]] = np.isin(code[major.sum():], code[:major.sum()])
    return out


def _settlements(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    n = len(transactions)
    if "posting_date" not in transactions or not n:
        return np.zeros(n, dtype=bool)
    account = shared.encode("account", as_string)[0]
    amount = transactions["amount"].fillna(0).to_numpy(dtype="float64")
    known = (account >= 0) & transactions["posting_date"].notna().to_numpy() & (amount != 0)
    if not known.any():
        return np.zeros(n, dtype=bool)
    width = int(account.max()) + 1
    at = np.maximum(account, 0)
    # the usual side has the more lines: a settled account's totals are even, its many small lines are not
    debits = np.bincount(at[known], weights=(amount > 0)[known].astype("float64"), minlength=width)
    credits = np.bincount(at[known], weights=(amount < 0)[known].astype("float64"), minlength=width)
    usual = np.where(debits >= credits, 1.0, -1.0)[at]
    usual_side = known & (np.sign(amount) == usual)
    # an account credited line by line and debited now and then (VAT, payroll liabilities), not one whose two
    # sides are alike (a supplier's bills and payments)
    lopsided = (np.minimum(debits, credits) <= LOPSIDED * np.maximum(debits, credits))[at]
    other_side = known & ~usual_side
    size = np.abs(amount)
    found = np.zeros(n, dtype=bool)
    if not other_side.any():
        return found
    for freq, back in PERIODS:
        ordinal = transactions["posting_date"].dt.to_period(freq).array.asi8
        low = int(ordinal[known].min())
        ordinal = np.where(known, ordinal, low)
        span = int(ordinal[known].max()) - low + 1
        key = at * span + (ordinal - low)
        sums = np.bincount(key[usual_side], weights=size[usual_side], minlength=width * span)
        # the period's balance left by its usual side and its minor lines on the other side (credit notes), not
        # by the settlements it holds (its own, the last period's)
        minor = other_side & (size < sums[key] / 2)
        nets = np.bincount(key[usual_side | minor], weights=amount[usual_side | minor], minlength=width * span)
        for k in range(back + 1):
            earlier = ordinal - low - k
            inside = other_side & (earlier >= 0)
            total, net = np.zeros(n), np.zeros(n)
            period = at[inside] * span + earlier[inside]
            total[inside], net[inside] = sums[period], nets[period]
            found |= inside & (total > 0) & (np.abs(size - total) <= TOLERANCE * size)
            # or it clears that balance, the credit notes netted (a VAT return pays the net VAT)
            found |= inside & lopsided & ~minor & (np.abs(net + amount) <= TOLERANCE * size)
    return found
