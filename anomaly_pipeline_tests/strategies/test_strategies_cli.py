"""`anomaly-pipeline strategies list|show|create|update|delete|export` on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import yaml

from anomaly_pipeline.cli import main
from anomaly_pipeline.strategies.model import PRESETS, load_preset

CUSTOM_YAML = """\
name: custom
description: z-score only, tighter
threshold: 0.6
algorithms:
  robust_zscore: {enabled: true, weight: 0.9, config: {threshold: 3.0}}
  weekend_posting: {enabled: false}
"""


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["strategies", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _names(capsys) -> dict[str, dict]:
    code, out, _ = _run(capsys, "list", "--format", "json")
    assert code == 0
    return {r["name"]: r for r in json.loads(out)}


def test_crud_round_trip_with_versions(env, capsys):
    tmp = env["tmp"]
    listed = _names(capsys)
    assert set(listed) == set(PRESETS)
    assert all(r["is_preset"] and r["version"] == 1 for r in listed.values())

    custom = tmp / "custom.yaml"
    custom.write_text(CUSTOM_YAML, encoding="utf-8")
    assert _run(capsys, "create", "custom", "--from", str(custom)) == (0, "created strategy custom version 1\n", "")
    code, _, err = _run(capsys, "create", "custom", "--from", str(custom))
    assert code == 1 and "already exists" in err

    code, out, _ = _run(capsys, "show", "custom", "--format", "json")
    shown = json.loads(out)
    assert code == 0
    assert (shown["version"], shown["is_preset"], shown["threshold"]) == (1, False, 0.6)
    assert shown["algorithms"]["weekend_posting"]["enabled"] is False
    assert shown["algorithms"]["robust_zscore"]["config"]["threshold"] == 3.0
    assert shown["algorithms"]["robust_zscore"]["config"]["min_group_size"] == 8  # registry default filled in

    # update from a JSON file: a new version, the old one stays readable
    document = yaml.safe_load(CUSTOM_YAML)
    document["threshold"] = 0.45
    as_json = tmp / "custom_v2.json"
    as_json.write_text(json.dumps(document), encoding="utf-8")
    assert _run(capsys, "update", "custom", "--from", str(as_json)) == (0, "updated strategy custom: now version 2\n", "")
    code, out, _ = _run(capsys, "show", "custom", "--format", "json")
    assert json.loads(out)["threshold"] == 0.45
    assert [v["version"] for v in json.loads(out)["versions"]] == [1, 2]
    code, out, _ = _run(capsys, "show", "custom", "--version", "1", "--format", "json")
    assert (json.loads(out)["version"], json.loads(out)["threshold"]) == (1, 0.6)

    # export (YAML by default) -> create another strategy from the exported file
    code, exported, _ = _run(capsys, "export", "custom")
    assert code == 0
    exported_doc = yaml.safe_load(exported)
    assert set(exported_doc) == {"name", "description", "threshold", "algorithms"}
    assert exported_doc["threshold"] == 0.45
    copy = tmp / "exported.yaml"
    copy.write_text(exported, encoding="utf-8")
    assert _run(capsys, "create", "copy-of-custom", "--from", str(copy))[0] == 0
    code, out, _ = _run(capsys, "export", "copy-of-custom", "--format", "json")
    assert {**json.loads(out), "name": "custom"} == exported_doc
    assert _names(capsys)["custom"]["version"] == 2

    # delete keeps history; presets refuse delete and update
    assert _run(capsys, "delete", "custom") == (0, "deleted strategy custom (2 version(s) kept as history)\n", "")
    assert "custom" not in _names(capsys)
    code, _, err = _run(capsys, "show", "custom")
    assert code == 1 and err == "error: no strategy named 'custom'\n"
    code, out, _ = _run(capsys, "show", "custom", "--version", "2", "--format", "json")
    assert code == 0 and json.loads(out)["threshold"] == 0.45
    assert _run(capsys, "create", "custom", "--from", str(custom)) == (0, "created strategy custom version 3\n", "")

    for action in (("delete", "balanced"), ("update", "balanced", "--from", str(custom))):
        code, _, err = _run(capsys, *action)
        assert code == 1
        assert err.startswith("error: 'balanced' is a preset shipped with the package and cannot be")
    code, out, _ = _run(capsys, "export", "balanced", "--format", "json")
    assert json.loads(out) == load_preset("balanced").to_document()
    assert _names(capsys)["balanced"]["version"] == 1


def test_invalid_files_are_refused_with_the_field_and_nothing_is_stored(env, capsys):
    tmp = env["tmp"]
    cases = {
        "unknown_algo.yaml": ("name: x\nalgorithms:\n  benford_law_typo: {enabled: true}\n",
                              "error: algorithms.benford_law_typo: unknown algorithm (known: "),
        "weight.yaml": ("name: x\nalgorithms:\n  weekend_posting: {weight: 2}\n",
                        "error: algorithms.weekend_posting.weight: must be a number in [0, 1], got 2\n"),
        "type.json": ('{"algorithms": {"robust_zscore": {"config": {"min_group_size": "many"}}}}',
                      "error: algorithms.robust_zscore.min_group_size: expected int, got 'many'\n"),
        "syntax.yaml": ("name: x\nalgorithms: [unclosed\n", "error: "),
        "list.yaml": ("- a\n- b\n", "error: "),
    }
    for file_name, (text, message) in cases.items():
        path = tmp / file_name
        path.write_text(text, encoding="utf-8")
        code, out, err = _run(capsys, "create", "bad-one", "--from", str(path))
        assert code == 1, file_name
        assert out == ""
        assert err.startswith(message), (file_name, err)
    assert "line 3" in _run(capsys, "create", "bad-one", "--from", str(tmp / "syntax.yaml"))[2]
    assert "expected a mapping" in _run(capsys, "create", "bad-one", "--from", str(tmp / "list.yaml"))[2]
    code, _, err = _run(capsys, "create", "Bad Name", "--from", str(tmp / "weight.yaml"))
    assert code == 1 and err.startswith("error: name: must match")
    code, _, err = _run(capsys, "create", "x", "--from", str(tmp / "missing.yaml"))
    assert code == 1 and "cannot read the file" in err
    assert set(_names(capsys)) == set(PRESETS)


def test_process_refuses_an_unknown_strategy_before_loading_anything(env, capsys):
    from anomaly_pipeline.storage.warehouse import Warehouse
    from anomaly_pipeline_tests.conftest import real_file

    code = main(["process", str(real_file("csv/reubano__csv2ofx__xero.csv")), "--strategy", "nope"])
    assert code == 1
    assert capsys.readouterr().err == "error: --strategy: no strategy named 'nope'\n"
    assert Warehouse(env["DATABASE_URL"]).list_uploads() == []
