"""Scale benchmark: the whole pipeline vs the raw load-and-score floor, at several sizes.

    python -m benchmarks.bench_scale [--rows 100000 300000 1000000] [--pg-admin postgresql://postgres@127.0.0.1:5432/postgres]
                                     [--strategy FILE]

For each size, on the same machine and in one run:
  floor     psql \\copy of the CSV into a plain table + scikit-learn IsolationForest (100 trees) fit and score
            on the rows' numeric features;
  pipeline  `anomaly-pipeline process` of the file (parse, normalize, load, every detector of the default
            strategy, combined risk, results stored) into a fresh PostgreSQL database, in a child process whose
            peak RSS is measured; per-stage times are the Dagster step durations of that run, and each
            algorithm asset's own `seconds` (detect() time; the algorithms share one step).
`--strategy FILE` runs the pipeline with that strategy document (YAML or JSON, as `strategies create --from`
takes) instead of the default, to see what a choice of detectors costs; creating it migrates the fresh database
before the clock starts (about 0.1-0.3 s the default run spends inside its time).
Prints a table and writes benchmarks/out/scale.json. Figures, never pass/fail: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
from sklearn.ensemble import IsolationForest

from benchmarks.databases import ADMIN_URL, new_database, sqlalchemy_url
from benchmarks.generate_gl import COLUMNS, generate, write_csv

OUT = Path(__file__).parent / "out"

_CHILD = r"""
import json, sys, time
from pathlib import Path
import dagster as dg
from anomaly_pipeline.orchestration.runner import dagster_instance, process_file
started = time.perf_counter()
with dagster_instance() as instance:
    outcome = process_file(Path(sys.argv[1]), instance)
    total = time.perf_counter() - started
    stats = instance.get_run_step_stats(outcome.run_id) if outcome.run_id else []
    steps = {s.step_key: round((s.end_time or 0) - (s.start_time or 0), 3) for s in stats}
    # per-algorithm detect() seconds, from the materializations of the one `detectors` step
    assets = {}
    for event in instance.all_logs(outcome.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = event.dagster_event.event_specific_data.materialization
        if "seconds" in materialization.metadata:
            assets[materialization.asset_key.to_user_string()] = materialization.metadata["seconds"].value
        if "read_seconds" in materialization.metadata:  # transactions: the read; the rest of its step is the load
            assets["transactions (read)"] = materialization.metadata["read_seconds"].value
print(json.dumps({"outcome": outcome.as_dict(), "seconds": total, "steps": steps, "assets": assets}))
"""


def floor(csv_path: Path, admin_url: str, db: str) -> dict:
    """psql \\copy into a plain table with the same columns, then IsolationForest on numeric features."""
    url = admin_url.rsplit("/", 1)[0] + f"/{db}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS floor_gl")
        conn.execute("CREATE TABLE floor_gl (" + ", ".join(f'"{c}" text' for c in COLUMNS) + ")")
    started = time.perf_counter()
    subprocess.run(["psql", url, "-q", "-c", f"\\copy floor_gl FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"],
                   check=True)
    copy_seconds = time.perf_counter() - started
    frame = pd.read_csv(csv_path, usecols=["Rad", "Bokföringsdatum", "Konto", "Belopp"])
    features = np.column_stack([
        np.log10(frame["Belopp"].abs().clip(lower=0.01)), frame["Rad"], frame["Konto"].astype(float),
        pd.to_datetime(frame["Bokföringsdatum"]).dt.day_of_week,
    ])
    started = time.perf_counter()
    model = IsolationForest(n_estimators=100, random_state=0).fit(features)
    model.score_samples(features)
    forest_seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:  # leave no writeback or autovacuum for the pipeline's time
        conn.execute("DROP TABLE floor_gl")
        conn.execute("CHECKPOINT")
    return {"copy_seconds": round(copy_seconds, 3), "isolation_forest_seconds": round(forest_seconds, 3),
            "seconds": round(copy_seconds + forest_seconds, 3)}


def pipeline(csv_path: Path, admin_url: str, db: str, workdir: Path, strategy: Path | None = None) -> dict:
    env = {**os.environ, "DATABASE_URL": sqlalchemy_url(db, admin_url), "ANOMALY_DATA_DIR": str(workdir / "data"),
           "UPLOAD_DIR": str(workdir / "uploads")}
    env.pop("DAGSTER_HOME", None)
    if strategy is not None:
        subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", "strategies", "create", "--from", str(strategy),
                        "benchmark"], env=env, check=True, capture_output=True)
        env["DEFAULT_STRATEGY"] = "benchmark"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(csv_path)], env=env, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": round(wall, 3), "in_process_seconds": round(report["seconds"], 3),
            "peak_rss_mb": round(max(peak_kib, before) / 1024, 1), "steps": report["steps"],
            "assets": report["assets"],
            "outcome": report["outcome"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--strategy", type=Path, help="strategy document to run instead of the default")
    parser.add_argument("--pg-admin", default=ADMIN_URL)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    results = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            csv_path = workdir / f"gl_{rows}.csv"
            write_csv(generate(rows), csv_path)
            os.sync()  # the new file's dirty pages are written now, not during a measurement
            with new_database("bench", args.pg_admin) as db:
                low = floor(csv_path, args.pg_admin, db)
                high = pipeline(csv_path, args.pg_admin, db, workdir, args.strategy)
        result = {"rows": rows, "floor": low, "pipeline": high, "ratio": round(high["seconds"] / low["seconds"], 2)}
        results.append(result)
        print(f"{rows:>9} rows  floor {low['seconds']:7.2f} s (copy {low['copy_seconds']:.2f} + iforest "
              f"{low['isolation_forest_seconds']:.2f})  pipeline {high['seconds']:7.2f} s  ratio {result['ratio']:.2f}  "
              f"peak RSS {high['peak_rss_mb']:.0f} MB  status {high['outcome']['status']}", flush=True)
        for step, seconds in sorted(high["steps"].items(), key=lambda kv: -kv[1]):
            print(f"           step  {step:40} {seconds:7.2f} s")
        for asset, seconds in sorted(high["assets"].items(), key=lambda kv: -kv[1])[:12]:
            print(f"           asset {asset:40} {seconds:7.2f} s")
    if len(results) > 1:
        print(scaling_summary(results))
    (OUT / "scale.json").write_text(json.dumps(results, indent=2))


def scaling_summary(results: list[dict]) -> str:
    """Seconds = fixed + per-row cost, fitted by least squares over the sizes, and the marginal cost of each
    step up in size: linear scaling means equal marginal costs (the fixed part is start-up, imports and
    Dagster, paid by every upload whatever its size)."""
    ordered = sorted(results, key=lambda r: r["rows"])
    rows = np.array([r["rows"] for r in ordered], dtype=float)
    seconds = np.array([r["pipeline"]["seconds"] for r in ordered])
    per_row, fixed = np.polyfit(rows, seconds, 1)
    lines = [f"fit: {fixed:.2f} s + {per_row * 1e6:.2f} us/row"]
    for k in range(1, len(rows)):
        marginal = (seconds[k] - seconds[k - 1]) / (rows[k] - rows[k - 1])
        lines.append(f"marginal {int(rows[k - 1]):>9} -> {int(rows[k]):>9} rows: {marginal * 1e6:.2f} us/row")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
