"""Writing and reading detection results: per-algorithm rows, the run log, and combined risk.

Storage takes what it is given (rows in the table's shape, outcomes as plain values); turning a detector's
result into those rows is `anomaly_pipeline.scoring`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse, now


@dataclass(frozen=True)
class AlgorithmRun:
    """One algorithm's outcome for (upload, strategy), ready to store. `rows`: a rule's flags (transaction_id,
    severity, score, reason) or another algorithm's non-zero scores (transaction_id, score, flagged, reason)."""

    algorithm: str
    is_rule: bool
    rows: pd.DataFrame
    status: str  # ran | skipped | disabled
    config_hash: str
    skip_reason: str | None = None
    flagged_count: int = 0
    scored_count: int = 0


def save_algorithm_result(wh: Warehouse, upload_id: str, strategy: str, run: AlgorithmRun) -> int:
    """Replace this algorithm's rows for (upload, strategy) and its algorithm_runs row in one transaction."""
    return save_algorithm_results(wh, upload_id, strategy, [run])[0]


def save_algorithm_results(wh: Warehouse, upload_id: str, strategy: str, runs: Sequence[AlgorithmRun]) -> list[int]:
    """`save_algorithm_result` for several algorithms (distinct names) in one transaction: per table one DELETE
    and one COPY for all of them, not a transaction of six statements each. The rows stored per run, in order."""
    if len({run.algorithm for run in runs}) != len(runs):
        raise ValueError("one run per algorithm")
    where = {"upload_id": upload_id, "strategy": strategy}
    finished = now()
    with wh.engine.begin() as conn:
        for is_rule, table, column in ((False, schema.anomaly_scores, "algorithm"), (True, schema.rule_flags, "rule")):
            mine = [run for run in runs if run.is_rule == is_rule]
            wh.replace_many(table, [run.rows.assign(upload_id=upload_id, strategy=strategy, **{column: run.algorithm})
                                    for run in mine if not run.rows.empty],
                            where, column, [run.algorithm for run in mine], conn)
        log = pd.DataFrame([{
            "upload_id": upload_id, "strategy": strategy, "algorithm": run.algorithm, "config_hash": run.config_hash,
            "status": run.status, "skip_reason": run.skip_reason, "flagged_count": run.flagged_count,
            "scored_count": run.scored_count, "finished_at": finished,
        } for run in runs])
        wh.replace_many(schema.algorithm_runs, [log], where, "algorithm", [run.algorithm for run in runs], conn)
    if wh.memory is not None:  # this run's later steps combine these rows without reading them back
        for run in runs:
            wh.memory.keep_scores((wh.url, upload_id, strategy), run.algorithm, (run.config_hash, _instant(finished)),
                                  long_form(run.algorithm, run.rows))
    return [len(run.rows) for run in runs]


def long_form(name: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Stored rows of one algorithm in the long form `load_scores` returns (SCORE_COLUMNS)."""
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


def unexplained_flags(wh: Warehouse, upload_id: str, strategy: str, limit: int = 10) -> pd.DataFrame:
    """algorithm and transaction_id of up to `limit` rows a detector flagged without a reason."""
    rows = _score_rows(upload_id, strategy)
    query = (sa.select(rows.c.algorithm, rows.c.transaction_id)
             .where(rows.c.flagged, _blank(wh, rows.c.reason))
             .order_by(rows.c.algorithm, rows.c.transaction_id).limit(limit))
    with wh.engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["algorithm", "transaction_id"])


def _instant(value) -> pd.Timestamp:
    """A stored time comparable across drivers (SQLite gives it back naive, in UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp


def _remembered(wh: Warehouse, upload_id: str, strategy: str, runs: pd.DataFrame) -> pd.DataFrame | None:
    """The scores this run stored, when they are exactly what the database holds: the same algorithms, each
    with the run row this run wrote (another process's store changes its finished_at)."""
    kept = wh.memory.scores.get((wh.url, upload_id, strategy), {}) if wh.memory is not None else {}
    if not len(runs) or set(runs["algorithm"]) != set(kept):
        return None
    for row in runs.itertuples():
        if kept[row.algorithm][0] != (row.config_hash, _instant(row.finished_at)):
            return None
    parts = [kept[name][1] for name in sorted(kept) if len(kept[name][1])]
    return pd.concat(parts, ignore_index=True) if parts else long_form("", pd.DataFrame())


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


def algorithm_states(wh: Warehouse, upload_id: str, strategy: str) -> dict[str, tuple[str, str]]:
    """algorithm -> (config_hash, status) of the stored outcomes of (upload, strategy)."""
    r = schema.algorithm_runs
    query = sa.select(r.c.algorithm, r.c.config_hash, r.c.status).where(
        r.c.upload_id == upload_id, r.c.strategy == strategy)
    with wh.engine.connect() as conn:
        return {row.algorithm: (row.config_hash, row.status) for row in conn.execute(query)}


def save_risk(wh: Warehouse, upload_id: str, strategy: str, strategy_version: int, risk: pd.DataFrame,
              algorithm_counts: dict[str, dict], run_id: str | None, started_at: float | datetime | None,
              baseline: dict[str, Any] | None = None) -> int:
    """Replace (upload, strategy)'s combined risk, log the analysis run (with `baseline`, the entity history
    the upload was judged with) and refresh the planner's statistics of the upload. Rows with zero risk are
    not stored. Returns the number of transactions flagged as anomalies."""
    where = {"upload_id": upload_id, "strategy": strategy}
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
            run_id=run_id, upload_id=upload_id, strategy=strategy, strategy_version=strategy_version,
            status="success", started_at=started, finished_at=finished,
            duration_seconds=(finished - started).total_seconds(), algorithm_counts=algorithm_counts,
            baseline=baseline, flagged_count=flagged, transaction_count=len(risk),
        ))
    wh.analyze_upload(upload_id)  # review queries (API, CLI) plan with the upload's real sizes
    return flagged
