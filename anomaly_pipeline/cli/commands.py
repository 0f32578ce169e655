"""The commands about files and results: process, anomalies, uploads, export, doctor."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from anomaly_pipeline.app import health, results, uploads
from anomaly_pipeline.app.errors import AppError


def cmd_process(args: argparse.Namespace) -> int:
    from anomaly_pipeline.progress import Progress

    progress = Progress(enabled=False if args.verbose else None)  # the run log already shows each step
    outcomes = []
    try:
        for outcome in uploads.process_files(
                args.paths, args.strategy, force=args.force, verbose=args.verbose,
                on_file=lambda index, total, path: progress.start_file(index, total, path.name),
                on_step=progress.step if progress.enabled else None):
            progress.done()
            outcomes.append(outcome)
            if args.format == "text":
                line = (f"{outcome.file}: {outcome.status} upload={outcome.upload_id} "
                        f"transactions={outcome.transactions} flagged={outcome.flagged}")
                print(line + (f" error: {outcome.error}" if outcome.error else ""), flush=True)
    except AppError as exc:  # an unknown strategy is refused before any file is loaded
        print(f"error: --strategy: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps([o.as_dict() for o in outcomes], indent=2))
    return 1 if any(o.status in ("rejected", "failed") for o in outcomes) else 0


def cmd_anomalies(args: argparse.Namespace) -> int:
    frame = results.anomalies(args.upload, args.strategy, include_all=args.all)
    if args.format == "json":
        print(frame.to_json(orient="records", force_ascii=False, indent=2))
    else:
        frame.to_csv(sys.stdout, index=False)
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    rows = uploads.history()
    if args.format == "json":
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not rows:
        print("no uploads yet")
        return 0
    table = pd.DataFrame(rows).drop(columns=["last_strategy"])
    for col in ("received_at", "loaded_at", "last_scored_at"):
        table[col] = pd.to_datetime(table[col], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S")
    for col in ("transaction_count", "expected_rows", "scoring_runs"):
        table[col] = table[col].astype("Int64")
    print(table.astype(object).where(table.notna(), "").to_string(index=False))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    try:
        summary = results.export(args.upload, args.strategy, args.output)
    except AppError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary.as_dict()))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from anomaly_pipeline.doctor import render

    findings = health.doctor(migrate=args.migrate)
    print(render(findings, args.format))
    return 1 if any(f.blocking for f in findings) else 0
