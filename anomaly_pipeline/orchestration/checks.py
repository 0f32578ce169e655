"""The opt-in read-back checks: the per-upload checks again, on what the database holds for the upload.

Every upload's run evaluates its checks from its own facts (`check_rules`, yielded by the assets); these read
the stored tables instead, so they also catch what changed after the load (a row deleted, a score edited). They
are named `stored_<check>` and run in the `verify_upload` job (one partition: the Dagster UI, `dagster job
launch`) and nightly by the `nightly_verify` schedule, never in `process_upload`
or `rescore_upload`. Partitioned like the assets (Dagster 1.13 `AssetCheckSpec(partitions_def=)`), so a run
checks exactly its partition.
"""

import dagster as dg
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from anomaly_pipeline.orchestration.check_rules import (
    STORED,
    risk_results,
    risk_specs,
    selected_names,
    transaction_results,
    transaction_specs,
)
from anomaly_pipeline.orchestration.resources import ScoringResource, WarehouseResource
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.results import score_summary, unexplained_flags

TRANSACTION_COLUMNS = {"transaction_id": pa.int64(), "row_number": pa.int64(), "voucher_id": pa.string(),
                       "account": pa.string(), "amount": pa.float64(), "posting_date": pa.timestamp("ns"),
                       "is_removed": pa.bool_()}


def read_columns(warehouse: WarehouseResource, upload_id: str) -> pd.DataFrame:
    """The columns the transactions checks need, from the database (what is stored is what is checked; the
    full rows carry the raw source record: several times the size)."""
    table = schema.transactions
    query = sa.select(*(table.c[c] for c in TRANSACTION_COLUMNS)).where(table.c.upload_id == upload_id)
    return warehouse.get().read_query(query, TRANSACTION_COLUMNS)


@dg.multi_asset_check(
    specs=transaction_specs(STORED), can_subset=True, name="stored_transactions_checks",
    description="The upload's stored transactions, read once for all three checks.")
def stored_transactions_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    key = context.partition_key
    frame = read_columns(warehouse, key)
    yield from transaction_results(frame, warehouse.get().get_upload(key) or {}, len(frame), selected_names(context),
                                   STORED)


RISK_COLUMNS = {"transaction_id": pa.int64(), "risk_score": pa.float64(), "voucher_risk": pa.float64(),
                "is_anomaly": pa.bool_(), "reasons": pa.string()}


@dg.multi_asset_check(
    specs=risk_specs(STORED), can_subset=True, name="stored_transaction_risk_checks",
    description="The stored combined risk, read once for its two checks, and the detectors' stored rows, "
                "counted per algorithm by the database in one query for theirs.")
def stored_transaction_risk_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                                   scoring: ScoringResource):
    wh = warehouse.get()
    key, strategy = context.partition_key, scoring.load(wh).name
    r = schema.transaction_risk
    rows = wh.read_query(sa.select(*(r.c[c] for c in RISK_COLUMNS)).where(
        r.c.upload_id == key, r.c.strategy == strategy), RISK_COLUMNS)
    yield from risk_results(rows, score_summary(wh, key, strategy), lambda: unexplained_flags(wh, key, strategy),
                            selected_names(context), STORED)


stored_checks = [stored_transactions_checks, stored_transaction_risk_checks]
