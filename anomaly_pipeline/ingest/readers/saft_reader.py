"""SAF-T Financial (Norwegian 1.10/1.30, tolerant of OECD 2.0 variants): GeneralLedgerEntries/Journal/Transaction/Line
(or Lines/DebitLine and Lines/CreditLine, as national variants such as Portugal's write them).

Debit amounts are positive and credit amounts negative. TransactionID is the voucher; TransactionDate the
posting date, SystemEntryDate the registration date, SourceID the user, CustomerID/SupplierID the counterparty.
"""

from __future__ import annotations

import json

import pandas as pd
from lxml import etree

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.readers.xml_text import element_text
from anomaly_pipeline.settings import Settings

# NO / OECD 2.0: Transaction/Line; Portuguese-style variants: Transaction/Lines/DebitLine|CreditLine
_LINES = ("*[local-name()='Line'] | *[local-name()='Lines']/*[local-name()='DebitLine' or "
          "local-name()='CreditLine']")
_LINE_PATH = etree.XPath(_LINES)

# where each canonical field comes from (the mapping report)
FIELD_SOURCES = {
    "posting_date": "Transaction/TransactionDate", "registration_date": "Transaction/SystemEntryDate",
    "value_date": "Line/ValueDate", "voucher_id": "Transaction/TransactionID", "voucher_type": "Journal/JournalID",
    "line_number": "Line position",
    "account": "Line/AccountID", "account_name": "GeneralLedgerAccounts AccountDescription",
    "amount": "Line/DebitAmount - Line/CreditAmount", "currency": "Header/DefaultCurrencyCode",
    "description": "Line/Description, else Transaction/Description", "counterparty": "Line/CustomerID|SupplierID",
    "user_name": "Transaction/SourceID", "reference": "Line/ReferenceNumber|SourceDocumentID",
}

_text = element_text


def _amount(line: etree._Element, side: str) -> str | None:
    """`DebitAmount/Amount` (NO, OECD 2.0) or a plain `DebitAmount` value (older national variants)."""
    element = line.find(f"{{*}}{side}")
    if element is None:
        return None
    return _text(element, "{*}Amount") or ((element.text or "").strip() or None)


def read_saft(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    """A SAF-T Financial AuditFile (its fields are fixed: `mapping` does not apply)."""
    root = source.xml_root
    header = root.find("{*}Header")
    company = header.find("{*}Company") if header is not None else None
    entity = _text(company, "{*}Name") or _text(company, "{*}RegistrationNumber")
    currency = _text(header, "{*}DefaultCurrencyCode")
    masters = root.find("{*}MasterFiles")
    account_names = _lookup(masters, "{*}GeneralLedgerAccounts/{*}Account", "{*}AccountID", "{*}AccountDescription")
    parties = {**_lookup(masters, "{*}Customers/{*}Customer", "{*}CustomerID", ".//{*}Name"),
               **_lookup(masters, "{*}Suppliers/{*}Supplier", "{*}SupplierID", ".//{*}Name")}
    ledger = root.find("{*}GeneralLedgerEntries")
    records = []
    # walk journal -> transaction -> line once: lxml's find on a parent with many children is linear in them
    for journal in (ledger.iterfind("{*}Journal") if ledger is not None else ()):
        journal_id = _text(journal, "{*}JournalID")
        for transaction in journal.iterfind("{*}Transaction"):
            shared = _transaction_fields(transaction, journal_id)
            records.extend(_record(line, number, shared, parties)
                           for number, line in enumerate(_LINE_PATH(transaction), start=1))
    if not records:
        raise RejectedFile("the SAF-T file contains no general ledger transactions (GeneralLedgerEntries is "
                           "missing or has no Journal/Transaction/Line: master data only)")
    frame = pd.DataFrame.from_records(records)
    debit = pd.to_numeric(frame.pop("debit"), errors="coerce")
    credit = pd.to_numeric(frame.pop("credit"), errors="coerce")
    missing = debit.isna() & credit.isna()
    if missing.any():
        first = frame.loc[missing].head(3)
        where = ", ".join(f"line {n} (transaction {t})" for n, t in zip(first["row_number"], first["voucher_id"],
                                                                        strict=True))
        raise RejectedFile(f"{int(missing.sum())} SAF-T lines have no readable DebitAmount or CreditAmount: {where}")
    frame["amount"] = debit.fillna(0.0) - credit.fillna(0.0)
    for column in ("posting_date", "registration_date", "value_date"):
        frame[column] = pd.to_datetime(frame[column].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    frame["account_name"] = frame["account"].map(account_names)
    frame["currency"] = currency
    frame["entity"] = entity
    frame["source_format"] = "saft"
    warnings: list[str] = []
    metadata = {
        "entity": entity,
        "company_name": _text(company, "{*}Name"),
        "registration_number": _text(company, "{*}RegistrationNumber"),
        "audit_file_version": _text(header, "{*}AuditFileVersion"),
        "country": _text(header, "{*}AuditFileCountry"),
        "software": " ".join(v for v in (_text(header, "{*}SoftwareCompanyName"), _text(header, "{*}SoftwareID"),
                                         _text(header, "{*}SoftwareVersion")) if v) or None,
        "currency": currency,
        "journals": int(frame["raw"].map(lambda r: json.loads(r).get("journal")).nunique()),
        "transactions": int(frame["voucher_id"].nunique()),
        "accounts_named": len(account_names),
    }
    _check_totals(ledger, debit.fillna(0.0).sum(), credit.fillna(0.0).sum(), metadata, warnings)
    return ReadResult(frame=frame, expected_rows=_count_lines(ledger), metadata=metadata, warnings=warnings)


def _lookup(masters: etree._Element | None, path: str, key: str, value: str) -> dict[str, str]:
    if masters is None:
        return {}
    pairs = ((_text(e, key), _text(e, value)) for e in masters.iterfind(path))
    return {k: v for k, v in pairs if k and v}


def _count_lines(ledger: etree._Element) -> int:
    """Line elements in the ledger, counted by XPath independently of the record walk."""
    transactions = "*[local-name()='Journal']/*[local-name()='Transaction']/"
    return int(ledger.xpath(f"count({transactions}{_LINES.replace(' | ', f' | {transactions}')})"))


def _transaction_fields(transaction: etree._Element, journal_id: str | None) -> dict:
    return {
        "voucher_id": _text(transaction, "{*}TransactionID"),
        "posting_date": _text(transaction, "{*}TransactionDate") or _text(transaction, "{*}GLPostingDate"),
        "registration_date": _text(transaction, "{*}SystemEntryDate"),
        "description": _text(transaction, "{*}Description"),
        "user_name": _text(transaction, "{*}SourceID"),
        "party": _text(transaction, "{*}CustomerID") or _text(transaction, "{*}SupplierID"),
        "raw": {
            "journal": journal_id,
            "period": _text(transaction, "{*}Period"),
            "period_year": _text(transaction, "{*}PeriodYear"),
            "gl_posting_date": _text(transaction, "{*}GLPostingDate"),
            "transaction_type": _text(transaction, "{*}TransactionType"),
        },
    }


def _record(line: etree._Element, line_number: int, shared: dict, parties: dict) -> dict:
    party = _text(line, "{*}CustomerID") or _text(line, "{*}SupplierID") or shared["party"]
    analysis: dict[str, str] = {}
    for item in line.iterfind("{*}Analysis"):
        kind, ident = _text(item, "{*}AnalysisType"), _text(item, "{*}AnalysisID")
        if kind and ident:
            analysis[kind] = f"{analysis[kind]},{ident}" if kind in analysis else ident
    raw = {
        **shared["raw"],
        "record_id": _text(line, "{*}RecordID"),
        "party_name": parties.get(party) if party else None,
        "source_document": _text(line, "{*}SourceDocumentID"),
        "tax_code": _text(line, "{*}TaxInformation/{*}TaxCode"),
    }
    return {
        "row_number": line.sourceline,
        "voucher_id": shared["voucher_id"],
        "voucher_type": shared["raw"]["journal"],
        "line_number": line_number,
        "posting_date": shared["posting_date"],
        "registration_date": shared["registration_date"] or _text(line, "{*}SystemEntryDate"),
        "value_date": _text(line, "{*}ValueDate"),
        "account": _text(line, "{*}AccountID"),
        "debit": _amount(line, "DebitAmount"),
        "credit": _amount(line, "CreditAmount"),
        "description": _text(line, "{*}Description") or shared["description"],
        "counterparty": party,
        "user_name": shared["user_name"],
        "reference": _text(line, "{*}ReferenceNumber") or _text(line, "{*}SourceDocumentID"),
        "dimensions": json.dumps(analysis, ensure_ascii=False) if analysis else None,
        "raw": json.dumps({k: v for k, v in raw.items() if v}, ensure_ascii=False),
    }


def _check_totals(ledger: etree._Element, debit: float, credit: float, metadata: dict, warnings: list[str]) -> None:
    """The control totals SAF-T states in GeneralLedgerEntries against what the lines add up to."""
    stated = {k: _text(ledger, f"{{*}}{k}") for k in ("NumberOfEntries", "TotalDebit", "TotalCredit")}
    transactions = metadata["transactions"]
    metadata["control_totals"] = {"stated": stated, "read": {"NumberOfEntries": transactions,
                                                            "TotalDebit": round(float(debit), 2),
                                                            "TotalCredit": round(float(credit), 2)}}
    for key, read in (("NumberOfEntries", transactions), ("TotalDebit", debit), ("TotalCredit", credit)):
        try:
            value = float(stated[key]) if stated[key] is not None else None
        except ValueError:
            value = None
        if value is not None and abs(value - float(read)) > 0.005:
            warnings.append(f"GeneralLedgerEntries/{key} states {stated[key]} but the lines give {read:.2f}")
