"""The canonical transaction schema every reader produces and every detector consumes."""

from __future__ import annotations

import numpy as np
import pandas as pd

# column -> pandas dtype. Amounts are signed: debit (money in to the account) positive, credit negative.
CANONICAL_COLUMNS: dict[str, str] = {
    "transaction_id": "int64",  # 1-based position in the normalized upload; stable across re-runs
    "row_number": "int64",  # line / record number in the source file, for auditors
    "voucher_id": "string",
    "voucher_type": "string",  # the journal, series or kind of transaction ("A", "VT", "Journal Entry", "Bill")
    "line_number": "Int64",
    "posting_date": "datetime64[ns]",
    "posted_at": "datetime64[ns]",  # posting timestamp when the source has times
    "registration_date": "datetime64[ns]",
    "value_date": "datetime64[ns]",
    "account": "string",
    "account_name": "string",
    "amount": "float64",
    "currency": "string",
    "description": "string",
    "counterparty": "string",
    "user_name": "string",
    "reference": "string",
    "dimensions": "string",  # JSON object, e.g. {"1": "100", "6": "P1"} from SIE object lists
    "entity": "string",  # company / account holder the upload belongs to
    "is_removed": "bool",  # SIE #BTRANS: a removed line, kept as an audit signal, not active
    "source_format": "string",
    "raw": "string",  # the source record as JSON (delimited text: the array of its cells, named in read metadata)
}

REQUIRED_COLUMNS = ("posting_date", "account", "amount")


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in CANONICAL_COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with exactly the canonical columns, in order and with canonical dtypes.

    Missing optional columns are added empty; ids are assigned if absent.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    src = frame.reset_index(drop=True)
    for col, dtype in CANONICAL_COLUMNS.items():
        if col in src.columns:
            values = src[col]
        elif col == "transaction_id" or col == "row_number":
            values = pd.Series(range(1, len(src) + 1))
        elif col == "is_removed":
            values = pd.Series(False, index=out.index)
        else:  # empty, typed at once (a million <NA> objects cost a second to convert)
            values = pd.Series(pd.NaT if dtype.startswith("datetime64") else pd.NA, index=out.index, dtype=dtype)
        if dtype.startswith("datetime64"):
            if values.dtype != np.dtype(dtype):
                values = pd.to_datetime(values, errors="coerce").astype(dtype)
        elif dtype == "bool":
            values = values.fillna(False).astype(bool)
        else:
            values = values.astype(dtype)
        out[col] = values.reset_index(drop=True)
    return out
