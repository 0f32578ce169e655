"""A process of its own for the ML detectors of small uploads.

A cold process (the CLI's `process`) spends its first seconds importing, on one core: scikit-learn alone
takes about a second, and the models' fits follow the rules on the same core. `start()`, called before the
command's own heavy imports, spawns one worker process that imports scikit-learn on the other core while the
command imports Dagster; `detect_all` then hands it the ML chain of an upload too small for two detection
threads, and the models fit there while the rules run here. Results are the same: the same code on the same
frame with the same seeds.

The API server starts one too: its imports are warm, but the models of a small upload still fit beside its
rules rather than after them. Only on a machine with two or more usable cores (`WORKER_THREADS`). Runs
launched by Dagster (the sensor's, the UI's) run without: their ML chain runs on the detection threads. A
worker that cannot be started or dies leaves the ML chain to the caller's own threads.
"""

from __future__ import annotations

import importlib
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from anomaly_pipeline.settings import worker_threads

if TYPE_CHECKING:
    import pandas as pd

    from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult

#: what the worker imports as soon as it starts: the models' library and the detectors
MODULES = ("sklearn.ensemble", "sklearn.neural_network", "sklearn.cluster", "anomaly_pipeline.detect.registry")

#: a file below this size may hold few enough rows for the worker (`batch.offloads_ml`); a command given
#: only larger files does not start one
SMALL_FILE_BYTES = 16 * 2**20

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def start() -> None:
    """Spawn the worker (once per process) where a second core is there to run it."""
    global _pool
    with _lock:
        if _pool is not None or worker_threads() < 2:
            return
        try:
            # spawn, not fork: the caller may already run threads, and a fresh interpreter holds no locks
            _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_import)
            _pool.submit(int)  # start the process now, not at the first task
        except (OSError, RuntimeError):
            _pool = None


def running() -> bool:
    return _pool is not None


def stop() -> None:
    """End the worker (it also ends with this process)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def submit(frame: pd.DataFrame, work: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]]) \
        -> Future[list[tuple[DetectionResult | None, BaseException | None, float]]] | None:
    """Detect `work` on `frame` in the worker: a future of (result, error, seconds) per algorithm, in order;
    None when there is no worker to take it."""
    pool = _pool
    if pool is None:
        return None
    try:
        return pool.submit(_detect, frame, work)
    except RuntimeError:  # the pool broke or was shut down
        return None


def _import() -> None:
    for name in MODULES:
        importlib.import_module(name)


def _detect(frame: pd.DataFrame, work: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]]) \
        -> list[tuple[DetectionResult | None, BaseException | None, float]]:
    from anomaly_pipeline.detect.shared import SharedWork

    shared = SharedWork(frame)
    outcomes: list[tuple[DetectionResult | None, BaseException | None, float]] = []
    for algorithm, config in work:
        started = time.perf_counter()
        try:
            outcomes.append((algorithm.detect(frame, config, shared=shared), None,
                             round(time.perf_counter() - started, 3)))
        except Exception as exc:  # reported to the caller, as detect_all reports a thread's
            outcomes.append((None, exc, round(time.perf_counter() - started, 3)))
    return outcomes
