"""SharedWork: detectors of one input reuse codes, features and model fits; results do not change."""

from __future__ import annotations

import threading
from collections import Counter

import pandas as pd
import pytest

from anomaly_pipeline.detect import features as features_module
from anomaly_pipeline.detect.ml import common
from anomaly_pipeline.detect.ml.autoencoder import AutoencoderDetector
from anomaly_pipeline.detect.ml.clustering import ClusteringDetector
from anomaly_pipeline.detect.ml.ensemble import EnsembleDetector
from anomaly_pipeline.detect.ml.isolation_forest import IsolationForestDetector
from anomaly_pipeline.detect.shared import SharedWork
from anomaly_pipeline_tests.detect.ml_data import ledger

MEMBERS = (IsolationForestDetector, AutoencoderDetector, ClusteringDetector)
ALL = (*MEMBERS, EnsembleDetector)


@pytest.fixture
def fits(monkeypatch) -> Counter:
    """Counts model fits per algorithm and feature builds (key 'features')."""
    counts: Counter = Counter()
    for cls in MEMBERS:
        original = cls._fit

        def spy(self, fit, config, _original=original):
            counts[self.algorithm] += 1
            return _original(self, fit, config)

        monkeypatch.setattr(cls, "_fit", spy)
    build = features_module.build_features

    def build_spy(transactions, reference):
        counts["features"] += 1
        return build(transactions, reference)

    monkeypatch.setattr(common, "build_features", build_spy)
    return counts


def _same(a, b) -> None:
    assert a.skipped == b.skipped
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.scores, b.scores, check_exact=True)


def _run(frame: pd.DataFrame, configs: dict, order=ALL, shared: SharedWork | None = None) -> dict:
    return {cls.algorithm: cls().detect(frame, configs.get(cls.algorithm), shared=shared) for cls in order}


@pytest.mark.parametrize("order", [ALL, ALL[::-1]], ids=["members_first", "ensemble_first"])
@pytest.mark.parametrize("max_fit_rows", [50000, 150], ids=["whole_reference", "sampled"])
def test_results_identical_and_each_model_fitted_once(fits, order, max_fit_rows):
    tx = ledger()
    configs = {cls.algorithm: {"contamination": 0.02, "max_fit_rows": max_fit_rows} for cls in ALL}
    alone = _run(tx, configs, order)
    assert fits == {"isolation_forest": 2, "autoencoder": 2, "clustering": 2, "features": 4}
    fits.clear()
    shared = _run(tx, configs, order, SharedWork(tx))
    assert fits == {"isolation_forest": 1, "autoencoder": 1, "clustering": 1, "features": 1}
    for name, result in alone.items():
        _same(result, shared[name])


def test_ensemble_after_members_with_preset_settings(fits):
    """The balanced preset: members at their defaults (autoencoder: max_fit_rows 20000), the ensemble at
    its own; with fewer rows than either bound every member's fit is shared."""
    tx = ledger()
    alone = EnsembleDetector().detect(tx, {"contamination": 0.01, "method": "mean"})
    fits.clear()
    work = SharedWork(tx)
    for cls in MEMBERS:
        cls().detect(tx, {"contamination": 0.01}, shared=work)
    assert fits == {"isolation_forest": 1, "autoencoder": 1, "clustering": 1, "features": 1}
    shared = EnsembleDetector().detect(tx, {"contamination": 0.01, "method": "mean"}, shared=work)
    assert fits == {"isolation_forest": 1, "autoencoder": 1, "clustering": 1, "features": 1}
    _same(alone, shared)


def test_fits_are_shared_only_for_the_same_sample_and_model_settings(fits):
    tx = ledger()
    work = SharedWork(tx)
    IsolationForestDetector().detect(tx, {"n_estimators": 50}, shared=work)
    IsolationForestDetector().detect(tx, {"n_estimators": 50, "contamination": 0.05}, shared=work)  # same fit
    EnsembleDetector().detect(tx, {"weights": {"isolation_forest": 1.0}}, shared=work)  # 100 trees: a new fit
    assert fits == {"isolation_forest": 2, "features": 1}
    IsolationForestDetector().detect(tx, {"max_fit_rows": 200}, shared=work)  # another sample: scaled anew
    IsolationForestDetector().detect(tx, {"max_fit_rows": 200, "random_state": 1}, shared=work)
    IsolationForestDetector().detect(tx, {"max_fit_rows": 200, "random_state": 1}, shared=work)
    assert fits == {"isolation_forest": 4, "features": 1}
    assert [k for k in work.computed() if k[0] == "ml.scaled"] == [("ml.scaled", None), ("ml.scaled", (200, 0)),
                                                                  ("ml.scaled", (200, 1))]


def test_shared_work_belongs_to_its_frames_and_nothing_is_kept_without_it(fits):
    tx = ledger()
    work = SharedWork(tx)
    with pytest.raises(ValueError, match="belongs to other frames"):
        IsolationForestDetector().detect(tx.copy(), shared=work)  # equal, but another frame
    with pytest.raises(ValueError, match="belongs to other frames"):
        IsolationForestDetector().detect(tx, reference=tx.iloc[:300], shared=work)
    earlier = tx.iloc[:300]
    IsolationForestDetector().detect(tx, reference=earlier, shared=SharedWork(tx, earlier))
    IsolationForestDetector().detect(tx)
    IsolationForestDetector().detect(tx)
    assert fits == {"isolation_forest": 3, "features": 3}
    assert work.computed() == []


def test_encode_factorizes_each_column_once_and_callers_own_their_codes(monkeypatch):
    frame = pd.DataFrame({"account": pd.array(["1930", "3010", None, "1930"], dtype="string[pyarrow]"),
                          "user_name": ["a", "b", "a", "a"]})
    reference = frame.iloc[:2]
    calls = []
    real = pd.factorize
    monkeypatch.setattr(pd, "factorize", lambda values, **kw: calls.append(len(values)) or real(values, **kw))
    work = SharedWork(frame, reference)
    first, _ = work.encode("account")
    first[:] = 7  # a detector writing into its codes
    second, distinct = work.encode("account", fill="")
    assert calls == [4]
    assert second.tolist() == [0, 1, 2, 0] and distinct.tolist() == ["1930", "3010", ""]
    assert work.encode("account", over="reference")[0].tolist() == [0, 1]  # the reference's own codes
    assert work.encode("user_name", over="population")[0].tolist() == [0, 1, 0, 1, 0, 0]  # reference, then rows
    assert work.population()[1] == 2
    assert calls == [4, 2, 6]
    assert SharedWork(frame).encode("account", over="reference")[0].tolist() == [0, 1, -1, 0]  # no reference: the rows


def test_each_entry_is_computed_once_when_threads_ask_together():
    work = SharedWork(pd.DataFrame({"amount": [1.0]}))
    started = threading.Barrier(4)
    calls = []

    def compute():
        calls.append(1)
        return object()

    results = []

    def ask():
        started.wait()
        results.append(work.once("k", compute))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_a_reference_that_is_the_scored_frame_is_no_other_population():
    """detect(tx, reference=tx) is detect(tx): the ledger judged by its own norms, its rows not counted twice."""
    from anomaly_pipeline.detect.registry import ALGORITHMS

    tx = ledger()
    for cls in ALGORITHMS.values():
        _same(cls().detect(tx), cls().detect(tx, reference=tx))
