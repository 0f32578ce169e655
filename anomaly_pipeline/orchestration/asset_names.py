"""Asset names that modules importing no assets need (jobs select the detectors' checks by key)."""

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm


def algorithm_asset_name(cls: type[AnomalyDetectionAlgorithm]) -> str:
    """`rule_<name>` for rules, `score_<name>` for statistical and ML algorithms."""
    return f"{'rule' if cls.kind == 'rule' else 'score'}_{cls.algorithm}"
