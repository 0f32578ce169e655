"""Environment settings, read once per call so tests can override them with monkeypatch."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_FILE_TYPES = ("csv", "json", "xlsx", "xls", "xml", "sie4")
DEFAULT_MAX_FILE_SIZE = 104_857_600  # bytes (100 MiB)
EXECUTORS = ("in_process", "multiprocess", "celery")  # see orchestration/executor.py


def worker_threads() -> int:
    """Threads one process uses for parallel work (detector lanes, COPY streams, isolation-forest scoring):
    WORKER_THREADS, by default the usable cores up to 4."""
    value = os.environ.get("WORKER_THREADS", "").strip()
    if value:
        return max(1, int(value))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


def worker_runs() -> int:
    """WORKER_RUNS: Dagster runs the HTTP API's process executes at once (default 1: a run already uses
    WORKER_THREADS cores)."""
    return max(1, int(os.environ.get("WORKER_RUNS", "1") or 1))


def cors_origins() -> tuple[str, ...]:
    """CORS_ORIGINS: origins the HTTP API answers cross-origin requests from (a JSON list or comma-separated;
    empty: none)."""
    return _origins(os.environ.get("CORS_ORIGINS", ""))


def _origins(value: str) -> tuple[str, ...]:
    value = value.strip()
    items = json.loads(value) if value.startswith("[") else value.split(",")
    if not isinstance(items, list):
        raise ValueError("not a list")
    return tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())


def _parse_list(value: str) -> tuple[str, ...]:
    value = value.strip()
    items = json.loads(value) if value.startswith("[") else value.split(",")
    return tuple(str(item).strip().lower().lstrip(".") for item in items if str(item).strip())


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    upload_dir: Path
    max_file_size: int
    allowed_file_types: tuple[str, ...]
    default_strategy: str
    file_settle_seconds: float = 0.0
    entity_history_rows: int = 200_000
    entity_history_days: int = 730

    @property
    def worker_threads(self) -> int:
        return worker_threads()

    @property
    def archive_dir(self) -> Path:
        """Where every accepted original is kept, one folder per upload id."""
        return self.data_dir / "archive"

    @property
    def rejected_dir(self) -> Path:
        """Where files that could not be read truthfully are moved, with their reason."""
        return self.data_dir / "rejected"

    @property
    def duplicates_dir(self) -> Path:
        """Where the sensor moves byte-identical re-drops of an already registered upload."""
        return self.data_dir / "duplicates"


class SettingsError(ValueError):
    """An environment variable whose value cannot mean anything (MAX_FILE_SIZE=lots)."""


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("not positive")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("negative")
    return number


def _executor(value: str) -> str:
    name = value.strip().lower() or "in_process"
    if name not in EXECUTORS:
        raise ValueError(name)
    return name


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise ValueError("negative")
    return number


def _file_types(value: str) -> tuple[str, ...]:
    types = _parse_list(value)
    unknown = sorted(set(types) - set(SUPPORTED_FILE_TYPES))
    if unknown or not types:
        raise ValueError(f"unknown {', '.join(unknown)}" if unknown else "empty")
    return types


#: variable -> (parser, what a valid value is)
_CHECKED = {
    "MAX_FILE_SIZE": (_positive_int, "a positive number of bytes, e.g. 104857600"),
    "ALLOWED_FILE_TYPES": (_file_types, f"a comma-separated or JSON list of {', '.join(SUPPORTED_FILE_TYPES)}"),
    "FILE_SETTLE_SECONDS": (_non_negative_float, "a number of seconds >= 0"),
    "RESCORE_RECENT_DAYS": (_non_negative_int, "a whole number of days >= 0 (0 = all)"),
    "ENTITY_HISTORY_ROWS": (_non_negative_int, "a whole number of lines >= 0 (0 = no history)"),
    "ENTITY_HISTORY_DAYS": (_positive_int, "a positive number of days"),
    "EXECUTOR": (_executor, " or ".join(EXECUTORS)),
    "WORKER_THREADS": (_positive_int, "a positive number of threads"),
    "WORKER_RUNS": (_positive_int, "a positive number of runs"),
    "CORS_ORIGINS": (_origins, "a JSON list or comma-separated list of origins"),
}


def setting_problems(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Each environment variable set to a value it cannot have, with what it should be."""
    problems = {}
    for variable, (parse, expected) in _CHECKED.items():
        value = environ.get(variable)
        if value is None:
            continue
        try:
            parse(value)
        except (ValueError, json.JSONDecodeError):
            problems[variable] = f"{variable}={value!r} is invalid: expected {expected}"
    return problems


def get_settings(lenient: bool = False) -> Settings:
    """The settings from the environment; SettingsError names every invalid variable (`lenient`: invalid
    variables take their defaults instead, for `doctor`, which reports them and checks the rest)."""
    problems = setting_problems()
    if problems and not lenient:
        raise SettingsError("; ".join(problems.values()))
    environ = {k: v for k, v in os.environ.items() if k not in problems}
    data_dir = Path(environ.get("ANOMALY_DATA_DIR", "./data")).resolve()
    default_db = f"sqlite:///{data_dir / 'anomaly_pipeline.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=environ.get("DATABASE_URL", default_db),
        upload_dir=Path(environ.get("UPLOAD_DIR", "./uploads")).resolve(),
        max_file_size=int(environ.get("MAX_FILE_SIZE", DEFAULT_MAX_FILE_SIZE)),
        allowed_file_types=_file_types(environ.get("ALLOWED_FILE_TYPES", ",".join(SUPPORTED_FILE_TYPES))),
        default_strategy=environ.get("DEFAULT_STRATEGY", "balanced"),
        file_settle_seconds=float(environ.get("FILE_SETTLE_SECONDS", "0")),
        entity_history_rows=int(environ.get("ENTITY_HISTORY_ROWS", "200000")),
        entity_history_days=int(environ.get("ENTITY_HISTORY_DAYS", "730")),
    )
