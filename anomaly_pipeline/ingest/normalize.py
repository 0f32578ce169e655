"""Turn a table of text cells (CSV, Excel, JSON records) into canonical transactions.

Columns are mapped by header synonyms (English, Swedish, German, French, Spanish, Dutch, ...) and
confirmed by content; a user-supplied mapping wins. Values are parsed column-wise: the date format and the
decimal separator are decided from the whole column, never guessed per row.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.errors import RejectedFile

# canonical field -> header synonyms, compared after `header_key` (lowercase, accents and punctuation removed)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "posting_date": (
        "date", "postingdate", "bookingdate", "bookdate", "transactiondate", "journaldate", "entrydate",
        "accountingdate", "datebooked", "dateprocessed", "datum", "buchungstag", "buchungsdatum",
        "bokforingsdatum", "bokforingsdag", "bokfdatum", "transaktionsdatum", "verdatum", "fecha",
        "fechaoperacion", "fechacontable", "dateoperation", "datecomptable", "datedoperation", "boekdatum",
        "boekingsdatum", "transactiedatum", "datumprovedeni", "datumzauctovani", "tranzakciodatuma", "created",
        "dateposted", "datetransacted", "dato", "bokfortdatum", "posted", "valuedateposted",
    ),
    "value_date": (
        "valuedate", "valutadatum", "valuta", "wertstellung", "valutadag", "rentedatum", "datedevaleur",
        "fechavalor", "datevaleur", "executiondate", "erteknap", "valordatum",
    ),
    "registration_date": (
        "registrationdate", "regdate", "registreringsdatum", "createddate", "systementrydate", "entrytime",
        "erfassungsdatum", "enteredon", "createdat", "inputdate",
    ),
    "posted_at": ("time", "transactiontime", "tid", "uhrzeit", "heure", "hora", "timestamp", "datetime"),
    "amount": (
        "amount", "netamount", "transactionamount", "belopp", "betrag", "umsatz", "montant", "importe",
        "bedrag", "bedrageur", "amounteur", "amountczk", "amountsek", "amountusd", "amountgbp", "zauctovanacastka",
        "tranzakcioosszege", "sum", "summa", "value", "saldoeffekt", "beloppsek", "transaktionsbelopp",
        "totalamount", "amountchf",
    ),
    "debit": (
        "debit", "debitamount", "debet", "soll", "sollbetrag", "withdrawal", "withdrawals", "moneyout",
        "paidout", "debe", "cargo", "cargos", "uttag", "debitchf", "debiteur", "debetbedrag", "afschrijving",
        "ausgang", "ausgabe", "utbetalning", "paymentout", "outflow",
    ),
    "credit": (
        "credit", "creditamount", "kredit", "haben", "habenbetrag", "deposit", "deposits", "moneyin", "paidin",
        "haber", "abono", "abonos", "insattning", "creditchf", "crediteur", "creditbedrag", "bijschrijving",
        "eingang", "einnahme", "inbetalning", "paymentin", "inflow",
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
        "messageforpayee", "reference text", "mededeling", "vrijemededeling",
    ),
    "counterparty": (
        "counterparty", "payee", "payer", "partnername", "beguenstigterzahlungspflichtiger",
        "auftraggeberempfanger", "empfanger", "auftraggeber", "naamtegenpartij", "tegenpartij", "motpart",
        "mottagare", "counteraccountname", "nazevprotiuctu", "partnerneve", "name", "merchant",
        "merchantname", "customer", "supplier", "vendor", "beneficiary", "tiers", "beneficiario",
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
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f", "%d.%m.%Y %H:%M:%S",
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
    date_format: str | None = None
    decimal: str | None = None

    def describe(self) -> dict:
        return {"columns": dict(self.columns), "debit_is_money_out": self.debit_is_money_out}


# ---------------------------------------------------------------- value parsing (vectorised)


def parse_dates(values: pd.Series, date_format: str | None = None) -> tuple[pd.Series, str | None]:
    """Parse a column of date strings with the one format that fits the most values."""
    text = values.astype("string").str.strip().replace("", pd.NA)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values, "native"
    present = text.dropna()
    if present.empty:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None
    candidates = (date_format,) if date_format else DATE_FORMATS
    best_fmt, best_count, best = None, -1, None
    sample = present if len(present) <= 5000 else present.sample(5000, random_state=0)
    for fmt in candidates:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        count = int(parsed.notna().sum())
        if count > best_count:
            best_fmt, best_count, best = fmt, count, parsed
    if best_count <= 0:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None
    best_fmt = _disambiguate_day_month(sample, best_fmt, best)
    parsed = pd.to_datetime(text, format=best_fmt, errors="coerce")
    return _plausible(parsed), best_fmt


def _plausible(parsed: pd.Series) -> pd.Series:
    """Dates outside 1900-2099 are placeholders or typos, never real postings: treat them as unparsable."""
    year = parsed.dt.year
    return parsed.where((year >= 1900) & (year <= 2099)).astype("datetime64[ns]")


def _disambiguate_day_month(sample: pd.Series, fmt: str, parsed: pd.Series) -> str:
    """%d/%m and %m/%d parse the same values when every day is <= 12: prefer the order the data proves."""
    swaps = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y", "%d/%m/%y": "%m/%d/%y", "%m/%d/%y": "%d/%m/%y",
             "%d-%m-%Y": "%m-%d-%Y", "%m-%d-%Y": "%d-%m-%Y"}
    other = swaps.get(fmt)
    if other is None:
        return fmt
    alt = pd.to_datetime(sample, format=other, errors="coerce")
    if alt.notna().sum() > parsed.notna().sum():
        return other
    return fmt


def parse_amounts(values: pd.Series, decimal: str | None = None) -> tuple[pd.Series, str | None]:
    """Parse money strings: currency symbols, thousands separators, decimal comma, (x) and trailing minus."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), "native"
    text = values.astype("string").str.strip()
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
    """Decide which header feeds which canonical field: user mapping, then synonyms, then content."""
    mapping = Mapping()
    used: set[str] = set()
    if override:
        for canon, header in override.items():
            if header not in table.columns:
                raise RejectedFile(f"the mapping names column {header!r}, which is not in the file")
            mapping.columns[canon] = header
            used.add(header)
    keys = {col: header_key(col) for col in table.columns}
    for col, key in keys.items():
        canon = _SYNONYM_INDEX.get(key) or _prefix_match(key)
        if canon is None or canon in mapping.columns or col in used:
            continue
        if not _content_fits(canon, table[col]):
            canon = _content_alternative(canon, table[col])
            if canon is None or canon in mapping.columns:
                continue
        mapping.columns[canon] = col
        used.add(col)
    if "posting_date" not in mapping.columns:
        for col in table.columns:
            if col not in used and _content_fits("posting_date", table[col]) and _mostly_dates(table[col]):
                mapping.columns["posting_date"] = col
                used.add(col)
                break
    return mapping


def _prefix_match(key: str) -> str | None:
    for prefix, canon in (("amount", "amount"), ("betrag", "amount"), ("belopp", "amount"), ("debit", "debit"),
                          ("credit", "credit"), ("description", "description"), ("omschrijving", "description"),
                          ("vwz", "description"), ("date", "posting_date")):
        if key.startswith(prefix):
            return canon
    return None


def _content_fits(canon: str, column: pd.Series) -> bool:
    present = column.astype("string").str.strip().replace("", pd.NA).dropna()
    if present.empty:
        return canon not in ("posting_date", "amount")
    sample = present.head(200)
    if canon in ("posting_date", "value_date", "registration_date"):
        return bool(sample.str.match(_DATE_LIKE).mean() >= 0.5) or pd.api.types.is_datetime64_any_dtype(column)
    if canon in ("amount", "debit", "credit"):
        return bool(parse_amounts(sample)[0].notna().mean() >= 0.5)
    if canon == "currency":
        return bool(sample.str.fullmatch(r"[A-Za-z]{3}").mean() >= 0.8)
    return True


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
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Map and parse `table` (one row per record, text cells). Returns (frame, metadata, warnings)."""
    if table.empty:
        raise RejectedFile("the file has a header but no data rows")
    table = table.reset_index(drop=True)
    mapping = map_columns(table, override)
    cols = mapping.columns
    if "posting_date" not in cols:
        raise RejectedFile(f"no date column found (columns: {_list_headers(table)})")
    if "amount" not in cols and not ({"debit", "credit"} & cols.keys()):
        raise RejectedFile(f"no amount column found (columns: {_list_headers(table)})")

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

    bank_like = _looks_like_bank_statement(table, cols)
    mapping.debit_is_money_out = bank_like
    amount, decimal = None, None
    if "amount" in cols:
        amount, decimal = parse_amounts(table[cols["amount"]])
        if amount.isna().all() and ({"debit", "credit"} & cols.keys()):
            amount = None
    if amount is None:
        debit, decimal = parse_amounts(table[cols["debit"]]) if "debit" in cols else (None, None)
        credit, _ = parse_amounts(table[cols["credit"]]) if "credit" in cols else (None, None)
        debit = debit.abs() if debit is not None else pd.Series(np.nan, index=table.index)
        credit = credit.abs() if credit is not None else pd.Series(np.nan, index=table.index)
        both_missing = debit.isna() & credit.isna()
        signed = debit.fillna(0.0) - credit.fillna(0.0)
        if bank_like:
            signed = -signed
        amount = signed.where(~both_missing)
    out["amount"] = amount.round(2)

    for field_name in ("account", "account_name", "currency", "description", "counterparty", "voucher_id",
                       "user_name", "reference"):
        if field_name in cols:
            out[field_name] = table[cols[field_name]].astype("string").str.strip().replace("", pd.NA)
    if "line_number" in cols:
        out["line_number"] = pd.to_numeric(table[cols["line_number"]], errors="coerce").astype("Int64")
    if "account" not in out:
        if "account_name" in out:
            out["account"] = out["account_name"]
        else:
            out["account"] = default_account or "BANK"
    elif default_account:
        out["account"] = out["account"].fillna(default_account)
    if "currency" not in out and default_currency:
        out["currency"] = default_currency
    out["source_format"] = source_format
    out["raw"] = _raw_json(table)

    frame, warnings = drop_unreadable_rows(out, table, cols)
    metadata = {
        "mapping": mapping.describe(),
        "date_format": date_fmt,
        "decimal_separator": decimal,
        "skipped_rows": len(out) - len(frame),
    }
    return frame, metadata, warnings


def _looks_like_bank_statement(table: pd.DataFrame, cols: dict[str, str]) -> bool:
    """A bank export has one account (or none); a ledger has many accounts. Decides what 'debit' means."""
    if "account" not in cols:
        return True
    return table[cols["account"]].astype("string").str.strip().nunique(dropna=True) <= 1


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


def _raw_json(table: pd.DataFrame) -> list[str]:
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return [json.dumps(r, ensure_ascii=False, default=str) for r in records]
