"""The rule battery end to end: a generated ledger CSV through `anomaly-pipeline process` into rule_flags."""

from __future__ import annotations

import csv
import json

from anomaly_pipeline.cli import main
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.detect.ledger_factory import write_ledger


def _ids(rows: list[dict], predicate) -> set[int]:
    """transaction_id is the 1-based position of the data row in the file."""
    return {i for i, row in enumerate(rows, start=1) if predicate(row)}


def test_process_writes_rule_flags_for_planted_findings(env, capsys):
    path = env["tmp"] / "ledger.csv"
    planted = write_ledger(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert main(["process", str(path), "--strategy", "audit_jet", "--format", "json"]) == 0
    outcome = json.loads(capsys.readouterr().out)[0]
    assert outcome["status"] == "loaded" and outcome["transactions"] == len(rows)

    flags = Warehouse(env["DATABASE_URL"]).read_table(schema.rule_flags, upload_id=outcome["upload_id"],
                                                      strategy="audit_jet")
    by_rule = {rule: set(group["transaction_id"]) for rule, group in flags.groupby("rule")}
    unbalanced = _ids(rows, lambda r: r["Voucher"] == planted["unbalanced"])
    assert by_rule["unbalanced_voucher"] == unbalanced
    assert by_rule["voucher_number_gap"] == _ids(rows, lambda r: r["Voucher"] == planted["after_gap"])
    assert by_rule["exact_duplicate"] == _ids(rows, lambda r: r["Voucher"] == planted["duplicate"])  # not the original
    assert by_rule["after_hours_posting"] == _ids(rows, lambda r: not "07:00" <= r["Time"] < "19:00")
    assert by_rule["suspicious_description"] == _ids(rows, lambda r: "Rättelse" in r["Text"])
    assert by_rule["seldom_used_account"] == _ids(rows, lambda r: r["Account"] == "1930")

    first = flags[flags["rule"] == "unbalanced_voucher"].iloc[0]
    assert first["severity"] == "high"
    assert first["reason"] == (f"voucher {planted['unbalanced']} does not balance: its 2 lines sum to 1 000 "
                               "(debits 5 000, credits -4 000)")
    assert set(flags["severity"]) <= {"low", "medium", "high"}
    assert flags["reason"].str.len().min() > 0

    runs = Warehouse(env["DATABASE_URL"]).read_table(schema.algorithm_runs, upload_id=outcome["upload_id"],
                                                     strategy="audit_jet").set_index("algorithm")
    # a ledger without revenue accounts: the rule ran and found nothing; Benford needs 1 000 amounts
    assert runs.loc["revenue_cutoff_reversal", "status"] == "ran"
    assert runs.loc["benford_first_digit", "flagged_count"] == 0
    assert outcome["flagged"] >= len(unbalanced)
