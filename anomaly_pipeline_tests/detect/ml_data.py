"""A small ledger with one planted anomaly, for the ML detector tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomaly_pipeline.canonical import conform

ACCOUNTS = {"6110": (900.0, "bo"), "3001": (5000.0, "anna"), "1930": (3000.0, "dina"), "5410": (2000.0, "bo")}
ANOMALY_ID = 400  # the last of 400 rows


def ledger(n: int = 400, plant: bool = True) -> pd.DataFrame:
    """n-1 ordinary lines (four accounts, each with its size and user, registered 0-2 days after a weekday
    posting) and, last, a 6110 line 200x its usual size posted by a user who never touches 6110."""
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2024-01-01", periods=120)
    accounts = list(ACCOUNTS)
    rows = []
    for i in range(n - 1):
        account = accounts[i % 4]
        median, user = ACCOUNTS[account]
        day = days[int(rng.integers(0, len(days)))]
        rows.append({"voucher_id": f"V{i}", "account": account, "user_name": user, "posting_date": day,
                     "registration_date": day + pd.Timedelta(days=int(rng.integers(0, 3))),
                     "amount": round(float(median * rng.lognormal(0, 0.1)), 2)})
    if plant:
        day = days[40]
        rows.append({"voucher_id": "V999", "account": "6110", "user_name": "anna", "posting_date": day,
                     "registration_date": day + pd.Timedelta(days=1), "amount": 180000.0 + 17.35})
    return conform(pd.DataFrame(rows))


def expected_amount_reason(frame: pd.DataFrame) -> str:
    """'unusual amount for account 6110 (...)' for the planted row, computed independently."""
    acc = frame[frame["account"] == "6110"]
    mags = np.log10(acc["amount"].abs() + 1)
    scale = max(1.4826 * float(np.median(np.abs(mags - np.median(mags)))), 0.05)
    z = (np.log10(180017.35 + 1) - float(np.median(mags))) / scale
    median = float(np.median(acc["amount"].abs()))
    median_text = f"{median:,.2f}".replace(",", " ").removesuffix(".00")
    return f"unusual amount for account 6110 (180 017.35 vs median {median_text}, log-amount z {z:.1f})"


def expected_user_reason(frame: pd.DataFrame) -> str:
    n = int((frame["account"] == "6110").sum())
    return f"rare user anna for account 6110 (1 of {n} postings)"
