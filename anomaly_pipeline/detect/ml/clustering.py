"""Cluster-based outliers: MiniBatchKMeans centroids, distance scaled per cluster (CBLOF-style)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.ml.common import ML_CONFIG, MLDetector, oriented

if TYPE_CHECKING:
    from sklearn.cluster import MiniBatchKMeans

SCORE_CHUNK = 131_072


@dataclass
class _Model:
    kmeans: MiniBatchKMeans
    scale: np.ndarray  # per cluster: median member distance to its centroid
    large: np.ndarray  # per cluster: holds at least small_cluster_share of the sample


class ClusteringDetector(MLDetector):
    """Rows far from their cluster's centroid (relative to how spread the cluster is); members of a
    small cluster are measured against the nearest large cluster instead, so a tight group of odd
    postings does not hide itself. A cluster is small below `small_cluster_share` of the sample or below
    1/`small_cluster_ratio` of the median cluster's size (CBLOF's size-gap idea). Fitted on a bounded sample: O(n x k) to score."""

    algorithm = "clustering"
    default_weight = 0.2
    description = "Distance to the nearest large MiniBatchKMeans cluster over the transaction features."
    default_config = {**ML_CONFIG, "n_clusters": 12, "small_cluster_share": 0.01, "small_cluster_ratio": 5.0}

    def check_config(self, config: dict[str, Any]) -> None:
        super().check_config(config)
        if not 2 <= config["n_clusters"] <= 200:
            raise ConfigError(f"{self.algorithm}.n_clusters: must be in [2, 200], got {config['n_clusters']}")
        if not 0 <= config["small_cluster_share"] < 0.5:
            raise ConfigError(f"{self.algorithm}.small_cluster_share: must be in [0, 0.5), got {config['small_cluster_share']}")
        if config["small_cluster_ratio"] < 1:
            raise ConfigError(f"{self.algorithm}.small_cluster_ratio: must be >= 1, got {config['small_cluster_ratio']}")

    def _fit(self, fit: np.ndarray, config: dict[str, Any]) -> _Model:
        from sklearn.cluster import MiniBatchKMeans

        k = min(config["n_clusters"], max(2, len(fit) // 10))
        kmeans = MiniBatchKMeans(n_clusters=k, random_state=config["random_state"], n_init=3,
                                 batch_size=min(2048, len(fit))).fit(fit)
        dist = kmeans.transform(fit)
        label = dist.argmin(axis=1)
        own = dist[np.arange(len(fit)), label]
        scale = np.array([np.median(own[label == c]) if (label == c).any() else 1.0 for c in range(k)])
        scale = np.maximum(scale, max(float(np.median(own)), 1e-6) * 0.1)
        share = np.bincount(label, minlength=k) / len(fit)
        large = (share >= config["small_cluster_share"]) & (share >= np.median(share) / config["small_cluster_ratio"])
        if not large.any():
            large[:] = True
        return _Model(kmeans, scale, large)

    def _nearest_large(self, model: _Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dist = model.kmeans.transform(x)
        masked = np.where(model.large, dist / model.scale, np.inf)
        cluster = masked.argmin(axis=1)
        return cluster, masked[np.arange(len(x)), cluster]

    def _score(self, model: _Model, x: np.ndarray) -> np.ndarray:
        out = np.empty(len(x))
        for start in range(0, len(x), SCORE_CHUNK):  # bounded (rows x clusters) temporaries
            out[start:start + SCORE_CHUNK] = self._nearest_large(model, x[start:start + SCORE_CHUNK])[1]
        return out

    def _explain(self, model: _Model, x: np.ndarray, names: list[str]) -> np.ndarray:
        cluster, _ = self._nearest_large(model, x)
        return oriented((x - model.kmeans.cluster_centers_[cluster]) ** 2, x, names)
