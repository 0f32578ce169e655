"""A rejected file is a result, not a crash: the run succeeds, the `file_readable` check on `transactions` fails
with the reason and where the file went, the scoring steps are skipped, nothing is retried."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from anomaly_pipeline.definitions import defs
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.assets import ingest_assets, scoring_assets
from anomaly_pipeline.orchestration.partitions import partition_key_for, uploads_partitions
from anomaly_pipeline.orchestration.resources import default_resources
from anomaly_pipeline.orchestration.retries import retry_requests
from anomaly_pipeline.orchestration.sensors import upload_sensor
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline_tests.conftest import real_file

BAD_DATES = "csv/bank2ynab__bank2ynab__TH_20180101-20180523_page_1.csv"
REASON = "unparsable dates in 9 of 9 rows"
SCORING_STEPS = {"detectors", "transaction_risk"}  # the checks are the assets' own: no steps to skip


def _assert_rejected_cleanly(result, instance: dg.DagsterInstance, env: dict, key: str) -> Path:
    """What a Dagster user sees for a rejected upload; returns where the file was moved."""
    assert result.success
    events = result.all_events
    assert not [e for e in events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert {e.step_key for e in events if e.event_type == dg.DagsterEventType.STEP_SKIPPED} == SCORING_STEPS
    assert {e.step_key for e in events if e.event_type == dg.DagsterEventType.STEP_SUCCESS} == {
        "raw_upload", "transactions"}
    [check] = result.get_asset_check_evaluations()
    assert (check.asset_key, check.check_name, check.passed) == (dg.AssetKey("transactions"), "file_readable", False)
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert REASON in check.description and check.description.startswith(Path(BAD_DATES).name + " rejected: ")
    moved = Path(check.metadata["moved_to"].value)
    assert moved.parent == env["tmp"] / "data" / "rejected"
    assert moved.read_bytes() == real_file(BAD_DATES).read_bytes()
    assert REASON in check.metadata["reason"].value
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"raw_upload"}  # no transactions, no detector or risk partitions
    [observation] = [e for e in events if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION]
    assert observation.asset_key == dg.AssetKey("raw_upload")
    assert observation.event_specific_data.asset_observation.metadata["status"].value == "rejected"
    assert instance.get_latest_materialization_event(dg.AssetKey("transactions")) is None
    wh = Warehouse(env["DATABASE_URL"])
    upload = wh.get_upload(key)
    assert upload["status"] == "rejected" and REASON in upload["error"]
    assert wh.count_rows(schema.transactions, upload_id=key) == 0
    return moved


def test_materializing_a_rejected_file_skips_scoring_and_fails_only_the_check(env):
    path = env["tmp"] / Path(BAD_DATES).name
    shutil.copy(real_file(BAD_DATES), path)
    key = partition_key_for(sha256_file(path))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("uploads", [key])
        result = dg.materialize([*ingest_assets, *scoring_assets], instance=instance,
                                partition_key=key, resources=default_resources(), raise_on_error=False,
                                run_config={"ops": {"raw_upload": {"config": {"path": str(path), "move": True}}}})
        moved = _assert_rejected_cleanly(result, instance, env, key)
        assert not path.exists()
        # the check alone ("Execute checks" in the UI) reports the stored outcome without reading anything
        check_job = dg.define_asset_job("readable_only", partitions_def=uploads_partitions, selection=dg.AssetSelection.checks(
            dg.AssetCheckKey(dg.AssetKey("transactions"), "file_readable")))
        again = dg.Definitions.merge(defs, dg.Definitions(jobs=[check_job])).resolve_job_def("readable_only") \
            .execute_in_process(tags={"dagster/partition": key}, instance=instance)
        [check] = again.get_asset_check_evaluations()
        assert not check.passed and REASON in check.description
        assert check.metadata["moved_to"].value == str(moved)


def process_upload_job() -> dg.JobDefinition:
    return defs.resolve_job_def("process_upload")


def test_a_rejected_drop_through_the_sensor_is_a_successful_run_and_is_never_retried(env):
    uploads = env["tmp"] / "uploads"
    dropped = uploads / Path(BAD_DATES).name
    shutil.copy(real_file(BAD_DATES), dropped)
    key = partition_key_for(sha256_file(dropped))
    with dg.instance_for_test() as instance:
        first = upload_sensor(dg.build_sensor_context(instance=instance, cursor=None))
        [request] = upload_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor)).run_requests
        instance.add_dynamic_partitions("uploads", [request.partition_key])
        with dg.execute_job(dg.reconstructable(process_upload_job), instance, run_config=request.run_config,
                            tags={"dagster/partition": request.partition_key}) as result:
            _assert_rejected_cleanly(result, instance, env, key)
            run = instance.get_run_by_id(result.run_id)
            assert run.status == dg.DagsterRunStatus.SUCCESS
        assert list(uploads.iterdir()) == []
        wh = Warehouse(env["DATABASE_URL"])
        requests, exhausted = retry_requests(instance, wh.get_upload, env["tmp"] / "data" / "archive",
                                             now=datetime.now(UTC))
        assert (requests, exhausted) == ([], [])
