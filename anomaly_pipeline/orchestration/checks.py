"""Asset checks on the per-upload assets, partitioned like them (Dagster 1.13 `asset_check(partitions_def=)`),
so every run checks exactly the upload it materialized. The rules live in `anomaly_pipeline.quality`.

Severities: an unbalanced voucher in a real export is a finding, not broken data (WARN); missing key fields,
lost rows, scores outside [0, 1] and flags without a reason mean the pipeline produced something wrong (ERROR).
"""

import warnings

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from anomaly_pipeline import quality
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.orchestration.assets import algorithm_asset_name, transaction_risk, transactions
from anomaly_pipeline.orchestration.metadata import frame_markdown
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.orchestration.resources import ScoringResource, WarehouseResource
from anomaly_pipeline.storage import schema

# Partitioned checks are "preview" in 1.13 but work and are tested here; say so once, in the notes, not per run.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*", category=dg.PreviewWarning)

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR


def read_columns(warehouse: WarehouseResource, upload_id: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Only the columns a check needs (the full rows carry the raw source record: several times the size)."""
    wh = warehouse.get()
    table = schema.transactions
    query = sa.select(*(table.c[c] for c in columns)).where(table.c.upload_id == upload_id)
    with wh.engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    if "amount" in frame:
        frame["amount"] = frame["amount"].astype("float64")
    if "posting_date" in frame:
        frame["posting_date"] = pd.to_datetime(frame["posting_date"], errors="coerce")
    for col in ("voucher_id", "account"):
        if col in frame:
            frame[col] = frame[col].astype("string")
    if "is_removed" in frame:
        frame["is_removed"] = frame["is_removed"].astype(bool)
    return frame


def to_result(outcome: quality.Outcome, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    metadata = {k: dg.MetadataValue.md(frame_markdown(v)) if isinstance(v, pd.DataFrame) else v
                for k, v in outcome.metadata.items() if v is not None}
    return dg.AssetCheckResult(passed=outcome.passed, severity=severity, description=outcome.description,
                               metadata=metadata)


@dg.asset_check(asset=transactions, partitions_def=uploads_partitions,
                description="Ledgers: the active lines of every voucher sum to 0 within one cent (WARN: a finding).")
def vouchers_balance(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = read_columns(warehouse, context.partition_key, ("voucher_id", "account", "amount", "is_removed"))
    return to_result(quality.voucher_balance(frame), WARN)


@dg.asset_check(asset=transactions, partitions_def=uploads_partitions,
                description="No transaction without posting date, amount or account after normalization.")
def keys_present(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = read_columns(warehouse, context.partition_key,
                         ("transaction_id", "row_number", "posting_date", "amount", "account"))
    return to_result(quality.keys_present(frame), ERROR)


@dg.asset_check(asset=transactions, partitions_def=uploads_partitions,
                description="Rows loaded (removed lines included) + rows skipped as unreadable = records the "
                            "reader counted in the file (file_uploads.expected_rows).")
def row_count_matches_file(context: dg.AssetCheckExecutionContext,
                           warehouse: WarehouseResource) -> dg.AssetCheckResult:
    wh = warehouse.get()
    key = context.partition_key
    upload = wh.get_upload(key) or {}
    stored = wh.count_rows(schema.transactions, upload_id=key)
    return to_result(quality.row_count(upload, stored), ERROR)


def _algorithm_check_specs() -> list[dg.AssetCheckSpec]:
    specs = []
    for cls in ALGORITHMS.values():
        asset_key = dg.AssetKey(algorithm_asset_name(cls))
        specs += [
            dg.AssetCheckSpec("scores_in_range", asset=asset_key, partitions_def=uploads_partitions,
                              description=f"Every stored {cls.name()} score is within [0, 1]."),
            dg.AssetCheckSpec("flags_have_reasons", asset=asset_key, partitions_def=uploads_partitions,
                              description=f"Every transaction {cls.name()} flagged has a reason."),
        ]
    return specs


_ALGORITHM_OF_ASSET = {algorithm_asset_name(cls): cls for cls in ALGORITHMS.values()}


@dg.multi_asset_check(specs=_algorithm_check_specs(), can_subset=True, name="detector_results",
                      description="Scores within [0, 1] and a reason for every flag, on the rows each detector "
                                  "asset stored. One step reads them all: a step per check would cost more "
                                  "than the checks.")
def detector_results(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                     scoring: ScoringResource):
    wh = warehouse.get()
    strategy = scoring.load(wh).name
    key = context.partition_key
    scores = wh.read_table(schema.anomaly_scores, upload_id=key, strategy=strategy)
    flags = wh.read_table(schema.rule_flags, upload_id=key, strategy=strategy).assign(flagged=True)
    by_algorithm = {name: rows for name, rows in scores.groupby("algorithm")}
    by_rule = {name: rows for name, rows in flags.groupby("rule")}
    for check_key in sorted(context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        cls = _ALGORITHM_OF_ASSET[check_key.asset_key.to_user_string()]
        stored = (by_rule if cls.kind == "rule" else by_algorithm).get(cls.name(), flags.iloc[:0])
        if check_key.name == "scores_in_range":
            outcome = quality.scores_in_range(stored["score"])
        else:
            outcome = quality.flags_have_reasons(stored)
        result = to_result(outcome, ERROR)
        yield dg.AssetCheckResult(asset_key=check_key.asset_key, check_name=check_key.name, passed=result.passed,
                                  severity=result.severity, description=result.description,
                                  metadata=result.metadata)


def _risk_rows(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, scoring: ScoringResource):
    wh = warehouse.get()
    return wh.read_table(schema.transaction_risk, upload_id=context.partition_key, strategy=scoring.load(wh).name)


@dg.asset_check(asset=transaction_risk, name="scores_in_range", partitions_def=uploads_partitions,
                description="Every risk score (and voucher risk) is within [0, 1].")
def risk_in_range(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                  scoring: ScoringResource) -> dg.AssetCheckResult:
    rows = _risk_rows(context, warehouse, scoring)
    values = pd.concat([rows["risk_score"], rows["voucher_risk"].dropna()], ignore_index=True)
    return to_result(quality.scores_in_range(values, "risk score"), ERROR)


@dg.asset_check(asset=transaction_risk, name="flags_have_reasons", partitions_def=uploads_partitions,
                description="Every transaction flagged as an anomaly has its reasons.")
def anomalies_have_reasons(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                           scoring: ScoringResource) -> dg.AssetCheckResult:
    rows = _risk_rows(context, warehouse, scoring)
    return to_result(quality.flags_have_reasons(rows, "is_anomaly", "reasons"), ERROR)


asset_checks = [
    vouchers_balance, keys_present, row_count_matches_file,
    detector_results,
    risk_in_range, anomalies_have_reasons,
]
