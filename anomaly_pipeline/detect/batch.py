"""Run many algorithms on one upload's frame on two threads (one for a small frame), so both cores work while
results are stored as they arrive. The ML algorithms are one chain on one thread (they share features and
fits, the ensemble comes after its members); every other algorithm is a job of its own, taken by whichever
thread is free.

numpy, pandas' group kernels, Arrow and scikit-learn's trees release the GIL for most of their time, so two
threads get close to two cores. Where a cold command started the ML worker process (`ml_process`), the ML chain
of a frame too small for two threads runs there instead, beside the rules.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from anomaly_pipeline.detect import ml_process
from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.detect.shared import SharedWork

#: rows per thread: below it two threads mostly wait on each other for the GIL. Measured on the balanced
#: preset: 1 330 lines 0.6 s on one thread, 0.93 s on two; 30 000 lines even; 100 000 lines 2.2 s and 1.9 s
MIN_ROWS_PER_LANE = 50_000


@dataclass
class Outcome:
    algorithm: AnomalyDetectionAlgorithm
    result: DetectionResult | None  # None when detect() raised
    error: BaseException | None
    seconds: float


def offloads_ml(rows: int) -> bool:
    """Whether `detect_all` hands the ML chain of a frame of `rows` rows to the ML worker process: where one
    runs, for frames too small for two detection threads."""
    return ml_process.running() and rows < MIN_ROWS_PER_LANE


def detect_all(frame: pd.DataFrame, work: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]],
               lanes: int = 2) -> Iterator[Outcome]:
    """Detect every (algorithm, config) on `frame` on up to `lanes` threads (one per MIN_ROWS_PER_LANE rows),
    yielding outcomes as they finish. An algorithm that raises yields its error and the others go on. `frame`
    must not be modified while this runs. The detectors share one `SharedWork` on `frame` (codes, base-rate
    weights, features, fits), dropped when the last outcome is out."""
    if not work:
        return
    ml = [w for w in work if w[0].kind == "ml"]
    rules = [w for w in work if w[0].kind != "ml"]
    remote = ml_process.submit(frame.drop(columns=["raw"], errors="ignore"), ml) \
        if ml and offloads_ml(len(frame)) else None
    jobs: queue.SimpleQueue[list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]]] = queue.SimpleQueue()
    for job in ([ml] if ml and remote is None else []) + [[w] for w in rules]:
        jobs.put(job)  # the ML chain first: it is the longest
    threads = max(1, min(lanes, jobs.qsize(), 1 + len(frame) // MIN_ROWS_PER_LANE))
    done: queue.Queue[Outcome] = queue.Queue()

    shared = SharedWork(frame)

    def run_job(job: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]]) -> None:
        for algorithm, config in job:
            started = time.perf_counter()
            try:
                result, error = algorithm.detect(frame, config, shared=shared), None
            except Exception as exc:  # reported to the caller, which decides what a failure means
                result, error = None, exc
            done.put(Outcome(algorithm, result, error, round(time.perf_counter() - started, 3)))

    def run() -> None:
        while True:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                return
            run_job(job)

    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="detect") as pool:
            futures = [pool.submit(run) for _ in range(threads)]
            for _ in range(len(work) - (len(ml) if remote is not None else 0)):
                yield done.get()
            for future in futures:
                future.result()
        if remote is not None:
            try:
                outcomes = remote.result()
            except Exception:  # noqa: BLE001 - the worker died or could not take the frame: run the chain here
                run_job(ml)
                outcomes = [(o.result, o.error, o.seconds) for o in (done.get() for _ in ml)]
            for (algorithm, _), (result, error, seconds) in zip(ml, outcomes, strict=True):
                yield Outcome(algorithm, result, error, seconds)
    finally:
        if remote is not None:
            remote.close()  # a caller that stopped early frees the worker for the next upload
