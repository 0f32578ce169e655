"""The Alembic migrations create exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from anomaly_pipeline.storage.schema import metadata
from anomaly_pipeline.storage.warehouse import Warehouse


def test_migrations_match_the_declared_schema(database_url):
    wh = Warehouse(database_url)
    wh.migrate()
    assert wh.pending_migrations() == []
    with wh.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
