"""Time each registered detector on a large ledger: a generated year tiled to `--rows` lines.

    python -m benchmarks.scale_detectors --rows 1000000 [--only isolation_forest ensemble]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from anomaly_pipeline.detect.registry import ALGORITHMS, get_algorithm
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from benchmarks.generate_ledger import generate_ledger, write_ledger


def tiled_ledger(rows: int, seed: int = 1) -> pd.DataFrame:
    """Canonical transactions: copies of one generated year, each copy's vouchers renamed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_ledger(generate_ledger(seed=seed), Path(tmp) / "ledger.csv")
        _, result = read_file(path, get_settings())
    base = result.frame
    copies = -(-rows // len(base))
    parts = [base.assign(voucher_id=base["voucher_id"] + f"-{k}") for k in range(copies)]
    frame = pd.concat(parts, ignore_index=True).head(rows)
    frame["transaction_id"] = range(1, len(frame) + 1)
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    frame = tiled_ledger(args.rows)
    print(f"{len(frame)} rows")
    for name in args.only or list(ALGORITHMS):
        started = time.perf_counter()
        result = get_algorithm(name).detect(frame)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name}: {seconds:.1f} s, flagged {len(result.flagged)}, non-zero {(result.scores['score'] > 0).sum()}, "
              f"peak RSS so far {peak:.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
