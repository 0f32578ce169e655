"""DATEV's Buchungsstapel (EXTF / DTVF format category 21): the booking batch German accounting software and tax
advisers exchange, a semicolon CSV whose first line is a header record and whose second names the columns.

Read from the format's specification (DATEV developer portal, "Buchungsstapel"):
- the header record gives the batch's period (`Datum vom` / `Datum bis`, YYYYMMDD), the fiscal year's start, the
  G/L account length (`Sachkontenlänge`), adviser and client numbers and the currency;
- one record is one booking: an unsigned `Umsatz` with `Soll/Haben-Kennzeichen` S or H debits (S) or credits (H)
  `Konto` and does the opposite to `Gegenkonto`, so each record becomes two balanced lines (a record without a
  contra account stays one line); `Generalumkehr` 1 reverses a booking;
- `Belegdatum` is DDMM (a leading zero may be dropped), its year the one that places it in the batch's period
  (else the fiscal year's, else the year up to the file's creation); full dates some writers put there are read;
- personal accounts (debtors and creditors) are longer than the G/L account length: the booking's personal account
  is its counterparty, on both lines;
- consecutive records with the same `Belegfeld 1` (document number) and date are one document, the voucher; a
  record without a document number is a voucher of its own. `Belegfeld 1` is also the reference.

Not read: VAT that DATEV derives from automatic accounts or a `BU-Schlüssel` (the tax lines are not in the file,
only the gross amount), cost centres (`KOST1`, `KOST2`), the many `Zusatzinformation` columns.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_match import header_key
from anomaly_pipeline.ingest.mapping_report import structured_report
from anomaly_pipeline.ingest.raw_records import raw_json_text
from anomaly_pipeline.ingest.readers.csv_reader import parse_table, record_lines, utf8_text
from anomaly_pipeline.ingest.two_account_rows import two_lines
from anomaly_pipeline.ingest.values import as_text, parse_amounts, parse_dates
from anomaly_pipeline.settings import Settings

_SIGNATURE = re.compile(rb'^(\xef\xbb\xbf)?"?(EXTF|DTVF)"?;')
_BOOKINGS = "21"
_CATEGORIES = {"16": "Debitoren/Kreditoren (master data)", "20": "Kontenbeschriftungen (account names)",
               "46": "Zahlungsbedingungen (payment terms)", "48": "Diverse Adressen (addresses)",
               "65": "Wiederkehrende Buchungen (recurring booking templates)"}

FIELD_SOURCES = {
    "posting_date": "Belegdatum (DDMM, the year from the header's period)",
    "account": "Konto, and Gegenkonto on the contra line",
    "amount": "Umsatz with Soll/Haben-Kennzeichen (S debits Konto and credits Gegenkonto)",
    "voucher_id": "Belegfeld 1 over consecutive records of one date, else the record",
    "reference": "Belegfeld 1", "description": "Buchungstext", "currency": "WKZ Umsatz, else the header's WKZ",
    "counterparty": "the booking's personal account (longer than the header's Sachkontenlänge)",
    "line_number": "Konto line 1, Gegenkonto line 2", "entity": "the header's Beraternummer and Mandantennummer",
}

# the columns read, by the key of their heading (DATEV's names vary by version: "Umsatz (ohne Soll/Haben-Kz)")
_COLUMNS = {"amount": ("umsatzohnesollhabenkz", "umsatzohnesollhabenkennzeichen", "umsatz"),
            "side": ("sollhabenkennzeichen", "sollhabenkz", "sollhaben"), "currency": ("wkzumsatz",), "account": ("konto",),
            "contra": ("gegenkontoohnebuschlussel", "gegenkontoohnebuschluessel", "gegenkonto"), "date": ("belegdatum",),
            "document": ("belegfeld1",), "text": ("buchungstext",), "reversal": ("generalumkehrgu", "generalumkehr")}


def is_datev(data: bytes) -> bool:
    """A DATEV format file: its first line is an EXTF (or older DTVF) header record."""
    return bool(_SIGNATURE.match(data[:64]))


def read_datev(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    text, start, encoding = utf8_text(source.data)
    first_end = text.find(b"\n", start)
    second_end = text.find(b"\n", first_end + 1) if first_end >= 0 else -1
    if first_end < 0:
        raise RejectedFile("a DATEV header record without column headings or bookings")
    header = next(csv.reader([text[start:first_end].decode("utf-8")], delimiter=";"))
    header += [""] * (30 - len(header))
    if header[2].strip() != _BOOKINGS:
        what = _CATEGORIES.get(header[2].strip(), f"format category {header[2].strip()!r} ({header[3].strip()})")
        raise RejectedFile(f"a DATEV {what} file, not a Buchungsstapel (category 21): it holds no bookings")
    period = _period(header)
    headings = text[first_end + 1:second_end if second_end >= 0 else len(text)].decode("utf-8")
    table, bad = parse_table(memoryview(text)[first_end + 1:], headings, ";")
    if bad:
        raise RejectedFile(f"malformed DATEV Buchungsstapel: {len(bad)} records have more fields than the column "
                           f"headings (first: {bad[:3]})")
    columns = _find_columns(table)
    lines = record_lines(text, second_end + 1 if second_end >= 0 else None, len(table), 3)
    row_number = pd.Series(lines if lines is not None else np.arange(len(table)) + 3, dtype="int64")
    frame, warnings, skipped = _bookings(table, columns, header, period, row_number)
    notes = [] if not mapping else [f"the column mapping ({', '.join(f'{k}: {v}' for k, v in mapping.items())}) "
                                    "is ignored: a DATEV Buchungsstapel names its fields itself"]
    metadata = {
        "encoding": encoding, "delimiter": ";", "header_row": 2, "columns": list(table.columns),
        "csv_format": "datev", "datev_header": _header_facts(header), "bookings": len(table),
        "period": [str(day.date()) for day in period] if period else None, "entity": frame["entity"].iloc[0],
    }
    metadata["mapping_report"] = structured_report(frame, FIELD_SOURCES, skipped=skipped, notes=notes)
    metadata["mapping_report"]["unmapped_columns"] = [c for c in table.columns if c not in columns.values()
                                                      and (table[c] != "").any()]
    expected = int(len(table) + (table[columns["contra"]].str.strip() != "").sum())  # a line per account
    metadata["skipped_rows"] = expected - len(frame)
    return ReadResult(frame=frame, expected_rows=expected, metadata=metadata, warnings=notes + warnings)


def _period(header: list[str]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The batch's first and last day (`Datum vom`, `Datum bis`), else the fiscal year from `WJ-Beginn`, else
    the year up to the day the file was created; None when the header names none of them."""
    def day(field: int) -> pd.Timestamp:
        return pd.to_datetime(header[field].strip()[:8], format="%Y%m%d", errors="coerce")

    start, end = day(14), day(15)
    if pd.isna(start):
        start = day(12)
    if pd.isna(start) and pd.notna(created := day(5)):
        start = created - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    if pd.isna(start):
        return None
    if pd.isna(end) or end < start:
        end = start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    return start, end


def _find_columns(table: pd.DataFrame) -> dict[str, str]:
    keys = {header_key(c): c for c in reversed(table.columns)}
    found = {role: next((keys[k] for k in names if k in keys), None) for role, names in _COLUMNS.items()}
    missing = [role for role in ("amount", "side", "account", "contra", "date") if found[role] is None]
    if missing:
        raise RejectedFile(f"a DATEV Buchungsstapel without the columns {', '.join(missing)} "
                           f"(columns: {', '.join(map(str, table.columns[:12]))} ...)")
    return {role: column for role, column in found.items() if column is not None}


def _dates(cells: pd.Series, period: tuple[pd.Timestamp, pd.Timestamp] | None) -> pd.Series:
    """DDMM in the year that places it within the batch's period; DDMMYYYY, YYYYMMDD and other full dates as
    they are written (some writers put them there); NaT where it is no date."""
    text = cells.str.strip()
    short = text.str.fullmatch(r"\d{3,4}")
    if short.any() and period is None:
        raise RejectedFile("the DATEV header record names no period (Datum vom, WJ-Beginn, erzeugt am): the year "
                           "of the bookings' DDMM dates is unknown")
    dates = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    if short.any():
        day_month = text.where(short).str.zfill(4)
        first = pd.to_datetime(day_month + str(period[0].year), format="%d%m%Y", errors="coerce")
        later = first.where(first >= period[0], pd.to_datetime(day_month + str(period[0].year + 1),
                                                                format="%d%m%Y", errors="coerce"))
        dates = later.where(later <= period[1], first)  # outside the period: the period's first year
    eight = text.str.fullmatch(r"\d{8}")
    if eight.any():
        full = pd.to_datetime(text.where(eight), format="%d%m%Y", errors="coerce")
        dates = dates.fillna(full.fillna(pd.to_datetime(text.where(eight), format="%Y%m%d", errors="coerce")))
    other = ~(short | eight) & (text != "")
    if other.any():
        dates = dates.fillna(parse_dates(text.where(other))[0].dt.normalize())
    return dates


def _bookings(table: pd.DataFrame, columns: dict[str, str], header: list[str],
              period: tuple[pd.Timestamp, pd.Timestamp], row_number: pd.Series) -> tuple[pd.DataFrame, list, list]:
    """Two canonical lines per booking (one when it has no contra account), unreadable records skipped."""
    dates = _dates(table[columns["date"]], period)
    amount, _ = parse_amounts(table[columns["amount"]], decimal=",")
    side = table[columns["side"]].str.strip().str.upper()
    sign = np.where(side == "H", -1.0, 1.0)
    if "reversal" in columns:
        sign = np.where(table[columns["reversal"]].str.strip() == "1", -sign, sign)
    signed = (amount * sign).round(2)
    account, contra = as_text(table[columns["account"]]), as_text(table[columns["contra"]])
    bad_date, bad_amount = dates.isna().to_numpy(), (signed.isna() | ~side.isin(["S", "H"])).to_numpy()
    warnings, skipped = [], []
    lines = 1 + contra.notna().to_numpy()
    for mask, what in ((bad_date, "no readable Belegdatum"), (bad_amount & ~bad_date, "no Umsatz or S/H"),
                       (account.isna().to_numpy() & ~bad_date & ~bad_amount, "no Konto")):
        if mask.any():
            rows = row_number[mask].head(3).tolist()
            warnings.append(f"skipped {int(mask.sum())} DATEV bookings with {what} (lines {rows})")
            skipped.append({"reason": f"lines of bookings with {what}", "rows": int(lines[mask].sum())})
    keep = ~(bad_date | bad_amount | account.isna().to_numpy())
    if not keep.any() or keep.mean() < 0.5:
        raise RejectedFile(f"only {int(keep.sum())} of {len(table)} DATEV bookings have a Belegdatum, an Umsatz "
                           "with S or H and a Konto: " + "; ".join(warnings))
    length = pd.to_numeric(pd.Series([header[13].strip()]), errors="coerce").iloc[0]
    length = int(length) if pd.notna(length) and 4 <= length <= 8 else 4
    personal_account = contra.where(contra.str.len() > length, account.where(account.str.len() > length))
    document = (as_text(table[columns["document"]]) if "document" in columns
                else pd.Series(pd.NA, index=table.index, dtype="string"))
    vouchers = _vouchers(document, dates, row_number)
    base = pd.DataFrame({
        "row_number": row_number, "voucher_id": vouchers, "posting_date": dates, "account": account,
        "amount": signed, "currency": _currency(table, columns, header), "reference": document,
        "description": as_text(table[columns["text"]]) if "text" in columns else pd.NA,
        "counterparty": personal_account, "entity": f"DATEV {header[10].strip()}/{header[11].strip()}",
        "source_format": "csv", "raw": raw_json_text(table, keyed=False),
    })[keep]
    return two_lines(base, contra[keep]), warnings, skipped


def _vouchers(document: pd.Series, dates: pd.Series, row_number: pd.Series) -> pd.Series:
    """Consecutive records of one document number and date share a voucher; a number that recurs later (a
    document booked again) or a record without one is a voucher of its own, named by its file line."""
    key = document.fillna("") + "\x1f" + dates.dt.strftime("%Y%m%d").fillna("")
    starts = ((key != key.shift()).fillna(True) | document.isna()).to_numpy(dtype=bool)
    run = pd.Series(np.cumsum(starts), index=document.index)
    first_line = pd.Series(row_number.to_numpy(), index=document.index).groupby(run).transform("first")
    runs = pd.DataFrame({"document": document, "run": run}).dropna().drop_duplicates()
    unique = document.map(runs["document"].value_counts()).eq(1)
    line = first_line.astype("string")
    named = document.where(unique, (document + " @" + line).fillna("line " + line))
    return named.astype("string")


def _currency(table: pd.DataFrame, columns: dict[str, str], header: list[str]) -> pd.Series | str:
    default = header[21].strip().upper() or "EUR"
    if "currency" not in columns:
        return default
    return as_text(table[columns["currency"]]).str.upper().fillna(default)


def _header_facts(header: list[str]) -> dict[str, str]:
    names = ("format", "version", "category", "format_name", "format_version", "created", "imported", "origin",
             "exported_by", "imported_by", "adviser", "client", "fiscal_year_start", "account_length", "date_from",
             "date_to", "batch_name", "dictation_initials", "booking_type", "accounting_purpose", "locked",
             "currency")
    return {name: value.strip() for name, value in zip(names, header, strict=False) if value.strip()}
