"""What kind of record an upload is: double-entry vouchers, or a single-entry source (a bank statement, a
card export) whose entries are not vouchers that must balance. Voucher-balance and voucher-structure tests
do not apply to the latter, and say so instead of flagging every entry."""

from __future__ import annotations

import pandas as pd

#: formats that are statements of one account by nature
STATEMENT_FORMATS = ("camt", "ofx", "qif", "mt940")


def single_entry_reason(transactions: pd.DataFrame) -> str | None:
    """Why the upload is single-entry (a sentence for the skip reason), or None for a double-entry ledger."""
    # distinct values first: string work on a handful of values, not on every line
    if "source_format" in transactions:
        formats = pd.Series(transactions["source_format"].dropna().unique()).astype(str).str.lower().unique()
        statement = [f for f in formats if f.startswith(STATEMENT_FORMATS)]
        if len(statement) and len(statement) == len(formats):
            return f"a {statement[0]} bank statement is single-entry: its entries are not balancing vouchers"
    if "account" in transactions:
        accounts = pd.Series(transactions["account"].dropna().unique()).astype("string").str.strip().unique()
        if len(accounts) == 1 and len(transactions) > 1:
            return (f"every line is on one account ({accounts[0]}): a statement or account extract, "
                    "not double-entry vouchers")
    return None
