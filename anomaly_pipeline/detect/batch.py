"""Run many algorithms on one upload's frame: ML ones in one lane (they share features and fits), the
others in a second lane, so both cores work while results are stored as they arrive.

numpy, pandas' group kernels, Arrow and scikit-learn's trees release the GIL for most of their time, so two
threads get close to two cores; the ML lane runs in registry order (ensemble members before the ensemble).
"""

from __future__ import annotations

import contextvars
import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.detect.shared import shared_work


@dataclass
class Outcome:
    algorithm: AnomalyDetectionAlgorithm
    result: DetectionResult | None  # None when detect() raised
    error: BaseException | None
    seconds: float


def detect_all(frame: pd.DataFrame, work: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]],
               lanes: int = 2) -> Iterator[Outcome]:
    """Detect every (algorithm, config) on `frame`, yielding outcomes as they finish. An algorithm that
    raises yields its error and the others go on. `frame` must not be modified while this runs."""
    if not work:
        return
    groups = [[w for w in work if w[0].algorithm_type() == "ml"], [w for w in work if w[0].algorithm_type() != "ml"]]
    groups = [g for g in groups if g]
    if lanes < 2 or len(groups) < 2:
        groups = [[w for g in groups for w in g]]
    done: queue.Queue[Outcome] = queue.Queue()

    def run(lane: list[tuple[AnomalyDetectionAlgorithm, dict[str, Any]]], data: pd.DataFrame) -> None:
        for algorithm, config in lane:
            started = time.perf_counter()
            try:
                result, error = algorithm.detect(data, config), None
            except Exception as exc:  # reported to the caller, which decides what a failure means
                result, error = None, exc
            done.put(Outcome(algorithm, result, error, round(time.perf_counter() - started, 3)))

    with shared_work(), ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="detect") as pool:
        # each lane its own shallow view (pandas' lazily built caches are not meant for concurrent first use)
        futures = [pool.submit(contextvars.copy_context().run, run, lane, frame.copy(deep=False))
                   for lane in groups]
        for _ in range(len(work)):
            yield done.get()
        for future in futures:
            future.result()
