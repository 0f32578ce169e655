"""`anomaly-pipeline serve` (the HTTP API on uvicorn) and `anomaly-pipeline apikeys create|list|revoke`."""

from __future__ import annotations

import argparse
import json
import sys

from anomaly_pipeline.app.errors import AppError


def add_api_parsers(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="the HTTP API (FastAPI on uvicorn; OpenAPI docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(handler=cmd_serve)

    keys = sub.add_parser("apikeys", help="API keys for the HTTP API: create, list, revoke")
    keys.set_defaults(handler=lambda args: (keys.print_help(), 2)[1])
    group = keys.add_subparsers(dest="apikeys_command")
    p = group.add_parser("create", help="create a key (printed once; only its hash is stored)")
    p.add_argument("name", help="who or what uses the key")
    p.set_defaults(handler=cmd_create)
    p = group.add_parser("list", help="every key: id, name, prefix, created, revoked")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("revoke", help="revoke a key by its id (see `apikeys list`)")
    p.add_argument("key_id", type=int)
    p.set_defaults(handler=cmd_revoke)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("anomaly_pipeline.api.app:app", host=args.host, port=args.port, log_level="info")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from anomaly_pipeline.app import keys

    key_id, key = keys.create(args.name)
    print(f"created API key {key_id} ({args.name}); shown once, store it now:\n{key}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from anomaly_pipeline.app import keys

    rows = keys.list_keys()
    if args.format == "json":
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not rows:
        print("no API keys yet: `anomaly-pipeline apikeys create NAME`")
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        print(f"{row['key_id']:>4}  {row['name']:<24} {row['prefix']}...  created {row['created_at']:%Y-%m-%d %H:%M}"
              f"  {state}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from anomaly_pipeline.app import keys

    try:
        keys.revoke(args.key_id)
    except AppError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"revoked API key {args.key_id}")
    return 0
