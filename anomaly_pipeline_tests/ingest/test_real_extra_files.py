"""Public sample exports beyond ../shared/data/real (anomaly_pipeline_tests/data/real_extra, sources and licenses
in its README): each loads with the count and total computed from the file itself, or is rejected for what is
really wrong with it.

Expectations were computed with the `csv` module and `decimal` arithmetic on the raw cells (per file: which
column is the amount, which rows are transactions), never from the reader's output. Sign convention: bank and
card statements money in positive; ledgers debit positive. `dev/` files were read while the readers were
built; `holdout/` files were only run once the readers were finished (see the README for how they fared).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings

EXTRA = Path(__file__).resolve().parents[1] / "data" / "real_extra"

# file -> ("loaded", transactions, total, records in the file) | ("rejected", reason substring)
EXPECTED: dict[str, tuple] = {
    # Capital One card: Debit 1000.00 (a charge, money out) and Credit 1000.00 (the autopay)
    "dev/reubano__csv2ofx__capitalone.csv": ("loaded", 2, 0.00, 2),
    # 8 cheques of 50000 + 50000 + 70000 + 65000 + 60000 + 75000 + 45000 + 50000 (bare CR line ends)
    "dev/reubano__csv2ofx__creditunion.csv": ("loaded", 8, 465000.00, 8),
    "dev/reubano__csv2ofx__default.csv": ("loaded", 8, 465000.00, 8),
    # ING Spain: signed 'amount', 'balance' is the running balance
    "dev/reubano__csv2ofx__ingesp.csv": ("loaded", 10, 350.21, 10),
    # Mint: unsigned amounts, 'Transaction Type' debit/credit: -1000 - 1500 + 2000 - 2500
    "dev/reubano__csv2ofx__mint.csv": ("loaded", 4, -3000.00, 4),
    # PC Mastercard: 36.33 + 13.98 as written, times "06:50 PM"
    "dev/reubano__csv2ofx__pcmastercard.csv": ("loaded", 2, 50.31, 2),
    # Stripe payments: 25.00 + 27.50 + 25.00 + 25.00 + 10.00 ('fee' is not the amount)
    "dev/reubano__csv2ofx__stripe-default.csv": ("loaded", 5, 112.50, 5),
    # Amazon orders: 3 with a total (4.22 + 7.42 + 34.12); 2 pending and 1 cancelled without one, and the
    # header repeated at the end
    "dev/reubano__csv2ofx__amazon.csv": ("loaded", 3, 45.76, 7),
    # N26 (DE, Latin-1): Betrag (EUR) -59.99; 'Kontonummer' is the (blank) counterparty account
    "dev/bank2ynab__bank2ynab__20171001-20171106.csv": ("loaded", 1, -59.99, 1),
    # bunq (NL): -2,56 + 750,00 - 18,90
    "dev/bank2ynab__bank2ynab__2018-04-14_10-52-13_bunq-transactieoverzicht.csv": ("loaded", 3, 728.54, 3),
    "dev/bank2ynab__bank2ynab__20180226_12345678.csv": ("loaded", 1, -5.00, 1),
    # Singapore: 8 transactions, each followed by a line continuing its description (16 records);
    # Withdrawals (SGD) sum 173.28, no deposits
    "dev/bank2ynab__bank2ynab__TransactionHistory_20180418043121.csv": ("loaded", 8, -173.28, 16),
    # DKB card (DE): Buchungsbetrag -5,00 (beside Originalbetrag; 'Umsatz getätigt von' is the card holder)
    "dev/bank2ynab__bank2ynab__umsatz-1234________1234-20180227.CSV": ("loaded", 1, -5.00, 1),
    # Bank of Ireland: Credit - Debit over 27 rows
    "dev/bank2ynab__bank2ynab__test_BOI_TransactionExport.csv": ("loaded", 27, -419.61, 27),
    # KBC Mastercard (BE): bedrag -16,52 + 35,77 - 16,52
    "dev/bank2ynab__bank2ynab__export_KBC-Mastercard_Business_Essential_20200204_1604.csv": ("loaded", 3, 2.73, 3),
    # Raiffeisen (AT) without a header line: 74 records, 73 dated (one is a text line), column 4 the amount
    "dev/bank2ynab__bank2ynab__test_raiffeisen_01.csv": ("loaded", 73, -4580.70, 74),
    # a single card line without a header and an unsigned amount: no column says it is the amount
    "dev/bank2ynab__bank2ynab__statement_1.csv": ("rejected", "no column of signed decimal numbers"),
    "dev/c-vigo__beancount-importers__Revolut_EUR_Sample.csv": ("loaded", 7, 575.89, 7),
    "dev/c-vigo__beancount-importers__Neon_Sample.csv": ("loaded", 47, 28351.08, 47),
    "dev/c-vigo__beancount-importers__N26_Sample.csv": ("loaded", 87, -12371.59, 87),
    # e-conomic SIE 4: 57 vouchers, 160 #TRANS rows, balanced
    "dev/Alipsa__SIEParser__9_sie-gruppen-e-conomic.se": ("loaded", 160, 0.00, 160),
    "dev/Alipsa__SIEParser__42_sie2.se": ("rejected", "SIE type 2: period balances only"),
    "dev/Alipsa__SIEParser__64_SIE-fil_från_Visma_Eget_Aktiebolag_2010.se": (
        "rejected", "SIE type 1: year-end balances only"),
    # ---- held out: expectations written before these files were first read
    "holdout/bank2ynab__bank2ynab__2019-03-02_11-50-46_bunq-statement.csv": ("loaded", 7, -23.82, 7),
    "holdout/bank2ynab__bank2ynab__MonzoDataExport_February2018_2018-02-26_174335.csv": ("loaded", 1, -10.00, 1),
    # every date is the anonymised placeholder 1111/11/11
    "holdout/bank2ynab__bank2ynab__TH_20180521-20180523.csv": ("rejected", "unparsable dates in 1 of 1 rows"),
    # one DBS line without a header, its amount unsigned in the debit position: nothing says which it is
    "holdout/bank2ynab__bank2ynab__dba33fceecd62c3c727893361e0ba4d3.P000000027355791.csv": (
        "rejected", "no column of signed decimal numbers"),
    "holdout/c-vigo__beancount-importers__Revolut_CHF_Sample.csv": ("loaded", 7, 194.35, 7),
    # 7 shared expenses, Cost 98.30 + 58.85 + 26.90 + 47.55 + 14.10 + 8.55 + 335.00; 'Total balance' is no expense
    "holdout/c-vigo__beancount-importers__Splitwise_HouseHold_Sample.csv": ("loaded", 7, 589.25, 8),
    # DBS (SG) below an 11-blank-line preamble: 9 Debit Amounts
    "holdout/reubano__csv2ofx__dbs.csv": ("loaded", 9, -16880.26, 9),
    # SumUp (DE): Zahlungsbetrag eingehend - ausgehend: -840.12 - 500 - 500 + 40 + 10; dates "29.12.24, 13:56"
    "holdout/reubano__csv2ofx__sumup.csv": ("loaded", 5, -1790.12, 5),
    "holdout/Alipsa__SIEParser__65_SIE-fil_från_Visma_Enskild_Firma_2010.se": (
        "rejected", "SIE type 1: year-end balances only"),
    "holdout/Alipsa__SIEParser__45_Exempelbolaget_SIE_110322_B_33.si": ("loaded", 91, 0.00, 91),
    "holdout/Alipsa__SIEParser__38_Bokslut_Norstedts_SIE_4E.se": ("loaded", 678, 0.00, 678),
}


def _files(folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (EXTRA / folder).iterdir() if p.is_file())


def test_every_extra_file_has_an_expectation():
    assert set(_files("dev")) | set(_files("holdout")) == set(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_extra_file(relative):
    expected = EXPECTED[relative]
    if expected[0] == "rejected":
        with pytest.raises(RejectedFile, match=expected[1]):
            read_file(EXTRA / relative, get_settings())
        return
    _, count, total, records = expected
    _, result = read_file(EXTRA / relative, get_settings())
    assert len(result.frame) == count
    assert round(float(result.frame["amount"].sum()), 2) == total
    assert result.expected_rows == records
    report = result.metadata["mapping_report"]
    assert sum(entry["rows"] for entry in report["skipped_rows"]) == records - count


def _report(relative: str) -> dict:
    return read_file(EXTRA / relative, get_settings())[1].metadata["mapping_report"]


def test_currency_from_the_amount_header():
    _, result = read_file(EXTRA / "dev/bank2ynab__bank2ynab__TransactionHistory_20180418043121.csv", get_settings())
    assert result.frame["currency"].unique().tolist() == ["SGD"]
    assert {"reason": "neither a date nor an amount (continuation or note lines)", "rows": 8} in (
        result.metadata["mapping_report"]["skipped_rows"])


def test_card_statement_takes_the_booked_amount_not_the_card_holder():
    report = _report("dev/bank2ynab__bank2ynab__umsatz-1234________1234-20180227.CSV")
    assert report["fields"]["amount"] == {"source": "Buchungsbetrag", "how": "header words"}
    assert {"Umsatz getätigt von", "Originalbetrag"} <= set(report["unmapped_columns"])


def test_headerless_file_is_read_by_content():
    report = _report("dev/bank2ynab__bank2ynab__test_raiffeisen_01.csv")
    assert report["fields"]["posting_date"] == {"source": "column 1", "how": "inferred from content"}
    assert report["fields"]["amount"] == {"source": "column 4", "how": "inferred from content"}
    # column 3 (the card date) is before the booking date on some rows: not a registration date
    assert report["fields"]["registration_date"]["how"] == "absent"
