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


def test_scores_under_the_noise_floor_are_not_stored_and_every_flag_is(env, capsys):
    from anomaly_pipeline.detect.batch import detect_all
    from anomaly_pipeline.detect.registry import get_algorithm
    from anomaly_pipeline.scoring import NOISE_FLOOR
    from anomaly_pipeline.strategies.model import load_preset

    path = write_ledger(generate_ledger(seed=6, scale=0.15, per_kind=2), env["tmp"] / "ledger.csv")
    assert main(["process", str(path), "--format", "json"]) == 0
    upload = json.loads(capsys.readouterr().out)[0]["upload_id"]
    wh = Warehouse(env["DATABASE_URL"])
    stored = wh.read_table(schema.anomaly_scores, upload_id=upload, strategy="balanced")
    assert ((stored["score"] >= NOISE_FLOOR) | stored["flagged"]).all()
    strategy = load_preset("balanced")
    work = [(get_algorithm(name), strategy.settings_for(name).config) for name in MINE]
    below = 0
    for done in detect_all(wh.read_transactions(upload), work):  # the same detectors on the stored rows
        scores = done.result.scores
        kept = (scores["score"] >= NOISE_FLOOR) | (scores["flagged"] & (scores["score"] > 0))
        mine = stored[stored["algorithm"] == done.algorithm.algorithm]
        assert len(mine) == int(kept.sum()), done.algorithm.algorithm
        assert set(mine["transaction_id"]) == set(scores.loc[kept, "transaction_id"]), done.algorithm.algorithm
        below += int(((scores["score"] > 0) & ~kept).sum())
    assert below > 0  # the floor did leave scores out
