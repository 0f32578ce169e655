"""What the reader understood of an upload, for people: its mapping report and the tests a missing field skipped."""

from __future__ import annotations

from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.ingest.column_mapping import CANONICAL_FIELDS
from anomaly_pipeline.ingest.mapping_report import absent_fields
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse


def mapping_report_of(upload: dict | None) -> dict | None:
    """The mapping report stored with an upload (None for uploads read before reports existed, or rejected)."""
    metadata = (upload or {}).get("read_metadata")
    return metadata.get("mapping_report") if isinstance(metadata, dict) else None


def missing_data_lines(wh: Warehouse, upload_id: str, strategy: str) -> list[str]:
    """One line per field the file did not have that made tests skip, e.g. "no registration date: 3 tests
    skipped (entry_date_gap, ...)": from the upload's mapping report and the stored outcomes of `strategy`."""
    report = mapping_report_of(wh.get_upload(upload_id))
    if not report:
        return []
    absent = set(absent_fields(report))
    runs = wh.read_table(schema.algorithm_runs, upload_id=upload_id, strategy=strategy)
    skipped: dict[str, list[str]] = {}
    for name in sorted(runs.loc[runs["status"] == "skipped", "algorithm"]) if not runs.empty else []:
        cls = ALGORITHMS.get(name)
        for column in cls.required_columns if cls is not None else ():
            if column in absent:
                skipped.setdefault(column, []).append(name)
        if cls is not None and cls.any_of_columns and absent.issuperset(cls.any_of_columns):
            skipped.setdefault(cls.any_of_columns[0], []).append(name)  # named by the column it is meant for
    return [f"no {_LABELS.get(column, column.replace('_', ' '))}: {len(names)} test{'s' if len(names) != 1 else ''} "
            f"skipped ({', '.join(names)})" for column in CANONICAL_FIELDS if (names := skipped.get(column))]


_LABELS = {"posted_at": "posting time", "voucher_id": "voucher number", "user_name": "user"}
