"""detect_all: every algorithm once, on two threads (one for a small frame), results as each algorithm alone
gives them."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from anomaly_pipeline.detect import batch
from anomaly_pipeline.detect.batch import detect_all
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline_tests.detect.ml_data import ledger


@pytest.mark.parametrize("rows_per_lane", [1, batch.MIN_ROWS_PER_LANE])
def test_every_algorithm_runs_once_with_the_result_it_gives_alone_and_a_failure_stays_its_own(monkeypatch,
                                                                                                rows_per_lane):
    monkeypatch.setattr(batch, "MIN_ROWS_PER_LANE", rows_per_lane)
    frame = ledger()
    assert len(frame) < batch.MIN_ROWS_PER_LANE or rows_per_lane == 1
    work = [(cls(), {}) for cls in ALGORITHMS.values()]
    broken = next(a for a, _ in work if a.kind == "rule")

    def fail(*_args, **_kwargs):
        raise ValueError("broken on purpose")

    broken.detect = fail
    threads = set()
    for algorithm, _ in work:
        algorithm.detect = _noting_thread(algorithm.detect, threads)
    outcomes = {outcome.algorithm.algorithm: outcome for outcome in detect_all(frame, work)}
    assert len(threads) == (2 if rows_per_lane == 1 else 1)  # a small frame runs on one thread
    assert sorted(outcomes) == sorted(ALGORITHMS)
    assert str(outcomes[broken.algorithm].error) == "broken on purpose" and outcomes[broken.algorithm].result is None
    for name, outcome in outcomes.items():
        if name == broken.algorithm:
            continue
        alone = ALGORITHMS[name]().detect(frame, {})
        assert outcome.error is None
        pd.testing.assert_frame_equal(outcome.result.scores, alone.scores, obj=name)


def _noting_thread(detect, threads: set[str]):
    def noted(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return detect(*args, **kwargs)
    return noted
