"""Writing and reading detection results: per-algorithm rows, the run log, and combined risk."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse, now
from anomaly_pipeline.strategies.model import Strategy


def save_algorithm_result(wh: Warehouse, upload_id: str, strategy: str, algorithm: AnomalyDetectionAlgorithm,
                          result: DetectionResult | None, config_hash: str, status: str = "ran") -> int:
    """Replace this algorithm's rows for (upload, strategy) in one transaction. Rules keep their flags in
    rule_flags; other algorithms keep every non-zero score in anomaly_scores (a zero is the absence of a row)."""
    name = algorithm.name()
    where = {"upload_id": upload_id, "strategy": strategy}
    is_rule = algorithm.algorithm_type() == "rule"
    table = schema.rule_flags if is_rule else schema.anomaly_scores
    column = "rule" if is_rule else "algorithm"
    rows = stored_rows(algorithm, result)
    finished = now()
    with wh.engine.begin() as conn:
        stored = wh.replace_rows(table, rows.assign(upload_id=upload_id, strategy=strategy, **{column: name})
                                 if not rows.empty else rows, {**where, column: name}, conn)
        run = pd.DataFrame([{
            "upload_id": upload_id, "strategy": strategy, "algorithm": name, "config_hash": config_hash,
            "status": "skipped" if result is not None and result.skipped else status,
            "skip_reason": result.skipped if result is not None else None,
            "flagged_count": int(result.scores["flagged"].sum()) if result is not None else 0,
            "scored_count": len(result.scores) if result is not None else 0,
            "finished_at": finished,
        }])
        wh.replace_rows(schema.algorithm_runs, run, {**where, "algorithm": name}, conn)
    _remember(wh, upload_id, strategy, name, (config_hash, _instant(finished)), _long_form(name, rows))
    return stored


def stored_rows(algorithm: AnomalyDetectionAlgorithm, result: DetectionResult | None) -> pd.DataFrame:
    """The rows `save_algorithm_result` stores for a result: a rule's flags (transaction_id, severity, score,
    reason) or another algorithm's non-zero scores (transaction_id, score, flagged, and the reason of flagged
    rows)."""
    if result is None or result.skipped:
        return pd.DataFrame()
    if algorithm.algorithm_type() == "rule":
        rows = result.scores[result.scores["flagged"]]
        rows = rows.assign(severity=rows["severity"].fillna("medium"), reason=rows["reason"].fillna(algorithm.name()))
        return rows[["transaction_id", "severity", "score", "reason"]]
    rows = result.scores[result.scores["score"] > 0][["transaction_id", "score", "flagged", "reason"]]
    # a reason explains a flag; an unflagged score only adds to the risk (and most rows have one)
    return rows.assign(reason=rows["reason"].where(rows["flagged"].astype(bool)))


def as_loaded_scores(algorithm: AnomalyDetectionAlgorithm, result: DetectionResult | None) -> pd.DataFrame:
    """A result in the long form `load_scores` reads back after `save_algorithm_result` stored it, without
    touching the database (the strategy preview combines these exactly as `transaction_risk` does)."""
    return _long_form(algorithm.name(), stored_rows(algorithm, result))


def _long_form(name: str, rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame({"algorithm": pd.Series(dtype=object), "transaction_id": pd.Series(dtype="int64"),
                             "score": pd.Series(dtype="float64"), "flagged": pd.Series(dtype=bool),
                             "reason": pd.Series(dtype=object)})
    flagged = True if "flagged" not in rows else rows["flagged"].astype(bool)
    return pd.DataFrame({
        "algorithm": name, "transaction_id": rows["transaction_id"].astype("int64"),
        "score": rows["score"].astype("float64"), "flagged": flagged, "reason": rows["reason"].astype(object),
    }).reset_index(drop=True)


SCORE_COLUMNS = {"algorithm": pa.string(), "transaction_id": pa.int64(), "score": pa.float64(),
                 "flagged": pa.bool_(), "reason": pa.string()}


def read_scores(wh: Warehouse, upload_id: str, strategy: str) -> pd.DataFrame:
    """All stored scores and rule flags of (upload, strategy) as one long frame with SCORE_COLUMNS (a rule's
    name in `algorithm`, its flags `flagged`)."""
    return wh.read_query(sa.select(_score_rows(upload_id, strategy)), SCORE_COLUMNS)


def _score_rows(upload_id: str, strategy: str) -> sa.Subquery:
    s, f = schema.anomaly_scores, schema.rule_flags
    return sa.union_all(
        sa.select(s.c.algorithm, s.c.transaction_id, s.c.score, s.c.flagged, s.c.reason).where(
            s.c.upload_id == upload_id, s.c.strategy == strategy),
        sa.select(f.c.rule.label("algorithm"), f.c.transaction_id, f.c.score, sa.true().label("flagged"),
                  f.c.reason).where(f.c.upload_id == upload_id, f.c.strategy == strategy),
    ).subquery()


def _blank(wh: Warehouse, text: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """NULL, empty or whitespace only (as Python's str.strip sees spaces, tabs and line breaks)."""
    trimmed = (sa.func.btrim if wh.is_postgres else sa.func.trim)(text, " \t\r\n")
    return sa.func.coalesce(trimmed, "") == ""


def score_summary(wh: Warehouse, upload_id: str, strategy: str) -> pd.DataFrame:
    """Per algorithm (rule flags included), aggregated in the database: rows, out_of_range (missing or
    outside [0, 1]), min, max, flagged, without_reason (flagged with a blank reason)."""
    rows = _score_rows(upload_id, strategy)
    bad = sa.or_(rows.c.score.is_(None), rows.c.score < 0, rows.c.score > 1)
    query = sa.select(
        rows.c.algorithm, sa.func.count().label("rows"),
        sa.func.sum(sa.case((bad, 1), else_=0)).label("out_of_range"),
        sa.func.min(rows.c.score).label("min"), sa.func.max(rows.c.score).label("max"),
        sa.func.sum(sa.case((rows.c.flagged, 1), else_=0)).label("flagged"),
        sa.func.sum(sa.case((sa.and_(rows.c.flagged, _blank(wh, rows.c.reason)), 1), else_=0)).label("without_reason"),
    ).group_by(rows.c.algorithm)
    with wh.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(),
                             columns=["algorithm", "rows", "out_of_range", "min", "max", "flagged", "without_reason"])
    return frame.set_index("algorithm")


def unexplained_flags(wh: Warehouse, upload_id: str, strategy: str, algorithm: str, limit: int = 10) -> pd.DataFrame:
    """transaction_id of up to `limit` rows `algorithm` flagged without a reason."""
    rows = _score_rows(upload_id, strategy)
    query = (sa.select(rows.c.transaction_id)
             .where(rows.c.algorithm == algorithm, rows.c.flagged, _blank(wh, rows.c.reason))
             .order_by(rows.c.transaction_id).limit(limit))
    with wh.engine.connect() as conn:
        return pd.DataFrame({"transaction_id": conn.execute(query).scalars().all()})


# What this process stored last for one (database, upload, strategy): algorithm -> ((config hash, finished_at
# of its algorithm_runs row), rows in load_scores' long form). An in-process run (the CLI) then combines the
# scores it has just written without reading a million rows back.
_stored: dict[tuple[str, str, str], dict[str, tuple[tuple, pd.DataFrame]]] = {}


def _remember(wh: Warehouse, upload_id: str, strategy: str, algorithm: str, marker: tuple,
              rows: pd.DataFrame) -> None:
    key = (wh.url, upload_id, strategy)
    for other in [k for k in _stored if k != key]:
        del _stored[other]
    _stored.setdefault(key, {})[algorithm] = (marker, rows)


def _instant(value) -> pd.Timestamp:
    """A stored time comparable across drivers (SQLite gives it back naive, in UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp


def _remembered(wh: Warehouse, upload_id: str, strategy: str, runs: pd.DataFrame) -> pd.DataFrame | None:
    """The scores `_remember` kept, when they are exactly what the database holds: the same algorithms,
    each with the run row this process wrote (another process's store changes its finished_at)."""
    kept = _stored.get((wh.url, upload_id, strategy), {})
    if not len(runs) or set(runs["algorithm"]) != set(kept):
        return None
    for row in runs.itertuples():
        if kept[row.algorithm][0] != (row.config_hash, _instant(row.finished_at)):
            return None
    parts = [kept[name][1] for name in sorted(kept) if len(kept[name][1])]
    return pd.concat(parts, ignore_index=True) if parts else _long_form("", pd.DataFrame())


def load_scores(wh: Warehouse, upload_id: str, strategy: str) -> tuple[pd.DataFrame, dict[str, dict]]:
    """All stored scores and flags of (upload, strategy) as one long frame, and each algorithm's outcome."""
    r = schema.algorithm_runs
    with wh.engine.connect() as conn:
        runs = pd.read_sql(sa.select(r).where(r.c.upload_id == upload_id, r.c.strategy == strategy), conn)
    scores = _remembered(wh, upload_id, strategy, runs)
    if scores is None:
        scores = read_scores(wh, upload_id, strategy)
    # pandas 3 reads NULL text as NaN (truthy): only a real string is a skip reason
    counts = {row.algorithm: {"status": row.status, "flagged": int(row.flagged_count or 0),
                              **({"skip_reason": row.skip_reason} if isinstance(row.skip_reason, str) and row.skip_reason else {})}
              for row in runs.itertuples()}
    return scores, counts


def stale_algorithms(wh: Warehouse, upload_id: str, strategy: Strategy) -> dict[str, str]:
    """Algorithms whose stored outcome for (upload, strategy) was not produced by `strategy`'s settings, with
    why. Combining them would record a strategy version that did not make the scores: their assets must run
    again first (a weight or threshold change needs no rerun: those are not part of the config hash)."""
    r = schema.algorithm_runs
    query = sa.select(r.c.algorithm, r.c.config_hash, r.c.status).where(
        r.c.upload_id == upload_id, r.c.strategy == strategy.name)
    with wh.engine.connect() as conn:
        stored = {row.algorithm: row for row in conn.execute(query)}
    stale: dict[str, str] = {}
    for name, settings in strategy.algorithms.items():
        row = stored.get(name)
        if row is None:
            if settings.enabled:
                stale[name] = "never ran for this upload and strategy"
        elif settings.enabled != (row.status != "disabled"):
            stale[name] = f"stored as {row.status}, but {'enabled' if settings.enabled else 'disabled'} now"
        elif settings.enabled and row.config_hash != settings.config_hash():
            stale[name] = "scored with a different config"
    return stale


def save_risk(wh: Warehouse, upload_id: str, strategy: Strategy, risk: pd.DataFrame,
              algorithm_counts: dict[str, dict], run_id: str | None, started_at: float | datetime | None) -> int:
    """Replace (upload, strategy)'s combined risk and log the analysis run. Rows with zero risk are not
    stored. Returns the number of transactions flagged as anomalies."""
    where = {"upload_id": upload_id, "strategy": strategy.name}
    rows = risk[risk["risk_score"] > 0].assign(**where)
    flagged = int(risk["is_anomaly"].sum())
    finished = now()
    if isinstance(started_at, int | float):
        started = datetime.fromtimestamp(started_at, tz=finished.tzinfo)
    else:
        started = started_at or finished
    with wh.engine.begin() as conn:
        wh.replace_rows(schema.transaction_risk, rows, where, conn)
        conn.execute(schema.analysis_runs.insert().values(
            run_id=run_id, upload_id=upload_id, strategy=strategy.name, strategy_version=strategy.version,
            status="success", started_at=started, finished_at=finished,
            duration_seconds=(finished - started).total_seconds(), algorithm_counts=algorithm_counts,
            flagged_count=flagged, transaction_count=len(risk),
        ))
    return flagged
