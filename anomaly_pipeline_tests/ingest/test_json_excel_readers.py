"""JSON and Excel readers, content detection and the mapping sidecar, through `read_file`."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import check_file, read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.generators.ledger import generate_ledger, write


def _read(path: Path):
    return read_file(path, get_settings())


# ------------------------------------------------------------------ JSON shapes


def test_json_largest_transaction_list_at_depth(tmp_path):
    document = {
        "meta": {"exported": "2024-05-01", "tags": [{"name": "a"}, {"name": "b"}]},
        "data": {"account": {"iban": "SE4550000000058398257466",
                             "transactions": [{"bookingDate": f"2024-04-{d:02d}", "amount": {"value": d * 1.5,
                                               "currency": "SEK"}, "remittanceInformation": f"tx {d}"}
                                              for d in range(1, 8)]}},
    }
    path = tmp_path / "statement.json"
    path.write_text(json.dumps(document))
    _, result = _read(path)
    assert len(result.frame) == 7
    assert result.frame["amount"].sum() == pytest.approx(sum(d * 1.5 for d in range(1, 8)))
    assert result.metadata["records_path"] == "data/account/transactions"
    assert set(result.frame["currency"]) == {"SEK"}


def test_plaid_api_objects_are_negated(tmp_path):
    records = [
        {"account_id": "acc1", "amount": 12.5, "iso_currency_code": "USD", "date": "2024-03-02",
         "authorized_date": "2024-03-01", "name": "Coffee", "merchant_name": "Cafe", "transaction_id": "t1",
         "pending": False},
        {"account_id": "acc1", "amount": -1000, "iso_currency_code": "USD", "date": "2024-03-03",
         "authorized_date": "2024-03-03", "name": "Payroll", "merchant_name": None, "transaction_id": "t2",
         "pending": False},
    ]
    path = tmp_path / "plaid.json"
    path.write_text(json.dumps({"accounts": [{"account_id": "acc1"}], "transactions": records,
                                "total_transactions": 2}))
    _, result = _read(path)
    assert result.frame["amount"].tolist() == [-12.5, 1000.0]
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-02", "2024-03-03"]
    assert result.frame["account"].tolist() == ["acc1", "acc1"]
    assert result.frame["reference"].tolist() == ["t1", "t2"]


def test_nested_vouchers_inherit_fields(tmp_path):
    ledger = generate_ledger(seed=3, vouchers=4)
    _, result = _read(write(ledger, "json_vouchers", tmp_path))
    voucher = ledger.vouchers[1]
    rows = result.frame[result.frame["voucher_id"] == voucher.voucher_id]
    assert len(rows) == len(voucher.lines)
    assert set(rows["posting_date"].dt.date) == {voucher.date}
    assert set(rows["description"]) == {voucher.text} and set(rows["user_name"]) == {voucher.user}
    assert rows["line_number"].tolist() == list(range(1, len(voucher.lines) + 1))
    assert set(result.frame["entity"]) == {ledger.company} and result.metadata["entity"] == ledger.company


def test_json_lines_row_numbers_are_line_numbers(tmp_path):
    path = tmp_path / "tx.jsonl"
    path.write_text('{"date": "2024-01-01", "amount": 1}\n\n{"date": "2024-01-02", "amount": 2}\n')
    file_format, result = _read(path)
    assert file_format == "json" and result.metadata["json_lines"] is True
    assert result.frame["row_number"].tolist() == [1, 3]


@pytest.mark.parametrize(
    ("content", "reason"),
    [('{"transactions": [{"date": "2024-01-01", "amount": 1}', "malformed JSON"),
     ('{"users": [{"name": "a", "age": 3}]}', "no list of transaction records")],
)
def test_json_rejections(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(RejectedFile, match=reason):
        _read(path)


# ------------------------------------------------------------------ Excel


def test_xlsx_sheet_choice_and_header_offset(tmp_path):
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Date", "Comment"])  # has a date but no amount: not the transaction sheet
    notes.append([dt.datetime(2024, 1, 1), "year start"])
    summary = workbook.create_sheet("Summary")
    summary.append(["Account", "Amount"])  # amount but no date
    summary.append(["1930", 5.0])
    sheet = workbook.create_sheet("Kontoutdrag")
    sheet.append(["Kontoutdrag"])
    sheet.append(["Konto", "5001-1234567"])
    sheet.append([])
    sheet.append(["Bokföringsdag", "Text", "Belopp", "Saldo"])
    sheet.append([dt.datetime(2024, 2, 1), "Hyra", -12000.0, 8000.0])
    sheet.append([dt.datetime(2024, 2, 25), "Lön", 30000.25, 38000.25])
    path = tmp_path / "statement.xlsx"
    workbook.save(path)
    file_format, result = _read(path)
    assert file_format == "xlsx"
    assert result.metadata["sheet"] == "Kontoutdrag" and result.metadata["header_row"] == 4
    assert result.frame["amount"].tolist() == [-12000.0, 30000.25]
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-01", "2024-02-25"]
    assert result.frame["row_number"].tolist() == [5, 6]
    assert set(result.frame["account"]) == {"5001-1234567"}
    assert result.metadata["date_format"] == "native" and result.metadata["decimal_separator"] == "native"


def test_xlsx_zip_bomb_rejected_before_decompression(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_FILE_SIZE", str(1_000_000))  # uncompressed limit: 10 MB
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b" " * 30_000_000 + b"</sheetData>")
    assert path.stat().st_size < 1_000_000

    def fail(*args, **kwargs):
        raise AssertionError("openpyxl must not open a ZIP bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", fail)
    with pytest.raises(RejectedFile, match="ZIP bomb"):
        _read(path)


def test_corrupt_xlsx_rejected(tmp_path):
    good = write(generate_ledger(seed=1, vouchers=3), "xlsx", tmp_path)
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(RejectedFile, match="corrupt ZIP"):
        _read(path)


# ------------------------------------------------------------------ detection by content, not extension


def test_xls_that_is_csv_text(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text('"Date","Amount"\n"2024-01-01","5.00"\n')
    assert check_file(path, get_settings()).file_format == "csv"
    assert _read(path)[1].frame["amount"].tolist() == [5.0]


def test_xlsx_named_xls_and_json_named_csv(tmp_path):
    ledger = generate_ledger(seed=2, vouchers=3)
    xlsx = write(ledger, "xlsx", tmp_path)
    renamed = xlsx.rename(tmp_path / "ledger.xls")
    assert _read(renamed)[0] == "xlsx"
    json_file = write(ledger, "json_records", tmp_path)
    assert _read(json_file.rename(tmp_path / "ledger.csv"))[0] == "json"


def test_xml_without_extension_detected(tmp_path):
    path = tmp_path / "statement"
    path.write_text('<?xml version="1.0"?><Document><BkToCstmrStmt/></Document>')
    assert check_file(path, get_settings()).file_format == "xml"


def test_format_not_allowed_rejected_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOWED_FILE_TYPES", "csv")
    path = tmp_path / "a.csv"
    path.write_text('[{"date": "2024-01-01", "amount": 1}]')
    with pytest.raises(RejectedFile, match="format 'json' .* not in ALLOWED_FILE_TYPES"):
        _read(path)


def test_max_file_size_enforced(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_FILE_SIZE", "10")
    path = tmp_path / "a.csv"
    path.write_text("Date,Amount\n2024-01-01,1\n")
    with pytest.raises(RejectedFile, match="over MAX_FILE_SIZE"):
        _read(path)


# ------------------------------------------------------------------ mapping sidecar <file>.mapping.yaml


@pytest.mark.parametrize("variant", ["csv_comma", "json_records", "xlsx"])
def test_mapping_sidecar_overrides_headers(tmp_path, variant):
    """Headers nobody could guess, named by the sidecar: every tabular reader honours it."""
    ledger = generate_ledger(seed=5, vouchers=3)
    path = write(ledger, variant, tmp_path)
    renames = {"Voucher": "Q1", "Date": "Q2", "Account": "Q3", "Amount": "Q4", "voucher": "Q1", "date": "Q2",
               "account": "Q3", "amount": "Q4", "Verifikationsnummer": "Q1", "Bokföringsdatum": "Q2",
               "Konto": "Q3", "Belopp": "Q4"}
    if variant == "xlsx":
        workbook = openpyxl.load_workbook(path)
        sheet = workbook["Verifikationer"]
        for cell in sheet[3]:
            cell.value = renames.get(cell.value, cell.value)
        workbook.save(path)
    elif variant == "json_records":
        records = [{renames.get(k, k): v for k, v in r.items()} for r in json.loads(path.read_text())]
        path.write_text(json.dumps(records))
    else:
        lines = path.read_text(encoding="utf-8").split("\n", 1)
        header = ",".join(renames.get(h, h) for h in lines[0].strip().split(","))
        path.write_text(header + "\n" + lines[1], encoding="utf-8")
    # without the sidecar the cells decide: Q2 is the only date column, Q4 the only column of signed decimals
    _, guessed = _read(path)
    assert guessed.metadata["mapping"]["columns"]["amount"] == "Q4"
    assert guessed.metadata["mapping_report"]["fields"]["amount"] == {"source": "Q4", "how": "inferred from content"}
    assert guessed.metadata["mapping_report"]["fields"]["voucher_id"] == {"source": None, "how": "absent"}
    sidecar = path.with_name(path.name + ".mapping.yaml")
    sidecar.write_text("posting_date: Q2\naccount: Q3\namount: Q4\nvoucher_id: Q1\n", encoding="utf-8")
    _, result = _read(path)
    expected = ledger.lines()
    assert result.frame["amount"].round(2).tolist() == expected["amount"].tolist()
    assert result.frame["account"].tolist() == expected["account"].tolist()
    assert result.frame["voucher_id"].tolist() == expected["voucher_id"].tolist()
    assert result.metadata["mapping"]["columns"]["amount"] == "Q4"


def test_mapping_sidecar_naming_a_missing_column_rejects(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Date,Amount\n2024-01-01,1\n")
    path.with_name("a.csv.mapping.yaml").write_text("amount: Betrag\n")
    with pytest.raises(RejectedFile, match="'Betrag', which is not in the file"):
        _read(path)


def test_corrupt_xls_rejected(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00\x01" * 2000)
    with pytest.raises(RejectedFile, match="the .xls workbook cannot be read"):
        _read(path)


def test_xls_sheet_choice_and_native_dates(tmp_path):
    ledger = generate_ledger(seed=4, vouchers=5)
    file_format, result = _read(write(ledger, "xls", tmp_path))
    assert file_format == "xls"
    assert result.metadata["sheet"] == "Verifikationer" and result.metadata["header_row"] == 3
    assert result.metadata["date_format"] == "native"
    assert result.frame["posting_date"].dt.date.tolist() == ledger.lines()["posting_date"].dt.date.tolist()


def test_mapping_sidecar_unknown_field_rejects(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Date,Amount\n2024-01-01,1\n")
    path.with_name("a.csv.mapping.yaml").write_text("amont: Amount\n")
    with pytest.raises(RejectedFile, match="unknown field 'amont'"):
        _read(path)


def test_open_banking_json_with_credit_debit_indicator(tmp_path):
    """UK Open Banking shape: nested Amount object, CreditDebitIndicator, ISO timestamps with offsets."""
    transactions = [
        {"AccountId": "22289", "TransactionId": "123", "CreditDebitIndicator": "Debit", "Status": "Booked",
         "BookingDateTime": "2024-04-05T10:43:07+00:00", "ValueDateTime": "2024-04-05T10:45:22+00:00",
         "TransactionInformation": "Cash from Aubrey", "Amount": {"Amount": "10.00", "Currency": "GBP"}},
        {"AccountId": "22289", "TransactionId": "124", "CreditDebitIndicator": "Credit", "Status": "Booked",
         "BookingDateTime": "2024-04-06T09:00:00+00:00", "ValueDateTime": "2024-04-06T09:00:00+00:00",
         "TransactionInformation": "Salary", "Amount": {"Amount": "2500.50", "Currency": "GBP"}},
    ]
    path = tmp_path / "ob.json"
    path.write_text(json.dumps({"Data": {"Transaction": transactions}, "Links": {"Self": "x"}, "Meta": {}}))
    _, result = _read(path)
    assert result.frame["amount"].tolist() == [-10.00, 2500.50]
    assert result.frame["currency"].tolist() == ["GBP", "GBP"]
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-04-05", "2024-04-06"]
    assert result.metadata["direction_column"] == "CreditDebitIndicator"


def test_berlin_group_json_booked_list_and_statement_account(tmp_path):
    document = {"account": {"iban": "DE2310010010123456789"}, "transactions": {
        "booked": [
            {"transactionId": "1", "bookingDate": "2024-03-01", "valueDate": "2024-03-01",
             "transactionAmount": {"currency": "EUR", "amount": "-256.67"}, "creditorName": "Stadtwerke",
             "remittanceInformationUnstructured": "Abschlag"},
            {"transactionId": "2", "bookingDate": "2024-03-02", "valueDate": "2024-03-02",
             "transactionAmount": {"currency": "EUR", "amount": "1500.00"}, "debtorName": "Employer",
             "remittanceInformationUnstructured": "Gehalt"},
        ],
        "pending": [{"transactionId": "3", "valueDate": "2024-03-05",
                     "transactionAmount": {"currency": "EUR", "amount": "-5.00"}}]}}
    path = tmp_path / "bg.json"
    path.write_text(json.dumps(document))
    _, result = _read(path)
    assert result.metadata["records_path"] == "transactions/booked"
    assert result.frame["amount"].tolist() == [-256.67, 1500.00]
    assert result.frame["description"].tolist() == ["Abschlag", "Gehalt"]
    assert set(result.frame["account"]) == {"DE2310010010123456789"}


def test_xlsx_cells_mixing_native_values_and_text(tmp_path):
    """Number and date cells next to numbers / dates typed as text in the same column: each read as itself."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Datum", "Text", "Belopp", "Konto"])
    sheet.append([dt.datetime(2024, 1, 5), "a", 1234.5, 1930])
    sheet.append(["06.01.2024", "b", "-1 234,50", "1930"])
    sheet.append(["07.01.2024", "c", 10, 1930])
    path = tmp_path / "mixed.xlsx"
    workbook.save(path)
    _, result = _read(path)
    assert result.frame["amount"].tolist() == [1234.5, -1234.5, 10.0]
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-06",
                                                                              "2024-01-07"]
    assert result.frame["account"].tolist() == ["1930", "1930", "1930"]


def test_large_xlsx_recognised_from_its_first_64_kib(tmp_path):
    """The sensor and raw_upload look at the head only; a ZIP's directory is at its end."""
    from anomaly_pipeline.ingest.detect_format import detect_format

    path = write(generate_ledger(seed=6, vouchers=1500), "xlsx", tmp_path)
    data = path.read_bytes()
    assert len(data) > 65536
    assert detect_format(data[:65536], "upload.bin") == "xlsx"
    assert check_file(path, get_settings()).file_format == "xlsx"
    with pytest.raises(RejectedFile, match="corrupt ZIP"):
        detect_format(b"PK\x03\x04" + b"\x00" * 100, "x.xlsx")


def test_xlsx_table_split_over_monthly_sheets(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Read me"
    workbook.active.append(["Exported ledger, one sheet per month"])
    for month, amounts in ((1, [100.0, -100.0]), (2, [250.5, -250.5, 3.0])):
        sheet = workbook.create_sheet(f"2024-{month:02d}")
        sheet.append(["Voucher", "Date", "Account", "Amount"])
        for i, amount in enumerate(amounts, start=1):
            sheet.append([f"V{month}", dt.datetime(2024, month, 10), 1930 + i, amount])
    other = workbook.create_sheet("Budget")
    other.append(["Date", "Account", "Budget amount", "Note"])
    other.append([dt.datetime(2024, 1, 1), 1930, 5000.0, "different header: not part of the ledger"])
    path = tmp_path / "monthly.xlsx"
    workbook.save(path)
    _, result = _read(path)
    assert result.metadata["sheets_read"] == ["2024-01", "2024-02"]
    assert result.frame["amount"].tolist() == [100.0, -100.0, 250.5, -250.5, 3.0]
    assert result.frame["row_number"].tolist() == [2, 3, 2, 3, 4]
    assert '"_sheet":"2024-02"' in result.frame["raw"].iloc[2]
