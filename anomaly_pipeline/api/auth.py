"""Bearer API keys: every route but liveness and readiness depends on `require_key`."""

from __future__ import annotations

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from anomaly_pipeline.app import keys

bearer = HTTPBearer(auto_error=False, description="an API key from `anomaly-pipeline apikeys create NAME`")


def require_key(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(401, "missing API key: send Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        valid = len(credentials.credentials) <= 200 and keys.is_valid(credentials.credentials)
    except Exception:  # noqa: BLE001 - the database is down: say so rather than call the key wrong
        raise HTTPException(503, "cannot check the API key: the database does not answer "
                                 "(see /api/v1/health/readiness)") from None
    if not valid:
        raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
