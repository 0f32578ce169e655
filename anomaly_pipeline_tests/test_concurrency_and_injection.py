"""Concurrent drops load each content exactly once; nothing from a file reaches SQL text; hostile names stay inert."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import dagster as dg
import sqlalchemy as sa

from anomaly_pipeline.cli import main
from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.orchestration.sensors import upload_sensor
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from benchmarks.generate_gl import generate, write_csv


def _errors(out: bytes) -> object:
    """What a child's JSON answer says went wrong (its status and error), or its raw tail when it is no JSON."""
    try:
        return [(o["status"], o["error"]) for o in json.loads(out)]
    except ValueError:
        return out[-2000:]


def test_parallel_processes_load_each_content_once(env, minimal_strategy, tmp_path):
    files = []
    for seed in (1, 2, 3):
        path = tmp_path / f"ledger {seed}.csv"
        write_csv(generate(2000 + seed, seed=seed), path)
        files.append(path)
    twin = tmp_path / "ledger 1 again.csv"
    shutil.copy(files[0], twin)
    child_env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    children = [subprocess.Popen([sys.executable, "-m", "anomaly_pipeline.cli", "process", str(p), "--format", "json"],
                                 env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in [*files, twin]]
    results = [c.communicate(timeout=240) for c in children]
    assert all(c.returncode == 0 for c in children), [(c.returncode, _errors(out), err[-4000:])
                                                      for c, (out, err) in zip(children, results, strict=True)]
    outputs = [json.loads(out) for out, _ in results]
    statuses = sorted(o[0]["status"] for o in outputs)
    # one content, one run at a time: whichever of the twins came second waited and found it loaded
    assert statuses == ["duplicate", "loaded", "loaded", "loaded"]
    wh = Warehouse(env["DATABASE_URL"])
    uploads = wh.list_uploads()
    assert len(uploads) == 3
    assert {u["status"] for u in uploads} == {"loaded"}
    assert wh.count_rows(schema.transactions) == 2001 + 2002 + 2003
    for path, rows in zip(files, (2001, 2002, 2003), strict=True):
        assert wh.count_rows(schema.transactions, upload_id=partition_key_for(sha256_file(path))) == rows


def test_sensor_with_many_drops_and_one_growing_file_requests_each_content_once(pg_env, minimal_strategy):
    uploads = pg_env["tmp"] / "uploads"
    for seed in range(8):
        write_csv(generate(50, seed=seed), uploads / f"drop {seed}.csv")
    shutil.copy(uploads / "drop 0.csv", uploads / "drop 0 copy.csv")
    growing = uploads / "still copying.csv"
    growing.write_bytes((uploads / "drop 1.csv").read_bytes()[:500])
    with dg.instance_for_test() as instance:
        first = upload_sensor(dg.build_sensor_context(instance=instance, cursor=None))
        with growing.open("ab") as fh:
            fh.write(b"\n")
        second = upload_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        keys = [r.partition_key for r in second.run_requests]
        assert len(keys) == len(set(keys)) == 8
        assert all(r.run_config["ops"]["raw_upload"]["config"]["path"] != str(growing) for r in second.run_requests)
        for request in second.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        job = defs.resolve_job_def("process_upload")
        loading = [dg.AssetKey("raw_upload"), dg.AssetKey("transactions")]  # loading is what is under test
        for request in second.run_requests:
            assert job.execute_in_process(partition_key=request.partition_key, instance=instance,
                                          run_config=request.run_config, asset_selection=loading).success
        # the growing file stopped changing after the second tick: now, and only now, it is taken
        third = upload_sensor(dg.build_sensor_context(instance=instance, cursor=second.cursor))
        assert [r.run_config["ops"]["raw_upload"]["config"]["path"] for r in third.run_requests] == [str(growing)]
    wh = Warehouse(pg_env["DATABASE_URL"])
    assert len(wh.list_uploads()) == 8
    assert wh.count_rows(schema.transactions) == 8 * 50
    assert sorted(p.name for p in uploads.iterdir()) == ["still copying.csv"]
    # of the two identical drops one was loaded, the other set aside as a duplicate
    assert len(list((pg_env["tmp"] / "data" / "duplicates").glob("*drop_0*.csv"))) == 1


def test_sql_in_headers_values_and_names_is_just_data(env, tmp_path):
    nasty_header = 'Date,Account,Amount,"Text""); DROP TABLE transactions; --"\n'
    rows = "".join(f"2024-03-0{d},1910,{d}00.00,\"'); DELETE FROM file_uploads; -- {d}\"\n" for d in range(1, 6))
    path = tmp_path / "x'; DROP TABLE file_uploads; --.csv"
    path.write_text(nasty_header + rows, encoding="utf-8")
    assert main(["process", str(path), "--format", "json"]) == 0
    wh = Warehouse(env["DATABASE_URL"])
    key = partition_key_for(sha256_file(path))
    assert wh.count_rows(schema.transactions, upload_id=key) == 5
    assert wh.get_upload(key)["file_name"] == path.name
    stored = wh.get_upload(key)["stored_path"]
    assert "'" not in os.path.basename(stored) and ";" not in os.path.basename(stored)
    with wh.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.file_uploads)).scalar_one() == 1
    tx = wh.read_transactions(key, include_raw=True)
    assert tx["raw"].str.contains("DELETE FROM file_uploads").all()


def test_hostile_file_names_are_archived_under_safe_names(env, minimal_strategy, tmp_path, capsys):
    names = ["my ledger (2024).csv", "räkenskaper åäö.csv", "..evil.csv", "$(touch pwned);`id`.csv"]
    for i, name in enumerate(names):
        path = tmp_path / name
        path.write_text(f"Date,Account,Amount\n2024-01-0{i + 1},1910,{i + 1}0.00\n", encoding="utf-8")
        assert main(["process", str(path), "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)[0]
        stored = Warehouse(env["DATABASE_URL"]).get_upload(out["upload_id"])["stored_path"]
        archive = (env["tmp"] / "data" / "archive").resolve()
        assert os.path.commonpath([archive, os.path.realpath(stored)]) == str(archive)
        base = os.path.basename(stored)
        assert not set(base) & set("$`;() /\\") and not base.startswith(".")
    assert not (tmp_path / "pwned").exists()
