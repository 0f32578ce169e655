"""What an account is for, read from the ledger itself (its name and how it is used) rather than from one
country's chart of accounts: revenue is 3xxx in the Swedish BAS chart, 8xxx in the German SKR03, 4xxx in
SKR04 and in many UK nominal ledgers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import as_string
from anomaly_pipeline.detect.shared import SharedWork

#: words naming revenue, in the languages of the exports we read (whole words, casefolded)
REVENUE_WORDS = (
    "sales", "sale", "revenue", "revenues", "income", "turnover", "fee", "fees", "takings",
    "erlös", "erlöse", "erloese", "umsatzerlöse", "försäljning", "intäkt", "intäkter", "omsättning",
    "omsætning", "salg", "salgsinntekt", "salgsinntekter", "inntekt", "inntekter", "myynti", "tuotot",
    "ventes", "vente", "produits", "ricavi", "vendite", "ingresos", "ventas", "omzet", "opbrengst", "opbrengsten",
)
#: words that make a name about something else: taxes on sales, their cost, receivables, discounts
OTHER_WORDS = (
    "payable", "liability", "liabilities", "output", "input", "receivable", "receivables", "debtors",
    "cost", "costs", "purchase", "purchases", "discount", "discounts", "returns", "accrued", "deferred",
    "umsatzsteuer", "vorsteuer", "wareneingang", "einkauf", "aufwand", "aufwendungen",
    "utgående", "utg", "ingående", "ing", "kostnad", "kostnader", "inköp", "fordran", "fordringar", "rabatt",
    "rabatter", "upplupna", "förutbetalda",
)
OTHER_PHRASES = ("sales tax", "tax on sales", "vat on sales", "cost of sales", "cost of goods")
_WORD = re.compile(r"[^\W\d_]+")


def names_revenue(names: pd.Series) -> np.ndarray:
    """Per name: whether it reads as a revenue account ('Sales 25% VAT', 'Erlöse 19 % USt', 'Försäljning',
    'Fee income'), not a tax, cost or receivable on sales ('Output VAT', 'Cost of sales', 'Umsatzsteuer')."""
    folded = names.astype("string").fillna("").str.casefold().tolist()  # an account's name, not a row's
    words = [set(_WORD.findall(name)) for name in folded]
    revenue = np.array([not w.isdisjoint(REVENUE_WORDS) for w in words], dtype=bool)
    other = np.array([not w.isdisjoint(OTHER_WORDS) or any(p in name for p in OTHER_PHRASES)
                      for w, name in zip(words, folded, strict=True)], dtype=bool)
    return revenue & ~other


def revenue_accounts(transactions: pd.DataFrame, shared: SharedWork) -> tuple[np.ndarray, list[str]]:
    """(per row: the account is a revenue account, the revenue accounts) by the accounts' names where the
    ledger names them, kept only where the account is credited on balance over the ledger (revenue is a
    credit). Empty where no name reads as revenue: the caller falls back on its configured prefixes."""
    none = np.zeros(len(transactions), dtype=bool)
    if "account_name" not in transactions:
        return none, []
    account, accounts = shared.encode("account", as_string)
    name, names = shared.encode("account_name", as_string)
    both = (account >= 0) & (name >= 0)
    if not both.any():
        return none, []
    # an account's name: its most frequent one (names per line may vary in spelling or be blank)
    counts = pd.DataFrame({"account": account[both], "name": name[both]}).groupby(["account", "name"]).size()
    top = counts.reset_index().sort_values(0, ascending=False, kind="stable").drop_duplicates("account")
    reads = np.zeros(len(accounts), dtype=bool)
    reads[top["account"].to_numpy()] = names_revenue(names.iloc[top["name"].to_numpy()].reset_index(drop=True))
    named = account >= 0
    net = np.bincount(account[named], weights=transactions["amount"].fillna(0).to_numpy(dtype="float64")[named],
                      minlength=len(accounts))
    revenue = reads & (net < 0)
    per_row = np.where(named, revenue[np.maximum(account, 0)], False)
    return per_row, sorted(accounts[revenue].tolist())


def credited_accounts(transactions: pd.DataFrame, shared: SharedWork, min_lines: int = 20,
                      credit_share: float = 0.9) -> tuple[np.ndarray, list[str]]:
    """(per row: the account reads as revenue by its use, those accounts) where names do not tell: accounts of
    at least `min_lines` non-zero lines credited on at least `credit_share` of them and debited back by at most
    1 - `credit_share` of what they were credited, as sales accounts are (credited on every sale, debited only
    by the odd credit note). A card, the VAT or a supplier is credited line by line too, but paid or settled
    in full."""
    none = np.zeros(len(transactions), dtype=bool)
    account, accounts = shared.encode("account", as_string)
    amount = transactions["amount"].fillna(0).to_numpy(dtype="float64")
    used = (account >= 0) & (amount != 0)
    if not used.any():
        return none, []
    credit = used & (amount < 0)
    lines = np.bincount(account[used], minlength=len(accounts))
    credits = np.bincount(account[credit], minlength=len(accounts))
    credited = np.bincount(account[credit], weights=-amount[credit], minlength=len(accounts))
    debited = np.bincount(account[used & ~credit], weights=amount[used & ~credit], minlength=len(accounts))
    revenue = ((lines >= min_lines) & (credits >= credit_share * np.maximum(lines, 1))
               & (debited <= (1 - credit_share) * credited))
    per_row = np.where(account >= 0, revenue[np.maximum(account, 0)], False)
    return per_row, sorted(accounts[revenue].tolist())


def read_revenue(transactions: pd.DataFrame, shared: SharedWork, by_name: bool = True,
                 by_usage: bool = True) -> tuple[np.ndarray, list[str], str]:
    """(per row: a revenue account, those accounts, how they were read: 'names', 'usage' or '' where neither told)
    by the accounts' names (`revenue_accounts`), else by their use (`credited_accounts`)."""
    if by_name:
        rows, accounts = revenue_accounts(transactions, shared)
        if accounts:
            return rows, accounts, "names"
    if by_usage:
        rows, accounts = credited_accounts(transactions, shared)
        if accounts:
            return rows, accounts, "usage"
    return np.zeros(len(transactions), dtype=bool), [], ""
