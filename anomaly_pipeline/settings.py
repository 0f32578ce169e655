"""Environment settings, read once per call so tests can override them with monkeypatch."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_FILE_TYPES = ("csv", "json", "xlsx", "xls", "xml", "sie4")
DEFAULT_MAX_FILE_SIZE = 104_857_600  # bytes (100 MiB)


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
    extra: dict = field(default_factory=dict)

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


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("ANOMALY_DATA_DIR", "./data")).resolve()
    default_db = f"sqlite:///{data_dir / 'anomaly_pipeline.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL", default_db),
        upload_dir=Path(os.environ.get("UPLOAD_DIR", "./uploads")).resolve(),
        max_file_size=int(os.environ.get("MAX_FILE_SIZE", DEFAULT_MAX_FILE_SIZE)),
        allowed_file_types=_parse_list(os.environ.get("ALLOWED_FILE_TYPES", ",".join(SUPPORTED_FILE_TYPES))),
        default_strategy=os.environ.get("DEFAULT_STRATEGY", "balanced"),
        file_settle_seconds=float(os.environ.get("FILE_SETTLE_SECONDS", "0")),
    )
