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

from anomaly_pipeline import quality
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.orchestration.asset_names import algorithm_asset_name
from anomaly_pipeline.orchestration.check_rules import (
    ERROR,
    STORED,
    algorithm_specs,
    risk_results,
    risk_specs,
    selected_names,
    to_result,
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


_ALGORITHM_OF_ASSET = {algorithm_asset_name(cls): cls for cls in ALGORITHMS.values()}


@dg.multi_asset_check(specs=algorithm_specs(STORED), can_subset=True, name="stored_detector_results",
                      description="Scores within [0, 1] and a reason for every flag, on the rows each detector "
                                  "asset stored, counted by the database in one query: a step per check would "
                                  "cost more than the checks.")
def stored_detector_results(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                            scoring: ScoringResource):
    wh = warehouse.get()
    strategy = scoring.load(wh).name
    key = context.partition_key
    summary = score_summary(wh, key, strategy)  # algorithm and rule names are unique across the registry
    for check_key in sorted(context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        name = _ALGORITHM_OF_ASSET[check_key.asset_key.to_user_string()].algorithm
        counts = summary.loc[name] if name in summary.index else dict.fromkeys(summary.columns, 0)
        if check_key.name == STORED + "scores_in_range":
            outcome = quality.range_outcome(int(counts["rows"]), int(counts["out_of_range"]), counts["min"],
                                            counts["max"])
        else:
            missing = int(counts["without_reason"])
            outcome = quality.reasons_outcome(int(counts["flagged"]), missing,
                                              unexplained_flags(wh, key, strategy, name) if missing else None)
        yield to_result(outcome, ERROR, check_key.name, check_key.asset_key)


RISK_COLUMNS = {"transaction_id": pa.int64(), "risk_score": pa.float64(), "voucher_risk": pa.float64(),
                "is_anomaly": pa.bool_(), "reasons": pa.string()}


@dg.multi_asset_check(
    specs=risk_specs(STORED), can_subset=True, name="stored_transaction_risk_checks",
    description="The stored combined risk, read once for both checks.")
def stored_transaction_risk_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                                   scoring: ScoringResource):
    wh = warehouse.get()
    r = schema.transaction_risk
    rows = wh.read_query(sa.select(*(r.c[c] for c in RISK_COLUMNS)).where(
        r.c.upload_id == context.partition_key, r.c.strategy == scoring.load(wh).name), RISK_COLUMNS)
    yield from risk_results(rows, selected_names(context), STORED)


stored_checks = [stored_transactions_checks, stored_detector_results, stored_transaction_risk_checks]
