"""Upload history with timings: received -> loaded, and the latest scoring run."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse

COLUMNS = ("upload_id", "file_name", "file_format", "status", "transaction_count", "expected_rows",
           "received_at", "loaded_at", "load_seconds", "scoring_runs", "last_scored_at", "last_strategy",
           "scoring_seconds", "error", "warnings")


def _utc(value: datetime | None) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    value = pd.Timestamp(value).to_pydatetime()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upload_history(wh: Warehouse, upload_id: str | None = None, upload: dict | None = None) -> list[dict]:
    """Every upload (or the one `upload_id`, whose row may be given as `upload`), oldest first, with how long
    loading took and its latest scoring run."""
    runs = schema.analysis_runs
    query = sa.select(runs.c.upload_id, runs.c.strategy, runs.c.finished_at, runs.c.duration_seconds)
    if upload_id is not None:
        query = query.where(runs.c.upload_id == upload_id)
    with wh.engine.connect() as conn:
        scoring = pd.read_sql(query, conn)
    latest: dict[str, dict] = {}
    if not scoring.empty:
        counts = scoring.groupby("upload_id").size()
        last = scoring.sort_values("finished_at").groupby("upload_id").tail(1).set_index("upload_id")
        latest = {key: {"scoring_runs": int(counts[key]), "last_scored_at": _utc(row.finished_at),
                        "last_strategy": row.strategy,
                        "scoring_seconds": None if pd.isna(row.duration_seconds) else round(float(row.duration_seconds), 3)}
                  for key, row in last.iterrows()}
    history = []
    if upload_id is None:
        uploads = wh.list_uploads()
    else:
        uploads = [u for u in [upload or wh.get_upload(upload_id)] if u is not None]
    for upload in uploads:
        received, loaded = _utc(upload["received_at"]), _utc(upload["loaded_at"])
        row = {c: upload.get(c) for c in COLUMNS if c in upload}
        row.update(received_at=received, loaded_at=loaded,
                   load_seconds=round((loaded - received).total_seconds(), 3) if received and loaded else None,
                   scoring_runs=0, last_scored_at=None, last_strategy=None, scoring_seconds=None)
        row.update(latest.get(upload["upload_id"], {}))
        history.append({c: row.get(c) for c in COLUMNS})
    return history
