"""The seam between detectors, strategies and storage: what is stored of a detector's result, and which
stored results a strategy may combine. Storage itself knows no detector or strategy classes."""

from __future__ import annotations

import hashlib

import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.results import AlgorithmRun, algorithm_states, long_form
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.model import AlgorithmSettings, Strategy

#: an unflagged score below this is not stored: weighted by at most 1 it adds under 0.05 to a risk, and it
#: carries no reason (risk is combined from what is stored, in the pipeline and in the preview alike)
NOISE_FLOOR = 0.05


def stored_rows(algorithm: AnomalyDetectionAlgorithm, result: DetectionResult | None) -> pd.DataFrame:
    """The rows stored for a result: a rule's flags (transaction_id, severity, score, reason) or another
    algorithm's flags and its scores of at least NOISE_FLOOR (transaction_id, score, flagged, and the reason
    of flagged rows)."""
    if result is None or result.skipped:
        return pd.DataFrame()
    if algorithm.kind == "rule":
        rows = result.flagged
        rows = rows.assign(severity=rows["severity"].fillna("medium"), reason=rows["reason"].fillna(algorithm.algorithm))
        return rows[["transaction_id", "severity", "score", "reason"]]
    scores = result.scores
    kept = (scores["score"].to_numpy() >= NOISE_FLOOR) | (scores["flagged"].to_numpy(dtype=bool) & (scores["score"].to_numpy() > 0))
    rows = scores[kept][["transaction_id", "score", "flagged", "reason"]]
    # a reason explains a flag; an unflagged score only adds to the risk (and most rows have one)
    return rows.assign(reason=rows["reason"].where(rows["flagged"].astype(bool)))


def algorithm_run(algorithm: AnomalyDetectionAlgorithm, result: DetectionResult | None, config_hash: str,
                  status: str = "ran") -> AlgorithmRun:
    """A result (None: the algorithm did not run, e.g. disabled) as what `save_algorithm_result` stores."""
    skipped = result.skipped if result is not None else None
    return AlgorithmRun(
        algorithm=algorithm.algorithm, is_rule=algorithm.kind == "rule", rows=stored_rows(algorithm, result),
        status="skipped" if skipped else status, config_hash=config_hash, skip_reason=skipped,
        flagged_count=int(result.scores["flagged"].sum()) if result is not None else 0,
        scored_count=len(result.scores) if result is not None else 0,
    )


def as_loaded_scores(algorithm: AnomalyDetectionAlgorithm, result: DetectionResult | None) -> pd.DataFrame:
    """A result in the long form `load_scores` reads back after it was stored, without touching the database
    (the strategy preview combines these exactly as `transaction_risk` does)."""
    return long_form(algorithm.algorithm, stored_rows(algorithm, result))


def upload_history(wh: Warehouse, upload_id: str, read: bool = True) -> tuple[pd.DataFrame, str]:
    """The entity's earlier postings the upload is judged with (`Warehouse.entity_history` within the
    ENTITY_HISTORY_ROWS / ENTITY_HISTORY_DAYS bounds), and their fingerprint ('' without); `read` False: the
    fingerprint alone."""
    settings = get_settings()
    return wh.entity_history(upload_id, settings.entity_history_rows, settings.entity_history_days, read)


def history_summary(wh: Warehouse, upload_id: str) -> dict | None:
    """What `upload_history` reads, counted without reading it (entity, uploads, lines, first, last); None
    without history."""
    settings = get_settings()
    return wh.entity_history_summary(upload_id, settings.entity_history_rows, settings.entity_history_days)


def run_hash(settings: AlgorithmSettings, history: str = "") -> str:
    """What an algorithm's stored outcome was computed from: the settings' hash, and after a '+' a hash of the
    entity history it was judged with (its fingerprint). Without history, the settings' hash alone."""
    config = settings.config_hash()
    return f"{config}+{hashlib.sha256(history.encode()).hexdigest()[:16]}" if history else config


def stale_algorithms(wh: Warehouse, upload_id: str, strategy: Strategy) -> dict[str, str]:
    """Algorithms whose stored outcome for (upload, strategy) was not produced by `strategy`'s settings, with
    why. Combining them would record a strategy version that did not make the scores: their assets must run
    again first (a weight or threshold change needs no rerun: those are not part of the config hash). The
    entity history a score was judged with is not asked about: an earlier upload of the entity loaded while
    this run scored does not make its scores another strategy's (the preview reuses a score only under the
    same history, and the nightly rescoring judges again with the history of the day)."""
    stored = algorithm_states(wh, upload_id, strategy.name)
    stale: dict[str, str] = {}
    for name, settings in strategy.algorithms.items():
        if name not in stored:
            if settings.enabled:
                stale[name] = "never ran for this upload and strategy"
            continue
        config_hash, status = stored[name]
        if settings.enabled != (status != "disabled"):
            stale[name] = f"stored as {status}, but {'enabled' if settings.enabled else 'disabled'} now"
        elif settings.enabled and config_hash.split("+")[0] != settings.config_hash():
            stale[name] = "scored with a different config"
    return stale
