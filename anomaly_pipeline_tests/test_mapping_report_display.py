"""The mapping report where people look: `uploads --format json`, the export workbook's Summary sheet and the
`transactions` materialization in Dagster."""

from __future__ import annotations

import json

import dagster as dg
import openpyxl

from anomaly_pipeline.cli import main
from anomaly_pipeline.orchestration.runner import process_file

# a general-ledger export: the registration date is named 'Registered', the user 'Created by', the voucher
# 'Journal No.'; 'Approved' (a status) is not read
LEDGER = ("Journal No.,Date,Registered,Account Code,Account Name,Debit,Credit,Created by,Approved\n"
          "JE-1,2024-03-28,2024-03-28,1930,Bank,,500.00,anna,yes\n"
          "JE-1,2024-03-28,2024-03-28,6110,Office,500.00,,anna,yes\n"
          "JE-2,2024-03-31,2024-04-15,1930,Bank,,80.00,erik,no\n"
          "JE-2,2024-03-31,2024-04-15,5410,Supplies,80.00,,erik,no\n")


def test_mapping_report_in_uploads_json_and_the_export_workbook(env, capsys):
    path = env["tmp"] / "journal.csv"
    path.write_text(LEDGER, encoding="utf-8")
    assert main(["process", str(path), "--strategy", "aggressive", "--format", "json"]) == 0
    outcome = json.loads(capsys.readouterr().out)[0]
    # the ledger has a registration date and a user: a posting time, a description and a counterparty it has not
    assert outcome["missing_data"] == ["no posting time: 1 test skipped (after_hours_posting)",
                                       "no description: 1 test skipped (suspicious_description)",
                                       "no counterparty: 1 test skipped (robust_zscore_counterparty)"]

    assert main(["uploads", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)[0]["mapping_report"]
    assert report["fields"]["registration_date"] == {"source": "Registered", "how": "header words"}
    assert report["fields"]["voucher_id"] == {"source": "Journal No.", "how": "header"}
    assert report["fields"]["user_name"] == {"source": "Created by", "how": "header"}
    assert report["fields"]["counterparty"] == {"source": None, "how": "absent"}
    assert report["unmapped_columns"] == ["Approved"]

    out = env["tmp"] / "journal.xlsx"
    assert main(["export", "--upload", outcome["upload_id"], "--strategy", "aggressive", "-o", str(out)]) == 0
    capsys.readouterr()
    summary = openpyxl.load_workbook(out)["Summary"]
    facts = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert facts["Read: registration_date"] == "Registered (header words)"
    assert facts["Read: voucher_id"] == "Journal No."
    assert facts["Read: not read"] == "Approved"
    assert "counterparty" in facts["Read: absent"].split(", ")


def test_mapping_report_in_the_transactions_materialization(env):
    path = env["tmp"] / "journal.csv"
    path.write_text(LEDGER, encoding="utf-8")
    with dg.instance_for_test() as instance:
        outcome = process_file(path, instance, strategy="aggressive")
        event = instance.get_latest_materialization_event(dg.AssetKey("transactions"))
    assert outcome.status == "loaded"
    table = event.asset_materialization.metadata["mapping_report"].value
    assert "| registration_date | Registered (header words) |" in table.split("\n")
    assert "| not read | Approved |" in table.split("\n")
