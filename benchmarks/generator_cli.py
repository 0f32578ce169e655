"""The command line the labelled ledger generators share: generate one seed, write its export, say what it holds."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def describe(path: str | Path, ledger: pd.DataFrame, voucher_column: str) -> str:
    """'PATH: N lines, V vouchers, A anomalies on L lines' for a labelled ledger and its written export."""
    labelled = ledger["anomaly_kind"] != ""
    return (f"{path}: {len(ledger)} lines, {ledger[voucher_column].nunique()} vouchers, "
            f"{ledger.loc[labelled, 'anomaly_id'].nunique()} anomalies on {int(labelled.sum())} lines")


def generator_main(argv: list[str] | None, description: str, generate: Callable[[int, int], pd.DataFrame],
                   write: Callable[[pd.DataFrame, str | Path], Path], voucher_column: str, seed: int,
                   out: str) -> int:
    """`--seed`, `--out`, `--per-kind` for a generator called as generate(seed, per_kind)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--out", default=out)
    parser.add_argument("--per-kind", type=int, default=6)
    args = parser.parse_args(argv)
    ledger = generate(args.seed, args.per_kind)
    print(describe(write(ledger, args.out), ledger, voucher_column))
    return 0
