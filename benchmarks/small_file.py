"""A small file end to end, side by side in one run: the floor, the CLI (a cold process) and the API's warm
process.

    python -m benchmarks.small_file [--file ../shared/data/real/sie4/...SIE4-sample.SE] [--rounds 3]

- **floor**: a fresh Python process that imports pandas and scikit-learn, reads the file with the
  pipeline's reader and fits and scores an IsolationForest on its rows (the least any pipeline pays);
- **cli, first run**: `anomaly-pipeline process FILE` in a fresh process, with a new DAGSTER_HOME, data folder
  and PostgreSQL database each round (a new install: Dagster creates its SQLite storage, the warehouse its
  schema and presets);
- **cli, later run**: the same command once more in a fresh process on that install, for the file with one
  trailing newline more (a new upload, not a duplicate; the first is now its history): what each later
  upload costs;
- **api**: `anomaly-pipeline serve` started once (new DAGSTER_HOME, data folder and database); after one
  warm-up upload, each round POSTs the file (one more trailing newline each time, so it is a new upload, not
  a duplicate) and polls its status until it is loaded and scored: the time a client waits.

Figures, never pass/fail: this is not a test. The issue's targets: the CLI within 2× the floor, the API
under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.databases import new_database, sqlalchemy_url
from benchmarks.serve import running_server

DEFAULT_FILE = Path("../shared/data/real/sie4/bufferoverflow-se__SIEPort__SIE4-sample.SE")

FLOOR = """
import sys, time
started = time.perf_counter()
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.ensemble import IsolationForest
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
_, result = read_file(Path(sys.argv[1]), get_settings())
frame = result.frame
x = np.column_stack([frame["amount"].to_numpy(dtype="float64"),
                     pd.factorize(frame["account"])[0],
                     frame["posting_date"].dt.day_of_year.fillna(0).to_numpy()])
model = IsolationForest(random_state=0).fit(x)
model.score_samples(x)
print(len(frame), time.perf_counter() - started)
"""


@contextmanager
def database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one measurement; its SQLAlchemy URL."""
    with new_database("small_file") as name:
        yield sqlalchemy_url(name)


def fresh_env(folder: Path, url: str) -> dict[str, str]:
    (folder / "dagster").mkdir(parents=True)
    return {**os.environ, "DATABASE_URL": url, "DAGSTER_HOME": str(folder / "dagster"),
            "ANOMALY_DATA_DIR": str(folder / "data"), "UPLOAD_DIR": str(folder / "uploads")}


def floor(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR, str(path)], check=True, capture_output=True)
    return time.perf_counter() - started


def cli(path: Path) -> tuple[float, float]:
    """Seconds of a first `process` on a new install, and of a later one on the same install."""
    with tempfile.TemporaryDirectory() as tmp, database() as url:
        env = fresh_env(Path(tmp), url)
        later = Path(tmp) / path.name
        later.write_bytes(path.read_bytes() + b"\n")
        seconds = []
        for file in (path, later):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", "process", str(file)], check=True,
                           capture_output=True, env=env)
            seconds.append(time.perf_counter() - started)
        return seconds[0], seconds[1]


def _wait_scored(client: httpx.Client, status_url: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(status_url).json()
        if answer["status"] in ("rejected", "failed") or (answer["status"] == "loaded" and answer.get("scoring_runs")):
            return answer
        time.sleep(0.02)
    raise TimeoutError(status_url)


def api(path: Path, rounds: int) -> list[float]:
    """Seconds from POST to a loaded, scored upload, per round, after one warm-up upload."""
    content = path.read_bytes()
    with tempfile.TemporaryDirectory() as tmp, database() as url:
        env = fresh_env(Path(tmp), url)
        key = subprocess.run([sys.executable, "-m", "anomaly_pipeline.cli", "apikeys", "create", "bench"], env=env,
                             check=True, capture_output=True, text=True).stdout.split()[-1]
        with running_server(env) as base:
            seconds = []
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
                for n in range(rounds + 1):
                    started = time.perf_counter()
                    answer = client.post("/api/v1/upload", files={"file": (path.name, content + b"\n" * (n + 1))})
                    answer.raise_for_status()
                    done = _wait_scored(client, answer.json()["status_url"])
                    if done["status"] != "loaded":
                        raise SystemExit(f"upload ended {done['status']}: {done.get('error')}")
                    if n:  # the first upload warms the process
                        seconds.append(time.perf_counter() - started)
            return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    path = args.file.resolve()
    floors, firsts, laters = [], [], []
    for _ in range(args.rounds):  # alternated, so both see the same machine
        floors.append(floor(path))
        first, later = cli(path)
        firsts.append(first)
        laters.append(later)
    warm = api(path, args.rounds)
    base = statistics.median(floors)
    print(f"{path.name}, {args.rounds} rounds (median; min–max)")
    for name, values in (("floor (fresh process: imports, read, IsolationForest)", floors),
                         ("cli: anomaly-pipeline process, first run (new install)", firsts),
                         ("cli: anomaly-pipeline process, later run", laters),
                         ("api: POST until loaded and scored (warm)", warm)):
        print(f"  {name:<56} {statistics.median(values):6.2f} s ({min(values):.2f}–{max(values):.2f}); "
              f"{statistics.median(values) / base:.1f}× the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
