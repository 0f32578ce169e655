"""detect_all: every algorithm once, on two threads, results as each algorithm alone gives them."""

from __future__ import annotations

import pandas as pd

from anomaly_pipeline.detect.batch import detect_all
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline_tests.detect.ml_data import ledger


def test_every_algorithm_runs_once_with_the_result_it_gives_alone_and_a_failure_stays_its_own():
    frame = ledger()
    work = [(cls(), {}) for cls in ALGORITHMS.values()]
    broken = next(a for a, _ in work if a.kind == "rule")

    def fail(*_args, **_kwargs):
        raise ValueError("broken on purpose")

    broken.detect = fail
    outcomes = {outcome.algorithm.algorithm: outcome for outcome in detect_all(frame, work)}
    assert sorted(outcomes) == sorted(ALGORITHMS)
    assert str(outcomes[broken.algorithm].error) == "broken on purpose" and outcomes[broken.algorithm].result is None
    for name, outcome in outcomes.items():
        if name == broken.algorithm:
            continue
        alone = ALGORITHMS[name]().detect(frame, {})
        assert outcome.error is None
        pd.testing.assert_frame_equal(outcome.result.scores, alone.scores, obj=name)
