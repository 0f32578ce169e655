"""The Dagster instance of the CLI's runs and of `doctor`: DAGSTER_HOME when set (runs show in the UI), else an
ephemeral one (nothing kept).

A DAGSTER_HOME folder that does not exist yet is created with the project's instance settings
(`dagster_home.yaml`: queued runs, run monitoring, no telemetry). A folder that exists is the user's and is
used as it is, with or without a dagster.yaml. Dagster's notices about a folder without dagster.yaml (the
"No dagster instance configuration file" warning, the telemetry welcome printed once per folder) are
Dagster's, not the command's output: they are kept off stderr, which carries only the pipeline's own lines.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

INSTANCE_SETTINGS = Path(__file__).with_name("dagster_home.yaml")
_NOTICE = "No dagster instance configuration file"


def dagster_home() -> Path | None:
    home = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(home).expanduser() if home else None


def prepare_dagster_home(home: Path) -> bool:
    """Create `home` with the project's dagster.yaml when it does not exist; True when it was created."""
    if home.exists():
        return False
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE_SETTINGS.read_text(encoding="utf-8"), encoding="utf-8")
    return True


class _DropNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_NOTICE)


@contextmanager
def _without_dagster_notices() -> Iterator[None]:
    logger = logging.getLogger("dagster")
    notice = _DropNotice()
    logger.addFilter(notice)
    try:
        yield
    finally:
        logger.removeFilter(notice)


def load_instance() -> dg.DagsterInstance:
    """The DAGSTER_HOME instance (DAGSTER_HOME must be set), its folder created first when missing."""
    home = dagster_home()
    if home is None:
        raise RuntimeError("DAGSTER_HOME is not set")
    prepare_dagster_home(home)
    with _without_dagster_notices():
        instance = dg.DagsterInstance.get()
    if instance.telemetry_enabled and not (home / ".telemetry" / "id.yaml").exists():
        # Dagster writes the folder's telemetry id on its first run and prints a welcome to stderr when it does
        from dagster_shared.telemetry import get_or_set_instance_id

        with redirect_stderr(io.StringIO()):
            get_or_set_instance_id()
    return instance


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """The instance from DAGSTER_HOME when set (runs show up in the UI), else an ephemeral one whose run
    storage may be read while a run writes to it (see `_serialize_run_storage`)."""
    if dagster_home() is not None:
        with load_instance() as instance:
            kept = (_reuse_event_log_engines(instance), _reuse_run_storage_engine(instance))
            try:
                yield instance
            finally:
                for engine in (engine for engines in kept for engine in list(engines)):
                    engine.dispose()  # close the pooled connections with the instance
    else:
        with dg.DagsterInstance.ephemeral() as instance:
            _serialize_run_storage(instance)
            yield instance


def _serialize_run_storage(instance: dg.DagsterInstance) -> None:
    """One connection at a time to the ephemeral instance's run storage, as Dagster already does for its
    in-memory event log. Both live in shared-cache in-memory SQLite, where a table lock held by one connection
    fails another at once ("database table is locked") instead of waiting: a run whose status update met a
    concurrent status read (the CLI's progress display, the API's status answers) never left `NOT_STARTED`."""
    storage = instance.run_storage
    connect = storage.connect
    lock = threading.RLock()  # re-entrant: a storage method may connect again inside a connection

    @contextmanager
    def serialized() -> Iterator[object]:
        with lock, connect() as conn:
            yield conn

    storage.connect = serialized  # type: ignore[method-assign]


_ENGINES_KEPT = 16  # shards: the index and the runs this process is writing


def _reuse_event_log_engines(instance: dg.DagsterInstance) -> Iterable[sa.Engine]:
    """Dagster's SQLite event log (a DAGSTER_HOME without other storage) builds a SQLAlchemy engine for every
    connection and opens a new SQLite connection each time (NullPool), and a run stores each event through one
    to four connections: a small upload's run opened some 840. This keeps one engine per shard file with a
    pool of open connections (SQLAlchemy's default for a SQLite file), each connection still used in its own
    transaction with the same busy timeout, lock and first-use initialisation, and commits with
    synchronous=NORMAL (`_sync_normal`). Pooled connections also keep the WAL open: closing the last connection
    made SQLite checkpoint the WAL into the database and delete it at every event. Any other event storage is
    left alone."""
    try:
        from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
        from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
    except ImportError:
        return ()
    storage = instance.event_log_storage
    if type(storage) is not SqliteEventLogStorage or not all(
            hasattr(storage, name) for name in ("_connect", "_db_lock", "_initialized_dbs", "_initdb")):
        return ()
    engines: OrderedDict[str, sa.Engine] = OrderedDict()  # url -> engine, least recently used first

    @contextmanager
    def connect(shard: str) -> Iterator[sa.Connection]:
        with storage._db_lock:
            url = storage.conn_string_for_shard(shard)
            engine = engines.get(url)
            if engine is None:
                engine = engines[url] = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
                sa.event.listen(engine, "connect", _sync_normal)
                while len(engines) > _ENGINES_KEPT:
                    engines.popitem(last=False)[1].dispose()
            engines.move_to_end(url)
            if shard not in storage._initialized_dbs:
                storage._initdb(engine)  # creates the file and turns WAL on, before a pooled connection holds it
                storage._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    storage._connect = connect  # type: ignore[method-assign]
    return engines.values()  # a live view: the engines kept when the instance closes


def _reuse_run_storage_engine(instance: dg.DagsterInstance) -> Iterable[sa.Engine]:
    """Dagster's SQLite run storage (runs.db) also builds an engine and opens a new connection for every
    access (NullPool); a small upload's run made some 245. This keeps one engine with a pool of open
    connections, each still used in its own transaction. Any other run storage is left alone."""
    try:
        from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
        from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
    except ImportError:
        return ()
    storage = instance.run_storage
    if type(storage) is not SqliteRunStorage or not isinstance(getattr(storage, "_conn_string", None), str):
        return ()
    engine = sa.create_engine(storage._conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

    @contextmanager
    def connect() -> Iterator[sa.Connection]:
        with engine.connect() as conn, conn.begin():
            yield conn

    storage.connect = connect  # type: ignore[method-assign]
    return (engine,)


def _sync_normal(dbapi_connection: object, _record: object) -> None:
    """WAL with synchronous=NORMAL, SQLite's advice for WAL: a commit no longer waits for the disk (the WAL
    is synced at checkpoints), and the file stays consistent after a crash; a power cut may lose the last
    events. Each of a small upload's ~400 events was a commit waiting for fsync."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
