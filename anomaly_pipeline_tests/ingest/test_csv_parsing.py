"""CSV behaviour through `read_file`: dates, decimals, preamble rows, encodings, flags, balance rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.ingest.values import parse_amounts, parse_dates
from anomaly_pipeline.settings import get_settings


def _read(tmp_path: Path, text: str, name: str = "f.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_file(path, get_settings())[1]


def _dates(result) -> list[str]:
    return result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist()


# ------------------------------------------------------------------ dates: day/month order decided by the data


def test_day_first_proved_by_a_day_over_12(tmp_path):
    result = _read(tmp_path, "Date,Amount\n03/04/2024,1\n05/04/2024,2\n25/04/2024,3\n")
    assert _dates(result) == ["2024-04-03", "2024-04-05", "2024-04-25"]
    assert result.metadata["date_format"] == "%d/%m/%Y"


def test_month_first_proved_by_a_day_over_12(tmp_path):
    result = _read(tmp_path, "Date,Amount\n03/04/2024,1\n05/04/2024,2\n04/25/2024,3\n")
    assert _dates(result) == ["2024-03-04", "2024-05-04", "2024-04-25"]
    assert result.metadata["date_format"] == "%m/%d/%Y"


def test_ambiguous_order_decided_by_the_rows_running_in_date_order():
    # Every value fits both orders. Month-first they run 1 Jan, 1 Feb, 1 Mar ... (sorted);
    # day-first they would be 1 Jan, 2 Jan, ... 1 Feb, 2 Feb jumping back and forth.
    values = pd.Series(["01/01/2024", "02/01/2024", "01/02/2024", "02/02/2024", "01/03/2024", "02/03/2024"])
    parsed, fmt = parse_dates(values)
    assert fmt == "%d/%m/%Y"  # 1 Jan, 2 Jan, 1 Feb, 2 Feb, 1 Mar, 2 Mar: sorted day-first
    values = pd.Series(["01/01/2024", "01/02/2024", "02/01/2024", "02/02/2024", "03/01/2024", "03/02/2024"])
    parsed, fmt = parse_dates(values)
    assert fmt == "%m/%d/%Y"
    assert parsed.dt.strftime("%Y-%m-%d").tolist()[:3] == ["2024-01-01", "2024-01-02", "2024-02-01"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("2024-02-29", "2024-02-29"), ("29.02.2024", "2024-02-29"), ("29/02/2024", "2024-02-29"),
     ("02/29/2024", "2024-02-29"), ("20240229", "2024-02-29"), ("29-Feb-2024", "2024-02-29")],
)
def test_date_formats(cell, expected):
    parsed, _ = parse_dates(pd.Series([cell, cell]))
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == [expected, expected]


def test_placeholder_years_are_not_dates():
    parsed, _ = parse_dates(pd.Series(["1111/11/11", "2024/01/02"]))
    assert parsed.isna().tolist() == [True, False]


# ------------------------------------------------------------------ decimal comma and thousands separators


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1.234,56", "-7,50", "12,00"], [1234.56, -7.50, 12.00]),
        (["1,234.56", "-7.50", "12.00"], [1234.56, -7.50, 12.00]),
        (["1,234", "12,345", "999"], [1234.0, 12345.0, 999.0]),  # only commas in groups of 3: thousands
        (["12,5", "3,25", "100"], [12.5, 3.25, 100.0]),
        (["1'234.50", "(40.00)", "25.00-"], [1234.50, -40.00, -25.00]),
        (["€ 1 234,50", "-8,99 €", "EUR 12,00"], [1234.50, -8.99, 12.00]),
        (["-£8.99", "$1,036.47", "USD 2.00"], [-8.99, 1036.47, 2.00]),
    ],
)
def test_amount_separators(cells, expected):
    parsed, _ = parse_amounts(pd.Series(cells))
    assert parsed.tolist() == pytest.approx(expected)


def test_decimal_comma_file_with_quoted_fields(tmp_path):
    text = ('Buchungstag;Verwendungszweck;Betrag\n'
            '01.03.2024;"Miete; März";"-1.250,00"\n'
            '02.03.2024;"Gehalt ""Firma"" GmbH";"3.400,10"\n')
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-1250.00, 3400.10]
    assert result.frame["description"].tolist() == ["Miete; März", 'Gehalt "Firma" GmbH']
    assert result.metadata["delimiter"] == ";"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_sniffed(tmp_path, delimiter):
    rows = [["Date", "Text", "Amount"], ["2024-01-02", "a", "10.00"], ["2024-01-03", "b", "-2.50"]]
    result = _read(tmp_path, "\n".join(delimiter.join(r) for r in rows) + "\n")
    assert result.metadata["delimiter"] == delimiter
    assert result.frame["amount"].tolist() == [10.0, -2.5]


# ------------------------------------------------------------------ preamble rows before the header


def test_preamble_account_and_metadata(tmp_path):
    text = ("Kontoinhaber:;Erika Mustermann;;\n"
            "IBAN:;DE44 5001 0517 5407 3249 31;;\n"
            "Zeitraum:;01.03.2024 - 31.03.2024;;\n"
            "\n"
            "Buchungstag;Valuta;Verwendungszweck;Betrag\n"
            "01.03.2024;01.03.2024;Miete;-800,00\n"
            "15.03.2024;15.03.2024;Gehalt;2.500,00\n")
    result = _read(tmp_path, text)
    assert result.metadata["header_row"] == 5
    assert result.metadata["preamble"]["Kontoinhaber"] == "Erika Mustermann"
    assert set(result.frame["account"]) == {"DE44500105175407324931"}
    assert set(result.frame["entity"]) == {"Erika Mustermann"} and result.metadata["entity"] == "Erika Mustermann"
    assert result.frame["amount"].tolist() == [-800.0, 2500.0]
    assert result.frame["row_number"].tolist() == [6, 7]


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1250", "Datum;Příjemce;Zpráva;Částka\n01.02.2024;Jiří Novák;Nájem září;-1 250,00\n"
                   "02.02.2024;Česká spořitelna;Úrok;12,30\n"),
        ("cp1252", "Datum;Empfänger;Zweck;Betrag\n01.02.2024;Bäckerei Müller;Brötchen für 3 €;-12,50\n"
                   "02.02.2024;Straßenbahn;Monatskarte;-49,00\n"),
        ("latin_1", "Date;Libellé;Montant\n01/02/2024;Café crème à Genève;-4,50\n02/02/2024;Crédit reçu;100,00\n"),
        ("utf-8-sig", "Datum;Mottagare;Belopp\n2024-02-01;Åhléns Göteborg;-199,00\n2024-02-02;Lön;25 000,00\n"),
    ],
)
def test_encodings(tmp_path, encoding, text):
    result = _read(tmp_path, text, encoding=encoding)
    lines = text.strip().split("\n")
    names = [line.split(";")[1] for line in lines[1:]]
    field = "description" if result.frame["counterparty"].isna().all() else "counterparty"
    assert result.frame[field].tolist() == names
    amounts = [line.split(";")[-1] for line in lines[1:]]
    expected = [float(a.replace(" ", "").replace(",", ".")) for a in amounts]
    assert result.frame["amount"].tolist() == pytest.approx(expected)
    assert result.metadata["encoding"] in ({encoding} | ({"cp1250", "cp1252", "latin_1"} if encoding != "utf-8-sig"
                                                         else set()))


# ------------------------------------------------------------------ direction flags, balance rows and columns


def test_dk_flag_signs_unsigned_amounts(tmp_path):
    text = ('"Account No","Date","Details","Amount","D/K"\n'
            '"LT1","2024-01-01","Opening balance","1000.00","K"\n'
            '"LT1","2024-01-02","Shop","15.31","D"\n'
            '"LT1","2024-01-03","Salary","2000.00","K"\n'
            '"LT1","2024-01-03","Turnover","15.31","D"\n'
            '"LT1","2024-01-03","Closing balance","2984.69","K"\n')
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-15.31, 2000.00]
    assert result.metadata["balance_rows"] == 3 and result.metadata["direction_column"] == "D/K"
    assert result.expected_rows == 5


def test_cr_only_flag_means_blank_is_money_out(tmp_path):
    text = "Date,Description,Amount,\n02-Dec-2019,SHOP,£8.20,\n02-Dec-2019,PAYMENT RECEIVED,\"+ £1,100.00\",CR\n"
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-8.20, 1100.00]


def test_inflow_outflow_column(tmp_path):
    text = "Dátum,Összeg,Bevétel/Kiadás\n2019.04.19.,350,Kiadás\n2019.04.17.,1290,Bevétel\n"
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-350.0, 1290.0]


def test_ledger_debit_credit_flag_is_debit_positive(tmp_path):
    text = "Voucher;Date;Account;Amount;DC\n1;2024-01-05;1930;100,00;D\n1;2024-01-05;3010;100,00;C\n"
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [100.0, -100.0]


def test_running_balance_never_the_amount(tmp_path):
    text = "Date;Text;Saldo;Value\n2024-01-02;a;1000,00;-10,00\n2024-01-03;b;990,00;5,00\n"
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-10.0, 5.0]
    text = "Date;Text;Balance\n2024-01-02;a;1000,00\n"
    with pytest.raises(RejectedFile, match="no amount column"):
        _read(tmp_path, text, name="g.csv")


def test_solde_word_inside_a_real_description_is_kept(tmp_path):
    text = "Date;Description;Amount\n2024-03-31;Solde prix prestations;-10.00\n2024-03-31;Closing balance;500.00\n"
    result = _read(tmp_path, text)
    assert result.frame["description"].tolist() == ["Solde prix prestations"]


def test_more_than_half_unreadable_rejects(tmp_path):
    text = "Date,Amount\nPending,1\nPending,2\n2024-01-01,3\n"
    with pytest.raises(RejectedFile, match="unparsable dates in 2 of 3 rows"):
        _read(tmp_path, text)


# ------------------------------------------------------------------ common bank layouts (synthetic rows)


def test_af_bij_column_and_compact_dates(tmp_path):
    """Dutch layout: unsigned 'Bedrag (EUR)' with 'Af Bij', dates yyyymmdd."""
    text = ('"Datum","Naam / Omschrijving","Rekening","Tegenrekening","Code","Af Bij","Bedrag (EUR)","Mededelingen"\n'
            '"20240105","Albert Heijn","NL11INGB0001234567","","BA","Af","23,45","Pasvolgnr: 001"\n'
            '"20240125","Werkgever BV","NL11INGB0001234567","NL22RABO0123456789","GT","Bij","2500,00","Salaris"\n')
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-23.45, 2500.00]
    assert _dates(result) == ["2024-01-05", "2024-01-25"]
    assert set(result.frame["account"]) == {"NL11INGB0001234567"}


def test_soll_haben_with_counterparty_iban_and_closing_line(tmp_path):
    """German layout: preamble, 'IBAN' of the payee per row, Soll/Haben columns, a closing 'Kontostand' line."""
    text = ("Umsätze Girokonto;Zeitraum: 01.01.2024 - 31.01.2024\n"
            "Kontonummer;DE89370400440532013000\n"
            "\n"
            "Buchungstag;Wert;Begünstigter / Auftraggeber;Verwendungszweck;IBAN;Soll;Haben;Währung\n"
            "02.01.2024;02.01.2024;Stadtwerke;Abschlag;DE02120300000000202051;-85,00;;EUR\n"
            "15.01.2024;15.01.2024;Arbeitgeber GmbH;Gehalt;DE02500105170137075030;;3.210,55;EUR\n"
            "Kontostand;31.01.2024;;;;;3.125,55;EUR\n")
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-85.00, 3210.55]
    assert set(result.frame["account"]) == {"DE89370400440532013000"}
    assert result.metadata["balance_rows"] == 1
    assert any("IBAN" in note for note in result.metadata["mapping"]["notes"])


def test_completed_date_preferred_and_out_in_columns(tmp_path):
    text = ("Type,Started Date,Completed Date,Description,Amount,Currency,Balance\n"
            "CARD_PAYMENT,2024-01-30 22:10:00,2024-02-01 09:00:00,Shop,-5.50,EUR,94.50\n"
            "TOPUP,2024-02-03 10:00:00,2024-02-03 10:00:05,Top-up,100.00,EUR,194.50\n")
    result = _read(tmp_path, text)
    assert _dates(result) == ["2024-02-01", "2024-02-03"]
    # started before it was booked, never after: when the payment was made, not when it was registered
    assert result.frame["registration_date"].isna().all()
    assert "Started Date" in result.metadata["mapping_report"]["unmapped_columns"]
    assert result.frame["amount"].tolist() == [-5.50, 100.00]
    text = "Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto\n05.01.2024;Rema 1000;05.01.2024;249,90;\n" \
           "25.01.2024;Lønn;25.01.2024;;32 000,00\n"
    result = _read(tmp_path, text, name="dnb.csv")
    assert result.frame["amount"].tolist() == [-249.90, 32000.00]


# ------------------------------------------------------------------ malformed records


def test_trailing_delimiter_on_data_rows(tmp_path):
    result = _read(tmp_path, "Date;Text;Amount\n2024-01-01;a;5,00;\n2024-01-02;b;6,00;\n")
    assert result.frame["amount"].tolist() == [5.0, 6.0]
    assert result.frame["description"].tolist() == ["a", "b"]
    assert result.metadata["columns"] == ["Date", "Text", "Amount"]
    assert result.frame["raw"].tolist() == ['["2024-01-01","a","5,00"]', '["2024-01-02","b","6,00"]']


def test_record_with_unquoted_delimiter_skipped_and_reported(tmp_path):
    text = "Date,Text,Amount\n2024-01-01,a,5.00\n2024-01-02,b, c,6.00\n2024-01-03,d,7.00\n2024-01-04,e,8.00\n"
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [5.0, 7.0, 8.0]
    assert result.expected_rows == 4 and result.metadata["skipped_rows"] == 1
    assert "skipped 1 records with more fields than the header" in result.warnings[0]


def test_mostly_malformed_records_reject(tmp_path):
    text = "Date,Amount\n2024-01-01,5,00\n2024-01-02,6,00\n2024-01-03,7\n"
    with pytest.raises(RejectedFile, match="malformed CSV: 2 of 3 records"):
        _read(tmp_path, text)


def test_utf16_tab_export(tmp_path):
    """Spreadsheet 'Unicode text' exports: UTF-16 with BOM, tab separated."""
    text = "Datum\tText\tBelopp\n2024-03-01\tÖverföring\t-1 500,00\n2024-03-02\tRänta\t12,34\n"
    path = tmp_path / "export.txt"
    path.write_bytes(text.encode("utf-16"))
    file_format, result = read_file(path, get_settings())
    assert file_format == "csv" and result.metadata["encoding"] == "utf-16"
    assert result.frame["amount"].tolist() == [-1500.00, 12.34]
    assert result.frame["description"].tolist() == ["Överföring", "Ränta"]


def test_iso_timestamps_with_offsets_keep_local_time():
    parsed, _ = parse_dates(pd.Series(["2024-01-05T10:00:00Z", "2024-01-06T23:30:00+02:00",
                                       "2024-01-07T01:02:03.5Z"]))
    assert parsed.dt.strftime("%Y-%m-%d %H:%M:%S").tolist() == ["2024-01-05 10:00:00", "2024-01-06 23:30:00",
                                                                 "2024-01-07 01:02:03"]


@pytest.mark.parametrize(
    ("values", "kind"),
    [([1704448800, 1704535200], "unix s"), ([1704448800000, 1704535200000], "unix ms"),
     ([45296.0, 45297.0], "excel serial days")],
)
def test_numeric_dates(values, kind):
    # 1704448800 s = 2024-01-05 10:00 UTC; Excel serial 45296 = 2024-01-05
    parsed, name = parse_dates(pd.Series(values))
    assert name == kind
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-06"]


def test_two_own_accounts_with_balance_column_is_a_bank_statement(tmp_path):
    """Several accounts but a running balance and no vouchers: a bank export, so 'Debit' is money out."""
    text = ("Kontonummer;Datum;Text;Debet;Kredit;Saldo\n"
            "1234-5678901;2024-01-02;Hyra;8 000,00;;12 000,00\n"
            "1234-5678902;2024-01-03;Ränta;;15,00;515,00\n")
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [-8000.00, 15.00]
    text = ("Verifikation;Datum;Konto;Debet;Kredit\n"
            "A1;2024-01-02;5010;8 000,00;\nA1;2024-01-02;1930;;8 000,00\n")
    result = _read(tmp_path, text, name="ledger.csv")
    assert result.frame["amount"].tolist() == [8000.00, -8000.00]


def test_row_numbers_are_file_lines_despite_blank_lines(tmp_path):
    text = "Date;Amount\n2024-01-01;1\n\n\n2024-01-02;2\n;\n2024-01-03;3\n"
    result = _read(tmp_path, text)
    assert result.frame["row_number"].tolist() == [2, 5, 7]


@pytest.mark.parametrize(
    ("text", "rows"),
    [("Date;Amount\n2024-01-01;1\n \t\n2024-01-02;2\n\n2024-01-03;3", [2, 4, 6]),  # blank: white space
     ("Date;Amount\n 2024-01-01;1\n\t2024-01-02;2\n2024-01-03;3\n", [2, 3, 4]),  # indented, not blank
     ("Text;Date;Amount\nÄrende;2024-01-01;1\n\nÖl;2024-01-02;2\r\n", [2, 4]),  # a line starting beyond ASCII
     ("Date;Amount\r\n2024-01-01;1\r\n2024-01-02;2\r\n2024-01-03;3", [2, 3, 4]),
     # a line of no-break or ideographic spaces is a record (unreadable: skipped), not a blank line
     ("Date;Amount\n2024-01-01;1\n\u00a0\n2024-01-02;2\n\u3000\n\n2024-01-03;3\n", [2, 4, 7])],
)
def test_row_numbers_are_file_lines_whatever_starts_a_line(tmp_path, text, rows):
    assert _read(tmp_path, text).frame["row_number"].tolist() == rows


def test_a_large_file_reads_every_record_exactly(tmp_path):
    """More records than one block of raw records, with quoted and escaped cells throughout."""
    records = [[f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", f"V{i // 3}", f"{(i % 997) - 498}.25",
                ["plain", 'say "hi"', "a\\b", "Åäö", "tab\there"][i % 5]] for i in range(70_000)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["Date", "Voucher", "Amount", "Text"], *records])
    frame = _read(tmp_path, buffer.getvalue()).frame
    assert frame["raw"].tolist() == [json.dumps(cells, ensure_ascii=False, separators=(",", ":")) for cells in records]
    assert frame["row_number"].tolist() == list(range(2, 70_002))
    assert frame["amount"].tolist() == [float(cells[2]) for cells in records]
    assert frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == [cells[0] for cells in records]


def test_sign_column_only_when_its_header_says_so(tmp_path):
    text = "Buchungstag;Betrag;Vorzeichen\n01.03.2024;12,50;-\n02.03.2024;100,00;+\n"
    assert _read(tmp_path, text).frame["amount"].tolist() == [-12.50, 100.00]
    text = "Buchungstag;Betrag;Kategorie\n01.03.2024;12,50;-\n02.03.2024;100,00;-\n"
    assert _read(tmp_path, text, name="g.csv").frame["amount"].tolist() == [12.50, 100.00]


def test_signed_amounts_confirmed_by_flag_keep_their_own_sign(tmp_path):
    """In a signed file the flag confirms, a row written '5,00' beside a 'D' (a reversal) stays as written."""
    rows = [("01", "-10,00", "D"), ("02", "20,00", "K"), ("03", "-30,00", "D"), ("04", "-40,00", "D"),
            ("05", "50,00", "K"), ("06", "-60,00", "D"), ("07", "70,00", "K"), ("08", "-80,00", "D"),
            ("09", "90,00", "K"), ("10", "-11,00", "D"), ("11", "5,00", "D")]
    text = "Datum;Betrag;D/K\n" + "".join(f"{d}.03.2024;{a};{f}\n" for d, a, f in rows)
    result = _read(tmp_path, text)
    assert result.frame["amount"].tolist() == [float(a.replace(",", ".")) for _, a, _ in rows]


def test_raw_record_is_the_json_array_of_the_cells(tmp_path):
    text = ('Date,Account,Amount,Description,Note\n'
            '2024-01-02,1930,100.00,"say ""hi"" \\ bye","two\nlines"\n'
            '2024-01-03,1930,-5.5,plain,\n'
            '2024-01-04,1930,7,"tab\there",a/b\n')
    result = _read(tmp_path, text)
    assert result.metadata["columns"] == ["Date", "Account", "Amount", "Description", "Note"]
    assert result.frame["raw"].tolist() == [
        '["2024-01-02","1930","100.00","say \\"hi\\" \\\\ bye","two\\nlines"]',
        '["2024-01-03","1930","-5.5","plain",""]',
        '["2024-01-04","1930","7","tab\\there","a/b"]',
    ]
    assert result.frame["amount"].tolist() == [100.0, -5.5, 7.0]
    assert result.frame["row_number"].tolist() == [2, 3, 4]  # a record spans lines: record positions


# quotes, backslashes, a line break, a tab, the delimiter, padding, every other control character (but NUL,
# which marks a binary file, and CR, which the reader reads as a line break) and text beyond ASCII
_AWKWARD_CELLS = ['say "hi"', "C:\\temp\\", "\\u0041 \\n", "two\nlines", "tab\there", "a,b", "  padded  ",
                  "".join(chr(c) for c in range(1, 32) if c != 13), "Åäö € ☃ 𝄞 \u2028 /", '"', "\\", ""]


@pytest.mark.parametrize("malformed", ["", "2024-02-01,1930,1.00,x,y,surplus\n"], ids=["arrow", "csv-module"])
def test_raw_cells_parse_back_exactly(tmp_path, malformed):
    """Whichever parser reads the file (a record wider than the header takes the csv module's path)."""
    records = [["2024-01-02", "1930", "1.00", cell, cell[::-1]] for cell in _AWKWARD_CELLS]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["Date", "Account", "Amount", "Text", "Note"], *records])
    result = _read(tmp_path, buffer.getvalue() + malformed)
    assert result.expected_rows - len(result.frame) == (1 if malformed else 0)
    raws = result.frame["raw"].tolist()
    assert [json.loads(raw) for raw in raws] == records
    assert raws == [json.dumps(cells, ensure_ascii=False, separators=(",", ":")) for cells in records]


def test_raw_cells_line_up_with_the_recorded_columns(tmp_path):
    """Preamble rows, an empty unnamed column and padded headers: the recorded columns name the cells."""
    text = ("Konto:;1930;;\n"
            "\n"
            " Datum ;Text;;Belopp\n"
            "2024-01-02; Hyra ;;-100,00\n"
            "2024-01-03;Lön;;250,00\n")
    result = _read(tmp_path, text)
    assert result.metadata["columns"] == ["Datum", "Text", "Belopp"]
    records = [dict(zip(result.metadata["columns"], json.loads(raw), strict=True)) for raw in result.frame["raw"]]
    assert records == [{"Datum": "2024-01-02", "Text": " Hyra ", "Belopp": "-100,00"},
                       {"Datum": "2024-01-03", "Text": "Lön", "Belopp": "250,00"}]


def test_headers_equal_after_trimming_are_numbered_like_duplicates(tmp_path):
    result = _read(tmp_path, "Datum, Konto ,Konto,Belopp\n2024-01-02,1930,1910,100\n2024-01-03,1930,1910,-100\n")
    assert result.metadata["columns"] == ["Datum", "Konto", "Konto.1", "Belopp"]
    assert result.frame["account"].tolist() == ["1930", "1930"]
    assert json.loads(result.frame["raw"].iloc[0]) == ["2024-01-02", "1930", "1910", "100"]


def test_a_byte_order_mark_over_invalid_bytes_is_rejected_with_the_reason(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfDatum,Konto,Belopp\n2024-01-02,1930,1\xff00\n")
    with pytest.raises(RejectedFile, match=r"starts with a UTF-8 byte order mark but is not valid UTF-8 "
                                           r"\(invalid start byte at byte 36\)"):
        read_file(path, get_settings())
