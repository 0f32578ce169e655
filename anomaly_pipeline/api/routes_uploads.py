"""Uploads and analysis runs: POST a file, follow its status, rescore uploads with a strategy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from anomaly_pipeline.api.auth import require_key
from anomaly_pipeline.api.models import (
    AnalysisAccepted,
    AnalysisRequest,
    AnalysisResults,
    AnalysisRun,
    AnalysisStatus,
    UploadPage,
    UploadStatus,
    problems,
)
from anomaly_pipeline.api.routes_review import anomaly_items
from anomaly_pipeline.api.upload_stream import BadUpload, UploadTooLarge, receive
from anomaly_pipeline.app import results, uploads
from anomaly_pipeline.app import strategies as strategy_app
from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import Conflict, Invalid, NotFound
from anomaly_pipeline.settings import get_settings

router = APIRouter(tags=["uploads and analysis"], dependencies=[Depends(require_key)],
                   responses=problems(400, 401, 422, 503))
UPLOAD_ID = Path(pattern=r"^[0-9a-f]{1,32}$", max_length=32, description="the upload's content-hash id")
RUN_ID = Path(max_length=64, description="a Dagster run id")
MAX_PAGE = 500
MULTIPART_OVERHEAD = 1 << 20  # room for the boundaries, headers, strategy and mapping fields
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the ledger or bank file"},
        "strategy": {"type": "string", "description": "strategy to score with (default DEFAULT_STRATEGY)"},
        "mapping": {"type": "string", "format": "binary",
                    "description": "a mapping sidecar (YAML: canonical_field: column header)"},
    }}}}}}
ERRORS = problems(400, 413, 415)


def status_url(upload_id: str) -> str:
    return f"/api/v1/upload/{upload_id}/status"


def _status(answer: dict) -> UploadStatus:
    return UploadStatus(**{**answer, "warnings": answer.get("warnings") or [],
                           "status_url": status_url(answer["upload_id"])})


@router.post("/upload", status_code=202, response_model=UploadStatus, openapi_extra=UPLOAD_BODY, responses={
    **ERRORS, 200: {"model": UploadStatus, "description": "byte-identical to an upload already loaded "
                                                          "(status duplicate) or rejected"}})
async def upload(request: Request):
    """Store the file (streamed to disk, the size enforced while reading) and queue the same Dagster job a
    dropped file gets. 202 with the upload id and its status URL; 200 when the bytes are already an upload.
    A file that cannot be read ends `rejected` with the reason, as in the CLI."""
    settings = get_settings()
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise HTTPException(415, "send the file as multipart/form-data with a `file` part")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_file_size + MULTIPART_OVERHEAD:
        raise HTTPException(413, f"the file is larger than MAX_FILE_SIZE ({settings.max_file_size} bytes)")
    try:
        received = await receive(request.stream(), content_type, settings.data_dir / uploads.INCOMING,
                                 settings.max_file_size)
    except UploadTooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except BadUpload as exc:
        raise HTTPException(400, str(exc)) from None
    try:
        strategy = received.fields.get("strategy", b"").decode("utf-8").strip() or None
    except UnicodeDecodeError:
        received.discard()
        raise Invalid("strategy: not UTF-8 text") from None
    try:
        answer, queued = uploads.accept(received.path, received.file_name, received.sha256,
                                        request.app.state.runs, strategy=strategy,
                                        mapping=received.fields.get("mapping") or None)
    except BaseException:
        received.discard()
        raise
    body = _status(answer)
    return JSONResponse(body.model_dump(mode="json"), status_code=202 if queued else 200,
                        headers={"Location": body.status_url})


@router.get("/upload/history", response_model=UploadPage)
def history(limit: int = Query(50, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0, le=10**9)) -> UploadPage:
    """Uploads, newest first, paged."""
    rows = uploads.history(limit=limit + 1, offset=offset)
    items = [_status({**row, "status": row["status"] if row["status"] in ("received", "loaded", "rejected")
                      else "failed"}) for row in rows[:limit]]
    return UploadPage(items=items, limit=limit, offset=offset, has_more=len(rows) > limit)


@router.get("/upload/{upload_id}/status", response_model=UploadStatus, responses=problems(404))
def upload_status(request: Request, upload_id: str = UPLOAD_ID) -> UploadStatus:
    """received / processing / loaded / rejected / failed, with counts, timings, error, warnings, the
    reader's column mapping and the Dagster run."""
    return _status(uploads.live_status(upload_id, request.app.state.runs))


@router.post("/analysis/run", status_code=202, response_model=AnalysisAccepted, responses=problems(404, 409))
def run_analysis(request: Request, body: AnalysisRequest) -> AnalysisAccepted:
    """Rescore loaded uploads with a strategy (newest or given version) through the `rescore_upload` job:
    one Dagster run per upload. Other strategies' results stay."""
    try:
        strategy = strategy_app.get(body.strategy, body.version)
    except NotFound as exc:
        raise Invalid(f"strategy: {exc}") from None
    wh = warehouse()
    for upload_id in body.upload_ids:
        upload = wh.get_upload(upload_id)
        if upload is None:
            raise Invalid(f"upload_ids: no upload {upload_id!r}")
        if upload["status"] != "loaded":
            raise Conflict(f"upload {upload_id} is {upload['status']}, not loaded")
    runs = [AnalysisRun(upload_id=u, run_id=(run_id := request.app.state.runs.submit_rescore(
        u, strategy.name, body.version)), status_url=f"/api/v1/analysis/{run_id}/status")
        for u in dict.fromkeys(body.upload_ids)]
    return AnalysisAccepted(run_id=runs[0].run_id, runs=runs)


def _run(request: Request, run_id: str) -> dict:
    state = request.app.state.runs.state(run_id)
    if state is None:
        raise NotFound(f"no run {run_id!r}")
    return state


@router.get("/analysis/{run_id}/status", response_model=AnalysisStatus, responses=problems(404))
def analysis_status(request: Request, run_id: str = RUN_ID) -> AnalysisStatus:
    """queued / running / succeeded / failed, with the steps done of the run's steps."""
    return AnalysisStatus(**_run(request, run_id))


@router.get("/analysis/{run_id}/results", response_model=AnalysisResults, responses=problems(404, 409))
def analysis_results(request: Request, run_id: str = RUN_ID, limit: int = Query(100, ge=1, le=MAX_PAGE),
                     offset: int = Query(0, ge=0, le=10**9)) -> AnalysisResults:
    """A finished run's per-algorithm counts and its flagged transactions, strongest first, paged."""
    state = _run(request, run_id)
    if state["status"] != "succeeded" or not state["upload_id"]:
        raise Conflict(f"run {run_id} is {state['status']}: results exist once it has succeeded")
    upload_id, strategy = state["upload_id"], state["strategy"] or get_settings().default_strategy
    items, has_more = anomaly_items(upload_id, strategy, limit, offset)
    flagged, vouchers = results.flagged_counts(upload_id, strategy)
    return AnalysisResults(run_id=run_id, upload_id=upload_id, strategy=strategy, items=items, limit=limit,
                           offset=offset, has_more=has_more, flagged_transactions=flagged,
                           flagged_vouchers=vouchers, algorithms=results.algorithm_counts(upload_id, strategy),
                           judged_with=results.baseline(upload_id, strategy))
