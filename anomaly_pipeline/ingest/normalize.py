"""Turn a table of text cells (CSV, Excel, JSON records) into canonical transactions.

Columns are mapped by header synonyms (English, Swedish, German, French, Spanish, Dutch, ...) and
confirmed by content; a user-supplied mapping wins. Values are parsed column-wise: the date format and the
decimal separator are decided from the whole column, never guessed per row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from anomaly_pipeline.ingest.arrow_text import arrow_text, utf8_bytes
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.statement_rows import (
    apply_direction,
    balance_rows,
    find_direction_column,
    is_balance_header,
)

# canonical field -> header synonyms, compared after `header_key` (lowercase, accents and punctuation removed)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "posting_date": (
        "date", "postingdate", "bookingdate", "bookdate", "transactiondate", "journaldate", "entrydate",
        "accountingdate", "datebooked", "dateprocessed", "datum", "buchungstag", "buchungsdatum",
        "bokforingsdatum", "bokforingsdag", "bokfdatum", "transaktionsdatum", "verdatum", "fecha",
        "fechaoperacion", "fechacontable", "dateoperation", "datecomptable", "datedoperation", "boekdatum",
        "boekingsdatum", "transactiedatum", "datumprovedeni", "datumzauctovani", "tranzakciodatuma", "created",
        "dateposted", "datetransacted", "dato", "bokfortdatum", "posted", "valuedateposted",
        "postdate", "completeddate", "transaktionsdag", "reskontradatum", "dataoperacji", "dataksiegowania",
        "datacontabile", "dataoperazione", "datarejestracji", "bokforingsdagen", "bookingdatetime",
    ),
    "value_date": (
        "valuedate", "valutadatum", "valuta", "wertstellung", "valutadag", "rentedatum", "datedevaleur",
        "fechavalor", "datevaleur", "executiondate", "erteknap", "valordatum", "datavaluta", "valutadato", "rentedato", "datawaluty", "valuedatetime",
    ),
    "registration_date": (
        "registrationdate", "regdate", "registreringsdatum", "createddate", "systementrydate", "entrytime",
        "erfassungsdatum", "enteredon", "createdat", "inputdate", "starteddate",
    ),
    "posted_at": ("time", "transactiontime", "tid", "uhrzeit", "heure", "hora", "timestamp", "datetime"),
    "amount": (
        "amount", "netamount", "transactionamount", "belopp", "betrag", "umsatz", "montant", "importe",
        "bedrag", "bedrageur", "amounteur", "amountczk", "amountsek", "amountusd", "amountgbp", "zauctovanacastka",
        "tranzakcioosszege", "sum", "summa", "value", "saldoeffekt", "beloppsek", "transaktionsbelopp",
        "totalamount", "amountchf", "castka", "osszeg", "kwota", "suma", "bedragvaluta", "amountvalue",
        "gross", "grossamount", "transactionamountamount", "importo", "belob", "belop", "belobdkk", "belopnok", "kwotaoperacji",
    ),
    "debit": (
        "debit", "debitamount", "debet", "soll", "sollbetrag", "withdrawal", "withdrawals", "moneyout",
        "paidout", "debe", "cargo", "cargos", "uttag", "debitchf", "debiteur", "debetbedrag", "afschrijving",
        "ausgang", "ausgabe", "utbetalning", "paymentout", "outflow", "dare", "utfrakonto", "uttakkonto", "obciazenia",
    ),
    "credit": (
        "credit", "creditamount", "kredit", "haben", "habenbetrag", "deposit", "deposits", "moneyin", "paidin",
        "haber", "abono", "abonos", "insattning", "creditchf", "crediteur", "creditbedrag", "bijschrijving",
        "eingang", "einnahme", "inbetalning", "paymentin", "inflow", "avere", "innpakonto", "uznania",
    ),
    "account": (
        "account", "accountnumber", "accountno", "accountcode", "accountid", "konto", "kontonr",
        "kontonummer", "kontonr", "compte", "numerocompte", "cuenta", "numerocuenta", "rekening",
        "rekeningnummer", "grootboekrekening", "glaccount", "ledgeraccount", "auftragskonto", "ibanbban",
        "iban", "sachkonto", "glcode", "nominalcode",
    ),
    "account_name": (
        "accountname", "kontonamn", "kontoname", "kontobezeichnung", "libellecompte", "nombrecuenta",
        "rekeningnaam", "accountdescription", "glaccountname", "nazevuctu", "szamlaneve",
    ),
    "currency": (
        "currency", "curr", "ccy", "currencycode", "valutakod", "wahrung", "waehrung", "devise", "moneda",
        "munt", "menaucru", "menauctu", "tranzakciodevizaneme", "isocurrencycode",
    ),
    "description": (
        "description", "text", "memo", "narrative", "details", "bookingtext", "buchungstext",
        "verwendungszweck", "beskrivning", "transaktionstext", "vertext", "libelle", "concepto",
        "omschrijving", "omschrijving1", "paymentreference", "paymentpurpose", "purpose", "reason",
        "message", "zprava", "kozlemeny", "description1", "transactiondescription", "particulars",
        "messageforpayee", "referencetext", "mededeling", "vrijemededeling",
        "tekst", "forklaring", "rubrik", "textmottagare", "descrizione", "opisoperacji", "opis", "tytul", "tytulem", "naamomschrijving", "mededelingen", "causale",
        "transactioninformation", "remittanceinformation", "remittanceinformationunstructured",
        "additionalinformation",
    ),
    "counterparty": (
        "counterparty", "payee", "payer", "partnername", "beguenstigterzahlungspflichtiger",
        "auftraggeberempfanger", "empfanger", "auftraggeber", "naamtegenpartij", "tegenpartij", "motpart",
        "mottagare", "counteraccountname", "nazevprotiuctu", "partnerneve", "name", "merchant",
        "merchantname", "customer", "supplier", "vendor", "beneficiary", "tiers", "beneficiario", "prijemce",
        "protistrana", "nazevprotistrany", "odbiorca", "kontrahent", "creditorname", "debtorname", "avsandare",
        "begunstigterauftraggeber", "nadawcaodbiorca",
    ),
    "voucher_id": (
        "voucher", "voucherid", "vouchernumber", "voucherno", "journalnumber", "journalno", "journalid",
        "journalentry", "entrynumber", "documentnumber", "docno", "verifikation", "verifikationsnummer",
        "vernr", "beleg", "belegnummer", "belegnr", "bilag", "bilagsnummer", "asiento", "numeroasiento",
        "piece", "numeropiece", "boekstuk", "boekstuknummer", "transactionnumber", "jenumber",
    ),
    "line_number": ("line", "linenumber", "lineno", "rad", "radnummer", "zeile", "ligne", "linea", "regel"),
    "user_name": (
        "user", "username", "userid", "createdby", "enteredby", "preparedby", "preparer", "sign", "signatur",
        "benutzer", "bearbeiter", "usuario", "utilisateur", "gebruiker", "anvandare", "postedby",
    ),
    "reference": (
        "reference", "ref", "referencenumber", "transactionid", "transactionreference", "referenz",
        "referens", "referencia", "transactiereferentie", "idtransakce", "id", "checknumber", "zkbreference",
        "megbizasazonosito",
    ),
}

_SYNONYM_INDEX = {syn: canon for canon, syns in SYNONYMS.items() for syn in syns}

DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d", "%Y/%m/%d",
    "%Y.%m.%d.", "%Y.%m.%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y",
    "%d-%m-%Y", "%m-%d-%Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d, %Y", "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f", "%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "ISO8601",  # last: only wins when it reads more values, e.g. a column mixing seconds and fractions
)

_DATE_LIKE = re.compile(r"^\s*(\d{1,4}[-./ ]\d{1,2}[-./ ]\d{1,4}\.?|\d{8}|\d{1,2}[- ][A-Za-z]{3}[- ]\d{2,4}|[A-Za-z]{3} \d{1,2}, \d{4})")
_NUMBER_CHARS = re.compile(r"[^\d,.\-+()]")


def header_key(header: object) -> str:
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass
class Mapping:
    """Which source column feeds which canonical field, and how amounts are signed."""

    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> source header
    debit_is_money_out: bool = False  # bank statements: a "debit" column holds withdrawals
    balance_columns: list[str] = field(default_factory=list)  # running balances: never an amount
    notes: list[str] = field(default_factory=list)  # decisions a reviewer should see

    def describe(self) -> dict:
        return {"columns": dict(self.columns), "debit_is_money_out": self.debit_is_money_out,
                "balance_columns": list(self.balance_columns), "notes": list(self.notes)}


# ---------------------------------------------------------------- value parsing (vectorised)


def parse_dates(values: pd.Series, date_format: str | None = None) -> tuple[pd.Series, str | None]:
    """Parse a column of dates with the one format that fits the most values.

    Native datetimes are kept; numeric columns are Unix seconds / milliseconds or Excel serial days when
    their range says so; text is tried against DATE_FORMATS (an ISO time's UTC offset is dropped: the local
    time as written is the posting time).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        return _plausible(values), "native"
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return _numeric_dates(values.astype("float64"))
    native = _native_mask(values, (dt.date,))
    if native.any():  # spreadsheet column mixing date cells and dates typed as text
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        parsed[native] = pd.to_datetime(values[native]).astype("datetime64[ns]")
        fmt = "native"
        if (~native).any():
            rest, fmt = parse_dates(values[~native].astype("string"), date_format)
            parsed[~native] = rest
        return _plausible(parsed), fmt or "native"
    # cleaned and parsed once per distinct value: a million dates repeat a few thousand
    codes, distinct = pd.factorize(values.astype("string"), use_na_sentinel=False)
    text = _date_text(pd.Series(distinct))
    present = np.flatnonzero(text.notna().to_numpy()[codes])  # rows with a date text
    if not len(present):
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None
    candidates = (date_format,) if date_format else DATE_FORMATS
    best_fmt, best_count, best = None, -1, None
    rows = present[:: max(1, len(present) // 5000)]  # evenly spaced: keeps the file's order
    sample = pd.Series(text.array.take(codes[rows]), index=values.index[rows])
    for fmt in candidates:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        count = int(parsed.notna().sum())
        if count > best_count:
            best_fmt, best_count, best = fmt, count, parsed
    if best_count <= 0:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None
    best_fmt = _disambiguate_day_month(sample, best_fmt, best)
    parsed = _plausible(pd.to_datetime(text, format=best_fmt, errors="coerce"))
    return pd.Series(parsed.array.take(codes), index=values.index, name=values.name), best_fmt


def _date_text(values: pd.Series) -> pd.Series:
    """Date cells stripped, blank as <NA>, an ISO time's UTC offset dropped."""
    text = values.str.strip().replace("", pd.NA)
    # both regexes run in Python per value (pandas' Arrow path lacks Python's \s): only where a time's colon is
    timed = text[text.str.contains(":", regex=False, na=False)]
    offset = timed.index[timed.str.contains(_OFFSET_END, regex=True, na=False).to_numpy(dtype=bool)]
    if len(offset):
        text[offset] = text[offset].str.replace(_ISO_OFFSET, r"\1", regex=True)
    return text


_OFFSET_END = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})$"  # a time, then an offset
_ISO_OFFSET = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|[+-]\d{2}:?\d{2})$"
# numeric date encodings by value range: (low, high, unit, origin)
_NUMERIC_DATES = ((1e12, 4.2e12, "ms", "unix"), (1e9, 4.2e9, "s", "unix"), (2e4, 8e4, "D", "1899-12-30"))


def _numeric_dates(values: pd.Series) -> tuple[pd.Series, str | None]:
    present = values.dropna()
    for low, high, unit, origin in _NUMERIC_DATES:
        if len(present) and present.between(low, high).all():
            parsed = pd.to_datetime(values, unit=unit, origin=origin, errors="coerce")
            name = "excel serial days" if origin != "unix" else f"unix {unit}"
            return _plausible(parsed), name
    return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None


def _plausible(parsed: pd.Series) -> pd.Series:
    """Dates outside 1900-2099 are placeholders or typos, never real postings: treat them as unparsable."""
    year = parsed.dt.year
    return parsed.where((year >= 1900) & (year <= 2099)).astype("datetime64[ns]")


_DAY_MONTH_SWAPS = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y", "%d/%m/%y": "%m/%d/%y", "%m/%d/%y": "%d/%m/%y",
                    "%d-%m-%Y": "%m-%d-%Y", "%m-%d-%Y": "%d-%m-%Y", "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M",
                    "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M"}


def _disambiguate_day_month(sample: pd.Series, fmt: str, parsed: pd.Series) -> str:
    """Day-first and month-first read the same values when every day is <= 12: decide from the data.

    The order that parses more values wins (a 13..31 in the first field proves day-first). When both parse
    everything, the order under which the rows run in date order (exports are sorted) and span fewer days wins;
    a full tie keeps day-first, the more common order outside the US.
    """
    other = _DAY_MONTH_SWAPS.get(fmt)
    if other is None:
        return fmt
    alt = pd.to_datetime(sample, format=other, errors="coerce")
    if alt.notna().sum() != parsed.notna().sum():
        return other if alt.notna().sum() > parsed.notna().sum() else fmt
    score_fmt, score_alt = _orderliness(parsed), _orderliness(alt)
    if score_fmt != score_alt:
        return fmt if score_fmt > score_alt else other
    return fmt if fmt.startswith("%d") else other


def _orderliness(parsed: pd.Series) -> tuple[float, float]:
    """(share of consecutive steps in the dominant direction, minus the span in days): higher is likelier."""
    dates = parsed.dropna()
    if len(dates) < 2:
        return (0.0, 0.0)
    steps = dates.diff().dropna().dt.days
    monotone = max(float((steps >= 0).mean()), float((steps <= 0).mean()))
    return (round(monotone, 6), -float((dates.max() - dates.min()).days))


def parse_amounts(values: pd.Series, decimal: str | None = None) -> tuple[pd.Series, str | None]:
    """Parse money strings: currency symbols, thousands separators, decimal comma, (x) and trailing minus."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), "native"
    native = _native_mask(values, (int, float))
    if native.any():  # spreadsheet column mixing number cells and numbers typed as text
        number = pd.Series(np.nan, index=values.index, dtype="float64")
        number[native] = values[native].astype("float64")
        if (~native).any():
            parsed, decimal = parse_amounts(values[~native].astype("string"), decimal)
            number[~native] = parsed
        return number, decimal or "native"
    text = values.astype("string").str.strip()
    plain = _plain_numbers(text)
    if plain is not None:
        return plain, "."
    text = text.str.replace("\u2212", "-", regex=False).str.replace("\u00a0", "", regex=False)
    negative_paren = text.str.match(r"^\(.*\)$", na=False)
    trailing_minus = text.str.match(r"^[^-]*\d-$", na=False)
    cleaned = text.str.replace("'", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(_NUMBER_CHARS, "", regex=True).str.replace(r"[()]", "", regex=True)
    cleaned = cleaned.str.replace(r"-$", "", regex=True)
    if decimal is None:
        decimal = _decide_decimal(cleaned.dropna())
    if decimal == ",":
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(",", "", regex=False)
    cleaned = cleaned.str.replace(r"^\+", "", regex=True)
    number = pd.to_numeric(cleaned.replace("", pd.NA), errors="coerce").astype("float64")
    sign = np.where(negative_paren.to_numpy() | trailing_minus.to_numpy(), -1.0, 1.0)
    return number * sign, decimal


def _plain_numbers(text: pd.Series) -> pd.Series | None:
    """The common case, every value a plain number ("-1234.50", "+7", blanks): parsed in one vectorised cast
    instead of the cleaning passes. None when any value needs them (separators, symbols, signs in brackets)."""
    values = pa.array(text.replace("", pd.NA), type=pa.string(), from_pandas=True)
    if pc.any(pc.match_substring_regex(values, r"[^0-9.+\-eE]")).as_py():
        return None  # "e" stays: 1e5 is a number; "nan" / "inf" are not plain numbers
    try:
        number = pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(number.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def _decide_decimal(values: pd.Series) -> str:
    values = values[values.str.len() > 0]
    if values.empty:
        return "."
    last_comma = values.str.rfind(",")
    last_dot = values.str.rfind(".")
    both = (last_comma >= 0) & (last_dot >= 0)
    if both.any():
        return "," if (last_comma[both] > last_dot[both]).mean() > 0.5 else "."
    has_comma = last_comma >= 0
    if not has_comma.any():
        return "."
    # Only commas: "1,234" everywhere is a thousands separator; "12,5" or "12,50" is a decimal comma.
    thousands = values[has_comma].str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+")
    return "." if thousands.all() else ","


# ---------------------------------------------------------------- column mapping


def map_columns(table: pd.DataFrame, override: dict[str, str] | None = None) -> Mapping:
    """Decide which header feeds which canonical field: user mapping, then synonyms, then content.

    Running-balance columns are never mapped; when several headers name the posting date, a booking /
    posting date wins over a transaction date.
    """
    mapping = Mapping()
    used: set[str] = set()
    if override:
        for canon, header in override.items():
            if canon not in SYNONYMS:
                raise RejectedFile(f"the mapping names unknown field {canon!r} (known: {', '.join(SYNONYMS)})")
            if header not in table.columns:
                raise RejectedFile(f"the mapping names column {header!r}, which is not in the file")
            mapping.columns[canon] = header
            used.add(header)
    keys = {col: header_key(col) for col in table.columns}
    candidates: list[tuple[int, int, str, str]] = []  # (preference, position, canon, column)
    for pos, (col, key) in enumerate(keys.items()):
        if col in used:
            continue
        canon = _SYNONYM_INDEX.get(key)
        if canon is None and is_balance_header(key):
            mapping.balance_columns.append(col)
            continue
        canon = canon or _prefix_match(key)
        if canon is None:
            continue
        preference = 0 if canon != "posting_date" or any(p in key for p in _POSTING_HINTS) else 1
        if not _content_fits(canon, table[col]):
            alternative = _content_alternative(canon, table[col])
            if alternative is None and canon not in ("posting_date", "amount"):
                continue
            # a 'Date' / 'Amount' header over unreadable cells is kept last, so the row policy can say why
            canon, preference = (alternative, preference) if alternative else (canon, 2)
        candidates.append((preference, pos, canon, col))
    for _, _, canon, col in sorted(candidates):
        if canon in mapping.columns or col in used:
            continue
        mapping.columns[canon] = col
        used.add(col)
    if "posting_date" not in mapping.columns and "value_date" not in mapping.columns:
        for col in table.columns:
            if col in used or col in mapping.balance_columns:
                continue
            if _content_fits("posting_date", table[col]) and _mostly_dates(table[col]):
                mapping.columns["posting_date"] = col
                used.add(col)
                break
    return mapping


_POSTING_HINTS = ("post", "book", "buch", "bokf", "boek", "journal", "accounting", "comptable", "contable", "contab",
                  "ksieg", "reskontra", "completed")


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
        return bool(sample.str.match(_DATE_LIKE).mean() >= 0.5) or pd.api.types.is_datetime64_any_dtype(column)
    if canon in ("amount", "debit", "credit"):
        return bool(parse_amounts(sample)[0].notna().mean() >= 0.5)
    if canon == "currency":
        return bool(sample.str.fullmatch(r"[A-Za-z]{3}").mean() >= 0.8)
    return True


def _present_head(column: pd.Series, count: int) -> pd.Series:
    """The first `count` non-blank cells, stripped: read from a growing head of the column, not all of it."""
    size = count
    while True:
        present = column.iloc[:size].astype("string").str.strip().replace("", pd.NA).dropna()
        if len(present) >= count or size >= len(column):
            return present.head(count)
        size *= 16


def _content_alternative(canon: str, column: pd.Series) -> str | None:
    """A header that misleads (Dutch/Swedish 'valuta' is a currency, German 'Valuta' a date): trust content."""
    if canon == "value_date" and _content_fits("currency", column):
        return "currency"
    if canon == "currency" and _content_fits("value_date", column):
        return "value_date"
    return None


def _mostly_dates(column: pd.Series) -> bool:
    return parse_dates(column.head(200))[0].notna().mean() >= 0.8


# ---------------------------------------------------------------- the table -> canonical frame


def tabular_to_canonical(
    table: pd.DataFrame,
    *,
    source_format: str,
    row_numbers: pd.Series | None = None,
    override: dict[str, str] | None = None,
    default_account: str | None = None,
    default_currency: str | None = None,
    default_entity: str | None = None,
    raw_cells: bool = False,
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Map and parse `table` (one row per record; text cells, or native datetime/float columns).

    Returns (frame, metadata, warnings). Balance/summary rows and rows without a parsable date or amount
    are skipped and reported; see `drop_unreadable_rows` for when that rejects the file instead. With
    `raw_cells` (delimited text, whose header the reader records once) each raw record is a JSON array of the
    text cells in column order instead of an object keyed by header.
    """
    if table.empty:
        raise RejectedFile("the file has a header but no data rows")
    table = table.reset_index(drop=True)
    mapping = map_columns(table, override)
    cols = mapping.columns
    if "posting_date" not in cols and "value_date" in cols:
        cols["posting_date"] = cols["value_date"]
        mapping.notes.append(f"no posting date column: the value date {cols['value_date']!r} is used as posting date")
    _drop_counterparty_iban(table, mapping)
    if "posting_date" not in cols:
        raise RejectedFile(f"no date column found (columns: {_list_headers(table)})")
    if "amount" not in cols and not ({"debit", "credit"} & cols.keys()):
        raise RejectedFile(f"no amount column found (columns: {_list_headers(table)})")
    # the raw records are built by Arrow kernels that release the GIL: beside the parsing below, not after it
    # (on a shallow copy of its own: pandas builds some caches lazily, not for two threads at once)
    with ThreadPoolExecutor(1, thread_name_prefix="raw-records") as background:
        own = table.copy(deep=False)
        raw = background.submit(_raw_json_text, own, keyed=False) if raw_cells else background.submit(_raw_json, own)
        return _canonical(table, mapping, raw.result, source_format=source_format, row_numbers=row_numbers,
                          default_account=default_account, default_currency=default_currency,
                          default_entity=default_entity)


def _canonical(table: pd.DataFrame, mapping: Mapping, raw: Callable[[], pd.Series | list[str]], *,
               source_format: str, row_numbers: pd.Series | None, default_account: str | None,
               default_currency: str | None, default_entity: str | None) -> tuple[pd.DataFrame, dict, list[str]]:
    """The body of `tabular_to_canonical` once the columns are mapped; `raw()` gives the raw records."""
    cols = mapping.columns
    out = pd.DataFrame(index=table.index)
    out["row_number"] = row_numbers.reset_index(drop=True) if row_numbers is not None else table.index + 2
    posting, date_fmt = parse_dates(table[cols["posting_date"]])
    out["posting_date"] = posting.dt.normalize()
    if posting.dt.hour.fillna(0).any() or posting.dt.minute.fillna(0).any():
        out["posted_at"] = posting
    if "posted_at" in cols:
        times = table[cols["posted_at"]].astype("string").str.strip()
        combined = pd.to_datetime(posting.dt.strftime("%Y-%m-%d") + " " + times, errors="coerce")
        out["posted_at"] = combined
    for field_name in ("value_date", "registration_date"):
        if field_name in cols:
            out[field_name] = parse_dates(table[cols[field_name]])[0]

    bank_like = _looks_like_bank_statement(table, mapping)
    mapping.debit_is_money_out = bank_like
    amount, decimal, direction = _amounts(table, mapping, bank_like)
    out["amount"] = amount.round(2)

    for field_name in ("account", "account_name", "currency", "description", "counterparty", "voucher_id",
                       "user_name", "reference"):
        if field_name in cols:
            out[field_name] = as_text(table[cols[field_name]])
    if "line_number" in cols:
        out["line_number"] = _per_distinct(table[cols["line_number"]],
                                           lambda v: pd.to_numeric(v, errors="coerce").astype("Int64"))
    if "account" not in out:
        if "account_name" in out:
            out["account"] = out["account_name"]
        else:
            out["account"] = default_account or "BANK"
    elif default_account:
        out["account"] = out["account"].fillna(default_account)
    if "currency" not in out and default_currency:
        out["currency"] = default_currency
    if default_entity:
        out["entity"] = default_entity
    out["source_format"] = source_format
    out["raw"] = raw()

    labels = balance_rows(table, _label_columns(table, mapping))
    summary = labels.notna()
    warnings: list[str] = []
    kept, kept_table = out, table  # no filter without balance rows: it would copy every column
    if summary.any():
        names = sorted(set(labels.dropna().str.strip()))
        warnings.append(f"skipped {int(summary.sum())} balance/summary rows that are not transactions "
                        f"(rows {out.loc[summary, 'row_number'].head(5).tolist()}: {', '.join(names[:5])})")
        kept, kept_table = out[~summary.to_numpy()], table[~summary.to_numpy()]
    frame, row_warnings = drop_unreadable_rows(kept, kept_table, cols)
    metadata = {
        "mapping": mapping.describe(),
        "date_format": date_fmt,
        "decimal_separator": decimal,
        "direction_column": direction,
        "balance_rows": int(summary.sum()),
        "skipped_rows": len(out) - len(frame),
    }
    return frame, metadata, warnings + row_warnings


def _per_distinct(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """An element-wise `convert(values)` computed once per distinct value (a ledger's million rows repeat a
    few thousand values), a missing value being one of them. Object columns are converted whole: their
    1, 1.0 and True would count as one value."""
    if values.dtype == object:
        return convert(values)
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    converted = convert(pd.Series(distinct))
    return pd.Series(converted.array.take(codes), index=values.index, name=values.name)


def _amounts(table: pd.DataFrame, mapping: Mapping, bank_like: bool) -> tuple[pd.Series, str | None, str | None]:
    """Signed amounts from one amount column (with an optional D/K-style flag column) or debit/credit columns."""
    cols = mapping.columns
    amount, decimal = None, None
    if "amount" in cols:
        amount, decimal = parse_amounts(table[cols["amount"]])
        if amount.isna().all() and ({"debit", "credit"} & cols.keys()):
            amount = None
    if amount is not None:
        used = set(cols.values()) | set(mapping.balance_columns)
        keys = {c: header_key(c) for c in table.columns}
        flag_col = find_direction_column(table, [c for c in table.columns if c not in used], keys)
        if flag_col is None:
            return amount, decimal, None
        signed, info = apply_direction(amount, table[flag_col], bank_like)
        mapping.notes.append(f"amount sign taken from flag column {flag_col!r} (values {info['flags']})")
        return signed, decimal, flag_col
    debit, decimal = parse_amounts(table[cols["debit"]]) if "debit" in cols else (None, None)
    credit, _ = parse_amounts(table[cols["credit"]]) if "credit" in cols else (None, None)
    debit = debit.abs() if debit is not None else pd.Series(np.nan, index=table.index)
    credit = credit.abs() if credit is not None else pd.Series(np.nan, index=table.index)
    both_missing = debit.isna() & credit.isna()
    signed = debit.fillna(0.0) - credit.fillna(0.0)
    if bank_like:
        signed = -signed
    return signed.where(~both_missing), decimal, None


def _label_columns(table: pd.DataFrame, mapping: Mapping) -> list[str]:
    """Columns where a statement writes 'Opening balance' / 'Turnover': the text fields, else every text column."""
    named = [mapping.columns[f] for f in ("description", "counterparty", "reference", "voucher_id")
             if f in mapping.columns]
    amounts = {mapping.columns.get(f) for f in ("amount", "debit", "credit")}
    others = [c for c in table.columns if c not in amounts and c not in named
              and (table[c].dtype == object or pd.api.types.is_string_dtype(table[c]))]
    return named + others


def as_text(column: pd.Series) -> pd.Series:
    """Cells as trimmed text; numeric cells (spreadsheets, JSON) without a spurious '.0' on whole numbers."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = column.astype("float64")
        whole = numbers.notna() & (numbers == numbers.round())
        text = numbers.astype("string")
        text[whole] = numbers[whole].astype("int64").astype("string")
        return text
    native = _native_mask(column, (int, float))
    if native.any():
        text = column.astype("string").str.strip().replace("", pd.NA)
        text[native] = as_text(column[native].astype("float64"))
        return text
    return column.astype("string").str.strip().replace("", pd.NA)


def _native_mask(values: pd.Series, kinds: tuple[type, ...]) -> pd.Series:
    """Cells of an object column holding native `kinds` (bools are not numbers)."""
    if values.dtype != object:
        return pd.Series(False, index=values.index)
    return values.map(lambda v: isinstance(v, kinds) and not isinstance(v, bool)).astype(bool)


_IBAN_SHAPE = r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}"


def _looks_like_bank_statement(table: pd.DataFrame, mapping: Mapping) -> bool:
    """A bank export has one account (or none, or IBANs, or a running balance); a ledger has vouchers or
    many chart-of-accounts numbers.

    Decides what 'debit' means: money out of a bank account, or the debit side of a ledger line.
    """
    cols = mapping.columns
    if "account" not in cols:
        return True
    accounts = table[cols["account"]].astype("string").str.replace(" ", "", regex=False).str.strip()
    if accounts.nunique(dropna=True) <= 1:
        return True
    if "voucher_id" in cols:
        return False
    return bool(mapping.balance_columns) or bool(accounts.dropna().str.fullmatch(_IBAN_SHAPE).mean() > 0.8)


def _drop_counterparty_iban(table: pd.DataFrame, mapping: Mapping) -> None:
    """A bare 'IBAN' column that varies row by row next to a payee column is the payee's IBAN, not the account."""
    cols = mapping.columns
    column = cols.get("account")
    if column is None or header_key(column) != "iban" or "counterparty" not in cols or "voucher_id" in cols:
        return
    if table[column].astype("string").str.strip().nunique(dropna=True) > 1:
        del cols["account"]
        mapping.notes.append(f"column {column!r} holds the counterparties' IBANs (one per row): not the account")


def drop_unreadable_rows(out: pd.DataFrame, table: pd.DataFrame, cols: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Row-level policy: rows without a parsable date or amount are skipped and reported; more than half
    of the file being unreadable rejects it (the mapping is then probably wrong, not the rows)."""
    bad_date = out["posting_date"].isna()
    bad_amount = out["amount"].isna()
    bad = bad_date | bad_amount
    warnings: list[str] = []
    if not bad.any():
        return out, warnings
    if bad.all() or bad.mean() > 0.5:
        which = "date" if bad_date.sum() >= bad_amount.sum() else "amount"
        column = cols.get("posting_date") if which == "date" else cols.get("amount", cols.get("debit"))
        examples = _examples(out, table, bad_date if which == "date" else bad_amount, column)
        raise RejectedFile(
            f"unparsable {which}s in {int(bad.sum())} of {len(out)} rows (column {column!r}; first: {examples})"
        )
    for mask, what, column in ((bad_date, "date", cols.get("posting_date")),
                               (bad_amount & ~bad_date, "amount", cols.get("amount", cols.get("debit")))):
        if mask.any():
            warnings.append(
                f"skipped {int(mask.sum())} rows with no parsable {what} (column {column!r}; first: "
                f"{_examples(out, table, mask, column)})"
            )
    return out[~bad].reset_index(drop=True), warnings


def _examples(out: pd.DataFrame, table: pd.DataFrame, mask: pd.Series, column: str | None) -> str:
    rows = out.loc[mask, "row_number"].head(3).tolist()
    values = table.loc[mask, column].head(3).tolist() if column in table else []
    return ", ".join(f"row {r}: {v!r}" for r, v in zip(rows, values, strict=False))


def _list_headers(table: pd.DataFrame) -> str:
    headers = [str(c) for c in table.columns[:12]]
    return ", ".join(headers) + (", ..." if len(table.columns) > 12 else "")


def _raw_json(table: pd.DataFrame) -> list[str] | pd.Series:
    """Each source record as a JSON object of its cells (kept with the transaction for the audit trail)."""
    if table.empty:
        return []
    if all(pd.api.types.is_string_dtype(table[c]) and table[c].dtype != object for c in table.columns):
        return _raw_json_text(table, keyed=True)
    return _raw_json_pandas(table)


def _raw_json_pandas(table: pd.DataFrame) -> list[str]:
    # pandas' C serialiser; JSON escapes newlines inside values, so one record per "\n"
    text = table.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return text.rstrip("\n").split("\n")


# (character, its JSON escape), backslash first; the other control characters are written \u00XX
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                 ("\b", "\\b"), ("\f", "\\f"))
_SHORT_ESCAPED = frozenset(ord(char) for char, _ in _JSON_ESCAPES)


def _raw_json_text(table: pd.DataFrame, *, keyed: bool) -> pd.Series:
    """Each record of a table of text cells as JSON, built with Arrow string kernels: an object keyed by header,
    or (`keyed` False) an array of the cells in column order, written as `json.dumps(cells, ensure_ascii=False,
    separators=(",", ":"))` would. Objects are the general path's JSON except that "/" is not escaped."""
    columns = []
    for i in range(table.shape[1]):
        values = arrow_text(table.iloc[:, i])
        special = _json_special_chars(values)
        if keyed and special - _SHORT_ESCAPED:  # objects keep the general path's escapes of control characters
            return pd.Series(_raw_json_pandas(table), index=table.index, dtype="string")
        columns.append(_json_escaped(values, special))
    joined = _json_objects(columns, list(table.columns)) if keyed else _json_arrays(columns)
    return pd.Series(pd.array(joined, dtype=pd.StringDtype("pyarrow")), index=table.index)


def _json_objects(columns: list[pa.ChunkedArray], names: list) -> pa.ChunkedArray:
    """Row-wise JSON objects of escaped text columns, in one element-wise join of values and literals."""
    pieces: list = []
    text = "{"  # literal JSON between two columns' values
    for i, (name, values) in enumerate(zip(names, columns, strict=True)):
        text += ("," if i else "") + json.dumps(str(name), ensure_ascii=False) + ":"
        if values.null_count:  # quoted per value, null as null
            pieces += [_large(text), _quoted(values)]
            text = ""
        else:  # the quotes go into the literals around the values
            pieces += [_large(text + '"'), values]
            text = '"'
    return pc.binary_join_element_wise(*pieces, _large(text + "}"), _large(""))


_BLOCK_ROWS = 1 << 16  # rows per block of raw records: temporaries of a few MB, not hundreds


def _json_arrays(columns: list[pa.ChunkedArray]) -> pa.ChunkedArray:
    """Row-wise JSON arrays of escaped text columns, a block of rows at a time: the block's cells taken row by
    row into lists and each list joined (twice as fast as an element-wise join of as many columns)."""
    if any(values.null_count for values in columns):  # quoted per value, null as null
        columns = [_quoted(values) for values in columns]
        opening, separator, closing = "[", ",", "]"
    else:
        opening, separator, closing = '["', '","', '"]'
    blocks, total, width = [], len(columns[0]), len(columns)
    for start in range(0, total, _BLOCK_ROWS):
        cells = [chunk for values in columns for chunk in values.slice(start, _BLOCK_ROWS).chunks]
        rows = min(_BLOCK_ROWS, total - start)
        row_major = (np.arange(rows)[:, None] + np.arange(width) * rows).ravel()  # cell (row, col) of col-major
        lists = pa.LargeListArray.from_arrays(pa.array(np.arange(0, rows * width + 1, width)),
                                              pa.concat_arrays(cells).take(pa.array(row_major)))
        joined = pc.binary_join(lists, _large(separator))
        blocks.append(pc.binary_join_element_wise(_large(opening), joined, _large(closing), _large("")))
    return pa.chunked_array(blocks, type=pa.large_string())


def _quoted(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Escaped text values as JSON strings, null as null."""
    return pc.fill_null(pc.binary_join_element_wise(_large('"'), values, _large('"'), _large("")), _large("null"))


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())  # Arrow's string kernels take one string type throughout


def _json_special_chars(values: pa.ChunkedArray) -> set[int]:
    """The characters of `values` a JSON string must escape (control characters, quote, backslash), read off
    the UTF-8 bytes: those are ASCII, and no byte of a multi-byte character is below 0x80."""
    found: set[int] = set()
    for chunk in values.chunks:
        raw = utf8_bytes(chunk)
        found.update(np.unique(raw[(raw < 0x20) | (raw == 0x22) | (raw == 0x5C)]).tolist())
    return found


def _json_escaped(values: pa.ChunkedArray, special: set[int]) -> pa.ChunkedArray:
    """`values` as the text between the quotes of JSON strings; `special` from `_json_special_chars`."""
    for char, escape in _JSON_ESCAPES:
        if ord(char) in special:
            values = pc.replace_substring(values, char, escape)
    for code in sorted(special - _SHORT_ESCAPED):
        values = pc.replace_substring(values, chr(code), f"\\u{code:04x}")
    return values
