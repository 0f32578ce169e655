"""What the ML detectors share: bounded fitting sample, robust scaling, quantile-normalized scores, reasons.

Each model is fitted on at most `max_fit_rows` sampled reference rows (fixed seed), scores every row, and
its raw scores are mapped to [0, 1] through the reference's own score distribution: the top
`contamination` share of the reference lands in (0.5, 1] and is flagged, rows below the (1 - 5 x
contamination) quantile score 0. Reasons name the features that deviate most for the row. A row whose largest
deviation is its weekday or its registration lag is left to the rules that judge those by the ledger's habits
(`RULE_JUDGED`): scored 0.5, not flagged.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.features import Features, build_features, describe
from anomaly_pipeline.detect.shared import SharedWork, freeze

CLIP = 8.0
# features where only a high value is unusual (rarities, lags, roundness); the amount ones are two-sided
TWO_SIDED = {"log_amount", "amount_z"}

# smallest scale per feature, in the feature's own units (-log10 shares, log1p days, zeros, z)
MIN_SCALE = {"log_amount": 0.1, "amount_z": 0.5, "sign_rarity": 0.1, "pair_rarity": 0.3,
             "user_account_rarity": 0.3, "user_name_rarity": 0.3, "currency_rarity": 0.3, "weekday_rarity": 0.2,
             "registration_lag": 0.5, "roundness": 1.0}
ML_CONFIG: dict[str, Any] = {"contamination": 0.01, "max_fit_rows": 20000, "min_rows": 50, "random_state": 0}
#: config keys that do not change a model fitted on a given scaled sample (they shape the sample or the
#: normalization of the scores)
SCALING_KEYS = frozenset({"contamination", "max_fit_rows", "min_rows"})


@dataclass
class Scaled:
    """Robustly standardized features (float32, clipped) of the rows to score and of the fitting sample.

    fit_index: where the rows are their own reference, the sample's positions among the rows (then
    `fit` is `rows[fit_index]` and a model's sample scores are taken from its row scores)."""

    rows: np.ndarray
    fit: np.ndarray
    names: list[str]
    fit_index: np.ndarray | None = None
    #: (max_fit_rows, seed) of the sample drawn from the reference; None where the reference is used whole
    sample: tuple[int, int] | None = None


#: rows standardized per chunk, bounding the float64 temporaries
CHUNK_ROWS = 131_072


def scale_features(features: Features, max_fit_rows: int, seed: int) -> Scaled:
    """Center and scale every feature by the median and IQR of a sample of at most `max_fit_rows`
    reference rows (drawn with `seed`), clip at +-CLIP, store as float32."""
    ref = features.reference.to_numpy()
    sample = np.random.RandomState(seed).choice(len(ref), max_fit_rows, replace=False) if len(ref) > max_fit_rows \
        else None
    fit_src = ref[sample] if sample is not None else ref
    center = np.median(fit_src, axis=0)
    q1, q3 = np.quantile(fit_src, [0.25, 0.75], axis=0)
    scale = (q3 - q1) / 1.349
    scale = np.where(scale > 1e-9, scale, fit_src.std(axis=0))
    # zero-inflated features (most rows 0) would otherwise get a vanishing scale and make a tiny value extreme
    floor = np.array([MIN_SCALE.get(n, 0.1) for n in features.names])
    scale = np.maximum(np.nan_to_num(scale, nan=0.0), floor)
    rows = _standardize(features.matrix.to_numpy(), center, scale)
    drawn = None if sample is None else (max_fit_rows, seed)
    if features.self_referenced:
        if sample is None:
            return Scaled(rows=rows, fit=rows, names=features.names, fit_index=np.arange(len(rows)))
        return Scaled(rows=rows, fit=rows[sample], names=features.names, fit_index=sample, sample=drawn)
    return Scaled(rows=rows, fit=_standardize(fit_src, center, scale), names=features.names, sample=drawn)


def _standardize(values: np.ndarray, center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype="float32")
    for start in range(0, len(values), CHUNK_ROWS):
        chunk = (values[start:start + CHUNK_ROWS] - center) / scale
        out[start:start + CHUNK_ROWS] = np.clip(chunk, -CLIP, CLIP, out=chunk)
    return out


def quantile_scores(raw: np.ndarray, ref_raw: np.ndarray, contamination: float) -> tuple[np.ndarray, np.ndarray]:
    """Map raw anomaly scores to [0, 1] by their rank in the reference scores; flagged above the
    (1 - contamination) quantile."""
    ref_sorted = np.sort(ref_raw)
    n = len(ref_sorted)
    cut = 1.0 - contamination
    floor = max(0.5, 1.0 - 5.0 * contamination)
    threshold = np.quantile(ref_sorted, cut) if n else np.inf
    flagged = raw > threshold
    score = np.zeros(len(raw))
    if not n:
        return score, flagged
    # a row ranked at or below the floor quantile scores 0: rank only the rest (and NaN, ranked last)
    below = ref_sorted[max(int(floor * n) - 1, 0)]
    idx = np.flatnonzero(flagged | ~(raw < below))
    q = np.searchsorted(ref_sorted, raw[idx], side="right") / n
    low = np.clip((q - floor) / max(cut - floor, 1e-9), 0.0, 1.0) * 0.5
    high = 0.5 + 0.5 * np.clip((q - cut) / contamination, 0.0, 1.0)
    score[idx] = np.where(flagged[idx], np.maximum(high, 0.5 + 1e-6), np.minimum(low, 0.5))
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


#: features a rule judges with the ledger's own habits (the calendar rules by the account's, user's and partner's
#: weekends; the registration tests by the user's lag): a row unusual mainly by one of them is that rule's finding,
#: not a second one
RULE_JUDGED = frozenset({"weekday_rarity", "registration_lag"})


def ruled_out(score: np.ndarray, flagged: np.ndarray, reason: pd.Series, rows: np.ndarray, contrib: np.ndarray,
              names: list[str]) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Scores, flags and reasons with the flagged `rows` whose largest contribution is a RULE_JUDGED feature left
    at 0.5, unflagged, without a reason."""
    judged = np.array([n in RULE_JUDGED for n in names])
    lead = judged[contrib.argmax(axis=1)] if contrib.size else np.zeros(len(rows), dtype=bool)
    score, flagged = score.copy(), flagged.copy()
    score[rows[lead]] = np.minimum(score[rows[lead]], 0.5)
    flagged[rows[lead]] = False
    return score, flagged, reason.where(flagged)


class MLDetector(AnomalyDetectionAlgorithm):
    """Base of the feature-matrix detectors: subclasses implement `_fit`, `_score` and `_explain`."""

    kind = "ml"
    required_columns = ("amount",)
    default_config = dict(ML_CONFIG)
    default_weight = 0.5
    label: str = "model"

    def check_config(self, config: dict[str, Any]) -> None:
        if not 0 < config["contamination"] < 0.5:
            raise ConfigError(f"{self.algorithm}.contamination: must be in (0, 0.5), got {config['contamination']}")
        if config["max_fit_rows"] < 100:
            raise ConfigError(f"{self.algorithm}.max_fit_rows: must be >= 100, got {config['max_fit_rows']}")
        if config["min_rows"] < 10:
            raise ConfigError(f"{self.algorithm}.min_rows: must be >= 10, got {config['min_rows']}")

    @abstractmethod
    def _fit(self, fit: np.ndarray, config: dict[str, Any]) -> Any: ...

    @abstractmethod
    def _score(self, model: Any, x: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _explain(self, model: Any, x: np.ndarray, names: list[str]) -> np.ndarray:
        """Per-row, per-feature contribution to the anomaly (rows x features, >= 0)."""

    def fitted(self, scaled: Scaled, config: dict[str, Any], shared: SharedWork) -> tuple[Any, np.ndarray, np.ndarray]:
        """The model fitted on the sample, its raw scores of the rows and of the sample: fitted once per
        batch for each sample and model settings, so the ensemble and its members share their fits."""
        settings = freeze({k: v for k, v in config.items() if k not in SCALING_KEYS})

        def fit() -> tuple[Any, np.ndarray, np.ndarray]:
            model = self._fit(scaled.fit, config)
            raw = self._score(model, scaled.rows)
            raw_fit = raw[scaled.fit_index] if scaled.fit_index is not None else self._score(model, scaled.fit)
            return model, raw, raw_fit

        return shared.once(("ml.fit", type(self), settings, scaled.sample), fit)

    def normalized(self, scaled: Scaled, config: dict[str, Any],
                   shared: SharedWork) -> tuple[np.ndarray, np.ndarray, Any]:
        """Fit on the sample; return normalized scores of the rows and of the sample, and the model."""
        model, raw, raw_fit = self.fitted(scaled, config, shared)
        score, _ = quantile_scores(raw, raw_fit, config["contamination"])
        fit_score, _ = quantile_scores(raw_fit, raw_fit, config["contamination"])
        return score, fit_score, model

    def prepare(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> tuple[Features, Scaled] | DetectionResult:
        """Features of the rows and the scaled fitting sample, or the reason to skip: built once per batch,
        and scaled once per sample."""
        if len(reference) < config["min_rows"]:
            return DetectionResult.skip(f"{len(reference)} reference rows, fewer than min_rows {config['min_rows']}")
        features = shared.once("ml.features", lambda: build_features(transactions, reference))
        if not features.names:
            return DetectionResult.skip("no feature varies in the reference data")
        # a reference within max_fit_rows is used whole, whatever the bound and seed
        sample = (config["max_fit_rows"], config["random_state"]) if len(features.reference) > config["max_fit_rows"] \
            else None
        return features, shared.once(("ml.scaled", sample), lambda: scale_features(
            features, config["max_fit_rows"], config["random_state"]))

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        prepared = self.prepare(transactions, config, reference, shared)
        if isinstance(prepared, DetectionResult):
            return prepared
        features, scaled = prepared
        score, _, model = self.normalized(scaled, config, shared)
        flagged = score > 0.5  # quantile_scores puts exactly the flagged rows above 0.5
        rows = np.flatnonzero(flagged)
        reason = pd.Series(pd.NA, index=transactions.index, dtype="string")
        if len(rows):
            contrib = self._explain(model, scaled.rows[rows], scaled.names)
            reason.iloc[rows] = feature_reasons(features, rows, contrib).to_numpy()
            score, flagged, reason = ruled_out(score, flagged, reason, rows, contrib, scaled.names)
        return self.build_result(transactions, score, flagged, reason, severity="medium", summary={
            "features": scaled.names, "fit_rows": int(len(scaled.fit)), "flagged_share": float(flagged.mean()),
        })
