"""Detectors that did not run on an upload, told in one line: a missing column, a test that does not apply
to this kind of source, too little data. The run metadata, the CLI summary and the export all show it, so
no one reads "no findings" where a test never looked."""

from __future__ import annotations


def skipped_tests(outcomes: dict[str, dict]) -> dict[str, str]:
    """algorithm -> skip reason, from per-algorithm outcomes (status, skip_reason) as stored per run."""
    return {name: str(o.get("skip_reason") or "") for name, o in outcomes.items() if o.get("status") == "skipped"}


def describe_skips(skipped: dict[str, str]) -> str:
    """'not run: 3 tests. the upload has no registration_date data: entry_date_gap, late_registration; ...'
    (algorithms grouped by reason, reasons in order of first appearance); '' when every test ran."""
    if not skipped:
        return ""
    by_reason: dict[str, list[str]] = {}
    for name, reason in skipped.items():
        by_reason.setdefault(reason or "no reason recorded", []).append(name)
    parts = [f"{reason}: {', '.join(sorted(names))}" for reason, names in by_reason.items()]
    return f"not run: {len(skipped)} test(s). " + "; ".join(parts)
