"""Lines that settle an account's period: the VAT return moving a month's output VAT, the payroll liabilities paid
to the tax office, an accrual reversed. Such a line is as large as the period's postings together, so an amount-size
test would call it an outlier; it is the account's routine."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import as_string
from anomaly_pipeline.detect.shared import SharedWork

#: periods whose postings a settlement may sum, and how many of them back from the settlement's own
PERIODS = (("M", 3), ("Q", 2))
#: a settlement equals the period's postings to within this share of its amount (rounding, a cent's difference)
TOLERANCE = 0.002


def settlement_lines(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Per row: a line on the other side of its account from the usual one (the side with more lines: a debit to
    a liability credited invoice by invoice) whose amount equals, within TOLERANCE, the sum of the account's usual-side lines of one
    calendar month (this one or up to three back) or quarter (up to two back)."""
    return shared.once(("settlement_lines",), lambda: _settlements(transactions, shared))


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
        for k in range(back + 1):
            earlier = ordinal - low - k
            inside = other_side & (earlier >= 0)
            total = np.zeros(n)
            total[inside] = sums[at[inside] * span + earlier[inside]]
            found |= inside & (total > 0) & (np.abs(size - total) <= TOLERANCE * size)
    return found
