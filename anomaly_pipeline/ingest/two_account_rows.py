"""Journals whose every row books one amount between two accounts (a debit and a credit account, an account and
its contra account, DATEV's Konto and Gegenkonto): each such row becomes the two ledger lines it stands for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.report_groups import balancing_groups


def two_lines(frame: pd.DataFrame, contra: pd.Series) -> pd.DataFrame:
    """`frame` (canonical columns, one row per source row, its amount signed for its account) with a contra line
    right after each row whose `contra` (aligned with `frame`) names an account: that account, the amount
    negated, no account name. The row is line 1 and the contra line 2 of one voucher; a row without a voucher
    id becomes the voucher "line <row number>". Rows without a contra account stay one line."""
    frame = frame.reset_index(drop=True)
    contra = contra.reset_index(drop=True).astype("string").str.strip().replace("", pd.NA)
    if "voucher_id" not in frame or frame["voucher_id"].isna().all():
        frame["voucher_id"] = "line " + frame["row_number"].astype("string")
    frame["line_number"] = pd.array([1] * len(frame), dtype="Int64")
    has = contra.notna().to_numpy()
    other = frame[has].assign(account=contra[has], amount=-frame.loc[has, "amount"], line_number=2)
    if "account_name" in other:
        other["account_name"] = pd.NA
    lines = pd.concat([frame, other]).sort_index(kind="stable").reset_index(drop=True)
    lines["line_number"] = lines["line_number"].astype("Int64")
    return lines


def already_both_sides(amount: pd.Series, account: pd.Series, contra: pd.Series, vouchers: pd.Series | None,
                       dates: pd.Series) -> bool:
    """Whether the rows already hold both sides of each booking, the contra account only naming the other side
    (an account sheet that lists a booking under each of its accounts, a ledger whose vouchers balance): most
    vouchers of several rows sum to zero, or most rows have a mirror row (same date and size, the two accounts
    swapped)."""
    cents = (amount.abs() * 100).round().astype("Int64").astype("string")
    day = dates.dt.strftime("%Y%m%d")
    if vouchers is not None and vouchers.notna().any():
        sums, several = balancing_groups(amount, vouchers)
        if several and sums >= 0.5 * several:
            return True
    key = day + "|" + cents + "|" + account.astype("string") + "|" + contra.astype("string")
    mirror = day + "|" + cents + "|" + contra.astype("string") + "|" + account.astype("string")
    known = key.notna() & contra.notna()
    return bool(known.any()) and float(np.isin(mirror[known], key[known].to_numpy()).mean()) >= 0.5
