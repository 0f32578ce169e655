"""Shipped presets are complete and valid; invalid strategies are refused naming the field."""

from __future__ import annotations

from importlib import resources

import pytest
import sqlalchemy as sa
import yaml

from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.model import PRESETS, StrategyError, load_preset, parse_strategy
from anomaly_pipeline.strategies.store import get_strategy, list_strategies, seed_presets


def _preset_yaml(name: str) -> dict:
    path = resources.files("anomaly_pipeline.strategies").joinpath("presets", f"{name}.yaml")
    return yaml.safe_load(path.read_text("utf-8"))


def test_preset_files_are_exactly_the_presets():
    files = {p.name.removesuffix(".yaml") for p in
             resources.files("anomaly_pipeline.strategies").joinpath("presets").iterdir() if p.name.endswith(".yaml")}
    assert files == set(PRESETS)
    assert "balanced" in PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_parses_and_says_what_it_does_with_every_algorithm(name):
    document = _preset_yaml(name)
    assert document["name"] == name
    # a preset is explicit about each registered algorithm, so adding a detector means deciding its role
    assert set(document["algorithms"]) == set(ALGORITHMS)
    strategy = load_preset(name)
    assert strategy.is_preset and strategy.description
    assert 0 < strategy.threshold <= 1
    for algo, entry in document["algorithms"].items():
        settings = strategy.settings_for(algo)
        assert settings.enabled == entry.get("enabled", ALGORITHMS[algo].enabled_by_default)
        assert settings.config == ALGORITHMS[algo]().validate_config(entry.get("config") or {})
    assert any(strategy.weights.values())


def test_presets_order_by_sensitivity():
    """conservative flags least, aggressive most: thresholds say so."""
    thresholds = {n: load_preset(n).threshold for n in PRESETS}
    assert thresholds["aggressive"] < thresholds["balanced"] < thresholds["conservative"]


BASE = {"name": "custom", "threshold": 0.5}


@pytest.mark.parametrize("document, message", [
    ({**BASE, "algorithms": {"no_such": {}}}, "algorithms.no_such: unknown algorithm (known: "),
    ({**BASE, "algorithms": {"robust_zscore": {"weight": 1.5}}},
     "algorithms.robust_zscore.weight: must be a number in [0, 1], got 1.5"),
    ({**BASE, "algorithms": {"robust_zscore": {"weight": -0.1}}},
     "algorithms.robust_zscore.weight: must be a number in [0, 1], got -0.1"),
    ({**BASE, "algorithms": {"robust_zscore": {"config": {"threshold": "high"}}}},
     "algorithms.robust_zscore.threshold: expected float, got 'high'"),
    ({**BASE, "algorithms": {"weekend_posting": {"config": {"weekend_days": "sat"}}}},
     "algorithms.weekend_posting.weekend_days: expected list, got 'sat'"),
    ({**BASE, "algorithms": {"weekend_posting": {"config": {"min_amount": -5}}}},
     "algorithms.weekend_posting.min_amount: must be >= 0, got -5.0"),
    ({**BASE, "algorithms": {"robust_zscore": {"config": {"treshold": 3}}}},
     "algorithms.robust_zscore: unknown config field(s) treshold"),
    ({**BASE, "algorithms": {"robust_zscore": {"enabled": "yes"}}},
     "algorithms.robust_zscore.enabled: must be true or false, got 'yes'"),
    ({**BASE, "algorithms": {"robust_zscore": {"weigth": 1}}}, "algorithms.robust_zscore.weigth: unknown field"),
    ({**BASE, "threshold": 0}, "threshold: must be a number in (0, 1], got 0"),
    ({**BASE, "threshold": 1.2}, "threshold: must be a number in (0, 1], got 1.2"),
    ({**BASE, "thresold": 0.5}, "unknown field(s) thresold"),
    ({**BASE, "name": "Bad Name"}, "name: must match"),
])
def test_invalid_strategies_are_refused_naming_the_field(document, message):
    with pytest.raises(StrategyError) as caught:
        parse_strategy(document)
    assert str(caught.value).startswith(message)


def test_algorithms_not_mentioned_take_registry_defaults():
    strategy = parse_strategy({"name": "minimal", "threshold": 0.6})
    assert set(strategy.algorithms) == set(ALGORITHMS)
    for name, cls in ALGORITHMS.items():
        settings = strategy.settings_for(name)
        assert settings.enabled == cls.enabled_by_default
        assert settings.weight == cls.default_weight
        assert settings.config == cls.default_config


def test_stored_presets_follow_the_shipped_files(database_url):
    """Seeding stores each preset once; when the shipped content differs from the newest stored version
    (a package upgrade retuned it), the next use stores it as a new version and keeps the old one."""
    wh = Warehouse(database_url)
    wh.migrate()
    seed_presets(wh)
    seed_presets(wh)
    table = schema.strategies
    with wh.engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.name, table.c.version)).all()
    assert sorted(rows) == sorted((name, 1) for name in PRESETS)
    for name in PRESETS:
        assert get_strategy(wh, name).to_document() == load_preset(name).to_document()

    old = load_preset("balanced").to_document()
    old["threshold"] = 0.55  # what an older package shipped
    with wh.engine.begin() as conn:
        conn.execute(table.update().where(table.c.name == "balanced").values(config=old))
    listed = {r["name"]: r for r in list_strategies(wh)}
    assert listed["balanced"]["version"] == 2
    assert listed["balanced"]["versions"] == 2
    assert get_strategy(wh, "balanced").threshold == load_preset("balanced").threshold
    assert get_strategy(wh, "balanced", 1).threshold == 0.55


def test_a_preset_is_parsed_once_and_every_caller_gets_its_own_copy():
    first = load_preset("balanced")
    name = next(iter(first.algorithms))
    first.algorithms[name].config["changed_by_a_caller"] = 1
    first.algorithms.clear()
    second = load_preset("balanced")
    assert name in second.algorithms and "changed_by_a_caller" not in second.algorithms[name].config
    assert second == parse_strategy(_preset_yaml("balanced"), is_preset=True)
