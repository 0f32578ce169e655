"""Accounts written as their code and name in one cell ("43000000 Clientes (euros)", Odoo's display name;
"1200 - Bank"): the code is the account, the rest its name."""

from __future__ import annotations

import re

import pandas as pd

from anomaly_pipeline.ingest.column_mapping import Mapping

#: a chart code (digits, perhaps grouped by dots) then a name that does not start with a digit
CODE_AND_NAME = re.compile(r"^\s*(\d+(?:\.\d+)*)\s+(?:[-\u2013:]\s+)?(\D.*?)\s*$")
#: share of an account column's distinct values that must read as code and name
MIN_SHARE = 0.9


def split_code_and_name(out: pd.DataFrame, mapping: Mapping) -> bool:
    """Where nearly every distinct value of `out["account"]` is a code followed by a name and each code has one
    name, make the code the account and the name `account_name` (in place), note it on `mapping` and return
    True. A code alone, an IBAN or a name alone are left as they are."""
    values = out["account"].dropna().unique()
    if not len(values):
        return False
    parts = pd.Series(values, dtype="string").str.extract(CODE_AND_NAME)
    read = parts[0].notna()
    if read.mean() < MIN_SHARE or parts.loc[read].groupby(0)[1].nunique().max() > 1:
        return False
    code = dict(zip(values[read.to_numpy()], parts.loc[read, 0], strict=True))
    name = dict(zip(values[read.to_numpy()], parts.loc[read, 1], strict=True))
    account = out["account"]
    out["account_name"] = account.map(name).astype("string")
    out["account"] = account.map(code).fillna(account).astype("string")
    example = next(iter(code))
    mapping.notes.append(f"{mapping.columns['account']!r} holds each account's code and name ({example!r}): the code "
                         "is the account, the rest its name")
    return True
