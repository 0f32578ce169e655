"""Health: the doctor's checks of database, migrations, folders and the Dagster instance."""

from __future__ import annotations

from anomaly_pipeline.settings import get_settings


def doctor(migrate: bool = False) -> list:
    """Every check as a `doctor.Finding` (status ok / warning / error / skipped, message, fix)."""
    from anomaly_pipeline.doctor import run_checks

    return run_checks(migrate=migrate)


def readiness() -> str | None:
    """None when the database answers and its schema is at this code's newest migration; else why not."""
    from anomaly_pipeline.doctor import safe_url
    from anomaly_pipeline.storage.warehouse import Warehouse

    url = get_settings().database_url
    try:
        pending = Warehouse(url).pending_migrations()
    except Exception as exc:  # noqa: BLE001 - any failure to answer is the reason to report
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"database {safe_url(url)} does not answer: {first}"
    if pending:
        return f"database schema is not current: {len(pending)} migration(s) pending ({', '.join(pending)})"
    return None
