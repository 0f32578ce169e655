"""Headers read by meaning, confirmed by content, and the mapping report, through `read_file`.

Each file is laid out as the export it imitates (header wording, qualifiers, preambles, debit/credit pairs,
date columns); the expected counts and totals are summed by hand from the rows written here.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_match import fields_for, tokens
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings


def _read(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_file(path, get_settings())[1]


def _fields(result) -> dict[str, tuple[str | None, str]]:
    return {k: (v["source"], v["how"]) for k, v in result.metadata["mapping_report"]["fields"].items()}


@pytest.mark.parametrize(("header", "expected_tokens", "field"), [
    ("Withdrawals (SGD)", ("withdrawals",), "debit"),
    ("Gross Credit (GC)", ("gross", "credit"), "credit"),
    ("Částka CZK", ("castka",), "amount"),
    ("Buchungsbetrag", ("buchungs", "betrag"), "amount"),
    ("Umsatz (ohne Soll/Haben-Kz)", ("umsatz",), "amount"),
    ("Registreringsdatum", ("registrering", "datum"), "registration_date"),
    ("Registrert av", ("registrert", "av"), "user_name"),
    ("JournalNumber", ("journal", "number"), "voucher_id"),
    ("G/L Account No.", ("g", "l", "account", "no"), "account"),
    ("Kontobezeichnung", ("konto", "bezeichnung"), "account_name"),
    ("Amount in local currency", ("amount", "in", "local", "currency"), "amount"),
    ("Beløp", ("belop",), "amount"),
    ("Bilagsnr.", ("bilag", "nr"), "voucher_id"),
    ("Verifikationsnr", ("verifikation", "nr"), "voucher_id"),
    ("EcritureNum", ("ecriture", "num"), "voucher_id"),
    ("EcritureDate", ("ecriture", "date"), "posting_date"),
    ("EcritureLib", ("ecriture", "lib"), "description"),
    ("CompteLib", ("compte", "lib"), "account_name"),
    ("ValidDate", ("valid", "date"), "registration_date"),
])
def test_header_words(header, expected_tokens, field):
    assert tokens(header) == expected_tokens
    assert fields_for(header)[0][0] == field


@pytest.mark.parametrize("header", ["Commission (NC)", "Exchange Rate", "Document Type", "Due Date", "TimeZone",
                                    "Gegenkonto (ohne BU-Schlüssel)", "Soll/Haben-Kennzeichen", "Customer ID"])
def test_headers_that_name_no_field(header):
    assert fields_for(header) == []


def test_currency_qualified_withdrawals_and_deposits(tmp_path):
    """A Singapore statement: the currency code in brackets after each money column."""
    text = ("Transaction Date,Reference,Description,Withdrawals (SGD),Deposits (SGD),Balance (SGD)\n"
            "02 Jan 2024,FAST,Salary ACME PTE LTD,,4500.00,5700.00\n"
            "03 Jan 2024,NETS,NTUC FairPrice,86.35,,5613.65\n"
            "05 Jan 2024,GIRO,SP Services,112.40,,5501.25\n")
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [4500.00, -86.35, -112.40]
    assert _fields(result)["debit"] == ("Withdrawals (SGD)", "header")
    assert result.metadata["mapping_report"]["balance_columns"] == ["Balance (SGD)"]


def test_amount_with_a_currency_code_after_it(tmp_path):
    text = ("Datum;Protiúčet;Částka CZK;Poznámka\n"
            "01.02.2024;123456789/0800;-1 250,50;nájem\n"
            "03.02.2024;987654321/0100;32 000,00;mzda\n")
    result = _read(tmp_path, text, encoding="cp1250")
    assert result.frame["amount"].tolist() == [-1250.50, 32000.00]
    assert _fields(result)["amount"] == ("Částka CZK", "header")


def test_german_card_statement_takes_the_booked_amount(tmp_path):
    """`Buchungsbetrag` (booked, EUR) beside `Originalbetrag` (card currency) and `Umrechnungskurs`."""
    text = ("Buchungsdatum;Belegdatum;Beschreibung;Originalbetrag;Originalwährung;Umrechnungskurs;Buchungsbetrag\n"
            "05.03.2024;03.03.2024;AMAZON.COM;-45,99;USD;1,0912;-42,15\n"
            "07.03.2024;06.03.2024;BAHN;-19,90;EUR;;-19,90\n"
            "12.03.2024;12.03.2024;GUTSCHRIFT;100,00;EUR;;100,00\n")
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-42.15, -19.90, 100.00]
    assert _fields(result)["amount"] == ("Buchungsbetrag", "header words")
    assert _fields(result)["posting_date"] == ("Buchungsdatum", "header")
    assert "Originalbetrag" in result.metadata["mapping_report"]["unmapped_columns"]


def test_italian_entrate_uscite_below_a_preamble(tmp_path):
    text = ("Banca Esempio S.p.A.\n"
            "Estratto conto\n"
            "Conto;IT60X0542811101000000123456\n"
            "Intestatario;Mario Rossi\n"
            "Periodo;01/04/2024 - 30/04/2024\n"
            "\n"
            "Data;Data valuta;Descrizione;Entrate;Uscite\n"
            "02/04/2024;02/04/2024;Stipendio;2.150,00;\n"
            "05/04/2024;05/04/2024;Affitto;;750,00\n"
            "18/04/2024;17/04/2024;Supermercato;;63,20\n")
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [2150.00, -750.00, -63.20]
    assert result.frame["account"].unique().tolist() == ["IT60X0542811101000000123456"]
    assert _fields(result)["credit"] == ("Entrate", "header words")


SETTLEMENT = [
    ["Company Account", "Merchant Account", "Psp Reference", "Merchant Reference", "Payment Method",
     "Creation Date", "Booking Date", "Type", "Gross Currency", "Gross Debit (GC)", "Gross Credit (GC)",
     "Exchange Rate", "Net Currency", "Net Debit (NC)", "Net Credit (NC)", "Commission (NC)", "Markup (NC)",
     "Scheme Fees (NC)", "Interchange (NC)"],
    ["AcmeCo", "AcmeShop", "8515131751004933", "order-1001", "visa", "2024-05-02 10:14:07", "2024-05-06 03:00:00",
     "Settled", "EUR", "", "120.00", "1", "EUR", "", "117.62", "0.12", "0.36", "0.25", "1.65"],
    ["AcmeCo", "AcmeShop", "8515131751004934", "order-1002", "mc", "2024-05-02 18:40:51", "2024-05-06 03:00:00",
     "Settled", "EUR", "", "35.50", "1", "EUR", "", "34.62", "0.12", "0.11", "0.08", "0.57"],
    ["AcmeCo", "AcmeShop", "8515131751004935", "order-0990", "visa", "2024-05-03 09:02:33", "2024-05-07 03:00:00",
     "Refunded", "EUR", "20.00", "", "1", "EUR", "20.12", "", "0.12", "", "", ""],
    ["AcmeCo", "AcmeShop", "8515131751004936", "order-1003", "visa", "2024-05-04 12:00:00", "2024-05-07 03:00:00",
     "Settled", "EUR", "", "80.00", "1", "EUR", "", "78.41", "0.12", "0.24", "0.17", "1.06"],
]


def _check_settlement(result) -> None:
    # gross credits 120.00 + 35.50 + 80.00, gross debit 20.00: money in positive
    assert result.frame["amount"].round(2).tolist() == [120.00, 35.50, -20.00, 80.00]
    assert round(result.frame["amount"].sum(), 2) == 215.50
    fields = _fields(result)
    assert fields["debit"] == ("Gross Debit (GC)", "header words")
    assert fields["credit"] == ("Gross Credit (GC)", "header words")
    assert fields["posting_date"] == ("Booking Date", "header")
    assert fields["reference"] == ("Psp Reference", "header")
    # the payment was created before it was booked: not a registration (backdating would flag every row)
    assert fields["registration_date"] == (None, "absent")
    unmapped = result.metadata["mapping_report"]["unmapped_columns"]
    assert {"Creation Date", "Net Debit (NC)", "Net Credit (NC)", "Commission (NC)"} <= set(unmapped)


def test_payment_provider_settlement_csv(tmp_path):
    text = "\n".join(",".join(row) for row in SETTLEMENT) + "\n"
    _check_settlement(_read(tmp_path, text, "settlement_detail_report_batch_12.csv"))


def test_payment_provider_settlement_xlsx_with_the_header_on_the_fourth_row(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Settlement details report"])
    sheet.append(["Batch", 12])
    sheet.append([])
    for row in SETTLEMENT:
        sheet.append(row)
    path = tmp_path / "settlement.xlsx"
    workbook.save(path)
    _check_settlement(read_file(path, get_settings())[1])


def test_registered_column_is_the_registration_date(tmp_path):
    """`Registered` (on or after the posting date) feeds the backdating tests; `Created by` is the user."""
    text = ("Voucher,Date,Registered,Account,Debit,Credit,Created by\n"
            "V1,2024-03-28,2024-03-28,1930,,500.00,anna\n"
            "V1,2024-03-28,2024-03-28,6110,500.00,,anna\n"
            "V2,2024-03-31,2024-04-15,1930,,80.00,erik\n"
            "V2,2024-03-31,2024-04-15,5410,80.00,,erik\n")
    result = _read(tmp_path, text)
    fields = _fields(result)
    assert fields["registration_date"] == ("Registered", "header words")
    assert fields["posting_date"] == ("Date", "header")
    assert fields["user_name"] == ("Created by", "header")
    assert result.frame["registration_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-28", "2024-03-28", "2024-04-15", "2024-04-15"]
    assert round(result.frame["amount"].sum(), 2) == 0.0  # a ledger: debit positive, credit negative


def test_a_registration_date_may_precede_the_posting_date_on_a_few_rows(tmp_path):
    """An accrual entered before the day it is dated for still leaves `Registered` the registration date: it
    is later than the posting date more often than earlier."""
    text = ("Voucher,Date,Registered,Account,Amount\n"
            "V1,2024-03-31,2024-03-28,1930,-500.00\nV1,2024-03-31,2024-03-28,2990,500.00\n"
            "V2,2024-03-05,2024-03-09,1930,-80.00\nV2,2024-03-05,2024-03-09,5410,80.00\n"
            "V3,2024-03-06,2024-03-06,1930,-20.00\nV3,2024-03-06,2024-03-06,6570,20.00\n")
    result = _read(tmp_path, text)
    assert _fields(result)["registration_date"] == ("Registered", "header words")
    text = text.replace("2024-03-09", "2024-03-01")  # now before the posting date on more rows than after
    result = _read(tmp_path, text)
    assert result.frame["registration_date"].isna().all()
    assert ("'Registered' is not taken as the registration date: it falls before the posting date on 4 rows "
            "and after it on 0: a start or order date, not a registration date"
            ) in result.metadata["mapping_report"]["notes"]


def test_created_beside_a_posting_date_is_never_the_posting_date(tmp_path):
    text = ("Created,Posting Date,Journal No.,Account Code,Account Name,Net Amount\n"
            "2024-02-03 09:12,2024-01-31,JE-17,4000,Sales,-1200.00\n"
            "2024-02-03 09:12,2024-01-31,JE-17,1200,Receivables,1200.00\n"
            "2024-02-05 14:30,2024-02-05,JE-18,6100,Rent,900.00\n"
            "2024-02-05 14:30,2024-02-05,JE-18,1930,Bank,-900.00\n")
    result = _read(tmp_path, text)
    fields = _fields(result)
    assert fields["posting_date"] == ("Posting Date", "header")
    assert fields["registration_date"] == ("Created", "header words")
    assert fields["voucher_id"] == ("Journal No.", "header")
    assert fields["account"] == ("Account Code", "header")
    assert fields["account_name"] == ("Account Name", "header")
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-31", "2024-01-31", "2024-02-05", "2024-02-05"]


def test_created_alone_is_the_posting_date(tmp_path):
    text = "id,created,amount,currency\nch_1,2021-02-03 13:12,25.00,cad\nch_2,2021-02-04 06:53,27.50,cad\n"
    result = _read(tmp_path, text)
    assert _fields(result)["posting_date"] == ("created", "header words")
    assert any("used as the posting date" in n for n in result.metadata["mapping_report"]["notes"])


@pytest.mark.parametrize(("header", "delimiter", "rows", "total"), [
    # Business Central G/L entries
    ("Posting Date;Document No.;G/L Account No.;Description;Debit Amount;Credit Amount;User ID;Entry No.", ";",
     ["15.01.2024;PS-INV103001;10700;Direct cost;0;128,40;ADMIN;1",
      "15.01.2024;PS-INV103001;40100;Direct cost;128,40;0;ADMIN;2"], 0.0),
    # SAP line items with an entry date
    ("Posting Date,Entry Date,Document Number,G/L Account,Text,Amount in local currency,User Name", ",",
     ["2024-03-29,2024-04-03,1900000012,113100,Bank,-250.00,JSMITH",
      "2024-03-29,2024-04-03,1900000012,400000,Revenue,250.00,JSMITH"], 0.0),
])
def test_general_ledger_exports(tmp_path, header, delimiter, rows, total):
    result = _read(tmp_path, "\n".join([header, *rows]) + "\n")
    fields = _fields(result)
    assert len(result.frame) == len(rows)
    assert round(result.frame["amount"].sum(), 2) == total
    assert fields["voucher_id"][0] in ("Document No.", "Document Number")
    assert fields["account"][0] in ("G/L Account No.", "G/L Account")
    assert fields["user_name"][0] in ("User ID", "User Name")
    assert result.frame["voucher_id"].nunique() == 1


def test_sap_entry_date_is_the_registration_date(tmp_path):
    text = ("Posting Date,Entry Date,Document Number,G/L Account,Amount in local currency\n"
            "2024-03-29,2024-04-03,1900000012,113100,-250.00\n"
            "2024-03-29,2024-04-03,1900000012,400000,250.00\n")
    result = _read(tmp_path, text)
    assert _fields(result)["registration_date"] == ("Entry Date", "header words")


def test_content_decides_the_amount_and_the_registration_date(tmp_path):
    """Headers that mean nothing: the only signed decimal column is the amount, the second date column (on or
    after the first on every row) the registration date; the report says both were inferred."""
    text = ("F1,F2,F3,F4,F5\n"
            "2024-01-05,2024-01-05,A-1,7,-12.50\n"
            "2024-01-06,2024-01-09,A-2,3,250.00\n"
            "2024-01-08,2024-01-08,A-3,12,-7.25\n")
    result = _read(tmp_path, text)
    fields = _fields(result)
    assert fields["posting_date"] == ("F1", "inferred from content")
    assert fields["registration_date"] == ("F2", "inferred from content")
    assert fields["amount"] == ("F5", "inferred from content")
    assert result.frame["amount"].tolist() == [-12.50, 250.00, -7.25]


def test_two_signed_decimal_columns_are_not_guessed(tmp_path):
    text = "F1,F2,F3\n2024-01-05,-12.50,3.75\n2024-01-06,250.00,-1.25\n"
    with pytest.raises(RejectedFile, match="no amount column found .*2 columns of signed decimal numbers"):
        _read(tmp_path, text)


def test_mapping_report_lists_rows_skipped_and_why(tmp_path):
    text = ("Date,Description,Amount\n"
            "2024-01-01,Opening balance,1000.00\n"
            "2024-01-02,Coffee,-3.50\n"
            "Pending,Card,-9.99\n"
            "2024-01-03,Book,-12.00\n")
    result = _read(tmp_path, text)
    report = result.metadata["mapping_report"]
    assert report["skipped_rows"] == [
        {"reason": "balance/summary rows, not transactions", "rows": 1},
        {"reason": "no parsable date in column 'Date'", "rows": 1},
    ]
    assert len(result.frame) == 2


def test_datev_booking_batch_with_a_debit_credit_flag(tmp_path):
    """DATEV Buchungsstapel columns (full dates here; DATEV itself writes DDMM with the year in its EXTF header):
    an unsigned 'Umsatz (ohne Soll/Haben-Kz)' signed by the S/H flag, 'Gegenkonto' and 'WKZ Umsatz' not read as
    account and amount."""
    text = ("Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);"
            "Belegdatum;Belegfeld 1;Buchungstext\n"
            "119,00;S;EUR;4930;1200;05.03.2024;RE-2024-17;Bürobedarf\n"
            "119,00;H;EUR;1200;4930;05.03.2024;RE-2024-17;Bürobedarf\n"
            "2500,00;S;EUR;1200;8400;07.03.2024;AR-88;Erlös\n"
            "2500,00;H;EUR;8400;1200;07.03.2024;AR-88;Erlös\n")
    result = _read(tmp_path, text)
    fields = _fields(result)
    assert fields["amount"] == ("Umsatz (ohne Soll/Haben-Kz)", "header")
    assert fields["account"] == ("Konto", "header")
    assert fields["voucher_id"] == ("Belegfeld 1", "header words")
    assert fields["posting_date"] == ("Belegdatum", "header words")
    assert result.metadata["mapping_report"]["direction_column"] == "Soll/Haben-Kennzeichen"
    assert result.frame["amount"].tolist() == [119.00, -119.00, 2500.00, -2500.00]
    assert "Gegenkonto (ohne BU-Schlüssel)" in result.metadata["mapping_report"]["unmapped_columns"]


@pytest.mark.parametrize(("text", "user", "registration"), [
    # Fortnox / Visma style (Swedish)
    ("Vernr;Bokföringsdatum;Registreringsdatum;Konto;Benämning;Debet;Kredit;Användare\n"
     "A1;2024-01-31;2024-02-02;1930;Bank;;1250,00;Anna\n"
     "A1;2024-01-31;2024-02-02;6110;Kontorsmaterial;1250,00;;Anna\n", "Användare", "Registreringsdatum"),
    # Tripletex style (Norwegian)
    ("Bilag;Dato;Konto;Beskrivelse;Beløp;Registrert;Registrert av\n"
     "12;31.01.2024;1920;Husleie;-1250,00;02.02.2024;Kari\n"
     "12;31.01.2024;6300;Husleie;1250,00;02.02.2024;Kari\n", "Registrert av", "Registrert"),
])
def test_nordic_general_ledger_exports(tmp_path, text, user, registration):
    result = _read(tmp_path, text)
    fields = _fields(result)
    assert fields["user_name"][0] == user
    assert fields["registration_date"][0] == registration
    assert result.frame["voucher_id"].nunique() == 1
    assert result.frame["registration_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-02", "2024-02-02"]
    assert round(result.frame["amount"].sum(), 2) == 0.0 and result.frame["amount"].abs().max() == 1250.00


def test_department_cost_centre_and_project_columns_are_read_into_dimensions(tmp_path):
    # a Norwegian general ledger with a department, and a Swedish one with a cost centre and a project: each row's
    # dimensions as {header: value}; an empty cell is left out, a row with none has no dimensions
    norwegian = tmp_path / "hovedbok.csv"
    norwegian.write_text("Bilagsnummer;Bilagsdato;Konto;Avdeling;Beskrivelse;Beløp\n"
                         "100001;03.01.2025;3000;10 Bryggen;Dagsoppgjør;-12 345,50\n"
                         "100001;03.01.2025;1920;10 Bryggen;Dagsoppgjør;12 345,50\n"
                         "200001;03.01.2025;4300;;ASKO faktura 77;900,00\n"
                         "200001;03.01.2025;2400;;ASKO faktura 77;-900,00\n", encoding="utf-8")
    _, result = read_file(norwegian, get_settings())
    assert result.frame["dimensions"].fillna("-").tolist() == ['{"Avdeling": "10 Bryggen"}'] * 2 + ["-", "-"]
    report = result.metadata["mapping_report"]
    assert report["fields"]["dimensions"] == {"source": "Avdeling", "how": "header words"}
    assert report["unmapped_columns"] == []
    swedish = tmp_path / "huvudbok.csv"
    swedish.write_text("Ver.nr;Datum;Konto;Kostnadsställe;Projekt nr;Belopp\n"
                       "A1;2025-01-03;5010;100;P7;8000\n"
                       "A1;2025-01-03;1930;;;-8000\n", encoding="utf-8")
    _, result = read_file(swedish, get_settings())
    assert result.frame["dimensions"].fillna("-").tolist() == ['{"Kostnadsställe": "100", "Projekt nr": "P7"}', "-"]


def test_a_voucher_type_column_is_read_and_a_debit_credit_type_stays_the_sign(tmp_path):
    """QuickBooks' "Transaction Type" names the kind of voucher; a bank CSV's "Type" holding only DR/CR signs the
    amount and is no kind; a FEC's JournalCode is the voucher's kind where no column names one."""
    quickbooks = _read(tmp_path, "Date,Transaction Type,Num,Account,Debit,Credit\n"
                                 "03/09/2025,Journal Entry,17,Repairs,1478.60,\n"
                                 "03/09/2025,Journal Entry,17,Equipment,,1478.60\n"
                                 "03/10/2025,Expense,,Meals,42.00,\n"
                                 "03/10/2025,Expense,,Card,,42.00\n")
    assert _fields(quickbooks)["voucher_type"] == ("Transaction Type", "header")
    assert quickbooks.frame["voucher_type"].tolist() == ["Journal Entry"] * 2 + ["Expense"] * 2
    bank = _read(tmp_path, "Date,Type,Amount,Description\n"
                           "2025-03-03,DR,12.50,Coffee\n"
                           "2025-03-04,CR,900.00,Salary\n"
                           "2025-03-05,DR,30.00,Fuel\n")
    assert bank.metadata["mapping_report"]["direction_column"] == "Type"
    assert _fields(bank)["voucher_type"] == (None, "absent") and bank.frame["voucher_type"].isna().all()
    assert bank.frame["amount"].tolist() == [-12.50, 900.00, -30.00]
    fec = _read(tmp_path, "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tEcritureLib\t"
                          "Debit\tCredit\n"
                          "VT\tVentes\t1\t20250303\t411000\tClients\tFacture 1\t120,00\t0,00\n"
                          "VT\tVentes\t1\t20250303\t706000\tVentes\tFacture 1\t0,00\t120,00\n"
                          "BQ\tBanque\t1\t20250304\t512000\tBanque\tRèglement 1\t120,00\t0,00\n"
                          "BQ\tBanque\t1\t20250304\t411000\tClients\tRèglement 1\t0,00\t120,00\n", name="fec.txt")
    assert fec.frame["voucher_type"].tolist() == ["VT", "VT", "BQ", "BQ"]
    assert fec.metadata["mapping_report"]["fields"]["voucher_type"]["source"] == "JournalCode"
    assert fec.frame["voucher_id"].nunique() == 2  # numbers restart per journal


def test_odoo_journal_items_with_accounts_as_code_and_name(tmp_path):
    """Odoo's Journal Items list exported to Excel (Spanish labels): "Cuenta" holds the display name "43000000
    Clientes (euros)", read as the code and its name; the journal ("Diario") is the kind of voucher; "Empresa" the
    partner, "Etiqueta" the line's text, "Creado por" and "Creado el" who entered it and when."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Fecha", "Asiento contable", "Diario", "Cuenta", "Empresa", "Etiqueta", "Referencia", "Debe",
                  "Haber", "Creado por", "Creado el"])
    for day, number, journal, lines, who in (
            (12, "INV/2024/00031", "Facturas de cliente",
             [("43000000 Clientes (euros)", 1210.0, 0.0), ("70000000 Ventas de mercaderías", 0.0, 1000.0),
              ("47700000 Hacienda Pública. IVA repercutido", 0.0, 210.0)], "Laura Martínez"),
            (14, "BNK1/2024/00007", "Banco", [("57200001 Bancos", 1210.0, 0.0),
                                              ("43000000 Clientes (euros)", 0.0, 1210.0)], "Pau Ferrer")):
        for account, debit, credit in lines:
            sheet.append([f"2024-03-{day}", number, journal, account, "Azulejos del Turia S.L.", "Azulejo 30x60",
                          number, debit, credit, who, f"2024-03-{day + 2} 10:15:00"])
    path = tmp_path / "Apunte contable (account.move.line).xlsx"
    book.save(path)
    result = read_file(path, get_settings())[1]
    frame = result.frame
    assert frame["account"].tolist() == ["43000000", "70000000", "47700000", "57200001", "43000000"]
    assert frame["account_name"].tolist() == ["Clientes (euros)", "Ventas de mercaderías",
                                              "Hacienda Pública. IVA repercutido", "Bancos", "Clientes (euros)"]
    assert _fields(result)["account_name"] == ("Cuenta", "the account column's text after its code")
    assert frame["amount"].tolist() == [1210.0, -1000.0, -210.0, 1210.0, -1210.0]
    assert frame["voucher_type"].tolist() == ["Facturas de cliente"] * 3 + ["Banco"] * 2
    assert frame["counterparty"].eq("Azulejos del Turia S.L.").all() and frame["description"].eq("Azulejo 30x60").all()
    assert frame["user_name"].tolist() == ["Laura Martínez"] * 3 + ["Pau Ferrer"] * 2
    assert frame["registration_date"].astype(str).tolist() == ["2024-03-14 10:15:00"] * 3 + ["2024-03-16 10:15:00"] * 2


def test_exact_online_transactions_number_vouchers_per_journal(tmp_path):
    """Exact Online's transactions CSV (UTF-8 with BOM, semicolons, dd-mm-yyyy, decimal commas): entry numbers
    restart per "Dagboek", so a voucher is its journal and number; "Aangemaakt" (dd-mm-yyyy hh:mm) is the
    registration date, "Aangemaakt door" the user, "Relatie" the counterparty."""
    text = ("Dagboek;Boekstuknummer;Datum;Grootboekrekening;Omschrijving grootboekrekening;Omschrijving;Relatie;"
            "Debet;Credit;Aangemaakt;Aangemaakt door\n"
            "70 Verkoopboek;1;04-03-2024;1300;Debiteuren;Factuur maart;1001 Bakker BV;1.210,00;;05-03-2024 09:12;"
            "J. de Vries\n"
            "70 Verkoopboek;1;04-03-2024;8000;Omzet diensten;Factuur maart;1001 Bakker BV;;1.000,00;05-03-2024 09:12;"
            "J. de Vries\n"
            "70 Verkoopboek;1;04-03-2024;1500;Te betalen BTW hoog;Factuur maart;1001 Bakker BV;;210,00;"
            "05-03-2024 09:12;J. de Vries\n"
            "20 Bank;1;18-03-2024;1100;Bank;Betaling factuur;1001 Bakker BV;1.210,00;;19-03-2024 14:40;P. Jansen\n"
            "20 Bank;1;18-03-2024;1300;Debiteuren;Betaling factuur;1001 Bakker BV;;1.210,00;19-03-2024 14:40;"
            "P. Jansen\n")
    result = _read(tmp_path, text, encoding="utf-8-sig")
    frame = result.frame
    assert frame["voucher_id"].tolist() == ["70 Verkoopboek 1"] * 3 + ["20 Bank 1"] * 2
    assert frame["voucher_type"].tolist() == ["70 Verkoopboek"] * 3 + ["20 Bank"] * 2
    assert frame["amount"].tolist() == [1210.0, -1000.0, -210.0, 1210.0, -1210.0]
    assert frame["registration_date"].astype(str).tolist() == ["2024-03-05 09:12:00"] * 3 + ["2024-03-19 14:40:00"] * 2
    assert frame["user_name"].tolist() == ["J. de Vries"] * 3 + ["P. Jansen"] * 2
    assert frame["counterparty"].eq("1001 Bakker BV").all()
    assert frame["account"].tolist() == ["1300", "8000", "1500", "1100", "1300"]
    assert frame["account_name"].tolist() == ["Debiteuren", "Omzet diensten", "Te betalen BTW hoog", "Bank",
                                              "Debiteuren"]
