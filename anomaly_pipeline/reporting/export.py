"""The auditor workbook: a summary, the flagged vouchers with all their lines, and one sheet per test.

Written with openpyxl's write-only mode (rows stream to disk). Every sheet has a frozen header row, an
autofilter, number and date formats and column widths from its content. Text from files is always written
as text: a description starting with "=" must never become a formula in the auditor's Excel.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from anomaly_pipeline.detect.history import describe_baseline
from anomaly_pipeline.detect.registry import ALGORITHMS
from anomaly_pipeline.detect.skips import describe_skips
from anomaly_pipeline.ingest.mapping_report import report_facts
from anomaly_pipeline.reporting.mapping import mapping_report_of
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.review import latest_baseline
from anomaly_pipeline.storage.warehouse import Warehouse, now
from anomaly_pipeline.strategies.store import get_strategy

AMOUNT_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.000"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
MAX_WIDTH = 60
MAX_SHEET_ROWS = 1_048_575  # Excel's 1,048,576 rows per sheet, minus the header
# A test that flags more lines than this is a population finding, not a review list: its sheet keeps the
# strongest ones (the Summary counts them all). Keeps the export of a million-line ledger to seconds.
MAX_TEST_SHEET_ROWS = 10_000
FORMATS = {"amount": AMOUNT_FORMAT, "score": SCORE_FORMAT, "date": DATE_FORMAT}


class ExportError(ValueError):
    """The upload cannot be exported (unknown, not loaded, or not scored with the strategy)."""


@dataclass(frozen=True)
class Column:
    header: str
    source: str
    kind: str = "text"  # text | amount | score | date | int | bool


@dataclass
class ExportSummary:
    path: Path
    upload_id: str
    strategy: str
    sheets: dict[str, int] = field(default_factory=dict)  # sheet name -> data rows (without header)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "upload_id": self.upload_id, "strategy": self.strategy,
                "sheets": self.sheets}


VOUCHER_COLUMNS = [
    Column("Voucher", "voucher_id"), Column("Voucher type", "voucher_type"),
    Column("Voucher risk", "voucher_risk", "score"),
    Column("Transaction", "transaction_id", "int"), Column("Row in file", "row_number", "int"),
    Column("Line", "line_number", "int"), Column("Posting date", "posting_date", "date"),
    Column("Account", "account"), Column("Account name", "account_name"), Column("Amount", "amount", "amount"),
    Column("Currency", "currency"), Column("Description", "description"), Column("Counterparty", "counterparty"),
    Column("User", "user_name"), Column("Removed line", "is_removed", "bool"),
    Column("Risk score", "risk_score", "score"), Column("Anomaly", "is_anomaly", "bool"),
    Column("Reasons", "reasons"),
]
TEST_COLUMNS = [
    Column("Transaction", "transaction_id", "int"), Column("Voucher", "voucher_id"),
    Column("Row in file", "row_number", "int"), Column("Posting date", "posting_date", "date"),
    Column("Account", "account"), Column("Amount", "amount", "amount"), Column("Description", "description"),
    Column("Counterparty", "counterparty"), Column("Score", "score", "score"), Column("Severity", "severity"),
    Column("Reason", "reason"), Column("Risk score", "risk_score", "score"), Column("Anomaly", "is_anomaly", "bool"),
]
TESTS_TABLE = ["Test", "Type", "Status", "Enabled", "Weight", "Flagged", "Sheet", "Parameters", "Skip reason"]


def export_workbook(wh: Warehouse, upload_id: str, strategy_name: str, path: Path) -> ExportSummary:
    """Write the auditor workbook for (upload, strategy) to `path`; raise ExportError if there is nothing to export."""
    upload = wh.get_upload(upload_id)
    if upload is None:
        raise ExportError(f"no upload {upload_id!r} (see `anomaly-pipeline uploads`)")
    if upload["status"] != "loaded":
        raise ExportError(f"upload {upload_id} is {upload['status']}" + (f": {upload['error']}" if upload["error"] else ""))
    if not _has_run(wh, upload_id, strategy_name):
        raise ExportError(f"upload {upload_id} has not been scored with strategy {strategy_name!r}: "
                          f"materialize its scoring assets with that strategy first")
    strategy = get_strategy(wh, strategy_name)
    tx = wh.read_transactions(upload_id)
    risk = wh.read_table(schema.transaction_risk, upload_id=upload_id, strategy=strategy_name)
    tx = tx.merge(risk[["transaction_id", "risk_score", "voucher_risk", "is_anomaly", "reasons"]],
                  on="transaction_id", how="left")
    tx["risk_score"] = tx["risk_score"].fillna(0.0)
    tx["is_anomaly"] = tx["is_anomaly"].astype("boolean").fillna(False).astype(bool)
    runs = wh.read_table(schema.algorithm_runs, upload_id=upload_id, strategy=strategy_name).set_index("algorithm")
    per_test = _flagged_per_test(wh, upload_id, strategy_name, tx)

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    summary = ExportSummary(path=path, upload_id=upload_id, strategy=strategy_name)
    sheet_names = _sheet_names([name for name in ALGORITHMS if strategy.algorithms[name].enabled])

    tests = []
    for name, cls in ALGORITHMS.items():
        settings = strategy.algorithms[name]
        run = runs.loc[name] if name in runs.index else None
        tests.append([
            name, cls.kind, (run["status"] if run is not None else "not run"), settings.enabled, settings.weight,
            len(per_test.get(name, ())), sheet_names.get(name, ""),
            json.dumps(settings.config, sort_keys=True, default=str),
            (run["skip_reason"] if run is not None and isinstance(run["skip_reason"], str) else ""),
        ])
    active = tx[~tx["is_removed"]]
    flagged_vouchers = _flagged_vouchers(tx)
    facts = [
        ("Upload", upload_id), ("File", upload["file_name"]), ("Format", upload["file_format"]),
        ("Entity", upload["entity"]), ("SHA-256", upload["sha256"]), ("Received", upload["received_at"]),
        ("Loaded", upload["loaded_at"]), ("Rows counted in file", upload["expected_rows"]),
        ("Transactions (active lines)", len(active)), ("Removed lines", int(tx["is_removed"].sum())),
        ("Flagged transactions", int(active["is_anomaly"].sum())),
        ("Flagged vouchers", int(flagged_vouchers["voucher_id"].nunique())),
        ("Strategy", strategy.name), ("Strategy version", strategy.version),
        ("Strategy description", strategy.description), ("Risk threshold", strategy.threshold),
        ("Judged with", describe_baseline(latest_baseline(wh, upload_id, strategy.name))),
        ("Exported at", now()),
    ]
    test_limit = min(MAX_SHEET_ROWS, MAX_TEST_SHEET_ROWS)
    why = "Excel's limit" if test_limit == MAX_SHEET_ROWS else "the strongest; Summary counts all"
    cut = [f"Flagged vouchers: first {MAX_SHEET_ROWS} of {len(flagged_vouchers)} rows (Excel's limit)"
           ] if len(flagged_vouchers) > MAX_SHEET_ROWS else []
    cut += [f"{sheet}: first {test_limit} of {n} rows ({why})"
            for name, sheet in sheet_names.items() if (n := len(per_test.get(name, ()))) > test_limit]
    if cut:
        facts.append(("Truncated sheets", "; ".join(cut)))
    warnings = list(upload.get("warnings") or [])  # rows skipped, damaged text, fields absent: what was not read
    facts.append(("Reading warnings", len(warnings)))
    facts += [("Warning", text) for text in warnings]
    report = mapping_report_of(upload)  # what each field was read from: on the first sheet, above the tests
    facts += [(f"Read: {label}", value) for label, value in report_facts(report)] if report else []
    skipped = {name: str(run["skip_reason"]) if isinstance(run["skip_reason"], str) else ""
               for name, run in runs.iterrows() if run["status"] == "skipped"}
    if skipped:
        facts.append(("Tests not run", describe_skips(dict(sorted(skipped.items())))))
    _write_summary(wb, facts, tests)
    summary.sheets["Summary"] = len(facts)
    summary.sheets["Flagged vouchers"] = _write_table(wb, "Flagged vouchers", VOUCHER_COLUMNS, flagged_vouchers,
                                                      MAX_SHEET_ROWS)
    for name, sheet in sheet_names.items():
        rows = per_test.get(name, pd.DataFrame())
        summary.sheets[sheet] = _write_table(wb, sheet, TEST_COLUMNS, rows, test_limit)
    wb.save(path)
    return summary


def _has_run(wh: Warehouse, upload_id: str, strategy: str) -> bool:
    runs = schema.analysis_runs
    with wh.engine.connect() as conn:
        return conn.execute(sa.select(runs.c.id).where(runs.c.upload_id == upload_id,
                                                        runs.c.strategy == strategy).limit(1)).first() is not None


def _flagged_per_test(wh: Warehouse, upload_id: str, strategy: str, tx: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each test's flagged rows joined to their transaction, strongest score first."""
    scores = wh.read_table(schema.anomaly_scores, upload_id=upload_id, strategy=strategy)
    scores = scores[scores["flagged"].astype(bool)].rename(columns={"algorithm": "test"}).assign(severity=None)
    flags = wh.read_table(schema.rule_flags, upload_id=upload_id, strategy=strategy).rename(columns={"rule": "test"})
    columns = ["test", "transaction_id", "score", "severity", "reason"]
    both = pd.concat([scores[columns], flags[columns]], ignore_index=True)
    both = both.merge(tx.drop(columns=["reason"], errors="ignore"), on="transaction_id", how="left")
    both = both.sort_values(["test", "score", "transaction_id"], ascending=[True, False, True])
    return {name: group.reset_index(drop=True) for name, group in both.groupby("test", sort=False)}


def _flagged_vouchers(tx: pd.DataFrame) -> pd.DataFrame:
    """Every line (removed ones included) of each voucher with an anomaly; anomalies without a voucher alone."""
    anomalies = tx[tx["is_anomaly"]]
    vouchers = set(anomalies["voucher_id"].dropna())
    in_voucher = tx["voucher_id"].isin(vouchers) if vouchers else pd.Series(False, index=tx.index)
    lines = tx[in_voucher | (tx["is_anomaly"] & tx["voucher_id"].isna())].copy()
    peak = lines.groupby(lines["voucher_id"].fillna("#" + lines["transaction_id"].astype(str)))["risk_score"]
    lines["voucher_risk"] = peak.transform("max")
    return lines.sort_values(["voucher_risk", "voucher_id", "transaction_id"], ascending=[False, True, True])


def _sheet_names(tests: list[str]) -> dict[str, str]:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    names: dict[str, str] = {}
    used = {"summary", "flagged vouchers"}
    for test in tests:
        base = re.sub(r"[\[\]:*?/\\]", "_", test)[:31]
        name, n = base, 2
        while name.lower() in used:
            suffix = f"~{n}"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names[test] = name
    return names


def _write_summary(wb: Workbook, facts: list[tuple[str, Any]], tests: list[list[Any]]) -> None:
    ws = wb.create_sheet("Summary")
    ws.freeze_panes = "A2"
    first_test_row = len(facts) + 3
    ws.auto_filter.ref = f"A{first_test_row}:{get_column_letter(len(TESTS_TABLE))}{first_test_row + len(tests)}"
    widths = [max(len(str(v)) for row in [*facts, *tests, TESTS_TABLE] if len(row) > i for v in [row[i]])
              for i in range(len(TESTS_TABLE))]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 10), MAX_WIDTH)
    ws.append([_header(ws, "Field"), _header(ws, "Value")])
    for label, value in facts:
        ws.append([_cell(ws, label, "text"), _cell(ws, value, _kind_of(value))])
    ws.append([])
    ws.append([_header(ws, h) for h in TESTS_TABLE])
    kinds = ["text", "text", "text", "bool", "score", "int", "text", "text", "text"]
    for row in tests:
        ws.append([_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])


def _write_table(wb: Workbook, title: str, columns: list[Column], frame: pd.DataFrame, limit: int) -> int:
    """Write a header and the first `limit` rows; return the number of data rows written."""
    frame = frame.head(limit)
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame), 1) + 1}"
    data = frame.reindex(columns=[c.source for c in columns])
    sample = data.head(500)
    for i, column in enumerate(columns, start=1):
        width = len(column.header)
        if len(sample):
            lengths = sample[column.source].map(lambda v: len(_display(v)))
            width = max(width, int(lengths.quantile(0.9)) if len(lengths) else 0)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), MAX_WIDTH)
    ws.append([_header(ws, c.header) for c in columns])
    # convert column-wise (vectorised), then only formatted numbers/dates and formula-like text need a cell object
    values = [_column_values(data[c.source], c.kind) for c in columns]
    formats = [FORMATS.get(c.kind) for c in columns]
    for row in zip(*values, strict=True):
        ws.append([_fast_cell(ws, v, f) for v, f in zip(row, formats, strict=True)])
    return len(frame)


def _column_values(column: pd.Series, kind: str) -> list[Any]:
    """A column as the Python values `_cell` would write, computed for the whole column at once."""
    missing = column.isna().to_numpy()
    if kind == "date":
        stamps = pd.to_datetime(column, errors="coerce", utc=getattr(column.dtype, "tz", None) is not None)
        if getattr(stamps.dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        midnight = (stamps == stamps.dt.normalize()).to_numpy()
        values = np.where(midnight, stamps.dt.date.to_numpy(dtype=object), stamps.dt.to_pydatetime())
    elif kind in ("amount", "score"):
        values = pd.to_numeric(column, errors="coerce").astype("float64").to_numpy(dtype=object)
    elif kind == "int":
        values = column.astype("Int64").to_numpy(dtype=object)
    elif kind == "bool":
        values = np.where(column.fillna(False).astype(bool).to_numpy(), "yes", "no").astype(object)
    else:
        text = column.astype("string").str.replace(ILLEGAL_CHARACTERS_RE.pattern, "", regex=True)
        values = text.to_numpy(dtype=object)
    values[missing | pd.isna(values)] = None
    return values.tolist()


def _fast_cell(ws, value: Any, number_format: str | None) -> Any:
    if value is None:
        return None
    if number_format is not None:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss" if isinstance(value, datetime) else number_format
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return value


def _header(ws, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="top")
    return cell


def _kind_of(value: Any) -> str:
    if isinstance(value, datetime | date | pd.Timestamp):
        return "date"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "score"
    return "text"


def _cell(ws, value: Any, kind: str) -> WriteOnlyCell | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "bool":
        value = "yes" if bool(value) else "no"
    elif kind == "date":
        value = pd.Timestamp(value)
        value = value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
        value = value.to_pydatetime()
        if value.time() == datetime.min.time():
            value = value.date()
    elif kind in ("amount", "score"):
        value = float(value)
    elif kind == "int":
        value = int(value)
    else:
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif kind in FORMATS:
        cell.number_format = FORMATS[kind]
    if kind == "date" and isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return cell


def _display(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime | date | pd.Timestamp):
        return "yyyy-mm-dd"
    return str(value)
