"""Every detection algorithm the pipeline knows. Adding one: a module, a line here, and its tests.
The Dagster asset factory, strategies and the CLI all read this registry; nothing else changes."""

from __future__ import annotations

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm
from anomaly_pipeline.detect.ml.autoencoder import AutoencoderDetector
from anomaly_pipeline.detect.ml.clustering import ClusteringDetector
from anomaly_pipeline.detect.ml.ensemble import EnsembleDetector
from anomaly_pipeline.detect.ml.isolation_forest import IsolationForestDetector
from anomaly_pipeline.detect.rules import JOURNAL_ENTRY_RULES
from anomaly_pipeline.detect.rules.weekend_posting import WeekendPosting
from anomaly_pipeline.detect.statistical.account_ratio import AccountRatio
from anomaly_pipeline.detect.statistical.moving_average import MovingAverageDeviation
from anomaly_pipeline.detect.statistical.robust_zscore import RobustZScore, RobustZScoreCounterparty
from anomaly_pipeline.detect.statistical.timeseries import TimeSeriesSpike

ALGORITHMS: dict[str, type[AnomalyDetectionAlgorithm]] = {
    cls.algorithm: cls
    for cls in (
        RobustZScore,
        WeekendPosting,
        RobustZScoreCounterparty,
        AccountRatio,
        TimeSeriesSpike,
        MovingAverageDeviation,
        IsolationForestDetector,
        AutoencoderDetector,
        ClusteringDetector,
        EnsembleDetector,
        *JOURNAL_ENTRY_RULES,
    )
}


def get_algorithm(name: str) -> AnomalyDetectionAlgorithm:
    try:
        return ALGORITHMS[name]()
    except KeyError:
        raise KeyError(f"unknown algorithm {name!r} (known: {', '.join(sorted(ALGORITHMS))})") from None
