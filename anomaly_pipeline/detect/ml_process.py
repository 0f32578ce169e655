"""A process of its own for the ML detectors of small uploads.

A cold process (the CLI's `process`) spends its first seconds importing, on one core: scikit-learn alone
takes about a second, and the models' fits follow the rules on the same core. `start()`, called before the
command's own heavy imports, spawns one worker process that imports scikit-learn on the other core while the
command imports Dagster; `detect_all` then hands it the ML chain of an upload too small for two detection
threads, and the models fit there while the rules run here. Results are the same: the same code on the same
frame with the same seeds.

The API server starts one too: its imports are warm, but the models of a small upload still fit beside its
rules rather than after them. Only on a machine with two or more usable cores (`WORKER_THREADS`). Runs
launched by Dagster (the sensor's, the UI's) run without: their ML chain runs on the detection threads. The
worker takes one upload at a time; a second upload meanwhile, a worker that cannot be started or one that died
leaves the ML chain to the caller's own threads. It is a daemon process: a command that ends (a duplicate answered
in two seconds) does not wait for its imports.
"""

from __future__ import annotations

import atexit
import importlib
import itertools
import multiprocessing
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from anomaly_pipeline.settings import worker_threads

if TYPE_CHECKING:
    import pandas as pd

    from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult

    Outcomes = list[tuple[DetectionResult | None, BaseException | None, float]]

#: what the worker imports as soon as it starts: the models' library and the detectors
MODULES = ("sklearn.ensemble", "sklearn.neural_network", "sklearn.cluster", "anomaly_pipeline.detect.registry")

#: a file below this size may hold few enough rows for the worker (`batch.offloads_ml`); a command given
#: only larger files does not start one
SMALL_FILE_BYTES = 16 * 2**20


class _Worker:
    def __init__(self) -> None:
        # spawn, not fork: the caller may already run threads, and a fresh interpreter holds no locks
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), name="ml-worker", daemon=True)
        self.process.start()
        child.close()
        self.busy = threading.Lock()  # one upload at a time
        self.numbers = itertools.count()


_worker: _Worker | None = None
_lock = threading.Lock()


def start() -> None:
    """Spawn the worker (once per process) where a second core is there to run it."""
    global _worker
    with _lock:
        if _worker is not None or worker_threads() < 2:
            return
        try:
            _worker = _Worker()
        except (OSError, RuntimeError):
            _worker = None
        else:
            atexit.unregister(stop)
            atexit.register(stop)


def running() -> bool:
    return _worker is not None and _worker.process.is_alive()


def stop() -> None:
    """End the worker (it also ends with this process: registered to run at exit, before multiprocessing joins its
    children). Its pipe is closed first, so a worker waiting for work ends by itself; one still importing is
    terminated, and killed where it does not end (SIGTERM may have been ignored by whoever started us)."""
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is None:
        return
    worker.connection.close()
    worker.process.join(0.2)
    for end in (worker.process.terminate, worker.process.kill):
        if not worker.process.is_alive():
            break
        end()
        worker.process.join(2)


class Pending:
    """Work sent to the worker: `result()` waits for its (result, error, seconds) per algorithm, in order, and
    raises if the worker died or the work could not be sent; `close()` gives the worker up without waiting (its
    answer is skipped when it comes). Either frees the worker for the next upload."""

    def __init__(self, worker: _Worker, message: tuple) -> None:
        self._worker, self._number, self._closed = worker, message[0], False
        self._error: BaseException | None = None
        # sent from a thread: a pipe holds 64 KiB, and the worker reads only once its imports are done
        self._sender = threading.Thread(target=self._send, args=(message,), daemon=True)
        self._sender.start()

    def _send(self, message: tuple) -> None:
        try:
            self._worker.connection.send(message)
        except Exception as exc:  # noqa: BLE001 - a frame that does not pickle, a worker gone: `result` raises it
            self._error = exc

    def result(self) -> Outcomes:
        try:
            self._sender.join()
            if self._error is not None:
                raise self._error
            while True:  # an answer to work whose caller gave up comes first: skipped
                answered, outcomes = self._worker.connection.recv()
                if answered == self._number:
                    return outcomes
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sender.join()  # the next upload's message must not interleave with a send still under way
            self._worker.busy.release()


def submit(frame: pd.DataFrame, work: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]]) -> Pending | None:
    """Send `work` on `frame` to the worker; None when no worker is free to take it."""
    worker = _worker
    if worker is None or not worker.process.is_alive() or not worker.busy.acquire(blocking=False):
        return None
    return Pending(worker, (next(worker.numbers), frame, work))


def _serve(connection: Connection) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # an ignored SIGTERM is inherited through spawn: `stop` sends one
    for name in MODULES:
        importlib.import_module(name)
    while True:
        try:
            number, frame, work = connection.recv()
        except EOFError:  # the parent is gone
            return
        connection.send((number, _detect(frame, work)))


def _detect(frame: pd.DataFrame, work: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]]) -> Outcomes:
    from anomaly_pipeline.detect.shared import SharedWork

    shared = SharedWork(frame)
    outcomes: Outcomes = []
    for algorithm, config in work:
        started = time.perf_counter()
        try:
            outcomes.append((algorithm.detect(frame, config, shared=shared), None,
                             round(time.perf_counter() - started, 3)))
        except Exception as exc:  # reported to the caller, as detect_all reports a thread's
            outcomes.append((None, exc, round(time.perf_counter() - started, 3)))
    return outcomes
