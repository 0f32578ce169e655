"""Per-upload assets: raw file -> canonical transactions -> one asset per algorithm -> combined risk.

Assets pass data through the warehouse (each returns a MaterializeResult with metadata), so any single
asset can be re-materialized for a partition and replaces exactly its own rows. The algorithm assets are
one multi-asset step (`detectors`): one frame, shared features and fits, no per-asset step overhead.
"""


import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg

from anomaly_pipeline import intake, preload, quality
from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, DetectionResult
from anomaly_pipeline.detect.batch import Outcome, detect_all
from anomaly_pipeline.detect.combine import combine_scores
from anomaly_pipeline.detect.history import describe_baseline, rows_only, with_history
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.detect.skips import describe_skips, skipped_tests
from anomaly_pipeline.jsonable import jsonable
from anomaly_pipeline.orchestration import plots
from anomaly_pipeline.orchestration.check_rules import (
    risk_results,
    risk_specs,
    selected_names,
    transaction_results,
    transaction_specs,
)
from anomaly_pipeline.orchestration.metadata import (
    algorithm_table,
    frame_markdown,
    source_metadata,
    transaction_summary,
    warnings_markdown,
)
from anomaly_pipeline.orchestration.partitions import uploads_partitions
from anomaly_pipeline.orchestration.resources import ScoringResource, WarehouseResource
from anomaly_pipeline.orchestration.retries import RETRY, transient_only
from anomaly_pipeline.scoring import (
    algorithm_run,
    history_summary,
    run_hash,
    stale_algorithms,
    upload_history,
)
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.results import (
    AlgorithmRun,
    load_scores,
    save_algorithm_results,
    save_risk,
)
from anomaly_pipeline.storage.warehouse import Warehouse
from anomaly_pipeline.strategies.model import Strategy

GROUPS = {"statistical": "statistical", "rule": "rules", "ml": "ml"}
#: stored rows after which the results gathered so far are saved, while the other algorithms still run
SAVE_BATCH_ROWS = 100_000


class RawUploadConfig(dg.Config):
    """Where the dropped file is. Empty on re-materialization: the archived original is used."""

    path: str = ""
    file_name: str = ""  # the name the user gave the file, when `path` is a temporary copy
    move: bool = False  # the sensor moves files out of UPLOAD_DIR; the CLI copies


@dg.asset(partitions_def=uploads_partitions, group_name="ingest", retry_policy=RETRY,
          description="The uploaded file, registered in file_uploads and kept in the archive.")
@transient_only
def raw_upload(context: dg.AssetExecutionContext, config: RawUploadConfig,
               warehouse: WarehouseResource) -> dg.MaterializeResult:
    key = context.partition_key
    try:
        received = intake.receive(warehouse.get(), get_settings(), key, Path(config.path) if config.path else None,
                                  config.file_name, config.move)
    except intake.NothingToReceive as exc:
        raise dg.Failure(str(exc), allow_retries=False) from exc
    detected = received.file_format or "unknown"
    context.log.info(f"event=registered upload={key} format={detected} size_bytes={received.size}")
    return dg.MaterializeResult(metadata={
        # what the reader found last time (encoding, mapping); a first materialization knows it after `transactions`
        **source_metadata(received.file_name, detected, received.read_metadata),
        "file_name": received.file_name, "size_bytes": received.size, "sha256": received.sha256,
        "detected_format": detected, "stored_path": dg.MetadataValue.path(str(received.stored)),
    })


FILE_READABLE = "file_readable"


@dg.multi_asset(
    specs=[dg.AssetSpec("transactions", group_name="ingest", deps=[raw_upload], partitions_def=uploads_partitions,
                        skippable=True,
                        description="The upload's transactions in the canonical schema (table transactions).")],
    check_specs=[dg.AssetCheckSpec(
        FILE_READABLE, asset="transactions", partitions_def=uploads_partitions,
        description="The file could be read truthfully. When it fails, the file was rejected: the reason and where "
                    "the file was moved are in this check's metadata, nothing was loaded, and the scoring steps are "
                    "skipped (the run itself succeeds: a bad file is a result, not a crash)."),
                 *transaction_specs()],
    name="transactions", partitions_def=uploads_partitions, retry_policy=RETRY, can_subset=True,
    description="Read, normalize and load the upload (or reject the file). Its checks are evaluated on what this "
                "run read and loaded (the frame, the rows the COPY reported, the reader's count); file_readable "
                "alone reports the stored outcome. The read-back of the stored table is the verify_upload job.")
@transient_only
def transactions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    key = context.partition_key
    settings = get_settings()
    wh = warehouse.get()
    upload = wh.get_upload(key)
    if not context.selected_asset_keys:  # the check alone ("Execute checks" in the UI): what the last read found
        yield _readable_from_history(upload)
        return
    if upload is None:
        raise dg.Failure(f"upload {key} is not registered: materialize raw_upload first", allow_retries=False)
    outcome = intake.read_and_load(wh, settings, key, Path(upload["stored_path"]))
    if isinstance(outcome, intake.Rejected):
        yield _rejected(context, upload, outcome)
        return
    result, count, file_format = outcome.result, outcome.count, outcome.file_format
    for warning in result.warnings:
        context.log.warning(f"{upload['file_name']}: {warning}")
    source = source_metadata(upload["file_name"], file_format, result.metadata)
    # the raw file's encoding and column mapping are known only once read: record them on raw_upload too
    context.log_event(dg.AssetObservation(asset_key=raw_upload.key, partition=key, metadata=source))
    context.log.info(f"event=loaded upload={key} format={file_format} rows={count} "
                     f"expected_rows={result.expected_rows} skipped={result.metadata.get('skipped_rows', 0)} "
                     f"warnings={len(result.warnings)} read_seconds={outcome.read_seconds} seconds={outcome.seconds}")
    warnings = dg.MetadataValue.md(warnings_markdown(result.warnings))
    skipped = int(result.metadata.get("skipped_rows", 0))
    yield dg.AssetCheckResult(
        check_name=FILE_READABLE, passed=True, metadata={"transactions": count, "skipped_rows": skipped,
                                                         "warnings": warnings},
        description=f"read with {len(result.warnings)} warning(s)" if result.warnings else "read without warnings")
    yield dg.MaterializeResult(asset_key="transactions", metadata={
        "warnings": warnings,  # first: rows skipped, damaged text, fields absent are what a reader must know
        **source,
        "transactions": count,
        "expected_rows": result.expected_rows,
        "skipped_rows": skipped,
        "format": file_format,
        "read_metadata": dg.MetadataValue.json(jsonable(result.metadata)),
        "read_seconds": outcome.read_seconds,  # the rest of `seconds` is the load (COPY, indexes, commit)
        "seconds": outcome.seconds,
        **transaction_summary(result.frame),
    })
    # after the materialization, which they are evaluated against
    yield from transaction_results(result.frame, {"expected_rows": result.expected_rows, "read_metadata": result.metadata},
                                   outcome.stored_rows, selected_names(context))


def _rejected(context: dg.AssetExecutionContext, upload: dict, rejected: intake.Rejected) -> dg.AssetCheckResult:
    """A file that cannot be read truthfully is a result, not a crash: the check fails with the reason and
    `transactions` is not materialized, so the scoring steps are skipped."""
    key = context.partition_key
    context.log.warning(f"event=rejected upload={key} file={upload['file_name']!r} reason={rejected.reason!r} "
                        f"moved_to={rejected.moved_to}")
    rejection = {"status": "rejected", "reason": rejected.reason,
                 "moved_to": dg.MetadataValue.path(str(rejected.moved_to))}
    context.log_event(dg.AssetObservation(asset_key=raw_upload.key, partition=key, metadata=rejection))
    return dg.AssetCheckResult(check_name=FILE_READABLE, passed=False, severity=dg.AssetCheckSeverity.ERROR,
                               description=f"{upload['file_name']} rejected: {rejected.reason}", metadata=rejection)


def _readable_from_history(upload: dict | None) -> dg.AssetCheckResult:
    if upload is not None and upload["status"] == "rejected":
        return dg.AssetCheckResult(check_name=FILE_READABLE, passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                   description=f"{upload['file_name']} rejected: {upload['error']}",
                                   metadata={"status": "rejected", "reason": upload["error"] or "",
                                             "moved_to": dg.MetadataValue.path(upload["stored_path"] or "")})
    if upload is not None and upload["status"] == "loaded":
        return dg.AssetCheckResult(check_name=FILE_READABLE, passed=True,
                                   metadata={"transactions": int(upload["transaction_count"] or 0),
                                             "warnings": len(upload["warnings"] or [])})
    status = upload["status"] if upload else "not registered"
    return dg.AssetCheckResult(check_name=FILE_READABLE, passed=False, severity=dg.AssetCheckSeverity.WARN,
                               description=f"not read yet (status {status}): materialize transactions")


def algorithm_asset_name(cls: type[AnomalyDetectionAlgorithm]) -> str:
    """`rule_<name>` for rules, `score_<name>` for statistical and ML algorithms."""
    return f"{'rule' if cls.kind == 'rule' else 'score'}_{cls.algorithm}"


def _algorithm_spec(cls: type[AnomalyDetectionAlgorithm]) -> dg.AssetSpec:
    return dg.AssetSpec(algorithm_asset_name(cls), group_name=GROUPS[cls.kind], deps=[transactions],
                        description=cls.description or cls.__doc__, tags={"algorithm_type": cls.kind},
                        partitions_def=uploads_partitions, skippable=True)


@dg.multi_asset(specs=[_algorithm_spec(cls) for cls in ALGORITHMS.values()], name="detectors", can_subset=True,
                partitions_def=uploads_partitions, retry_policy=RETRY,
                description="Every registered algorithm, one asset each (anomaly_scores, or rule_flags for rules), "
                            "run in one step on one copy of the upload's transactions so that they share work "
                            "(features, model fits). Selecting some assets runs only those algorithms. Their rows "
                            "are checked by transaction_risk's detector_* checks.")
@transient_only
def detectors(context: dg.AssetExecutionContext, warehouse: WarehouseResource, scoring: ScoringResource):
    key = context.partition_key
    wh = warehouse.get()
    strategy = scoring.load(wh)
    selected = {k.to_user_string() for k in context.selected_asset_keys}
    work: list[tuple[AnomalyDetectionAlgorithm, dict]] = []
    disabled: list[type[AnomalyDetectionAlgorithm]] = []
    for cls in ALGORITHMS.values():
        settings = strategy.settings_for(cls.algorithm)
        if algorithm_asset_name(cls) not in selected:
            continue
        if settings.enabled:
            work.append((cls(), settings.config))
        else:
            disabled.append(cls)
    failed: dict[str, str] = {}
    frame, fingerprint = None, ""
    if work:  # judged within the entity's earlier uploads, where it has any
        history, fingerprint = upload_history(wh, key)
        frame = with_history(wh.read_transactions(key), history)
        if fingerprint:
            context.log.info(f"judged with {len(history)} earlier lines of entity {history['entity'].iloc[-1]!r} "
                             f"from {history['upload_id'].nunique()} upload(s), {history['posting_date'].min():%Y-%m-%d} "
                             f"to {history['posting_date'].max():%Y-%m-%d}")
    preload.wait()  # the ML detectors import scikit-learn; never beside the preload thread importing it
    # results are saved in batches, several algorithms per transaction (one DELETE and one COPY per table), as
    # they arrive: a small upload's 36 results in one batch, a large one's while the other algorithms still run;
    # each batch keeps only what is stored and the flagged rows, never the algorithms' full score frames
    pending: list[tuple[AlgorithmRun, Outcome | None]] = [
        (algorithm_run(cls(), None, strategy.settings_for(cls.algorithm).config_hash(), "disabled"), None)
        for cls in disabled]
    rows = 0
    for outcome in detect_all(frame, work, lanes=get_settings().worker_threads):
        if outcome.error is not None:  # one broken algorithm must not take the others' results with it
            name = outcome.algorithm.algorithm
            context.log.error(f"{name} failed:\n" + "".join(traceback.format_exception(outcome.error)))
            failed[name] = f"{type(outcome.error).__name__}: {outcome.error}"
            continue
        result = rows_only(outcome.result)
        run = algorithm_run(outcome.algorithm, result, run_hash(strategy.settings_for(outcome.algorithm.algorithm),
                                                                fingerprint))
        pending.append((run, Outcome(outcome.algorithm, DetectionResult(
            scores=result.flagged, skipped=result.skipped, summary=result.summary), None, outcome.seconds)))
        rows += len(run.rows)
        if rows >= SAVE_BATCH_ROWS:
            yield from _save_batch(context, wh, key, strategy, pending)
            pending, rows = [], 0
    if pending:
        yield from _save_batch(context, wh, key, strategy, pending)
    if work:
        wh.analyze(schema.anomaly_scores, schema.rule_flags)  # the planner's statistics for what was just stored
    if failed:  # the same data would fail the same way: no retry
        raise dg.Failure(f"{len(failed)} algorithm(s) failed: " + "; ".join(f"{n}: {e}" for n, e in failed.items()),
                         metadata={"failed": dg.MetadataValue.json(failed)}, allow_retries=False)


def _save_batch(context: dg.AssetExecutionContext, wh: Warehouse, key: str, strategy: Strategy,
                batch: list[tuple[AlgorithmRun, Outcome | None]]) -> Iterator[dg.MaterializeResult]:
    """Store the batch's results in one transaction, then one materialization per asset (storage errors
    propagate: the step's retry policy covers a database that went away)."""
    stored = save_algorithm_results(wh, key, strategy.name, [run for run, _ in batch])
    for (run, outcome), rows_stored in zip(batch, stored, strict=True):
        asset = algorithm_asset_name(ALGORITHMS[run.algorithm])
        if outcome is None:
            yield dg.MaterializeResult(asset_key=asset, metadata={"status": "disabled", "strategy": strategy.name})
        else:
            yield dg.MaterializeResult(asset_key=asset, metadata=_result_metadata(
                context, key, strategy, outcome, rows_stored))


def _result_metadata(context: dg.AssetExecutionContext, key: str, strategy: Strategy, outcome: Outcome,
                     stored: int) -> dict:
    """The stored outcome as the asset's materialization metadata (and its lines in the run log)."""
    algorithm, result = outcome.algorithm, outcome.result
    cls = type(algorithm)
    settings = strategy.settings_for(cls.algorithm)
    if result.skipped:
        context.log.warning(f"{cls.algorithm} skipped: {result.skipped}")
    flagged = result.flagged
    seconds = outcome.seconds
    context.log.info(f"event=scored upload={key} algorithm={cls.algorithm} strategy={strategy.name} "
                     f"status={'skipped' if result.skipped else 'ran'} flagged={len(flagged)} "
                     f"rows_stored={stored} seconds={seconds}")
    return {
        "status": "skipped" if result.skipped else "ran",
        "skip_reason": result.skipped or "",
        "strategy": f"{strategy.name} v{strategy.version}",
        "config": dg.MetadataValue.json(settings.config),
        "flagged": len(flagged),
        "rows_stored": stored,
        "seconds": seconds,
        "summary": dg.MetadataValue.json(jsonable(result.summary)),
        "examples": dg.MetadataValue.md(frame_markdown(
            flagged.nlargest(10, "score")[["transaction_id", "score", "reason"]] if len(flagged) else flagged)),
    }


algorithm_asset_keys = [dg.AssetKey(algorithm_asset_name(cls)) for cls in ALGORITHMS.values()]


@dg.asset(partitions_def=uploads_partitions, group_name="risk", deps=algorithm_asset_keys, retry_policy=RETRY,
          check_specs=risk_specs(),
          description="One risk score per transaction from the strategy's weights, with ordered reasons. Its checks "
                      "are evaluated on the risk frame this run combined (every transaction; the stored rows are "
                      "those with a risk above 0) and, detector_*, on the detectors' stored rows it combined.")
@transient_only
def transaction_risk(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                     scoring: ScoringResource) -> dg.MaterializeResult:
    key = context.partition_key
    wh = warehouse.get()
    strategy = scoring.load(wh)
    stale = stale_algorithms(wh, key, strategy)
    if stale:  # the run log must name the version that made the scores: rerun those assets first
        raise dg.Failure(f"{strategy.name} v{strategy.version}: " + "; ".join(
            f"{name} {why}" for name, why in stale.items()) + ": materialize their assets first", allow_retries=False)
    started = time.perf_counter()
    frame = wh.read_transactions(key)
    active = frame[~frame["is_removed"]]
    scores, algorithm_counts = load_scores(wh, key, strategy.name)
    baseline = history_summary(wh, key)
    risk = combine_scores(active, scores, strategy.weights, strategy.threshold)
    run_record = context.instance.get_run_record_by_id(context.run_id)
    with ThreadPoolExecutor(1, thread_name_prefix="save-risk") as pool:  # the database writes, the metadata is built
        saving = pool.submit(save_risk, wh, key, strategy.name, strategy.version, risk, algorithm_counts,
                             run_id=context.run_id,
                             started_at=run_record.start_time if run_record else None, baseline=baseline)
        top = risk.nlargest(20, "risk_score")  # not a sort of every row: 2M rows 1.2 s
        top = top[top["risk_score"] > 0]
        top = top.merge(active.loc[active["transaction_id"].isin(top["transaction_id"]),
                                   ["transaction_id", "voucher_id", "posting_date", "account", "amount"]],
                        on=["transaction_id", "voucher_id"])
        flagged_rows = risk[risk["is_anomaly"]].merge(active[["transaction_id", "posting_date", "amount"]],
                                                       on="transaction_id")
        shown = {  # the UI lists metadata in this order: what a reviewer looks at first
            "top_20": dg.MetadataValue.md(frame_markdown(
                top[["transaction_id", "voucher_id", "posting_date", "account", "amount", "risk_score", "reasons"]])),
            "risk_histogram": dg.MetadataValue.md(plots.risk_histogram(risk["risk_score"], strategy.threshold)),
            "flagged_over_time": dg.MetadataValue.md(
                plots.flagged_amounts_over_time(flagged_rows["posting_date"], flagged_rows["amount"])),
        }
        flagged = saving.result()
    seconds = round(time.perf_counter() - started, 3)
    context.log.info(f"event=risk_combined upload={key} strategy={strategy.name} transactions={len(active)} "
                     f"flagged={flagged} seconds={seconds}")
    return dg.MaterializeResult(metadata={
        **shown,
        "strategy": f"{strategy.name} v{strategy.version}",
        "transactions": len(active),
        "flagged": flagged,
        "flagged_share": round(flagged / len(active), 4) if len(active) else 0.0,
        "flagged_vouchers": int(risk.loc[risk["is_anomaly"], "voucher_id"].nunique()),
        "judged_with": describe_baseline(baseline),
        "per_algorithm": dg.MetadataValue.md(algorithm_table(algorithm_counts, strategy.weights)),
        "tests_not_run": describe_skips(skipped_tests(algorithm_counts)) or "none: every enabled test ran",
        "seconds": seconds,
    }, check_results=risk_results(risk, quality.score_summary(scores), lambda: quality.unexplained(scores),
                                  selected_names(context)))


ingest_assets = [raw_upload, transactions]
scoring_assets = [detectors, transaction_risk]
