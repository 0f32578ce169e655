"""DATEV Buchungsstapel (EXTF): files written here from DATEV's format description (header record, column
headings, unsigned Umsatz with S/H, Konto/Gegenkonto, DDMM Belegdatum), read through `read_file` and processed
by the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from anomaly_pipeline.cli import main
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings

COLUMNS = ["Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basis-Umsatz",
           "WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum",
           "Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext", "Postensperre", "Diverse Adressnummer",
           "Geschäftspartnerbank", "Sachverhalt", "Zinssperre", "Beleglink", "Generalumkehr (GU)",
           "KOST1 - Kostenstelle"]
# Umsatz, S/H, Konto, Gegenkonto, Belegdatum, Belegfeld 1, Buchungstext, Generalumkehr, KOST1
BOOKINGS = [
    ("1190,00", "S", "10001", "8400", "301", "RE2025-001", "Rechnung Müller GmbH", "", "100"),
    ("595,00", "S", "10001", "8300", "0301", "RE2025-001", "Rechnung Müller GmbH", "", "100"),
    ("238,00", "H", "70010", "3400", "0701", "ER-4711", "Wareneingang Schäfer", "", ""),
    ("1.785,00", "S", "1200", "10001", "2001", "", "Zahlung Müller GmbH", "", ""),
    ("1500,00", "H", "1200", "4210", "3101", "DA-01", "Miete Januar", "", ""),
    ("238,00", "H", "70010", "3400", "0701", "ER-4711", "Wareneingang Schäfer", "", ""),
    ("1500,00", "H", "1200", "4210", "3101", "DA-01", "Storno Miete", "1", ""),
    ("12,50", "S", "4970", "", "1501", "", "Kontoführung", "", ""),
]


def _header(category: str = "21", name: str = "Buchungsstapel", start: str = "20250101", date_from: str = "20250101",
            date_to: str = "20250131", created: str = "20250212093015123") -> str:
    return (f'"EXTF";700;{category};"{name}";13;{created};;"RE";"Sabine Krüger";"";29098;55003;{start};4;'
            f'{date_from};{date_to};"Januar 2025";"SK";1;0;0;"EUR";;"";;;"03";;;"";""')


def _datev(bookings=BOOKINGS, **header) -> bytes:
    lines = [_header(**header), ";".join(f'"{c}"' for c in COLUMNS)]
    for amount, side, konto, gegen, date, document, text, reversal, cost in bookings:
        lines.append(";".join([amount, f'"{side}"', '"EUR"', "", "", '""', konto, gegen, '""', date, f'"{document}"',
                               '""', "", f'"{text}"', "", '""', "", "", "", '""', f'"{reversal}"', f'"{cost}"']))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _read(data: bytes, name: str = "EXTF_Buchungsstapel.csv"):
    return read_file(data, get_settings(), name=name)


def test_each_booking_is_a_debit_and_a_credit_of_its_amount():
    file_format, result = _read(_datev())
    frame = result.frame
    assert file_format == "csv" and result.metadata["csv_format"] == "datev"
    assert result.expected_rows == len(frame) == 15 and result.warnings == []  # the last booking has no contra
    assert frame["row_number"].tolist() == [3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10]
    assert frame["account"].tolist() == ["10001", "8400", "10001", "8300", "70010", "3400", "1200", "10001",
                                         "1200", "4210", "70010", "3400", "1200", "4210", "4970"]
    assert frame["amount"].tolist() == [1190, -1190, 595, -595, -238, 238, 1785, -1785, -1500, 1500, -238, 238,
                                        1500, -1500, 12.5]  # H credits Konto; Generalumkehr reverses the rent
    assert frame["line_number"].tolist() == [1, 2] * 7 + [1]
    assert frame["posting_date"].dt.strftime("%Y-%m-%d").tolist()[::2] == [
        "2025-01-03", "2025-01-03", "2025-01-07", "2025-01-20", "2025-01-31", "2025-01-07", "2025-01-31",
        "2025-01-15"]
    assert (frame["currency"] == "EUR").all() and (frame["entity"] == "DATEV 29098/55003").all()
    assert frame["description"][4] == "Wareneingang Schäfer" and result.metadata["encoding"].startswith("cp125")


def test_vouchers_are_documents_and_personal_accounts_the_counterparty():
    frame = _read(_datev())[1].frame
    assert frame["voucher_id"].tolist()[::2] == ["RE2025-001", "RE2025-001", "ER-4711 @5", "line 6", "DA-01 @7",
                                                 "ER-4711 @8", "DA-01 @9", "line 10"]
    assert (frame.groupby("voucher_id")["amount"].sum().drop("line 10") == 0).all()
    assert frame["counterparty"].fillna("-").tolist()[::2] == ["10001", "10001", "70010", "10001", "-", "70010", "-", "-"]
    assert frame["reference"].tolist()[4] == "ER-4711"
    assert json.loads(frame["raw"][0])[:11] == ["1190,00", "S", "EUR", "", "", "", "10001", "8400", "", "301",
                                                "RE2025-001"]


def test_the_mapping_report_names_the_format_fields():
    report = _read(_datev())[1].metadata["mapping_report"]
    assert report["fields"]["account"]["source"].startswith("Konto, and Gegenkonto")
    assert report["fields"]["posting_date"]["source"].startswith("Belegdatum (DDMM")
    assert report["fields"]["user_name"]["how"] == "absent"
    assert report["unmapped_columns"] == ["KOST1 - Kostenstelle"]


def test_a_fiscal_year_across_two_calendar_years_dates_each_booking_in_its_own_year():
    bookings = [("100,00", "S", "4970", "1200", day, "", "Gebühr", "", "") for day in ("1508", "3112", "1501",
                                                                                         "30062025")]
    frame = _read(_datev(bookings, start="20240701", date_from="20240701", date_to="20250630"))[1].frame
    assert frame["posting_date"].dt.strftime("%Y-%m-%d").tolist()[::2] == ["2024-08-15", "2024-12-31",
                                                                          "2025-01-15", "2025-06-30"]


def test_a_short_header_and_full_dates_as_other_programs_write_them():
    """Writers outside DATEV often fill only the header's first fields and write full dates and short headings."""
    data = "\r\n".join(['"EXTF";700;21;"Buchungsstapel";13;', "Umsatz;Soll/Haben;Konto;Gegenkonto;Belegdatum;"
                         "Belegfeld 1;Buchungstext", '119,00;S;1000;8400;20260115;"RE-1";"Verkauf Meier"',
                         '107,00;H;1000;8300;15.01.2026;"RE-2";"Gutschrift"']).encode("cp1252")
    frame = _read(data)[1].frame
    assert frame["amount"].tolist() == [119, -119, -107, 107]
    assert frame["posting_date"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-01-15"]
    assert frame["voucher_id"].tolist() == ["RE-1", "RE-1", "RE-2", "RE-2"]


def test_a_ddmm_date_without_a_year_in_the_header_is_read_with_the_year_the_file_was_created():
    frame = _read(_datev(start="", date_from="", date_to=""))[1].frame
    assert frame["posting_date"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2025-01-03", "2025-01-03"]


def test_unreadable_bookings_are_skipped_and_named():
    bookings = [*BOOKINGS[:4], ("50,00", "X", "4970", "1200", "1501", "", "?", "", ""),
                ("50,00", "S", "4970", "1200", "3202", "", "?", "", "")]
    result = _read(_datev(bookings))[1]
    assert len(result.frame) == 8 and result.expected_rows == 12 and result.metadata["skipped_rows"] == 4
    assert [entry["rows"] for entry in result.metadata["mapping_report"]["skipped_rows"]] == [2, 2]
    assert result.warnings == ["skipped 1 DATEV bookings with no readable Belegdatum (lines [8])",
                               "skipped 1 DATEV bookings with no Umsatz or S/H (lines [7])"]


@pytest.mark.parametrize(("header", "reason"), [
    ({"category": "16", "name": "Debitoren/Kreditoren"}, "a DATEV Debitoren/Kreditoren (master data) file, not a "
                                                          "Buchungsstapel (category 21): it holds no bookings"),
    ({"start": "", "date_from": "", "created": ""}, "the DATEV header record names no period"),
])
def test_files_that_hold_no_readable_bookings_are_rejected(header, reason):
    with pytest.raises(RejectedFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _read(_datev(**header))


def test_the_cli_processes_a_batch(env, capsys):
    path = env["tmp"] / "EXTF_Buchungsstapel_202501.csv"
    path.write_bytes(_datev())
    assert main(["process", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["status"] == "loaded" and out[0]["transactions"] == 15
    assert main(["anomalies", "--all", "--format", "json"]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert len(rows) == 15 and rows["amount"].astype(float).sum() == pytest.approx(12.5)
