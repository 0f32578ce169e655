"""Seeded generator of a large, realistic general-ledger CSV for scale benchmarks.

Vouchers of 2-6 balanced lines over ~300 accounts, ~40 users and two years, written with pyarrow so that
a million lines take seconds. `python -m benchmarks.generate_gl --rows 1000000 -o gl_1m.csv`
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

COLUMNS = ("Verifikation", "Rad", "Bokföringsdatum", "Registreringsdatum", "Konto", "Kontonamn", "Belopp",
           "Valuta", "Text", "Motpart", "Användare")


def generate(rows: int, seed: int = 7, accounts: int = 300, users: int = 40) -> pa.Table:
    rng = np.random.default_rng(seed)
    lines_per_voucher = rng.integers(2, 7, size=rows // 2 + 10)
    ends = np.cumsum(lines_per_voucher)
    lines_per_voucher = lines_per_voucher[: np.searchsorted(ends, rows) + 1]
    lines_per_voucher[-1] -= int(lines_per_voucher.sum() - rows)
    if lines_per_voucher[-1] < 2:  # keep every voucher balanced with at least two lines
        lines_per_voucher[-2] += lines_per_voucher[-1]
        lines_per_voucher = lines_per_voucher[:-1]
    n_vouchers = len(lines_per_voucher)
    voucher_of_line = np.repeat(np.arange(n_vouchers), lines_per_voucher)
    first_line = np.repeat(np.cumsum(lines_per_voucher) - lines_per_voucher, lines_per_voucher)
    line_in_voucher = np.arange(rows) - first_line

    account_codes = np.sort(rng.choice(np.arange(1000, 8999), size=accounts, replace=False))
    popularity = rng.zipf(1.6, size=accounts).astype(float)
    popularity /= popularity.sum()
    account_idx = rng.choice(accounts, size=rows, p=popularity)
    typical = np.exp(rng.uniform(np.log(50), np.log(200_000), size=accounts))
    amounts = np.round(typical[account_idx] * rng.lognormal(0, 0.6, size=rows), 2)
    sign = np.where(line_in_voucher % 2 == 0, 1.0, -1.0)
    amounts = amounts * sign
    # balance each voucher on its last line
    sums = np.bincount(voucher_of_line, weights=amounts, minlength=n_vouchers)
    last_line = np.cumsum(lines_per_voucher) - 1
    amounts[last_line] -= sums
    amounts = np.round(amounts, 2)

    start = np.datetime64("2023-01-02")  # a Monday
    # business days, with about one voucher in two hundred on a weekend as in real ledgers
    business = np.busday_offset(start, np.arange(520), roll="forward")
    all_days = start + np.arange(730).astype("timedelta64[D]")
    weekend_days = all_days[~np.is_busday(all_days)]
    voucher_day = np.where(rng.random(n_vouchers) < 0.005,
                           rng.choice(weekend_days, size=n_vouchers), rng.choice(business, size=n_vouchers))
    # systems number vouchers as they are registered: order by registration date, posting date before it
    voucher_lag = rng.integers(0, 4, size=n_vouchers).astype("timedelta64[D]")
    order = np.lexsort((voucher_day, voucher_day + voucher_lag))
    voucher_day, voucher_lag = voucher_day[order], voucher_lag[order]
    posting = voucher_day[voucher_of_line]
    lag = voucher_lag[voucher_of_line]
    user_idx = rng.integers(0, users, size=n_vouchers)[voucher_of_line]
    counterparties = np.array([f"Partner {i:04d}" for i in range(2000)])
    texts = np.array(["Faktura", "Inbetalning", "Lön", "Hyra", "Bankavgift", "Moms", "Leverantörsbetalning",
                      "Kundfaktura", "Periodisering", "Avskrivning"])
    return pa.table({
        "Verifikation": pa.array(np.char.add("A", (voucher_of_line + 1).astype(str))),
        "Rad": pa.array(line_in_voucher + 1),
        "Bokföringsdatum": pa.array(posting.astype("datetime64[D]")),
        "Registreringsdatum": pa.array((posting + lag).astype("datetime64[D]")),
        "Konto": pa.array(account_codes[account_idx].astype(str)),
        "Kontonamn": pa.array(np.char.add("Konto ", account_codes[account_idx].astype(str))),
        "Belopp": pa.array(amounts),
        "Valuta": pa.array(np.full(rows, "SEK")),
        "Text": pa.array(texts[rng.integers(0, len(texts), size=rows)]),
        "Motpart": pa.array(counterparties[rng.integers(0, len(counterparties), size=rows)]),
        "Användare": pa.array(np.char.add("user", user_idx.astype(str))),
    })


def write_csv(table: pa.Table, path: Path) -> None:
    pacsv.write_csv(table, str(path), pacsv.WriteOptions(include_header=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    write_csv(generate(args.rows, args.seed), args.output)


if __name__ == "__main__":
    main()
