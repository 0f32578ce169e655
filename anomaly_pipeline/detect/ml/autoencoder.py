"""Autoencoder: an MLP trained to reproduce standardized features; score = reconstruction error."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.common import ML_CONFIG, MLDetector, oriented

if TYPE_CHECKING:
    from sklearn.neural_network import MLPRegressor


def _ignore_not_converged() -> None:
    """max_iter bounds the training on purpose: scikit-learn's "not converged" warning says nothing new. A
    process-wide filter (adding it again is a no-op), not `warnings.catch_warnings()`: that swaps the global
    filter list and is not thread-safe, and the detectors run on two threads (another thread restoring the
    list it saved let the warning through)."""
    warnings.filterwarnings("ignore", message=r"Stochastic Optimizer: Maximum iterations \(\d+\) reached",
                            module=r"sklearn\.neural_network")


_ignore_not_converged()  # at import, before the detector threads save and restore filter lists


class AutoencoderDetector(MLDetector):
    """A bottlenecked MLPRegressor learns how features go together in the reference; rows it cannot
    reconstruct break those relations. The features with the largest reconstruction error are the reason."""

    algorithm = "autoencoder"
    default_weight = 0.4
    description = "Reconstruction error of an MLP autoencoder over the transaction features."
    default_config = {**ML_CONFIG, "bottleneck": 3, "max_iter": 80}

    def check_config(self, config: dict[str, Any]) -> None:
        super().check_config(config)
        if config["bottleneck"] < 1:
            raise ConfigError(f"{self.algorithm}.bottleneck: must be >= 1, got {config['bottleneck']}")
        if not 5 <= config["max_iter"] <= 1000:
            raise ConfigError(f"{self.algorithm}.max_iter: must be in [5, 1000], got {config['max_iter']}")

    def _fit(self, fit: np.ndarray, config: dict[str, Any]) -> MLPRegressor:
        from sklearn.neural_network import MLPRegressor

        width = max(8, fit.shape[1])
        bottleneck = min(config["bottleneck"], max(1, fit.shape[1] - 1))
        # a large sample trains in larger batches (at least 20 per epoch) with the learning rate scaled alike:
        # a quarter of the Python-level steps at 20 000 rows, the same detection on the labelled ledgers
        batch = min(len(fit), max(256, min(1024, len(fit) // 20)))
        model = MLPRegressor(hidden_layer_sizes=(width, bottleneck, width), activation="tanh", solver="adam",
                             max_iter=config["max_iter"], batch_size=batch,
                             learning_rate_init=0.001 * max(batch, 256) / 256, tol=1e-4,
                             random_state=config["random_state"])
        _ignore_not_converged()
        return model.fit(fit, fit)

    def _errors(self, model: MLPRegressor, x: np.ndarray) -> np.ndarray:
        return (model.predict(x).reshape(x.shape) - x) ** 2

    def _score(self, model: MLPRegressor, x: np.ndarray) -> np.ndarray:
        out = np.empty(len(x))
        for start in range(0, len(x), 200_000):  # bounded memory on large uploads
            out[start:start + 200_000] = self._errors(model, x[start:start + 200_000]).mean(axis=1)
        return out

    def _explain(self, model: MLPRegressor, x: np.ndarray, names: list[str]) -> np.ndarray:
        return oriented(self._errors(model, x), x, names)
