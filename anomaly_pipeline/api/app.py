"""The FastAPI application: `app` for any ASGI server (`uvicorn anomaly_pipeline.api.app:app`).

At start it migrates the database, creates a key named `local` when no active key exists (printed once on
stderr: a zero-config start is usable and never open), opens the `RunService` that runs uploads and
rescoring as Dagster runs in this process, and starts the ML worker process (`detect.ml_process`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from anomaly_pipeline.api import routes_health, routes_review, routes_strategies, routes_uploads
from anomaly_pipeline.app.errors import Conflict, Invalid, NotFound
from anomaly_pipeline.settings import cors_origins, worker_runs

log = logging.getLogger("anomaly_pipeline.api")
PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from anomaly_pipeline.app import keys
    from anomaly_pipeline.app.context import warehouse
    from anomaly_pipeline.app.runs import RunService
    from anomaly_pipeline.detect import ml_process

    try:
        warehouse()  # migrate before the first request
        key = keys.ensure_one()
    except Exception as exc:  # noqa: BLE001 - serve anyway: readiness answers 503 with the reason
        log.error("database not available at start: %s", exc)
        key = None
    if key is not None:
        print(f"No API key existed: created key 'local' (shown once, store it):\n  {key}\n"
              f"Use it as `Authorization: Bearer {key}`; manage keys with `anomaly-pipeline apikeys`.",
              file=sys.stderr, flush=True)
    app.state.runs = RunService(workers=worker_runs())
    ml_process.start()  # the models of small uploads fit on the other core while their rules run
    try:
        yield
    finally:
        app.state.runs.close()
        ml_process.stop()


def create_app() -> FastAPI:
    app = FastAPI(title="anomaly_pipeline", version="1", lifespan=lifespan,
                  description="Upload ledgers and bank files, follow their processing, review anomalies with "
                              "their reasons, manage strategies. Every path but liveness and readiness needs "
                              "`Authorization: Bearer <key>`.")
    origins = cors_origins()
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=["GET", "POST", "PUT"],
                           allow_headers=["Authorization", "Content-Type"])
    for module in (routes_health, routes_uploads, routes_review, routes_strategies):
        app.include_router(module.router, prefix=PREFIX)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Invalid)
    async def invalid(request: Request, exc: Invalid) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the server log"},
                            status_code=500)

    return app


app = create_app()
