"""Results: flagged transactions with risk and reasons, transactions filtered and explained, the auditor
workbook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from anomaly_pipeline.app.context import warehouse
from anomaly_pipeline.app.errors import Invalid, NotFound
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage import review
from anomaly_pipeline.storage.review import TransactionFilter

if TYPE_CHECKING:  # the workbook's writer (openpyxl) is imported by `export` alone: not on `process`'s start
    from anomaly_pipeline.reporting.export import ExportSummary


def _strategy(strategy: str | None) -> str:
    return strategy or get_settings().default_strategy


def anomalies(upload_id: str | None = None, strategy: str | None = None, include_all: bool = False,
              limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """Transactions with their risk under `strategy` (default DEFAULT_STRATEGY), strongest first: the
    anomalies only, or every transaction. Dates as YYYY-MM-DD."""
    frame = warehouse().anomalies(upload_id, _strategy(strategy), include_all=include_all, limit=limit,
                                  offset=offset)
    frame["posting_date"] = pd.to_datetime(frame["posting_date"]).dt.strftime("%Y-%m-%d")
    return frame


def reasons_list(reasons: str | None) -> list[str]:
    """A transaction's reasons ("algorithm: reason; algorithm: reason", strongest first) as a list, one entry per
    algorithm; a reason's own "; " stays inside its entry."""
    if not isinstance(reasons, str) or not reasons:
        return []
    return _REASON_START.split(reasons)


def _reason_start() -> re.Pattern[str]:
    from anomaly_pipeline.detect.registry import ALGORITHMS

    names = "|".join(sorted(map(re.escape, ALGORITHMS), key=len, reverse=True))
    return re.compile(rf"; (?=(?:{names}): )")


_REASON_START = _reason_start()


def require_results(upload_id: str | None = None, strategy: str | None = None) -> None:
    """Raise NotFound when `anomalies(upload_id, strategy)` could only answer with nothing because the question
    names nothing: an unknown upload or strategy (the message lists what exists), a rejected upload, or a
    strategy not yet run on the upload (the message gives the command that runs it)."""
    from anomaly_pipeline.app import strategies
    from anomaly_pipeline.storage.results import algorithm_states

    wh = warehouse()
    name = _strategy(strategy)
    try:
        strategies.get(name)
    except NotFound:
        known = ", ".join(s["name"] for s in strategies.list_strategies())
        raise NotFound(f"no strategy named {name!r}; strategies: {known}") from None
    uploads = wh.list_uploads()
    if upload_id is not None:
        uploads = [u for u in uploads if u["upload_id"] == upload_id]
        if not uploads:
            known = ", ".join(u["upload_id"] for u in wh.list_uploads()[-10:]) or "none yet"
            raise NotFound(f"no upload {upload_id!r}; uploads: {known} (all: anomaly-pipeline uploads)")
        if uploads[0]["status"] != "loaded":
            raise NotFound(f"upload {upload_id} is {uploads[0]['status']}"
                           + (f": {uploads[0]['error']}" if uploads[0]["error"] else ""))
    loaded = [u["upload_id"] for u in uploads if u["status"] == "loaded"]
    if not loaded:
        raise NotFound("no upload is loaded yet: anomaly-pipeline process FILE")
    if not any(algorithm_states(wh, key, name) for key in loaded):
        target = f"--upload {upload_id}" if upload_id else "--all"
        raise NotFound(f"strategy {name} has not been run on {'upload ' + upload_id if upload_id else 'any upload'} "
                       f"yet; run it: anomaly-pipeline strategies apply {name} {target}")


def transactions(where: TransactionFilter, strategy: str | None = None, sort: str = "-risk", limit: int = 100,
                 offset: int = 0) -> tuple[list[dict[str, Any]], bool]:
    """A page of transactions matching `where`, and whether more follow."""
    if sort.lstrip("-") not in review.SORTS:
        raise Invalid(f"sort: one of {', '.join(review.SORTS)} (prefix - for descending), got {sort!r}")
    return review.list_transactions(warehouse(), _strategy(strategy), where, sort, limit, offset)


def transaction_key(upload_id: str, transaction_id: int) -> str:
    """The id a face shows for one transaction: unique across uploads."""
    return f"{upload_id}-{transaction_id}"


def parse_transaction_id(value: str) -> tuple[str, int]:
    upload_id, _, number = value.rpartition("-")
    if not upload_id or not number.isdigit() or len(number) > 9:
        raise NotFound(f"no transaction {value!r}: ids look like <upload_id>-<number>")
    return upload_id, int(number)


def transaction(transaction_key_: str, strategy: str | None = None) -> dict[str, Any]:
    """One transaction with its raw record, each algorithm's score and reason, rule flags, risk and voucher
    risk under `strategy`, and its voucher's other lines."""
    upload_id, number = parse_transaction_id(transaction_key_)
    detail = review.transaction_detail(warehouse(), upload_id, number, _strategy(strategy))
    if detail is None:
        raise NotFound(f"no transaction {transaction_key_!r}")
    return {**detail, "strategy": _strategy(strategy)}


def algorithm_counts(upload_id: str, strategy: str | None = None) -> list[dict[str, Any]]:
    return review.algorithm_counts(warehouse(), upload_id, _strategy(strategy))


def baseline(upload_id: str, strategy: str | None = None) -> dict[str, Any] | None:
    """The entity's earlier postings the upload's latest analysis judged it with (None: the upload alone)."""
    return review.latest_baseline(warehouse(), upload_id, _strategy(strategy))


def export(upload_id: str, strategy: str | None, path: Path) -> ExportSummary:
    """The auditor workbook of one upload's results under `strategy`, written to `path`."""
    from anomaly_pipeline.reporting.export import ExportError, export_workbook

    try:
        return export_workbook(warehouse(), upload_id, _strategy(strategy), path)
    except ExportError as exc:
        raise Invalid(str(exc)) from None


def flagged_counts(upload_id: str, strategy: str | None = None) -> tuple[int, int]:
    """(flagged transactions, flagged vouchers) of one upload under `strategy`."""
    return review.flagged_counts(warehouse(), upload_id, _strategy(strategy))
