"""Isolation Forest on the shared feature matrix (scikit-learn)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.common import ML_CONFIG, MLDetector, contributions_from_z
from anomaly_pipeline.settings import worker_threads

if TYPE_CHECKING:
    from sklearn.ensemble import IsolationForest

#: a large upload's rows are scored in ranges on up to WORKER_THREADS threads, one range per this many rows:
#: tree traversal releases the GIL, and every row's score is computed on its own (the split changes nothing)
MIN_ROWS_PER_THREAD = 100_000


class IsolationForestDetector(MLDetector):
    """Rows that random axis-parallel splits isolate in few steps. Trees see at most `max_samples` rows
    each and are fitted on a bounded sample, so cost grows linearly with the rows scored."""

    algorithm = "isolation_forest"
    default_weight = 0.1
    description = "Isolation Forest over amount, account, user, timing and rarity features."
    default_config = {**ML_CONFIG, "n_estimators": 100, "max_samples": 256}

    def check_config(self, config: dict[str, Any]) -> None:
        super().check_config(config)
        if not 10 <= config["n_estimators"] <= 1000:
            raise ConfigError(f"{self.algorithm}.n_estimators: must be in [10, 1000], got {config['n_estimators']}")
        if config["max_samples"] < 16:
            raise ConfigError(f"{self.algorithm}.max_samples: must be >= 16, got {config['max_samples']}")

    def _fit(self, fit: np.ndarray, config: dict[str, Any]) -> IsolationForest:
        from sklearn.ensemble import IsolationForest

        model = IsolationForest(n_estimators=config["n_estimators"], max_samples=min(config["max_samples"], len(fit)),
                                random_state=config["random_state"], n_jobs=1)
        return model.fit(fit)

    def _score(self, model: IsolationForest, x: np.ndarray) -> np.ndarray:
        threads = min(worker_threads(), len(x) // MIN_ROWS_PER_THREAD)
        if threads <= 1:
            return -model.score_samples(x)
        step = -(-len(x) // threads)
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(model.score_samples, [x[i:i + step] for i in range(0, len(x), step)]))
        return -np.concatenate(parts)

    def _explain(self, model: IsolationForest, x: np.ndarray, names: list[str]) -> np.ndarray:
        # x is robustly standardized against the reference: the largest deviations are what isolated the row
        return contributions_from_z(x, names)
