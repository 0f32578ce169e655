"""ISO 20022 bank-to-customer cash management: camt.052 (report), camt.053 (statement), camt.054 (notification).

Elements are matched by local name, so every version (.001.02 to .001.10) reads alike. One transaction per
entry (`Ntry`); an entry that batches several `TxDtls` that each carry an amount becomes one transaction per
`TxDtls`. An entry with a single `TxDtls`, or with several but without their own amounts, is one transaction
for the booked entry amount (the amount that moved the account). CRDT (money in) is positive, DBIT negative.
"""

from __future__ import annotations

import json
import re

import pandas as pd
from lxml import etree

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.readers.xml_text import element_text
from anomaly_pipeline.ingest.xml_document import find_document, message_element
from anomaly_pipeline.settings import Settings

# message element -> (message family, container element)
CAMT_MESSAGES: dict[str, tuple[str, str]] = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_SIGN = {"CRDT": 1.0, "DBIT": -1.0}
_MESSAGE_ID = re.compile(r"(camt\.\d{3}\.\d{3}\.\d{2})")
_NOT_PROVIDED = {"", "NOTPROVIDED", "NONREF"}


# where each canonical field comes from (the mapping report)
FIELD_SOURCES = {
    "posting_date": "Ntry/BookgDt, else ValDt, else the transaction's settlement date, else the statement's date",
    "posted_at": "Ntry/BookgDt/DtTm", "value_date": "Ntry/ValDt", "voucher_id": "statement Id / entry position",
    "voucher_type": "Ntry/BkTxCd (domain/family/sub-family, else proprietary code)",
    "line_number": "TxDtls position", "account": "Acct/Id (IBAN)", "amount": "Amt with CdtDbtInd",
    "currency": "Amt/@Ccy", "description": "RmtInf, else AddtlNtryInf", "counterparty": "RltdPties Dbtr/Cdtr Nm",
    "reference": "Refs (EndToEndId, ...), else AcctSvcrRef",
}

_text = element_text


def _first_text(element: etree._Element | None, *paths: str) -> str | None:
    for path in paths:
        value = _text(element, path)
        if value:
            return value
    return None


def _date_text(element: etree._Element | None, path: str) -> str | None:
    """A `Dt` or `DtTm` child as 'YYYY-MM-DD' or local 'YYYY-MM-DDTHH:MM:SS' (the offset dropped)."""
    value = _first_text(element, f"{path}/{{*}}Dt", f"{path}/{{*}}DtTm")
    return value[:19] if value else None


def read_camt(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    """An ISO 20022 camt.052/053/054 message (its fields are fixed: `mapping` does not apply)."""
    document = find_document(source.xml_root)
    message = message_element(document) if document is not None else None
    if message is None or etree.QName(message).localname not in CAMT_MESSAGES:
        raise RejectedFile(f"{source.name} is not an ISO 20022 camt.052/053/054 message")
    local = etree.QName(message).localname
    family, container_tag = CAMT_MESSAGES[local]
    ns_match = _MESSAGE_ID.search(etree.QName(document).namespace or "")
    message_id = ns_match.group(1) if ns_match else family
    containers = message.findall(f"{{*}}{container_tag}")
    if not containers:
        raise RejectedFile(f"the {message_id} message contains no statements/entries (no <{container_tag}> "
                           "element, only a group header)")
    records: list[dict] = []
    warnings: list[str] = []
    accounts: list[dict] = []
    group_created = _text(message, "{*}GrpHdr/{*}CreDtTm")
    for index, container in enumerate(containers, start=1):
        info = _account(container, index, group_created)
        accounts.append(info)
        before = len(records)
        for number, entry in enumerate(container.iterfind("{*}Ntry"), start=1):
            records.extend(_entry_rows(entry, number, info, family, warnings))
        _warn_statement_dated(records[before:], info, warnings)
        _check_balances(container, info, records[before:], warnings)
    if not records:
        raise RejectedFile(f"the {message_id} message contains no statements/entries ({len(containers)} "
                           f"<{container_tag}> elements, no <Ntry> entries)")
    frame = _frame(records)
    entity = accounts[0]["entity"]
    metadata = {
        "message": message_id,
        "containers": len(containers),
        "entries": sum(1 for _ in message.iterfind(f"{{*}}{container_tag}/{{*}}Ntry")),
        "accounts": sorted({a["account"] for a in accounts if a["account"]}),
        "account_owner": accounts[0]["owner"],
        "entity": entity,
        "entry_status": {str(k): int(v) for k, v in frame.pop("status").value_counts().items()},
    }
    return ReadResult(frame=frame, expected_rows=count_expected_rows(message, container_tag),
                      metadata=metadata, warnings=warnings)


def count_expected_rows(message: etree._Element, container_tag: str) -> int:
    """Per entry: its TxDtls when there are several and every one has an amount, else 1."""
    total = 0
    for entry in message.iterfind(f"{{*}}{container_tag}/{{*}}Ntry"):
        details = entry.findall("{*}NtryDtls/{*}TxDtls")
        total += len(details) if len(details) > 1 and all(_tx_amount(d) is not None for d in details) else 1
    return total


def _account(container: etree._Element, index: int, group_created: str | None) -> dict:
    acct = container.find("{*}Acct")
    iban = _text(acct, "{*}Id/{*}IBAN")
    account = iban or _text(acct, "{*}Id/{*}Othr/{*}Id")
    owner = _first_text(acct, "{*}Ownr/{*}Nm", "{*}Ownr/{*}Pty/{*}Nm")
    return {
        "id": _text(container, "{*}Id") or str(index),
        "account": account,
        "currency": _text(acct, "{*}Ccy"),
        "owner": owner,
        "entity": owner or account,
        **_statement_date(container, group_created),
    }


def _statement_date(container: etree._Element, group_created: str | None) -> dict:
    """The day a statement covers, for entries that carry no date of their own: its closing balance date, the
    end of its period, or its creation date (the statement's, else the message's), in that order."""
    for bal in container.iterfind("{*}Bal"):
        if _first_text(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd") == "CLBD" and (day := _date_text(bal, "{*}Dt")):
            return {"statement_date": day[:10], "statement_date_from": "its closing balance date"}
    period_end = _first_text(container, "{*}FrToDt/{*}ToDtTm", "{*}FrToDt/{*}ToDt")
    if period_end:
        return {"statement_date": period_end[:10], "statement_date_from": "the end of its period"}
    created = _text(container, "{*}CreDtTm") or group_created
    if created:
        return {"statement_date": created[:10], "statement_date_from": "its creation date"}
    return {"statement_date": None, "statement_date_from": None}


def _warn_statement_dated(rows: list[dict], info: dict, warnings: list[str]) -> None:
    dated = [r for r in rows if r.pop("statement_dated")]
    if dated and info["statement_date"]:
        warnings.append(f"statement {info['id']}: {len(dated)} entries have no booking or value date (no BookgDt/"
                        f"ValDt): dated {info['statement_date']}, the statement's date from "
                        f"{info['statement_date_from']}")


def _tx_amount(tx: etree._Element) -> etree._Element | None:
    return next(iter(tx.xpath("*[local-name()='Amt'] | *[local-name()='AmtDtls']/*[local-name()='TxAmt']"
                              "/*[local-name()='Amt']")), None)


def _entry_rows(entry: etree._Element, number: int, info: dict, family: str, warnings: list[str]) -> list[dict]:
    indicator = _text(entry, "{*}CdtDbtInd")
    if indicator not in _SIGN:
        raise RejectedFile(f"entry {number} of {info['id']} (line {entry.sourceline}) has CdtDbtInd "
                           f"{indicator!r}: expected CRDT or DBIT")
    amount = entry.find("{*}Amt")
    if amount is None or not (amount.text or "").strip():
        raise RejectedFile(f"entry {number} of {info['id']} (line {entry.sourceline}) has no <Amt>")
    details = entry.findall("{*}NtryDtls/{*}TxDtls")
    amounts = [_tx_amount(d) for d in details]
    split = len(details) > 1 and all(a is not None for a in amounts)
    if len(details) > 1 and not split:
        warnings.append(f"entry {number} of {info['id']} (line {entry.sourceline}) batches {len(details)} "
                        "transactions without individual amounts: loaded as one transaction")
    booking = _date_text(entry, "{*}BookgDt")
    value = _date_text(entry, "{*}ValDt")
    base = {
        "voucher_id": f"{info['id']}/{number}",
        "value_date": value[:10] if value else None,
        "account": info["account"],
        "entity": info["entity"],
        "source_format": family,
        "entry_reference": _first_text(entry, "{*}AcctSvcrRef", "{*}NtryRef"),
        "status": _first_text(entry, "{*}Sts/{*}Cd", "{*}Sts"),
        "entry_info": _text(entry, "{*}AddtlNtryInf"),
        "bank_code": _bank_code(entry),
        "reversal": _text(entry, "{*}RvslInd") in ("true", "1"),
        "booking": booking,
        "statement_date": info["statement_date"],
        "account_currency": info["currency"],
    }
    if split:
        rows = []
        for line, (tx, tx_amount) in enumerate(zip(details, amounts, strict=True), start=1):
            sign = _SIGN.get(_text(tx, "{*}CdtDbtInd") or indicator, _SIGN[indicator])
            rows.append(_row(base, [tx], sign, tx_amount, line, tx.sourceline))
        return rows
    return [_row(base, details, _SIGN[indicator], amount, 1, entry.sourceline)]


def _row(base: dict, details: list[etree._Element], sign: float, amount: etree._Element, line: int,
         source_line: int) -> dict:
    party = "Dbtr" if sign > 0 else "Cdtr"
    names = _unique(_first_text(d, f"{{*}}RltdPties/{{*}}{party}/{{*}}Nm",
                                f"{{*}}RltdPties/{{*}}{party}/{{*}}Pty/{{*}}Nm",
                                f"{{*}}RltdPties/{{*}}Ultmt{party}/{{*}}Nm") for d in details)
    other_account = _unique(_first_text(d, f"{{*}}RltdPties/{{*}}{party}Acct/{{*}}Id/{{*}}IBAN",
                                        f"{{*}}RltdPties/{{*}}{party}Acct/{{*}}Id/{{*}}Othr/{{*}}Id")
                            for d in details)
    remittance = _unique(_remittance(d) for d in details) or base["entry_info"] or _unique(
        _text(d, "{*}AddtlTxInf") for d in details)
    refs = [_reference(d) for d in details]
    reference = _unique(refs) if len(details) == 1 else None
    settled = _unique(_first_text(d, "{*}RltdDts/{*}IntrBkSttlmDt", "{*}RltdDts/{*}AccptncDtTm") for d in details)
    own_date = base["booking"] or base["value_date"] or (settled[:10] if settled else None)
    posting = own_date or base["statement_date"]
    raw = {k: base[k] for k in ("entry_reference", "status", "bank_code") if base[k]}
    raw.update({"reversal": base["reversal"]} if base["reversal"] else {})
    raw.update({"counterparty_account": other_account} if other_account else {})
    raw.update({"references": [r for r in refs if r]} if len(details) > 1 else {})
    raw["amount"] = (amount.text or "").strip()
    return {
        "row_number": source_line,
        "voucher_id": base["voucher_id"],
        "voucher_type": base["bank_code"],
        "line_number": line,
        "posting_date": posting[:10] if posting else None,
        "posted_at": base["booking"] if base["booking"] and len(base["booking"]) > 10 else None,
        "value_date": base["value_date"],
        "account": base["account"],
        "amount_text": (amount.text or "").strip(),
        "sign": sign,
        "currency": amount.get("Ccy") or base["account_currency"],
        "status": base["status"],
        "description": remittance,
        "counterparty": names,
        "reference": reference or base["entry_reference"],
        "entity": base["entity"],
        "source_format": base["source_format"],
        "raw": json.dumps(raw, ensure_ascii=False),
        "statement_dated": own_date is None,
    }


def _unique(values) -> str | None:
    seen = list(dict.fromkeys(v for v in values if v))
    return " | ".join(seen) if seen else None


def _remittance(tx: etree._Element) -> str | None:
    unstructured = [t.strip() for t in tx.xpath("*[local-name()='RmtInf']/*[local-name()='Ustrd']/text()")
                    if t.strip() and t.strip().upper() not in _NOT_PROVIDED]
    if unstructured:
        return " ".join(unstructured)
    structured = []
    for strd in tx.iterfind("{*}RmtInf/{*}Strd"):
        structured += [v for v in (_text(strd, "{*}CdtrRefInf/{*}Ref"), _text(strd, "{*}AddtlRmtInf")) if v]
    return " ".join(structured) or None


def _reference(tx: etree._Element) -> str | None:
    for path in ("{*}Refs/{*}AcctSvcrRef", "{*}Refs/{*}EndToEndId", "{*}Refs/{*}TxId"):
        value = _text(tx, path)
        if value and value.upper() not in _NOT_PROVIDED:
            return value
    return None


def _bank_code(entry: etree._Element) -> str | None:
    domain = [_text(entry, p) for p in ("{*}BkTxCd/{*}Domn/{*}Cd", "{*}BkTxCd/{*}Domn/{*}Fmly/{*}Cd",
                                        "{*}BkTxCd/{*}Domn/{*}Fmly/{*}SubFmlyCd")]
    if any(domain):
        return "/".join(d or "" for d in domain)
    return _text(entry, "{*}BkTxCd/{*}Prtry/{*}Cd")


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    amount = pd.to_numeric(frame["amount_text"], errors="coerce")
    bad = amount.isna()
    if bad.any():
        first = frame.loc[bad].head(3)
        where = ", ".join(f"line {n} ({v!r})" for n, v in zip(first["row_number"], first["amount_text"], strict=True))
        raise RejectedFile(f"{int(bad.sum())} camt amounts are not numbers: {where}")
    frame["amount"] = amount * frame["sign"]
    for column in ("posting_date", "value_date"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    return frame.drop(columns=["amount_text", "sign"])


def _check_balances(container: etree._Element, info: dict, rows: list[dict], warnings: list[str]) -> None:
    """Opening balance + booked entries = closing balance, when the statement states both in one currency."""
    balances = {}
    for bal in container.iterfind("{*}Bal"):
        code = _first_text(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd", "{*}Tp/{*}CdOrPrtry/{*}Prtry")
        amt = bal.find("{*}Amt")
        if code and amt is not None and (amt.text or "").strip():
            sign = _SIGN.get(_text(bal, "{*}CdtDbtInd") or "CRDT", 1.0)
            balances[code] = (sign * float(amt.text), amt.get("Ccy"))
    opening = balances.get("OPBD") or balances.get("PRCD")
    closing = balances.get("CLBD")
    if not opening or not closing or opening[1] != closing[1]:
        return
    booked = [r for r in rows if r["status"] in (None, "BOOK") and r["currency"] == opening[1]]
    if len(booked) != len(rows):
        return
    try:
        moved = sum(r["sign"] * float(r["amount_text"]) for r in booked)
    except ValueError:
        return
    difference = round(opening[0] + moved - closing[0], 2)
    if abs(difference) > 0.005:
        warnings.append(f"statement {info['id']}: opening balance {opening[0]:.2f} + entries {moved:.2f} != closing "
                        f"balance {closing[0]:.2f} ({opening[1]}, difference {difference:+.2f})")
