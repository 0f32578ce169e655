"""Time `strategies preview` against processing, on a generated ledger (prints figures; not a test).

    python benchmarks/preview_benchmark.py --rows 200000 [--database-url postgresql+psycopg://...]

Uses a temporary data dir (and a SQLite database in it unless --database-url is given).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def write_ledger(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    accounts = rng.integers(1000, 1400, rows).astype(str)
    base = 10 ** (1 + (accounts.astype(int) % 5))
    amounts = (base * rng.lognormal(0.0, 0.4, rows)).round(2)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, rows), unit="D")
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Voucher": [f"V{i // 3}" for i in range(rows)],
                  "Account": accounts, "Amount": amounts, "Description": "generated"}).to_csv(path, index=False)


def timed(argv: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", *argv], env=env, check=True,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "ANOMALY_DATA_DIR": str(tmp_path / "data"),
               "DATABASE_URL": args.database_url or f"sqlite:///{tmp_path / 'data' / 'w.db'}"}
        ledger = tmp_path / "ledger.csv"
        write_ledger(ledger, args.rows)
        seconds, _ = timed(["process", str(ledger)], env)
        print(f"process {args.rows} rows (balanced): {seconds:.1f} s wall (incl. interpreter start)")
        _, exported = timed(["strategies", "export", "balanced", "--format", "json"], env)
        candidate = json.loads(exported)
        candidate["algorithms"]["robust_zscore"]["config"]["threshold"] = 3.0
        (tmp_path / "c.json").write_text(json.dumps(candidate))
        for label, argv in (
            ("all reused (balanced vs balanced)", ["strategies", "preview", "balanced"]),
            ("one recomputed (z threshold 3.0)", ["strategies", "preview", "c", "--from", str(tmp_path / "c.json")]),
            ("all recomputed (aggressive)", ["strategies", "preview", "aggressive"]),
        ):
            seconds, out = timed([*argv, "--format", "json"], env)
            report = json.loads(out)
            print(f"preview {label}: {seconds:.1f} s wall, {report['seconds']:.2f} s in preview; "
                  f"flagged {report['flagged_transactions']} vs {report['current_flagged_transactions']}, "
                  f"recomputed {report['recomputed']}")


if __name__ == "__main__":
    main()
