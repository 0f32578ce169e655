"""The auditor workbook, opened with openpyxl: sheets, rows and formats against counts taken from the file."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import dagster as dg
import openpyxl

from anomaly_pipeline.cli import main
from anomaly_pipeline.definitions import defs
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"


def _xero_rows() -> list[dict]:
    text = real_file(XERO).read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return list(csv.DictReader(text.splitlines()))


def _process(capsys, *args: str) -> list[dict]:
    assert main(["process", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _table(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


WEEKEND_CONFIG = {"min_amount": 0.0, "weekend_days": [6, 7], "severity": "medium", "skip_month_end": True, "scheduled_months": 4,
                  "max_share": 0.02}


def _two_test_strategy(env, capsys) -> str:
    """The z-score and the weekend rule only, so the expected sheets do not move when presets are retuned."""
    from anomaly_pipeline.detect.registry import ALGORITHMS

    document = {"name": "two-tests", "threshold": 0.3, "algorithms": {
        **{name: {"enabled": False} for name in ALGORITHMS},
        "robust_zscore": {"enabled": True, "weight": 1.0, "config": {"threshold": 2.5}},
        "weekend_posting": {"enabled": True, "weight": 0.8, "config": WEEKEND_CONFIG},
    }}
    path = env["tmp"] / "two-tests.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["strategies", "create", "two-tests", "--from", str(path)]) == 0
    capsys.readouterr()
    return "two-tests"


def test_export_workbook_sheets_and_counts(env, capsys):
    rows = _xero_rows()
    # weekend rule with min_amount 0 at weight 0.8 x 0.7 >= 0.3: every weekend posting is an anomaly
    weekend = [r for r in rows if datetime.strptime(r["JournalDate"], "%d-%b-%y").weekday() >= 5]
    flagged_journals = {r["JournalNumber"] for r in weekend}
    voucher_lines = [r for r in rows if r["JournalNumber"] in flagged_journals]
    strategy = _two_test_strategy(env, capsys)
    upload = _process(capsys, str(real_file(XERO)), "--strategy", strategy)[0]["upload_id"]
    out = env["tmp"] / "audit.xlsx"

    assert main(["export", "--upload", upload, "--strategy", strategy, "-o", str(out), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["path"] == str(out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Flagged vouchers", "robust_zscore", "weekend_posting"]

    summary = wb["Summary"]
    facts = {r[0]: r[1] for r in summary.iter_rows(min_row=2, max_row=18, values_only=True)}
    assert facts["Upload"] == upload
    assert facts["File"] == "reubano__csv2ofx__xero.csv"
    assert facts["Transactions (active lines)"] == len(rows) == 13
    assert facts["Flagged transactions"] == len(weekend) == 9
    assert facts["Flagged vouchers"] == len(flagged_journals)
    assert facts["Strategy"] == strategy and facts["Risk threshold"] == 0.3
    assert facts["Judged with"] == "this upload alone"  # no entity named in the file: no history
    tests_header = next(i for i, r in enumerate(summary.iter_rows(values_only=True), start=1) if r[0] == "Test")
    tests = {r[0]: r for r in summary.iter_rows(min_row=tests_header + 1, values_only=True)}
    assert {name for name, row in tests.items() if row[3] == "yes"} == {"robust_zscore", "weekend_posting"}
    assert {row[2] for name, row in tests.items() if row[3] == "no"} == {"disabled"}
    assert tests["weekend_posting"][5] == 9  # flagged
    assert json.loads(tests["weekend_posting"][7]) == WEEKEND_CONFIG
    assert summary.freeze_panes == "A2"

    vouchers = wb["Flagged vouchers"]
    lines = _table(vouchers)
    assert len(lines) == len(voucher_lines)
    assert sorted(r["Voucher"] for r in lines) == sorted(r["JournalNumber"] for r in voucher_lines)
    assert sum(r["Anomaly"] == "yes" for r in lines) == 9
    assert round(sum(r["Amount"] for r in lines), 2) == round(sum(float(r["NetAmount"]) for r in voucher_lines), 2)
    assert all(r["Reasons"].startswith("weekend_posting: posted S") for r in lines if r["Anomaly"] == "yes")
    assert vouchers.freeze_panes == "A2" and vouchers.auto_filter.ref == f"A1:R{len(lines) + 1}"
    amount_cell = vouchers.cell(row=2, column=10)
    assert amount_cell.number_format == "#,##0.00" and isinstance(amount_cell.value, int | float)
    assert isinstance(vouchers.cell(row=2, column=7).value, datetime | date)
    assert vouchers.column_dimensions["L"].width > vouchers.column_dimensions["D"].width  # description vs id

    weekend_sheet = _table(wb["weekend_posting"])
    assert len(weekend_sheet) == 9
    assert sorted(r["Amount"] for r in weekend_sheet) == sorted(float(r["NetAmount"]) for r in weekend)
    wh = Warehouse(env["DATABASE_URL"])
    robust = wh.read_table(schema.anomaly_scores, upload_id=upload, strategy=strategy, algorithm="robust_zscore")
    assert len(_table(wb["robust_zscore"])) == int(robust["flagged"].astype(bool).sum())

    # the upload's run does not write the workbook; the export_workbook job writes the same one as the CLI
    asset_file = env["tmp"] / "data" / "exports" / upload / f"{strategy}.xlsx"
    assert not asset_file.exists()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [upload])
        result = defs.resolve_job_def("export_workbook").execute_in_process(
            partition_key=upload, instance=instance,
            run_config={"resources": {"scoring": {"config": {"strategy": strategy}}}})
    assert result.success
    assert openpyxl.load_workbook(asset_file).sheetnames == wb.sheetnames
    assert len(_table(openpyxl.load_workbook(asset_file)["Flagged vouchers"])) == len(voucher_lines)


def test_export_writes_text_never_formulas_and_refuses_unknown_uploads(env, capsys):
    path = env["tmp"] / "ledger.csv"
    path.write_text("Date,Voucher,Account,Amount,Description\n"
                    "2024-03-09,V3,1930,-2500.00,\"=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\"\n"
                    "2024-03-09,V3,4010,2500.00,+goods\n"
                    "2024-03-11,V4,1930,-10.00,cash\n2024-03-11,V4,4010,10.00,cash\n")
    upload = _process(capsys, str(path), "--strategy", "aggressive")[0]["upload_id"]
    out = env["tmp"] / "x.xlsx"
    assert main(["export", "--upload", upload, "--strategy", "aggressive", "-o", str(out)]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(out)["Flagged vouchers"]
    lines = _table(ws)
    assert [r["Description"] for r in lines] == ['=HYPERLINK("http://x","click")', "+goods"]
    assert ws.cell(row=2, column=12).data_type == "s"

    assert main(["export", "--upload", "0000000000000000", "-o", str(out)]) == 1
    assert "no upload '0000000000000000'" in capsys.readouterr().err
    assert main(["export", "--upload", upload, "--strategy", "conservative", "-o", str(out)]) == 1
    assert "has not been scored with strategy 'conservative'" in capsys.readouterr().err


def test_sheets_over_excels_row_limit_are_cut_and_say_so(env, capsys, monkeypatch):
    from anomaly_pipeline.reporting import export

    upload = _process(capsys, str(real_file(XERO)), "--strategy", "aggressive")[0]["upload_id"]
    monkeypatch.setattr(export, "MAX_SHEET_ROWS", 4)
    out = env["tmp"] / "cut.xlsx"
    assert main(["export", "--upload", upload, "--strategy", "aggressive", "-o", str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["sheets"]["weekend_posting"] == 4
    wb = openpyxl.load_workbook(out)
    assert len(_table(wb["weekend_posting"])) == 4
    facts = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, max_row=20, values_only=True) if r and r[0]}
    assert "weekend_posting: first 4 of 9 rows (Excel's limit)" in facts["Truncated sheets"]


def test_test_sheets_keep_their_strongest_rows_and_the_summary_counts_all(env, capsys, monkeypatch):
    from anomaly_pipeline.reporting import export

    strategy = _two_test_strategy(env, capsys)
    upload = _process(capsys, str(real_file(XERO)), "--strategy", strategy)[0]["upload_id"]
    monkeypatch.setattr(export, "MAX_TEST_SHEET_ROWS", 4)
    out = env["tmp"] / "capped.xlsx"
    assert main(["export", "--upload", upload, "--strategy", strategy, "-o", str(out)]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(out)
    assert len(_table(wb["weekend_posting"])) == 4
    rows = _xero_rows()
    weekend_journals = {r["JournalNumber"] for r in rows if datetime.strptime(r["JournalDate"], "%d-%b-%y").weekday() >= 5}
    # the review list itself is only ever cut at Excel's limit
    assert len(_table(wb["Flagged vouchers"])) == sum(r["JournalNumber"] in weekend_journals for r in rows)
    summary = list(wb["Summary"].iter_rows(values_only=True))
    facts = {r[0]: r[1] for r in summary if r and r[0]}
    assert facts["Truncated sheets"] == "weekend_posting: first 4 of 9 rows (the strongest; Summary counts all)"
    assert {r[0]: r[5] for r in summary if r and r[0] == "weekend_posting"}["weekend_posting"] == 9
