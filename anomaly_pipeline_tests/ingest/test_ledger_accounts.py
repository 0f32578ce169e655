"""Which columns make a ledger's structure: Sage 50's own audit-trail headings ("Tran No.", "A/C", "N/C"), a
customer's or supplier's account beside the general ledger's, an account column found by its content, a ledger
whose account column is not understood (rejected, never read as a bank statement), and the French FEC's columns
(numbers restarting per journal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings

# (type, A/C, [(N/C, debit, credit)]) per transaction of a Sage 50 style double-entry audit trail
_KINDS = [
    ("SI", "HARL001", [("4000", "", "1200.00"), ("2200", "", "240.00"), ("1100", "1440.00", "")]),
    ("PI", "ROLL002", [("5000", "800.00", ""), ("2201", "160.00", ""), ("2100", "", "960.00")]),
    ("BP", "1200", [("7502", "55.00", ""), ("2201", "11.00", ""), ("1200", "", "66.00")]),
    ("JD", "", [("8000", "500.00", ""), ("0021", "", "500.00")]),
]
_TRANSACTIONS = 12  # three of each kind: 33 lines


def _audit_trail(number: str = "Tran No.", customer: str = "A/C", nominal: str | None = "N/C") -> str:
    head = [number, "Type", "Date", customer, *([nominal] if nominal else []), "Dept", "Ref", "Details", "Debit",
            "Credit", "User Name"]
    rows = [",".join(head)]
    for i in range(_TRANSACTIONS):
        kind, party, lines = _KINDS[i % len(_KINDS)]
        for code, debit, credit in lines:
            cells = [str(48213 + i), kind, f"{2 + i:02d}/01/2025", party, *([code] if nominal else []), "0",
                     f"R{i}", "Line text", debit, credit, "SARAHW"]
            rows.append(",".join(cells))
    return "\r\n".join(rows) + "\r\n"


def _read(tmp_path: Path, text: str):
    path = tmp_path / "audit_trail.csv"
    path.write_text(text)
    return read_file(path, get_settings())[1]


def _sources(result) -> dict[str, str | None]:
    return {k: v["source"] for k, v in result.metadata["mapping_report"]["fields"].items()}


def test_sage_audit_trail_headings(tmp_path):
    result = _read(tmp_path, _audit_trail())
    sources, frame = _sources(result), result.frame
    assert (sources["voucher_id"], sources["account"], sources["counterparty"]) == ("Tran No.", "N/C", "A/C")
    assert len(frame) == 33
    assert frame["voucher_id"].nunique() == 12
    assert frame.groupby("voucher_id")["amount"].sum().abs().max() < 0.005  # a ledger's signs: debit positive
    first = frame[frame["voucher_id"] == "48213"]
    assert first[["account", "amount", "counterparty"]].values.tolist() == [
        ["4000", -1200.0, "HARL001"], ["2200", -240.0, "HARL001"], ["1100", 1440.0, "HARL001"]]
    assert sorted(frame["account"].unique()) == ["0021", "1100", "1200", "2100", "2200", "2201", "4000", "5000",
                                                 "7502", "8000"]
    notes = result.metadata["mapping_report"]["notes"]
    assert any(n.startswith("'A/C' is taken as the counterparty") and "'N/C' names the general ledger" in n
               for n in notes)


def test_a_bare_number_heading_is_the_voucher_only_where_it_groups_lines(tmp_path):
    grouped = _read(tmp_path, _audit_trail(number="No"))
    assert _sources(grouped)["voucher_id"] == "No"
    assert grouped.frame["voucher_id"].nunique() == 12
    per_row = _audit_trail(number="No").splitlines()
    renumbered = [per_row[0]] + [f"{i + 1}," + line.split(",", 1)[1] for i, line in enumerate(per_row[1:])]
    counter = _read(tmp_path, "\r\n".join(renumbered) + "\r\n")
    assert _sources(counter)["voucher_id"] is None
    assert "No" in counter.metadata["mapping_report"]["unmapped_columns"]


def test_a_customer_account_blank_on_journals_is_not_the_account_and_content_finds_it(tmp_path):
    """Only "A/C" names an account, blank on journal lines: it is the counterparty; the unnamed column of
    recurring codes that differ within each transaction is the account."""
    result = _read(tmp_path, _audit_trail(nominal="Cpt"))
    sources, how = _sources(result), result.metadata["mapping_report"]["fields"]["account"]["how"]
    assert (sources["account"], how, sources["counterparty"]) == ("Cpt", "inferred from content", "A/C")
    assert result.frame["account"].nunique() == 10
    notes = result.metadata["mapping_report"]["notes"]
    assert any("'A/C' is taken as the counterparty" in n and "blank on 6 dated rows" in n for n in notes)


def test_a_ledger_without_an_understood_account_column_is_rejected(tmp_path):
    with pytest.raises(RejectedFile, match=r"a double-entry ledger \(12 of its 12 vouchers of several lines "
                                           r"balance\) with no account column this reader understands"):
        _read(tmp_path, _audit_trail(nominal=None))


def test_a_statement_without_an_account_column_says_how_it_was_read(tmp_path):
    text = ("Date,Details,Amount\n02/01/2025,Card payment,-12.50\n03/01/2025,Salary,2500.00\n"
            "06/01/2025,Rent,-900.00\n")
    result = _read(tmp_path, text)
    account = result.metadata["mapping_report"]["fields"]["account"]
    assert account["source"] == "BANK"
    assert account["how"].startswith("default: no column names an account, so the file is read as one account's "
                                     "statement")
    assert result.frame["amount"].tolist() == [-12.5, 2500.0, -900.0]


_FEC_HEADER = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
               "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib")
_FEC_TAIL = ("EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")


def _fec(money: tuple[str, str], lines: list[tuple[str, str]], separator: str) -> str:
    """A FEC (Fichier des Écritures Comptables): a sale and a purchase per day in journals VE and AC, each
    journal numbering its entries from 1; `lines` gives each entry's two money cells per line."""
    rows = [separator.join((*_FEC_HEADER, *money, *_FEC_TAIL))]
    for journal, label, accounts in (("VE", "Ventes", ("411000", "706000")), ("AC", "Achats", ("607000", "401000"))):
        for day in range(1, 7):
            for (account, party), cells in zip(((accounts[0], "Client SA" if journal == "VE" else ""),
                                                (accounts[1], "" if journal == "VE" else "Fournisseur SARL")),
                                               lines, strict=True):
                rows.append(separator.join((journal, label, str(day), f"202501{day:02d}", account, "Compte",
                                            "C1" if party else "", party, f"F{day}", f"202501{day:02d}",
                                            f"Facture {day}", *cells, "", "", f"202501{day + 7:02d}", "", "")))
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(("money", "lines", "separator"), [
    (("Debit", "Credit"), [("1250,50", "0,00"), ("0,00", "1250,50")], "\t"),
    (("Montant", "Sens"), [("1250,50", "D"), ("1250,50", "C")], "|"),
])
def test_french_fec(tmp_path, money, lines, separator):
    path = tmp_path / "123456789FEC20251231.txt"
    path.write_text(_fec(money, lines, separator), encoding="latin-1")
    result = read_file(path, get_settings())[1]
    sources, frame = _sources(result), result.frame
    assert (sources["voucher_id"], sources["posting_date"], sources["account"], sources["account_name"],
            sources["counterparty"], sources["reference"], sources["description"], sources["registration_date"]) == (
        "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxLib", "PieceRef", "EcritureLib", "ValidDate")
    assert sources["currency"] is None  # Idevise is the currency of Montantdevise, not of the amounts
    assert len(frame) == 24
    assert frame["voucher_id"].nunique() == 12  # each journal numbers from 1: VE 1 and AC 1 are two entries
    assert frame[frame["voucher_id"] == "VE 1"]["amount"].tolist() == [1250.5, -1250.5]
    assert frame.groupby("voucher_id")["amount"].sum().abs().max() < 0.005
    assert (frame["registration_date"] - frame["posting_date"]).dt.days.unique().tolist() == [7]
    report = result.metadata["mapping_report"]
    assert {"JournalLib", "EcritureLet", "Idevise"}.isdisjoint({entry["source"] for entry in report["fields"].values()})
    assert report["fields"]["voucher_type"] == {"source": "JournalCode", "how": "the voucher series"}
    assert frame[frame["voucher_id"] == "VE 1"]["voucher_type"].tolist() == ["VE", "VE"]
    assert "JournalCode" not in report["unmapped_columns"]
    assert any("voucher numbers restart per 'JournalCode'" in note for note in report["notes"])


_QBO = """\
"Stumptown Ridge Coffee Roasters, LLC",,,,,,,,,,
Journal,,,,,,,,,,
"January-December, 2025",,,,,,,,,,

,Transaction date,Transaction type,Num,Create date,Created by,Name,Description,Account full name,Debit,Credit
1043,,,,,,,,,,
,01/01/2025,Bill,Rent Jan 2025,12/27/2024 14:31:45,Tom Becker,Ankeny Street Properties LLC,Rent 01/2025,Rent & Lease,"14,500.00",
,01/01/2025,Bill,Rent Jan 2025,12/27/2024 14:31:45,Tom Becker,Ankeny Street Properties LLC,,Accounts Payable (A/P),,"14,500.00"
Total for 1043,,,,,,,,,"$14,500.00","$14,500.00"
1046,,,,,,,,,,
,01/02/2025,Invoice,1001,01/02/2025 09:20:13,Megan Liu,Lacamas Coffee Co,,Accounts Receivable (A/R),400.00,
,01/02/2025,Invoice,1001,01/02/2025 09:20:13,Megan Liu,Lacamas Coffee Co,House Espresso 5 lb x 5,Sales of Product Income,,310.00
,01/02/2025,Invoice,1001,01/02/2025 09:20:13,Megan Liu,Lacamas Coffee Co,Delivery / freight,Shipping Income,,90.00
Total for 1046,,,,,,,,,$400.00,$400.00
1161,,,,,,,,,,
,01/10/2025,Payment,,01/10/2025 09:22:06,Megan Liu,Tabor Bakery,,,,
,01/10/2025,Payment,,01/10/2025 09:22:06,Megan Liu,Tabor Bakery,,Accounts Receivable (A/R),,
Total for 1161,,,,,,,,,,
TOTAL,,,,,,,,,"$14,900.00","$14,900.00"


"Accrual Basis Friday, February 13, 2026 10:42 AM GMT-08:00",,,,,,,,,,
"""


def test_quickbooks_journal_report(tmp_path):
    """QuickBooks Online's Journal report: title rows, each transaction under a row with its id and closed by
    'Total for <id>', accounts by name, Num a document number (blank on a payment), a $0 payment's line."""
    result = _read(tmp_path, _QBO)
    frame, report = result.frame, result.metadata["mapping_report"]
    assert frame[["voucher_id", "account", "amount", "reference"]].fillna("").values.tolist() == [
        ["1043", "Rent & Lease", 14500.0, "Rent Jan 2025"], ["1043", "Accounts Payable (A/P)", -14500.0, "Rent Jan 2025"],
        ["1046", "Accounts Receivable (A/R)", 400.0, "1001"], ["1046", "Sales of Product Income", -310.0, "1001"],
        ["1046", "Shipping Income", -90.0, "1001"], ["1161", "Accounts Receivable (A/R)", 0.0, ""]]
    assert report["fields"]["voucher_id"]["how"] == "the report's group rows"
    skipped = {entry["reason"]: entry["rows"] for entry in report["skipped_rows"]}
    assert skipped["balance/summary rows, not transactions"] == 7  # three headings, three totals, TOTAL
    assert any("amounts of 0" in note for note in report["notes"])


_XERO = """General Ledger Detail,,,,,,,,,,
Demo Clinic Pty Ltd,,,,,,,,,,
For the period 1 July 2024 to 30 June 2025,,,,,,,,,,

Date,Source,Contact,Description,Reference,Debit,Credit,Running Balance,Gross,GST,GST Rate Name

090 - Business Bank Account,,,,,,,,,,
Opening Balance,,,,,,,"1,000.00",,,
01 Jul 2024,Receive Money,Daily Takings,Clinic takings,DT-1,"1,100.00",,"2,100.00","1,100.00",100.00,GST on Income
02 Jul 2024,Payable Payment,Vet Supplies Co,Payment: Vet Supplies Co,INV-7,,550.00,"1,550.00",-550.00,0.00,
Total 090 - Business Bank Account,,,,,"1,100.00",550.00,,,,
Closing Balance,,,,,,,"1,550.00",,,

200 - Sales,,,,,,,,,,
01 Jul 2024,Receive Money,Daily Takings,Clinic takings,DT-1,,"1,000.00","-1,000.00","-1,100.00",-100.00,GST on Income
Total 200 - Sales,,,,,0.00,"1,000.00",,,,

820 - GST,,,,,,,,,,
01 Jul 2024,Receive Money,Daily Takings,Clinic takings,DT-1,,100.00,-100.00,-100.00,0.00,
Total 820 - GST,,,,,0.00,100.00,,,,

Total,,,,,"1,100.00","1,650.00",,,,
"""


def test_a_ledger_report_grouped_by_account_gives_each_line_its_headings_account(tmp_path):
    """Xero's General Ledger Detail: each account's lines under '<code> - <name>', closed by 'Total <heading>';
    Debit minus Credit is the line's amount (not Gross, the transaction's total with its tax)."""
    result = _read(tmp_path, _XERO)
    frame, report = result.frame, result.metadata["mapping_report"]
    assert frame[["account", "account_name", "amount", "counterparty"]].values.tolist() == [
        ["090", "Business Bank Account", 1100.0, "Daily Takings"],
        ["090", "Business Bank Account", -550.0, "Vet Supplies Co"],
        ["200", "Sales", -1000.0, "Daily Takings"], ["820", "GST", -100.0, "Daily Takings"]]
    assert report["fields"]["account"]["how"] == "the report's group headings"
    assert "Gross" in report["unmapped_columns"] and "GST Rate Name" in report["unmapped_columns"]
    # no transaction number: a transaction's lines share date, reference, contact and source, and balance
    assert frame["voucher_id"].tolist() == ["2024-07-01 DT-1 Receive Money", "2024-07-02 INV-7 Payable Payment",
                                            "2024-07-01 DT-1 Receive Money", "2024-07-01 DT-1 Receive Money"]
