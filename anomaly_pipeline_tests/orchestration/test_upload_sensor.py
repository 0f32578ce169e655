"""The file-drop sensor: waits for complete files, one partition and run per new content, no re-loads."""

from __future__ import annotations

import json
import os
import shutil

import dagster as dg

from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.orchestration.sensors import upload_sensor
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = upload_sensor(context)
    # apply the partition requests as the daemon would
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def test_new_file_gets_partition_and_run_once_complete(pg_env):
    uploads = pg_env["tmp"] / "uploads"
    dropped = uploads / "ledger export.csv"
    shutil.copy(real_file(XERO), dropped)
    key = partition_key_for(sha256_file(dropped))
    with dg.instance_for_test() as instance:
        first = _tick(instance, None)
        assert first.run_requests == []  # first sighting: could still be copying
        second = _tick(instance, first.cursor)
        assert [r.partition_key for r in second.run_requests] == [key]
        request = second.run_requests[0]
        assert request.run_key == key
        assert request.run_config["ops"]["raw_upload"]["config"] == {
            "path": str(dropped), "file_name": "ledger export.csv", "move": True}
        assert instance.get_dynamic_partitions("uploads") == [key]
        # the run has not moved the file yet: the next tick must not request it again
        third = _tick(instance, second.cursor)
        assert third.run_requests == []


def test_growing_file_is_not_requested(pg_env):
    uploads = pg_env["tmp"] / "uploads"
    growing = uploads / "big.csv"
    growing.write_text("Date,Account,Amount\n2024-01-01,1910,10\n")
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None).cursor
        for i in range(3):
            with growing.open("a") as fh:
                fh.write(f"2024-01-0{i + 2},1910,{i}\n")
            stat = growing.stat()
            os.utime(growing, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000 * (i + 1)))
            result = _tick(instance, cursor)
            assert result.run_requests == []
            cursor = result.cursor
        assert instance.get_dynamic_partitions("uploads") == []
        done = _tick(instance, cursor)
        assert len(done.run_requests) == 1


def test_a_file_written_within_the_settle_time_waits(pg_env, monkeypatch):
    monkeypatch.setenv("FILE_SETTLE_SECONDS", "600")
    dropped = pg_env["tmp"] / "uploads" / "slow copy.csv"
    shutil.copy(real_file(XERO), dropped)
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None).cursor
        quiet = _tick(instance, cursor)
        assert quiet.run_requests == []  # unchanged since the last tick, but written seconds ago
        written = dropped.stat().st_mtime - 601
        os.utime(dropped, (written, written))
        cursor = _tick(instance, quiet.cursor).cursor  # the mtime changed: a new sighting
        assert [r.partition_key for r in _tick(instance, cursor).run_requests] == [
            partition_key_for(sha256_file(dropped))]


def test_identical_bytes_again_are_a_duplicate_not_a_second_load(pg_env):
    uploads = pg_env["tmp"] / "uploads"
    original = uploads / "a.csv"
    shutil.copy(real_file(XERO), original)
    key = partition_key_for(sha256_file(original))
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None).cursor
        result = _tick(instance, cursor)
        assert len(result.run_requests) == 1
        original.unlink()  # the run moved it into the archive
        again = uploads / "same content, other name.csv"
        shutil.copy(real_file(XERO), again)
        cursor = _tick(instance, result.cursor).cursor
        second = _tick(instance, cursor)
        assert second.run_requests == []
        assert instance.get_dynamic_partitions("uploads") == [key]
        assert not again.exists()
        moved = pg_env["tmp"] / "data" / "duplicates" / f"{key}__same_content_other_name.csv"
        assert moved.read_bytes() == real_file(XERO).read_bytes()
        assert json.loads(second.cursor)["requested"] == {}
