"""Shared fixtures: real PostgreSQL (a throwaway database per test session) and SQLite, isolated dirs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = (REPO.parent / "shared" / "data" / "real").resolve()
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def real_file(relative: str) -> Path:
    path = REAL_DATA / relative
    if not path.exists():
        pytest.fail(f"missing shared test data {path}: tests expect ../shared/data/real beside the checkout")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL for this test session, dropped afterwards."""
    name = f"anomaly_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    yield url
    from anomaly_pipeline.storage.warehouse import _engines

    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(url: str) -> None:
    wh = Warehouse(url)
    wh.migrate()
    with wh.engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(sa.delete(table))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    """Each test using it runs once on SQLite and once on PostgreSQL, starting from empty tables."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.fixture
def pg_url(postgres_url) -> str:
    """PostgreSQL only, empty tables."""
    _truncate(postgres_url)
    return postgres_url


@pytest.fixture
def env(tmp_path, monkeypatch, database_url) -> dict:
    """Settings pointing at temp folders and the parametrized database."""
    return _set_env(tmp_path, monkeypatch, database_url)


@pytest.fixture
def pg_env(tmp_path, monkeypatch, pg_url) -> dict:
    return _set_env(tmp_path, monkeypatch, pg_url)


def _set_env(tmp_path: Path, monkeypatch, url: str) -> dict:
    values = {
        "DATABASE_URL": url,
        "ANOMALY_DATA_DIR": str(tmp_path / "data"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "DEFAULT_STRATEGY": "balanced",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    (tmp_path / "uploads").mkdir()
    return {**values, "tmp": tmp_path}


@pytest.fixture
def minimal_strategy(monkeypatch, tmp_path) -> str:
    """DEFAULT_STRATEGY = a stored strategy with the robust z-score only: for tests about loading, crashes
    and concurrency, where running all detectors on every run would only cost time. Needs `env`/`pg_env`."""
    from anomaly_pipeline.detect.registry import ALGORITHMS
    from anomaly_pipeline.strategies.store import create_strategy

    document = {"name": "zscore-only", "threshold": 0.5,
                "algorithms": {name: {"enabled": name == "robust_zscore"} for name in ALGORITHMS}}
    wh = Warehouse(os.environ["DATABASE_URL"])
    wh.migrate()
    create_strategy(wh, "zscore-only", document)
    monkeypatch.setenv("DEFAULT_STRATEGY", "zscore-only")
    return "zscore-only"
