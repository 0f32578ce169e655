"""The mapping report stored with every upload: what fed each canonical field, what was left unread, which rows
were skipped and why. Plain JSON, built the same way for every format."""

from __future__ import annotations

import pandas as pd

from anomaly_pipeline.ingest.column_mapping import CANONICAL_FIELDS, Mapping

ABSENT = "absent"


_ALTERNATIVES = {"amount": ("debit", "credit"), "debit": ("amount",), "credit": ("amount",)}


def mapping_report(columns: list[str], mapping: Mapping, *, direction_column: str | None,
                   skipped: list[dict], filled: dict[str, dict] | None = None) -> dict:
    """The report of a table read by `column_mapping` (CSV, Excel, JSON). `filled`: fields no column feeds but
    the reader gave a value ({"source": value, "how": where from}). An amount read from debit/credit columns
    (or the other way round) is not reported absent."""
    fields = {}
    for canon in CANONICAL_FIELDS:
        if canon in mapping.columns:
            fields[canon] = {"source": mapping.columns[canon], "how": mapping.how.get(canon, "header")}
        elif canon in (filled or {}):
            fields[canon] = dict(filled[canon])
        elif any(other in mapping.columns for other in _ALTERNATIVES.get(canon, ())):
            continue
        else:
            fields[canon] = {"source": None, "how": ABSENT}
    read = (set(mapping.columns.values()) | set(mapping.balance_columns) | set(mapping.dimensions)
            | {direction_column, mapping.series, mapping.contra})
    if mapping.dimensions:
        fields["dimensions"] = {"source": ", ".join(mapping.dimensions), "how": "header words"}
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


def report_facts(report: dict) -> list[tuple[str, str]]:
    """The report as (label, value) pairs: one per field read, then what is absent, not read and skipped."""
    facts = []
    for canon, entry in report.get("fields", {}).items():
        if entry.get("how") != ABSENT:
            how = entry.get("how")
            facts.append((canon, f"{entry.get('source')}" + (f" ({how})" if how not in ("header", "format") else "")))
    absent = absent_fields(report)
    if absent:
        facts.append(("absent", ", ".join(absent)))
    if report.get("unmapped_columns"):
        facts.append(("not read", ", ".join(str(c) for c in report["unmapped_columns"])))
    for entry in report.get("skipped_rows", []):
        facts.append(("rows skipped", f"{entry['rows']}: {entry['reason']}"))
    facts.extend(("note", note) for note in report.get("notes", []))
    return facts


def report_lines(report: dict) -> list[str]:
    """The report as short lines for a terminal: `field <- source (how)`, then absent, not read, skipped."""
    return [f"{label} <- {value}" if label in CANONICAL_FIELDS else f"{label}: {value}"
            for label, value in report_facts(report)]


def report_markdown(report: dict) -> str:
    """The report as a Markdown table for the Dagster UI."""
    rows = [f"| {label} | {str(value).replace('|', '/')} |" for label, value in report_facts(report)]
    return "\n".join(["| field | read from |", "|---|---|", *rows])
