"""Flag rates on real ledgers nobody here wrote: per file, the share of vouchers flagged and the top reasons.

Without labels a flag rate is a cost an auditor pays. Every readable file under the real-data folder is
scored by each strategy (the assets' code path without Dagster, as `evaluate_detection` does); files with
fewer than `--min-vouchers` vouchers are listed but left out of the goal figures. A file without voucher
ids counts each line as a voucher.

Tuning split, fixed before any figure was looked at: a file is a *tuning* file when the first hex digit of
the SHA-256 of its file name is below 8, else *held out*. Detector settings may be adjusted while looking
at tuning files only; held-out files are reported, never tuned on.

    python -m benchmarks.real_ledgers [--data ../shared/data/real] [--strategies balanced conservative]
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd

from anomaly_pipeline.detect.combine import combine_scores
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.strategies.model import load_preset
from benchmarks.evaluate_detection import run_strategy

SKIP_SUFFIXES = (".xsd", ".tsv", ".md")


def is_tuning_file(path: Path) -> bool:
    """The fixed split: tuning when sha256(file name)'s first hex digit < 8."""
    return int(hashlib.sha256(path.name.encode()).hexdigest()[0], 16) < 8


def voucher_keys(frame: pd.DataFrame) -> pd.Series:
    """Voucher id per line, or the line's own id where the file has none."""
    ids = frame["voucher_id"].astype("string")
    return ids.fillna("line-" + frame["transaction_id"].astype("string"))


def score_file(frame: pd.DataFrame, strategy_name: str) -> tuple[float, int, pd.Series, dict[str, str], pd.DataFrame]:
    """(share of vouchers flagged, vouchers flagged, flagged lines per algorithm, skipped algorithms, the
    flagged lines' reasons: transaction_id, risk_score, reasons, most risky first)."""
    strategy = load_preset(strategy_name)
    scores, skipped, _ = run_strategy(frame, strategy)
    active = frame[~frame["is_removed"]]
    risk = combine_scores(active, scores, strategy.weights, strategy.threshold)
    keys = voucher_keys(active).to_numpy()
    flagged = risk["is_anomaly"].to_numpy(dtype=bool)
    vouchers = pd.Series(keys).nunique()
    hit = pd.Series(keys[flagged]).nunique()
    ids = set(risk.loc[flagged, "transaction_id"])
    fired = scores[scores["flagged"] & scores["transaction_id"].isin(ids)]
    per_algorithm = fired.groupby("algorithm")["transaction_id"].nunique().sort_values(ascending=False)
    reasons = risk.loc[flagged].sort_values("risk_score", ascending=False)
    return hit / vouchers, hit, per_algorithm, skipped, reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/real"))
    parser.add_argument("--strategies", nargs="+", default=["balanced", "conservative"])
    parser.add_argument("--min-vouchers", type=int, default=50)
    parser.add_argument("--only", choices=["tuning", "held-out"], default=None)
    parser.add_argument("--reasons", type=int, default=0, help="print this many example reasons per file")
    args = parser.parse_args(argv)
    settings = get_settings()
    rows = []
    for path in sorted(p for p in args.data.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES):
        split = "tuning" if is_tuning_file(path) else "held-out"
        if args.only and split != args.only:
            continue
        try:
            _, result = read_file(path, settings)
        except RejectedFile as exc:
            print(f"{path.name}: rejected ({exc})")
            continue
        frame = result.frame
        vouchers = voucher_keys(frame[~frame["is_removed"]]).nunique()
        if vouchers < args.min_vouchers:
            print(f"{path.name}: {vouchers} vouchers (< {args.min_vouchers}, not in the goals)")
            continue
        for name in args.strategies:
            share, hit, per_algorithm, skipped, reasons = score_file(frame, name)
            top = ", ".join(f"{a} {n}" for a, n in per_algorithm.head(4).items())
            print(f"[{split}] {path.name} {name}: {hit}/{vouchers} vouchers flagged ({share:.1%}); "
                  f"lines by detector: {top or '-'}")
            for line in reasons.head(args.reasons).itertuples():
                print(f"    line {line.transaction_id} (risk {line.risk_score:.2f}): {line.reasons}")
            rows.append({"file": path.name, "split": split, "strategy": name, "share": share})
    table = pd.DataFrame(rows)
    if table.empty:
        return 0
    print("\n| split | strategy | files | median share | max share |\n|---|---|---|---|---|")
    for (split, name), part in table.groupby(["split", "strategy"]):
        print(f"| {split} | {name} | {len(part)} | {part['share'].median():.1%} | {part['share'].max():.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
