"""All SQL of the pipeline: migrations on first use, partition-replacing bulk loads (COPY on PostgreSQL),
and the queries the CLI and assets need. Values always travel as parameters or COPY data, never as SQL text."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from anomaly_pipeline.storage import schema

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_engines: dict[str, sa.Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def now() -> datetime:
    return datetime.now(UTC)


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def get_engine(url: str) -> sa.Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(url, connect_args={"timeout": 60})
            else:
                engine = sa.create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


class Warehouse:
    """The pipeline's database. Cheap to construct; engines are shared per URL."""

    def __init__(self, database_url: str):
        self.url = database_url
        self.engine = get_engine(database_url)
        self.is_postgres = self.engine.dialect.name == "postgresql"

    # ------------------------------------------------------------------ migrations

    def migrate(self) -> None:
        """Upgrade to the newest migration (once per process and URL)."""
        if self.url in _migrated:
            return
        with _lock, self.engine.begin() as conn:
            if self.is_postgres:
                # serialise concurrent first runs (sensor-launched runs start together)
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))
            cfg = _alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        _migrated.add(self.url)

    def pending_migrations(self) -> list[str]:
        script = ScriptDirectory.from_config(_alembic_config(self.url))
        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        heads = set(script.get_heads())
        if current == heads:
            return []
        return [rev.revision for rev in script.walk_revisions() if rev.revision not in current]

    # ------------------------------------------------------------------ bulk writes

    def replace_rows(self, table: sa.Table, frame: pd.DataFrame, where: Mapping[str, Any],
                     conn: sa.Connection | None = None) -> int:
        """Delete the rows matching `where` and write `frame` in their place, in one transaction."""
        if conn is None:
            with self.engine.begin() as own:
                return self.replace_rows(table, frame, where, own)
        condition = sa.and_(*(table.c[k] == v for k, v in where.items()))
        conn.execute(table.delete().where(condition))
        if frame.empty:
            return 0
        frame = frame[[c.name for c in table.columns if c.name in frame.columns]]
        if self.is_postgres:
            self._copy(conn, table, frame)
        else:
            conn.execute(table.insert(), _records(frame))
        return len(frame)

    def _copy(self, conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        arrow = arrow.cast(pa.schema([_copy_field(f) for f in arrow.schema]))
        buffer = io.BytesIO()
        pacsv.write_csv(arrow, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        columns = ", ".join(f'"{c}"' for c in frame.columns)  # names from our own schema, never from files
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy:
            view = buffer.getbuffer()
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start:start + (1 << 20)])
        cursor.close()

    # ------------------------------------------------------------------ uploads

    def get_upload(self, upload_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(schema.file_uploads).where(schema.file_uploads.c.upload_id == upload_id)
            ).mappings().first()
        return dict(row) if row else None

    def register_upload(self, **values: Any) -> None:
        """Insert or refresh the upload row (a re-materialization re-registers the same upload)."""
        table = schema.file_uploads
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(table.c.upload_id).where(table.c.upload_id == values["upload_id"])
            ).first()
            if exists:
                conn.execute(table.update().where(table.c.upload_id == values["upload_id"]).values(**values))
            else:
                conn.execute(table.insert().values(received_at=now(), **values))

    def update_upload(self, upload_id: str, **values: Any) -> None:
        table = schema.file_uploads
        with self.engine.begin() as conn:
            conn.execute(table.update().where(table.c.upload_id == upload_id).values(**values))

    def reject_upload(self, upload_id: str, reason: str, stored_path: str) -> None:
        """Mark the upload rejected and make sure none of its rows remain, in one transaction."""
        with self.engine.begin() as conn:
            for table in (schema.anomaly_scores, schema.rule_flags, schema.transaction_risk, schema.algorithm_runs,
                          schema.transactions):
                conn.execute(table.delete().where(table.c.upload_id == upload_id))
            conn.execute(schema.file_uploads.update().where(schema.file_uploads.c.upload_id == upload_id).values(
                status="rejected", error=reason, stored_path=stored_path, transaction_count=0))

    def list_uploads(self) -> list[dict]:
        table = schema.file_uploads
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.received_at)).mappings().all()
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------ transactions

    def load_transactions(self, upload_id: str, frame: pd.DataFrame, upload_values: Mapping[str, Any]) -> int:
        """Replace the upload's transactions and mark it loaded, atomically. Results derived from the old
        rows are removed in the same transaction: they would describe transactions that no longer exist."""
        rows = frame.assign(upload_id=upload_id)
        with self.engine.begin() as conn:
            for derived in (schema.anomaly_scores, schema.rule_flags, schema.transaction_risk,
                            schema.algorithm_runs):
                conn.execute(derived.delete().where(derived.c.upload_id == upload_id))
            self.replace_rows(schema.transactions, rows, {"upload_id": upload_id}, conn)
            # the reported count is active lines: SIE #BTRANS rows are stored (is_removed) but not counted
            count = int((~rows["is_removed"].astype(bool)).sum()) if "is_removed" in rows else len(rows)
            conn.execute(
                schema.file_uploads.update()
                .where(schema.file_uploads.c.upload_id == upload_id)
                .values(status="loaded", transaction_count=count, loaded_at=now(), error=None, **upload_values)
            )
        return count

    def read_transactions(self, upload_ids: str | Iterable[str]) -> pd.DataFrame:
        ids = [upload_ids] if isinstance(upload_ids, str) else list(upload_ids)
        table = schema.transactions
        query = sa.select(table).where(table.c.upload_id.in_(ids)).order_by(table.c.upload_id, table.c.transaction_id)
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["amount"] = frame["amount"].astype("float64")
        for col in ("posting_date", "value_date", "registration_date", "posted_at"):
            frame[col] = pd.to_datetime(frame[col], errors="coerce").astype("datetime64[ns]")
        for col in ("voucher_id", "account", "account_name", "currency", "description", "counterparty",
                    "user_name", "reference", "dimensions", "entity", "source_format"):
            frame[col] = frame[col].astype("string")
        frame["line_number"] = frame["line_number"].astype("Int64")
        frame["is_removed"] = frame["is_removed"].astype(bool)
        return frame

    def flagged_count(self, upload_id: str, strategy: str) -> int:
        risk = schema.transaction_risk
        with self.engine.connect() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(risk).where(
                    risk.c.upload_id == upload_id, risk.c.strategy == strategy, risk.c.is_anomaly)
            ).scalar_one())

    def anomalies(self, upload_id: str | None, strategy: str, include_all: bool) -> pd.DataFrame:
        """Transactions with their risk under `strategy`: only anomalies, or every transaction."""
        t, r = schema.transactions, schema.transaction_risk
        join = t.outerjoin(r, sa.and_(r.c.upload_id == t.c.upload_id, r.c.transaction_id == t.c.transaction_id,
                                      r.c.strategy == strategy))
        query = sa.select(
            t.c.upload_id, t.c.transaction_id, t.c.voucher_id, t.c.account, t.c.amount, t.c.posting_date,
            t.c.description, sa.func.coalesce(r.c.risk_score, 0.0).label("risk_score"),
            sa.func.coalesce(r.c.is_anomaly, False).label("is_anomaly"), r.c.reasons,
        ).select_from(join).where(~t.c.is_removed)
        if upload_id:
            query = query.where(t.c.upload_id == upload_id)
        if not include_all:
            query = query.where(r.c.is_anomaly)
        query = query.order_by(sa.desc(sa.func.coalesce(r.c.risk_score, 0.0)), t.c.upload_id, t.c.transaction_id)
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["amount"] = frame["amount"].astype("float64")
        frame["is_anomaly"] = frame["is_anomaly"].astype(bool)
        return frame

    def count_rows(self, table: sa.Table, **where: Any) -> int:
        condition = sa.and_(*(table.c[k] == v for k, v in where.items())) if where else sa.true()
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one())

    def read_table(self, table: sa.Table, **where: Any) -> pd.DataFrame:
        condition = sa.and_(*(table.c[k] == v for k, v in where.items())) if where else sa.true()
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(table).where(condition), conn)


def _copy_field(field: pa.Field) -> pa.Field:
    if pa.types.is_timestamp(field.type):
        return pa.field(field.name, pa.timestamp("us"))
    if pa.types.is_large_string(field.type) or pa.types.is_string_view(field.type):
        return pa.field(field.name, pa.string())
    return field


def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            # an object Series: a plain list would be re-inferred as datetime64, turning None back into NaT
            out[col] = pd.Series([v.to_pydatetime() if v is not None else None for v in out[col]],
                                 index=out.index, dtype=object)
    return out.to_dict(orient="records")
