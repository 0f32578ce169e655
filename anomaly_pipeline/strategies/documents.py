"""Strategy files: YAML or JSON in, YAML (default) or JSON out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from anomaly_pipeline.strategies.model import StrategyError


def read_document(path: Path) -> dict[str, Any]:
    """Parse a strategy file. JSON is valid YAML, so one parser reads both; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StrategyError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise StrategyError(f"{path}: not a UTF-8 text file") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise StrategyError(f"{path}: not valid YAML or JSON{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(document, dict):
        raise StrategyError(f"{path}: expected a mapping with name, threshold and algorithms")
    return document


def dump_document(document: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
