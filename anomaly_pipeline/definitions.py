"""The one Definitions object: `dagster dev` from the project root loads it (see pyproject [tool.dagster])."""

from anomaly_pipeline import gc_tuning

# every process that runs steps (CLI, run workers, step subprocesses, dev code servers) imports this module once
with gc_tuning.importing():
    import dagster as dg

    from anomaly_pipeline.orchestration.assets import ingest_assets, scoring_assets
    from anomaly_pipeline.orchestration.checks import stored_checks
    from anomaly_pipeline.orchestration.executor import executor_from_env
    from anomaly_pipeline.orchestration.export_asset import auditor_export, export_workbook_job
    from anomaly_pipeline.orchestration.jobs import process_upload_job, rescore_job, verify_job
    from anomaly_pipeline.orchestration.preview_job import preview_strategy_job
    from anomaly_pipeline.orchestration.resources import default_resources
    from anomaly_pipeline.orchestration.retries import retry_failed_uploads
    from anomaly_pipeline.orchestration.schedules import nightly_rescore, nightly_verify
    from anomaly_pipeline.orchestration.sensors import upload_sensor

defs = dg.Definitions(
    assets=[*ingest_assets, *scoring_assets, auditor_export],
    asset_checks=stored_checks,  # the read-back checks (verify_upload); the assets declare the run's own
    jobs=[process_upload_job, rescore_job, verify_job, preview_strategy_job, export_workbook_job],
    sensors=[upload_sensor, retry_failed_uploads],
    schedules=[nightly_rescore, nightly_verify],
    resources=default_resources(),
    executor=executor_from_env(),
)
