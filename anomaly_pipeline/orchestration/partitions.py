"""One dynamic partition per upload; the key is the first 16 hex digits of the file's SHA-256."""

import warnings

import dagster as dg

from anomaly_pipeline.ingest.files import upload_id_for as partition_key_for  # noqa: F401 - the upload id is the key

# Partitioned asset checks (`AssetCheckSpec(partitions_def=)`) are "preview" in 1.13 but work and are tested
# here: every check runs on exactly the upload its run materialized. Said once, here, not in every process.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*", category=dg.PreviewWarning)

uploads_partitions = dg.DynamicPartitionsDefinition(name="uploads")
