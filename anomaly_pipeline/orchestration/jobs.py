"""Jobs: the whole per-upload flow, and scoring alone (for reruns with a new strategy or baseline).

Neither writes the auditor workbook: see `export_asset`."""

import dagster as dg

from anomaly_pipeline.orchestration.partitions import uploads_partitions

process_upload_job = dg.define_asset_job(
    "process_upload",
    selection=dg.AssetSelection.groups("ingest", "statistical", "rules", "ml", "risk"),
    partitions_def=uploads_partitions,
    description="Register, read, load, score and combine one upload.",
)

rescore_job = dg.define_asset_job(
    "rescore_upload",
    selection=dg.AssetSelection.groups("statistical", "rules", "ml", "risk"),
    partitions_def=uploads_partitions,
    description="Rerun every detector and the combined risk for an already loaded upload.",
)
