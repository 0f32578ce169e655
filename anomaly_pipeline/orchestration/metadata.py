"""Metadata shown in the Dagster UI for materializations."""

from __future__ import annotations

import dagster as dg
import pandas as pd


def frame_markdown(frame: pd.DataFrame, max_rows: int = 20) -> str:
    if frame.empty:
        return "_none_"
    shown = frame.head(max_rows).copy()
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].round(3)
    shown = shown.astype(str).apply(lambda c: c.str.replace("|", "\\|", regex=False).str.slice(0, 200))
    return shown.to_markdown(index=False)


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
    return out
