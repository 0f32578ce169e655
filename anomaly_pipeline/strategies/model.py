"""A strategy: validated against the algorithm registry, hashable per algorithm for result reuse."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.registry import ALGORITHMS

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
PRESETS = ("balanced", "conservative", "aggressive", "audit_jet")


class StrategyError(ValueError):
    """The strategy is invalid; the message names the field and the reason."""


class StrategyNotFound(StrategyError):
    """No (undeleted) strategy of that name, or not that version."""


class StrategyConflict(StrategyError):
    """The change collides with what is stored: the name exists, or it is a read-only preset."""


@dataclass(frozen=True)
class AlgorithmSettings:
    enabled: bool
    weight: float
    config: dict[str, Any]

    def config_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.config, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    threshold: float
    algorithms: dict[str, AlgorithmSettings]
    version: int = 0
    is_preset: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def settings_for(self, algorithm: str) -> AlgorithmSettings:
        return self.algorithms[algorithm]

    @property
    def weights(self) -> dict[str, float]:
        return {n: s.weight for n, s in self.algorithms.items() if s.enabled}

    def to_document(self) -> dict[str, Any]:
        """The strategy as a YAML/JSON document (what `create --from` accepts)."""
        return {
            "name": self.name,
            "description": self.description,
            "threshold": self.threshold,
            "algorithms": {n: {"enabled": s.enabled, "weight": s.weight, "config": s.config}
                           for n, s in self.algorithms.items()},
        }


def parse_strategy(document: dict[str, Any], *, name: str | None = None, version: int = 0,
                   is_preset: bool = False) -> Strategy:
    """Validate a strategy document; every algorithm not mentioned takes its registry defaults."""
    if not isinstance(document, dict):
        raise StrategyError("strategy: expected a mapping with name, threshold and algorithms")
    name = name or document.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise StrategyError(f"name: must match {NAME_PATTERN.pattern} (lowercase letters, digits, _ and -), got {name!r}")
    unknown_top = sorted(set(document) - {"name", "description", "threshold", "algorithms"})
    if unknown_top:
        raise StrategyError(f"unknown field(s) {', '.join(unknown_top)}")
    threshold = document.get("threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        raise StrategyError(f"threshold: must be a number in (0, 1], got {threshold!r}")
    given = document.get("algorithms") or {}
    if not isinstance(given, dict):
        raise StrategyError("algorithms: expected a mapping of algorithm name to settings")
    unknown = sorted(set(given) - set(ALGORITHMS))
    if unknown:
        raise StrategyError(f"algorithms.{unknown[0]}: unknown algorithm (known: {', '.join(sorted(ALGORITHMS))})")
    algorithms: dict[str, AlgorithmSettings] = {}
    for algo_name, cls in ALGORITHMS.items():
        entry = given.get(algo_name) or {}
        if not isinstance(entry, dict):
            raise StrategyError(f"algorithms.{algo_name}: expected a mapping with enabled, weight, config")
        extra_keys = sorted(set(entry) - {"enabled", "weight", "config"})
        if extra_keys:
            raise StrategyError(f"algorithms.{algo_name}.{extra_keys[0]}: unknown field")
        enabled = entry.get("enabled", cls.enabled_by_default)
        if not isinstance(enabled, bool):
            raise StrategyError(f"algorithms.{algo_name}.enabled: must be true or false, got {enabled!r}")
        weight = entry.get("weight", cls.default_weight)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            raise StrategyError(f"algorithms.{algo_name}.weight: must be a number in [0, 1], got {weight!r}")
        try:
            config = cls().validate_config(entry.get("config") or {})
        except ConfigError as exc:
            raise StrategyError(f"algorithms.{exc}") from exc
        algorithms[algo_name] = AlgorithmSettings(enabled=enabled, weight=float(weight), config=config)
    return Strategy(name=name, description=str(document.get("description") or "").strip(), threshold=float(threshold),
                    algorithms=algorithms, version=version, is_preset=is_preset)


def load_preset(name: str) -> Strategy:
    if name not in PRESETS:
        raise StrategyError(f"no preset named {name!r} (presets: {', '.join(PRESETS)})")
    text = resources.files("anomaly_pipeline.strategies").joinpath("presets", f"{name}.yaml").read_text("utf-8")
    return copy.deepcopy(_parsed_preset(text))


@functools.lru_cache(maxsize=32)
def _parsed_preset(text: str) -> Strategy:
    """A preset file's content parsed and validated once per process (every step of a run seeds the presets:
    20 YAML parses and validations took 0.9 s of a run under cProfile); keyed by the text, so a changed file
    is parsed again. Callers get a deep copy: nothing they change reaches the cache."""
    # libyaml's safe loader where PyYAML has it: the pure-Python one took 23 ms for the four presets, 5 ms
    return parse_strategy(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), is_preset=True)
