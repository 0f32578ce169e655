"""Preview a candidate strategy on already-loaded uploads, writing nothing.

Per upload, each enabled algorithm's scores are reused from any stored run with the same config hash
(`algorithm_runs.config_hash`, under whichever strategy produced them) or recomputed in memory through the
registry, exactly as the `score_*`/`rule_*` assets call it. The scores are then put in the form the
warehouse returns them (`scoring.as_loaded_scores`) and combined with `combine_scores` and the strategy's
weights and threshold, the code path of the `transaction_risk` asset: the preview is what materializing
the candidate would store. It is compared with the results stored for the current strategy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm
from anomaly_pipeline.detect.batch import detect_all
from anomaly_pipeline.detect.combine import combine_scores
from anomaly_pipeline.detect.history import rows_only, with_history
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.jsonable import jsonable
from anomaly_pipeline.scoring import as_loaded_scores, run_hash, upload_history
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.results import load_scores
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.model import Strategy
from anomaly_pipeline.strategies.store import get_strategy

REUSABLE_STATUSES = ("ran", "skipped")
HISTOGRAM_EDGES = np.linspace(0.0, 1.0, 11)
QUANTILES = {"p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99, "max": 1.0}
EXAMPLE_COLUMNS = ["upload_id", "transaction_id", "voucher_id", "posting_date", "account", "amount",
                   "risk_score", "current_risk_score", "reasons", "current_reasons"]


class PreviewError(ValueError):
    """The preview cannot run (no such upload, nothing loaded)."""


@dataclass
class AlgorithmOutcome:
    """How one algorithm's scores for one upload were obtained."""

    algorithm: str
    status: str  # ran | skipped | disabled
    source: str  # reused | recomputed | disabled
    flagged: int = 0
    reused_from: str | None = None
    skip_reason: str | None = None


@dataclass
class UploadScores:
    """A strategy's combined risk on one upload and how each algorithm contributed."""

    risk: pd.DataFrame
    scores: pd.DataFrame
    outcomes: dict[str, AlgorithmOutcome] = field(default_factory=dict)


class Transactions:
    """An upload's transactions, read lazily: the key columns always, every column only when a detector
    has to run (reading them all is most of a preview's time when every score is reused)."""

    KEY_COLUMNS = ("transaction_id", "voucher_id", "posting_date", "account", "amount", "is_removed")

    def __init__(self, wh: Warehouse, upload_id: str):
        self.wh, self.upload_id = wh, upload_id
        self._full: pd.DataFrame | None = None
        self._keys: pd.DataFrame | None = None
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """The entity history the detectors judge this upload with ('' without): part of a reusable score's hash."""
        if self._fingerprint is None:
            self._fingerprint = upload_history(self.wh, self.upload_id, read=False)[1]
        return self._fingerprint

    def population(self) -> pd.DataFrame:
        """What the detectors asset detects on: the entity's earlier postings and this upload's rows."""
        history, self._fingerprint = upload_history(self.wh, self.upload_id)
        return with_history(self.full, history)

    @property
    def full(self) -> pd.DataFrame:
        """Exactly what the scoring assets read (`Warehouse.read_transactions`)."""
        if self._full is None:
            self._full = self.wh.read_transactions(self.upload_id)
        return self._full

    @property
    def active(self) -> pd.DataFrame:
        """Active rows, key columns only, in the order the assets combine them."""
        if self._full is not None:
            frame = self._full
        elif self._keys is None:
            table = schema.transactions
            # casts skip SQLAlchemy's per-value Decimal and date objects: same values, a fraction of the time
            columns = [table.c.transaction_id, table.c.voucher_id, sa.cast(table.c.posting_date, sa.String)
                       .label("posting_date"), table.c.account, sa.cast(table.c.amount, sa.Float).label("amount"),
                       table.c.is_removed]
            query = (sa.select(*columns).where(table.c.upload_id == self.upload_id)
                     .order_by(table.c.transaction_id))
            with self.wh.engine.connect() as conn:
                keys = pd.read_sql(query, conn)
            keys["voucher_id"] = keys["voucher_id"].astype("string")
            keys["account"] = keys["account"].astype("string")
            keys["amount"] = keys["amount"].astype("float64")
            keys["posting_date"] = pd.to_datetime(keys["posting_date"], errors="coerce").astype("datetime64[ns]")
            keys["is_removed"] = keys["is_removed"].astype(bool)
            frame = self._keys = keys
        else:
            frame = self._keys
        return frame.loc[~frame["is_removed"], list(self.KEY_COLUMNS[:-1])]


def score_in_memory(wh: Warehouse, upload_id: str, transactions: Transactions, strategy: Strategy,
                    prefer: tuple[str, ...] = ()) -> UploadScores:
    """Risk of `strategy` on one upload: reuse stored scores whose config hash matches, recompute the rest."""
    runs = wh.read_table(schema.algorithm_runs, upload_id=upload_id)
    runs = runs[runs["status"].isin(REUSABLE_STATUSES)]
    stored_by_strategy: dict[str, pd.DataFrame] = {}
    parts: list[pd.DataFrame] = []
    outcomes: dict[str, AlgorithmOutcome] = {}
    recompute: list[tuple[AnomalyDetectionAlgorithm, dict]] = []
    for name, cls in ALGORITHMS.items():
        settings = strategy.settings_for(name)
        if not settings.enabled:
            outcomes[name] = AlgorithmOutcome(name, "disabled", "disabled")
            continue
        match = runs[(runs["algorithm"] == name) & (runs["config_hash"] == run_hash(settings, transactions.fingerprint))]
        if not match.empty:
            row = _preferred(match, (strategy.name, *prefer))
            source = row["strategy"]
            if source not in stored_by_strategy:
                stored_by_strategy[source] = load_scores(wh, upload_id, source)[0]
            stored = stored_by_strategy[source]
            parts.append(stored[stored["algorithm"] == name])
            outcomes[name] = AlgorithmOutcome(name, row["status"], "reused", int(row["flagged_count"] or 0),
                                              reused_from=source,
                                              skip_reason=row["skip_reason"] if pd.notna(row["skip_reason"]) else None)
            continue
        recompute.append((cls(), settings.config))
    # the same batch runner as the detectors asset: shared features and fits
    for done in detect_all(transactions.population() if recompute else transactions.full, recompute):
        if done.error is not None:
            raise done.error
        name, result = done.algorithm.algorithm, rows_only(done.result)
        parts.append(as_loaded_scores(done.algorithm, result))
        outcomes[name] = AlgorithmOutcome(name, "skipped" if result.skipped else "ran", "recomputed",
                                          int(result.scores["flagged"].sum()), skip_reason=result.skipped)
    outcomes = {name: outcomes[name] for name in ALGORITHMS if name in outcomes}  # registry order
    parts.sort(key=lambda p: list(ALGORITHMS).index(p["algorithm"].iloc[0]) if len(p) else -1)
    parts = [p for p in parts if not p.empty]
    scores = (pd.concat(parts, ignore_index=True) if parts
              else as_loaded_scores(next(iter(ALGORITHMS.values()))(), None))
    risk = combine_scores(transactions.active, scores, strategy.weights, strategy.threshold)
    return UploadScores(risk=risk, scores=scores, outcomes=outcomes)


def _preferred(match: pd.DataFrame, order: tuple[str, ...]) -> pd.Series:
    """The stored run to reuse: the candidate's own, then the comparison strategy's, then the newest."""
    for name in order:
        own = match[match["strategy"] == name]
        if not own.empty:
            return own.iloc[0]
    return match.sort_values("finished_at", ascending=False).iloc[0]


@dataclass
class CurrentResults:
    risk: pd.DataFrame  # transaction_id, risk_score, is_anomaly, reasons
    source: str  # stored | computed
    version: int | None
    per_algorithm: dict[str, int]


def current_results(wh: Warehouse, upload_id: str, upload: dict, transactions: Transactions,
                    against: str) -> CurrentResults:
    """What the comparison strategy stored for this upload; computed in memory when it never ran on it."""
    runs = wh.read_table(schema.analysis_runs, upload_id=upload_id, strategy=against)
    loaded_at = pd.Timestamp(upload["loaded_at"]) if upload.get("loaded_at") else None
    if not runs.empty:
        finished = pd.to_datetime(runs["finished_at"], utc=True)
        if loaded_at is not None:
            loaded_at = loaded_at.tz_localize("UTC") if loaded_at.tzinfo is None else loaded_at
            runs = runs[finished >= loaded_at]  # runs before a reload describe rows that are gone
    if not runs.empty:
        newest = runs.sort_values("finished_at").iloc[-1]
        risk = wh.read_table(schema.transaction_risk, upload_id=upload_id, strategy=against)
        risk = risk[["transaction_id", "risk_score", "is_anomaly", "reasons"]].astype(
            {"transaction_id": "int64", "risk_score": "float64", "is_anomaly": bool})
        algo = wh.read_table(schema.algorithm_runs, upload_id=upload_id, strategy=against)
        per_algorithm = {r.algorithm: int(r.flagged_count or 0) for r in algo.itertuples()}
        return CurrentResults(risk, "stored", int(newest["strategy_version"]), per_algorithm)
    strategy = get_strategy(wh, against)
    computed = score_in_memory(wh, upload_id, transactions, strategy)
    return CurrentResults(computed.risk[["transaction_id", "risk_score", "is_anomaly", "reasons"]], "computed",
                          strategy.version, {n: o.flagged for n, o in computed.outcomes.items()})


def select_uploads(wh: Warehouse, uploads: list[str] | None, all_uploads: bool) -> list[dict]:
    every = wh.list_uploads()
    loaded = [u for u in every if u["status"] == "loaded"]
    if uploads:
        by_id = {u["upload_id"]: u for u in every}
        for upload_id in uploads:
            if upload_id not in by_id:
                raise PreviewError(f"no upload {upload_id!r} (see `anomaly-pipeline uploads`)")
            if by_id[upload_id]["status"] != "loaded":
                raise PreviewError(f"upload {upload_id} is {by_id[upload_id]['status']}, not loaded")
        return [by_id[u] for u in uploads]
    if not loaded:
        raise PreviewError("no loaded uploads to preview on: process a file first")
    if all_uploads:
        return loaded
    return [max(loaded, key=lambda u: (u["loaded_at"] is not None, u["loaded_at"] or 0))]


def preview_strategy(wh: Warehouse, candidate: Strategy, *, uploads: list[str] | None = None,
                     all_uploads: bool = False, against: str | None = None, examples: int = 10) -> dict[str, Any]:
    """Run `candidate` in memory on the selected uploads and compare it with the current results."""
    started = time.perf_counter()
    against = against or get_settings().default_strategy
    get_strategy(wh, against)  # fail early, naming the strategy, when it does not exist
    rows, scored, per_upload = [], [], []
    current_versions: set[int] = set()
    algo_counts = {name: {"candidate": 0, "current": 0, "reused": 0, "recomputed": 0, "in_anomalies": 0,
                          "skip_reasons": []} for name in ALGORITHMS}
    for upload in select_uploads(wh, uploads, all_uploads):
        upload_id = upload["upload_id"]
        transactions = Transactions(wh, upload_id)
        candidate_scores = score_in_memory(wh, upload_id, transactions, candidate, prefer=(against,))
        current = current_results(wh, upload_id, upload, transactions, against)
        active = transactions.active
        if current.version is not None:
            current_versions.add(current.version)
        merged = _merge(upload_id, active, candidate_scores.risk, current.risk)
        rows.append(merged)
        anomalies = set(merged.loc[merged["is_anomaly"], "transaction_id"])
        for name, outcome in candidate_scores.outcomes.items():
            counts = algo_counts[name]
            counts["candidate"] += outcome.flagged
            counts["current"] += current.per_algorithm.get(name, 0)
            if outcome.source in ("reused", "recomputed"):
                counts[outcome.source] += 1
            if outcome.skip_reason:
                counts["skip_reasons"].append(f"{upload_id}: {outcome.skip_reason}")
        fired = candidate_scores.scores
        fired = fired[fired["flagged"] & fired["transaction_id"].isin(anomalies)]
        for name, n in fired.groupby("algorithm")["transaction_id"].nunique().items():
            algo_counts[name]["in_anomalies"] += int(n)
        scored.append(candidate_scores)
        per_upload.append({
            "upload_id": upload_id, "file_name": upload["file_name"], "transactions": len(active),
            "flagged_transactions": int(merged["is_anomaly"].sum()),
            "current_flagged_transactions": int(merged["current_is_anomaly"].sum()),
            "current_source": current.source, "current_version": current.version,
            "recomputed": sorted(n for n, o in candidate_scores.outcomes.items() if o.source == "recomputed"),
            "reused": {n: o.reused_from for n, o in candidate_scores.outcomes.items() if o.source == "reused"},
        })
    merged = pd.concat(rows, ignore_index=True)
    newly = merged[merged["is_anomaly"] & ~merged["current_is_anomaly"]]
    gone = merged[~merged["is_anomaly"] & merged["current_is_anomaly"]]
    enabled = candidate.weights
    return {
        "strategy": candidate.name,
        "version": candidate.version or None,
        "threshold": candidate.threshold,
        "against": against,
        "against_version": sorted(current_versions)[0] if len(current_versions) == 1 else sorted(current_versions),
        "uploads": per_upload,
        "transactions": len(merged),
        "flagged_transactions": int(merged["is_anomaly"].sum()),
        "flagged_vouchers": _voucher_count(merged, "is_anomaly"),
        "current_flagged_transactions": int(merged["current_is_anomaly"].sum()),
        "current_flagged_vouchers": _voucher_count(merged, "current_is_anomaly"),
        "newly_flagged": len(newly),
        "no_longer_flagged": len(gone),
        "newly_flagged_examples": _examples(newly, "risk_score", examples),
        "no_longer_flagged_examples": _examples(gone, "current_risk_score", examples),
        "per_algorithm": {
            name: {"enabled": name in enabled, "weight": enabled.get(name, 0.0), "flagged": c["candidate"],
                   "current_flagged": c["current"], "flagged_in_anomalies": c["in_anomalies"],
                   "source": _source(c), **({"skipped": c["skip_reasons"]} if c["skip_reasons"] else {})}
            for name, c in algo_counts.items()
        },
        "recomputed": sorted(n for n, c in algo_counts.items() if c["recomputed"]),
        "reused": sorted(n for n, c in algo_counts.items() if c["reused"]),
        "score_distribution": _distribution(merged, candidate.threshold),
        "seconds": round(time.perf_counter() - started, 3),
    }


def _merge(upload_id: str, active: pd.DataFrame, risk: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    base = active[["transaction_id", "voucher_id", "posting_date", "account", "amount"]].merge(
        risk[["transaction_id", "risk_score", "is_anomaly", "reasons"]], on="transaction_id", how="left")
    current = current.rename(columns={"risk_score": "current_risk_score", "is_anomaly": "current_is_anomaly",
                                      "reasons": "current_reasons"})
    base = base.merge(current, on="transaction_id", how="left")
    base["current_risk_score"] = base["current_risk_score"].fillna(0.0)
    base["current_is_anomaly"] = base["current_is_anomaly"].astype("boolean").fillna(False).astype(bool)
    base["is_anomaly"] = base["is_anomaly"].astype(bool)
    base.insert(0, "upload_id", upload_id)
    return base


def _voucher_count(frame: pd.DataFrame, column: str) -> int:
    """Distinct vouchers with at least one flagged line; a line without a voucher id counts as its own."""
    flagged = frame[frame[column]]
    keys = flagged["upload_id"] + "/" + flagged["voucher_id"].astype("string").fillna(
        "#" + flagged["transaction_id"].astype(str))
    return int(keys.nunique())


def _examples(frame: pd.DataFrame, by: str, limit: int) -> list[dict[str, Any]]:
    top = frame.sort_values([by, "upload_id", "transaction_id"], ascending=[False, True, True]).head(limit)
    out = top[EXAMPLE_COLUMNS].copy()
    out["posting_date"] = pd.to_datetime(out["posting_date"]).dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    return [jsonable(rec) for rec in out.to_dict(orient="records")]


def _source(counts: dict) -> str:
    if counts["reused"] and counts["recomputed"]:
        return "mixed"
    if counts["reused"]:
        return "reused"
    return "recomputed" if counts["recomputed"] else "disabled"


def _distribution(merged: pd.DataFrame, threshold: float) -> dict[str, Any]:
    risk = merged["risk_score"].to_numpy(dtype="float64")
    current = merged["current_risk_score"].to_numpy(dtype="float64")
    counts, _ = np.histogram(risk, bins=HISTOGRAM_EDGES)
    current_counts, _ = np.histogram(current, bins=HISTOGRAM_EDGES)
    return {
        "quantiles": {k: round(float(np.quantile(risk, q)), 6) if len(risk) else 0.0 for k, q in QUANTILES.items()},
        "zero": int((risk == 0).sum()),
        "at_or_above_threshold": int((risk >= threshold).sum()),
        "histogram": [{"from": round(float(lo), 1), "to": round(float(hi), 1), "count": int(n),
                       "current_count": int(m)}
                      for lo, hi, n, m in zip(HISTOGRAM_EDGES[:-1], HISTOGRAM_EDGES[1:], counts, current_counts,
                                              strict=True)],
    }
