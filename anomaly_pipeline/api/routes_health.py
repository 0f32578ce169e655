"""Health: liveness and readiness for orchestrators (no key), the doctor's checks (key)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from anomaly_pipeline.api.auth import require_key
from anomaly_pipeline.api.models import Detailed, Message, problems
from anomaly_pipeline.app import health

router = APIRouter(tags=["health"])
UNREADY = problems(503)
KEYED = problems(401, 503)


@router.get("/health", response_model=Message, dependencies=[Depends(require_key)], responses=KEYED)
def up() -> Message:
    """The process is up (no I/O beyond the key check)."""
    return Message(status="ok")


@router.get("/health/liveness", response_model=Message)
def liveness() -> Message:
    """The process is up; no key, no I/O."""
    return Message(status="alive")


@router.get("/health/readiness", response_model=Message, responses=UNREADY)
def readiness():
    """200 when the database answers and its schema is current; 503 with the reason otherwise. No key."""
    reason = health.readiness()
    if reason is not None:
        return JSONResponse({"detail": reason}, status_code=503)
    return Message(status="ready")


@router.get("/health/detailed", response_model=Detailed, dependencies=[Depends(require_key)], responses=KEYED)
def detailed() -> Detailed:
    """The `anomaly-pipeline doctor` checks: database, migrations, upload and data folders, Dagster."""
    findings = health.doctor()
    worst = "error" if any(f.status == "error" for f in findings) else \
        "warning" if any(f.status == "warning" for f in findings) else "ok"
    return Detailed(status=worst, checks=[{**asdict(f), "blocking": f.blocking} for f in findings])
