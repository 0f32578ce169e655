"""Alembic environment: the URL comes from the caller's config or from DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage.schema import include_in_migrations, metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      include_object=include_in_migrations)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
