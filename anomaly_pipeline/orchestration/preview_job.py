"""`preview_strategy`: an op job an engineer launches from the UI to see what a strategy would flag.

It writes no results: the report (same as `anomaly-pipeline strategies preview --format json`) is logged
and attached to the op's output as metadata.
"""

import dagster as dg
import pandas as pd

from anomaly_pipeline.orchestration.metadata import frame_markdown
from anomaly_pipeline.orchestration.resources import WarehouseResource
from anomaly_pipeline.strategies.preview import preview_strategy
from anomaly_pipeline.strategies.store import get_strategy


class PreviewConfig(dg.Config):
    """Which strategy to preview, on which upload(s), compared with which strategy."""

    strategy: str
    strategy_version: int = 0  # 0 = newest
    upload: str = ""  # upload id; empty = the most recently loaded upload
    all_uploads: bool = False  # every loaded upload (overrides `upload`)
    against: str = ""  # empty = DEFAULT_STRATEGY
    examples: int = 10


@dg.op(name="strategy_preview", description="Runs a strategy in memory on loaded transactions and reports what "
                                            "it would flag against the current results. Writes nothing.")
def preview_strategy_op(context: dg.OpExecutionContext, config: PreviewConfig,
                        warehouse: WarehouseResource) -> dg.Output:
    wh = warehouse.get()
    candidate = get_strategy(wh, config.strategy, config.strategy_version or None)
    report = preview_strategy(
        wh, candidate, uploads=[config.upload] if config.upload and not config.all_uploads else None,
        all_uploads=config.all_uploads, against=config.against or None, examples=config.examples,
    )
    context.log.info(
        f"{report['strategy']} v{report['version']}: {report['flagged_transactions']} flagged "
        f"(current {report['against']}: {report['current_flagged_transactions']}), "
        f"{report['newly_flagged']} newly flagged, {report['no_longer_flagged']} no longer flagged; "
        f"recomputed {report['recomputed']}, reused {report['reused']}"
    )
    examples = report["newly_flagged_examples"] + report["no_longer_flagged_examples"]
    return dg.Output(report, metadata={
        "strategy": f"{report['strategy']} v{report['version']}",
        "against": f"{report['against']} v{report['against_version']}",
        "transactions": report["transactions"],
        "flagged_transactions": report["flagged_transactions"],
        "flagged_vouchers": report["flagged_vouchers"],
        "current_flagged_transactions": report["current_flagged_transactions"],
        "newly_flagged": report["newly_flagged"],
        "no_longer_flagged": report["no_longer_flagged"],
        "recomputed": dg.MetadataValue.json(report["recomputed"]),
        "reused": dg.MetadataValue.json(report["reused"]),
        "per_algorithm": dg.MetadataValue.json(report["per_algorithm"]),
        "score_distribution": dg.MetadataValue.json(report["score_distribution"]),
        "examples": dg.MetadataValue.md(_examples_markdown(examples)),
        "report": dg.MetadataValue.json(report),
    })


def _examples_markdown(examples: list[dict]) -> str:
    if not examples:
        return "_none_"
    frame = pd.DataFrame(examples)[["upload_id", "transaction_id", "posting_date", "account", "amount",
                                    "risk_score", "current_risk_score", "reasons", "current_reasons"]]
    return frame_markdown(frame)


@dg.job(name="preview_strategy", description="Preview a strategy on loaded uploads without replacing results.")
def preview_strategy_job():
    preview_strategy_op()
