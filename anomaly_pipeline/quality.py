"""Data-quality rules behind the asset checks: pure functions over frames, so each can be tested on
crafted data and the Dagster checks stay thin wrappers that read the partition and report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: a voucher balances when its active lines sum to zero within one cent (amounts are stored rounded to cents;
#: some ledgers book a rounding line, others leave a one-cent difference)
BALANCE_TOLERANCE = 0.01
KEY_COLUMNS = ("posting_date", "amount", "account")
#: below this share of multi-line vouchers the "voucher" column is a per-line reference, not a voucher
MIN_MULTI_LINE_SHARE = 0.5


@dataclass
class Outcome:
    """What a check found: pass/fail, a one-line description, and figures for the UI."""

    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def voucher_balance(frame: pd.DataFrame, tolerance: float = BALANCE_TOLERANCE) -> Outcome:
    """Per voucher, the active lines sum to 0. Applies to double-entry ledgers only: the upload has voucher
    ids, more than one account (a bank statement has one), and most vouchers have two or more lines (a
    statement's reference numbers are one per line; such "vouchers" never balance and say nothing)."""
    active = frame[~frame["is_removed"].astype(bool)]
    vouchers = active["voucher_id"].astype("string").str.strip().replace("", pd.NA)
    if vouchers.isna().all():
        return Outcome(True, "not applicable: the upload has no voucher ids", {"applicable": False})
    if active["account"].nunique(dropna=True) <= 1:
        return Outcome(True, "not applicable: one account only (a bank statement, not a ledger)",
                       {"applicable": False})
    with_voucher = active[vouchers.notna()]
    sums = with_voucher.groupby(vouchers[vouchers.notna()])["amount"].agg(["sum", "size"])
    multi_line = float((sums["size"] >= 2).mean())
    if multi_line < MIN_MULTI_LINE_SHARE:
        return Outcome(True, f"not applicable: only {multi_line:.0%} of vouchers have two or more lines "
                             "(not double-entry bookkeeping)", {"applicable": False})
    sums["sum"] = sums["sum"].round(2)
    unbalanced = sums[sums["sum"].abs() > tolerance + 1e-9]
    table = (unbalanced.assign(imbalance=unbalanced["sum"]).rename_axis("voucher_id").reset_index()
             .sort_values("imbalance", key=abs, ascending=False)[["voucher_id", "size", "imbalance"]]
             .rename(columns={"size": "lines"}))
    metadata = {
        "applicable": True,
        "vouchers": len(sums),
        "unbalanced_vouchers": len(unbalanced),
        "lines_without_voucher": int(vouchers.isna().sum()),
        "total_imbalance": float(round(unbalanced["sum"].sum(), 2)),
        "tolerance": tolerance,
        "unbalanced": table.head(20),
    }
    if unbalanced.empty:
        return Outcome(True, f"all {len(sums)} vouchers balance", metadata)
    return Outcome(False, f"{len(unbalanced)} of {len(sums)} vouchers do not balance", metadata)


def keys_present(frame: pd.DataFrame) -> Outcome:
    """Every row has a posting date, an amount and a non-blank account after normalization."""
    missing = {
        "posting_date": frame["posting_date"].isna(),
        "amount": frame["amount"].isna(),
        "account": frame["account"].astype("string").str.strip().replace("", pd.NA).isna(),
    }
    counts = {f"missing_{c}": int(m.sum()) for c, m in missing.items()}
    bad = missing["posting_date"] | missing["amount"] | missing["account"]
    metadata: dict[str, Any] = {"rows": len(frame), **counts}
    if not bad.any():
        return Outcome(True, f"all {len(frame)} rows have a date, an amount and an account", metadata)
    metadata["examples"] = frame.loc[bad, ["transaction_id", "row_number", *KEY_COLUMNS]].head(10)
    parts = ", ".join(f"{n} without {c.removeprefix('missing_')}" for c, n in counts.items() if n)
    return Outcome(False, f"{int(bad.sum())} rows miss a key field ({parts})", metadata)


def row_count(upload: dict, stored_rows: int) -> Outcome:
    """What the reader counted in the file equals what was loaded plus what it skipped as unreadable.

    `stored_rows` counts every loaded row, removed (#BTRANS) lines included: they are records of the file.
    `expected_rows` comes from the reader, which counts records independently of parsing success.
    """
    expected = upload.get("expected_rows")
    skipped = int((upload.get("read_metadata") or {}).get("skipped_rows", 0) or 0)
    metadata = {"expected_rows": expected, "loaded_rows": stored_rows, "skipped_rows": skipped}
    if expected is None:
        return Outcome(True, "not applicable: the reader did not count the file's records", metadata)
    difference = int(expected) - stored_rows - skipped
    metadata["difference"] = difference
    if difference == 0:
        return Outcome(True, f"{stored_rows} loaded + {skipped} skipped = {expected} counted in the file", metadata)
    return Outcome(False, f"{stored_rows} loaded + {skipped} skipped != {expected} counted in the file "
                          f"({abs(difference)} rows {'lost' if difference > 0 else 'extra'})", metadata)


def scores_in_range(scores: pd.Series, what: str = "score") -> Outcome:
    """Every stored score is a number in [0, 1]."""
    values = pd.to_numeric(scores, errors="coerce").astype("float64")
    bad = values.isna() | (values < 0) | (values > 1)
    return range_outcome(len(values), int(bad.sum()), values.min(), values.max(), what)


def range_outcome(rows: int, out_of_range: int, low: float | None, high: float | None,
                  what: str = "score") -> Outcome:
    """`scores_in_range` from counts (a database aggregates them without reading the rows)."""
    metadata: dict[str, Any] = {"rows": rows, "out_of_range": out_of_range}
    if rows:
        metadata.update({"min": float(low), "max": float(high)})
    if not out_of_range:
        return Outcome(True, f"all {rows} {what}s within [0, 1]", metadata)
    return Outcome(False, f"{out_of_range} {what}s outside [0, 1] or missing", metadata)


def flags_have_reasons(frame: pd.DataFrame, flagged_column: str = "flagged", reason_column: str = "reason") -> Outcome:
    """Every flagged row says why: a reviewer cannot act on a flag without a reason."""
    flagged = frame[frame[flagged_column].astype(bool)]
    blank = _blank(flagged[reason_column])
    return reasons_outcome(len(flagged), int(blank.sum()), flagged.loc[blank, ["transaction_id"]])


def score_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per algorithm of a long score frame (algorithm, score, flagged, reason), indexed by algorithm: rows,
    out_of_range (missing or outside [0, 1]), min, max, flagged, without_reason (flagged, blank reason). The
    database counts the same with `storage.results.score_summary`."""
    values = pd.to_numeric(scores["score"], errors="coerce").astype("float64")
    flagged = scores["flagged"].astype(bool)
    parts = pd.DataFrame({
        "algorithm": scores["algorithm"].astype("string"), "rows": 1,
        "out_of_range": values.isna() | (values < 0) | (values > 1), "min": values, "max": values,
        "flagged": flagged, "without_reason": flagged & _blank(scores["reason"])})
    return parts.groupby("algorithm").agg(
        rows=("rows", "sum"), out_of_range=("out_of_range", "sum"), min=("min", "min"), max=("max", "max"),
        flagged=("flagged", "sum"), without_reason=("without_reason", "sum"))


def unexplained(scores: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """algorithm and transaction_id of up to `limit` flagged rows of a long score frame without a reason."""
    flagged = scores["flagged"].astype(bool)
    return scores.loc[flagged & _blank(scores["reason"]), ["algorithm", "transaction_id"]].head(limit)


def _blank(text: pd.Series) -> pd.Series:
    return text.astype("string").str.strip().fillna("").eq("")


def detector_ranges(summary: pd.DataFrame) -> Outcome:
    """`scores_in_range` over every detector's rows (`score_summary`), naming the detectors that broke it."""
    totals = summary[["rows", "out_of_range"]].sum()
    outcome = range_outcome(int(totals["rows"]), int(totals["out_of_range"]), summary["min"].min(),
                            summary["max"].max(), "detector score")
    broken = summary[summary["out_of_range"] > 0].sort_index()
    if len(broken):
        outcome.description += ": " + ", ".join(broken.index)
        outcome.metadata["detectors"] = broken[["rows", "out_of_range", "min", "max"]].reset_index()
    return outcome


def detector_reasons(summary: pd.DataFrame, examples: pd.DataFrame | None = None) -> Outcome:
    """`flags_have_reasons` over every detector's flags (`score_summary`), naming the detectors that broke it;
    `examples`: algorithm and transaction_id of flags without a reason."""
    outcome = reasons_outcome(int(summary["flagged"].sum()), int(summary["without_reason"].sum()), examples)
    broken = summary[summary["without_reason"] > 0].sort_index()
    if len(broken):
        outcome.description += ": " + ", ".join(broken.index)
        outcome.metadata["detectors"] = broken[["flagged", "without_reason"]].reset_index()
    return outcome


def reasons_outcome(flagged: int, without_reason: int, examples: pd.DataFrame | None = None) -> Outcome:
    """`flags_have_reasons` from counts; `examples` (transaction_id) of flags without a reason."""
    metadata: dict[str, Any] = {"flagged": flagged, "without_reason": without_reason}
    if without_reason == 0:
        return Outcome(True, f"all {flagged} flagged rows have a reason", metadata)
    if examples is not None:
        metadata["examples"] = examples.head(10)
    return Outcome(False, f"{without_reason} of {flagged} flagged rows have no reason", metadata)
