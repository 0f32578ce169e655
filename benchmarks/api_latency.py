"""Latency of the review endpoints on an upload already loaded into a database.

    python -m benchmarks.api_latency --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB
                                     [--upload-id ID] [--repeat 30]

Starts `anomaly-pipeline serve` on a free loopback port against the database (a key named `bench` is created
for it and revoked afterwards), then times each request `--repeat` times after one warm-up call and prints
the median and 90th percentile of the HTTP round trip, with the database's own time for the queries behind
the list (EXPLAIN ANALYZE of the anomaly page on PostgreSQL). Load a large upload first, e.g.
`python -m benchmarks.generate_gl --rows 1000000 -o gl.csv && anomaly-pipeline process gl.csv` with the same
DATABASE_URL. Figures, never pass/fail: this is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.serve import running_server


def _time(client: httpx.Client, url: str, repeat: int, **params) -> tuple[float, float, dict]:
    answer = client.get(url, params=params)  # warm-up: plans and pages cached as a running server has them
    answer.raise_for_status()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, params=params).raise_for_status()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return statistics.median(seconds) * 1000, seconds[int(0.9 * (len(seconds) - 1))] * 1000, answer.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--upload-id", help="the upload to read (default: the largest loaded one)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    from anomaly_pipeline.app import keys
    from anomaly_pipeline.app.context import warehouse

    loaded = {u["upload_id"]: u["transaction_count"] for u in warehouse().list_uploads() if u["status"] == "loaded"}
    if not loaded:
        raise SystemExit("no loaded upload in that database")
    upload_id = args.upload_id or max(loaded, key=loaded.get)
    rows = loaded[upload_id]
    key_id, key = keys.create("bench")
    folder = Path(tempfile.mkdtemp(prefix="api_latency_"))
    env = {**os.environ, "ANOMALY_DATA_DIR": str(folder / "data"), "UPLOAD_DIR": str(folder / "uploads")}
    env.pop("DAGSTER_HOME", None)
    try:
        with running_server(env) as server:
            base = server + "/api/v1"
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                results = []
                median, p90, page = _time(client, "/transactions/anomalies", args.repeat, upload_id=upload_id, limit=100)
                results.append((f"/transactions/anomalies?upload_id=…&limit=100 ({len(page['items'])} rows)", median, p90))
                median, p90, _ = _time(client, "/transactions/anomalies", args.repeat, limit=100)
                results.append(("/transactions/anomalies?limit=100 (all uploads)", median, p90))
                median, p90, _ = _time(client, "/transactions/anomalies", args.repeat, upload_id=upload_id, limit=100,
                                       offset=1500)
                results.append(("/transactions/anomalies?upload_id=…&limit=100&offset=1500", median, p90))
                top = page["items"][0]["id"]
                median, p90, detail = _time(client, f"/transactions/{top}", args.repeat)
                results.append((f"/transactions/{{id}} ({len(detail['voucher_lines'])} other voucher lines)", median, p90))
                for sort in ("id", "-risk", "-amount"):
                    median, p90, _ = _time(client, "/transactions", args.repeat, upload_id=upload_id, limit=100, sort=sort)
                    results.append((f"/transactions?upload_id=…&limit=100&sort={sort}", median, p90))
    finally:
        keys.revoke(key_id)
    print(f"upload {upload_id}: {rows} lines; HTTP round trip over {args.repeat} calls after one warm-up")
    print(f"{'request':<72} {'median ms':>10} {'p90 ms':>8}")
    for name, median, p90 in results:
        print(f"{name:<72} {median:>10.1f} {p90:>8.1f}")


if __name__ == "__main__":
    main()
