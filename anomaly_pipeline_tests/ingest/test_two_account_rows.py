"""Journals whose rows book one amount between two accounts, read as the two lines each row stands for; and the
files whose second account column only names the other side (or a bank counterparty), read a line per row."""

from __future__ import annotations

from pathlib import Path

import pytest

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings


def _read(tmp_path: Path, text: str, name: str = "journal.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return read_file(path, get_settings())[1]


@pytest.mark.parametrize(("text", "debit", "credit"), [
    ("Date,Voucher,Description,Debit account,Credit account,Amount\n"
     "2025-01-03,1,Office rent January,6010,1930,12000.00\n"
     "2025-01-05,2,Sales invoice 1001,1510,3010,5000.00\n"
     "2025-01-09,3,Customer payment 1001,1930,1510,5000.00\n"
     "2025-01-12,4,Office supplies,6110,1930,349.50\n", "Debit account", "Credit account"),
    ("Dato;Bilag;Tekst;Debet;Kredit;Beløp\n"  # Norwegian: the account columns are just "Debet" and "Kredit"
     "03.01.2025;1;Husleie januar;6010;1930;12000,00\n"
     "05.01.2025;2;Faktura 1001;1510;3010;5000,00\n"
     "09.01.2025;3;Innbetaling 1001;1930;1510;5000,00\n"
     "12.01.2025;4;Kontorrekvisita;6110;1930;349,50\n", "Debet", "Kredit"),
])
def test_debit_and_credit_account_columns_beside_an_amount_are_two_lines_per_row(tmp_path, text, debit, credit):
    result = _read(tmp_path, text)
    frame = result.frame
    assert frame["account"].tolist() == ["6010", "1930", "1510", "3010", "1930", "1510", "6110", "1930"]
    assert frame["amount"].tolist() == [12000, -12000, 5000, -5000, 5000, -5000, 349.5, -349.5]
    assert frame["voucher_id"].tolist() == ["1", "1", "2", "2", "3", "3", "4", "4"]
    assert frame["line_number"].tolist() == [1, 2] * 4 and frame["row_number"].tolist() == [2, 2, 3, 3, 4, 4, 5, 5]
    assert result.expected_rows == 8 and result.warnings == []
    report = result.metadata["mapping_report"]
    assert report["fields"]["account"]["source"] == debit and report["unmapped_columns"] == []
    assert report["notes"] == [f"{debit!r} and {credit!r} hold account codes, not amounts: each row is two lines, "
                               f"{report['fields']['amount']['source']!r} debited to the first and credited to the "
                               "second"]


def test_an_account_with_its_contra_account_and_no_voucher_is_a_voucher_per_row(tmp_path):
    result = _read(tmp_path, "Datum;Konto;Motkonto;Text;Belopp\n"
                             "2025-02-03;5010;1930;Hyra februari;8500,00\n"
                             "2025-02-04;1930;3041;Kontantförsäljning;1200,00\n"
                             "2025-02-06;6212;1930;Telefon;399,00\n")
    frame = result.frame
    assert frame["account"].tolist() == ["5010", "1930", "1930", "3041", "6212", "1930"]
    assert frame["amount"].tolist() == [8500, -8500, 1200, -1200, 399, -399]
    assert frame["voucher_id"].tolist() == ["line 2", "line 2", "line 3", "line 3", "line 4", "line 4"]
    assert result.metadata["mapping_report"]["fields"]["voucher_id"]["how"] == "each row's two lines are one voucher"


def test_a_contra_account_that_names_the_other_side_of_balanced_vouchers_is_only_read(tmp_path):
    """An account sheet lists each booking under both its accounts; the contra column is information."""
    result = _read(tmp_path, "Bilag;Dato;Konto;Motkonto;Tekst;Beløp\n"
                             "10;03.01.2025;6300;1920;Husleie;12000,00\n"
                             "10;03.01.2025;1920;6300;Husleie;-12000,00\n"
                             "11;05.01.2025;1500;3000;Faktura;5000,00\n"
                             "11;05.01.2025;3000;1500;Faktura;-5000,00\n")
    assert len(result.frame) == 4 and result.expected_rows == 4
    assert "Motkonto" in result.metadata["mapping_report"]["unmapped_columns"]


def test_a_bank_statements_counterparty_account_is_not_a_contra_account(tmp_path):
    result = _read(tmp_path, "Rekening;Boekdatum;Tegenrekening;Naam tegenpartij;Bedrag;Omschrijving\n"
                             "NL91ABNA0417164300;2025-03-03;NL20INGB0001234567;Huisbaas BV;-950,00;Huur maart\n"
                             "NL91ABNA0417164300;2025-03-04;NL02RABO0123456789;Klant A;1200,00;Factuur 7\n"
                             "NL91ABNA0417164300;2025-03-05;NL20INGB0001234567;Huisbaas BV;-35,00;Kosten\n")
    assert len(result.frame) == 3 and result.frame["amount"].tolist() == [-950, 1200, -35]
    assert result.metadata["mapping"]["contra_account_column"] is None
