"""The Dagster instance of the CLI's runs and of `doctor`: DAGSTER_HOME when set (runs show in the UI), else an
ephemeral one (nothing kept).

A DAGSTER_HOME folder that does not exist yet is created with the project's instance settings
(`dagster_home.yaml`: queued runs, run monitoring, no telemetry). A folder that exists is the user's and is
used as it is, with or without a dagster.yaml. Dagster's notices about a folder without dagster.yaml (the
"No dagster instance configuration file" warning, the telemetry welcome printed once per folder) are
Dagster's, not the command's output: they are kept off stderr, which carries only the pipeline's own lines.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

import dagster as dg

INSTANCE_SETTINGS = Path(__file__).with_name("dagster_home.yaml")
_NOTICE = "No dagster instance configuration file"


def dagster_home() -> Path | None:
    home = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(home).expanduser() if home else None


def prepare_dagster_home(home: Path) -> bool:
    """Create `home` with the project's dagster.yaml when it does not exist; True when it was created."""
    if home.exists():
        return False
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE_SETTINGS.read_text(encoding="utf-8"), encoding="utf-8")
    return True


class _DropNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_NOTICE)


@contextmanager
def _without_dagster_notices() -> Iterator[None]:
    logger = logging.getLogger("dagster")
    notice = _DropNotice()
    logger.addFilter(notice)
    try:
        yield
    finally:
        logger.removeFilter(notice)


def load_instance() -> dg.DagsterInstance:
    """The DAGSTER_HOME instance (DAGSTER_HOME must be set), its folder created first when missing."""
    home = dagster_home()
    if home is None:
        raise RuntimeError("DAGSTER_HOME is not set")
    prepare_dagster_home(home)
    with _without_dagster_notices():
        instance = dg.DagsterInstance.get()
    if instance.telemetry_enabled and not (home / ".telemetry" / "id.yaml").exists():
        # Dagster writes the folder's telemetry id on its first run and prints a welcome to stderr when it does
        from dagster_shared.telemetry import get_or_set_instance_id

        with redirect_stderr(io.StringIO()):
            get_or_set_instance_id()
    return instance


@contextmanager
def dagster_instance(fallback_home: Path | None = None) -> Iterator[dg.DagsterInstance]:
    """The instance from DAGSTER_HOME when set (runs show up in the UI); else the one kept in `fallback_home`
    (created with the project's dagster.yaml) when given; else an ephemeral one.

    A process that reads run status while its own runs execute (the API server) passes a `fallback_home`: the
    ephemeral instance keeps runs in a shared-cache in-memory SQLite database whose table locks fail at once
    ("database table is locked") instead of waiting, and a run whose event write fails that way never starts.
    """
    if dagster_home() is not None:
        with load_instance() as instance:
            yield instance
    elif fallback_home is not None:
        prepare_dagster_home(fallback_home)
        with _without_dagster_notices(), dg.DagsterInstance.from_config(str(fallback_home)) as instance:
            yield instance
    else:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
