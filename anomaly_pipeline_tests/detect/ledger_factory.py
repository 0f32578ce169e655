"""A small synthetic general ledger (balanced vouchers, users, registration dates and times) written as
CSV, with a few planted journal-entry findings whose voucher ids the tests know."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HEADER = ["Voucher", "Line", "Date", "Time", "Registration date", "Account", "Amount", "Text", "Counterparty", "User"]
# expense account, counterparty, typical amount
ROUTINE = [("5010", "Fastighets AB", 12_340.0), ("6110", "Kontorsbolaget", 1_234.5), ("6212", "Telia", 873.25),
           ("5460", "Förbrukning AB", 2_310.75), ("6570", "Banken", 118.0)]


def write_ledger(path: Path, vouchers: int = 120, seed: int = 7) -> dict[str, str]:
    """Write the ledger; returns the planted findings as {name: voucher id}."""
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = []
    day = np.datetime64("2025-01-02")
    number = 0
    for _ in range(vouchers):
        number += 1
        # weekdays only, business hours, registered the same day
        while (day.astype("datetime64[D]").view("int64") - 4) % 7 >= 5:
            day += 1
        account, party, base = ROUTINE[rng.integers(len(ROUTINE))]
        amount = round(base * (1 + rng.normal(0, 0.05)), 2)
        hour = int(rng.integers(8, 17))
        reg = day
        rows += _voucher(f"A{number}", str(day), f"{hour:02d}:{int(rng.integers(0, 60)):02d}", str(reg),
                         [(account, amount), ("2440", -amount)], f"Invoice {party}", party, "anna")
        if rng.random() < 0.4:
            day += 1
    planted: dict[str, str] = {}
    last = str(day)
    # an unbalanced voucher with a suspicious text, posted late at night by a rare user
    number += 1
    planted["unbalanced"] = f"A{number}"
    rows += _voucher(planted["unbalanced"], last, "23:41", last, [("6110", 5_000.0), ("1930", -4_000.0)],
                     "Rättelse per instruction", "", "erik")
    # a gap: A{number+1} is never written
    number += 2
    planted["after_gap"] = f"A{number}"
    rows += _voucher(planted["after_gap"], last, "10:00", last, [("5010", 9_800.0), ("2440", -9_800.0)],
                     "Invoice Fastighets AB", "Fastighets AB", "anna")
    # an exact duplicate of the previous voucher in another voucher
    number += 1
    planted["duplicate"] = f"A{number}"
    rows += _voucher(planted["duplicate"], last, "10:05", last, [("5010", 9_800.0), ("2440", -9_800.0)],
                     "Invoice Fastighets AB", "Fastighets AB", "anna")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return planted


def _voucher(vid: str, date: str, time: str, reg: str, lines: list[tuple[str, float]], text: str, party: str,
             user: str) -> list[list[str]]:
    return [[vid, str(i), date, time, reg, account, f"{amount:.2f}", text, party, user]
            for i, (account, amount) in enumerate(lines, start=1)]
