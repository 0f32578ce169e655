"""A seeded generator of realistic labelled general ledgers, for measuring detection.

One company's year: sales invoices with 25% output VAT and their customer payments, supplier invoices
(25% or 12% input VAT) and their payments, monthly payroll with payroll tax (31.42%) and withheld tax,
monthly rent, bank fees, and routine manual journals (depreciation, month-end accruals and their reversals, a
quarterly reclassification); four regular users, voucher series A (sales), B (supplier invoices), C (bank),
L (payroll), M (manual); postings on Swedish business days, registered 0-3 days after their date.

Into that it injects anomalies, each instance labelled on its rows (`anomaly_kind`, `anomaly_id`; empty
on normal rows): see KINDS. The CSV uses header names the pipeline's CSV reader maps by itself.

    python -m benchmarks.generate_ledger --seed 1 --out ledger.csv [--scale 1.0] [--per-kind 6]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

KINDS = (
    "amount_outlier",              # an invoice 20-60x the customer's / supplier's usual size
    "unusual_account_combination", # two accounts that never meet in a voucher (salary vs sales, rent vs AR)
    "weekend_holiday_posting",     # a normal voucher dated on a Saturday, Sunday or public holiday
    "round_amount",                # a manual voucher of a large round amount (50 000, 120 000)
    "just_below_approval_limit",   # a supplier invoice of 49 000-49 990 under the 50 000 approval limit
    "duplicate",                   # a supplier invoice entered twice (same supplier, amounts, new voucher)
    "backdated",                   # registered 45-150 days after its posting date
    "unusual_user",                # posted by a user who never posts that kind of voucher
    "broken_vat_ratio",            # a sales invoice whose VAT is not 25% of the net amount
    "period_end_reversal",         # revenue booked on a month's last day, reversed early next month
    "unbalanced_voucher",          # lines that do not sum to zero
    "daily_spike",                 # one day with many times an account's usual turnover
)
APPROVAL_LIMIT = 50_000.0
ACCOUNTS = {
    "1510": "Accounts receivable", "1930": "Bank account", "2440": "Accounts payable", "2611": "Output VAT 25%",
    "2641": "Input VAT", "2710": "Employee tax withheld", "2731": "Payroll tax liability", "3001": "Sales 25% VAT",
    "4010": "Purchases of goods", "5010": "Premises rent", "5410": "Consumables", "5611": "Fuel",
    "6071": "Client entertainment", "6110": "Office supplies", "6212": "Telephone", "6570": "Bank fees",
    "7010": "Salaries", "7510": "Payroll tax", "1229": "Accumulated depreciation, equipment",
    "2990": "Accrued expenses", "7832": "Depreciation of equipment",
}
SUPPLIERS = {  # name -> (cost account, VAT rate, median net amount)
    "Nordic Goods AB": ("4010", 0.25, 18000), "Grossist Svea": ("4010", 0.25, 9000), "Lager & Co": ("4010", 0.25, 26000),
    "Kontorsbolaget": ("6110", 0.25, 1400), "Papper Direkt": ("6110", 0.25, 700), "Telia Företag": ("6212", 0.25, 2300),
    "Circle K": ("5611", 0.25, 900), "Preem": ("5611", 0.25, 1100), "Verktyg Nord": ("5410", 0.25, 3200),
    "Städ & Service": ("5410", 0.25, 4500), "Restaurang Kajen": ("6071", 0.12, 2600), "Hotell Centrum": ("6071", 0.12, 5200),
}
CUSTOMERS = [f"Customer {c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWX"]
LANDLORD = "Fastighets AB Kvarnen"
BANK = "Handelsbanken"


@dataclass
class _Ledger:
    rng: np.random.Generator
    business_days: pd.DatetimeIndex
    non_business_days: pd.DatetimeIndex
    lines: list[tuple] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def voucher(self, series: str) -> str:
        self.counters[series] = self.counters.get(series, 0) + 1
        return f"{series}{self.counters[series]}"

    def post(self, series: str, date: pd.Timestamp, user: str, text: str, counterparty: str,
             entries: list[tuple[str, float]], lag: int | None = None, kind: str = "", anomaly_id: str = "") -> str:
        vid = self.voucher(series)
        reg = date + pd.Timedelta(days=int(self.rng.integers(0, 4)) if lag is None else lag)
        for n, (account, amount) in enumerate(entries, start=1):
            self.lines.append((vid, n, date, reg, account, ACCOUNTS[account], round(amount, 2), text, counterparty,
                               user, kind, anomaly_id))
        return vid

    def day(self, after: pd.Timestamp | None = None, within: int = 0) -> pd.Timestamp | None:
        """A random business day (at or after `after`, within `within` days of it; None past year-end)."""
        days = self.business_days
        if after is not None:
            days = days[(days >= after) & (days <= after + pd.Timedelta(days=within))]
            if days.empty:
                return None
        return days[int(self.rng.integers(0, len(days)))]


def _calendar(year: int) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    public = holidays.Sweden(years=year, include_sundays=False)
    off = days.day_of_week.isin([5, 6]) | days.isin(pd.to_datetime(list(public.keys())))
    return days[~off], days[off]


def _sale(lg: _Ledger, date: pd.Timestamp, customer: str, net: float, user: str = "anna", vat_rate: float = 0.25,
          **label) -> str:
    net = round(net, 2)
    vat = round(net * vat_rate, 2)
    return lg.post("A", date, user, f"Invoice {customer}", customer,
                   [("1510", net + vat), ("3001", -net), ("2611", -vat)], **label)


def _purchase(lg: _Ledger, date: pd.Timestamp, supplier: str, net: float, user: str = "bo", **label) -> str:
    account, rate, _ = SUPPLIERS[supplier]
    net = round(net, 2)
    vat = round(net * rate, 2)
    return lg.post("B", date, user, f"Supplier invoice {supplier}", supplier,
                   [(account, net), ("2641", vat), ("2440", -(net + vat))], **label)


def _normal_year(lg: _Ledger, scale: float) -> None:
    rng = lg.rng
    cust_weight = rng.pareto(1.2, len(CUSTOMERS)) + 0.2
    cust_weight /= cust_weight.sum()
    cust_median = dict(zip(CUSTOMERS, rng.lognormal(8.3, 0.6, len(CUSTOMERS)), strict=True))
    for _ in range(int(1500 * scale)):
        date = lg.day()
        customer = CUSTOMERS[rng.choice(len(CUSTOMERS), p=cust_weight)]
        net = cust_median[customer] * rng.lognormal(0, 0.35)
        user = "anna" if rng.random() < 0.9 else "erik"
        _sale(lg, date, customer, net, user=user)
        paid = lg.day(date + pd.Timedelta(days=10), 30)
        if rng.random() < 0.9 and paid is not None:  # invoices paid after year-end stay open
            gross = lg.lines[-3][6]
            lg.post("C", paid, "dina", f"Payment {customer}", customer, [("1930", gross), ("1510", -gross)])
    names = list(SUPPLIERS)
    sup_weight = np.array([3, 2, 2, 4, 3, 1, 3, 2, 2, 1, 1, 1], dtype=float)
    sup_weight /= sup_weight.sum()
    for _ in range(int(800 * scale)):
        date = lg.day()
        supplier = names[rng.choice(len(names), p=sup_weight)]
        net = SUPPLIERS[supplier][2] * rng.lognormal(0, 0.3)
        _purchase(lg, date, supplier, net)
        gross = -lg.lines[-1][6]
        paid = lg.day(date + pd.Timedelta(days=20), 15)
        if paid is not None:
            lg.post("C", paid, "dina", f"Payment {supplier}", supplier, [("2440", gross), ("1930", -gross)])
    prev_tax = prev_withheld = None
    for month in range(1, 13):
        first = lg.business_days[lg.business_days.month == month]
        salary = round(float(rng.normal(420_000, 6_000)), 2)
        tax = round(salary * 0.3142, 2)
        withheld = round(salary * 0.30, 2)
        pay_day = first[first.day <= 25][-1]
        lg.post("L", pay_day, "carl", f"Payroll {pay_day:%Y-%m}", "", [
            ("7010", salary), ("7510", tax), ("2731", -tax), ("2710", -withheld), ("1930", -(salary - withheld))])
        tax_day = first[first.day <= 12][-1]
        if prev_tax is not None:
            lg.post("C", tax_day, "carl", "Tax account payment", "Skatteverket",
                    [("2731", prev_tax), ("2710", prev_withheld), ("1930", -(prev_tax + prev_withheld))])
        prev_tax, prev_withheld = tax, withheld
        lg.post("B", first[0], "bo", f"Rent {first[0]:%Y-%m}", LANDLORD,
                [("5010", 25_000.0), ("2641", 6_250.0), ("2440", -31_250.0)])
        lg.post("C", first[0], "dina", f"Payment {LANDLORD}", LANDLORD, [("2440", 31_250.0), ("1930", -31_250.0)])
        for _ in range(int(5 * scale)):
            fee = round(float(rng.uniform(45, 150)), 2)
            lg.post("C", lg.day(first[0], 27) or first[0], "dina", "Bank fees", BANK, [("6570", fee), ("1930", -fee)])


def _manual_routines(lg: _Ledger) -> None:
    """The normal manual (series M) journals of a year, so that a manual voucher is not an anomaly by itself:
    carl's monthly depreciation and month-end accrual of the telephone bill (both dated the month's last day,
    a weekend or not; the accrual reversed within the next month's first week), and bo's quarterly
    reclassification of consumables booked as office supplies."""
    rng = lg.rng
    year = lg.business_days[0].year
    for month in range(1, 13):
        last = pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
        lg.post("M", last, "carl", f"Depreciation {last:%Y-%m}", "", [("7832", 4_250.0), ("1229", -4_250.0)])
        accrual = round(float(rng.uniform(1_800, 2_800)), 2)
        lg.post("M", last, "carl", f"Accrued telephone {last:%Y-%m}", "", [("6212", accrual), ("2990", -accrual)])
        after = lg.day(last + pd.Timedelta(days=1), 6)
        if after is not None:
            lg.post("M", after, "carl", f"Reversal accrued telephone {last:%Y-%m}", "",
                    [("2990", accrual), ("6212", -accrual)])
        if month % 3 == 0:
            moved = round(float(rng.uniform(600, 3_500)), 2)
            lg.post("M", lg.day(last - pd.Timedelta(days=10), 10) or last, "bo", "Reclassification", "",
                    [("5410", moved), ("6110", -moved)])


def _inject(lg: _Ledger, kind: str, k: int, scale: float) -> None:
    rng = lg.rng
    label = {"kind": kind, "anomaly_id": f"{kind}-{k}"}
    customer = CUSTOMERS[int(rng.integers(0, 8))]
    supplier = list(SUPPLIERS)[int(rng.integers(0, len(SUPPLIERS)))]
    if kind == "amount_outlier":
        if rng.random() < 0.5:
            _sale(lg, lg.day(), customer, float(rng.uniform(20, 60)) * 4000 * rng.lognormal(0, 0.2), **label)
        else:
            _purchase(lg, lg.day(), supplier, SUPPLIERS[supplier][2] * float(rng.uniform(20, 60)), **label)
    elif kind == "unusual_account_combination":
        pairs = [("7010", "3001"), ("5010", "1510"), ("6071", "2611"), ("4010", "7510")]
        debit, credit = pairs[k % len(pairs)]
        amount = round(float(rng.lognormal(8.5, 0.4)), 2)
        lg.post("M", lg.day(), "carl" if rng.random() < 0.5 else "bo", "Reclassification", "",
                [(debit, amount), (credit, -amount)], **label)
    elif kind == "weekend_holiday_posting":
        date = lg.non_business_days[int(rng.integers(0, len(lg.non_business_days)))]
        if rng.random() < 0.5:
            _sale(lg, date, customer, float(rng.lognormal(8.3, 0.4)), **label)
        else:
            _purchase(lg, date, supplier, SUPPLIERS[supplier][2] * float(rng.lognormal(0, 0.3)), **label)
    elif kind == "round_amount":
        amount = float(rng.choice([50_000, 75_000, 100_000, 120_000, 200_000]))
        account = ["6110", "5410", "4010", "6071"][k % 4]
        lg.post("M", lg.day(), "bo", "Adjustment", "", [(account, amount), ("1930", -amount)], **label)
    elif kind == "just_below_approval_limit":
        gross = float(rng.uniform(APPROVAL_LIMIT * 0.98, APPROVAL_LIMIT - 10))
        account, rate, _ = SUPPLIERS[supplier]
        _purchase(lg, lg.day(), supplier, gross / (1 + rate), **label)
    elif kind == "duplicate":
        invoices = [line for line in lg.lines if line[0].startswith("B") and line[1] == 1 and not line[10]
                    and not line[7].startswith("Rent")]
        original = invoices[int(rng.integers(0, len(invoices)))]
        entries = [(line[4], line[6]) for line in lg.lines if line[0] == original[0]]
        lg.post("B", lg.day(original[2], 5) or original[2], "bo", original[7], original[8], entries, **label)
    elif kind == "backdated":
        date = lg.day()
        _purchase(lg, date, supplier, SUPPLIERS[supplier][2] * float(rng.lognormal(0, 0.3)),
                  lag=int(rng.integers(45, 150)), **label)
    elif kind == "unusual_user":
        user = ["dina", "carl", "temp_admin"][k % 3]
        if rng.random() < 0.5:
            _sale(lg, lg.day(), customer, float(rng.lognormal(8.3, 0.4)), user=user, **label)
        else:
            _purchase(lg, lg.day(), supplier, SUPPLIERS[supplier][2] * float(rng.lognormal(0, 0.3)), user=user, **label)
    elif kind == "broken_vat_ratio":
        _sale(lg, lg.day(), customer, float(rng.lognormal(8.5, 0.4)), vat_rate=float(rng.choice([0.12, 0.18, 0.20, 0.30])),
              **label)
    elif kind == "period_end_reversal":
        month = int(rng.integers(1, 12))
        last = pd.Timestamp(year=lg.business_days[0].year, month=month, day=1) + pd.offsets.MonthEnd(0)
        net = round(float(rng.uniform(150_000, 400_000)), 2)
        vat = round(net * 0.25, 2)
        entries = [("1510", net + vat), ("3001", -net), ("2611", -vat)]
        lg.post("M", last, "anna", "Revenue accrual", customer, entries, **label)
        lg.post("M", lg.day(last + pd.Timedelta(days=1), 7), "anna", "Reversal of revenue accrual", customer,
                [(a, -v) for a, v in entries], **label)
    elif kind == "unbalanced_voucher":
        net = round(float(rng.lognormal(8.3, 0.4)), 2)
        vat = round(net * 0.25, 2)
        typo = round(net + vat + float(rng.choice([-900, -90, 90, 900])), 2)
        lg.post("A", lg.day(), "anna", f"Invoice {customer}", customer,
                [("1510", typo), ("3001", -net), ("2611", -vat)], **label)
    elif kind == "daily_spike":
        date = lg.day()
        target = ["Kontorsbolaget", "Circle K", "Verktyg Nord"][k % 3]
        for _ in range(int(rng.integers(15, 30))):
            _purchase(lg, date, target, SUPPLIERS[target][2] * float(rng.lognormal(0, 0.3)), **label)
    else:  # pragma: no cover - KINDS lists every branch
        raise ValueError(kind)


def generate_ledger(seed: int = 0, year: int = 2024, scale: float = 1.0, per_kind: int = 6,
                    kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """A labelled ledger: one row per voucher line, canonical-ish headers, `anomaly_kind` empty when normal."""
    business, off = _calendar(year)
    lg = _Ledger(np.random.default_rng(seed), business, off)
    _normal_year(lg, scale)
    for kind in kinds:
        for k in range(per_kind):
            _inject(lg, kind, k, scale)
    _manual_routines(lg)  # after the injections, so that they draw the same numbers as before these existed
    frame = pd.DataFrame(lg.lines, columns=[
        "Voucher", "Line", "Date", "RegistrationDate", "Account", "AccountName", "Amount", "Description",
        "Counterparty", "User", "anomaly_kind", "anomaly_id"])
    # journal order: by posting date, vouchers kept together
    frame = frame.sort_values(["Date", "Voucher", "Line"], kind="stable").reset_index(drop=True)
    # number each series in registration order, as a bookkeeping system does when an entry is saved
    first = frame.drop_duplicates("Voucher").sort_values(["RegistrationDate", "Date"], kind="stable")
    series = first["Voucher"].str[0]
    renumber = series + (series.groupby(series).cumcount() + 1).astype(str)
    frame["Voucher"] = frame["Voucher"].map(dict(zip(first["Voucher"], renumber, strict=True)))
    return frame


def write_ledger(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    for col in ("Date", "RegistrationDate"):
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.2f")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier for normal activity")
    parser.add_argument("--per-kind", type=int, default=6, help="injected instances of each anomaly kind")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    frame = generate_ledger(args.seed, args.year, args.scale, args.per_kind)
    write_ledger(frame, args.out)
    labelled = frame["anomaly_kind"] != ""
    print(f"{args.out}: {len(frame)} lines, {frame['Voucher'].nunique()} vouchers, "
          f"{int(labelled.sum())} labelled lines in {frame.loc[labelled, 'anomaly_id'].nunique()} anomalies")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
