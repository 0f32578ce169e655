"""API keys for the HTTP API: create (shown once), list, revoke, check."""

from __future__ import annotations

from typing import Any

from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import NotFound
from anomaly_pipeline.storage import api_keys


def create(name: str) -> tuple[int, str]:
    """(key_id, key): the key is not stored, only its hash."""
    return api_keys.create_key(warehouse(), name)


def list_keys() -> list[dict[str, Any]]:
    return api_keys.list_keys(warehouse())


def revoke(key_id: int) -> None:
    if not api_keys.revoke_key(warehouse(), key_id):
        raise NotFound(f"no active API key with id {key_id}")


def is_valid(key: str) -> bool:
    return api_keys.is_valid_key(warehouse(), key)


def ensure_one() -> str | None:
    """When no active key exists, create one named `local` and return it (for a zero-config local start);
    else None: the API never answers without a key."""
    wh = warehouse()
    if api_keys.active_key_count(wh):
        return None
    return api_keys.create_key(wh, "local")[1]
