"""Every real CSV, Excel and JSON file in ../shared/data/real: loaded with the expected count and total, or
rejected with the expected reason.

The expectations were counted by hand from the files (opened in an editor / `cat -A`, summed with a
calculator, `awk` or `jq`), never copied from the reader's output. Sign convention: bank statements are
money in positive, money out negative; ledgers debit positive, credit negative.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.conftest import REAL_DATA

FOLDERS = ("csv", "excel", "json")

# file -> ("loaded", transactions, total amount) | ("rejected", reason substring)
EXPECTED: dict[str, tuple] = {
    # 1 data line, Betrag "-36,99"
    "csv/bank2ynab__bank2ynab__20180226-1000594757-umsatz.CSV": ("loaded", 1, -36.99),
    # 3 records (one line lost its opening quote after a stray CR); Bedrag -337,49 + 50,00 - 750,00.
    # "Saldo na trn" (+5257,28 ...) is the running balance, never the amount.
    "csv/bank2ynab__bank2ynab__CSV_A_20180414_112204.csv": ("loaded", 3, -1037.49),
    # 13 data lines, 3 "Pending" without a date are skipped -> 10. Nine card charges sum to 1385.80
    # (money out) and "+ £1,100.00" flagged CR in the unnamed 4th column is money in: 1100 - 1385.80.
    "csv/bank2ynab__bank2ynab__MS_JANE_SMITH_01-12-2019_14-12-2019.csv": ("loaded", 10, -285.80),
    # 1 data line, Zaúčtovaná částka "-1,00" (Windows-1250 text)
    "csv/bank2ynab__bank2ynab__Movements_1234512345_201805271848.csv": ("loaded", 1, -1.00),
    # all 9 rows have the anonymised placeholder date 1111/11/11: no real date in the file
    "csv/bank2ynab__bank2ynab__TH_20180101-20180523_page_1.csv": ("rejected", "unparsable dates in 9 of 9 rows"),
    # 1 data line, Betrag -17,22
    "csv/bank2ynab__bank2ynab__Umsaetze_KtoNr538917600_EUR_02-03-2018_1503.CSV": ("loaded", 1, -17.22),
    # 2 lines: -350 outflow, 1290 inflow (Bevétel/Kiadás agrees with the sign); Egyenleg is the balance
    "csv/bank2ynab__bank2ynab__W80844_EBH_201945.202122.csv": ("loaded", 2, 940.00),
    # 1 line, Bedrag -3,40 (Saldo 219,95 is the balance)
    "csv/bank2ynab__bank2ynab__export_BE11123456789012_20180304_1422.csv": ("loaded", 1, -3.40),
    # 7 lines: credits 5000.00 + 75.00, debits 25.50 + 150 + 100 + 50 + 200 = 525.50; equals the last balance
    "csv/c-vigo__beancount-importers__ZKB_Sample.csv": ("loaded", 7, 4549.50),
    # 1 line, Betrag -98,76 (Kontostand 1.234,56 is the balance)
    "csv/reubano__csv2ofx__gls.csv": ("loaded", 1, -98.76),
    # 2 lines: +328.00 and -328.00
    "csv/reubano__csv2ofx__n26-fr.csv": ("loaded", 2, 0.00),
    # 4 lines: 100,00 - 63,89 - 47,00 - 25,00 (dates m/d/yy: "2/20/19" proves month-first)
    "csv/reubano__csv2ofx__outbank.csv": ("loaded", 4, -35.89),
    # 2 lines: Debit Amount 100, Credit Amount 120
    "csv/reubano__csv2ofx__payoneer.csv": ("loaded", 2, 20.00),
    # 4 lines: deposit $20.00, withdrawals $103.00 + $75.00 + $57.27 (RunningBalance ignored)
    "csv/reubano__csv2ofx__schwab-checking.csv": ("loaded", 4, -215.27),
    # 5 charges: 25.00 + 27.50 + 25.00 + 25.00 + 10.00
    "csv/reubano__csv2ofx__stripe-all.csv": ("loaded", 5, 112.50),
    # 3 lines, only a "Date de valeur": Débit 10.00, Crédit 240.00, Débit 200.00 (Solde is the balance)
    "csv/reubano__csv2ofx__ubs-ch-fr_trimmed.csv": ("loaded", 3, 30.00),
    # 13 GL lines of 5 balanced journals (bare CR line ends): NetAmount sums to 0
    "csv/reubano__csv2ofx__xero.csv": ("loaded", 13, 0.00),
    # CSV text named .xls. 17 data rows: Opening balance, 2 x Turnover and Closing balance are not transactions
    # -> 13. D/K flags: 12 D rows sum 284.70 (= the D turnover row), 1 K row 2863.63 (= the K turnover row).
    # Opening 10374.04 + 2578.93 = closing 12952.97.
    "excel/bank2ynab__bank2ynab__test_swedebank_statement.xls": ("loaded", 13, 2578.93),
    # 36 transactions in override_accounts[0].transactions; `jq '[..|.amount?|numbers]|add'` = 17420.94 in
    # Plaid's sign (positive = money out), so money in positive is -17420.94
    "json/plaid__sandbox-custom-users__business_account.json": ("loaded", 36, -17420.94),
    # 2 accounts x 2 transactions: 398.34 + 1109.01 + 896.65 + 1708.12 = 4112.12 money out
    "json/plaid__sandbox-custom-users__transactions_checking+savings_custom_user.json": ("loaded", 4, -4112.12),
}


def _files() -> list[str]:
    return sorted(f"{folder}/{p.name}" for folder in FOLDERS for p in (REAL_DATA / folder).iterdir() if p.is_file())


def test_every_real_file_has_an_expectation():
    assert set(_files()) == set(EXPECTED)


@pytest.mark.parametrize("relative", _files())
def test_real_file_outcome(relative: str):
    path: Path = REAL_DATA / relative
    expected = EXPECTED[relative]
    if expected[0] == "rejected":
        with pytest.raises(RejectedFile) as info:
            read_file(path, get_settings())
        assert expected[1] in info.value.reason
        return
    _, count, total = expected
    _, result = read_file(path, get_settings())
    assert len(result.frame) == count
    assert round(float(result.frame["amount"].sum()), 2) == pytest.approx(total, abs=0.005)
    assert result.frame["posting_date"].notna().all()
    assert result.expected_rows - int(result.metadata.get("skipped_rows", 0)) == count


def test_pending_rows_skipped_with_warning():
    _, result = read_file(REAL_DATA / "csv/bank2ynab__bank2ynab__MS_JANE_SMITH_01-12-2019_14-12-2019.csv",
                          get_settings())
    assert result.expected_rows == 13
    assert any("skipped 3 rows with no parsable date" in w and "Pending" in w for w in result.warnings)


def test_swedbank_balance_rows_skipped_and_account_kept():
    file_format, result = read_file(REAL_DATA / "excel/bank2ynab__bank2ynab__test_swedebank_statement.xls",
                                    get_settings())
    assert file_format == "csv"  # content decides, not the .xls extension
    assert result.metadata["balance_rows"] == 4
    assert any("4 balance/summary rows" in w for w in result.warnings)
    assert set(result.frame["account"]) == {"LT357300000000000000"}
    descriptions = " ".join(result.frame["description"].fillna(""))
    assert "balance" not in descriptions.lower() and "Turnover" not in descriptions
    assert (result.frame["amount"] < 0).sum() == 12


def test_value_date_used_as_posting_date_and_said_so():
    _, result = read_file(REAL_DATA / "csv/reubano__csv2ofx__ubs-ch-fr_trimmed.csv", get_settings())
    assert sorted(result.frame["posting_date"].dt.strftime("%Y-%m-%d")) == ["2019-02-28", "2019-03-31", "2019-04-27"]
    assert any("value date" in note for note in result.metadata["mapping"]["notes"])
    assert "Solde" in result.metadata["mapping"]["balance_columns"]


def test_plaid_accounts_inherited_from_their_container():
    _, result = read_file(
        REAL_DATA / "json/plaid__sandbox-custom-users__transactions_checking+savings_custom_user.json", get_settings()
    )
    assert sorted(result.frame["account"]) == ["checking", "checking", "savings", "savings"]
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2026-08-22", "2026-06-25"]
