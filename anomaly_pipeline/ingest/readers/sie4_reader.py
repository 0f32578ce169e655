"""SIE 4 (types 4E/4I, `.se`/`.si`): vouchers `#VER` with rows `#TRANS`, `#RTRANS` (added) and `#BTRANS` (removed).

Conventions (see notes/readme_readers-structured.md):
- voucher_id is series and number separated by a space ("A 12"); a voucher without a number, or repeating an
  earlier series + number, gets the line of its #VER appended ("A @812", "# 1 @469").
- An `#RTRANS` immediately followed by a `#TRANS` for the same account and amount is one row (the `#TRANS`,
  annotated with who added it); an `#RTRANS` without that mirror is an active row itself.
- `#BTRANS` rows are kept with is_removed=True. expected_rows = #TRANS + #BTRANS + #RTRANS lines not
  immediately followed by a #TRANS line.
- SIE amounts are already signed debit positive, credit negative. Currency is `#VALUTA`, else SEK (the SIE default).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.readers.sie_lexer import decode_sie, split_lines, tokenize
from anomaly_pipeline.settings import Settings

_LABEL = re.compile(r"^\s*(#[A-Za-z0-9_]+)")
_ROW_LABELS = ("#TRANS", "#RTRANS", "#BTRANS")
# records whose content is needed; everything else (balances, budgets, SRU codes, ...) is skipped untokenized
_HEADER_LABELS = {"#FNAMN", "#ORGNR", "#FNR", "#RAR", "#SIETYP", "#VALUTA", "#FORMAT", "#PROGRAM", "#GEN",
                  "#KONTO", "#DIM", "#FLAGGA"}
_SIE_TYPES = {"1": "year-end balances only", "2": "period balances only", "3": "object balances only"}

# where each canonical field comes from (the mapping report)
FIELD_SOURCES = {
    "posting_date": "#TRANS transdat, else #VER verdatum", "registration_date": "#VER regdatum",
    "voucher_id": "#VER series and number", "voucher_type": "#VER series", "line_number": "row position in #VER", "account": "#TRANS kontonr",
    "account_name": "#KONTO name", "amount": "#TRANS belopp", "currency": "#VALUTA (default SEK)",
    "description": "#TRANS transtext, else #VER vertext", "user_name": "#VER sign / #TRANS sign",
}


@dataclass
class _Voucher:
    voucher_id: str
    series: str
    date: str
    text: str
    regdate: str
    sign: str
    line: int
    open: bool = False
    rows: int = 0


@dataclass
class _State:
    header: dict[str, list] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    rows: list[tuple] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    voucher: _Voucher | None = None
    vouchers: int = 0
    pending_rtrans: int | None = None  # index in rows of an #RTRANS that may be mirrored by the next #TRANS
    merged: set[int] = field(default_factory=set)
    ignored: dict[str, int] = field(default_factory=dict)
    unterminated: list[int] = field(default_factory=list)  # lines with a quote or brace left open
    voucher_ids: set[str] = field(default_factory=set)
    repeated_ids: set[str] = field(default_factory=set)
    stray_lines: list[int] = field(default_factory=list)  # non-record lines outside vouchers
    unknown_in_vouchers: list[tuple[int, str]] = field(default_factory=list)


def read_sie4(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    """An SIE 4 file (its fields are fixed by the SIE specification: `mapping` does not apply)."""
    text, encoding, warnings = decode_sie(source.data)
    lines = split_lines(text)
    state = _State(warnings=warnings)
    for number, line in enumerate(lines, start=1):
        _consume(state, number, line)
    if state.voucher is not None and state.voucher.open:
        state.warnings.append(f"voucher {state.voucher.voucher_id} (line {state.voucher.line}) has no closing "
                              "brace: its rows up to the end of the file are loaded")
    if state.unterminated:
        state.warnings.append(f"{len(state.unterminated)} records have an unterminated quote or brace, read to the "
                              f"end of their line (lines {state.unterminated[:5]})")
    if state.stray_lines:
        state.warnings.append(f"{len(state.stray_lines)} lines outside vouchers are not SIE records and were "
                              f"ignored (lines {state.stray_lines[:5]})")
    if state.unknown_in_vouchers:
        shown = ", ".join(f"{label} on line {n}" for n, label in state.unknown_in_vouchers[:5])
        state.warnings.append(f"{len(state.unknown_in_vouchers)} unknown records inside vouchers were ignored, as "
                              f"the SIE spec requires ({shown})")
    if state.repeated_ids:
        shown = ", ".join(sorted(state.repeated_ids)[:5])
        state.warnings.append(f"{len(state.repeated_ids)} voucher numbers occur more than once ({shown}): the "
                              "repeats are kept apart as '<series> <number> @<line>'")
    sie_type = _first(state.header, "#SIETYP")
    if not state.rows:
        kind = _SIE_TYPES.get(sie_type or "")
        detail = f"SIE type {sie_type}: {kind}" if kind else f"{state.vouchers} #VER vouchers, no #TRANS rows"
        raise RejectedFile(f"the SIE file contains no transactions ({detail})")
    frame = _frame(state)
    metadata = _metadata(state, encoding, sie_type, frame)
    _warn_unbalanced(frame, state.warnings, metadata)
    return ReadResult(frame=frame, expected_rows=count_expected_rows(lines), metadata=metadata,
                      warnings=state.warnings)


def count_expected_rows(lines: list[str]) -> int:
    """#TRANS + #BTRANS + #RTRANS lines whose next non-blank line is not a #TRANS (counted from labels only)."""
    labels = np.array([m.group(1).upper() if (m := _LABEL.match(line)) else "" for line in lines if line.strip()])
    following = np.append(labels[1:], "")
    unmirrored = (labels == "#RTRANS") & (following != "#TRANS")
    return int((labels == "#TRANS").sum() + (labels == "#BTRANS").sum() + unmirrored.sum())


def _consume(state: _State, number: int, line: str) -> None:
    stripped = line.strip()
    if not stripped:
        return
    if stripped in ("{", "}"):
        _brace(state, number, stripped)
        return
    match = _LABEL.match(line)
    if match is None:
        if state.voucher is not None and state.voucher.open:
            raise RejectedFile(f"line {number} inside voucher {state.voucher.voucher_id} is not a SIE record: "
                               f"{stripped[:60]!r}")
        state.stray_lines.append(number)
        return
    label = match.group(1).upper()
    if label in _ROW_LABELS:
        _row(state, number, line, label)
    elif label == "#VER":
        _open_voucher(state, number, line)
    elif label in _HEADER_LABELS:
        fields, _ = tokenize(line)
        if label == "#KONTO" and len(fields) >= 2 and isinstance(fields[1], str):
            state.accounts[fields[1]] = fields[2] if len(fields) > 2 and isinstance(fields[2], str) else ""
        else:
            state.header.setdefault(label, []).append([f for f in fields[1:] if isinstance(f, str)])
    else:
        if state.voucher is not None and state.voucher.open:
            state.unknown_in_vouchers.append((number, label))
        state.ignored[label] = state.ignored.get(label, 0) + 1


def _brace(state: _State, number: int, brace: str) -> None:
    voucher = state.voucher
    if brace == "{":
        if voucher is None or voucher.open or voucher.rows:
            raise RejectedFile(f"line {number}: '{{' does not follow a #VER voucher")
        voucher.open = True
    elif voucher is not None and voucher.open:
        voucher.open = False
        state.voucher = None
        state.pending_rtrans = None
    else:
        state.warnings.append(f"line {number}: '}}' without an open voucher ignored")


def _open_voucher(state: _State, number: int, line: str) -> None:
    if state.voucher is not None and state.voucher.open:
        state.warnings.append(f"voucher {state.voucher.voucher_id} (line {state.voucher.line}) has no closing "
                              f"brace before the #VER on line {number}")
    fields, clean = tokenize(line)
    opens_block = bool(fields) and fields[-1] == []  # "#VER ... {" with the brace on the same line
    values = [f if isinstance(f, str) else "" for f in fields[1:]] + [""] * 6
    series, number_, date, text, regdate, sign = (v.strip() for v in values[:6])
    if not date:
        raise RejectedFile(f"line {number}: #VER has no voucher date")
    voucher_id = f"{series} {number_}".strip() if number_ else f"{series} @{number}".strip()
    if voucher_id in state.voucher_ids:  # a repeated series + number (e.g. monthly "# 1") stays a separate voucher
        state.repeated_ids.add(voucher_id)
        voucher_id = f"{voucher_id} @{number}"
    state.voucher_ids.add(voucher_id)
    state.voucher = _Voucher(voucher_id, series, date, text, regdate, sign, number, open=opens_block)
    state.vouchers += 1
    state.pending_rtrans = None
    if not clean and not opens_block:
        state.unterminated.append(number)


def _row(state: _State, number: int, line: str, label: str) -> None:
    voucher = state.voucher
    if voucher is None:
        raise RejectedFile(f"line {number}: {label} outside a #VER voucher")
    if not voucher.open:
        if voucher.rows == 0:
            state.warnings.append(f"voucher {voucher.voucher_id} (line {voucher.line}) has no opening brace: "
                                  "the rows that follow it are read as its rows")
        voucher.open = True
    fields, clean = tokenize(line)
    if not clean:
        state.unterminated.append(number)
    values = fields[1:]
    if len(values) >= 2 and isinstance(values[1], str):  # object list omitted (pre-SIE 4 writers)
        values.insert(1, [])
    if len(values) < 3 or not isinstance(values[0], str) or not values[0].strip():
        raise RejectedFile(f"line {number}: {label} needs an account, an object list and an amount")
    account, objects, amount = values[0].strip(), values[1], values[2]
    rest = [v if isinstance(v, str) else "" for v in values[3:]] + [""] * 4
    transdate, text, quantity, sign = (v.strip() for v in rest[:4])
    if not isinstance(amount, str):
        raise RejectedFile(f"line {number}: {label} has no amount after the object list")
    row = [number, voucher.voucher_id, account, _dimensions(objects, number, state), amount.strip(),
           transdate, text or voucher.text, voucher.date, voucher.regdate, sign or voucher.sign,
           label == "#BTRANS", quantity, label, line.strip(), None, voucher.line, voucher.series]
    voucher.rows += 1
    pending = state.pending_rtrans
    state.pending_rtrans = None
    if label == "#TRANS" and pending is not None:
        added = state.rows[pending]
        if added[2] == account and _same_amount(added[4], row[4]):
            state.merged.add(pending)
            row[9] = sign or added[9]
            row[14] = added[13]
    if label == "#RTRANS":
        state.pending_rtrans = len(state.rows)
    state.rows.append(tuple(row))


def _same_amount(a: str, b: str) -> bool:
    try:
        return float(a.replace(",", ".")) == float(b.replace(",", "."))
    except ValueError:
        return a == b


def _dimensions(objects: str | list, number: int, state: _State) -> str | None:
    if not isinstance(objects, list) or not objects:
        return None
    flat = [o for o in objects if isinstance(o, str)]
    if len(flat) % 2:
        state.warnings.append(f"line {number}: object list {{{' '.join(flat)}}} has an odd number of items; "
                              "the last one is ignored")
    return _dimension_json(tuple(flat))


@lru_cache(maxsize=4096)  # ledgers repeat a handful of object lists on most rows
def _dimension_json(flat: tuple[str, ...]) -> str:
    pairs: dict[str, str] = {}
    for dim, obj in zip(flat[0::2], flat[1::2], strict=False):
        pairs[dim] = f"{pairs[dim]},{obj}" if dim in pairs else obj
    return json.dumps(pairs, ensure_ascii=False)


_COLUMNS = ["row_number", "voucher_id", "account", "dimensions", "amount_text", "transdate", "description",
            "verdate", "regdate", "user_name", "is_removed", "quantity", "record", "line", "added_by",
            "ver_line", "series"]


def _frame(state: _State) -> pd.DataFrame:
    rows = pd.DataFrame.from_records(state.rows, columns=_COLUMNS)
    if state.merged:
        rows = rows.drop(index=sorted(state.merged)).reset_index(drop=True)
    amount = pd.to_numeric(rows["amount_text"].str.replace(",", ".", regex=False).str.replace(" ", ""),
                           errors="coerce")
    _reject_rows(rows, amount.isna(), "amount is not a number", "amount_text")
    verdate = _dates(rows["verdate"])
    transdate = _dates(rows["transdate"])
    bad_transdate = transdate.isna() & (rows["transdate"] != "")
    if bad_transdate.any():
        state.warnings.append(f"{int(bad_transdate.sum())} rows have an unreadable transaction date; the voucher "
                              f"date is used (first at line {int(rows.loc[bad_transdate, 'row_number'].iloc[0])})")
    posting = transdate.fillna(verdate)
    _reject_rows(rows, posting.isna(), "no valid date (voucher date YYYYMMDD)", "verdate")
    regdate = _dates(rows["regdate"])
    names = state.accounts
    header = state.header
    raw = [json.dumps({"record": rec, "line": line, **({"added_by": added} if isinstance(added, str) else {}),
                       **({"quantity": qty} if qty else {})}, ensure_ascii=False)
           for rec, line, added, qty in zip(rows["record"], rows["line"], rows["added_by"], rows["quantity"],
                                            strict=True)]
    frame = pd.DataFrame({
        "row_number": rows["row_number"],
        "voucher_id": rows["voucher_id"],
        "voucher_type": rows["series"].replace("", None),
        "line_number": rows.groupby("ver_line", sort=False).cumcount() + 1,
        "posting_date": posting,
        "registration_date": regdate,
        "account": rows["account"],
        "account_name": rows["account"].map(names),
        "amount": amount,
        "currency": (_first(header, "#VALUTA") or "SEK").upper(),
        "description": rows["description"].replace("", None),
        "user_name": rows["user_name"].replace("", None),
        "dimensions": rows["dimensions"],
        "entity": _entity(header),
        "is_removed": rows["is_removed"].astype(bool),
        "source_format": "sie4",
        "raw": raw,
    })
    return frame


def _dates(values: pd.Series) -> pd.Series:
    """SIE dates are YYYYMMDD; some writers use YYYY-MM-DD, which is just as unambiguous."""
    compact = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    return compact.fillna(pd.to_datetime(values, format="%Y-%m-%d", errors="coerce"))


def _reject_rows(rows: pd.DataFrame, bad: pd.Series, what: str, column: str) -> None:
    if bad.any():
        first = rows.loc[bad].head(3)
        where = ", ".join(f"line {n} ({v!r})" for n, v in zip(first["row_number"], first[column], strict=True))
        raise RejectedFile(f"{int(bad.sum())} SIE rows have {what}: {where}")


def _first(header: dict[str, list], label: str, index: int = 0) -> str | None:
    for fields in header.get(label, []):
        if len(fields) > index and fields[index].strip():
            return fields[index].strip()
    return None


def _entity(header: dict[str, list]) -> str | None:
    return _first(header, "#FNAMN") or _first(header, "#ORGNR") or _first(header, "#FNR")


def _metadata(state: _State, encoding: str, sie_type: str | None, frame: pd.DataFrame) -> dict:
    header = state.header
    years = {f[0]: f"{f[1]}-{f[2]}" for f in header.get("#RAR", []) if len(f) >= 3}
    return {
        "encoding": encoding,
        "declared_format": _first(header, "#FORMAT"),
        "sie_type": sie_type,
        "program": " ".join(header["#PROGRAM"][0]) if header.get("#PROGRAM") else None,
        "generated": _first(header, "#GEN"),
        "entity": _entity(header),
        "company_name": _first(header, "#FNAMN"),
        "organisation_number": _first(header, "#ORGNR"),
        "company_id": _first(header, "#FNR"),
        "fiscal_years": years,
        "currency": (_first(header, "#VALUTA") or "SEK").upper(),
        "vouchers": state.vouchers,
        "accounts_named": len(state.accounts),
        "rtrans_merged": len(state.merged),
        "removed_rows": int(frame["is_removed"].sum()),
        "ignored_records": dict(sorted(state.ignored.items())),
    }


def _warn_unbalanced(frame: pd.DataFrame, warnings: list[str], metadata: dict) -> None:
    active = frame[~frame["is_removed"]]
    sums = active.groupby("voucher_id", sort=False)["amount"].sum()
    unbalanced = sums[sums.abs() > 0.005]
    metadata["unbalanced_vouchers"] = {str(k): round(float(v), 2) for k, v in unbalanced.head(50).items()}
    if len(unbalanced):
        shown = ", ".join(f"{k} ({v:+.2f})" for k, v in unbalanced.head(5).items())
        warnings.append(f"{len(unbalanced)} vouchers do not balance (loaded; a finding for review): {shown}")
