"""Asset checks on the per-upload assets, partitioned like them (Dagster 1.13 `asset_check(partitions_def=)`),
so every run checks exactly the upload it materialized. The rules live in `anomaly_pipeline.quality`.

Severities: an unbalanced voucher in a real export is a finding, not broken data (WARN); missing key fields,
lost rows, scores outside [0, 1] and flags without a reason mean the pipeline produced something wrong (ERROR).
"""

import dagster as dg
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from anomaly_pipeline import quality
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.orchestration.assets import algorithm_asset_name, transaction_risk, transactions
from anomaly_pipeline.orchestration.metadata import frame_markdown
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.orchestration.resources import ScoringResource, WarehouseResource
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.results import score_summary, unexplained_flags

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR


TRANSACTION_COLUMNS = {"transaction_id": pa.int64(), "row_number": pa.int64(), "voucher_id": pa.string(),
                       "account": pa.string(), "amount": pa.float64(), "posting_date": pa.timestamp("ns"),
                       "is_removed": pa.bool_()}


def read_columns(warehouse: WarehouseResource, upload_id: str) -> pd.DataFrame:
    """The columns the transactions checks need, from the database (what is stored is what is checked; the
    full rows carry the raw source record: several times the size)."""
    table = schema.transactions
    query = sa.select(*(table.c[c] for c in TRANSACTION_COLUMNS)).where(table.c.upload_id == upload_id)
    return warehouse.get().read_query(query, TRANSACTION_COLUMNS)


def to_result(outcome: quality.Outcome, severity: dg.AssetCheckSeverity, check_name: str | None = None,
              asset_key: dg.AssetKey | None = None) -> dg.AssetCheckResult:
    metadata = {k: dg.MetadataValue.md(frame_markdown(v)) if isinstance(v, pd.DataFrame) else v
                for k, v in outcome.metadata.items() if v is not None}
    return dg.AssetCheckResult(passed=outcome.passed, severity=severity, description=outcome.description,
                               metadata=metadata, check_name=check_name, asset_key=asset_key)


_TRANSACTION_CHECKS = {
    "vouchers_balance": "Ledgers: the active lines of every voucher sum to 0 within one cent (WARN: a finding).",
    "keys_present": "No transaction without posting date, amount or account after normalization.",
    "row_count_matches_file": "Rows loaded (removed lines included) + rows skipped as unreadable = records the "
                              "reader counted in the file (file_uploads.expected_rows).",
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=transactions, partitions_def=uploads_partitions, description=text)
           for name, text in _TRANSACTION_CHECKS.items()],
    can_subset=True, name="transactions_checks",
    description="The upload's stored transactions, read once for all three checks.")
def transactions_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    wh = warehouse.get()
    key = context.partition_key
    frame = read_columns(warehouse, key)
    selected = {k.name for k in context.selected_asset_check_keys}
    if "vouchers_balance" in selected:
        yield to_result(quality.voucher_balance(frame), WARN, "vouchers_balance")
    if "keys_present" in selected:
        yield to_result(quality.keys_present(frame), ERROR, "keys_present")
    if "row_count_matches_file" in selected:
        yield to_result(quality.row_count(wh.get_upload(key) or {}, len(frame)), ERROR, "row_count_matches_file")


def _algorithm_check_specs() -> list[dg.AssetCheckSpec]:
    specs = []
    for cls in ALGORITHMS.values():
        asset_key = dg.AssetKey(algorithm_asset_name(cls))
        specs += [
            dg.AssetCheckSpec("scores_in_range", asset=asset_key, partitions_def=uploads_partitions,
                              description=f"Every stored {cls.algorithm} score is within [0, 1]."),
            dg.AssetCheckSpec("flags_have_reasons", asset=asset_key, partitions_def=uploads_partitions,
                              description=f"Every transaction {cls.algorithm} flagged has a reason."),
        ]
    return specs


_ALGORITHM_OF_ASSET = {algorithm_asset_name(cls): cls for cls in ALGORITHMS.values()}


@dg.multi_asset_check(specs=_algorithm_check_specs(), can_subset=True, name="detector_results",
                      description="Scores within [0, 1] and a reason for every flag, on the rows each detector "
                                  "asset stored, counted by the database in one query: a step per check would "
                                  "cost more than the checks.")
def detector_results(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                     scoring: ScoringResource):
    wh = warehouse.get()
    strategy = scoring.load(wh).name
    key = context.partition_key
    summary = score_summary(wh, key, strategy)  # algorithm and rule names are unique across the registry
    for check_key in sorted(context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        name = _ALGORITHM_OF_ASSET[check_key.asset_key.to_user_string()].algorithm
        counts = summary.loc[name] if name in summary.index else dict.fromkeys(summary.columns, 0)
        if check_key.name == "scores_in_range":
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
    specs=[dg.AssetCheckSpec("scores_in_range", asset=transaction_risk, partitions_def=uploads_partitions,
                             description="Every risk score (and voucher risk) is within [0, 1]."),
           dg.AssetCheckSpec("flags_have_reasons", asset=transaction_risk, partitions_def=uploads_partitions,
                             description="Every transaction flagged as an anomaly has its reasons.")],
    can_subset=True, name="transaction_risk_checks",
    description="The stored combined risk, read once for both checks.")
def transaction_risk_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                            scoring: ScoringResource):
    wh = warehouse.get()
    r = schema.transaction_risk
    rows = wh.read_query(sa.select(*(r.c[c] for c in RISK_COLUMNS)).where(
        r.c.upload_id == context.partition_key, r.c.strategy == scoring.load(wh).name), RISK_COLUMNS)
    selected = {k.name for k in context.selected_asset_check_keys}
    if "scores_in_range" in selected:
        values = pd.concat([rows["risk_score"], rows["voucher_risk"].dropna()], ignore_index=True)
        yield to_result(quality.scores_in_range(values, "risk score"), ERROR, "scores_in_range")
    if "flags_have_reasons" in selected:
        yield to_result(quality.flags_have_reasons(rows, "is_anomaly", "reasons"), ERROR, "flags_have_reasons")


asset_checks = [transactions_checks, detector_results, transaction_risk_checks]
