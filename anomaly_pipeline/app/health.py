"""Health: the doctor's checks of database, migrations, folders and the Dagster instance."""

from __future__ import annotations

from anomaly_pipeline.settings import get_settings


def doctor(migrate: bool = False) -> list:
    """Every check as a `doctor.Finding` (status ok / warning / error / skipped, message, fix)."""
    from anomaly_pipeline.doctor import run_checks

    return run_checks(migrate=migrate)
