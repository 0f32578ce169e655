"""XML reader: every shared camt/XSD sample, safe parsing (XXE, billion laughs, depth), camt batches, SAF-T."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest

from anomaly_pipeline.cli import main
from anomaly_pipeline.ingest.detect_format import detect_format
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.conftest import REAL_DATA, real_file
from anomaly_pipeline_tests.generators.saft import ACCOUNTS, OECD_NAMESPACE, write_saft

# file -> ("loaded", source_format, entity) or ("rejected", reason substring)
EXPECTED: dict[str, tuple[str, ...]] = {
    "Subite-eu__camt-to-coda__2024-03-18.xml": ("loaded", "camt.054", "LT809872649478701594"),
    "Subite-eu__camt-to-coda__BE68793230773034-202411.xml": ("loaded", "camt.053", "Vertex Ltd"),
    "Subite-eu__camt-to-coda__account_statement.xml": ("loaded", "camt.053", "Sigma Solutions"),
    "genkgo__camt__camt.053.001.02.xsd": ("rejected", "is an XML schema (XSD for urn:iso:std:iso:20022:tech:xsd:"
                                                      "camt.053.001.02), not data"),
    "genkgo__camt__camt.053.001.08.xsd": ("rejected", "is an XML schema"),
    "genkgo__camt__camt052.v2.xml": ("loaded", "camt.052", "FINPETROL"),
    "genkgo__camt__camt053.v2.minimal.xml": ("loaded", "camt.053", "NL26VAYB8060476890"),
    "genkgo__camt__camt053.v2.multi.statement.xml": ("loaded", "camt.053", "NL26VAYB8060476890"),
    "genkgo__camt__camt053.v2.wrong.xml": ("rejected", "camt.053.001.02 message contains no statements/entries"),
    "genkgo__camt__camt053.v3.xml": ("loaded", "camt.053", "COMPANY BVBA"),
    "genkgo__camt__camt053.v8.xml": ("loaded", "camt.053", "FINPETROL"),
    "genkgo__camt__camt054.v2.xml": ("loaded", "camt.054", "FINPETROL"),
}


def _tag(name: str) -> str:
    return rf"<(?:\w+:)?{name}\b[^>]*>"


def _file_rows(text: str) -> tuple[int, float]:
    """(rows, signed total) by regex: per <Ntry>, its <TxDtls> when several each carry an <Amt>, else the entry."""
    rows, total = 0, 0.0
    for block in re.findall(_tag("Ntry") + r"(.*?)</(?:\w+:)?Ntry>", text, re.S):
        head = re.split(_tag("NtryDtls"), block)[0]
        amount = float(re.search(_tag("Amt") + r"([^<]+)<", head).group(1))
        sign = 1.0 if re.search(_tag("CdtDbtInd") + r"\s*CRDT", head) else -1.0
        details = re.findall(_tag("TxDtls") + r"(.*?)</(?:\w+:)?TxDtls>", block, re.S)
        amounts = [re.search(_tag("Amt") + r"([^<]+)<", d) for d in details]
        if len(details) > 1 and all(amounts):
            rows += len(details)
            for detail, found in zip(details, amounts, strict=True):
                own = re.search(_tag("CdtDbtInd") + r"\s*(CRDT|DBIT)", detail)
                tx_sign = sign if own is None else (1.0 if own.group(1) == "CRDT" else -1.0)
                total += tx_sign * float(found.group(1))
        else:
            rows += 1
            total += sign * amount
    return rows, total


def test_expected_table_covers_every_shared_xml_file():
    assert set(EXPECTED) == {p.name for p in (REAL_DATA / "xml").iterdir()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_xml_files(name, monkeypatch, tmp_path):
    monkeypatch.setenv("ANOMALY_DATA_DIR", str(tmp_path))
    path = real_file(f"xml/{name}")
    expected = EXPECTED[name]
    if expected[0] == "rejected":
        with pytest.raises(RejectedFile) as info:
            read_file(path, get_settings())
        assert expected[1] in info.value.reason
        return
    _, family, entity = expected
    file_format, result = read_file(path, get_settings())
    frame = result.frame
    rows, total = _file_rows(path.read_text(encoding="utf-8"))
    assert file_format == "xml"
    assert len(frame) == rows == result.expected_rows
    assert frame["amount"].sum() == pytest.approx(total, abs=0.005)
    assert set(frame["source_format"]) == {family}
    assert result.metadata["entity"] == entity and set(frame["entity"]) == {entity}
    assert frame["posting_date"].notna().all() and frame["account"].notna().all()
    assert frame["currency"].notna().all()


def test_statement_fields():
    _, result = read_file(real_file("xml/Subite-eu__camt-to-coda__BE68793230773034-202411.xml"), get_settings())
    first = result.frame.iloc[0]
    assert first["account"] == "BE68793230773034"
    assert first["amount"] == 50000.0  # CRDT: money in
    assert first["posting_date"].strftime("%Y-%m-%d") == "2024-11-29"
    assert first["counterparty"] == "Stellar Ltd"  # the debtor of a credit
    assert first["description"] == "Transfer ref HBAVHC9717"
    assert first["reference"] == "E2ESEKOZLQO41354223"
    assert first["currency"] == "EUR"
    assert first["voucher_type"] == "PMNT/RCDT/ESCT"  # BkTxCd: a received SEPA credit transfer
    second = result.frame.iloc[1]
    assert second["amount"] == -131.7 and second["counterparty"] == "Zeta NV"  # DBIT: the creditor
    assert result.metadata["message"] == "camt.053.001.02"
    assert not result.warnings  # opening 59370.37 + entries = closing 87539.12


def test_camt054_batched_transaction_details():
    path = real_file("xml/Subite-eu__camt-to-coda__2024-03-18.xml")
    _, result = read_file(path, get_settings())
    frame = result.frame
    text = path.read_text(encoding="utf-8")
    tx_ids = re.findall(r"<TxId>([^<]+)</TxId>", text)
    assert len(frame) == len(tx_ids) == 41
    assert frame["voucher_id"].nunique() == 1
    assert frame["line_number"].tolist() == list(range(1, 42))
    assert frame["reference"].tolist() == tx_ids
    entry = re.search(r"<Ntry><Amt Ccy=\"EUR\">([^<]+)</Amt><CdtDbtInd>DBIT", text)
    assert frame["amount"].sum() == pytest.approx(-float(entry.group(1)), abs=0.005)
    assert frame["posting_date"].notna().all()  # no BookgDt: the interbank settlement date


def test_camt054_batch_without_amounts_is_one_transaction():
    _, result = read_file(real_file("xml/genkgo__camt__camt054.v2.xml"), get_settings())
    assert len(result.frame) == 1
    assert result.frame["amount"].iloc[0] == -200000.0
    assert "batches 3 transactions without individual amounts" in result.warnings[0]
    assert "Unstructured Remittance Information V1" in result.frame["description"].iloc[0]


CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-05-02T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2024-05-02T08:00:00</CreDtTm>
<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id><Ccy>SEK</Ccy><Ownr><Nm>Ägare AB</Nm></Ownr></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="SEK">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="SEK">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
<Ntry><NtryRef>7</NtryRef><Amt Ccy="SEK">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
 <BookgDt><DtTm>2024-05-01T14:05:00+02:00</DtTm></BookgDt><ValDt><Dt>2024-05-02</Dt></ValDt>
 <AcctSvcrRef>BANKREF1</AcctSvcrRef>
 <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
  <RltdPties><Dbtr><Nm>Betalare AB</Nm></Dbtr><Cdtr><Nm>Ägare AB</Nm></Cdtr></RltdPties>
  <RmtInf><Strd><CdtrRefInf><Ref>OCR 123</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="SEK">50.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-05-01</Dt></BookgDt>
 <NtryDtls>
  <TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="SEK">30.00</Amt></TxAmt></AmtDtls>
   <RltdPties><Cdtr><Nm>Lev Ett</Nm></Cdtr></RltdPties><RmtInf><Ustrd>Faktura 1</Ustrd></RmtInf></TxDtls>
  <TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="SEK">20.00</Amt></TxAmt></AmtDtls>
   <RltdPties><Cdtr><Pty><Nm>Lev Två</Nm></Pty></Cdtr></RltdPties><RmtInf><Ustrd>Faktura 2</Ustrd></RmtInf></TxDtls>
 </NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def _write(tmp_path: Path, text: str, name: str = "doc.xml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _read(path: Path):
    return read_file(path, get_settings())[1]


def test_crafted_statement(tmp_path):
    result = _read(_write(tmp_path, CAMT.replace("{closing}", "1050.00")))
    frame = result.frame
    assert frame["amount"].tolist() == [100.0, -30.0, -20.0]
    assert frame["counterparty"].tolist() == ["Betalare AB", "Lev Ett", "Lev Två"]
    assert frame["description"].tolist() == ["OCR 123", "Faktura 1", "Faktura 2"]
    assert frame["reference"].tolist() == ["BANKREF1", "E1", "E2"]
    assert frame["voucher_id"].tolist() == ["S1/1", "S1/2", "S1/2"]
    assert frame["line_number"].tolist() == [1, 1, 2]
    assert frame["posted_at"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2024-05-01 14:05"  # local time, as booked
    assert frame["value_date"].iloc[0].strftime("%Y-%m-%d") == "2024-05-02"
    assert set(frame["entity"]) == {"Ägare AB"}
    assert not result.warnings
    mismatch = _read(_write(tmp_path, CAMT.replace("{closing}", "1060.00"), name="other.xml"))
    assert any("closing balance 1060.00" in w and "difference -10.00" in w for w in mismatch.warnings)


def test_xxe_with_a_local_file_is_rejected_without_leaking(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4711")
    doctype = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    text = CAMT.replace("{closing}", "1050.00").replace("<Ustrd>Faktura 1</Ustrd>", "<Ustrd>&xxe;</Ustrd>")
    text = text.replace("<Document ", doctype + "<Document ", 1)
    for encoding in ("utf-8", "utf-16"):
        path = _write(tmp_path, text.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"'),
                      name=f"xxe-{encoding}.xml", encoding=encoding)
        assert detect_format(path.read_bytes()) == "xml"
        with pytest.raises(RejectedFile) as info:
            _read(path)
        assert "DOCTYPE" in info.value.reason
        assert "TOPSECRET" not in info.value.reason and "TOPSECRET" not in repr(info.value)


def test_billion_laughs_is_rejected_quickly(tmp_path):
    entities = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                                          for i in range(1, 10)]
    text = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{"".join(entities)}]>\n<lolz>&lol9;</lolz>\n'
    started = time.perf_counter()
    with pytest.raises(RejectedFile) as info:
        _read(_write(tmp_path, text))
    assert time.perf_counter() - started < 1.0
    assert "DOCTYPE/ENTITY" in info.value.reason


def test_excessive_depth_is_rejected(tmp_path):
    text = "<Document>" + "<a>" * 1000 + "x" + "</a>" * 1000 + "</Document>"
    with pytest.raises(RejectedFile) as info:
        _read(_write(tmp_path, text))
    assert "malformed XML: Excessive depth" in info.value.reason


@pytest.mark.parametrize(("text", "reason"), [
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.086.001.02"><BkSvcsBllgStmt/></Document>',
     "unsupported XML document: root element {urn:iso:std:iso:20022:tech:xsd:camt.086.001.02}Document of "
     "camt.086.001.02 (containing BkSvcsBllgStmt)"),
    ('<invoice xmlns="urn:example:inv"><line/></invoice>', "unsupported XML document: root element "
                                                           "{urn:example:inv}invoice"),
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>1</Id></Stmt>'
     '</BkToCstmrStmt></Document>', "contains no statements/entries (1 <Stmt> elements, no <Ntry> entries)"),
    ("<Document><unclosed></Document>", "malformed XML"),
])
def test_unsupported_or_empty_xml_is_rejected(tmp_path, text, reason):
    with pytest.raises(RejectedFile) as info:
        _read(_write(tmp_path, text))
    assert reason in info.value.reason


def test_saft_round_trip(tmp_path):
    path = tmp_path / "SAF-T Financial_999888777_20240201.xml"
    truth = write_saft(path, seed=11, transactions=80)
    text = path.read_text(encoding="utf-8")
    file_format, result = read_file(path, get_settings())
    frame = result.frame
    assert file_format == "xml"
    assert len(frame) == truth.lines == len(re.findall(r"<Line>", text)) == result.expected_rows
    assert frame["voucher_id"].nunique() == truth.transactions == len(re.findall(r"<Transaction>", text)) == 80
    assert [Decimal(f"{a:.2f}") for a in frame["amount"]] == truth.signed_amounts
    assert frame.loc[frame["amount"] > 0, "amount"].sum() == pytest.approx(float(truth.total_debit), abs=0.005)
    assert frame["amount"].sum() == pytest.approx(0.0, abs=0.005)
    assert frame["account"].tolist() == truth.accounts
    assert frame["account_name"].tolist() == [ACCOUNTS[a] for a in truth.accounts]
    assert frame["counterparty"].astype(object).where(frame["counterparty"].notna(), None).tolist() == \
        truth.counterparties
    assert frame["user_name"].tolist() == truth.users
    assert [json.loads(d) if d else None for d in frame["dimensions"].fillna("")] == \
        truth.dimensions
    assert frame["line_number"].max() == 3 and (frame["line_number"] >= 1).all()
    assert (frame["registration_date"] >= frame["posting_date"]).all()
    assert set(frame["entity"]) == {truth.entity} and set(frame["currency"]) == {"NOK"}
    assert set(frame["source_format"]) == {"saft"}
    assert result.metadata["audit_file_version"] == "1.30"
    assert not result.warnings


def test_saft_oecd_namespace_and_control_totals(tmp_path):
    path = tmp_path / "oecd.xml"
    truth = write_saft(path, seed=3, transactions=12, namespace=OECD_NAMESPACE, misstate_total_debit=Decimal("10"))
    result = _read(path)
    assert len(result.frame) == truth.lines
    assert any("TotalDebit states" in w for w in result.warnings)


def test_saft_without_ledger_entries_is_rejected(tmp_path):
    path = tmp_path / "master.xml"
    write_saft(path, transactions=2)
    text = re.sub(r"<GeneralLedgerEntries>.*</GeneralLedgerEntries>", "", path.read_text(encoding="utf-8"),
                  flags=re.S)
    with pytest.raises(RejectedFile) as info:
        _read(_write(tmp_path, text, name="master-only.xml"))
    assert "no general ledger transactions" in info.value.reason


def test_process_camt_statement_end_to_end(env, capsys):
    path = real_file("xml/Subite-eu__camt-to-coda__BE68793230773034-202411.xml")
    entries = len(re.findall(r"<Ntry>", path.read_text(encoding="utf-8")))
    assert main(["process", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["status"] == "loaded"
    assert out[0]["transactions"] == entries == 268


PT_SAFT = """<?xml version="1.0" encoding="UTF-8"?>
<AuditFile xmlns="urn:OECD:StandardAuditFile-Tax:PT_1.04_01">
<Header><AuditFileVersion>1.04_01</AuditFileVersion><CompanyID>500000000</CompanyID>
 <CompanyName>Empresa Lda</CompanyName><Company><Name>Empresa Lda</Name></Company>
 <CurrencyCode>EUR</CurrencyCode><DefaultCurrencyCode>EUR</DefaultCurrencyCode></Header>
<MasterFiles><GeneralLedgerAccounts><Account><AccountID>21</AccountID><AccountDescription>Clientes</AccountDescription>
</Account></GeneralLedgerAccounts></MasterFiles>
<GeneralLedgerEntries><NumberOfEntries>1</NumberOfEntries><TotalDebit>123.00</TotalDebit><TotalCredit>123.00</TotalCredit>
<Journal><JournalID>VND</JournalID><Description>Vendas</Description>
<Transaction><TransactionID>2024-01-05 VND 1</TransactionID><Period>1</Period><TransactionDate>2024-01-05</TransactionDate>
 <SourceID>joao</SourceID><Description>Fatura 1</Description><GLPostingDate>2024-01-05</GLPostingDate>
 <CustomerID>C1</CustomerID>
 <Lines>
  <DebitLine><RecordID>1</RecordID><AccountID>21</AccountID><SystemEntryDate>2024-01-05T10:00:00</SystemEntryDate>
   <Description>Fatura 1</Description><DebitAmount>123.00</DebitAmount></DebitLine>
  <CreditLine><RecordID>2</RecordID><AccountID>71</AccountID><SystemEntryDate>2024-01-05T10:00:00</SystemEntryDate>
   <Description>Venda</Description><CreditAmount>100.00</CreditAmount></CreditLine>
  <CreditLine><RecordID>3</RecordID><AccountID>2433</AccountID><SystemEntryDate>2024-01-05T10:00:00</SystemEntryDate>
   <Description>IVA</Description><CreditAmount>23.00</CreditAmount></CreditLine>
 </Lines></Transaction></Journal></GeneralLedgerEntries></AuditFile>
"""


def test_saft_with_debit_and_credit_line_elements(tmp_path):
    result = _read(_write(tmp_path, PT_SAFT, name="pt.xml"))
    frame = result.frame
    assert result.expected_rows == len(frame) == 3
    assert frame["amount"].tolist() == [123.0, -100.0, -23.0]
    assert frame["account_name"].tolist()[0] == "Clientes"
    assert set(frame["counterparty"]) == {"C1"} and set(frame["user_name"]) == {"joao"}
    assert set(frame["entity"]) == {"Empresa Lda"}
    assert set(frame["registration_date"].dt.strftime("%Y-%m-%d")) == {"2024-01-05"}  # line SystemEntryDate
    assert not result.warnings
