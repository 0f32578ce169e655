"""End to end: a generated ledger through `anomaly-pipeline process`; every statistical and ML asset writes scores."""

from __future__ import annotations

import csv
import json

from anomaly_pipeline.cli import main
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from benchmarks.generate_ledger import generate_ledger, write_ledger

MINE = ("robust_zscore_counterparty", "account_ratio", "timeseries_spike", "moving_average", "isolation_forest",
        "autoencoder", "clustering", "ensemble")


def test_generated_ledger_is_scored_by_every_statistical_and_ml_asset(env, capsys):
    path = write_ledger(generate_ledger(seed=5, scale=0.15, per_kind=2), env["tmp"] / "ledger.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        lines = sum(1 for _ in csv.DictReader(fh))
    assert main(["process", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)[0]
    assert out["status"] == "loaded"
    assert out["transactions"] == lines
    assert out["flagged"] > 0
    wh = Warehouse(env["DATABASE_URL"])
    upload = out["upload_id"]
    assert set(MINE) <= set(ALGORITHMS)
    for name in MINE:
        stored = wh.count_rows(schema.anomaly_scores, upload_id=upload, strategy="balanced", algorithm=name)
        assert stored > 0, name
        runs = wh.read_table(schema.algorithm_runs, upload_id=upload, strategy="balanced")
        run = runs[runs["algorithm"] == name].iloc[0]
        assert run["status"] == "ran", name
        assert run["flagged_count"] > 0, name
