"""The auditor workbook as a per-upload asset, built on demand rather than in every upload's run.

Writing a workbook costs more than scoring a large upload (openpyxl writes cell by cell), and auditors want
it for the strategy they review, so `process_upload` and `rescore_upload` leave it out. It is built by the
`export_workbook` job, by materializing this asset in the UI, by `anomaly-pipeline export`, or after each
new risk by the eager automation condition once `default_automation_condition_sensor` is switched on.
"""

import time

import dagster as dg

from anomaly_pipeline.orchestration.assets import transaction_risk
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.orchestration.resources import ScoringResource, WarehouseResource
from anomaly_pipeline.orchestration.retries import RETRY, transient_only
from anomaly_pipeline.settings import get_settings


def export_path(upload_id: str, strategy: str):
    """ANOMALY_DATA_DIR/exports/<upload>/<strategy>.xlsx (both names are validated identifiers)."""
    return get_settings().data_dir / "exports" / upload_id / f"{strategy}.xlsx"


@dg.asset(partitions_def=uploads_partitions, group_name="reporting", deps=[transaction_risk], retry_policy=RETRY,
          automation_condition=dg.AutomationCondition.eager(),
          description="Excel workbook for auditors: summary, flagged vouchers with all lines, one sheet per test.")
@transient_only
def auditor_export(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                   scoring: ScoringResource) -> dg.MaterializeResult:
    from anomaly_pipeline.reporting.export import export_workbook  # openpyxl: off the start of every run

    key = context.partition_key
    wh = warehouse.get()
    strategy = scoring.load(wh)
    started = time.perf_counter()
    summary = export_workbook(wh, key, strategy.name, export_path(key, strategy.name))
    seconds = round(time.perf_counter() - started, 3)
    size = summary.path.stat().st_size
    context.log.info(f"event=exported upload={key} strategy={strategy.name} path={summary.path} "
                     f"size_bytes={size} seconds={seconds}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(summary.path)),
        "strategy": f"{strategy.name} v{strategy.version}",
        "size_bytes": size,
        "flagged_voucher_lines": summary.sheets["Flagged vouchers"],
        "sheets": dg.MetadataValue.json(summary.sheets),
        "seconds": seconds,
    })


export_workbook_job = dg.define_asset_job(
    "export_workbook", selection=[auditor_export], partitions_def=uploads_partitions,
    description="Write the auditor workbook of one scored upload (the scoring resource's strategy).",
)
