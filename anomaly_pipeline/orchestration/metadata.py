"""Metadata shown in the Dagster UI for materializations."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from anomaly_pipeline.ingest.mapping_report import report_markdown
from anomaly_pipeline.reporting.display import shorten

#: columns holding money: shown with every decimal they have (at least two), never rounded to significant figures
AMOUNT_COLUMNS = frozenset({"amount", "total_amount", "debit", "credit", "balance"})
TEXT_WIDTH = 200  # characters of a text cell; longer texts end at a word boundary with "…"
REASON_WIDTH = 400


def _amount(value: float) -> str:
    if pd.isna(value):
        return ""
    return f"{value:.2f}" if round(value, 2) == value else repr(float(value))


def _number(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.4f}".rstrip("0").rstrip(".")


def frame_markdown(frame: pd.DataFrame, max_rows: int = 20) -> str:
    """A Markdown table of the first `max_rows` rows as they are: amounts with all their decimals, other numbers
    to four decimals, texts cut at a word boundary (reasons get more room), numbers right-aligned."""
    if frame.empty:
        return "_none_"
    shown = frame.head(max_rows).copy()
    align = []
    for col in shown.columns:
        values = shown[col]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        align.append("right" if numeric else "left")
        if pd.api.types.is_datetime64_any_dtype(values):
            shown[col] = values.dt.strftime("%Y-%m-%d")
        elif numeric and pd.api.types.is_float_dtype(values):
            shown[col] = values.map(_amount if col in AMOUNT_COLUMNS else _number)
        else:
            width = REASON_WIDTH if col in ("reason", "reasons") else TEXT_WIDTH
            shown[col] = values.map(lambda v, w=width: "" if v is None or v is pd.NA else shorten(
                "; ".join(map(str, v)) if isinstance(v, list | tuple) else str(v), w))
    shown = shown.astype(str).apply(lambda c: c.str.replace("|", "\\|", regex=False))
    return shown.to_markdown(index=False, disable_numparse=True, colalign=align)


def warnings_markdown(warnings: list[str]) -> str:
    """The reader's warnings as a Markdown list ("_none_" when it read everything cleanly)."""
    return "\n".join(f"- {text}" for text in warnings) if warnings else "_none_"


def algorithm_table(outcomes: dict[str, dict], weights: dict[str, float]) -> str:
    """One row per algorithm of the strategy: what it did for this upload, most flags first."""
    from anomaly_pipeline.detect.registry import ALGORITHMS

    rows = pd.DataFrame([{
        "algorithm": name,
        "type": ALGORITHMS[name].kind if name in ALGORITHMS else "",
        "status": outcome.get("status", ""),
        "flagged": int(outcome.get("flagged", 0)),
        "weight": float(weights.get(name, 0.0)),
        "note": outcome.get("skip_reason", ""),
    } for name, outcome in outcomes.items()])
    if rows.empty:
        return "_none_"
    return frame_markdown(rows.sort_values(["flagged", "algorithm"], ascending=[False, True]), max_rows=len(rows))


def transaction_summary(frame: pd.DataFrame) -> dict[str, dg.MetadataValue | int | float | str]:
    active = frame[~frame["is_removed"]]
    if active.empty:
        return {}
    return {
        "first_date": active["posting_date"].min().strftime("%Y-%m-%d"),
        "last_date": active["posting_date"].max().strftime("%Y-%m-%d"),
        "accounts": int(active["account"].nunique()),
        "vouchers": int(active["voucher_id"].nunique()),
        "removed_rows": int(frame["is_removed"].sum()),
        "total_amount": float(round(active["amount"].sum(), 2)),
        "preview": dg.MetadataValue.md(frame_markdown(
            active[["transaction_id", "voucher_id", "posting_date", "account", "amount", "description"]].head(10))),
    }


def source_metadata(file_name: str, file_format: str, read_metadata: dict) -> dict[str, dg.MetadataValue | str]:
    """Source file, format, encoding and the column mapping the reader detected (from ReadResult.metadata)."""
    out: dict[str, dg.MetadataValue | str] = {"source_file": file_name, "format": file_format}
    if read_metadata.get("encoding"):
        out["encoding"] = str(read_metadata["encoding"])
    mapping = read_metadata.get("mapping")
    columns = mapping.get("columns", mapping) if isinstance(mapping, dict) else None
    if isinstance(columns, dict) and columns:
        table = pd.DataFrame({"canonical field": list(columns), "source": [str(v) for v in columns.values()]})
        out["mapping"] = dg.MetadataValue.md(frame_markdown(table, max_rows=50))
    elif mapping:
        out["mapping"] = dg.MetadataValue.json(mapping) if isinstance(mapping, dict | list) else str(mapping)
    report = read_metadata.get("mapping_report")
    if isinstance(report, dict):
        out["mapping_report"] = dg.MetadataValue.md(report_markdown(report))
    return out
