"""Preview == materialization, reuse of unchanged scores, and the run log's strategy versions."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import yaml

from anomaly_pipeline.cli import main
from anomaly_pipeline.definitions import defs
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.preview import Transactions, score_in_memory
from anomaly_pipeline.strategies.store import get_strategy
from anomaly_pipeline_tests.strategies.ledger import write_ledger


def _cli_json(capsys, *argv: str):
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def _candidate_file(tmp: Path, name: str, zscore_threshold: float, weekend_weight: float) -> Path:
    """The z-score and the weekend rule only, spelled out (other detectors disabled; their ledger-norm
    calibration off, max_share 1), so the expected differences do not move when presets are retuned or
    detectors are added."""
    document = {"name": name, "threshold": 0.5, "algorithms": {
        **{algo: {"enabled": False} for algo in ALGORITHMS},
        "robust_zscore": {"enabled": True, "weight": 1.0,
                          "config": {"threshold": zscore_threshold, "min_group_size": 8, "group_by": "account",
                                     "max_share": 1.0}},
        "weekend_posting": {"enabled": True, "weight": weekend_weight,
                            "config": {"min_amount": 1000.0, "weekend_days": [6, 7], "severity": "medium",
                                       "max_share": 1.0}},
    }}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _rescore(instance: dg.DagsterInstance, key: str, strategy: str) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def("rescore_upload").execute_in_process(
        partition_key=key, instance=instance,
        run_config={"resources": {"scoring": {"config": {"strategy": strategy}}}})
    assert result.success
    return result


def _stored_risk(wh: Warehouse, key: str, strategy: str) -> pd.DataFrame:
    return wh.read_table(schema.transaction_risk, upload_id=key, strategy=strategy).set_index("transaction_id")


def test_preview_equals_what_materializing_the_candidate_stores(env, capsys, monkeypatch):
    tmp = env["tmp"]
    assert main(["strategies", "create", "base", "--from",
                 str(_candidate_file(tmp, "base", zscore_threshold=3.5, weekend_weight=0.6))]) == 0
    assert main(["strategies", "create", "candidate", "--from",
                 str(_candidate_file(tmp, "candidate", zscore_threshold=2.5, weekend_weight=0.1))]) == 0
    monkeypatch.setenv("DEFAULT_STRATEGY", "base")  # "current" = the default strategy's stored results
    capsys.readouterr()
    ledger = write_ledger(tmp / "ledger.csv")
    [processed] = _cli_json(capsys, "process", str(ledger), "--format", "json")
    key = processed["upload_id"]
    wh = Warehouse(env["DATABASE_URL"])
    base = _stored_risk(wh, key, "base")
    current_flagged = set(base.index[base["is_anomaly"]])
    assert len(current_flagged) == processed["flagged"] > 0

    report = _cli_json(capsys, "strategies", "preview", "candidate", "--upload", key, "--examples", "1000",
                       "--format", "json")
    assert {"strategy", "version", "flagged_transactions", "flagged_vouchers", "current_flagged_transactions",
            "newly_flagged", "no_longer_flagged", "per_algorithm", "recomputed", "reused"} <= set(report)
    assert (report["strategy"], report["version"], report["against"]) == ("candidate", 1, "base")
    # only the algorithm whose config changed ran again; the weekend rule's stored flags were reused
    assert report["recomputed"] == ["robust_zscore"]
    assert report["reused"] == ["weekend_posting"]
    assert report["uploads"][0]["reused"] == {"weekend_posting": "base"}
    assert report["current_flagged_transactions"] == len(current_flagged)
    # a looser z threshold flags more amounts; a light weekend weight drops a weekend + z-score combination
    assert report["newly_flagged"] > 0 and report["no_longer_flagged"] > 0
    # preview wrote nothing
    assert wh.count_rows(schema.transaction_risk, upload_id=key, strategy="candidate") == 0
    assert wh.count_rows(schema.algorithm_runs, upload_id=key, strategy="candidate") == 0

    newly = {e["transaction_id"]: e for e in report["newly_flagged_examples"]}
    gone = {e["transaction_id"] for e in report["no_longer_flagged_examples"]}
    assert len(newly) == report["newly_flagged"] and len(gone) == report["no_longer_flagged"]
    previewed_flagged = (current_flagged | set(newly)) - gone

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        run = _rescore(instance, key, "candidate")
    stored = _stored_risk(wh, key, "candidate")
    stored_flagged = set(stored.index[stored["is_anomaly"]])
    assert stored_flagged == previewed_flagged
    assert report["flagged_transactions"] == len(stored_flagged)
    assert set(stored_flagged) - current_flagged == set(newly)
    assert current_flagged - set(stored_flagged) == gone
    for tid, example in newly.items():
        assert example["risk_score"] == stored.loc[tid, "risk_score"]
        assert example["reasons"] == stored.loc[tid, "reasons"]
    vouchers = wh.read_transactions(key).set_index("transaction_id").loc[sorted(stored_flagged), "voucher_id"]
    assert report["flagged_vouchers"] == vouchers.nunique()
    algorithm_runs = wh.read_table(schema.algorithm_runs, upload_id=key, strategy="candidate").set_index("algorithm")
    for name in ALGORITHMS:
        assert report["per_algorithm"][name]["flagged"] == algorithm_runs.loc[name, "flagged_count"]

    # every transaction's risk, not only the flagged ones, equals the stored one
    frame = wh.read_transactions(key)
    in_memory = score_in_memory(wh, key, Transactions(wh, key), get_strategy(wh, "candidate"))
    in_memory = in_memory.risk.set_index("transaction_id")
    expected = in_memory["risk_score"][in_memory["risk_score"] > 0]
    pd.testing.assert_series_equal(expected.sort_index(), stored["risk_score"].sort_index(), check_dtype=False,
                                   check_exact=True)

    # the run log: one row per run, naming the exact strategy version and the Dagster run
    log = wh.read_table(schema.analysis_runs, upload_id=key, strategy="candidate")
    assert len(log) == 1
    entry = log.iloc[0]
    assert entry["run_id"] == run.run_id
    assert (entry["strategy_version"], entry["status"]) == (1, "success")
    assert entry["flagged_count"] == len(stored_flagged)
    assert entry["transaction_count"] == len(frame)
    started, finished = pd.Timestamp(entry["started_at"]), pd.Timestamp(entry["finished_at"])
    assert started <= finished
    assert abs(entry["duration_seconds"] - (finished - started).total_seconds()) < 1e-3
    counts = entry["algorithm_counts"]
    counts = json.loads(counts) if isinstance(counts, str) else counts
    assert {n: c["flagged"] for n, c in counts.items()} == algorithm_runs["flagged_count"].to_dict()

    # once materialized, a second preview reuses everything and agrees with itself
    again = _cli_json(capsys, "strategies", "preview", "candidate", "--against", "candidate", "--format", "json")
    assert again["recomputed"] == [] and again["reused"] == ["robust_zscore", "weekend_posting"]  # the enabled ones
    assert (again["newly_flagged"], again["no_longer_flagged"]) == (0, 0)
    assert again["flagged_transactions"] == again["current_flagged_transactions"] == len(stored_flagged)


def test_a_run_records_the_strategy_version_it_used(env, capsys):
    tmp = env["tmp"]
    assert main(["strategies", "create", "mine", "--from", str(_candidate_file(tmp, "mine", 3.0, 0.6))]) == 0
    assert main(["strategies", "update", "mine", "--from", str(_candidate_file(tmp, "mine", 2.0, 0.6))]) == 0
    capsys.readouterr()
    [processed] = _cli_json(capsys, "process", str(write_ledger(tmp / "ledger.csv")), "--strategy", "mine",
                            "--format", "json")
    wh = Warehouse(env["DATABASE_URL"])
    log = wh.read_table(schema.analysis_runs, upload_id=processed["upload_id"])
    assert log[["strategy", "strategy_version"]].values.tolist() == [["mine", 2]]
    hashes = wh.read_table(schema.algorithm_runs, upload_id=processed["upload_id"], strategy="mine")
    assert dict(zip(hashes["algorithm"], hashes["config_hash"], strict=True)) == {
        n: s.config_hash() for n, s in get_strategy(wh, "mine", 2).algorithms.items()}

    # applying another strategy to the loaded upload adds its results and run; the first strategy's stay
    key = processed["upload_id"]
    mine_rows = wh.read_table(schema.transaction_risk, upload_id=key, strategy="mine")
    [applied] = _cli_json(capsys, "strategies", "apply", "aggressive", "--upload", key, "--format", "json")
    assert (applied["status"], applied["upload_id"]) == ("scored", key)
    assert applied["flagged"] == wh.flagged_count(key, "aggressive")
    pd.testing.assert_frame_equal(wh.read_table(schema.transaction_risk, upload_id=key, strategy="mine"), mine_rows)
    log = wh.read_table(schema.analysis_runs, upload_id=key).sort_values("id")
    assert log[["strategy", "strategy_version"]].values.tolist() == [["mine", 2], ["aggressive", 1]]
    assert log["run_id"].iloc[1] == applied["run_id"]

    # compared with a strategy that never ran on the upload, the current side is computed, not invented
    report = _cli_json(capsys, "strategies", "preview", "mine", "--version", "1", "--against", "mine",
                       "--format", "json")
    assert report["version"] == 1
    assert report["uploads"][0]["current_source"] == "stored"
    assert report["current_flagged_transactions"] == processed["flagged"]
    assert report["recomputed"] == ["robust_zscore"]  # v1's z threshold differs from the stored v2 run
    report = _cli_json(capsys, "strategies", "preview", "mine", "--against", "conservative", "--format", "json")
    assert report["uploads"][0]["current_source"] == "computed"
    assert report["flagged_transactions"] == processed["flagged"]


def test_preview_job_in_dagster_attaches_the_report(env, capsys):
    tmp = env["tmp"]
    files = [write_ledger(tmp / "ledger.csv"), write_ledger(tmp / "ledger2.csv", rows=90, seed=11)]
    processed = _cli_json(capsys, "process", *map(str, files), "--format", "json")
    cli_report = _cli_json(capsys, "strategies", "preview", "aggressive", "--all", "--format", "json")
    assert [u["upload_id"] for u in cli_report["uploads"]] == [p["upload_id"] for p in processed]
    assert cli_report["transactions"] == 120 + 90
    assert cli_report["current_flagged_transactions"] == sum(p["flagged"] for p in processed)
    assert cli_report["flagged_transactions"] == sum(u["flagged_transactions"] for u in cli_report["uploads"])
    dg.Definitions.validate_loadable(defs)
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("preview_strategy").execute_in_process(
            instance=instance, run_config={"ops": {"strategy_preview": {"config": {
                "strategy": "aggressive", "all_uploads": True}}}})
    assert result.success
    report = result.output_for_node("strategy_preview")
    for key in ("flagged_transactions", "flagged_vouchers", "current_flagged_transactions", "newly_flagged",
                "no_longer_flagged", "per_algorithm", "recomputed", "reused", "score_distribution"):
        assert report[key] == cli_report[key], key
    output = next(e for e in result.all_events if e.event_type_value == "STEP_OUTPUT")
    metadata = output.event_specific_data.metadata
    assert metadata["newly_flagged"].value == report["newly_flagged"]
    assert metadata["per_algorithm"].value == report["per_algorithm"]
    wh = Warehouse(env["DATABASE_URL"])
    assert wh.count_rows(schema.transaction_risk, strategy="aggressive") == 0


def test_preview_refuses_unknown_uploads_and_strategies(env, capsys):
    assert main(["strategies", "preview", "balanced"]) == 1
    assert capsys.readouterr().err == "error: no loaded uploads to preview on: process a file first\n"
    assert main(["strategies", "preview", "nope"]) == 1
    assert capsys.readouterr().err == "error: no strategy named 'nope'\n"
    assert main(["strategies", "preview", "balanced", "--upload", "0123456789abcdef"]) == 1
    assert "no upload '0123456789abcdef'" in capsys.readouterr().err


def test_combining_refuses_scores_a_different_strategy_version_made(env, capsys):
    """Materializing transaction_risk alone after a config change would log a version that did not make the
    scores: it fails naming the algorithm. A weights-only change needs no rerun and is logged as such."""
    from anomaly_pipeline.orchestration.assets import scoring_assets
    from anomaly_pipeline.orchestration.resources import ScoringResource, WarehouseResource

    tmp = env["tmp"]
    assert main(["strategies", "create", "mine", "--from", str(_candidate_file(tmp, "mine", 3.0, 0.6))]) == 0
    capsys.readouterr()
    [processed] = _cli_json(capsys, "process", str(write_ledger(tmp / "ledger.csv")), "--strategy", "mine",
                            "--format", "json")
    key = processed["upload_id"]
    assert main(["strategies", "update", "mine", "--from", str(_candidate_file(tmp, "mine", 2.0, 0.6))]) == 0

    def risk_only() -> dg.ExecuteInProcessResult:
        return dg.materialize(
            scoring_assets, selection=["transaction_risk"], partition_key=key, instance=instance,
            resources={"warehouse": WarehouseResource(), "scoring": ScoringResource(strategy="mine")},
            raise_on_error=False)

    wh = Warehouse(env["DATABASE_URL"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        failed = risk_only()
        assert not failed.success
        failure = next(e for e in failed.all_events if e.is_step_failure)
        assert "mine v2: robust_zscore scored with a different config" in failure.step_failure_data.error.message
        assert wh.read_table(schema.analysis_runs, upload_id=key)["strategy_version"].tolist() == [1]

        assert main(["strategies", "update", "mine", "--from", str(_candidate_file(tmp, "mine", 3.0, 0.9))]) == 0
        assert risk_only().success
    capsys.readouterr()
    log = wh.read_table(schema.analysis_runs, upload_id=key).sort_values("id")
    assert log["strategy_version"].tolist() == [1, 3]
    report = _cli_json(capsys, "strategies", "preview", "mine", "--against", "mine", "--format", "json")
    assert report["recomputed"] == [] and report["newly_flagged"] == report["no_longer_flagged"] == 0
