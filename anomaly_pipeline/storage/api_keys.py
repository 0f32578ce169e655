"""API keys: create (the key is returned once), list, revoke, and check a presented key by its hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse, now

KEY_PREFIX = "ap_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(wh: Warehouse, name: str) -> tuple[int, str]:
    """A new key named `name`: (key_id, the key). Only its hash is stored: show the key to the user now."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    table = schema.api_keys
    with wh.engine.begin() as conn:
        result = conn.execute(table.insert().values(name=name[:64], prefix=key[:10], key_hash=_digest(key),
                                                    created_at=now()))
        key_id = int(result.inserted_primary_key[0])
    return key_id, key


def list_keys(wh: Warehouse) -> list[dict[str, Any]]:
    """Every key (revoked ones included), oldest first, without the key itself."""
    table = schema.api_keys
    query = sa.select(table.c.key_id, table.c.name, table.c.prefix, table.c.created_at,
                      table.c.revoked_at).order_by(table.c.key_id)
    with wh.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def revoke_key(wh: Warehouse, key_id: int) -> bool:
    """Revoke a key; False when no active key has that id."""
    table = schema.api_keys
    with wh.engine.begin() as conn:
        result = conn.execute(table.update().where(table.c.key_id == key_id, table.c.revoked_at.is_(None))
                              .values(revoked_at=now()))
    return result.rowcount == 1


def active_key_count(wh: Warehouse) -> int:
    table = schema.api_keys
    with wh.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.revoked_at.is_(None))).scalar_one())


def is_valid_key(wh: Warehouse, key: str) -> bool:
    """Whether `key` is an active key (looked up by its hash, compared in constant time)."""
    digest = _digest(key)
    table = schema.api_keys
    with wh.engine.connect() as conn:
        stored = conn.execute(sa.select(table.c.key_hash).where(table.c.key_hash == digest,
                                                                 table.c.revoked_at.is_(None))).scalar()
    return stored is not None and hmac.compare_digest(stored, digest)
