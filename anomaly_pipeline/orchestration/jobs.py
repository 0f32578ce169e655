"""Jobs: the whole per-upload flow, scoring alone (for reruns with a new strategy or baseline), and the opt-in
read-back of what is stored.

None writes the auditor workbook: see `export_asset`."""

import dagster as dg

from anomaly_pipeline.orchestration.check_rules import stored_check_keys
from anomaly_pipeline.orchestration.partitions import uploads_partitions

#: the read-back checks: only in `verify_upload`; the runs that write check their own facts
STORED_CHECKS = dg.AssetSelection.checks(*stored_check_keys())

process_upload_job = dg.define_asset_job(
    "process_upload",
    selection=dg.AssetSelection.groups("ingest", "statistical", "rules", "ml", "risk") - STORED_CHECKS,
    partitions_def=uploads_partitions,
    description="Register, read, load, score and combine one upload; the checks are evaluated from the run's own "
                "facts (no read-back).",
)

rescore_job = dg.define_asset_job(
    "rescore_upload",
    selection=dg.AssetSelection.groups("statistical", "rules", "ml", "risk") - STORED_CHECKS,
    partitions_def=uploads_partitions,
    description="Rerun every detector and the combined risk for an already loaded upload.",
)

verify_job = dg.define_asset_job(
    "verify_upload",
    selection=STORED_CHECKS,
    partitions_def=uploads_partitions,
    description="Read back what is stored for one upload (transactions, detector results, combined risk of the "
                "scoring resource's strategy) and check it with the same rules: the stored_* checks. Materializes "
                "nothing. Run nightly by nightly_verify.",
)
