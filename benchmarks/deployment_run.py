"""What one upload's run costs on the deployment (steps on Celery workers) against in-process.

    python -m benchmarks.deployment_run [--rows 100000]

Starts deploy/local_stack.py (gRPC code server, webserver, daemon, two Celery workers on this machine), drops one
generated ledger and reads the run's wall time (start to end) and each step's time from its events; then runs
`anomaly-pipeline process` on the same file in-process into a fresh PostgreSQL database. Prints both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from benchmarks.databases import new_database, sqlalchemy_url
from benchmarks.generate_gl import generate, write_csv
from deploy.local_stack import PG_ADMIN_URL, running_stack


def stack_run(path: Path) -> tuple[float, dict[str, float]]:
    with running_stack() as stack:
        (stack.upload_dir / path.name).write_bytes(path.read_bytes())
        with stack.instance() as instance:
            while True:
                runs = instance.get_runs(dg.RunsFilter(job_name="process_upload"))
                if runs and runs[0].is_finished:
                    break
                time.sleep(1)
            run = runs[0]
            assert run.status == dg.DagsterRunStatus.SUCCESS, run.status
            record = instance.get_run_records(dg.RunsFilter(run_ids=[run.run_id]))[0]
            stats = instance.get_run_step_stats(run.run_id)
    steps = {s.step_key: s.end_time - s.start_time for s in stats if s.end_time and s.start_time}
    return record.end_time - record.start_time, steps


def in_process(path: Path) -> float:
    with new_database("bench_inprocess", PG_ADMIN_URL) as name, tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAGSTER_") and k != "EXECUTOR"}
        env.update(DATABASE_URL=sqlalchemy_url(name, PG_ADMIN_URL), ANOMALY_DATA_DIR=data,
                   UPLOAD_DIR=f"{data}/uploads")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", "process", str(path)], env=env, check=True,
                       capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"ledger_{args.rows}.csv"
        write_csv(generate(args.rows, seed=5), path)
        wall, steps = stack_run(path)
        print(f"celery (2 workers, this machine): run {wall:.1f} s; steps: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])))
        print(f"in-process (`anomaly-pipeline process`, command wall time): {in_process(path):.1f} s")


if __name__ == "__main__":
    main()
