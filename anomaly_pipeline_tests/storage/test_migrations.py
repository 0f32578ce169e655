"""The Alembic migrations create exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from anomaly_pipeline.storage.schema import include_in_migrations, metadata
from anomaly_pipeline.storage.warehouse import Warehouse


def test_migrations_match_the_declared_schema(database_url):
    wh = Warehouse(database_url)
    wh.migrate()
    assert wh.pending_migrations() == []
    with wh.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_in_migrations})
        diff = compare_metadata(context, metadata)
    assert diff == []
