"""Bank-statement semantics recognised by content: direction flags, balance columns, balance/summary rows.

Statements often write an unsigned amount plus a flag column (D/K, CR, inflow/outflow, Af/Bij) and
interleave opening/turnover/closing balance rows with the transactions. Neither is visible from the
amount column alone, so both are recognised here from the cells, column-wise.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from anomaly_pipeline.ingest.arrow_text import any_match, arrow_text, mask

# Flag tokens (after `_token`: accents removed, upper case, no spaces/punctuation) -> +1 credit / money in,
# -1 debit / money out. "C"/"K"/"H" are credit in English/Baltic-Slavic/German (Haben), "D"/"S" debit (Soll).
DIRECTION_TOKENS: dict[str, int] = {
    **dict.fromkeys(("C", "CR", "CREDIT", "K", "KR", "KREDIT", "H", "HABEN", "INFLOW", "IN", "BIJ", "BEVETEL",
                     "JOVAIRAS", "ABONO", "HABER", "CREDITO", "DEPOSIT", "INCOMING", "MONEYIN", "PLUS",
                     "INSATTNING", "CRDT", "+"), 1),
    **dict.fromkeys(("D", "DR", "DEBIT", "DEBET", "S", "SOLL", "OUTFLOW", "OUT", "AF", "KIADAS", "TERHELES",
                     "CARGO", "DEBE", "DEBITO", "WITHDRAWAL", "OUTGOING", "MONEYOUT", "MINUS", "UTTAG", "DBIT",
                     "-"), -1),
}
# Tokens whose meaning is "debit"/"credit" (accounting side) rather than "money in"/"money out".
_SIDE_TOKENS = {"C", "CR", "CREDIT", "K", "KR", "KREDIT", "H", "HABEN", "ABONO", "HABER", "CREDITO", "CRDT",
                "D", "DR", "DEBIT", "DEBET", "S", "SOLL", "CARGO", "DEBE", "DEBITO", "DBIT"}
_DIRECTION_HEADER_HINTS = ("dk", "cd", "dc", "crdr", "drcr", "debitcredit", "creditdebit", "sollhaben",
                           "afbij", "inout", "direction", "bevetelkiadas", "richting", "kz", "indicator")
_SIGN_HEADER_HINTS = ("sign", "vorzeichen", "tecken", "signe", "signo", "fortegn", "znak")

# Header fragments of running-balance columns: never an amount.
BALANCE_HEADER_PARTS = ("balance", "saldo", "kontostand", "solde", "egyenleg", "zustatek", "stanrachunku",
                        "kontosaldo", "runningtotal")

_BALANCE_ROW = re.compile(
    r"""^\s*(?:
        (?:opening|closing|starting|ending|start|end|final|initial|beginning|new|old|previous|available|booked
           |ledger|current)\s+balance(?:\s+.*)?
      | balance\s+(?:brought|carried)\s+forward | balance\s+[bc]/f | balance\s+(?:at|as\s+of|on|per)\s+.*
      | turnover | turnovers | total(?:s)? | grand\s+total | total\s+(?:debits?|credits?|turnover)
      | (?:anfangs|end|schluss|start)saldo(?:\s+.*)? | (?:alter|neuer)\s+kontostand(?:\s+.*)? | kontostand(?:\s+.*)?
      | summe | umsatzsumme | gesamt(?:summe)?
      | (?:ingaende|utgaende)\s+saldo(?:\s+.*)? | (?:ingaende|utgaende)\s+balans | omsattning
      | (?:begin|eind)saldo(?:\s+.*)? | totaal
      | solde\s+(?:initial|final|precedent|de\s+cloture|d'ouverture|au\s+.*|ancien|nouveau)
      | (?:ancien|nouveau)\s+solde(?:\s+.*)?
      | saldo\s+(?:inicial|final|anterior|al\s+.*|iniziale|finale|apertura|chiusura|precedente)
      | pocatecni\s+zustatek | konecny\s+zustatek | nyito\s+egyenleg | zaro\s+egyenleg
      | apyvarta | pradinis\s+likutis | galutinis\s+likutis
    )\s*:?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


_BALANCE_WORDS = re.compile(
    r"balance|saldo|solde|turnover|total|summ|gesamt|kontostand|oms|apyvarta|likutis|zustatek|egyenleg|totaal",
    re.IGNORECASE,
)


def _ascii(text: pd.Series) -> pd.Series:
    """Accents removed; computed once per distinct value (flag and label columns repeat a few values)."""
    uniques = text.dropna().unique()
    table = {u: unicodedata.normalize("NFKD", u).encode("ascii", "ignore").decode() for u in uniques}
    return text.map(table, na_action="ignore")


def _token(column: pd.Series) -> pd.Series:
    text = _ascii(column.astype("string").str.strip()).astype("string").str.upper()
    return text.str.replace(r"[^A-Z+\-]", "", regex=True)


def is_balance_header(key: str) -> bool:
    """`key` is a `header_key`; true for running-balance headers like 'Saldo na trn', 'Balance CHF'."""
    return any(part in key for part in BALANCE_HEADER_PARTS)


def find_direction_column(table: pd.DataFrame, candidates: list[str], keys: dict[str, str]) -> str | None:
    """The column whose non-empty cells are all direction flags (D/K, CR, inflow/outflow...), if any."""
    found: list[tuple[int, int, str]] = []
    for col in candidates:
        if not _token(table[col].head(500)).replace("", pd.NA).dropna().isin(DIRECTION_TOKENS.keys()).all():
            continue  # the first rows already disprove it: spare the whole column
        tokens = _token(table[col]).replace("", pd.NA).dropna()
        if tokens.empty or not tokens.isin(DIRECTION_TOKENS.keys()).all():
            continue
        hinted = int(any(h in keys[col] for h in _DIRECTION_HEADER_HINTS) or keys[col] == "")
        if tokens.isin(("+", "-")).all() and not any(h in keys[col] for h in _SIGN_HEADER_HINTS):
            continue  # a column of bare "+"/"-" is a sign only when its header says so ("Vorzeichen")
        found.append((hinted, tokens.nunique(), col))
    if not found:
        return None
    return max(found, key=lambda t: (t[0], t[1]))[2]


def apply_direction(amount: pd.Series, flags: pd.Series, bank_like: bool) -> tuple[pd.Series, dict]:
    """Sign `amount` by the flag column.

    Bank statements: credit / inflow = money in = positive, debit / outflow negative. Ledgers (many
    accounts): debit positive, credit negative. A flag column that only ever marks one side ("CR" next to
    credits) means the blank rows are the other side; with both sides present a blank row keeps its sign.
    """
    tokens = _token(flags).replace("", pd.NA)
    money_in = tokens.map(DIRECTION_TOKENS, na_action="ignore").astype("float64")
    present = money_in.dropna()
    sides = set(tokens.dropna().unique())
    if present.nunique() == 1:
        money_in = money_in.fillna(-present.iloc[0])
    if not bank_like and sides and sides <= _SIDE_TOKENS:
        money_in = -money_in  # ledger: debit positive
    info = {"flags": sorted(str(s) for s in sides)}
    both = amount.notna() & money_in.notna() & (amount != 0)
    if (amount < 0).any() and both.any():
        agree = float((np.sign(amount[both]) == money_in[both]).mean())
        if agree >= 0.9:  # amounts already signed and the flag confirms them: keep each row's own sign
            info["agreement"] = round(agree, 3)
            return amount, info
    signed = amount.abs() * money_in
    return signed.where(money_in.notna(), amount), info


def balance_rows(table: pd.DataFrame, text_columns: list[str]) -> pd.Series:
    """The label ('Opening balance', 'Turnover', 'Closing balance', 'Total') of each balance/summary row,
    <NA> for transaction rows."""
    found = pd.Series(pd.NA, index=table.index, dtype="string")
    for col in text_columns:
        text = table[col].astype("string")
        candidates = _has_balance_word(text) & found.isna().to_numpy()  # cheap filter first
        if not candidates.any():
            continue
        text = text[candidates].str.strip()
        labels = _ascii(text).astype("string").str.lower()
        hits = labels.index[labels.str.match(_BALANCE_ROW, na=False).to_numpy(dtype=bool)]
        found[hits] = text[hits]
    return found


def _has_balance_word(text: pd.Series) -> np.ndarray:
    """Which cells hold one of `_BALANCE_WORDS`, case-insensitively (Arrow's regex, as pandas' `str.contains`
    runs it), tried first on the whole column in one search: most columns hold no such word at all."""
    values = arrow_text(text)
    if not any_match(values, _BALANCE_WORDS.pattern, ignore_case=True):
        return np.zeros(len(values), dtype=bool)
    return mask(pc.match_substring_regex(values, _BALANCE_WORDS.pattern, ignore_case=True))
