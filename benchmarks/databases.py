"""A new, empty PostgreSQL database for one measurement, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def sqlalchemy_url(name: str, admin_url: str = ADMIN_URL) -> str:
    """The pipeline's DATABASE_URL of database `name` on `admin_url`'s server."""
    return admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


@contextmanager
def new_database(prefix: str, admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A database named `<prefix>_<random>` for the block; its name. Dropped (connections closed) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
