"""Which source column feeds which canonical field: the user's mapping, then the header's meaning confirmed by
the cells, then the cells alone where the headers say nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_match import exact_field, fields_for, header_key, means_something, tokens
from anomaly_pipeline.ingest.statement_rows import is_balance_header
from anomaly_pipeline.ingest.values import DATE_LIKE, parse_amounts, parse_dates
from anomaly_pipeline.ingest.vocabulary import (
    DIMENSION_HEADERS,
    DIMENSION_WORDS,
    GENERAL_LEDGER_HEADERS,
    GENERAL_LEDGER_WORDS,
    NO_FIELD_HEADERS,
    SERIES_HEADERS,
    SYNONYMS,
    VOUCHER_IF_GROUPED,
)

CANONICAL_FIELDS = tuple(SYNONYMS)

# how a field was found, as the mapping report says it
BY_USER, BY_HEADER, BY_WORDS, BY_CONTENT = "user mapping", "header", "header words", "inferred from content"

_POSTING_HINTS = ("post", "book", "buch", "bokf", "boek", "journal", "accounting", "comptable", "contable", "contab",
                  "ksieg", "reskontra", "completed", "ecriture")
_MOST = 0.5  # "most rows": more than half of the rows where both values are present
_NEARLY_ALL = 0.9  # a date column that only its cells name a registration date: on or after the posting date
_EXCLUSIVE = 0.8  # debit/credit columns: at most one of the two filled on this share of rows


@dataclass
class Mapping:
    """Which source column feeds which canonical field, how each was found, and how amounts are signed."""

    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> source header
    debit_is_money_out: bool = False  # bank statements: a "debit" column holds withdrawals
    balance_columns: list[str] = field(default_factory=list)  # running balances: never an amount
    notes: list[str] = field(default_factory=list)  # decisions a reviewer should see
    how: dict[str, str] = field(default_factory=dict)  # canonical field -> BY_USER / BY_HEADER / BY_WORDS / BY_CONTENT
    secondary: set[str] = field(default_factory=set)  # fields read from a secondary column (an original amount)
    dimensions: list[str] = field(default_factory=list)  # department, cost centre, project columns -> `dimensions`
    series: str | None = None  # the journal / voucher series column (FEC's JournalCode)
    contra: str | None = None  # the account credited where each row names two (debit and credit account)

    def use(self, canon: str, column: str, how: str) -> None:
        self.columns[canon] = column
        self.how[canon] = how

    def drop(self, canon: str) -> None:
        self.columns.pop(canon, None)
        self.how.pop(canon, None)
        self.secondary.discard(canon)

    def describe(self) -> dict:
        return {"columns": dict(self.columns), "how": dict(self.how), "debit_is_money_out": self.debit_is_money_out,
                "balance_columns": list(self.balance_columns), "dimension_columns": list(self.dimensions),
                "series_column": self.series, "contra_account_column": self.contra, "notes": list(self.notes)}


@dataclass(order=True)
class _Candidate:
    preference: float
    position: int
    canon: str = field(compare=False)
    column: str = field(compare=False)
    how: str = field(compare=False)
    secondary: bool = field(default=False, compare=False)


def map_columns(table: pd.DataFrame, override: dict[str, str] | None = None) -> Mapping:
    """Decide which header feeds which canonical field.

    A user mapping wins; then whole-header synonyms, then the header's words (`header_match`), each confirmed by
    the column's cells; then content alone (a date column's companion registration date, a lone signed decimal
    column as the amount, a ledger's column of recurring account codes as the account). Running-balance columns
    are never mapped; when several headers name the posting date, a booking / posting date wins over a
    transaction date; when several name the account, the general ledger's wins over a customer's or supplier's.
    """
    mapping = Mapping()
    used: set[str] = set()
    for canon, header in (override or {}).items():
        if canon not in CANONICAL_FIELDS:
            raise RejectedFile(f"the mapping names unknown field {canon!r} (known: {', '.join(CANONICAL_FIELDS)})")
        if header not in table.columns:
            raise RejectedFile(f"the mapping names column {header!r}, which is not in the file")
        mapping.use(canon, header, BY_USER)
        used.add(header)
    candidates = _candidates(table, mapping, used)
    for candidate in sorted(candidates):
        if candidate.canon in mapping.columns or candidate.column in used:
            continue
        mapping.use(candidate.canon, candidate.column, candidate.how)
        if candidate.secondary:
            mapping.secondary.add(candidate.canon)
        used.add(candidate.column)
    _sub_ledger_account(table, mapping, candidates, used)
    _two_account_rows(table, mapping, used)
    _exclusive_debit_credit(table, mapping, candidates, used)
    _currency_of_the_amount(mapping, used)
    _date_roles(table, mapping, used)
    _infer_amount(table, mapping, used)
    mapping.dimensions = [str(c) for c in table.columns if c not in set(mapping.columns.values())
                          and c not in mapping.balance_columns and _names_a_dimension(c)]
    _infer_account(table, mapping, used)
    return mapping


def _names_a_dimension(header: object) -> bool:
    """A department, cost-centre or project header ("Avdeling", "Kostnadsställe", "Cost Center", "Project no")."""
    return header_key(header) in DIMENSION_HEADERS or bool(set(tokens(str(header))) & DIMENSION_WORDS)


def _candidates(table: pd.DataFrame, mapping: Mapping, used: set[str]) -> list[_Candidate]:
    """Every (field, column) reading the headers allow and the cells confirm, with its preference."""
    found: list[_Candidate] = []
    for pos, col in enumerate(table.columns):
        if col in used:
            continue
        key = header_key(col)
        if key in NO_FIELD_HEADERS:
            continue
        if key in SERIES_HEADERS:
            if mapping.series is None:
                mapping.series = col
                used.add(col)
            continue
        canon = exact_field(col)
        if canon is None and is_balance_header(key):
            mapping.balance_columns.append(col)
            continue
        options, how = ([(canon, 0)], BY_HEADER) if canon else (fields_for(col), BY_WORDS)
        if not options and (prefixed := _prefix_match(key)):
            options, how = [(prefixed, 0)], BY_HEADER
        for i, (option, rank) in enumerate(options):
            if option == "voucher_id" and key in VOUCHER_IF_GROUPED and not _groups_rows(table[col]):
                continue
            preference = 0.0 if option != "posting_date" or any(p in key for p in _POSTING_HINTS) else 1.0
            preference += (0.25 if how == BY_WORDS else 0.0) + 0.5 * rank
            if option == "account" and not _names_general_ledger(col):
                preference += 0.3
            if _content_fits(option, table[col]) and (how != BY_WORDS or _plausible(option, table[col])):
                found.append(_Candidate(preference, pos, option, col, how, secondary=bool(rank)))
                break
            if how != BY_HEADER or i:
                continue
            alternative = _content_alternative(option, table[col])
            if alternative is not None:
                found.append(_Candidate(preference, pos, alternative, col, how))
            elif option in ("posting_date", "amount"):
                # a 'Date' / 'Amount' header over unreadable cells is kept last, so the row policy can say why
                found.append(_Candidate(2.0, pos, option, col, how))
    return found


def _names_general_ledger(header: object) -> bool:
    """A header naming the general ledger's account ("N/C", "Nominal Code", "GL Account", "Sachkonto")."""
    return header_key(header) in GENERAL_LEDGER_HEADERS or bool(set(tokens(str(header))) & GENERAL_LEDGER_WORDS)


def _groups_rows(column: pd.Series) -> bool:
    """Whether a column's values are shared by several rows each (a voucher number), not one per row."""
    sample = _present_head(column, _SAMPLE_ROWS)
    return len(sample) >= 2 and sample.nunique() <= 0.8 * len(sample)


def _sub_ledger_account(table: pd.DataFrame, mapping: Mapping, candidates: list[_Candidate],
                        used: set[str]) -> None:
    """An account column that is not the general ledger's holds a customer's, supplier's or bank's account
    (Sage's "A/C"): beside a column naming the general ledger ("N/C"), or, in a ledger (a voucher column), when
    it is blank on dated rows (a ledger line always has an account; journals have no customer). It is read as
    the counterparty where no column names one, and the account is looked for elsewhere."""
    cols = mapping.columns
    account = cols.get("account")
    if account is None or mapping.how["account"] == BY_USER:
        return
    if _names_general_ledger(account):
        other = next((c.column for c in sorted(candidates) if c.canon == "account" and c.column not in used
                      and not _names_general_ledger(c.column)), None)
        if other is None:
            return
        why = f"{account!r} names the general ledger's account"
    elif "voucher_id" in cols and "posting_date" in cols and (blank := _blank_on_dated_rows(table, account, cols)):
        other, why = account, f"it is blank on {blank} dated rows, and a ledger line always has an account"
        mapping.drop("account")
        used.discard(account)
    else:
        return
    if "counterparty" in cols:
        mapping.notes.append(f"{other!r} is not taken as the account: {why}")
        return
    mapping.use("counterparty", other, BY_HEADER)
    used.add(other)
    mapping.notes.append(f"{other!r} is taken as the counterparty (a customer's, supplier's or bank's account), "
                         f"not the account: {why}")


def _blank_on_dated_rows(table: pd.DataFrame, column: str, cols: dict[str, str]) -> int:
    head = table.head(_SAMPLE_ROWS)
    dated = head[cols["posting_date"]].astype("string").str.strip().replace("", pd.NA).notna()
    blank = head[column].astype("string").str.strip().replace("", pd.NA).isna()
    return int((dated & blank).sum())


def _prefix_match(key: str) -> str | None:
    if key.endswith(("currency", "currencycode", "ccy")):
        return "currency"  # "amount.currency" in flattened JSON
    for prefix, canon in (("amount", "amount"), ("betrag", "amount"), ("belopp", "amount"), ("debit", "debit"),
                          ("credit", "credit"), ("description", "description"), ("omschrijving", "description"),
                          ("vwz", "description"), ("date", "posting_date")):
        if key.startswith(prefix):
            return canon
    return None


def _content_fits(canon: str, column: pd.Series) -> bool:
    sample = _present_head(column, 200)
    if sample.empty:
        return canon not in ("posting_date", "amount")
    if canon in ("posting_date", "value_date", "registration_date"):
        return bool(sample.str.match(DATE_LIKE).mean() >= 0.5) or pd.api.types.is_datetime64_any_dtype(column)
    if canon in ("amount", "debit", "credit"):
        return bool(parse_amounts(sample)[0].notna().mean() >= 0.5)
    if canon == "currency":
        return bool(sample.str.fullmatch(r"[A-Za-z]{3}").mean() >= 0.8)
    if canon == "voucher_type":
        return _names_kinds(sample)
    return True


def _names_kinds(sample: pd.Series) -> bool:
    """A voucher type column holds a few recurring names or codes ("Bill", "Journal Entry", "SI", "A"), not dates,
    amounts or one value per row."""
    distinct = sample.nunique()
    return (distinct <= _MAX_KINDS and (len(sample) < 4 or distinct <= len(sample) // 2)
            and not sample.str.match(DATE_LIKE).mean() >= 0.5
            and not sample.str.fullmatch(r"[-+]?[\d\s.,']*[.,]\d{2}").mean() >= 0.5)


_MAX_KINDS = 40


def _present_head(column: pd.Series, count: int) -> pd.Series:
    """The first `count` non-blank cells, stripped: read from a growing head of the column, not all of it."""
    size = count
    while True:
        present = column.iloc[:size].astype("string").str.strip().replace("", pd.NA).dropna()
        if len(present) >= count or size >= len(column):
            return present.head(count)
        size *= 16


_LONG_INTEGER = r"[-+]?\d{9,}"


def _plausible(canon: str, column: pd.Series) -> bool:
    """What header words alone suggest is checked harder: money is not a column of long integers (card and
    account numbers, IDs)."""
    if canon not in ("amount", "debit", "credit"):
        return True
    sample = _present_head(column, 200).str.replace(r"[\s_']", "", regex=True)
    return bool(sample.str.fullmatch(_LONG_INTEGER).mean() < 0.5) if len(sample) else True


def _currency_of_the_amount(mapping: Mapping, used: set[str]) -> None:
    """A currency column read as secondary ('Original currency') is not the currency of a primary amount."""
    if "currency" in mapping.secondary and not ({"amount", "debit", "credit"} & mapping.secondary):
        column = mapping.columns["currency"]
        mapping.drop("currency")
        used.discard(column)
        mapping.notes.append(f"{column!r} is the currency of the original amount, not of the amount loaded")


def _content_alternative(canon: str, column: pd.Series) -> str | None:
    """A header that misleads (Dutch/Swedish 'valuta' is a currency, German 'Valuta' a date): trust content."""
    if canon == "value_date" and _content_fits("currency", column):
        return "currency"
    if canon == "currency" and _content_fits("value_date", column):
        return "value_date"
    return None


def _mostly_dates(column: pd.Series) -> bool:
    return parse_dates(column.head(200))[0].notna().mean() >= 0.8


# ---------------------------------------------------------------- content decides


_SAMPLE_ROWS = 5000


def _exclusive_debit_credit(table: pd.DataFrame, mapping: Mapping, candidates: list[_Candidate],
                            used: set[str]) -> None:
    """Debit and credit columns of one statement are filled alternately: on most rows at most one of them.
    When the chosen pair is not, another pair the headers allow that is (gross vs net columns) replaces it."""
    cols = mapping.columns
    if not ({"debit", "credit"} <= cols.keys()) or BY_USER in (mapping.how["debit"], mapping.how["credit"]):
        return
    if _exclusive(table, cols["debit"], cols["credit"]):
        _debit_credit_over_amount(mapping)
        return
    debits = [c.column for c in sorted(candidates) if c.canon == "debit"]
    credits = [c.column for c in sorted(candidates) if c.canon == "credit"]
    free = set(table.columns) - used | {cols["debit"], cols["credit"]}
    for debit in (d for d in debits if d in free):
        for credit in (c for c in credits if c in free and c != debit):
            if _exclusive(table, debit, credit):
                mapping.notes.append(f"debit/credit columns {debit!r}/{credit!r} chosen: they are filled "
                                     f"alternately (not {cols['debit']!r}/{cols['credit']!r})")
                used -= {cols["debit"], cols["credit"]}
                mapping.use("debit", debit, mapping.how["debit"])
                mapping.use("credit", credit, mapping.how["credit"])
                used |= {debit, credit}
                _debit_credit_over_amount(mapping)
                return
    mapping.notes.append(f"debit {cols['debit']!r} and credit {cols['credit']!r} are both filled on more than "
                         f"{1 - _EXCLUSIVE:.0%} of rows: each row's amount is debit minus credit")


# header words naming the other account of a booking ("Gegenkonto", "Motkonto", "Contra account")
_CONTRA_WORDS = frozenset(("counter", "contra", "offset", "gegen", "gegenkonto", "mot", "motkonto", "modkonto",
                           "tegen", "tegenrekening", "contrepartie", "contrapartida", "contropartita"))
_CODE = r"[A-Za-z]{0,3}\d[\dA-Za-z.:-]{0,14}"
_MONEY = r"-?\d+[.,]\d{2}|0+"


def _two_account_rows(table: pd.DataFrame, mapping: Mapping, used: set[str]) -> None:
    """A journal whose every row books one amount between two accounts: "Debit account" / "Credit account"
    columns beside the amount (read as debit and credit amounts by their headers, but holding account codes), or
    an account with a contra account ("Gegenkonto", "Motkonto"). The two columns' codes are one chart's: they
    share codes. Each row is then two lines (`Mapping.contra`): the amount to the first account, its negation to
    the contra account. A bank statement's counterparty account (an IBAN no row books to) shares no codes."""
    cols = mapping.columns
    if ({"debit", "credit", "amount"} <= cols.keys() and mapping.how.get("account") != BY_USER
            and BY_USER not in (mapping.how["debit"], mapping.how["credit"])):
        debit, credit = cols["debit"], cols["credit"]
        if _same_chart(table[debit], table[credit]):
            mapping.drop("debit")
            mapping.drop("credit")
            if "account" in cols:  # a column the headers took for the account: the debit account is
                used.discard(cols["account"])
                mapping.drop("account")
            mapping.use("account", debit, BY_CONTENT)
            mapping.contra = credit
            mapping.notes.append(f"{debit!r} and {credit!r} hold account codes, not amounts: each row is two "
                                 f"lines, {cols['amount']!r} debited to the first and credited to the second")
            return
    if "account" not in cols or "amount" not in cols and "debit" not in cols:
        return
    for column in table.columns:
        if column in used or not (set(tokens(str(column))) & _CONTRA_WORDS or header_key(column) in _CONTRA_WORDS):
            continue
        if _same_chart(table[cols["account"]], table[column]):
            mapping.contra = column
            used.add(column)
            mapping.notes.append(f"{column!r} is the contra account of {cols['account']!r}: each row is two lines, "
                                 "the amount to the account and its negation to the contra account")
            return


def _same_chart(first: pd.Series, second: pd.Series) -> bool:
    """Both columns hold account codes (filled on most rows, no money amounts) and share some of them."""
    codes = []
    for column in (first, second):
        cells = column.head(_SAMPLE_ROWS).astype("string").str.strip().replace("", pd.NA).dropna()
        if len(cells) < _MOST * min(len(column), _SAMPLE_ROWS) or cells.str.fullmatch(_MONEY).any() or not bool(
                cells.str.fullmatch(_CODE).all()):
            return False
        codes.append(set(cells))
    shared = codes[0] & codes[1]
    return bool(shared) and len(shared) >= 0.2 * min(len(codes[0]), len(codes[1]))


def _debit_credit_over_amount(mapping: Mapping) -> None:
    """Debit and credit columns filled alternately are each line's amount; an amount column beside them (a
    general ledger report's "Gross": the transaction's total with its tax) is not read as the line's."""
    if "amount" in mapping.columns and mapping.how["amount"] != BY_USER:
        mapping.notes.append(f"{mapping.columns['amount']!r} is not read as the amount: the debit and credit "
                             f"columns {mapping.columns['debit']!r}/{mapping.columns['credit']!r} are the lines' amounts")
        mapping.drop("amount")


def _exclusive(table: pd.DataFrame, debit: str, credit: str) -> bool:
    head = table.head(_SAMPLE_ROWS)
    d = parse_amounts(head[debit])[0].fillna(0.0).to_numpy() != 0
    c = parse_amounts(head[credit])[0].fillna(0.0).to_numpy() != 0
    return bool((~(d & c)).mean() >= _EXCLUSIVE)


def _registration_share(table: pd.DataFrame, column: str, posting: str) -> tuple[float, str]:
    """How well `column` fits a registration date beside `posting`: the share of rows (both dates present)
    where it is on or after the posting date, and why it does not fit when it does not. A column that falls
    before the posting date on more rows than after it records when a transaction was started or ordered (a
    card payment's "Started Date" before its booking), not when it was registered: its share counts as 0."""
    head = table.head(_SAMPLE_ROWS)
    registered = parse_dates(head[column])[0].dt.normalize()
    posted = parse_dates(head[posting])[0].dt.normalize()
    both = registered.notna() & posted.notna()
    if not both.any():
        return 0.0, "no row has both dates"
    registered, posted = registered[both], posted[both]
    before, after = int((registered < posted).sum()), int((registered > posted).sum())
    if before > after:
        return 0.0, (f"it falls before the posting date on {before} rows and after it on {after}: a start or "
                     "order date, not a registration date")
    share = float((registered >= posted).mean())
    return share, f"it is on or after the posting date on only {share:.0%} of rows"


def _date_roles(table: pd.DataFrame, mapping: Mapping, used: set[str]) -> None:
    """Posting vs registration date. A registration date read from its header must be on or after the
    posting date on most rows (and after it more often than before); without a posting-date column it is the
    posting date; without a registration header, a further date column on or after the posting date on most
    rows is the registration date."""
    cols = mapping.columns
    if "posting_date" not in cols and "value_date" not in cols:
        if "registration_date" in cols:
            column = cols["registration_date"]
            mapping.drop("registration_date")
            mapping.use("posting_date", column, BY_WORDS)
            mapping.notes.append(f"no posting date column: {column!r} (a creation/registration date) is used as "
                                 "the posting date")
        else:
            for col in table.columns:
                if col in used or col in mapping.balance_columns:
                    continue
                if _content_fits("posting_date", table[col]) and _mostly_dates(table[col]):
                    mapping.use("posting_date", col, BY_CONTENT)
                    used.add(col)
                    break
    posting = cols.get("posting_date")
    if posting is None:
        return
    if mapping.how.get("registration_date") in (BY_HEADER, BY_WORDS):
        column = cols["registration_date"]
        share, why_not = _registration_share(table, column, posting)
        if share <= _MOST:
            mapping.drop("registration_date")
            used.discard(column)
            mapping.notes.append(f"{column!r} is not taken as the registration date: {why_not}")
        return
    if "registration_date" in cols:
        return
    for col in table.columns:
        if col in used or col in mapping.balance_columns or means_something(col):
            continue
        if not (_content_fits("registration_date", table[col]) and _mostly_dates(table[col])):
            continue
        share, _ = _registration_share(table, col, posting)
        if share >= _NEARLY_ALL:
            mapping.use("registration_date", col, BY_CONTENT)
            used.add(col)
            mapping.notes.append(f"{col!r} is taken as the registration date: a date on or after the posting date "
                                 f"on {share:.0%} of rows")
            return


def _infer_amount(table: pd.DataFrame, mapping: Mapping, used: set[str]) -> None:
    """With a date and no amount header, the one column of signed decimal numbers is the amount."""
    cols = mapping.columns
    if "posting_date" not in cols or {"amount", "debit", "credit"} & cols.keys():
        return
    found = [col for col in table.columns
             if col not in used and col not in mapping.balance_columns and _signed_decimals(table[col])]
    if len(found) == 1:
        mapping.use("amount", found[0], BY_CONTENT)
        used.add(found[0])
        mapping.notes.append(f"{found[0]!r} is taken as the amount: the only column of signed decimal numbers")
    elif found:
        mapping.notes.append(f"no amount header, and {len(found)} columns of signed decimal numbers "
                             f"({', '.join(map(repr, found[:5]))}): none is taken as the amount")
    else:
        mapping.notes.append("no amount header, and no column of signed decimal numbers to take as the amount")


_ACCOUNT_CODE = r"[A-Za-z]{0,4}[-.]?\d{3,8}"


def _infer_account(table: pd.DataFrame, mapping: Mapping, used: set[str]) -> None:
    """A ledger (a voucher column) whose headers name no account: the one unnamed column of recurring account
    codes that differ between a voucher's lines is the account."""
    cols = mapping.columns
    if "account" in cols or "account_name" in cols or "voucher_id" not in cols:
        return
    head = table.head(_SAMPLE_ROWS)
    vouchers = head[cols["voucher_id"]].astype("string").str.strip()
    found = [col for col in table.columns
             if col not in used and col not in mapping.balance_columns and col not in mapping.dimensions
             and not means_something(col) and _account_codes(head[col], vouchers)]
    if len(found) == 1:
        mapping.use("account", found[0], BY_CONTENT)
        used.add(found[0])
        mapping.notes.append(f"{found[0]!r} is taken as the account: recurring account codes that differ between "
                             "a voucher's lines")


def _account_codes(column: pd.Series, vouchers: pd.Series) -> bool:
    """Codes on nearly every row, shaped like account numbers, each recurring, and at least two per voucher."""
    codes = column.astype("string").str.strip().replace("", pd.NA)
    present = codes.notna()
    if present.mean() < 0.95 or not codes[present].str.fullmatch(_ACCOUNT_CODE).all():
        return False
    distinct = codes.nunique()
    if distinct < 3 or distinct > present.sum() / 3:
        return False
    per_voucher = pd.DataFrame({"voucher": vouchers, "code": codes}).dropna().groupby("voucher")["code"]
    lines, kinds = per_voucher.size(), per_voucher.nunique()
    multi = lines >= 2
    return bool(multi.sum() >= 2 and (kinds[multi] >= 2).mean() >= 0.8)


def _signed_decimals(column: pd.Series) -> bool:
    sample = _present_head(column, 500)
    if len(sample) < 2 or sample.str.match(DATE_LIKE).mean() > 0.5:
        return False
    numbers = parse_amounts(sample)[0]
    if numbers.notna().mean() < 0.95:
        return False
    numbers = numbers.dropna().to_numpy()
    fractional = np.abs(numbers - np.round(numbers)) > 1e-9
    return bool((numbers < 0).any() and (numbers > 0).any() and fractional.any())
