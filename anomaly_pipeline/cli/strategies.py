"""`anomaly-pipeline strategies ...`: list, show, create, update, delete, export, preview and apply strategies."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from anomaly_pipeline.app import strategies
from anomaly_pipeline.app.errors import AppError
from anomaly_pipeline.strategies.documents import dump_document, read_document


def add_strategies_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `strategies` command group on the main CLI's subparsers."""
    parser = sub.add_parser("strategies", help="list, show, create, update, delete, export and preview strategies",
                            description=__doc__)
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])
    group = parser.add_subparsers(dest="strategies_command")

    p = group.add_parser("list", help="every strategy's newest version")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_list)

    p = group.add_parser("show", help="one strategy with its metadata and version history")
    p.add_argument("name")
    p.add_argument("--version", type=int, default=None, help="a stored version (default: the newest)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")
    p.set_defaults(handler=cmd_show)

    for command, helptext in (("create", "store a new strategy from a YAML or JSON file"),
                              ("update", "store a file as the next version of a strategy")):
        p = group.add_parser(command, help=helptext)
        p.add_argument("name")
        p.add_argument("--from", dest="source", type=Path, required=True, help="YAML or JSON strategy file")
        p.set_defaults(handler=cmd_create if command == "create" else cmd_update)

    p = group.add_parser("delete", help="delete a strategy (its versions stay as history; presets refuse)")
    p.add_argument("name")
    p.set_defaults(handler=cmd_delete)

    p = group.add_parser("export", help="print a strategy as a file `create --from` accepts")
    p.add_argument("name")
    p.add_argument("--version", type=int, default=None)
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")
    p.set_defaults(handler=cmd_export)

    p = group.add_parser("apply", help="score loaded uploads with a strategy (the rescore_upload job); other "
                                       "strategies' results stay")
    p.add_argument("name")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--upload", action="append", default=None, help="upload id (repeatable)")
    which.add_argument("--all", action="store_true", help="every loaded upload")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_apply)

    p = group.add_parser("preview", help="what a strategy would flag on loaded uploads, compared with current "
                                         "results; writes nothing")
    p.add_argument("name", help="stored strategy to preview (with --from: the name to give the file's strategy)")
    p.add_argument("--version", type=int, default=None)
    p.add_argument("--from", dest="source", type=Path, default=None,
                   help="preview an unsaved strategy file instead of a stored one")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--upload", action="append", default=None, help="upload id (repeatable; default: the "
                                                                        "most recently loaded upload)")
    which.add_argument("--all", action="store_true", help="every loaded upload")
    p.add_argument("--against", default=None, help="strategy to compare with (default: DEFAULT_STRATEGY)")
    p.add_argument("--examples", type=int, default=10, help="examples of newly / no longer flagged (default 10)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_preview)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _guarded(handler):
    """Strategy and preview errors are user errors: one line on stderr, exit code 1."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except AppError as exc:
            return _fail(str(exc))
    run.__doc__ = handler.__doc__
    return run


@_guarded
def cmd_list(args: argparse.Namespace) -> int:
    rows = strategies.list_strategies()
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    from anomaly_pipeline.cli.commands import fit_table

    total = strategies.algorithm_count()
    table = pd.DataFrame([{
        "name": r["name"], "version": r["version"], "preset": "yes" if r["is_preset"] else "",
        "threshold": r["threshold"], "algorithms": f"{len(r['enabled'])} of {total}",
        "description": " ".join(r["description"].split()),
    } for r in rows])
    print(fit_table(table, "description"))
    print("details (algorithms, weights, parameters): anomaly-pipeline strategies show NAME")
    return 0


@_guarded
def cmd_show(args: argparse.Namespace) -> int:
    document: dict[str, Any] = strategies.describe(args.name, args.version)
    print(dump_document(document, args.format), end="")
    return 0


@_guarded
def cmd_create(args: argparse.Namespace) -> int:
    strategy = strategies.create(args.name, _read(args.source))
    print(f"created strategy {strategy.name} version {strategy.version}")
    return 0


@_guarded
def cmd_update(args: argparse.Namespace) -> int:
    strategy = strategies.update(args.name, _read(args.source))
    print(f"updated strategy {strategy.name}: now version {strategy.version}")
    return 0


@_guarded
def cmd_delete(args: argparse.Namespace) -> int:
    versions = strategies.delete(args.name)
    print(f"deleted strategy {args.name} ({versions} version(s) kept as history)")
    return 0


@_guarded
def cmd_export(args: argparse.Namespace) -> int:
    strategy = strategies.get(args.name, args.version)
    print(dump_document(strategy.to_document(), args.format), end="")
    return 0


@_guarded
def cmd_apply(args: argparse.Namespace) -> int:
    strategy = strategies.get(args.name)
    outcomes = []
    for outcome in strategies.apply(args.name, args.upload, args.all):
        outcomes.append(outcome)
        if args.format == "text":
            print(f"{outcome['upload_id']}: {outcome['status']} strategy={strategy.name} v{strategy.version} "
                  f"flagged={outcome['flagged']}" + (f" error: {outcome['error']}" if outcome["error"] else ""),
                  flush=True)
    if args.format == "json":
        print(json.dumps(outcomes, indent=2))
    return 1 if any(o["status"] != "scored" for o in outcomes) else 0


@_guarded
def cmd_preview(args: argparse.Namespace) -> int:
    report = strategies.preview(args.name, version=args.version,
                                document=_read(args.source) if args.source is not None else None,
                                uploads=args.upload, all_uploads=args.all, against=args.against,
                                examples=args.examples)
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    else:
        print(format_report(report))
    return 0


def _read(path: Path) -> dict[str, Any]:
    """A strategy file; one that cannot be read or parsed is the user's error."""
    with strategies.translated():
        return read_document(path)


def format_report(report: dict[str, Any]) -> str:
    """The preview as a few lines a person reads in a terminal."""
    version = f"v{report['version']}" if report["version"] else "(unsaved)"
    lines = [
        f"strategy {report['strategy']} {version} (threshold {report['threshold']}) against "
        f"{report['against']} v{report['against_version']} on {len(report['uploads'])} upload(s), "
        f"{report['transactions']} transactions, in {report['seconds']} s",
        f"flagged transactions: {report['flagged_transactions']} (current {report['current_flagged_transactions']})"
        f"; vouchers: {report['flagged_vouchers']} (current {report['current_flagged_vouchers']})",
        f"newly flagged: {report['newly_flagged']}; no longer flagged: {report['no_longer_flagged']}",
        f"recomputed: {', '.join(report['recomputed']) or 'none'}; reused: {', '.join(report['reused']) or 'none'}",
        "",
        "per algorithm (flagged now / current, weight, source):",
    ]
    for name, a in report["per_algorithm"].items():
        state = f"{a['flagged']} / {a['current_flagged']}, weight {a['weight']}, {a['source']}" if a["enabled"] \
            else f"disabled (current {a['current_flagged']})"
        lines.append(f"  {name}: {state}" + (f" — skipped: {'; '.join(a['skipped'])}" if a.get("skipped") else ""))
    dist = report["score_distribution"]
    lines += ["", "risk quantiles: " + ", ".join(f"{k} {v:.3f}" for k, v in dist["quantiles"].items()),
              "risk histogram (now / current):"]
    lines += [f"  [{b['from']:.1f}, {b['to']:.1f}{']' if b['to'] == 1.0 else ')'}: {b['count']} / {b['current_count']}"
              for b in dist["histogram"]]
    for key, title in (("newly_flagged_examples", "newly flagged"), ("no_longer_flagged_examples", "no longer flagged")):
        if report[key]:
            lines += ["", f"{title} (examples):"]
            lines += [f"  {e['upload_id']} #{e['transaction_id']} {e['posting_date']} account {e['account']} "
                      f"amount {e['amount']}: risk {e['risk_score']:.3f} (current {e['current_risk_score']:.3f}) "
                      f"{e['reasons'] or e['current_reasons'] or ''}" for e in report[key]]
    return "\n".join(lines)
