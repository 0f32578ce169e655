"""A small generated general ledger: three accounts with typical amounts, a few amounts far off their
account's usual size, and postings on every day of the week (so both the z-score and the weekend rule fire)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ACCOUNTS = {"4010": 500.0, "5010": 2000.0, "6110": 150.0}


def write_ledger(path: Path, rows: int = 120, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    accounts = np.array(list(ACCOUNTS))[np.arange(rows) % len(ACCOUNTS)]
    base = np.array([ACCOUNTS[a] for a in accounts])
    amounts = base * rng.lognormal(0.0, 0.3, rows)
    outliers = np.arange(10, rows, 40)
    amounts[outliers] = base[outliers] * 60
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows) % 91, unit="D")
    pd.DataFrame({
        "Date": dates.strftime("%Y-%m-%d"), "Voucher": [f"V{i // 2:03d}" for i in range(rows)],
        "Account": accounts, "Amount": amounts.round(2), "Description": [f"line {i}" for i in range(rows)],
    }).to_csv(path, index=False)
    return path
