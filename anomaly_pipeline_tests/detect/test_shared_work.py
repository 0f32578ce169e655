"""shared_work(): detectors of one upload reuse features and model fits; results do not change."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from anomaly_pipeline.detect import features as features_module
from anomaly_pipeline.detect.ml import common
from anomaly_pipeline.detect.ml.autoencoder import AutoencoderDetector
from anomaly_pipeline.detect.ml.clustering import ClusteringDetector
from anomaly_pipeline.detect.ml.ensemble import EnsembleDetector
from anomaly_pipeline.detect.ml.isolation_forest import IsolationForestDetector
from anomaly_pipeline.detect.shared import freeze, memoized, shared_work, sharing
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


def _run(frame: pd.DataFrame, configs: dict, order=ALL) -> dict:
    return {cls.algorithm: cls().detect(frame, configs.get(cls.algorithm)) for cls in order}


@pytest.mark.parametrize("order", [ALL, ALL[::-1]], ids=["members_first", "ensemble_first"])
@pytest.mark.parametrize("max_fit_rows", [50000, 150], ids=["whole_reference", "sampled"])
def test_results_identical_and_each_model_fitted_once(fits, order, max_fit_rows):
    tx = ledger()
    configs = {cls.algorithm: {"contamination": 0.02, "max_fit_rows": max_fit_rows} for cls in ALL}
    alone = _run(tx, configs, order)
    assert fits == {"isolation_forest": 2, "autoencoder": 2, "clustering": 2, "features": 4}
    fits.clear()
    with shared_work():
        shared = _run(tx, configs, order)
    assert fits == {"isolation_forest": 1, "autoencoder": 1, "clustering": 1, "features": 1}
    for name, result in alone.items():
        _same(result, shared[name])


def test_ensemble_after_members_with_preset_settings(fits):
    """The balanced preset: members at their defaults (autoencoder: max_fit_rows 20000), the ensemble at
    its own; with fewer rows than either bound every member's fit is shared."""
    tx = ledger()
    alone = EnsembleDetector().detect(tx, {"contamination": 0.01, "method": "mean"})
    fits.clear()
    with shared_work():
        for cls in MEMBERS:
            cls().detect(tx, {"contamination": 0.01})
        assert fits == {"isolation_forest": 1, "autoencoder": 1, "clustering": 1, "features": 1}
        shared = EnsembleDetector().detect(tx, {"contamination": 0.01, "method": "mean"})
    assert fits == {"isolation_forest": 1, "autoencoder": 1, "clustering": 1, "features": 1}
    _same(alone, shared)


def test_other_settings_frames_or_references_are_not_shared(fits):
    tx = ledger()
    with shared_work():
        IsolationForestDetector().detect(tx, {"n_estimators": 50})
        IsolationForestDetector().detect(tx, {"n_estimators": 50, "contamination": 0.05})  # same fit
        EnsembleDetector().detect(tx, {"weights": {"isolation_forest": 1.0}})  # 100 trees: a new fit
        assert fits == {"isolation_forest": 2, "features": 1}
        IsolationForestDetector().detect(tx.copy())  # equal, but another frame
        IsolationForestDetector().detect(tx, reference=tx.iloc[:300])
        assert fits == {"isolation_forest": 4, "features": 3}
        IsolationForestDetector().detect(tx, {"max_fit_rows": 200})  # another sample: scaled anew
        IsolationForestDetector().detect(tx, {"max_fit_rows": 200, "random_state": 1})
        assert fits == {"isolation_forest": 6, "features": 3}


def test_nothing_is_kept_outside_the_block(fits):
    tx = ledger()
    with shared_work():
        assert sharing()
        IsolationForestDetector().detect(tx)
        with shared_work():  # nested blocks share the outer memo
            IsolationForestDetector().detect(tx)
        assert sharing()
    assert not sharing()
    IsolationForestDetector().detect(tx)
    IsolationForestDetector().detect(tx)
    assert fits == {"isolation_forest": 3, "features": 3}


def test_memoized_keys_on_identity_and_settings():
    calls = []
    a, b = [1], [1]

    def compute():
        calls.append(1)
        return len(calls)

    assert memoized("k", (a,), None, compute) == 1 and memoized("k", (a,), None, compute) == 2  # outside
    with shared_work():
        assert memoized("k", (a,), None, compute) == 3
        assert memoized("k", (a,), None, compute) == 3
        assert memoized("k", (b,), None, compute) == 4  # equal value, other object
        assert memoized("k", (a,), freeze({"w": [1, 2]}), compute) == 5
        assert memoized("k", (a,), freeze({"w": [1, 2]}), compute) == 5
        assert memoized("other", (a,), None, compute) == 6
