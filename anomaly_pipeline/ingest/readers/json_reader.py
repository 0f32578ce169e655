"""JSON and JSON Lines: find the list of transaction records wherever it is nested, flatten, normalize.

Handled shapes: a top-level list of records; an object holding such a list at any depth (the largest
group of lists of objects that look like transactions wins, e.g. `accounts[].transactions[]`); vouchers
with lines (`vouchers[].lines[]`: voucher fields are inherited by their lines); JSON Lines. Plaid-style
transactions (positive amount = money out) are negated to the canonical money-in-positive sign.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from anomaly_pipeline.ingest.base import ReadResult, Source
from anomaly_pipeline.ingest.column_mapping import map_columns
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.header_match import SYNONYM_INDEX, header_key
from anomaly_pipeline.ingest.normalize import tabular_to_canonical
from anomaly_pipeline.ingest.text import decode_text
from anomaly_pipeline.settings import Settings

# Fields a line may take from its voucher / statement when it has none of its own.
_INHERITABLE = {"posting_date", "value_date", "registration_date", "currency", "description", "user_name",
                "voucher_id", "account", "entity"}
# Keys that only Plaid's transaction objects use; with them, `amount` follows Plaid's money-out-positive sign.
_PLAID_KEYS = {"date_posted", "date_transacted", "authorized_date", "merchant_name", "iso_currency_code",
               "unofficial_currency_code", "payment_channel", "personal_finance_category", "pending_transaction_id"}
_ACCOUNT_IDENTITY = ("account_id", "id", "numbers.account", "account", "number", "iban", "mask", "name",
                     "official_name", "meta.name", "subtype", "type")
_SAMPLE = 200


@dataclass
class _Group:
    """All lists of objects found at one path (list positions wildcarded), with each list's inherited context."""

    path: tuple[str, ...]
    lists: list[list] = field(default_factory=list)
    contexts: list[dict] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(items) for items in self.lists)


def read_json(source: Source, settings: Settings, mapping: dict[str, str] | None = None) -> ReadResult:
    text, encoding = decode_text(source.data)
    document, line_numbers = _parse(text)
    json_lines = line_numbers is not None
    group = _choose(_find_groups(document), mapping)
    table, row_numbers = _flatten(group)
    if json_lines and not group.path:  # one record per line: report the file's line number
        row_numbers = pd.Series(line_numbers, dtype="int64")
    plaid = bool(_PLAID_KEYS & set(table.columns)) or (
        isinstance(document, dict) and "override_accounts" in document and "amount" in table.columns)
    frame, metadata, warnings = tabular_to_canonical(
        table, source_format="json", row_numbers=row_numbers, override=mapping,
        default_account=_document_account(document), default_entity=_document_entity(document),
    )
    if plaid and not (mapping and "amount" in mapping and mapping["amount"] != "amount"):
        frame["amount"] = -frame["amount"]
        metadata["sign_convention"] = "Plaid: positive amount = money out; negated to money in = positive"
    if _document_entity(document):
        metadata["entity"] = _document_entity(document)  # stored on the upload row
    metadata.update({
        "encoding": encoding,
        "json_lines": json_lines,
        "records_path": "/".join(group.path) or "(top level)",
        "record_lists": len(group.lists),
        "columns": list(table.columns),
    })
    return ReadResult(frame=frame, expected_rows=group.size, metadata=metadata, warnings=warnings)


def _parse(text: str) -> tuple[object, list[int] | None]:
    """(document, None) for JSON; (records, their line numbers) for JSON Lines."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        first_error = exc
    numbered = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    try:
        records = [json.loads(line) for _, line in numbered]
    except json.JSONDecodeError:
        raise RejectedFile(
            f"malformed JSON: {first_error.msg} at line {first_error.lineno} column {first_error.colno}"
        ) from first_error
    if len(records) < 2 or not all(isinstance(r, dict) for r in records):
        raise RejectedFile(f"malformed JSON: {first_error.msg} at line {first_error.lineno}")
    return records, [i for i, _ in numbered]


def _find_groups(document: object) -> list[_Group]:
    """Every list of objects in the document, grouped by path; each list knows its ancestors' scalar fields."""
    groups: dict[tuple[str, ...], _Group] = {}

    def walk(node: object, path: tuple[str, ...], context: dict) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, str(key)), context)
        elif isinstance(node, list):
            items = [item for item in node if isinstance(item, dict)]
            if not items:
                return
            group = groups.setdefault(path, _Group(path))
            group.lists.append(items)
            group.contexts.append(context)
            container = path[-1] if path else ""
            for item in items:
                inner = {**context, **_inherited(container, item)}
                for key, value in item.items():
                    if isinstance(value, dict | list):
                        walk(value, (*path, str(key)), inner)

    walk(document, (), {})
    return list(groups.values())


def _inherited(container: str, item: dict) -> dict:
    """The scalar fields a nested record inherits from `item`, renamed so the synonyms recognise them."""
    scalars = _scalars(item)
    singular = _singular(container)
    out: dict = {}
    for key, value in scalars.items():
        name = _inherited_name(singular, key)
        if name is not None:
            out[name] = value
    if "account" in header_key(singular) and not any(_canon(k) == "account" for k in out):
        identity = next((scalars[k] for k in _ACCOUNT_IDENTITY if scalars.get(k) not in (None, "")), None)
        if identity is not None:
            out["account"] = identity
    return out


@lru_cache(maxsize=4096)
def _inherited_name(singular: str, key: str) -> str | None:
    """'id' of a voucher -> 'voucher_id'; its 'date' stays 'date'; fields lines never take -> None."""
    prefixed = f"{singular}_{key}" if singular else key
    if _canon(prefixed) in _INHERITABLE:
        return prefixed
    if _canon(key) in _INHERITABLE - {"account"}:
        return key
    return None


def _document_account(document: object) -> str | None:
    """An `"account": {"iban": ...}` object at the top of the document names the statement's account."""
    if not isinstance(document, dict):
        return None
    for key, value in document.items():
        if "account" in header_key(key) and isinstance(value, dict):
            scalars = _scalars(value)
            for name in ("iban", "account_id", "accountId", "resourceId", "id", "number", "bban", "name"):
                if scalars.get(name) not in (None, ""):
                    return str(scalars[name])
    return None


_ENTITY_KEYS = ("company", "companyname", "entity", "organisation", "organization", "accountholder", "holder",
                "owner", "foretag", "firma", "societe", "empresa", "bedrijf")


def _document_entity(document: object) -> str | None:
    """A top-level `"company": "..."` (or entity / account holder) names whose books these are."""
    if not isinstance(document, dict):
        return None
    for key, value in document.items():
        if header_key(key) in _ENTITY_KEYS and isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return None


def _scalars(item: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_scalars(value, f"{name}."))
        elif not isinstance(value, list):
            out[name] = value
    return out


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


@lru_cache(maxsize=4096)
def _canon(key: str) -> str | None:
    return SYNONYM_INDEX.get(header_key(key))


def _choose(groups: list[_Group], mapping: dict[str, str] | None) -> _Group:
    """The largest group whose records (with what they inherit) have a date and an amount."""
    fitting = [g for g in groups if _looks_like_transactions(g, mapping)]
    if not fitting:
        raise RejectedFile("no list of transaction records found (objects with a date and an amount field)")
    return max(fitting, key=lambda g: g.size)


def _looks_like_transactions(group: _Group, mapping: dict[str, str] | None) -> bool:
    sample = _Group(group.path, [], [])
    for items, context in zip(group.lists, group.contexts, strict=True):
        sample.lists.append(items[:_SAMPLE])
        sample.contexts.append(context)
        if sample.size >= _SAMPLE:
            break
    table, _ = _flatten(sample)
    try:
        cols = map_columns(table, mapping).columns
    except RejectedFile:  # the user's mapping names columns this list does not have
        return False
    has_date = bool({"posting_date", "value_date"} & cols.keys())
    return has_date and bool({"amount", "debit", "credit"} & cols.keys())


def _flatten(group: _Group) -> tuple[pd.DataFrame, pd.Series]:
    """One row per record: its own fields (nested objects dotted, lists as JSON) plus inherited fields."""
    records = list(itertools.chain.from_iterable(group.lists))
    table = pd.json_normalize(records, sep=".")
    for col in table.columns:
        if table[col].dtype == object and table[col].map(lambda v: isinstance(v, list | dict)).any():
            table[col] = table[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict)
                                        else v)
    own = {_canon(c) for c in table.columns} - {None}
    lengths = np.array([len(items) for items in group.lists])
    context = pd.DataFrame(group.contexts).reindex(np.repeat(np.arange(len(group.lists)), lengths))
    for col in context.columns:
        if _canon(col) in own or col in table.columns:
            continue  # the record's own field wins over its voucher's / statement's
        table[col] = context[col].to_numpy()
    inherits_voucher = any(_canon(c) == "voucher_id" for c in context.columns)
    if inherits_voucher and "line_number" not in own and "line" not in table.columns:
        # lines of a voucher are numbered by their position in it
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        table["line"] = np.arange(len(table)) - starts + 1
    return table, pd.Series(np.arange(1, len(table) + 1), dtype="int64")
