"""Bulk writes in slices (COPY on PostgreSQL, batched inserts on SQLite) store exactly the frame they get."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa

from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage import schema, warehouse
from anomaly_pipeline.storage.warehouse import Warehouse

RESULTS = (schema.anomaly_scores, schema.rule_flags, schema.transaction_risk)
KEY = "0123456789abcdef"
PLAIN_LEDGER = "Date,Voucher,Account,Amount\n" + "".join(f"2024-01-{d:02d},V{d},1930,{d}\n" for d in range(1, 11))


def _registered(env: dict, text: str) -> tuple[Warehouse, pd.DataFrame]:
    """The warehouse with upload KEY registered, and the canonical frame of the ledger `text`."""
    path = env["tmp"] / "ledger.csv"
    path.write_text(text, encoding="utf-8")
    frame = read_file(path, get_settings())[1].frame
    wh = Warehouse(env["DATABASE_URL"])
    wh.migrate()
    wh.register_upload(upload_id=KEY, sha256="0" * 64, file_name="ledger.csv", size_bytes=1, file_format="csv",
                       status="received", stored_path=str(path))
    return wh, frame


def test_a_load_written_in_many_slices_reads_back_identical(env, monkeypatch):
    monkeypatch.setattr(warehouse, "COPY_SLICE_ROWS", 3)
    monkeypatch.setattr(warehouse, "SQLITE_BATCH_ROWS", 3)
    wh, frame = _registered(env, 'Date,Voucher,Account,Amount,Description\n' + "".join(
        f'2024-01-{d:02d},V{d},1930,{d}.5,"line {d}, with ""quotes"" and\na break"\n' for d in range(1, 11)))
    frame.loc[[2, 5], "is_removed"] = True  # removed (#BTRANS) lines are stored and written, not active
    # what the run's row-count check uses: every row written, summed over the parallel COPY streams on PostgreSQL
    assert wh.store_transactions(KEY, frame, {"file_format": "csv"}) == warehouse.StoredRows(active=8, written=10)
    wh.cache.drop(KEY)  # read the database, not the cached frame
    stored = wh.read_transactions(KEY, include_raw=True)
    assert len(stored) == 10
    assert stored["description"].tolist() == [f'line {d}, with "quotes" and\na break' for d in range(1, 11)]
    assert stored["amount"].tolist() == [d + 0.5 for d in range(1, 11)]
    pd.testing.assert_series_equal(stored["raw"].astype(str), frame["raw"].astype(str), check_names=False)


def test_deleting_an_upload_still_removes_its_results_on_postgresql(pg_env):
    """Migration 0002 dropped the per-row foreign keys of the result tables; a trigger keeps the cascade."""
    wh = Warehouse(pg_env["DATABASE_URL"])
    wh.migrate()
    key = "fedcba9876543210"
    wh.register_upload(upload_id=key, sha256="1" * 64, file_name="x.csv", size_bytes=1, file_format="csv",
                       status="loaded", stored_path="/nowhere")
    rows = pd.DataFrame({"transaction_id": [1, 2], "score": [0.5, 0.9], "flagged": [False, True],
                         "reason": [None, "why"], "upload_id": key, "strategy": "balanced", "algorithm": "x"})
    wh.replace_rows(schema.anomaly_scores, rows, {"upload_id": key})
    wh.replace_rows(schema.rule_flags, rows.drop(columns=["flagged", "algorithm"]).assign(
        rule="r", severity="high", reason="why"), {"upload_id": key})
    wh.replace_rows(schema.transaction_risk, rows[["upload_id", "strategy", "transaction_id"]].assign(
        risk_score=0.4, is_anomaly=False), {"upload_id": key})
    assert [wh.count_rows(t, upload_id=key) for t in RESULTS] == [2, 2, 2]
    with wh.engine.begin() as conn:
        conn.execute(schema.file_uploads.delete().where(schema.file_uploads.c.upload_id == key))
    assert [wh.count_rows(t, upload_id=key) for t in RESULTS] == [0, 0, 0]


def test_score_indexes_cover_only_flagged_rows(database_url):
    """Migration 0003: review queries (flagged rows by score) are indexed; the many unflagged rows are not."""
    wh = Warehouse(database_url)
    wh.migrate()
    inspector = sa.inspect(wh.engine)
    dialect = "postgresql" if wh.is_postgres else "sqlite"
    for table, index, condition in (("anomaly_scores", "ix_anomaly_scores_flagged", "flagged"),
                                    ("transaction_risk", "ix_transaction_risk_anomalies", "is_anomaly")):
        found = {i["name"]: i for i in inspector.get_indexes(table)}
        assert index in found and found[index]["column_names"] == ["upload_id", "strategy",
                                                                   "score" if table == "anomaly_scores" else "risk_score"]
        assert condition in str(found[index]["dialect_options"][f"{dialect}_where"])
        assert not {"ix_anomaly_scores_score", "ix_transaction_risk_score"} & set(found)


def _staging_tables(wh: Warehouse) -> list[str]:
    with wh.engine.connect() as conn:
        return conn.execute(sa.text("SELECT relname FROM pg_class WHERE relname LIKE 'transactions\\_%\\_new%'")
                            ).scalars().all()


def test_a_load_copied_in_parallel_streams_replaces_the_partition_and_leaves_no_staging(pg_env, monkeypatch):
    monkeypatch.setattr(warehouse, "COPY_SLICE_ROWS", 2)  # 10 rows: two streams of several slices each
    key = KEY
    wh, frame = _registered(pg_env, PLAIN_LEDGER)
    with wh.engine.begin() as conn:  # a staging table left behind by a load that crashed
        conn.execute(sa.text(f'CREATE TABLE "transactions_{key}_newdeadbeef" (LIKE transactions)'))
    assert wh.store_transactions(key, frame, {"file_format": "csv"}).active == 10
    assert wh.store_transactions(key, frame.iloc[:4], {"file_format": "csv"}).active == 4
    wh.cache.drop(key)
    assert wh.read_transactions(key)["amount"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert _staging_tables(wh) == []


def test_a_load_that_fails_keeps_the_previous_rows_and_leaves_no_staging(pg_env, monkeypatch):
    monkeypatch.setattr(warehouse, "COPY_SLICE_ROWS", 2)
    key = KEY
    wh, frame = _registered(pg_env, PLAIN_LEDGER)
    wh.store_transactions(key, frame, {"file_format": "csv"})
    broken = frame.copy()
    broken.loc[7, "account"] = None  # NOT NULL: the second stream's COPY fails
    with pytest.raises(psycopg.errors.NotNullViolation, match="account"):
        wh.store_transactions(key, broken, {"file_format": "csv"})
    wh.cache.drop(key)
    assert wh.read_transactions(key)["amount"].tolist() == [float(d) for d in range(1, 11)]
    assert wh.get_upload(key)["transaction_count"] == 10
    assert _staging_tables(wh) == []


def test_binary_copy_stores_what_postgresql_would_parse_from_the_same_values_as_text(pg_env):
    """Loads are COPYed in PostgreSQL's binary format: amounts round half away from zero as numeric(18, 2)
    rounds text, timestamps keep their microseconds, a date's time of day is dropped, NULL and '' stay apart."""
    wh, frame = _registered(pg_env, PLAIN_LEDGER)
    frame = frame.head(4).copy()
    frame["amount"] = [1.005, -0.125, 2.675, 0.30000000000000004]
    frame["posted_at"] = pd.to_datetime([None, "2024-01-01 12:34:56.789123", "2024-02-29 23:59:59.999999",
                                         "2024-03-01 00:00:00"], format="ISO8601")
    frame["posting_date"] = pd.to_datetime(["2024-01-01 13:00", "1999-12-31", "2024-02-29", "2024-03-01"],
                                          format="ISO8601")
    frame["description"] = pd.array([None, "", 'åäö "quoted", comma\nnewline', "\\backslash"], dtype="string")
    frame["line_number"] = pd.array([None, 7, 8, 9], dtype="Int64")
    assert wh.store_transactions(KEY, frame, {"file_format": "csv"}).active == 4
    with psycopg.connect(pg_env["DATABASE_URL"].replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT amount::text, posted_at::text, posting_date::text, description, line_number "
                            "FROM transactions WHERE upload_id = %s ORDER BY transaction_id", (KEY,)).fetchall()
    assert rows == [
        ("1.01", None, "2024-01-01", None, None),
        ("-0.13", "2024-01-01 12:34:56.789123", "1999-12-31", "", 7),
        ("2.68", "2024-02-29 23:59:59.999999", "2024-02-29", 'åäö "quoted", comma\nnewline', 8),
        ("0.30", "2024-03-01 00:00:00", "2024-03-01", "\\backslash", 9),
    ]


def test_two_writers_of_the_same_results_take_turns_and_the_later_rows_stand(pg_url):
    wh = Warehouse(pg_url)
    wh.migrate()
    where = {"upload_id": KEY, "strategy": "balanced", "algorithm": "robust_zscore"}

    def scores(value: float) -> pd.DataFrame:
        return pd.DataFrame({"transaction_id": [1, 2], "score": [value, value], "flagged": [True, False],
                             "reason": ["r", None]}).assign(**where)

    first = wh.engine.connect()
    first.begin()
    wh.replace_rows(schema.anomaly_scores, scores(0.1), where, first)  # not committed yet
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(wh.replace_rows, schema.anomaly_scores, scores(0.2), where)
        time.sleep(0.5)
        assert not second.done()  # waits for the first writer instead of failing on its keys
        first.commit()
        first.close()
        assert second.result(timeout=30) == 2
    with wh.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.anomaly_scores.c.transaction_id, schema.anomaly_scores.c.score)
                              .order_by(schema.anomaly_scores.c.transaction_id)).all()
    assert [tuple(r) for r in stored] == [(1, 0.2), (2, 0.2)]
