"""Seconds per Dagster step (assets and checks) of `process_upload` for a synthetic ledger on PostgreSQL.

    python benchmarks/platform_steps.py --lines 100000

Generates a ledger of two-line vouchers (some made unbalanced), processes it in a throwaway database with
`anomaly_pipeline.orchestration.runner.process_file`, and prints each step's duration and each check's outcome.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_ledger(path: Path, lines: int, unbalanced: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    vouchers = lines // 2
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, vouchers), unit="D")
    amounts = np.round(rng.lognormal(6, 1.5, vouchers), 2)
    accounts = rng.choice(["1910", "1930", "2440", "3010", "4010", "5010", "6110", "7010"], size=(vouchers, 2))
    frame = pd.DataFrame({
        "Date": np.repeat(dates.strftime("%Y-%m-%d"), 2),
        "Voucher": "V" + pd.Series(np.repeat(np.arange(1, vouchers + 1), 2)).astype(str),
        "Account": accounts.reshape(-1),
        "Amount": np.column_stack([amounts, -amounts]).reshape(-1),
        "Description": "line " + pd.Series(np.arange(2 * vouchers)).astype(str),
    })
    broken = rng.choice(vouchers, unbalanced, replace=False) * 2
    frame.loc[broken, "Amount"] += 1
    frame.to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--unbalanced", type=int, default=50)
    parser.add_argument("--strategy", default="balanced")
    args = parser.parse_args()

    import dagster as dg

    from benchmarks.databases import ADMIN_URL, new_database, sqlalchemy_url

    with new_database("platform_bench", ADMIN_URL) as name:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                os.environ.update(DATABASE_URL=sqlalchemy_url(name, ADMIN_URL), ANOMALY_DATA_DIR=f"{tmp}/data",
                                  UPLOAD_DIR=f"{tmp}/uploads")
                from anomaly_pipeline.orchestration.runner import process_file

                ledger = Path(tmp) / "ledger.csv"
                make_ledger(ledger, args.lines, args.unbalanced)
                with dg.instance_for_test() as instance:
                    started = time.perf_counter()
                    outcome = process_file(ledger, instance, strategy=args.strategy)
                    total = time.perf_counter() - started
                    run = instance.get_runs(limit=1)[0]
                    print(f"{args.lines} lines: {outcome.status}, {outcome.transactions} transactions, "
                          f"{outcome.flagged} flagged, {total:.1f} s in all")
                    for stat in sorted(instance.get_run_step_stats(run.run_id), key=lambda s: s.start_time):
                        print(f"  {stat.step_key:45s} {stat.end_time - stat.start_time:7.2f} s")
                    for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
                        data = event.dagster_event.event_specific_data
                        print(f"  check {data.asset_key.to_user_string()}.{data.check_name}: "
                              f"{'passed' if data.passed else 'FAILED'}: {data.description}")
        finally:  # the pipeline's engines hold connections to the database about to be dropped
            from anomaly_pipeline.storage.warehouse import _engines

            for engine in _engines.values():
                engine.dispose()


if __name__ == "__main__":
    main()
