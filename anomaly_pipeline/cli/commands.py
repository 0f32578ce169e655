"""The commands about files and results: process, anomalies, uploads, export, doctor."""

from __future__ import annotations

import argparse
import json
import shutil
import sys

import pandas as pd

from anomaly_pipeline.app import health, results, uploads
from anomaly_pipeline.app.errors import AppError
from anomaly_pipeline.detect.base import NOT_APPLICABLE
from anomaly_pipeline.detect.history import describe_history
from anomaly_pipeline.detect.skips import describe_skips
from anomaly_pipeline.reporting.display import shorten


def cmd_process(args: argparse.Namespace) -> int:
    from anomaly_pipeline.detect import ml_process
    from anomaly_pipeline.progress import Progress

    if any(path.is_file() and path.stat().st_size < ml_process.SMALL_FILE_BYTES for path in args.paths):
        ml_process.start()  # scikit-learn imports on the other core while this process imports Dagster

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
                for text in ([outcome.note] if outcome.note else []) + outcome.warnings:
                    print(f"  {'warning: ' if text != outcome.note else ''}{text}", flush=True)
                if outcome.judged_with:
                    print(f"  judged with {describe_history(outcome.judged_with)}", flush=True)
                for note in uploads.missing_data(outcome.upload_id, args.strategy) if outcome.upload_id else ():
                    print(f"  {note}", flush=True)
                # tests that do not apply to this kind of source (the lines above name missing fields)
                if inapplicable := {n: r for n, r in outcome.skipped.items() if r.startswith(NOT_APPLICABLE)}:
                    print(f"  {describe_skips(inapplicable)}", flush=True)
    except AppError as exc:  # an unknown strategy is refused before any file is loaded
        print(f"error: --strategy: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps([{**o.as_dict(), "missing_data": uploads.missing_data(o.upload_id, args.strategy)
                           if o.upload_id else []} for o in outcomes], indent=2))
    return 1 if any(o.status in ("rejected", "failed") for o in outcomes) else 0


def cmd_anomalies(args: argparse.Namespace) -> int:
    try:  # an unknown upload or strategy, or one not run yet, is not "no anomalies"
        results.require_results(args.upload, args.strategy)
    except AppError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    frame = results.anomalies(args.upload, args.strategy, include_all=args.all)
    if args.format == "json":
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        for record in records:
            record["reasons"] = results.reasons_list(record.get("reasons"))
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        frame.to_csv(sys.stdout, index=False)
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    rows = uploads.history(details=args.format == "json")
    if args.format == "json":
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not rows:
        print("no uploads yet")
        return 0
    table = pd.DataFrame([{
        "upload": r["upload_id"], "status": r["status"], "format": r["file_format"] or "",
        "rows": "" if r["transaction_count"] is None else int(r["transaction_count"]),
        "warnings": len(r.get("warnings") or []),
        "received": pd.Timestamp(r["received_at"]).strftime("%Y-%m-%d %H:%M") if r["received_at"] else "",
        "file": f"{r['file_name']}: {r['error']}" if r["error"] else r["file_name"],
    } for r in rows])
    print(fit_table(table, "file"))
    print("details (timings, warnings, errors): anomaly-pipeline uploads --format json")
    return 0


def fit_table(table: pd.DataFrame, last: str) -> str:
    """`table` as text lines that fit the terminal: numbers right-aligned, texts left, the `last` column's texts
    cut at a word to the room that is left."""
    width = shutil.get_terminal_size((100, 24)).columns
    cells = table.astype(object).where(table.notna(), "").astype(str)
    others = [c for c in cells.columns if c != last]
    widths = {c: max(len(c), int(cells[c].str.len().max())) for c in others}
    numeric = {c for c in others if pd.api.types.is_numeric_dtype(table[c])}
    room = max(width - sum(widths.values()) - 2 * len(others) - 1, 20)

    def line(values: dict[str, str]) -> str:
        parts = [values[c].rjust(widths[c]) if c in numeric else values[c].ljust(widths[c]) for c in others]
        return "  ".join([*parts, shorten(values[last], room)]).rstrip()

    return "\n".join([line({c: c for c in cells.columns}), *(line(row) for row in cells.to_dict("records"))])


def cmd_export(args: argparse.Namespace) -> int:
    try:
        summary = results.export(args.upload, args.strategy, args.output)
    except AppError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(summary.as_dict()))
        return 0
    sheets = summary.sheets
    tests = {k: v for k, v in sheets.items() if k not in ("Summary", "Flagged vouchers")}
    print(f"wrote {summary.path} (upload {summary.upload_id}, strategy {summary.strategy}): "
          f"{sheets.get('Flagged vouchers', 0)} flagged voucher lines, {len(tests)} test sheets "
          f"({sum(tests.values())} rows)")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from anomaly_pipeline.doctor import render

    findings = health.doctor(migrate=args.migrate)
    print(render(findings, args.format))
    return 1 if any(f.blocking for f in findings) else 0
