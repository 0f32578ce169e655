"""The API's request and response shapes (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

UploadState = Literal["received", "processing", "loaded", "rejected", "failed", "duplicate"]
RunState = Literal["queued", "running", "succeeded", "failed"]


class Problem(BaseModel):
    """Every error answer: what went wrong, for a person (validation errors: a list naming each field)."""

    detail: str | list[Any]


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error codes answered with a `Problem`."""
    return {code: {"model": Problem} for code in codes}


class Message(BaseModel):
    status: str


class Check(BaseModel):
    check: str
    status: Literal["ok", "warning", "error", "skipped"]
    message: str
    fix: str = ""
    blocking: bool


class Detailed(BaseModel):
    status: Literal["ok", "warning", "error"]
    checks: list[Check]


class UploadStatus(BaseModel):
    upload_id: str
    status: UploadState
    status_url: str
    file_name: str | None = None
    file_format: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    transaction_count: int | None = None
    expected_rows: int | None = None
    strategy: str | None = None
    flagged: int | None = None
    received_at: datetime | None = None
    loaded_at: datetime | None = None
    load_seconds: float | None = None
    scoring_runs: int | None = None
    last_scored_at: datetime | None = None
    last_strategy: str | None = None
    scoring_seconds: float | None = None
    error: str | None = None
    warnings: list[Any] = Field(default_factory=list)
    entity: str | None = None
    mapping: Any = Field(default=None, description="the columns the reader took for each canonical field")
    mapping_report: Any = Field(default=None, description="how each header was mapped or why not")
    run_id: str | None = None
    run_status: RunState | None = None


class UploadPage(BaseModel):
    items: list[UploadStatus]
    limit: int
    offset: int
    has_more: bool


class AnalysisRequest(BaseModel):
    upload_ids: list[str] = Field(min_length=1, max_length=100, description="loaded uploads to rescore")
    strategy: str = Field(min_length=1, max_length=64)
    version: int | None = Field(default=None, ge=1, le=10**6, description="a stored version (default: the newest)")


class AnalysisRun(BaseModel):
    upload_id: str
    run_id: str
    status_url: str


class AnalysisAccepted(BaseModel):
    run_id: str = Field(description="the first upload's run; every run is in `runs`")
    runs: list[AnalysisRun]


class AnalysisStatus(BaseModel):
    run_id: str
    job: str
    upload_id: str | None
    strategy: str | None
    status: RunState
    steps_done: int
    steps_total: int | None
    error: str | None


class AlgorithmCount(BaseModel):
    algorithm: str
    status: str
    skip_reason: str | None = None
    flagged_count: int | None = None
    scored_count: int | None = None


class Anomaly(BaseModel):
    id: str = Field(description="<upload_id>-<transaction_id>: the path of its detail")
    upload_id: str
    transaction_id: int
    voucher_id: str | None
    account: str
    amount: float
    posting_date: date
    description: str | None
    risk_score: float
    is_anomaly: bool
    reasons: list[str] = Field(description="one entry per algorithm that fired, strongest first")


class AnomalyPage(BaseModel):
    strategy: str
    items: list[Anomaly]
    limit: int
    offset: int
    has_more: bool


class Baseline(BaseModel):
    """The same entity's earlier postings an upload was judged with: its norms are theirs and its own."""

    entity: str
    uploads: int = Field(description="earlier uploads of the entity the lines come from")
    lines: int = Field(description="earlier active lines (at most ENTITY_HISTORY_ROWS, the latest)")
    first: date = Field(description="first posting date among them")
    last: date = Field(description="last posting date among them (before the upload's first)")


class AnalysisResults(AnomalyPage):
    run_id: str
    upload_id: str
    flagged_transactions: int
    flagged_vouchers: int
    algorithms: list[AlgorithmCount]
    judged_with: Baseline | None = Field(
        None, description="the entity history the upload was judged with; null: the upload alone")


class Transaction(BaseModel):
    id: str
    upload_id: str
    transaction_id: int
    voucher_id: str | None
    voucher_type: str | None = Field(None, description="the voucher's journal, series or kind of transaction")
    posting_date: date
    account: str
    amount: float
    currency: str | None
    description: str | None
    counterparty: str | None
    user_name: str | None
    risk_score: float
    is_anomaly: bool
    reasons: list[str]


class TransactionPage(BaseModel):
    strategy: str
    items: list[Transaction]
    limit: int
    offset: int
    has_more: bool


class AlgorithmScore(BaseModel):
    algorithm: str
    status: str
    skip_reason: str | None
    score: float
    flagged: bool
    severity: str | None
    reason: str | None


class Risk(BaseModel):
    risk_score: float
    voucher_risk: float | None
    is_anomaly: bool
    reasons: list[str]


class TransactionDetail(BaseModel):
    id: str
    strategy: str
    transaction: dict[str, Any] = Field(description="every stored canonical field")
    raw: Any = Field(description="the source record as read from the file")
    risk: Risk | None
    algorithms: list[AlgorithmScore]
    voucher_lines: list[dict[str, Any]]


class StrategySummary(BaseModel):
    model_config = {"extra": "allow"}
    name: str
    version: int
    is_preset: bool
    threshold: float
    enabled: list[str]
    description: str


class StrategyDocument(BaseModel):
    """A strategy as `strategies export` writes it: threshold, description and per-algorithm settings."""

    model_config = {"extra": "allow"}
    name: str | None = None
    description: str | None = None
    threshold: float | None = None
    algorithms: dict[str, Any] | None = None


class StrategyCreate(StrategyDocument):
    name: str = Field(min_length=1, max_length=64)


class StrategyStored(BaseModel):
    model_config = {"extra": "allow"}
    name: str
    version: int
    is_preset: bool
