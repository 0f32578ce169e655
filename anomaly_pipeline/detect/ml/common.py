"""What the ML detectors share: bounded fitting sample, robust scaling, quantile-normalized scores, reasons.

Each model is fitted on at most `max_fit_rows` sampled reference rows (fixed seed), scores every row, and
its raw scores are mapped to [0, 1] through the reference's own score distribution: the top
`contamination` share of the reference lands in (0.5, 1] and is flagged, rows below the (1 - 5 x
contamination) quantile score 0. Reasons name the features that deviate most for the row.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.features import Features, build_features, describe

CLIP = 8.0
# features where only a high value is unusual (rarities, lags, roundness); the amount ones are two-sided
TWO_SIDED = {"log_amount", "amount_z"}

# smallest scale per feature, in the feature's own units (-log10 shares, log1p days, zeros, z)
MIN_SCALE = {"log_amount": 0.1, "amount_z": 0.5, "sign_rarity": 0.1, "pair_rarity": 0.3,
             "user_account_rarity": 0.3, "user_name_rarity": 0.3, "currency_rarity": 0.3, "weekday_rarity": 0.2,
             "registration_lag": 0.5, "roundness": 1.0}
ML_CONFIG: dict[str, Any] = {"contamination": 0.01, "max_fit_rows": 50000, "min_rows": 50, "random_state": 0}


@dataclass
class Scaled:
    """Robustly standardized features of the rows to score and of the fitting sample."""

    rows: np.ndarray
    fit: np.ndarray
    names: list[str]


def scale_features(features: Features, max_fit_rows: int, seed: int) -> Scaled:
    ref = features.reference
    if len(ref) > max_fit_rows:
        ref = ref.sample(max_fit_rows, random_state=seed)
    center = ref.median()
    q1, q3 = ref.quantile(0.25), ref.quantile(0.75)
    scale = (q3 - q1) / 1.349
    scale = scale.where(scale > 1e-9, ref.std(ddof=0))
    # zero-inflated features (most rows 0) would otherwise get a vanishing scale and make a tiny value extreme
    floor = pd.Series([MIN_SCALE.get(n, 0.1) for n in ref.columns], index=ref.columns)
    scale = np.maximum(scale.fillna(0.0), floor)

    def transform(frame: pd.DataFrame) -> np.ndarray:
        return np.clip(((frame - center) / scale).to_numpy(dtype="float64"), -CLIP, CLIP)

    return Scaled(rows=transform(features.matrix), fit=transform(ref), names=features.names)


def quantile_scores(raw: np.ndarray, ref_raw: np.ndarray, contamination: float) -> tuple[np.ndarray, np.ndarray]:
    """Map raw anomaly scores to [0, 1] by their rank in the reference scores; flagged above the
    (1 - contamination) quantile."""
    ref_sorted = np.sort(ref_raw)
    q = np.searchsorted(ref_sorted, raw, side="right") / max(len(ref_sorted), 1)
    cut = 1.0 - contamination
    floor = max(0.5, 1.0 - 5.0 * contamination)
    threshold = np.quantile(ref_sorted, cut) if len(ref_sorted) else np.inf
    flagged = raw > threshold
    low = np.clip((q - floor) / max(cut - floor, 1e-9), 0.0, 1.0) * 0.5
    high = 0.5 + 0.5 * np.clip((q - cut) / contamination, 0.0, 1.0)
    score = np.where(flagged, np.maximum(high, 0.5 + 1e-6), np.minimum(low, 0.5))
    return score, flagged


def contributions_from_z(z: np.ndarray, names: list[str]) -> np.ndarray:
    """Per-feature deviation: |z| for two-sided features, max(z, 0) for 'larger is rarer' ones."""
    two_sided = np.array([n in TWO_SIDED for n in names])
    return np.where(two_sided, np.abs(z), np.maximum(z, 0.0))


def oriented(contrib: np.ndarray, z: np.ndarray, names: list[str]) -> np.ndarray:
    """Keep a one-sided feature's contribution only where the row is on its rare side (z > 0)."""
    two_sided = np.array([n in TWO_SIDED for n in names])
    return np.where(two_sided | (z > 0), contrib, 0.0)


def feature_reasons(features: Features, rows: np.ndarray, contrib: np.ndarray, top: int = 2) -> pd.Series:
    """'unusual amount for account 6110 (...), rare user ...' for the given row positions: the `top`
    features with the largest contribution, one per kind (the two amount features count as one), a
    runner-up under a quarter of the leader left out."""
    names = features.names
    if len(rows) == 0:
        return pd.Series([], dtype="string")
    group = np.array(["amount" if n in TWO_SIDED else n for n in names])
    order = np.argsort(-contrib, axis=1)
    n = np.arange(len(rows))
    best = contrib[n, order[:, 0]]
    ctx = features.context_rows(rows)
    values = features.matrix.to_numpy()[rows]
    joined = pd.Series(pd.NA, index=ctx.index, dtype="string")
    used = np.full((len(rows), top), "", dtype=object)
    taken = np.zeros(len(rows), dtype=int)
    for k in range(min(order.shape[1], top + 1)):
        j_k = order[:, k]
        fresh = (taken < top) & ~(used == group[j_k][:, None]).any(axis=1)
        fresh &= (contrib[n, j_k] >= 0.25 * best) | (k == 0)
        for j in np.unique(j_k[fresh]):
            sel = fresh & (j_k == j)
            text = describe(names[j], ctx[sel], values[sel, j])
            joined[sel] = joined[sel].where(joined[sel].isna(), joined[sel] + ", ").fillna("") + text
        used[n[fresh], taken[fresh]] = group[j_k[fresh]]
        taken += fresh
    return joined.astype("string")


class MLDetector(AnomalyDetectionAlgorithm):
    """Base of the feature-matrix detectors: subclasses implement `_fit`, `_score` and `_explain`."""

    kind = "ml"
    required_columns = ("amount",)
    default_config = dict(ML_CONFIG)
    default_weight = 0.5
    label: str = "model"

    def check_config(self, config: dict[str, Any]) -> None:
        if not 0 < config["contamination"] < 0.5:
            raise ConfigError(f"{self.name()}.contamination: must be in (0, 0.5), got {config['contamination']}")
        if config["max_fit_rows"] < 100:
            raise ConfigError(f"{self.name()}.max_fit_rows: must be >= 100, got {config['max_fit_rows']}")
        if config["min_rows"] < 10:
            raise ConfigError(f"{self.name()}.min_rows: must be >= 10, got {config['min_rows']}")

    @abstractmethod
    def _fit(self, fit: np.ndarray, config: dict[str, Any]) -> Any: ...

    @abstractmethod
    def _score(self, model: Any, x: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _explain(self, model: Any, x: np.ndarray, names: list[str]) -> np.ndarray:
        """Per-row, per-feature contribution to the anomaly (rows x features, >= 0)."""

    def normalized(self, scaled: Scaled, config: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, Any]:
        """Fit on the sample; return normalized scores of the rows and of the sample, and the model."""
        model = self._fit(scaled.fit, config)
        raw_fit = self._score(model, scaled.fit)
        raw = self._score(model, scaled.rows)
        score, _ = quantile_scores(raw, raw_fit, config["contamination"])
        fit_score, _ = quantile_scores(raw_fit, raw_fit, config["contamination"])
        return score, fit_score, model

    def prepare(self, transactions: pd.DataFrame, config: dict[str, Any],
                reference: pd.DataFrame) -> tuple[Features, Scaled] | DetectionResult:
        """Features of the rows and the scaled fitting sample, or the reason to skip."""
        if len(reference) < config["min_rows"]:
            return DetectionResult.skip(f"{len(reference)} reference rows, fewer than min_rows {config['min_rows']}")
        features = build_features(transactions, reference)
        if not features.names:
            return DetectionResult.skip("no feature varies in the reference data")
        return features, scale_features(features, config["max_fit_rows"], config["random_state"])

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        prepared = self.prepare(transactions, config, reference)
        if isinstance(prepared, DetectionResult):
            return prepared
        features, scaled = prepared
        model = self._fit(scaled.fit, config)
        raw = self._score(model, scaled.rows)
        score, flagged = quantile_scores(raw, self._score(model, scaled.fit), config["contamination"])
        rows = np.flatnonzero(flagged)
        reason = pd.Series(pd.NA, index=transactions.index, dtype="string")
        if len(rows):
            contrib = self._explain(model, scaled.rows[rows], scaled.names)
            reason.iloc[rows] = feature_reasons(features, rows, contrib).to_numpy()
        return self.build_result(transactions, score, flagged, reason, severity="medium", summary={
            "features": scaled.names, "fit_rows": int(len(scaled.fit)), "flagged_share": float(flagged.mean()),
        })
