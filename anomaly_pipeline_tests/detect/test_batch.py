"""detect_all: every algorithm once, on two threads (one for a small frame), results as each algorithm alone
gives them."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from anomaly_pipeline.detect import batch, ml_process
from anomaly_pipeline.detect.base import DetectionResult
from anomaly_pipeline.detect.batch import detect_all
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline_tests.detect.ml_data import ledger


@pytest.mark.parametrize("rows_per_lane", [1, batch.MIN_ROWS_PER_LANE])
def test_every_algorithm_runs_once_with_the_result_it_gives_alone_and_a_failure_stays_its_own(monkeypatch,
                                                                                                rows_per_lane):
    monkeypatch.setattr(batch, "MIN_ROWS_PER_LANE", rows_per_lane)
    ml_process.stop()  # the threads counted are this process's: no ML worker an earlier CLI run left behind
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


def test_the_ml_chain_runs_in_the_worker_process_with_the_same_results(monkeypatch):
    monkeypatch.setenv("WORKER_THREADS", "2")
    frame = ledger()
    work = [(cls(), {}) for cls in ALGORITHMS.values()]
    here = {outcome.algorithm.algorithm: outcome for outcome in detect_all(frame, work)}
    ml_process.start()
    try:
        assert ml_process.running() and batch.offloads_ml(len(frame))
        assert not batch.offloads_ml(batch.MIN_ROWS_PER_LANE)  # a large frame's ML chain stays on its threads
        remote = ml_process.submit(frame, [(a, c) for a, c in work if a.kind == "ml"]).result()
        assert [type(result) for result, _, _ in remote] == [DetectionResult] * 4  # ran there, all four
        there = {outcome.algorithm.algorithm: outcome for outcome in detect_all(frame, work)}
        # one upload at a time; work given up frees the worker, and its late answer is skipped
        chain = [(a, c) for a, c in work if a.kind == "ml"]
        given_up = ml_process.submit(frame, chain)
        assert ml_process.submit(frame, chain) is None
        given_up.close()
        smaller = frame.iloc[: len(frame) // 2].copy()
        answer = ml_process.submit(smaller, chain[:1]).result()
        assert len(answer) == 1 and len(answer[0][0].scores) == len(smaller)
    finally:
        ml_process.stop()
    assert not ml_process.running()
    assert sorted(there) == sorted(here) == sorted(ALGORITHMS)
    for name, outcome in there.items():
        assert outcome.error is None and here[name].error is None, name
        pd.testing.assert_frame_equal(outcome.result.scores, here[name].result.scores, obj=name)
        assert outcome.result.summary == here[name].result.summary, name
        assert outcome.algorithm is next(a for a, _ in work if a.algorithm == name)  # the caller's objects


def test_without_a_worker_the_ml_chain_runs_on_the_callers_threads(monkeypatch):
    monkeypatch.setenv("WORKER_THREADS", "1")  # one core: no worker to start
    ml_process.start()
    assert not ml_process.running() and not batch.offloads_ml(10)
