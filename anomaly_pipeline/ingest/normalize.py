"""Turn a table of text cells (CSV, Excel, JSON records) into canonical transactions.

Columns are mapped by `column_mapping` (header meaning confirmed by content, or content alone); values are
parsed column-wise by `values`; each source record is kept as JSON by `raw_records`. Every upload's metadata
carries a mapping report (`mapping_report`): what fed each canonical field, what was left unread, which rows
were skipped and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.account_labels import split_code_and_name
from anomaly_pipeline.ingest.column_mapping import BY_USER, Mapping, map_columns
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_match import currency_code, header_key
from anomaly_pipeline.ingest.mapping_report import mapping_report
from anomaly_pipeline.ingest.raw_records import raw_json, raw_json_text
from anomaly_pipeline.ingest.report_groups import (
    balanced,
    balancing_groups,
    groups_as_accounts,
    groups_as_vouchers,
    report_groups,
    transactions_of_accounts,
)
from anomaly_pipeline.ingest.statement_rows import apply_direction, balance_rows, find_direction_column
from anomaly_pipeline.ingest.two_account_rows import already_both_sides, two_lines
from anomaly_pipeline.ingest.values import as_text, parse_amounts, parse_dates
from anomaly_pipeline.series_ops import per_distinct


def tabular_to_canonical(
    table: pd.DataFrame,
    *,
    source_format: str,
    row_numbers: pd.Series | None = None,
    override: dict[str, str] | None = None,
    default_account: str | None = None,
    default_currency: str | None = None,
    default_entity: str | None = None,
    raw_cells: bool = False,
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Map and parse `table` (one row per record; text cells, or native datetime/float columns).

    Returns (frame, metadata, warnings). Balance/summary rows and rows without a parsable date or amount
    are skipped and reported; see `drop_unreadable_rows` for when that rejects the file instead. With
    `raw_cells` (delimited text, whose header the reader records once) each raw record is a JSON array of the
    text cells in column order instead of an object keyed by header.
    """
    if table.empty:
        raise RejectedFile("the file has a header but no data rows")
    table = table.reset_index(drop=True)
    mapping = map_columns(table, override)
    cols = mapping.columns
    if "posting_date" not in cols and "value_date" in cols:
        mapping.use("posting_date", cols["value_date"], mapping.how["value_date"])
        mapping.notes.append(f"no posting date column: the value date {cols['value_date']!r} is used as posting date")
    _drop_counterparty_iban(table, mapping)
    if "posting_date" not in cols:
        raise RejectedFile(f"no date column found (columns: {_list_headers(table)})")
    if "amount" not in cols and not ({"debit", "credit"} & cols.keys()):
        why = "".join(f"; {note}" for note in mapping.notes if "amount" in note)
        raise RejectedFile(f"no amount column found (columns: {_list_headers(table)}){why}")
    # the raw records are built by Arrow kernels that release the GIL: beside the parsing below, not after it
    # (on a shallow copy of its own: pandas builds some caches lazily, not for two threads at once)
    with ThreadPoolExecutor(1, thread_name_prefix="raw-records") as background:
        own = table.copy(deep=False)
        raw = background.submit(raw_json_text, own, keyed=False) if raw_cells else background.submit(raw_json, own)
        return _canonical(table, mapping, raw.result, source_format=source_format, row_numbers=row_numbers,
                          default_account=default_account, default_currency=default_currency,
                          default_entity=default_entity)


def _canonical(table: pd.DataFrame, mapping: Mapping, raw: Callable[[], pd.Series | list[str]], *,
               source_format: str, row_numbers: pd.Series | None, default_account: str | None,
               default_currency: str | None, default_entity: str | None) -> tuple[pd.DataFrame, dict, list[str]]:
    """The body of `tabular_to_canonical` once the columns are mapped; `raw()` gives the raw records."""
    cols = mapping.columns
    out = pd.DataFrame(index=table.index)
    out["row_number"] = row_numbers.reset_index(drop=True) if row_numbers is not None else table.index + 2
    posting, date_fmt = parse_dates(table[cols["posting_date"]])
    out["posting_date"] = posting.dt.normalize()
    if posting.dt.hour.fillna(0).any() or posting.dt.minute.fillna(0).any():
        out["posted_at"] = posting
    if "posted_at" in cols:
        out["posted_at"] = _with_time(posting, table[cols["posted_at"]])
    for field_name in ("value_date", "registration_date"):
        if field_name in cols:
            out[field_name] = parse_dates(table[cols[field_name]])[0]

    bank_like = _looks_like_bank_statement(table, mapping)
    mapping.debit_is_money_out = bank_like
    amount, decimal, direction = _amounts(table, mapping, bank_like)
    out["amount"] = amount.round(2)
    if "account" not in cols and "account_name" not in cols:
        _refuse_ledger_without_account(table, mapping, out["amount"])

    for field_name in ("account", "account_name", "currency", "description", "counterparty", "voucher_id",
                       "voucher_type", "user_name", "reference"):
        if field_name in cols:
            out[field_name] = as_text(table[cols[field_name]])
    filled: dict[str, dict] = {}  # fields no column feeds, and where their value came from
    if mapping.series:
        if "voucher_id" in out:
            out["voucher_id"] = _with_series(out["voucher_id"], as_text(table[mapping.series]), mapping)
        if "voucher_type" not in out:
            out["voucher_type"] = as_text(table[mapping.series])
            filled["voucher_type"] = {"source": mapping.series, "how": "the voucher series"}
    report = report_groups(table, out["posting_date"].isna().to_numpy())
    if report is not None and balanced(out["amount"], report[0]) and mapping.how.get("voucher_id") != BY_USER:
        groups_as_vouchers(out, table, mapping, report[0])
    elif (report is not None and "account" not in cols and "account_name" not in cols
          and report[0][out["posting_date"].notna().to_numpy()].notna().all()):  # every line under a heading
        groups_as_accounts(out, mapping, report[0], str(table.columns[0]))
        if "voucher_id" not in cols:
            out["voucher_id"] = transactions_of_accounts(out, table, mapping, {str(table.columns[0]),
                                                                               *mapping.balance_columns})
    if mapping.dimensions:
        out["dimensions"] = _dimensions(table, mapping.dimensions)
    if "line_number" in cols:
        out["line_number"] = per_distinct(table[cols["line_number"]],
                                           lambda v: pd.to_numeric(v, errors="coerce").astype("Int64"))
    if "voucher_id" in out and "voucher_id" not in cols:
        filled["voucher_id"] = {"source": "the report's lines", "how": "lines of one transaction (date, reference, "
                                "counterparty, type) under several accounts that balance"}
    if "account" in out and "account_name" not in out and split_code_and_name(out, mapping):
        filled["account_name"] = {"source": cols["account"], "how": "the account column's text after its code"}
    if "account" not in out:
        if "account_name" in out:
            out["account"] = out["account_name"]
            filled["account"] = {"source": cols["account_name"], "how": "the account name"}
        else:
            out["account"] = default_account or "BANK"
            filled["account"] = {"source": default_account or "BANK",
                                 "how": "the preamble" if default_account else _NO_ACCOUNT}
    elif default_account:
        out["account"] = out["account"].fillna(default_account)
    if "currency" not in out and (default_currency or (default_currency := _amount_header_currency(mapping))):
        out["currency"] = default_currency
        filled["currency"] = {"source": default_currency, "how": "the preamble or the amount header"}
    if default_entity:
        out["entity"] = default_entity
    out["source_format"] = source_format
    out["raw"] = raw()
    if mapping.contra:
        contra = as_text(table[mapping.contra])
        if already_both_sides(out["amount"], out["account"], contra, out.get("voucher_id"), out["posting_date"]):
            mapping.notes.append(f"{mapping.contra!r} names the other side of bookings the rows already hold both "
                                 "sides of: each row is one line")
            mapping.contra = None
        else:
            out["_contra"] = contra

    labels = balance_rows(table, _label_columns(table, mapping))
    if report is not None:  # a report's group headings and totals are no transactions
        labels = labels.mask(report[1].notna(), report[1])
    repeated = _repeated_header_rows(table, cols["posting_date"])
    if repeated.any():
        labels = labels.mask(repeated, "(the header, repeated)")
    summary = labels.notna()
    warnings: list[str] = []
    kept, kept_table = out, table  # no filter without balance rows: it would copy every column
    if summary.any():
        names = sorted(set(labels.dropna().str.strip()))
        warnings.append(f"skipped {int(summary.sum())} balance/summary rows that are not transactions "
                        f"(rows {out.loc[summary, 'row_number'].head(5).tolist()}: {', '.join(names[:5])})")
        kept, kept_table = out[~summary.to_numpy()], table[~summary.to_numpy()]
    frame, row_warnings, skipped = drop_unreadable_rows(kept, kept_table, cols)
    skipped_rows, contra_lines = len(out) - len(frame), 0
    if mapping.contra:
        contra = frame.pop("_contra")
        contra_lines = int(contra.notna().sum())
        if "voucher_id" not in cols:
            filled["voucher_id"] = {"source": "the row", "how": "each row's two lines are one voucher"}
        frame = two_lines(frame, contra)
    skipped[:0] = [{"reason": "balance/summary rows, not transactions", "rows": int((summary & ~repeated).sum())},
                   {"reason": "the header repeated inside the table", "rows": int(repeated.sum())}]
    metadata = {
        "mapping": mapping.describe(),
        "date_format": date_fmt,
        "decimal_separator": decimal,
        "direction_column": direction,
        "balance_rows": int(summary.sum()),
        "contra_lines": contra_lines,
        "skipped_rows": skipped_rows,
        "mapping_report": mapping_report(list(table.columns), mapping, direction_column=direction, skipped=skipped,
                                         filled=filled),
    }
    return frame, metadata, warnings + row_warnings


_NO_ACCOUNT = ("default: no column names an account, so the file is read as one account's statement (debit = "
               "money out); a ledger's account column is named in a column mapping")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %I:%M %p", "%Y-%m-%d %I:%M:%S %p",
                 "%Y-%m-%d %H:%M:%S.%f")


def _dimensions(table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """{header: value} as JSON per row from the dimension columns (empty cells left out; none: missing), built
    once per distinct combination."""
    values = [as_text(table[c]).fillna("").str.strip().to_numpy(dtype=object) for c in columns]
    joined = values[0] if len(values) == 1 else pd.Series(values[0]).str.cat(values[1:], sep="\x1f").to_numpy(dtype=object)
    codes, uniques = pd.factorize(joined)
    texts = []
    for combo in uniques:
        cells = {c: v for c, v in zip(columns, str(combo).split("\x1f"), strict=True) if v}
        texts.append(json.dumps(cells, ensure_ascii=False) if cells else None)
    return pd.Series(np.asarray(texts, dtype=object)[codes], index=table.index, dtype="string")


def _with_series(vouchers: pd.Series, series: pd.Series, mapping: Mapping) -> pd.Series:
    """Voucher numbers that restart per journal (the same number in two series) are told apart by the series."""
    pairs = pd.DataFrame({"voucher": vouchers, "series": series}).dropna().drop_duplicates()
    shared = pairs["voucher"].duplicated()
    if not shared.any():
        return vouchers
    mapping.notes.append(f"voucher numbers restart per {mapping.series!r} ({int(shared.sum())} numbers occur in "
                         "several): a voucher is its series and number")
    return series.fillna("").str.cat(vouchers, sep=" ").where(vouchers.notna())


def _with_time(posting: pd.Series, times: pd.Series) -> pd.Series:
    """The posting date at the time of a separate time column ("18:40", "06:50 PM"): the format that reads most."""
    text = posting.dt.strftime("%Y-%m-%d") + " " + times.astype("string").str.strip()
    readings = [pd.to_datetime(text, format=fmt, errors="coerce") for fmt in _TIME_FORMATS]
    return max(readings, key=lambda parsed: int(parsed.notna().sum()))


def _amount_header_currency(mapping: Mapping) -> str | None:
    """The currency an amount header names ("Betrag (EUR)", "Withdrawals (SGD)", "Částka CZK")."""
    for field_name in ("amount", "debit", "credit"):
        if field_name in mapping.columns and (code := currency_code(mapping.columns[field_name])):
            return code
    return None


def _repeated_header_rows(table: pd.DataFrame, date_column: str) -> pd.Series:
    """Rows that repeat the header (exports concatenated from pages): never transactions."""
    same = table[date_column].astype("string").str.strip() == str(date_column)
    if not same.any():
        return pd.Series(False, index=table.index)
    for column in table.columns:
        same &= table[column].astype("string").str.strip().fillna("") == str(column)
    return same.fillna(False).astype(bool)


def _amounts(table: pd.DataFrame, mapping: Mapping, bank_like: bool) -> tuple[pd.Series, str | None, str | None]:
    """Signed amounts from one amount column (with an optional D/K-style flag column) or debit/credit columns."""
    cols = mapping.columns
    amount, decimal = None, None
    if "amount" in cols:
        amount, decimal = parse_amounts(table[cols["amount"]])
        if amount.isna().all() and ({"debit", "credit"} & cols.keys()):
            amount = None
    if amount is not None:
        kinds = cols.get("voucher_type")  # a "Type" column may hold DR/CR: then it is the sign, not a kind
        used = (set(cols.values()) - {kinds}) | set(mapping.balance_columns)
        keys = {c: header_key(c) for c in table.columns}
        flag_col = find_direction_column(table, [c for c in table.columns if c not in used], keys)
        if flag_col is None:
            return amount, decimal, None
        if flag_col == kinds:
            mapping.drop("voucher_type")
        signed, info = apply_direction(amount, table[flag_col], bank_like)
        mapping.notes.append(f"amount sign taken from flag column {flag_col!r} (values {info['flags']})")
        return signed, decimal, flag_col
    debit, decimal = parse_amounts(table[cols["debit"]]) if "debit" in cols else (None, None)
    credit, _ = parse_amounts(table[cols["credit"]]) if "credit" in cols else (None, None)
    debit = debit.abs() if debit is not None else pd.Series(np.nan, index=table.index)
    credit = credit.abs() if credit is not None else pd.Series(np.nan, index=table.index)
    both_missing = debit.isna() & credit.isna()
    signed = debit.fillna(0.0) - credit.fillna(0.0)
    if bank_like:
        signed = -signed
    return signed.where(~both_missing), decimal, None


def _label_columns(table: pd.DataFrame, mapping: Mapping) -> list[str]:
    """Columns where a statement writes 'Opening balance' / 'Turnover': the text fields, else every text column."""
    named = [mapping.columns[f] for f in ("description", "counterparty", "reference", "voucher_id")
             if f in mapping.columns]
    amounts = {mapping.columns.get(f) for f in ("amount", "debit", "credit")}
    others = [c for c in table.columns if c not in amounts and c not in named
              and (table[c].dtype == object or pd.api.types.is_string_dtype(table[c]))]
    return named + others




_IBAN_SHAPE = r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}"


def _looks_like_bank_statement(table: pd.DataFrame, mapping: Mapping) -> bool:
    """A bank export has one account (or none, or IBANs, or a running balance); a ledger has vouchers or
    many chart-of-accounts numbers.

    Decides what 'debit' means: money out of a bank account, or the debit side of a ledger line.
    """
    cols = mapping.columns
    column = cols.get("account")
    if column is None and "voucher_id" in cols:  # a ledger's accounts known by their names (QuickBooks)
        column = cols.get("account_name")
    if column is None:
        return True
    accounts = table[column].astype("string").str.replace(" ", "", regex=False).str.strip()
    if accounts.nunique(dropna=True) <= 1:
        return True
    if "voucher_id" in cols:
        return False
    return bool(mapping.balance_columns) or bool(accounts.dropna().str.fullmatch(_IBAN_SHAPE).mean() > 0.8)


def _refuse_ledger_without_account(table: pd.DataFrame, mapping: Mapping, amount: pd.Series) -> None:
    """A ledger whose account column was not understood cannot be read truthfully as a statement: vouchers
    of several lines that balance say it is a ledger."""
    if "voucher_id" not in mapping.columns:
        return
    vouchers = as_text(table[mapping.columns["voucher_id"]])
    if balanced(amount, vouchers):
        sums, multi = balancing_groups(amount, vouchers)
        raise RejectedFile(
            f"a double-entry ledger ({sums} of its {multi} vouchers of several lines balance) "
            f"with no account column this reader understands (columns: {_list_headers(table)}); name the "
            "account column in a column mapping (a '<file>.mapping.yaml' beside it, or the upload's mapping: "
            "'account: <header>')")


def _drop_counterparty_iban(table: pd.DataFrame, mapping: Mapping) -> None:
    """An account column that is not the statement's account: a bare 'IBAN' column that varies row by row next
    to a payee column (the payee's IBAN), or one blank on some rows (an account is never blank: the column
    holds the counterparties' account numbers where there are any)."""
    cols = mapping.columns
    column = cols.get("account")
    if column is None or mapping.how.get("account") == BY_USER or "voucher_id" in cols:
        return
    values = table[column].astype("string").str.strip().replace("", pd.NA)
    blank = int(values.isna().sum())
    if header_key(column) == "iban" and "counterparty" in cols and values.nunique(dropna=True) > 1:
        mapping.drop("account")
        mapping.notes.append(f"column {column!r} holds the counterparties' IBANs (one per row): not the account")
    elif blank and "counterparty" in cols:
        mapping.drop("account")
        mapping.notes.append(f"column {column!r} is blank on {blank} of {len(values)} rows: the counterparties' "
                             "account numbers, not the account")


def drop_unreadable_rows(out: pd.DataFrame, table: pd.DataFrame,
                         cols: dict[str, str]) -> tuple[pd.DataFrame, list[str], list[dict]]:
    """Row-level policy: rows without a parsable date or amount are skipped and reported (warnings, and
    {reason, rows} entries for the mapping report); more than half of the file being unreadable rejects it
    (the mapping is then probably wrong, not the rows)."""
    bad_date = out["posting_date"].isna()
    bad_amount = out["amount"].isna()
    bad = bad_date | bad_amount
    warnings: list[str] = []
    skipped: list[dict] = []
    if not bad.any():
        return out, warnings, skipped
    if bad.all() or bad.mean() > 0.5:
        which = "date" if bad_date.sum() >= bad_amount.sum() else "amount"
        column = cols.get("posting_date") if which == "date" else cols.get("amount", cols.get("debit"))
        examples = _examples(out, table, bad_date if which == "date" else bad_amount, column)
        raise RejectedFile(
            f"unparsable {which}s in {int(bad.sum())} of {len(out)} rows (column {column!r}; first: {examples})"
        )
    date_cells = table[cols["posting_date"]].astype("string").str.strip().replace("", pd.NA)
    text_only = (bad_date & bad_amount & date_cells.isna()).to_numpy()  # a wrapped description, a note
    for mask, what, column in ((bad_date & ~text_only, "no parsable date", cols.get("posting_date")),
                               (bad_amount & ~bad_date, "no parsable amount", cols.get("amount", cols.get("debit"))),
                               (text_only, "neither a date nor an amount (continuation or note lines)", None)):
        if mask.any():
            where = f"column {column!r}; " if column else ""
            warnings.append(f"skipped {int(mask.sum())} rows with {what} ({where}first: "
                            f"{_examples(out, table, mask, column or _text_column(table, cols))})")
            skipped.append({"reason": f"{what} in column {column!r}" if column else what, "rows": int(mask.sum())})
    return out[~bad].reset_index(drop=True), warnings, skipped


def _text_column(table: pd.DataFrame, cols: dict[str, str]) -> str | None:
    return cols.get("description") or next((c for c in table.columns if c not in cols.values()), None)


def _examples(out: pd.DataFrame, table: pd.DataFrame, mask: pd.Series, column: str | None) -> str:
    rows = out.loc[mask, "row_number"].head(3).tolist()
    values = table.loc[mask, column].head(3).tolist() if column in table else []
    return ", ".join(f"row {r}: {v!r}" for r, v in zip(rows, values, strict=False))


def _list_headers(table: pd.DataFrame) -> str:
    headers = [str(c) for c in table.columns[:12]]
    return ", ".join(headers) + (", ..." if len(table.columns) > 12 else "")


