"""All SQL of the pipeline: migrations on first use, partition-replacing bulk loads (COPY on PostgreSQL),
and the queries the CLI and assets need. Values always travel as parameters or COPY data, never as SQL text."""

from __future__ import annotations

import io
import os
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from pgpq import ArrowToPostgresBinaryEncoder
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from anomaly_pipeline.settings import get_settings, worker_threads
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.frame_cache import FrameCache
from anomaly_pipeline.storage.run_memory import RunMemory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_PARTITION_KEY = re.compile(r"^[0-9a-fA-F]{1,32}$")  # upload ids are hex; they name PostgreSQL partitions
SQLITE_BATCH_ROWS = 50_000
COPY_SLICE_ROWS = 100_000
MIGRATION_LOCK_ID = 727274  # pg_advisory_xact_lock key of migrations
_engines: dict[str, sa.Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()
#: the order in which an entity's history is cut at ENTITY_HISTORY_ROWS: the latest lines are kept
_LATEST_FIRST = (schema.transactions.c.posting_date.desc(), schema.transactions.c.upload_id,
                 schema.transactions.c.transaction_id.desc())


class StoredRows(NamedTuple):
    """What a load wrote: the active lines, and every row (SIE #BTRANS removed lines included)."""

    active: int
    written: int


def now() -> datetime:
    return datetime.now(UTC)


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def _sqlite_file_lock(url: str, name: str) -> Iterator[None]:
    """An exclusive file lock beside a SQLite database, `<file>.<name>.lock`, that every process and thread
    honours; nothing for PostgreSQL (it locks in SQL) or an in-memory database."""
    database = sa.make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.{name}.lock")
    path.parent.mkdir(exist_ok=True)
    with FileLock(path, thread_local=False):
        yield


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
    """The pipeline's database. Cheap to construct; engines are shared per URL. `memory` is what one run's steps
    share in this process (see `RunMemory`); without it every read goes to the Parquet cache or the database."""

    def __init__(self, database_url: str, cache_dir: Path | None = None, memory: RunMemory | None = None):
        self.url = database_url
        self.engine = get_engine(database_url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self.memory = memory
        self.cache = FrameCache(cache_dir or get_settings().data_dir / "frames", memory)

    # ------------------------------------------------------------------ migrations

    def migrate(self) -> None:
        """Upgrade to the newest migration (once per process and URL), under a lock every process honours:
        several first uses at once (CLI commands, a sensor's runs) must not all create the tables."""
        if self.url in _migrated:
            return
        with _lock, _sqlite_file_lock(self.url, "migrate"), self.engine.begin() as conn:
            if self.is_postgres:  # held until this transaction ends
                conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
            cfg = _alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")  # a process that waited finds the schema at head: a no-op
        _migrated.add(self.url)

    def pending_migrations(self) -> list[str]:
        """Revisions this code would apply, oldest first."""
        return self.migration_state()[0]

    def migration_state(self) -> tuple[list[str], list[str]]:
        """(revisions still to apply, oldest first; revisions the database is at that this code does not know,
        i.e. a newer version of the pipeline migrated it)."""
        script = ScriptDirectory.from_config(_alembic_config(self.url))
        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        known = {rev.revision for rev in script.walk_revisions()}
        unknown = sorted(current - known)
        if unknown:
            return [], unknown
        applied = {r.revision for c in current for r in script.iterate_revisions(c, "base")}
        return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision not in applied], []

    def may_create_tables(self) -> bool:
        """Whether this database user may create the schema's tables (PostgreSQL: CREATE on the schema; SQLite:
        a writable file, or a folder to create it in)."""
        if self.is_postgres:
            with self.engine.connect() as conn:
                return bool(conn.execute(sa.text("SELECT has_schema_privilege(current_schema(), 'CREATE')")).scalar())
        database = sa.make_url(self.url).database
        if not database or database == ":memory:":
            return True
        path = Path(database)
        return os.access(path if path.exists() else path.parent, os.W_OK)

    # ------------------------------------------------------------------ bulk writes

    def replace_rows(self, table: sa.Table, frame: pd.DataFrame, where: Mapping[str, Any],
                     conn: sa.Connection | None = None) -> int:
        """Delete the rows matching `where` and write `frame` in their place, in one transaction. On PostgreSQL
        two writers of the same rows (two runs of one content at once) take turns, and the later one's rows
        stand: without the lock the later one's DELETE cannot see the earlier one's uncommitted rows, and its
        insert then fails on their keys."""
        if conn is None:
            with self.engine.begin() as own:
                return self.replace_rows(table, frame, where, own)
        if self.is_postgres:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _lock_key(table, where)})
        condition = sa.and_(*(table.c[k] == v for k, v in where.items()))
        conn.execute(table.delete().where(condition))
        return self._write(conn, table, [frame])

    def replace_many(self, table: sa.Table, frames: Sequence[pd.DataFrame], where: Mapping[str, Any], column: str,
                     values: Iterable[Any], conn: sa.Connection) -> int:
        """`replace_rows` for each of `values` of `column` at once, inside the caller's transaction: the rows
        matching `where` with `column` in `values` are deleted by one statement and `frames` (the new rows of
        every value) written by one COPY. On PostgreSQL each value's lock is the one `replace_rows` takes for
        `{**where, column: value}`, all taken first in one order, so writers of any of the same rows, one value
        at a time or many, take turns and the later one's rows stand."""
        values = sorted(set(values))
        if not values:
            return 0
        if self.is_postgres:
            keys = sorted(_lock_key(table, {**where, column: value}) for value in values)
            cursor = conn.connection.driver_connection.cursor()
            for key in keys:  # one at a time, in order: two writers of overlapping sets never wait on each other
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
            cursor.close()
        condition = sa.and_(*(table.c[k] == v for k, v in where.items()), table.c[column].in_(values))
        conn.execute(table.delete().where(condition))
        return self._write(conn, table, frames)

    def _write(self, conn: sa.Connection, table: sa.Table, frames: Sequence[pd.DataFrame]) -> int:
        """Insert `frames` (COPY on PostgreSQL, one stream per distinct set of columns); the number of rows."""
        groups: dict[tuple[str, ...], list[pd.DataFrame]] = {}
        for frame in frames:
            if not frame.empty:
                columns = tuple(c.name for c in table.columns if c.name in frame.columns)
                groups.setdefault(columns, []).append(frame[list(columns)])
        for parts in groups.values():
            if self.is_postgres:
                self._copy(conn, table, parts)
            else:  # in slices: a list of a million row dicts alone took gigabytes
                for part in parts:
                    for start in range(0, len(part), SQLITE_BATCH_ROWS):
                        conn.execute(table.insert(), _records(part.iloc[start:start + SQLITE_BATCH_ROWS]))
        return sum(len(part) for parts in groups.values() for part in parts)

    def _copy(self, conn: sa.Connection, table: sa.Table, frames: Sequence[pd.DataFrame]) -> int:
        """COPY `frames` (all with the same columns) in PostgreSQL's binary format, encoded from Arrow by pgpq a
        slice at a time. The server then parses no text: a million transactions load in half the server time of
        CSV, and the encoded slices stay small (the whole upload with its raw records would be another 400 MB in
        memory). Returns the number of rows the server reports it copied."""
        names = list(frames[0].columns)
        columns = ", ".join(f'"{c}"' for c in names)  # names from our own schema, never from files
        target = pa.schema([pa.field(c, _binary_type(table.c[c])) for c in names])
        encoder = ArrowToPostgresBinaryEncoder(target)
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT binary)') as copy:
            copy.write(encoder.write_header())
            for frame in frames:
                for start in range(0, len(frame), COPY_SLICE_ROWS):
                    arrow = pa.Table.from_pandas(frame.iloc[start:start + COPY_SLICE_ROWS], preserve_index=False)
                    for batch in _conform(arrow, target).to_batches():
                        copy.write(encoder.write_batch(batch))
            copy.write(encoder.finish())
        copied = cursor.rowcount
        cursor.close()
        return copied

    def _stage_partition(self, upload_id: str, rows: pd.DataFrame, staging: str) -> int:
        """PostgreSQL: a fresh, unindexed table holding `rows`, COPYed in WORKER_THREADS parallel streams (the
        server parses each stream on its own core). Committed, so that the streams' connections see it; the
        caller holds the upload's load lock and attaches or drops it. Returns the rows the COPYs reported."""
        with self.engine.begin() as conn:
            self._drop_staging(conn, upload_id)  # left by a load that crashed: none can be running now
            conn.execute(sa.text(f'CREATE TABLE "{staging}" (LIKE transactions INCLUDING DEFAULTS)'))
        table = sa.Table(staging, sa.MetaData(), *(sa.Column(c.name, c.type) for c in schema.transactions.c))
        rows = rows[[c.name for c in schema.transactions.c if c.name in rows.columns]]
        streams = max(1, min(worker_threads(), len(rows) // COPY_SLICE_ROWS))
        step = -(-len(rows) // streams)

        def copy(part: pd.DataFrame) -> int:
            with self.engine.begin() as conn:
                return self._copy(conn, table, [part])

        if not len(rows):
            return 0
        with ThreadPoolExecutor(streams, thread_name_prefix="copy") as pool:
            return sum(pool.map(copy, [rows.iloc[i:i + step] for i in range(0, len(rows), step)]))

    def _drop_staging(self, conn: sa.Connection, upload_id: str) -> None:
        names = conn.execute(sa.text(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition AND relname LIKE :pattern"),
            {"pattern": f"{_partition_name(upload_id)}\\_new%"}).scalars().all()
        for name in names:
            if schema.is_upload_partition(name):
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))

    def _attach_partition(self, conn: sa.Connection, upload_id: str, staging: str) -> None:
        """Replace the upload's partition with the staged table, inside the caller's transaction: a crash
        before commit leaves the previous partition in place. Building the indexes once, when ATTACH makes
        them, is several times faster than maintaining them row by row; dropping the old partition replaces
        a large DELETE."""
        name = _partition_name(upload_id)
        conn.execute(sa.text(f"ALTER TABLE \"{staging}\" ADD CONSTRAINT \"{staging}_key\" CHECK (upload_id = '{upload_id}')"))
        attached = conn.execute(sa.text(
            "SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'transactions'::regclass AND c.relname = :name"), {"name": name}).first()
        if attached:
            conn.execute(sa.text(f'ALTER TABLE transactions DETACH PARTITION "{name}"'))
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'ALTER TABLE "{staging}" RENAME TO "{name}"'))
        conn.execute(sa.text(f"ALTER TABLE transactions ATTACH PARTITION \"{name}\" FOR VALUES IN ('{upload_id}')"))

    # ------------------------------------------------------------------ uploads

    @contextmanager
    def processing(self, upload_id: str) -> Iterator[None]:
        """Held while one run loads and scores an upload: another process (or thread) given the same content
        waits, then finds it loaded, instead of replacing the rows, and deleting the results, of a run still
        going. PostgreSQL: a session advisory lock on a connection of its own (a key apart from the load's
        transaction lock, which the run takes inside it); a SQLite file: a file lock beside the database."""
        if not self.is_postgres:
            with _sqlite_file_lock(self.url, f"locks/{upload_id}"):  # <file>.locks/<upload>.lock
                yield
            return
        key = {"key": f"processing {upload_id}"}
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(hashtext(:key))"), key)
            conn.commit()  # the lock is the session's: not an open transaction for the whole run
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:key))"), key)
                conn.commit()

    def get_upload(self, upload_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(schema.file_uploads).where(schema.file_uploads.c.upload_id == upload_id)
            ).mappings().first()
        return dict(row) if row else None

    def register_upload(self, **values: Any) -> None:
        """Insert or refresh the upload row in one statement, so concurrent registrations of the same
        content (two drops at once) cannot collide."""
        table = schema.file_uploads
        insert = (pg_insert if self.is_postgres else sqlite_insert)(table).values(received_at=now(), **values)
        upsert = insert.on_conflict_do_update(index_elements=[table.c.upload_id], set_=values)
        with self.engine.begin() as conn:
            conn.execute(upsert)

    def update_upload(self, upload_id: str, **values: Any) -> None:
        table = schema.file_uploads
        with self.engine.begin() as conn:
            conn.execute(table.update().where(table.c.upload_id == upload_id).values(**values))

    def reject_upload(self, upload_id: str, reason: str, stored_path: str) -> None:
        """Mark the upload rejected and make sure none of its rows remain, in one transaction."""
        with self.engine.begin() as conn:
            self.cache.drop(upload_id)
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

    def store_transactions(self, upload_id: str, frame: pd.DataFrame, upload_values: Mapping[str, Any]) -> StoredRows:
        """Replace the upload's transactions and mark it loaded, atomically. Results derived from the old
        rows are removed in the same transaction: they would describe transactions that no longer exist.
        Returns the active lines and the rows written (removed lines included; on PostgreSQL as the COPYs
        reported them), the facts the run's own checks use instead of reading the table back."""
        rows = frame.assign(upload_id=upload_id)
        token = uuid.uuid4().hex
        # the reported count is active lines: SIE #BTRANS rows are stored (is_removed) but not counted
        count = int((~rows["is_removed"].astype(bool)).sum()) if "is_removed" in rows else len(rows)
        self.cache.drop(upload_id)
        staging = f"{_partition_name(upload_id)}_new{token[:8]}" if self.is_postgres else None
        with ThreadPoolExecutor(1, thread_name_prefix="frame-cache") as background:
            cached = None
            try:
                with self.engine.begin() as conn:
                    if self.is_postgres:  # one load of an upload at a time; different uploads load in parallel
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": upload_id})
                        written = self._stage_partition(upload_id, rows, staging)
                    # written while the database deletes old results and builds the partition's indexes
                    cached = background.submit(self.cache.put, upload_id, token,
                                               _typed(rows.drop(columns=["raw"], errors="ignore")))
                    for derived in (schema.anomaly_scores, schema.rule_flags, schema.transaction_risk,
                                    schema.algorithm_runs):
                        conn.execute(derived.delete().where(derived.c.upload_id == upload_id))
                    if staging:
                        self._attach_partition(conn, upload_id, staging)
                    else:
                        written = self.replace_rows(schema.transactions, rows, {"upload_id": upload_id}, conn)
                    conn.execute(
                        schema.file_uploads.update()
                        .where(schema.file_uploads.c.upload_id == upload_id)
                        .values(status="loaded", transaction_count=count, loaded_at=now(), load_token=token,
                                error=None, **upload_values)
                    )
                    cached.result()
            except BaseException:
                if cached is not None:
                    cached.cancel() or cached.exception()
                self.cache.drop(upload_id)
                if staging:  # not attached: the transaction that would have attached it rolled back
                    with self.engine.begin() as conn:
                        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{staging}"'))
                raise
        return StoredRows(count, written)

    def read_transactions(self, upload_ids: str | Iterable[str], include_raw: bool = False) -> pd.DataFrame:
        """Canonical transactions of one or more uploads, ordered by upload and transaction id. Single
        uploads come from the frame cache when it holds the current load."""
        ids = [upload_ids] if isinstance(upload_ids, str) else list(upload_ids)
        token = self._load_token(ids[0]) if len(ids) == 1 and not include_raw else None
        if token:
            cached = self.cache.get(ids[0], token)
            if cached is not None:
                return cached
        table = schema.transactions
        columns = [c for c in table.columns if include_raw or c.name != "raw"]
        query = sa.select(*columns).where(table.c.upload_id.in_(ids)).order_by(table.c.upload_id, table.c.transaction_id)
        with self.engine.connect() as conn:
            frame = _typed(pd.read_sql(query, conn))
        if token:
            self.cache.put(ids[0], token, frame)
        return frame

    def entity_history(self, upload_id: str, max_rows: int, days: int, read: bool = True) -> tuple[pd.DataFrame, str]:
        """The same entity's earlier postings, judged with the upload as one ledger: the active lines of the
        entity's other loaded uploads dated before this upload's first posting date (an upload that overlaps
        it contributes only what came before, so its repeated rows are not duplicates) and at most `days`
        before it, the latest `max_rows`, in date order. With a fingerprint of what was read (the uploads and
        their loads, the upload's first date and the bounds); (empty, '') without entity or history. `read`
        False: the fingerprint alone, without reading the lines."""
        tx = schema.transactions
        empty = _typed(pd.DataFrame({c.name: pd.Series(dtype="object") for c in tx.columns if c.name != "raw"}))
        scope = self._history_scope(upload_id, max_rows, days)
        if scope is None:
            return empty, ""
        first, others, earlier, _ = scope
        with self.engine.connect() as conn:
            if read:
                columns = [c for c in tx.columns if c.name != "raw"]
                frame = pd.read_sql(sa.select(*columns).where(*earlier).order_by(*_LATEST_FIRST).limit(max_rows), conn)
                found = not frame.empty
            else:
                frame = empty
                found = conn.execute(sa.select(sa.literal(1)).where(*earlier).limit(1)).first() is not None
        if not found:
            return empty, ""
        if read:
            frame = _typed(frame.iloc[::-1].reset_index(drop=True))
        return frame, f"{first}|{days}|{max_rows}|" + ",".join(f"{o.upload_id}:{o.load_token}" for o in others)

    def entity_history_summary(self, upload_id: str, max_rows: int, days: int) -> dict[str, Any] | None:
        """What `entity_history` reads, counted by the database without reading it: entity, uploads, lines,
        first and last posting date (ISO); None without entity or history."""
        scope = self._history_scope(upload_id, max_rows, days)
        if scope is None:
            return None
        _, _, earlier, entity = scope
        tx = schema.transactions
        lines = sa.select(tx.c.upload_id, tx.c.posting_date).where(*earlier).order_by(*_LATEST_FIRST) \
            .limit(max_rows).subquery()
        with self.engine.connect() as conn:
            count, uploads, first, last = conn.execute(sa.select(
                sa.func.count(), sa.func.count(sa.distinct(lines.c.upload_id)), sa.func.min(lines.c.posting_date),
                sa.func.max(lines.c.posting_date))).one()
        if not count:
            return None
        return {"entity": entity, "uploads": int(uploads), "lines": int(count),
                "first": pd.Timestamp(first).date().isoformat(), "last": pd.Timestamp(last).date().isoformat()}

    def _history_scope(self, upload_id: str, max_rows: int, days: int) -> tuple[Any, list, tuple, str] | None:
        """(the upload's first posting date, the entity's other loaded uploads, the conditions selecting their
        earlier lines, the entity) or None where there is no history to look for."""
        up, tx = schema.file_uploads, schema.transactions
        upload = self.get_upload(upload_id)
        if max_rows <= 0 or not upload or not upload.get("entity"):
            return None
        with self.engine.connect() as conn:
            first = conn.execute(sa.select(sa.func.min(tx.c.posting_date)).where(
                tx.c.upload_id == upload_id, sa.not_(tx.c.is_removed))).scalar()
            others = conn.execute(sa.select(up.c.upload_id, up.c.load_token).where(
                up.c.entity == upload["entity"], up.c.status == "loaded", up.c.upload_id != upload_id)
                .order_by(up.c.upload_id)).all()
        if first is None or not others:
            return None
        first = pd.Timestamp(first).date()
        earlier = (tx.c.upload_id.in_([o.upload_id for o in others]), sa.not_(tx.c.is_removed),
                   tx.c.posting_date < first, tx.c.posting_date >= first - timedelta(days=days))
        return first, others, earlier, upload["entity"]

    def _load_token(self, upload_id: str) -> str | None:
        table = schema.file_uploads
        with self.engine.connect() as conn:
            return conn.execute(sa.select(table.c.load_token).where(table.c.upload_id == upload_id)).scalar()

    def flagged_count(self, upload_id: str, strategy: str) -> int:
        risk = schema.transaction_risk
        with self.engine.connect() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(risk).where(
                    risk.c.upload_id == upload_id, risk.c.strategy == strategy, risk.c.is_anomaly)
            ).scalar_one())

    def anomalies(self, upload_id: str | None, strategy: str, include_all: bool, limit: int | None = None,
                  offset: int = 0) -> pd.DataFrame:
        """Transactions with their risk under `strategy`, strongest first: only anomalies, or every
        transaction; `limit`/`offset` for a page."""
        t, r = schema.transactions, schema.transaction_risk
        on = sa.and_(r.c.upload_id == t.c.upload_id, r.c.transaction_id == t.c.transaction_id, r.c.strategy == strategy)
        columns = (t.c.upload_id, t.c.transaction_id, t.c.voucher_id, t.c.account, t.c.amount, t.c.posting_date,
                   t.c.description)
        if include_all:
            risk = sa.func.coalesce(r.c.risk_score, 0.0)
            query = sa.select(*columns, risk.label("risk_score"),
                              sa.func.coalesce(r.c.is_anomaly, False).label("is_anomaly"), r.c.reasons
                              ).select_from(t.outerjoin(r, on)).where(~t.c.is_removed)
            query = query.where(t.c.upload_id == upload_id) if upload_id else query
            query = query.order_by(sa.desc(risk), t.c.upload_id, t.c.transaction_id)
        else:  # the page is chosen from the partial index of anomalies, then its rows fetched by primary key
            # (risk rows exist for active lines only: removed #BTRANS lines are never scored)
            order = (sa.desc(r.c.risk_score), r.c.upload_id, r.c.transaction_id)
            page = sa.select(r.c.upload_id, r.c.transaction_id, r.c.risk_score, r.c.is_anomaly, r.c.reasons).where(
                r.c.strategy == strategy, r.c.is_anomaly).order_by(*order)
            page = page.where(r.c.upload_id == upload_id) if upload_id else page
            page = (page.limit(limit).offset(offset) if limit is not None else page).subquery()
            query = sa.select(*columns, page.c.risk_score, page.c.is_anomaly, page.c.reasons).select_from(
                page.join(t, sa.and_(t.c.upload_id == page.c.upload_id, t.c.transaction_id == page.c.transaction_id))
            ).where(~t.c.is_removed).order_by(sa.desc(page.c.risk_score), page.c.upload_id, page.c.transaction_id)
            limit = None  # applied to the page
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["amount"] = frame["amount"].astype("float64")
        frame["is_anomaly"] = frame["is_anomaly"].astype(bool)
        return frame

    def count_rows(self, table: sa.Table, **where: Any) -> int:
        condition = sa.and_(*(table.c[k] == v for k, v in where.items())) if where else sa.true()
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one())

    def read_query(self, query: sa.Select, columns: Mapping[str, pa.DataType]) -> pd.DataFrame:
        """A large result as a frame with `columns` (name -> Arrow type, in the query's order). PostgreSQL
        streams it with COPY TO (CSV parsed by Arrow): several times faster than row fetching at 1M rows."""
        if not self.is_postgres:
            with self.engine.connect() as conn:
                frame = pd.read_sql(query, conn)
            frame.columns = list(columns)
            for name, kind in columns.items():
                if pa.types.is_timestamp(kind):
                    frame[name] = pd.to_datetime(frame[name], errors="coerce").astype("datetime64[ns]")
                elif pa.types.is_boolean(kind):
                    frame[name] = frame[name].fillna(False).astype(bool)
                elif pa.types.is_string(kind):
                    frame[name] = frame[name].astype("string")
                else:
                    frame[name] = frame[name].astype(kind.to_pandas_dtype())
            return frame
        # literal binds: the query's values are our own identifiers (upload ids, strategy names), escaped
        sql = str(query.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        with self.engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            cursor.close()
        if buffer.tell() == 0:
            return pa.schema(list(columns.items())).empty_table().to_pandas()
        buffer.seek(0)
        table = pacsv.read_csv(buffer, read_options=pacsv.ReadOptions(column_names=list(columns)),
                               convert_options=pacsv.ConvertOptions(
                                   column_types=dict(columns), true_values=["t"], false_values=["f"],
                                   strings_can_be_null=True, quoted_strings_can_be_null=False))
        frame = table.to_pandas()
        for name, kind in columns.items():
            if pa.types.is_string(kind):
                frame[name] = frame[name].astype("string")
        return frame

    def analyze_upload(self, upload_id: str) -> None:
        """Planner statistics for an upload's partition of transactions and for transaction_risk, once its
        risk is stored: without them (autovacuum off, or not yet run) PostgreSQL guesses a few hundred rows and may
        join a review query's 100 000 rows by scanning (minutes instead of milliseconds)."""
        if self.is_postgres:  # the columns review queries filter and join on: 0.2 s at 100k rows, not 1.4 s
            with self.engine.begin() as conn:
                conn.execute(sa.text(f'ANALYZE "{_partition_name(upload_id)}" (transaction_id, is_removed), '
                                     'transaction_risk (upload_id, strategy, is_anomaly)'))

    def analyze(self, *tables: sa.Table) -> None:
        """Refresh PostgreSQL's planner statistics after a large write (autovacuum would, a minute later):
        with none, an aggregate over a million fresh rows sorts on disk instead of hashing (0.8 s vs 0.2 s)."""
        if self.is_postgres:
            with self.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE " + ", ".join(f'"{t.name}"' for t in tables)))

    def read_table(self, table: sa.Table, **where: Any) -> pd.DataFrame:
        condition = sa.and_(*(table.c[k] == v for k, v in where.items())) if where else sa.true()
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(table).where(condition), conn)


def open_warehouse(database_url: str | None = None, memory: RunMemory | None = None) -> Warehouse:
    """The warehouse at `database_url` (default DATABASE_URL), migrated to the newest schema."""
    warehouse = Warehouse(database_url or get_settings().database_url, memory=memory)
    warehouse.migrate()
    return warehouse


def _lock_key(table: sa.Table, where: Mapping[str, Any]) -> str:
    """The advisory lock (hashed) of the rows of `table` matching `where`."""
    return "|".join([table.name, *(f"{k}={where[k]}" for k in sorted(where))])


def _partition_name(upload_id: str) -> str:
    if not _PARTITION_KEY.match(upload_id):
        raise ValueError(f"upload id {upload_id!r} is not a partition key")
    return f"transactions_{upload_id.lower()}"


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes for a transactions frame read back from the database (or cached as if it had been).
    A shallow copy: with copy-on-write, replacing its columns never touches the caller's frame, and columns
    already of the right dtype are shared rather than duplicated (a million rows: ~300 MB less at the load)."""
    frame = frame.copy(deep=False)
    frame["amount"] = frame["amount"].astype("float64")
    for col in ("posting_date", "value_date", "registration_date", "posted_at"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce").astype("datetime64[ns]")
    for col in ("upload_id", "voucher_id", "voucher_type", "account", "account_name", "currency", "description", "counterparty",
                "user_name", "reference", "dimensions", "entity", "source_format"):
        frame[col] = frame[col].astype("string")
    frame["line_number"] = frame["line_number"].astype("Int64")
    frame["is_removed"] = frame["is_removed"].astype(bool)
    frame["transaction_id"] = frame["transaction_id"].astype("int64")
    frame["row_number"] = frame["row_number"].astype("int64")
    return frame


def _binary_type(column: sa.Column) -> pa.DataType:
    """The Arrow type whose binary COPY encoding is what PostgreSQL reads for `column`."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):
        return pa.int64() if isinstance(kind, sa.BigInteger) else pa.int32()
    if isinstance(kind, sa.Float):  # before Numeric: Float is one
        return pa.float64()
    if isinstance(kind, sa.Numeric) and kind.precision is not None and kind.scale is not None:
        return pa.decimal128(kind.precision, kind.scale)
    if isinstance(kind, sa.DateTime):  # the same microseconds on the wire for timestamptz, read as UTC
        return pa.timestamp("us", tz="UTC" if kind.timezone else None)
    if isinstance(kind, sa.Date):
        return pa.date32()
    if isinstance(kind, sa.String):
        return pa.string()
    raise TypeError(f"no binary COPY encoding for {column.table.name}.{column.name} ({kind})")


def _conform(arrow: pa.Table, target: pa.Schema) -> pa.Table:
    """`arrow` cast to `target`, with the rounding PostgreSQL applies to the same values sent as text."""
    columns = []
    for field in target:
        column = arrow.column(field.name)
        if pa.types.is_decimal(field.type) and not pa.types.is_decimal(column.type):
            # numeric(p, s) rounds the decimal it reads half away from zero: 1.005 -> 1.01
            column = pc.round(column.cast(pa.decimal128(38, 10)), ndigits=field.type.scale,
                              round_mode="half_towards_infinity")
        # temporal casts may drop precision (a date column takes the day, as PostgreSQL does with a timestamp's
        # text; digits below the microsecond go); integers and decimals that do not fit fail, as on the server
        columns.append(pc.cast(column, field.type, safe=not pa.types.is_temporal(field.type)))
    return pa.table(columns, schema=target)


def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            # an object Series: a plain list would be re-inferred as datetime64, turning None back into NaT
            out[col] = pd.Series([v.to_pydatetime() if v is not None else None for v in out[col]],
                                 index=out.index, dtype=object)
    return out.to_dict(orient="records")
