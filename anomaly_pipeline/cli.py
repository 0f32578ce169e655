"""`anomaly-pipeline`: process files, list anomalies and uploads. Processing runs the Dagster job in-process."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.cli import add_strategies_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anomaly-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command")

    process = sub.add_parser("process", help="load and score files (the same assets the sensor runs)")
    process.add_argument("paths", nargs="+", type=Path)
    process.add_argument("--strategy", default=None, help="strategy name (default: DEFAULT_STRATEGY)")
    process.add_argument("--format", choices=("text", "json"), default="text")
    process.add_argument("--force", action="store_true", help="reprocess a file that was already loaded")
    process.add_argument("--verbose", action="store_true", help="show Dagster's run log")
    process.set_defaults(handler=cmd_process)

    anomalies = sub.add_parser("anomalies", help="flagged transactions with risk and reasons")
    anomalies.add_argument("--upload", default=None, help="upload id (default: all uploads)")
    anomalies.add_argument("--all", action="store_true", help="every transaction, not only anomalies")
    anomalies.add_argument("--strategy", default=None)
    anomalies.add_argument("--format", choices=("csv", "json"), default="csv")
    anomalies.set_defaults(handler=cmd_anomalies)

    uploads = sub.add_parser("uploads", help="uploads with status, counts and errors")
    uploads.add_argument("--format", choices=("text", "json"), default="text")
    uploads.set_defaults(handler=cmd_uploads)

    add_strategies_parser(sub)
    export = sub.add_parser("export", help="auditor workbook (.xlsx) of one upload's results")
    export.add_argument("--upload", required=True, help="upload id (see `uploads`)")
    export.add_argument("--strategy", default=None, help="strategy name (default: DEFAULT_STRATEGY)")
    export.add_argument("-o", "--output", required=True, type=Path, help="the .xlsx file to write")
    export.set_defaults(handler=cmd_export)

    doctor = sub.add_parser("doctor", help="check database, migrations, folders and the Dagster instance")
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    doctor.add_argument("--migrate", action="store_true", help="apply pending database migrations")
    doctor.set_defaults(handler=cmd_doctor)
    return parser


def _warehouse() -> Warehouse:
    wh = Warehouse(get_settings().database_url)
    wh.migrate()
    return wh


def cmd_process(args: argparse.Namespace) -> int:
    from anomaly_pipeline.orchestration.runner import dagster_instance, process_file
    from anomaly_pipeline.progress import Progress
    from anomaly_pipeline.strategies.model import StrategyError
    from anomaly_pipeline.strategies.store import get_strategy

    try:  # an unknown strategy is refused before any file is loaded
        get_strategy(_warehouse(), args.strategy or get_settings().default_strategy)
    except StrategyError as exc:
        print(f"error: --strategy: {exc}", file=sys.stderr)
        return 1
    outcomes = []
    progress = Progress(enabled=False if args.verbose else None)  # the run log already shows each step
    with dagster_instance() as instance:
        for index, path in enumerate(args.paths, start=1):
            progress.start_file(index, len(args.paths), path.name)
            outcome = process_file(path, instance, strategy=args.strategy, force=args.force,
                                   log_level="INFO" if args.verbose else "CRITICAL",
                                   on_step=progress.step if progress.enabled else None)
            progress.done()
            outcomes.append(outcome)
            if args.format == "text":
                line = (f"{path}: {outcome.status} upload={outcome.upload_id} "
                        f"transactions={outcome.transactions} flagged={outcome.flagged}")
                print(line + (f" error: {outcome.error}" if outcome.error else ""), flush=True)
    if args.format == "json":
        print(json.dumps([o.as_dict() for o in outcomes], indent=2))
    return 1 if any(o.status in ("rejected", "failed") for o in outcomes) else 0


def cmd_anomalies(args: argparse.Namespace) -> int:
    strategy = args.strategy or get_settings().default_strategy
    frame = _warehouse().anomalies(args.upload, strategy, include_all=args.all)
    frame["posting_date"] = pd.to_datetime(frame["posting_date"]).dt.strftime("%Y-%m-%d")
    if args.format == "json":
        print(frame.to_json(orient="records", force_ascii=False, indent=2))
    else:
        frame.to_csv(sys.stdout, index=False)
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    from anomaly_pipeline.reporting.uploads import upload_history

    rows = upload_history(_warehouse())
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
    from anomaly_pipeline.reporting.export import ExportError, export_workbook

    strategy = args.strategy or get_settings().default_strategy
    try:
        summary = export_workbook(_warehouse(), args.upload, strategy, args.output)
    except ExportError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary.as_dict()))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from anomaly_pipeline.doctor import render, run_checks

    results = run_checks(migrate=args.migrate)
    print(render(results, args.format))
    return 1 if any(r.blocking for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
