"""`anomaly-pipeline`: process files, list anomalies and uploads. Processing runs the Dagster job in-process."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from anomaly_pipeline import gc_tuning

with gc_tuning.importing():
    from anomaly_pipeline.cli import commands
    from anomaly_pipeline.cli.api import add_api_parsers
    from anomaly_pipeline.cli.strategies import add_strategies_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except BrokenPipeError:  # `anomaly-pipeline anomalies | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's flush at exit must not raise again
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anomaly-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command")

    process = sub.add_parser("process", help="load and score files (the same assets the sensor runs)")
    process.add_argument("paths", nargs="+", type=Path)
    process.add_argument("--strategy", default=None, help="strategy name (default: DEFAULT_STRATEGY)")
    process.add_argument("--format", choices=("text", "json"), default="text")
    process.add_argument("--force", action="store_true", help="reprocess a file that was already loaded")
    process.add_argument("--verbose", action="store_true", help="show Dagster's run log")
    process.set_defaults(handler=commands.cmd_process)

    anomalies = sub.add_parser("anomalies", help="flagged transactions with risk and reasons")
    anomalies.add_argument("--upload", default=None, help="upload id (default: all uploads)")
    anomalies.add_argument("--all", action="store_true", help="every transaction, not only anomalies")
    anomalies.add_argument("--strategy", default=None)
    anomalies.add_argument("--format", choices=("csv", "json"), default="csv")
    anomalies.set_defaults(handler=commands.cmd_anomalies)

    uploads = sub.add_parser("uploads", help="uploads with status, counts and errors")
    uploads.add_argument("--format", choices=("text", "json"), default="text")
    uploads.set_defaults(handler=commands.cmd_uploads)

    add_strategies_parser(sub)
    export = sub.add_parser("export", help="auditor workbook (.xlsx) of one upload's results")
    export.add_argument("--upload", required=True, help="upload id (see `uploads`)")
    export.add_argument("--strategy", default=None, help="strategy name (default: DEFAULT_STRATEGY)")
    export.add_argument("-o", "--output", required=True, type=Path, help="the .xlsx file to write")
    export.add_argument("--format", choices=("text", "json"), default="text")
    export.set_defaults(handler=commands.cmd_export)

    doctor = sub.add_parser("doctor", help="check database, migrations, folders and the Dagster instance")
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    doctor.add_argument("--migrate", action="store_true", help="apply pending database migrations")
    doctor.set_defaults(handler=commands.cmd_doctor)
    add_api_parsers(sub)
    return parser


if __name__ == "__main__":
    sys.exit(main())
