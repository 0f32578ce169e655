"""Exports laid out as reports of groups (QuickBooks Online's Journal, Xero's General Ledger Detail): a row holding
only a group's id or name above its lines, "Total for <id>" or "Total <name>" closing them. The headings and totals
are no transactions; where the groups balance they are the vouchers, else (a ledger report by account) each
group's heading is its lines' account."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.column_mapping import Mapping
from anomaly_pipeline.ingest.header_match import tokens

_TOTAL = re.compile(r"^total(?: for)?\s+", re.IGNORECASE)
# a line's own property, not its transaction's (Xero's "GST Rate Name" differs between a sale's lines)
_LINE_WORDS = frozenset(("tax", "vat", "gst", "rate", "line", "item", "quantity", "qty", "price", "unit"))
_CODE_AND_NAME = re.compile(r"^(\S+)\s+-\s+(.+)$")  # Xero's "090 - Business Bank Account"


def report_groups(table: pd.DataFrame, undated: np.ndarray) -> tuple[pd.Series, pd.Series] | None:
    """(per row: the id of the report group it sits in; per row: what a heading or total row is, else NA),
    where the export is a report of groups (QuickBooks' Journal: a row holding only the group's id in the first
    column above its lines, 'Total for <id>' closing them); None where it is not."""
    rows = np.flatnonzero(undated)  # a heading or a total has no date: only those rows are read
    if not len(rows):
        return None
    first = table.iloc[rows, 0].astype("string").str.strip().fillna("")
    rows, first = rows[(first != "").to_numpy()], first[first != ""]
    closing = first.str.contains(_TOTAL).to_numpy(dtype=bool)
    if not closing.any():
        return None
    rest = table.iloc[rows].drop(columns=table.columns[0]).astype("string").apply(lambda c: c.str.strip())
    alone = (rest.fillna("") == "").all(axis=1).to_numpy()
    closed = set(first[closing].str.replace(_TOTAL, "", regex=True).str.strip())
    heading = first[alone & ~closing]
    has_total = heading.isin(closed).to_numpy(dtype=bool)
    if has_total.sum() < 2 or has_total.sum() < 0.8 * closing.sum():  # most totals close a heading's group
        return None
    headers = rows[alone & ~closing][has_total]
    marks = pd.Series(pd.NA, index=table.index, dtype="string")
    marks.iloc[headers] = heading[has_total].to_numpy()
    marks.iloc[rows[closing]] = ""  # a group ends at its total
    kinds = pd.Series(pd.NA, index=table.index, dtype="string")
    kinds.iloc[headers] = "(a group's heading)"
    kinds.iloc[rows[closing]] = "Total (of a group)"
    return marks.ffill().replace("", pd.NA), kinds


def balancing_groups(amount: pd.Series, groups: pd.Series) -> tuple[int, int]:
    """(groups of several lines that sum to zero, groups of several lines)."""
    per = amount.groupby(groups.to_numpy(), dropna=True)
    multi = per.size() >= 2
    return int((per.sum()[multi].abs() < 0.005).sum()), int(multi.sum())


def balanced(amount: pd.Series, groups: pd.Series) -> bool:
    """Groups of several lines that sum to zero (nine in ten): transactions (vouchers), not accounts or periods."""
    sums, multi = balancing_groups(amount, groups)
    return multi >= 2 and sums >= 0.9 * multi


def groups_as_vouchers(out: pd.DataFrame, table: pd.DataFrame, mapping: Mapping, groups: pd.Series) -> None:
    """A report's balanced groups are its transactions: the voucher. A document-number column taken for the
    voucher (QuickBooks' Num: blank on expenses, shared by a vendor's bills) becomes the reference; a line
    without debit or credit inside a transaction (a payment applying a credit note) is an amount of 0."""
    cols = mapping.columns
    if "voucher_id" in cols and "reference" not in cols:
        out["reference"] = out["voucher_id"]
        mapping.use("reference", cols["voucher_id"], mapping.how["voucher_id"])
    out["voucher_id"] = groups.to_numpy()
    mapping.use("voucher_id", table.columns[0], "the report's group rows")
    mapping.notes.append("the report groups its lines under a row with the transaction's id closed by 'Total for "
                         "<id>', and the groups balance: each group is a voucher")
    if {"debit", "credit"} <= cols.keys():
        blank = ((table[cols["debit"]].astype("string").str.strip().fillna("") == "")
                 & (table[cols["credit"]].astype("string").str.strip().fillna("") == ""))
        account = cols.get("account", cols.get("account_name"))
        if account is None:
            return
        named = table[account].astype("string").str.strip().fillna("") != ""
        zero = (out["amount"].isna() & blank & named & groups.notna() & out["posting_date"].notna()).to_numpy()
        if zero.any():
            out.loc[zero, "amount"] = 0.0
            mapping.notes.append(f"{int(zero.sum())} lines inside transactions have neither debit nor credit: "
                                 "amounts of 0")


def groups_as_accounts(out: pd.DataFrame, mapping: Mapping, groups: pd.Series, column: str) -> None:
    """A report whose groups do not balance and whose lines name no account lists each account's lines under its
    heading (Xero's General Ledger Detail, "090 - Business Bank Account"): the heading is the account (its code,
    and its name where the heading gives both), and the amounts are a ledger's, debit positive."""
    headings = pd.Series(groups.to_numpy(), index=out.index, dtype="string")
    parts = headings.str.extract(_CODE_AND_NAME)
    out["account"] = parts[0].fillna(headings)
    if parts[1].notna().any():
        out["account_name"] = parts[1]
    if mapping.debit_is_money_out and "amount" not in mapping.columns:  # debit/credit read as a statement's
        out["amount"] = -out["amount"]
        mapping.debit_is_money_out = False
    mapping.use("account", column, "the report's group headings")
    mapping.notes.append("the report lists each account's lines under its heading, closed by its total: the "
                         "heading is the account")


def transactions_of_accounts(out: pd.DataFrame, table: pd.DataFrame, mapping: Mapping, skip: set[str]) -> pd.Series:
    """The vouchers of a report by account, which numbers no transaction: a transaction's lines, one under each of
    its accounts, share their date, reference, counterparty and the other columns of the transaction (Xero's
    Source) but not their text, and they balance. Lines alike in all of those are paired by their order under each
    account (the same card spend twice in a day is two vouchers); where that does not balance, all the lines alike
    are one voucher (which may not balance: a finding). `skip`: columns that are no property of the transaction
    (amounts, balances, the headings' column)."""
    others = [c for c in table.columns if c not in skip and c not in mapping.columns.values()
              and not _money(table[c]) and not set(tokens(str(c))) & _LINE_WORDS]
    parts = [out["posting_date"].dt.strftime("%Y-%m-%d").fillna("")]
    parts += [out[f].fillna("") for f in ("reference", "counterparty", "voucher_type") if f in out]
    parts += [table[c].astype("string").str.strip().fillna("") for c in others]
    key = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
    occurrence = key.groupby([key.to_numpy(), out["account"].fillna("").to_numpy()]).cumcount().astype("string")
    cents = (out["amount"] * 100).round()
    dated = out["posting_date"].notna() & cents.notna()

    def balancing(groups: pd.Series) -> pd.Series:
        per = cents[dated].groupby(groups[dated])
        ok = (per.sum() == 0) & (per.size() >= 2)
        return groups.map(ok).fillna(False).astype(bool)

    pair = key + "\x1f" + occurrence
    paired = balancing(pair)
    all_paired = paired.groupby(key).transform("all")
    blank = pd.Series(pd.NA, index=out.index, dtype="string")
    label = parts[0] + " " + out.get("reference", blank).fillna(out.get("counterparty", blank)).fillna("")
    kinds = [out["voucher_type"]] if "voucher_type" in out else []
    for values in [*kinds, *(table[c].astype("string").str.strip() for c in others)]:
        label = label + (" " + values).fillna("")  # the transaction's type (Xero's "Payable Invoice") tells a bill from its payment
    numbered = label + np.where(occurrence != "0", " #" + (occurrence.astype(int) + 1).astype(str), "")
    vouchers = pd.Series(pd.NA, index=out.index, dtype="string")
    vouchers[all_paired & dated] = numbered[all_paired & dated]
    vouchers[~all_paired & dated] = label[~all_paired & dated]  # unbalanced: still the lines of one transaction
    return _distinct_names(vouchers, pair.where(all_paired, key))


def _distinct_names(names: pd.Series, groups: pd.Series) -> pd.Series:
    """`names` made unique per group: a name two groups share gets the group's number after it."""
    shown = names.dropna()
    per_name = pd.DataFrame({"name": shown, "group": groups[shown.index]}).drop_duplicates()
    shared = per_name["name"].duplicated(keep=False)
    if not shared.any():
        return names
    number = pd.Series(pd.factorize(groups)[0], index=groups.index).astype("string")
    clash = names.isin(per_name.loc[shared, "name"])
    return names.where(~clash, names + " (" + number + ")")


def _money(column: pd.Series) -> bool:
    """A column of amounts (Xero's Gross and GST): most filled cells are numbers with decimals."""
    cells = column.astype("string").str.strip().replace("", pd.NA).dropna().head(5000)
    return bool(len(cells)) and float(cells.str.fullmatch(r"-?[\d,. ]*\d[.,]\d{2}").mean()) > 0.5
