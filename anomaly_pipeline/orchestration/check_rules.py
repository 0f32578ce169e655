"""The asset checks' specs and results, shared by the two places they are evaluated:

- every upload's run (`process_upload`, `rescore_upload`): the assets declare these checks (`check_specs`) and
  yield their results from facts the run already holds: the frame it read, the row count the COPY reported,
  the reader's count, the detectors' rows `transaction_risk` combined and the risk frame it stored. No
  read-back query.
- the opt-in read-back (`verify_upload` job, `checks.py`): the same rules on what the database holds, under
  the names prefixed `stored_` (a check key is asset + name: the two must not collide).

The rules live in `anomaly_pipeline.quality`. Severities: an unbalanced voucher in a real export is a finding,
not broken data (WARN); missing key fields, lost rows, scores outside [0, 1] and flags without a reason mean the
pipeline produced something wrong (ERROR).
"""

from collections.abc import Callable, Collection, Iterator, Mapping

import dagster as dg
import pandas as pd

from anomaly_pipeline import quality
from anomaly_pipeline.orchestration.metadata import frame_markdown
from anomaly_pipeline.orchestration.partitions import uploads_partitions

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR
#: the read-back checks' names: `stored_vouchers_balance` beside the run's `vouchers_balance`
STORED = "stored_"

TRANSACTION_CHECKS = {
    "vouchers_balance": "Ledgers: the active lines of every voucher sum to 0 within one cent (WARN: a finding).",
    "keys_present": "No transaction without posting date, amount or account after normalization.",
    "row_count_matches_file": "Rows loaded (removed lines included) + rows skipped as unreadable = records the "
                              "reader counted in the file (file_uploads.expected_rows).",
}
RISK_CHECKS = {
    "scores_in_range": "Every risk score (and voucher risk) is within [0, 1].",
    "flags_have_reasons": "Every transaction flagged as an anomaly has its reasons.",
    # on the risk asset, not two on each of the 36 detector assets: a check costs a run three Dagster events,
    # and 72 of them were a quarter of a small upload's run
    "detector_scores_in_range": "Every score the detectors stored for this upload and strategy (rule flags "
                                "included) is within [0, 1]; a failure names the detectors.",
    "detector_flags_have_reasons": "Every row a detector flagged has a reason; a failure names the detectors.",
}


def to_result(outcome: quality.Outcome, severity: dg.AssetCheckSeverity, check_name: str) -> dg.AssetCheckResult:
    metadata = {k: dg.MetadataValue.md(frame_markdown(v)) if isinstance(v, pd.DataFrame) else v
                for k, v in outcome.metadata.items() if v is not None}
    return dg.AssetCheckResult(passed=outcome.passed, severity=severity, description=outcome.description,
                               metadata=metadata, check_name=check_name)


def _specs(asset: str, descriptions: Mapping[str, str], prefix: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(prefix + name, asset=asset, partitions_def=uploads_partitions,
                              description=text if not prefix else f"Read back from the database: {text}")
            for name, text in descriptions.items()]


def selected_names(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> set[str]:
    """Names of the selected checks (each step's checks are on one asset)."""
    return {k.name for k in context.selected_asset_check_keys}


# ---------------------------------------------------------------- transactions

def transaction_specs(prefix: str = "") -> list[dg.AssetCheckSpec]:
    return _specs("transactions", TRANSACTION_CHECKS, prefix)


def transaction_results(frame: pd.DataFrame, upload: Mapping, stored_rows: int, selected: Collection[str],
                        prefix: str = "") -> Iterator[dg.AssetCheckResult]:
    """`frame`: the upload's transactions (removed lines included); `upload`: its expected_rows and
    read_metadata (skipped_rows); `stored_rows`: the rows stored for it."""
    if prefix + "vouchers_balance" in selected:
        yield to_result(quality.voucher_balance(frame), WARN, prefix + "vouchers_balance")
    if prefix + "keys_present" in selected:
        yield to_result(quality.keys_present(frame), ERROR, prefix + "keys_present")
    if prefix + "row_count_matches_file" in selected:
        yield to_result(quality.row_count(dict(upload), stored_rows), ERROR, prefix + "row_count_matches_file")


# ---------------------------------------------------------------- transaction_risk

def risk_specs(prefix: str = "") -> list[dg.AssetCheckSpec]:
    return _specs("transaction_risk", RISK_CHECKS, prefix)


def stored_check_keys() -> list[dg.AssetCheckKey]:
    """The read-back checks (`checks.py`), for job selections that must not import the assets."""
    return [spec.key for spec in (*transaction_specs(STORED), *risk_specs(STORED))]


def risk_results(risk: pd.DataFrame, summary: pd.DataFrame, examples: Callable[[], pd.DataFrame],
                 selected: Collection[str], prefix: str = "") -> list[dg.AssetCheckResult]:
    """`risk`: transaction_id, risk_score, voucher_risk, is_anomaly, reasons; `summary`: the detectors' stored
    rows counted per algorithm (`quality.score_summary`); `examples()`: algorithm and transaction_id of flags
    without a reason (asked only when there are any)."""
    results = []
    if prefix + "detector_scores_in_range" in selected:
        results.append(to_result(quality.detector_ranges(summary), ERROR, prefix + "detector_scores_in_range"))
    if prefix + "detector_flags_have_reasons" in selected:
        missing = int(summary["without_reason"].sum())
        results.append(to_result(quality.detector_reasons(summary, examples() if missing else None), ERROR,
                                 prefix + "detector_flags_have_reasons"))
    if prefix + "scores_in_range" in selected:
        values = pd.concat([risk["risk_score"], risk["voucher_risk"].dropna()], ignore_index=True)
        results.append(to_result(quality.scores_in_range(values, "risk score"), ERROR, prefix + "scores_in_range"))
    if prefix + "flags_have_reasons" in selected:
        results.append(to_result(quality.flags_have_reasons(risk, "is_anomaly", "reasons"), ERROR,
                                 prefix + "flags_have_reasons"))
    return results
