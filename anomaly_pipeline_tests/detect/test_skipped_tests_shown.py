"""A detector that did not run (a missing column, a test that does not apply to a bank statement) is shown
where people look: the transaction_risk materialization, the CLI's process summary and the export."""

from __future__ import annotations

import json

import dagster as dg
import openpyxl

from anomaly_pipeline.cli import main
from anomaly_pipeline.definitions import defs
from anomaly_pipeline_tests.conftest import real_file

CAMT = "xml/Subite-eu__camt-to-coda__2024-03-18.xml"
# the bank statement has no registration dates, users or times, and voucher tests do not apply to it
EXPECTED = {
    "after_hours_posting": "the upload has no posted_at data",
    "entry_date_gap": "the upload has no registration_date data",
    "unbalanced_voucher": "not applicable: a camt.054 bank statement is single-entry: its entries are not "
                          "balancing vouchers",
    "unusual_user_account": "the upload has no user_name data",
}


def test_tests_not_run_are_in_the_cli_summary_the_export_and_the_run_metadata(env, capsys):
    path = real_file(CAMT)
    assert main(["process", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{path}: loaded upload=") and " transactions=41 " in lines[0]
    # missing fields on lines of their own, tests that do not apply to a statement on the last
    assert "  no registration date: 3 tests skipped (entry_date_gap, late_registration, period_mismatch)" in lines
    assert "  no user: 1 test skipped (unusual_user_account)" in lines
    assert lines[-1].startswith("  not run: ") and EXPECTED["unbalanced_voucher"] + ": " in lines[-1]
    assert "voucher_number_gap" in lines[-1] and "the upload has no" not in lines[-1]

    assert main(["process", str(path), "--format", "json", "--force"]) == 0
    [outcome] = json.loads(capsys.readouterr().out)
    assert EXPECTED.items() <= outcome["skipped"].items()
    assert "weekend_posting" not in outcome["skipped"]

    out = env["tmp"] / "audit.xlsx"
    assert main(["export", "--upload", outcome["upload_id"], "-o", str(out)]) == 0
    facts = {row[0]: row[1] for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) if row}
    assert facts["Tests not run"].startswith(f"not run: {len(outcome['skipped'])} test(s). ")
    assert all(reason in facts["Tests not run"] for reason in EXPECTED.values())

    with dg.instance_for_test() as instance:
        key = outcome["upload_id"]
        instance.add_dynamic_partitions("uploads", [key])
        result = defs.resolve_job_def("rescore_upload").execute_in_process(
            partition_key=key, instance=instance,
            run_config={"resources": {"scoring": {"config": {"strategy": "balanced"}}}})
        [risk] = result.asset_materializations_for_node("transaction_risk")
    shown = risk.metadata["tests_not_run"].value
    assert shown == facts["Tests not run"]
