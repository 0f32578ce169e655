"""The mapping report stored with every upload: what fed each canonical field, what was left unread, which rows
were skipped and why. Plain JSON, built the same way for every format."""

from __future__ import annotations

import pandas as pd

from anomaly_pipeline.ingest.column_mapping import CANONICAL_FIELDS, Mapping

ABSENT = "absent"


def mapping_report(columns: list[str], mapping: Mapping, *, direction_column: str | None,
                   skipped: list[dict]) -> dict:
    """The report of a table read by `column_mapping` (CSV, Excel, JSON)."""
    fields = {canon: {"source": mapping.columns[canon], "how": mapping.how.get(canon, "header")}
              if canon in mapping.columns else {"source": None, "how": ABSENT} for canon in CANONICAL_FIELDS}
    read = set(mapping.columns.values()) | set(mapping.balance_columns) | {direction_column}
    return {
        "fields": fields,
        "unmapped_columns": [str(c) for c in columns if c not in read],
        "balance_columns": list(mapping.balance_columns),
        "direction_column": direction_column,
        "skipped_rows": [entry for entry in skipped if entry["rows"]],
        "notes": list(mapping.notes),
    }


def structured_report(frame: pd.DataFrame, sources: dict[str, str], *, skipped: list[dict],
                      notes: list[str] | None = None) -> dict:
    """The report of a format with fixed fields (SIE, camt, SAF-T): `sources` names where each field is read
    from; a field none of the loaded rows has is absent."""
    fields = {}
    for canon in CANONICAL_FIELDS:
        present = canon in frame.columns and bool(frame[canon].notna().any())
        fields[canon] = ({"source": sources.get(canon, canon), "how": "format"} if present
                         else {"source": None, "how": ABSENT})
    return {"fields": fields, "unmapped_columns": [], "balance_columns": [], "direction_column": None,
            "skipped_rows": [entry for entry in skipped if entry["rows"]], "notes": list(notes or [])}


def absent_fields(report: dict) -> list[str]:
    return [canon for canon, entry in report.get("fields", {}).items() if entry.get("how") == ABSENT]


def report_lines(report: dict) -> list[str]:
    """The report as short lines for a terminal, a spreadsheet or the Dagster UI."""
    lines = []
    for canon, entry in report.get("fields", {}).items():
        if entry.get("how") == ABSENT:
            continue
        how = entry.get("how")
        lines.append(f"{canon} <- {entry.get('source')!r}" + (f" ({how})" if how not in ("header", "format") else ""))
    absent = absent_fields(report)
    if absent:
        lines.append("absent: " + ", ".join(absent))
    if report.get("unmapped_columns"):
        lines.append("not read: " + ", ".join(repr(c) for c in report["unmapped_columns"]))
    for entry in report.get("skipped_rows", []):
        lines.append(f"skipped {entry['rows']} rows: {entry['reason']}")
    lines.extend(report.get("notes", []))
    return lines
