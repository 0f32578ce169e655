"""Ensemble of the ML detectors: their normalized scores combined by mean, max or weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import ConfigError, DetectionResult
from anomaly_pipeline.detect.ml.autoencoder import AutoencoderDetector
from anomaly_pipeline.detect.ml.clustering import ClusteringDetector
from anomaly_pipeline.detect.ml.common import (
    ML_CONFIG,
    MLDetector,
    feature_reasons,
    quantile_scores,
    ruled_out,
)
from anomaly_pipeline.detect.ml.isolation_forest import IsolationForestDetector
from anomaly_pipeline.detect.shared import SharedWork

MEMBERS: dict[str, type[MLDetector]] = {
    cls.algorithm: cls for cls in (IsolationForestDetector, AutoencoderDetector, ClusteringDetector)
}
METHODS = ("mean", "max", "weighted")


class EnsembleDetector(MLDetector):
    """Fits each member (default settings, shared sample and seed) on the same feature matrix, combines
    their [0, 1] scores (`method`: mean, max, or weighted mean with `weights`) and re-ranks the
    combination against the reference so `contamination` again decides the flagged share. A row's
    reason comes from the member that scored it highest and names the members that flagged it."""

    algorithm = "ensemble"
    description = "Combined Isolation Forest, autoencoder and clustering scores."
    default_config = {**ML_CONFIG, "method": "mean",
                      "weights": {"isolation_forest": 1.0, "autoencoder": 1.0, "clustering": 1.0}}
    default_weight = 0.2

    def check_config(self, config: dict[str, Any]) -> None:
        super().check_config(config)
        if config["method"] not in METHODS:
            raise ConfigError(f"{self.algorithm}.method: one of {', '.join(METHODS)}, got {config['method']!r}")
        weights = config["weights"]
        unknown = sorted(set(weights) - set(MEMBERS))
        if unknown:
            raise ConfigError(f"{self.algorithm}.weights: unknown member(s) {', '.join(unknown)} (known: {', '.join(MEMBERS)})")
        bad = {k: v for k, v in weights.items() if isinstance(v, bool) or not isinstance(v, int | float) or v < 0}
        if bad or not any(float(v) > 0 for v in weights.values()):
            raise ConfigError(f"{self.algorithm}.weights: numbers >= 0 with at least one > 0, got {weights}")

    # members are fitted inside _detect; these hooks are not used
    def _fit(self, fit, config):  # pragma: no cover
        raise NotImplementedError

    def _score(self, model, x):  # pragma: no cover
        raise NotImplementedError

    def _explain(self, model, x, names):  # pragma: no cover
        raise NotImplementedError

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        prepared = self.prepare(transactions, config, reference, shared)
        if isinstance(prepared, DetectionResult):
            return prepared
        features, scaled = prepared
        weights = {name: float(w) for name, w in config["weights"].items() if float(w) > 0}
        if config["method"] != "weighted":
            weights = dict.fromkeys(weights, 1.0)
        members, rows, fits, models = [], [], [], []
        for name in weights:
            member = MEMBERS[name]()
            member_cfg = member.validate_config({k: config[k] for k in ML_CONFIG})
            row_score, fit_score, model = member.normalized(scaled, member_cfg, shared)
            members.append(member)
            rows.append(row_score)
            fits.append(fit_score)
            models.append(model)
        row_m, fit_m = np.column_stack(rows), np.column_stack(fits)
        if config["method"] == "max":
            raw, raw_fit = row_m.max(axis=1), fit_m.max(axis=1)
        else:
            w = np.array(list(weights.values()))
            raw, raw_fit = row_m @ w / w.sum(), fit_m @ w / w.sum()
        score, flagged = quantile_scores(raw, raw_fit, config["contamination"])
        idx = np.flatnonzero(flagged)
        reason = pd.Series(pd.NA, index=transactions.index, dtype="string")
        if len(idx):
            lead = row_m[idx].argmax(axis=1)
            agree = pd.Series([", ".join(n for n, s in zip(weights, r, strict=True) if s > 0.5) for r in row_m[idx]])
            texts = pd.Series(pd.NA, index=range(len(idx)), dtype="string")
            contrib = np.zeros((len(idx), len(scaled.names)))
            for m, member in enumerate(members):
                sel = lead == m
                if sel.any():
                    contrib[sel] = member._explain(models[m], scaled.rows[idx[sel]], scaled.names)
                    texts[sel] = feature_reasons(features, idx[sel], contrib[sel]).to_numpy()
            prefix = ("flagged by " + agree.where(agree != "", "no single model") + " (" + config["method"] + " "
                      + pd.Series(raw[idx]).map("{:.2f}".format) + "): ")
            reason.iloc[idx] = (prefix + texts).to_numpy()
            score, flagged, reason = ruled_out(score, flagged, reason, idx, contrib, scaled.names)
        return self.build_result(transactions, score, flagged, reason, severity="medium", summary={
            "members": list(weights), "method": config["method"], "features": scaled.names,
            "flagged_share": float(flagged.mean()),
        })
