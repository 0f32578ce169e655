"""An eighth labelled ledger generator, written apart from the others and from the detectors, for held-out evaluation.

Stumptown Ridge Coffee Roasters, LLC, Portland, Oregon: roasts specialty coffee in an inner-southeast warehouse,
sells it wholesale to cafés, grocers and offices in Oregon and Washington, online (Shopify) and in its own tasting
room café; 30 staff; calendar year 2025 in USD on QuickBooks Online, with a QBO-style chart of accounts (names,
no numbers; sub-accounts written `Parent:Child`). The normal year:

- wholesale invoices (Invoice, numbered 1001+ in the order they are created) keyed by the office manager (Megan Liu)
  on the office's working days from the roastery's order sheet: coffee lines (5 lb bags, 12 oz retail bags, cold
  brew concentrate), delivery or freight; Washington customers buying equipment (grinders, batch brewers) pay
  Washington sales tax at their city's rate on the equipment only (coffee is food, exempt; Oregon has no sales tax);
  customers pay by check (Payment into Undeposited Funds, deposited in a batch on Tuesdays and Fridays) or by ACH
  (Payment straight into Checking); credit memos for short-shipped or stale bags, applied by a $0 Payment;
- the tasting room café's sales come in every day it is open (weekends included) as one Sales Receipt per day from
  the Square app (into Square Clearing), deposited net of fees on the next bank day; the web shop's sales come in
  daily from the Shopify connector (coffee, merchandise, shipping, Washington sales tax) and are paid out on bank
  days net of fees;
- vendor bills (Bill) entered by the operations manager (Tom Becker) in Tuesday and Thursday batches at the vendor's
  invoice date: green coffee importers (containers of green coffee, to Cost of Goods Sold:Green Coffee), packaging,
  milk and café supplies, freight, rent, utilities, repairs, insurance, the bookkeeper; paid in a Friday payment run
  (Bill Payment (Check), one per vendor, printed check numbers or ACH). The approval rule: a bill of APPROVAL_LIMIT
  or more (green coffee contracts excepted) needs the owner's approval in the approval workflow;
- Amex card charges (Expense, payment account Credit Card - Amex) accepted from the bank feed by the outside
  bookkeeper (Jenna Park) in weekly sessions at their card date: software, ads, fuel for the delivery van (also on
  Saturdays), Costco and restaurant-supply runs for the café (also on Sundays), travel to origin; the card paid in
  full around the 20th (Credit Card Payment);
- payroll every other Friday (from 3 January; Thursday 3 July for the 4th) through Gusto, which posts one Journal
  Entry per payroll (wages by department, employer taxes, 401(k) deferrals, the bank debits) created by the app; the
  Guideline 401(k) remittance; the monthly loan payment on the Loring roaster, rent on the 1st, bank fees, the
  quarterly tax distribution to the members, Washington sales tax paid on the 25th of the next month;
- month-end adjusting journal entries by the outside bookkeeper (depreciation, prepaid insurance, the green coffee
  inventory count, accrued wages reversed on the 1st, the café tips true-up), created 5-15 days after month end;
- US federal holidays (`holidays`, US). The office and the roastery close on New Year's Day, Memorial Day, the 4th of
  July, Labor Day, Thanksgiving and the day after, Christmas Eve and Christmas, but work on the other federal
  holidays (MLK Day, Presidents' Day, Juneteenth, Columbus Day, Veterans Day) while the banks are closed; the café
  opens every day but New Year's Day, Thanksgiving and Christmas.

QBO users: Megan Liu (office manager: invoices, payments, deposits), Tom Becker (operations: bills, bill payments),
Jenna Park (outside bookkeeper, accountant user: card expenses, adjusting entries, sales tax, transfers), Ryan Holt
(owner: member distributions and savings transfers only), and the apps Gusto, Square and Shopify Connector.

The same anomaly kinds as `generate_ledger.KINDS`, injected as they would happen here (see `_Anomalies`); every
split line of an instance carries its kind and `anomaly_id`, normal lines '' for both; a duplicate's label is on the
second entry. Detectors are never tuned on this generator: it is reported as held out.

The export is QuickBooks Online's Journal report (Reports > Journal, customised with the Create date and Created by
columns, as a reviewer asks for them) exported to CSV in the current ("modern") report layout, as described by
several independent parsers of real exports found with the search tool (github: a QBO "Journal Detail" parser
documenting `Journal` / company / `"<period>"` / blank / header with a blank first column / `<group>` rows /
`Total for <group>` rows with `$` totals; a migration test on "QBO's real layouts, quirks included" with the company
first, `TOTAL` and the `$0` Payment lines; Transaction Detail by Account fixtures with the `"Accrual Basis <weekday>,
<date> <time> GMT-08:00"` footer after blank lines). So the file holds, comma separated, UTF-8, CRLF:

    "Stumptown Ridge Coffee Roasters, LLC",,,,,,,,,,          title rows padded to the report's width
    Journal,,,,,,,,,,
    "January-December, 2025",,,,,,,,,,
    (empty line)
    ,Transaction date,Transaction type,Num,Create date,Created by,Name,Description,Account full name,Debit,Credit
    1043,,,,,,,,,,                                             the transaction's QBO id on a row of its own
    ,01/02/2025,Invoice,1001,01/02/2025 09:14:22,Megan Liu,Heartline Cafe,,Accounts Receivable (A/R),"1,250.00",
    ,01/02/2025,Invoice,1001,01/02/2025 09:14:22,Megan Liu,Heartline Cafe,House Espresso 5 lb,Sales of ...,,"1,250.00"
    Total for 1043,,,,,,,,,"$1,250.00","$1,250.00"
    ...
    TOTAL,,,,,,,,,"$9,876,543.21","$9,876,543.21"
    (two empty lines)
    "Accrual Basis Friday, February 13, 2026 10:42 AM GMT-08:00",,,,,,,,,,

i.e. in the modern layout every split line repeats the transaction's date, type, Num and name (the classic layout,
`Date,Transaction Type,Num,Name,Memo/Description,Account,Debit,Credit` with those cells blank on split lines and
unlabelled `,,,,,,"1,250.00","1,250.00"` totals, is the one QBO produced before its reports were redesigned). Dates
MM/DD/YYYY; split amounts with thousands separators, quoted when they hold a comma, no `$`, the empty side blank;
totals with `$`. Transactions in date order, then in the order they were created (QBO ids grow with creation).

The frame `generate_quickbooks` returns holds one row per split line (the report's own columns, the transaction id
of its group row as `Transaction ID`, the labels) plus `file_line`: the 1-based physical line of that split in the
written CSV, which is also the `row_number` the pipeline's CSV reader reports for it (it numbers rows by their line
in the file, title rows and header included). Group, total, title and footer lines have no frame row, so an
evaluator aligns the reader's rows with the labels by `row_number == file_line`.

    python -m benchmarks.generate_quickbooks --seed 71 --out journal.csv [--per-kind 6]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import generator_main

YEAR = 2025
COMPANY = "Stumptown Ridge Coffee Roasters, LLC"
PERIOD = f"January-December, {YEAR}"
FOOTER = "Accrual Basis Friday, February 13, 2026 10:42 AM GMT-08:00"
APPROVAL_LIMIT = 10_000.0  # USD: a bill from here needs the owner's approval (green coffee contracts excepted)
HEADER = ["", "Transaction date", "Transaction type", "Num", "Create date", "Created by", "Name", "Description",
          "Account full name", "Debit", "Credit"]
COLUMNS = ["Transaction ID", *HEADER[1:]]

MEGAN, TOM, JENNA, RYAN = "Megan Liu", "Tom Becker", "Jenna Park", "Ryan Holt"
GUSTO, SQUARE, SHOPIFY = "Gusto", "Square", "Shopify Connector"

# accounts
CHECKING, SAVINGS, UNDEPOSITED = "Checking - US Bank", "Savings - US Bank", "Undeposited Funds"
AR, AP, AMEX = "Accounts Receivable (A/R)", "Accounts Payable (A/P)", "Credit Card - Amex"
SQ_CLEAR, SHOP_CLEAR = "Square Clearing", "Shopify Clearing"
WA_TAX = "Washington Department of Revenue Payable"
INV_GREEN = "Inventory Asset:Green Coffee"
PREPAID = "Prepaid Expenses"
EQUIPMENT, ACC_DEP = "Machinery & Equipment", "Accumulated Depreciation"
LOAN = "Equipment Loan - Umpqua Bank"
PR_FED, PR_OR, PR_401K = ("Payroll Liabilities:Federal Taxes (941/940)", "Payroll Liabilities:Oregon Taxes",
                          "Payroll Liabilities:401(k)")
ACCRUED = "Accrued Liabilities"
TIPS = "Tips Payable"
DISTRIB = "Member Distributions"
S_WHOLESALE, S_ONLINE = "Sales of Product Income:Wholesale Coffee", "Sales of Product Income:Online Retail"
S_CAFE, S_MERCH = "Sales of Product Income:Cafe Sales", "Sales of Product Income:Merchandise"
S_EQUIP, S_SHIP, DISCOUNTS = "Equipment Sales", "Shipping Income", "Discounts given"
COGS_GREEN, COGS_PACK = "Cost of Goods Sold:Green Coffee", "Cost of Goods Sold:Packaging"
COGS_FREIGHT, COGS_CAFE = "Cost of Goods Sold:Freight In", "Cost of Goods Sold:Cafe Supplies"
COGS_LABOR, COGS_EQUIP = "Cost of Goods Sold:Production Labor", "Cost of Goods Sold:Equipment for Resale"
WAGES, PR_TAXES = "Payroll Expenses:Wages", "Payroll Expenses:Taxes"
RENT, ELECTRIC, GAS, WATER = "Rent & Lease", "Utilities:Electric", "Utilities:Gas", "Utilities:Water & Sewer"
REPAIRS, SHIPPING, SOFTWARE = "Repairs & Maintenance", "Shipping & Delivery Expense", "Software & Subscriptions"
OFFICE, ADS, MEALS, TRAVEL = "Office Supplies", "Advertising & Marketing", "Meals", "Travel"
FUEL, INSURANCE, PROF = "Vehicle Expenses:Fuel", "Insurance", "Legal & Professional Services"
BANK_FEES, MERCHANT, DEPREC = "Bank Charges & Fees", "Merchant Account Fees", "Depreciation Expense"
INTEREST, LICENSES = "Interest Paid", "Taxes & Licenses"


# --------------------------------------------------------------------------------------------------- calendar
def federal_holidays(year: int = YEAR) -> dict[dt.date, str]:
    """US federal holidays (the banks' closing days)."""
    return dict(sorted(holidays.US(years=year).items()))


FEDERAL = {**federal_holidays(YEAR - 1), **federal_holidays(YEAR), **federal_holidays(YEAR + 1)}
OFFICE_CLOSED = {d for d, name in FEDERAL.items() if name in (
    "New Year's Day", "Memorial Day", "Independence Day", "Labor Day", "Thanksgiving Day", "Christmas Day")}
OFFICE_CLOSED |= {dt.date(YEAR, 11, 28), dt.date(YEAR, 12, 24), dt.date(YEAR - 1, 12, 24)}  # the firm's own days off
CAFE_CLOSED = {dt.date(YEAR, 1, 1), dt.date(YEAR, 11, 27), dt.date(YEAR, 12, 25)}
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def days_of_year() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def is_bank_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in FEDERAL


def is_office_day(day: dt.date) -> bool:
    """The office and the roastery work (federal holidays other than the closing days included)."""
    return day.weekday() < 5 and day not in OFFICE_CLOSED


def is_off(day: dt.date) -> bool:
    """A Saturday, Sunday or federal holiday, or a day the office closes."""
    return day.weekday() >= 5 or day in FEDERAL or day in OFFICE_CLOSED


def next_day(day: dt.date, test=is_office_day) -> dt.date:
    while not test(day):
        day += dt.timedelta(days=1)
    return day


def previous_day(day: dt.date, test=is_office_day) -> dt.date:
    while not test(day):
        day -= dt.timedelta(days=1)
    return day


def month_end(month: int, year: int = YEAR) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def pay_days() -> list[dt.date]:
    """Every other Friday from 3 January; a pay day on a bank holiday moves to the bank day before."""
    days, day = [], dt.date(YEAR, 1, 3)
    while day.year == YEAR:
        days.append(previous_day(day, is_bank_day))
        day += dt.timedelta(days=14)
    return days


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


# --------------------------------------------------------------------------------------------------- the books
@dataclass
class Txn:
    type: str
    date: dt.date
    created: dt.datetime
    user: str
    name: str
    lines: list[tuple[str, float, str]]  # (account, debit-positive amount, description)
    num: str = ""
    kind: str = ""
    anomaly_id: str = ""
    role: str = ""  # what the entry is, for the anomalies to pick from
    party: str = ""
    seq: int = 0
    due: dt.date | None = None
    paid: bool = False
    credited: float = 0.0  # credit memos applied to an invoice

    @property
    def total(self) -> float:
        return r2(sum(a for _, a, _ in self.lines if a > 0))


@dataclass
class Customer:
    name: str
    state: str
    rate: float  # sales tax rate on equipment (WA city rate), 0 in Oregon
    median: float
    per_month: float
    ach: bool
    terms: int


@dataclass
class Vendor:
    name: str
    account: str
    median: float
    sigma: float
    pattern: str  # monthly:<day> | weekly | jobs:<per month> | quarterly
    ref: str
    terms: int = 30
    ach: bool = False


CITIES_WA = {"Vancouver": 0.087, "Seattle": 0.1035, "Tacoma": 0.103, "Olympia": 0.098, "Camas": 0.087}
_CAFE_WORDS = ["Heartline", "Alder & Ash", "Burnside", "Foxglove", "Laurelhurst", "Mississippi Ave", "Sellwood",
               "Hawthorne", "Woodlawn", "Cedar Mill", "Tabor", "Kenton", "Belmont", "Multnomah", "Slabtown",
               "Boise-Eliot", "Overlook", "Division St", "Creston", "Irvington", "Piedmont", "St. Johns"]
_CAFE_KIND = ["Cafe", "Coffee Bar", "Espresso", "Bakery", "Bagels", "Kitchen"]
_WA_NAMES = ["Rain City Espresso", "Puget Grind", "Salmon Creek Cafe", "Capitol Lake Coffee", "Ballard Morning",
             "Esther Short Espresso", "Tideflats Coffee", "Fremont Daily", "Lacamas Coffee Co"]
_BIG = [("Willamette Market Co-op", 9_500, 4.5), ("Pearl District Grocers", 6_800, 4.2),
        ("Cascade Foods Markets", 12_500, 4.0), ("Rose Quarter Catering", 3_900, 3.0),
        ("Northwest Tech Campus (Office Coffee)", 2_600, 2.2), ("Bridgetown Hotel Group", 5_400, 2.5)]
PRODUCTS = [("House Espresso 5 lb", 62.0), ("Ridge Blend 5 lb", 58.0), ("Ethiopia Guji 5 lb", 84.0),
            ("Colombia Huila 5 lb", 74.0), ("Decaf Swiss Water 5 lb", 70.0), ("Retail 12 oz Ridge Blend", 10.5),
            ("Retail 12 oz Single Origin", 13.0), ("Cold Brew Concentrate 5 gal", 165.0)]
EQUIPMENT_ITEMS = [("Mahlkonig EK43 grinder", 3_350.0), ("Fetco batch brewer CBS-2152", 2_150.0),
                   ("Baratza Forte grinder", 1_100.0), ("Bunn hot water tower", 640.0)]


class _Books:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.txns: list[Txn] = []
        self.seq = 0
        self.customers = self._customers()
        self.vendors = self._vendors()
        self.days = days_of_year()
        self.office_days = [d for d in self.days if is_office_day(d)]

    # ---------------------------------------------------------------- helpers
    def lognormal(self, median: float, sigma: float) -> float:
        return float(median * np.exp(self.rng.normal(0.0, sigma)))

    def at(self, day: dt.date, start: int = 8, end: int = 17) -> dt.datetime:
        seconds = int(self.rng.integers(start * 3600, end * 3600))
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)

    def add(self, type_: str, date: dt.date, created: dt.datetime, user: str, name: str,
            lines: list[tuple[str, float, str]], num: str = "", role: str = "", party: str = "") -> Txn:
        self.seq += 1
        t = Txn(type_, date, created, user, name, [(a, r2(x), d) for a, x, d in lines], num=num, role=role,
                party=party or name, seq=self.seq)
        self.txns.append(t)
        return t

    def batch_day(self, day: dt.date, weekdays: tuple[int, ...], lag: int = 1) -> dt.date:
        """The first office day on one of `weekdays`, at least `lag` days after `day`."""
        d = day + dt.timedelta(days=lag)
        while not (is_office_day(d) and d.weekday() in weekdays):
            d += dt.timedelta(days=1)
        return d

    def _customers(self) -> list[Customer]:
        rng, out = self.rng, []
        for name, median, per_month in _BIG:
            out.append(Customer(name, "OR", 0.0, median, per_month, True, 30))
        words = list(rng.permutation(_CAFE_WORDS))
        for i, word in enumerate(words):
            kind = _CAFE_KIND[int(rng.integers(0, len(_CAFE_KIND)))]
            out.append(Customer(f"{word} {kind}", "OR", 0.0, float(rng.choice([380, 520, 700, 950, 1300])),
                                float(rng.choice([2.0, 3.0, 4.3])), bool(rng.random() < 0.45), 15 if i % 3 else 30))
        for name in _WA_NAMES:
            city = str(rng.choice(list(CITIES_WA)))
            out.append(Customer(f"{name} ({city})", "WA", CITIES_WA[city], float(rng.choice([450, 650, 900])),
                                float(rng.choice([2.0, 3.0, 4.3])), bool(rng.random() < 0.5), 30))
        return out

    def _vendors(self) -> dict[str, Vendor]:
        vs = [
            Vendor("Royal Coffee Inc.", COGS_GREEN, 26_000, 0.45, "jobs:1.6", "RC-{n}", 45, True),
            Vendor("Cafe Imports", COGS_GREEN, 19_000, 0.5, "jobs:1.2", "{n}", 45, True),
            Vendor("Olam Specialty Coffee", COGS_GREEN, 31_000, 0.4, "jobs:0.6", "OSC{n}", 60, True),
            Vendor("Pacific Northwest Packaging", COGS_PACK, 3_800, 0.4, "jobs:2", "INV-{n}", 30),
            Vendor("Smith Brothers Farms", COGS_CAFE, 420, 0.25, "weekly", "{n}", 15),
            Vendor("Bridgetown Bakery Supply", COGS_CAFE, 310, 0.3, "weekly", "BB{n}", 15),
            Vendor("Pallet Freight NW", COGS_FREIGHT, 1_150, 0.4, "jobs:2", "PF{n}", 30),
            Vendor("UPS", SHIPPING, 1_350, 0.3, "weekly", "0000X47{n}", 15, True),
            Vendor("Portland General Electric", ELECTRIC, 2_300, 0.15, "monthly:8", "PGE-{n}", 20, True),
            Vendor("NW Natural", GAS, 1_650, 0.3, "monthly:11", "NWN{n}", 20, True),
            Vendor("Portland Water Bureau", WATER, 380, 0.15, "quarterly", "PWB{n}", 20),
            Vendor("Ankeny Street Properties LLC", RENT, 14_500, 0.0, "monthly:1", "Rent {month}", 0, True),
            Vendor("Loring Service & Repair", REPAIRS, 1_600, 0.5, "jobs:0.6", "LSR-{n}", 30),
            Vendor("Cascade Refrigeration", REPAIRS, 850, 0.5, "jobs:0.4", "CR{n}", 30),
            Vendor("Ledger & Leaf Bookkeeping", PROF, 2_400, 0.0, "monthly:5", "LL-{n}", 15),
            Vendor("Hartwell Insurance Agency", PREPAID, 18_600, 0.0, "annual", "HIA-{n}", 30),
            Vendor("Rose City Signs & Print", ADS, 1_200, 0.5, "jobs:0.5", "{n}", 30),
            Vendor("Benchmark Electric", REPAIRS, 2_100, 0.5, "jobs:0.3", "BE{n}", 30),
        ]
        return {v.name: v for v in vs}

    def due(self, day: dt.date, terms: int) -> dt.date:
        return day + dt.timedelta(days=terms)

    # ---------------------------------------------------------------- sales
    def invoice(self, cust: Customer, day: dt.date, scale: float = 1.0, equipment: bool = False,
                tax_rate: float | None = None, created: dt.datetime | None = None, user: str = MEGAN,
                role: str = "invoice") -> Txn:
        rng = self.rng
        target = self.lognormal(cust.median, 0.35) * scale
        lines, net = [], 0.0
        n_items = int(rng.integers(1, 5))
        items = rng.choice(len(PRODUCTS), size=min(n_items, len(PRODUCTS)), replace=False)
        weights = rng.dirichlet(np.ones(len(items)))
        for idx, w in zip(items, weights, strict=True):
            name, price = PRODUCTS[int(idx)]
            qty = max(1, int(round(target * w / price)))
            amount = r2(qty * price)
            lines.append((S_WHOLESALE, -amount, f"{name} x {qty}"))
            net += amount
        if cust.state == "WA" or rng.random() < 0.15:
            freight = r2(rng.choice([25.0, 35.0, 45.0, 65.0]) * (2 if cust.state == "WA" else 1))
            lines.append((S_SHIP, -freight, "Delivery / freight"))
            net += freight
        tax = 0.0
        if equipment:
            name, price = EQUIPMENT_ITEMS[int(rng.integers(0, len(EQUIPMENT_ITEMS)))]
            lines.append((S_EQUIP, -price, name))
            net += price
            rate = cust.rate if tax_rate is None else tax_rate
            if rate:
                tax = r2(price * rate)
                lines.append((WA_TAX, -tax, f"WA sales tax {rate * 100:.2f}%"))
        total = r2(net + tax)
        t = self.add("Invoice", day, created or self.at(day), user, cust.name, [(AR, total, ""), *lines],
                     role=role, party=cust.name)
        t.due = self.due(day, cust.terms)
        return t

    def wholesale(self) -> None:
        rng = self.rng
        for cust in self.customers:
            n = int(rng.poisson(cust.per_month * 12))
            days = sorted(rng.choice(self.office_days, size=n, replace=True))
            for day in days:
                equipment = cust.state == "WA" and rng.random() < 0.06 or cust.state == "OR" and rng.random() < 0.02
                self.invoice(cust, day, equipment=equipment)
        # credit memos for short-shipped or stale bags, applied to the invoice by a $0 payment
        invoices = [t for t in self.txns if t.role == "invoice"]
        for k in rng.choice(len(invoices), size=24, replace=False):
            inv = invoices[int(k)]
            day = next_day(inv.date + dt.timedelta(days=int(rng.integers(2, 9))))
            if day.year != YEAR:
                continue
            amount = r2(min(inv.total * 0.5, float(rng.choice([58.0, 62.0, 84.0, 116.0, 124.0]))))
            memo = self.add("Credit Memo", day, self.at(day), MEGAN, inv.name,
                            [(S_WHOLESALE, amount, str(rng.choice(["Short shipped 1 bag", "Stale-dated bags returned",
                                                                   "Damaged in delivery"]))),
                             (AR, -amount, "")], role="credit_memo", party=inv.party)
            inv.credited = r2(inv.credited + amount)
            self.add("Payment", day, memo.created + dt.timedelta(minutes=2), MEGAN, inv.name,
                     [("", 0.0, ""), (AR, 0.0, "")], role="zero_payment", party=inv.party)

    def receipts(self) -> None:
        """Customers pay their invoices; checks are deposited on Tuesdays and Fridays."""
        rng = self.rng
        by_cust = {c.name: c for c in self.customers}
        checks: list[tuple[dt.date, Txn]] = []
        for inv in [t for t in self.txns if t.type == "Invoice" and not t.paid]:
            cust = by_cust.get(inv.party)
            if cust is None:
                continue
            inv.paid = True
            open_amount = r2(inv.total - inv.credited)
            late = int(rng.choice([-5, 0, 3, 8, 15, 30], p=[0.1, 0.3, 0.25, 0.2, 0.1, 0.05]))
            day = next_day(inv.due + dt.timedelta(days=late) if inv.due else inv.date, is_bank_day)
            if day > LAST:
                continue
            if cust.ach:
                self.add("Payment", day, self.at(next_day(day)), MEGAN, inv.name,
                         [(CHECKING, open_amount, ""), (AR, -open_amount, "")], role="payment", party=inv.party)
            else:
                received = next_day(day)
                number = str(int(rng.integers(1_000, 30_000)))
                t = self.add("Payment", received, self.at(received), MEGAN, inv.name,
                             [(UNDEPOSITED, open_amount, ""), (AR, -open_amount, "")], num=number, role="payment",
                             party=inv.party)
                checks.append((received, t))
        # deposits of the checks on hand
        checks.sort(key=lambda x: x[0])
        pending: list[Txn] = []
        i = 0
        for day in self.office_days:
            while i < len(checks) and checks[i][0] <= day:
                pending.append(checks[i][1])
                i += 1
            if day.weekday() in (1, 4) and is_bank_day(day) and pending:
                lines = [(CHECKING, sum(p.total for p in pending), "")]
                lines += [(UNDEPOSITED, -p.total, f"{p.name} check {p.num}") for p in pending]
                self.add("Deposit", day, self.at(day, 11, 16), MEGAN, "", lines, role="deposit")
                pending = []

    def cafe(self) -> None:
        rng = self.rng
        season = {1: 0.85, 2: 0.9, 3: 1.0, 4: 1.0, 5: 1.05, 6: 1.1, 7: 1.15, 8: 1.1, 9: 1.0, 10: 0.95, 11: 0.95,
                  12: 1.1}
        open_days = [d for d in self.days if d not in CAFE_CLOSED]
        gross_by_day: dict[dt.date, float] = {}
        for day in open_days:
            weekend = 1.35 if day.weekday() >= 5 else 1.0
            gross = r2(self.lognormal(1_650 * season[day.month] * weekend, 0.12))
            tips = r2(gross * float(rng.uniform(0.11, 0.15)))
            self.add("Sales Receipt", day, self.at(day + dt.timedelta(days=1), 3, 5), SQUARE, "Square",
                     [(SQ_CLEAR, gross + tips, ""), (S_CAFE, -gross, "Tasting room sales"),
                      (TIPS, -tips, "Card tips")], num=f"SQ-{day:%Y%m%d}", role="square")
            gross_by_day[day] = gross + tips
        # Square deposits each bank day what was sold since the previous deposit, less fees
        pending = 0.0
        for day in self.days:
            pending += gross_by_day.get(day - dt.timedelta(days=1), 0.0)
            if is_bank_day(day) and pending:
                fee = r2(pending * 0.026 + 0.15 * int(rng.integers(80, 160)))
                self.add("Deposit", day, self.at(day, 4, 6), SQUARE, "Square",
                         [(CHECKING, pending - fee, "Square payout"), (MERCHANT, fee, "Square processing fees"),
                          (SQ_CLEAR, -r2(pending), "")], role="square_deposit")
                pending = 0.0

    def online(self) -> None:
        rng = self.rng
        season = {1: 0.8, 2: 0.8, 3: 0.9, 4: 0.9, 5: 1.0, 6: 0.9, 7: 0.85, 8: 0.85, 9: 1.0, 10: 1.1, 11: 1.6,
                  12: 2.1}
        sold: dict[dt.date, float] = {}
        for day in self.days:
            coffee = r2(self.lognormal(1_900 * season[day.month], 0.25))
            merch = r2(self.lognormal(260 * season[day.month], 0.5))
            ship = r2(self.lognormal(140, 0.3))
            wa_tax = r2(merch * float(rng.uniform(0.08, 0.16)) * 0.095)
            total = coffee + merch + ship + wa_tax
            self.add("Sales Receipt", day, self.at(day + dt.timedelta(days=1), 5, 7), SHOPIFY, "Shopify",
                     [(SHOP_CLEAR, total, ""), (S_ONLINE, -coffee, "Online orders - coffee"),
                      (S_MERCH, -merch, "Online orders - merchandise"), (S_SHIP, -ship, "Shipping charged"),
                      (WA_TAX, -wa_tax, "WA destination sales tax")], num=f"SHP-{day:%Y%m%d}", role="shopify")
            sold[day] = r2(total)
        pending = 0.0
        for day in self.days:
            pending += sold.get(day - dt.timedelta(days=2), 0.0)
            if is_bank_day(day) and pending:
                fee = r2(pending * 0.029 + 0.30 * int(rng.integers(30, 90)))
                self.add("Deposit", day, self.at(day, 6, 8), SHOPIFY, "Shopify",
                         [(CHECKING, pending - fee, "Shopify payout"), (MERCHANT, fee, "Shopify Payments fees"),
                          (SHOP_CLEAR, -r2(pending), "")], role="shopify_payout")
                pending = 0.0

    # ---------------------------------------------------------------- purchases
    def bill(self, v: Vendor, day: dt.date, amount: float, entered: dt.date | None = None, user: str = TOM,
             num: str = "", role: str = "bill", description: str = "") -> Txn:
        entered = entered or self.batch_day(day, (1, 3), int(self.rng.integers(1, 6)))
        num = num or v.ref.format(n=int(self.rng.integers(10_000, 99_999)), month=f"{day:%b %Y}")
        desc = description or {COGS_GREEN: "Green coffee", PREPAID: "Annual commercial package policy"}.get(
            v.account, f"{v.name} {day:%m/%Y}")
        t = self.add("Bill", day, self.at(entered), user, v.name, [(v.account, amount, desc), (AP, -amount, "")],
                     num=num, role=role, party=v.name)
        t.due = self.due(day, v.terms)
        return t

    def purchases(self) -> None:
        rng = self.rng
        for v in self.vendors.values():
            if v.pattern.startswith("monthly"):
                dom = int(v.pattern.split(":")[1])
                for m in range(1, 13):
                    day = dt.date(YEAR, m, dom)
                    self.bill(v, day, r2(self.lognormal(v.median, v.sigma)),
                              entered=None if v.account != RENT else previous_day(day - dt.timedelta(days=3)))
            elif v.pattern == "quarterly":
                for m in (1, 4, 7, 10):
                    self.bill(v, dt.date(YEAR, m, 20), r2(self.lognormal(v.median, v.sigma)))
            elif v.pattern == "annual":
                self.bill(v, dt.date(YEAR, 3, 1), v.median)
            elif v.pattern == "weekly":
                for day in self.office_days:
                    if day.weekday() == (0 if v.name == "UPS" else 2):
                        self.bill(v, day, r2(self.lognormal(v.median, v.sigma)))
            else:
                per_month = float(v.pattern.split(":")[1])
                for day in sorted(rng.choice(self.office_days, size=int(rng.poisson(per_month * 12)))):
                    self.bill(v, day, r2(self.lognormal(v.median, v.sigma)))

    def payment_runs(self) -> None:
        """Friday runs: every open bill due within the next week, one Bill Payment per vendor."""
        check_no = 4_180
        bills = sorted([t for t in self.txns if t.type == "Bill" and t.due], key=lambda t: (t.due, t.seq))
        fridays = [d for d in self.days if d.weekday() == 4]
        for friday in fridays:
            run = previous_day(friday, is_bank_day)
            if not is_office_day(run):
                run = previous_day(run - dt.timedelta(days=1), lambda d: is_bank_day(d) and is_office_day(d))
            due = [b for b in bills if not b.paid and b.due <= friday + dt.timedelta(days=7)
                   and self.at(run, 0, 1) > b.created]
            groups: dict[str, list[Txn]] = defaultdict(list)
            for b in due:
                groups[b.party].append(b)
            for vendor, group in groups.items():
                for b in group:
                    b.paid = True
                total = r2(sum(b.total for b in group))
                ach = self.vendors[vendor].ach if vendor in self.vendors else False
                num = "" if ach else str(check_no)
                check_no += 0 if ach else 1
                memo = ", ".join(b.num for b in group)
                self.add("Bill Payment (Check)", run, self.at(run, 13, 17), TOM, vendor,
                         [(AP, total, memo[:60]), (CHECKING, -total, "")], num=num, role="bill_payment",
                         party=vendor)

    def card(self) -> None:
        """Amex charges accepted from the bank feed by the bookkeeper on Mondays; paid around the 20th."""
        rng = self.rng
        merchants = [  # (name, account, median, per month, days of week it happens)
            ("Shopify", SOFTWARE, 399.0, 1, (0, 1, 2, 3, 4)), ("Google Workspace", SOFTWARE, 168.0, 1, (0, 1, 2, 3, 4)),
            ("Adobe", SOFTWARE, 89.99, 1, (0, 1, 2, 3, 4)), ("Intuit QuickBooks", SOFTWARE, 235.0, 1, (0, 1, 2, 3, 4)),
            ("Meta Ads", ADS, 420.0, 4, (0, 1, 2, 3, 4, 5, 6)), ("Instagram promotion", ADS, 150.0, 2, (0, 1, 2, 3, 4)),
            ("Chevron", FUEL, 88.0, 6, (0, 1, 2, 3, 4, 5)), ("Costco", COGS_CAFE, 310.0, 3, (5, 6)),
            ("WebstaurantStore", COGS_CAFE, 260.0, 2, (0, 1, 2, 3, 4)), ("Amazon", OFFICE, 95.0, 4, (0, 1, 2, 3, 4)),
            ("Staples", OFFICE, 60.0, 1, (0, 1, 2, 3, 4)), ("Pine State Biscuits", MEALS, 64.0, 2, (0, 1, 2, 3, 4)),
            ("Alaska Airlines", TRAVEL, 480.0, 0.4, (0, 1, 2, 3, 4)), ("Hilton", TRAVEL, 620.0, 0.3, (0, 1, 2, 3, 4)),
        ]
        for name, account, median, per_month, weekdays in merchants:
            fixed = per_month == 1 and account == SOFTWARE
            for m in range(1, 13):
                if fixed:
                    days = [dt.date(YEAR, m, min(28, 3 + len(name)))]
                else:
                    month_days = [d for d in self.days if d.month == m and d.weekday() in weekdays
                                  and (d.weekday() >= 5 or d not in OFFICE_CLOSED)]
                    days = list(rng.choice(month_days, size=int(rng.poisson(per_month))))
                for day in days:
                    amount = r2(median if fixed else self.lognormal(median, 0.45))
                    self.expense(name, account, day, amount)
        # the monthly payment of the statement
        for m in range(1, 13):
            close = dt.date(YEAR, m, 1) - dt.timedelta(days=5)
            charges = [t for t in self.txns if t.role == "card" and close - dt.timedelta(days=31) < t.date <= close]
            total = r2(sum(t.total for t in charges))
            if total:
                day = next_day(dt.date(YEAR, m, 20), lambda d: is_bank_day(d) and is_office_day(d))
                self.add("Credit Card Payment", day, self.at(day), JENNA, "American Express",
                         [(AMEX, total, "Amex autopay"), (CHECKING, -total, "")], role="card_payment")

    def expense(self, merchant: str, account: str, day: dt.date, amount: float, user: str = JENNA,
                entered: dt.date | None = None, role: str = "card") -> Txn:
        entered = entered or self.batch_day(day, (0,), 1)
        return self.add("Expense", day, self.at(entered, 9, 12), user, merchant,
                        [(account, amount, merchant.upper()), (AMEX, -amount, "")], role=role, party=merchant)

    # ---------------------------------------------------------------- payroll and routines
    def payroll(self) -> None:
        rng = self.rng
        for k, pay in enumerate(pay_days()):
            end = pay - dt.timedelta(days=6)
            start = end - dt.timedelta(days=13)
            office = r2(self.lognormal(24_500, 0.02))
            roastery = r2(self.lognormal(21_000, 0.04))
            cafe = r2(self.lognormal(19_500, 0.06) * (1.08 if pay.month in (6, 7, 8, 12) else 1.0))
            gross = office + roastery + cafe
            fed_ee = r2(gross * 0.145)
            or_ee = r2(gross * 0.075)
            k401 = r2(gross * 0.038)
            er_tax = r2(gross * float(rng.uniform(0.079, 0.083)) * (1.12 if k < 6 else 1.0))
            net = r2(gross - fed_ee - or_ee - k401)
            taxes = r2(fed_ee + or_ee + er_tax)
            memo = f"Payroll {start:%m/%d/%Y} - {end:%m/%d/%Y}"
            debit_day = previous_day(pay - dt.timedelta(days=2), is_bank_day)
            self.add("Journal Entry", pay, self.at(debit_day, 14, 16), GUSTO, "",
                     [(WAGES, office, f"{memo} - Office & Sales"), (COGS_LABOR, roastery, f"{memo} - Roastery"),
                      (WAGES, cafe, f"{memo} - Tasting Room"), (PR_TAXES, er_tax, "Employer taxes"),
                      (CHECKING, -net, "Net pay"), (CHECKING, -taxes, "Tax impound"),
                      (PR_401K, -k401, "401(k) deferrals")], role="payroll")
            remit = next_day(pay + dt.timedelta(days=3), lambda d: is_bank_day(d) and is_office_day(d))
            self.add("Expense", remit, self.at(remit), JENNA, "Guideline",
                     [(PR_401K, k401, "401(k) remittance"), (CHECKING, -k401, "")], role="k401")

    def routines(self) -> None:
        rng = self.rng
        for m in range(1, 13):
            loan = next_day(dt.date(YEAR, m, 15), is_bank_day)
            interest = r2(2_150 - 38 * m)
            self.add("Expense", loan, self.at(next_day(loan + dt.timedelta(days=1))), JENNA, "Umpqua Bank",
                     [(LOAN, r2(6_400 - interest), "Loan principal"), (INTEREST, interest, "Loan interest"),
                      (CHECKING, -6_400.0, "")], role="loan")
            fee_day = previous_day(month_end(m), is_bank_day)
            fee = r2(self.lognormal(78, 0.2))
            self.add("Expense", fee_day, self.at(next_day(fee_day + dt.timedelta(days=2))), JENNA, "US Bank",
                     [(BANK_FEES, fee, "Account analysis fee"), (CHECKING, -fee, "")], role="bank_fee")
            # WA sales tax for the month before, paid by the 25th
            if m > 1:
                collected = -sum(a for t in self.txns if t.date.month == m - 1 and t.type != "Sales Tax Payment"
                                 for acc, a, _ in t.lines if acc == WA_TAX)
                day = previous_day(dt.date(YEAR, m, 24), lambda d: is_bank_day(d) and is_office_day(d))
                self.add("Sales Tax Payment", day, self.at(day), JENNA, "Washington Department of Revenue",
                         [(WA_TAX, r2(collected), f"WA excise tax return {month_end(m - 1):%b %Y}"),
                          (CHECKING, -r2(collected), "")], role="sales_tax")
        for q, day in enumerate((dt.date(YEAR, 4, 14), dt.date(YEAR, 6, 13), dt.date(YEAR, 9, 12),
                                 dt.date(YEAR, 12, 12))):
            amount = float(rng.choice([38_000, 42_000, 45_000]))
            self.add("Check", day, self.at(day), RYAN, "Ryan Holt",
                     [(DISTRIB, amount / 2, "Q tax distribution"), (CHECKING, -amount / 2, "")],
                     num=str(9_001 + 2 * q), role="distribution")
            self.add("Check", day, self.at(day), RYAN, "Dana Holt",
                     [(DISTRIB, amount / 2, "Q tax distribution"), (CHECKING, -amount / 2, "")],
                     num=str(9_002 + 2 * q), role="distribution")
        for day in (dt.date(YEAR, 3, 3), dt.date(YEAR, 7, 1), dt.date(YEAR, 10, 1)):
            self.add("Transfer", day, self.at(day), RYAN, "", [(SAVINGS, 30_000.0, "Reserve"),
                                                            (CHECKING, -30_000.0, "")], role="transfer")
        self.add("Expense", dt.date(YEAR, 4, 15), self.at(dt.date(YEAR, 4, 14)), JENNA, "Multnomah County",
                 [(LICENSES, 14_820.0, "Business income tax 2024"), (CHECKING, -14_820.0, "")], role="license")

    def month_end(self) -> None:
        """The bookkeeper's adjusting entries, dated the month's last day, created 5-15 days later."""
        rng = self.rng
        for m in range(1, 13):
            last = month_end(m)
            entered = next_day(last + dt.timedelta(days=int(rng.integers(5, 16))))
            at = self.at(entered, 9, 16)
            entries = [
                [(DEPREC, 4_850.0, "Monthly depreciation - roaster & equipment"), (ACC_DEP, -4_850.0, "")],
                [(INSURANCE, 1_550.0, "Insurance amortization"), (PREPAID, -1_550.0, "")],
            ]
            swing = r2(float(rng.normal(0, 6_500)))
            entries.append([(INV_GREEN, swing, f"Green coffee count {last:%m/%d}"),
                            (COGS_GREEN, -swing, "Inventory adjustment")])
            tips = -sum(a for t in self.txns if t.role == "square" and t.date.month == m for acc, a, _ in t.lines
                        if acc == TIPS)
            entries.append([(TIPS, r2(tips), "Tips paid out through payroll"), (WAGES, -r2(tips), "")])
            accrued = r2(self.lognormal(22_000, 0.2))
            entries.append([(WAGES, accrued, "Accrued wages"), (ACCRUED, -accrued, "")])
            for n, lines in enumerate(entries, start=1):
                self.add("Journal Entry", last, at + dt.timedelta(minutes=4 * n), JENNA, "", lines,
                         num=f"ADJ{last:%y%m}-{n}", role="adjusting")
            if m < 12:  # the accrual reverses on the 1st (QBO's reversing entry)
                first = dt.date(YEAR, m + 1, 1)
                self.add("Journal Entry", first, at + dt.timedelta(minutes=30), JENNA, "",
                         [(ACCRUED, accrued, "Reverse accrued wages"), (WAGES, -accrued, "")],
                         num=f"ADJ{last:%y%m}-{len(entries)}R", role="reversal")


# --------------------------------------------------------------------------------------------------- anomalies
class _Anomalies:
    def __init__(self, books: _Books, per_kind: int):
        self.b = books
        self.rng = books.rng
        self.per_kind = per_kind
        self.counter = 0

    def run(self) -> None:
        for kind in KINDS:
            getattr(self, kind)()

    def label(self, kind: str, txns: list[Txn]) -> None:
        self.counter += 1
        for t in txns:
            t.kind, t.anomaly_id = kind, f"{kind}-{self.counter:03d}"

    def variants(self, n: int) -> list[int]:
        return [i % n for i in range(self.per_kind)]

    def office_day(self, months: tuple[int, int] = (1, 12)) -> dt.date:
        days = [d for d in self.b.office_days if months[0] <= d.month <= months[1]]
        return days[int(self.rng.integers(0, len(days)))]

    def pick(self, predicate) -> Txn:
        pool = [t for t in self.b.txns if not t.kind and predicate(t)]
        return pool[int(self.rng.integers(0, len(pool)))]

    def customer(self, state: str | None = None, small: bool = True) -> Customer:
        pool = [c for c in self.b.customers if (state is None or c.state == state) and (c.median < 2_000) == small]
        return pool[int(self.rng.integers(0, len(pool)))]

    # ---------------------------------------------------------------- kinds
    def amount_outlier(self) -> None:
        """A small café's invoice keyed with a case count instead of a bag count, the electricity bill with the
        decimal point lost, a card charge for the new espresso machine put on the Amex."""
        b = self.b
        for variant in self.variants(3):
            factor = float(self.rng.uniform(20, 60))
            if variant == 0:  # disputed by the café, left open
                t = b.invoice(self.customer("OR"), self.office_day(), scale=factor)
                t.paid = True
            elif variant == 1:  # held by the payment run
                v = b.vendors[str(self.rng.choice(["Smith Brothers Farms", "NW Natural", "Portland Water Bureau"]))]
                t = b.bill(v, self.office_day(), r2(v.median * factor))
                t.paid = True
            else:
                day = self.office_day()
                t = b.expense("Amazon", OFFICE, day, r2(95.0 * factor))
            self.label("amount_outlier", [t])

    def unusual_account_combination(self) -> None:
        """Accounts that never meet: a customer's check deposited against rent, the owner's personal card charge
        put to green coffee inventory, a vendor refund booked to wholesale sales on the Amex, a bill coded to A/R."""
        b = self.b
        for variant in self.variants(4):
            day = self.office_day()
            if variant == 0:
                amount = r2(b.lognormal(700, 0.4))
                t = b.add("Deposit", next_day(day, is_bank_day), b.at(next_day(day, is_bank_day)), MEGAN, "",
                          [(CHECKING, amount, ""), (RENT, -amount, "Customer check")], role="anomaly")
            elif variant == 1:
                amount = r2(b.lognormal(640, 0.4))
                t = b.expense("Nordstrom", INV_GREEN, day, amount)
            elif variant == 2:
                amount = r2(b.lognormal(300, 0.4))
                t = b.add("Expense", day, b.at(b.batch_day(day, (0,), 1)), JENNA, "WebstaurantStore",
                          [(AMEX, amount, "REFUND"), (S_WHOLESALE, -amount, "WEBSTAURANTSTORE REFUND")],
                          role="anomaly")
            else:
                v = b.vendors["Pacific Northwest Packaging"]
                amount = r2(b.lognormal(v.median, 0.3))
                t = b.add("Bill", day, b.at(b.batch_day(day, (1, 3))), TOM, v.name,
                          [(AR, amount, "Labels and valve bags"), (AP, -amount, "")],
                          num=f"INV-{int(self.rng.integers(10_000, 99_999))}", role="anomaly")
                t.paid = True
            self.label("unusual_account_combination", [t])

    def weekend_holiday_posting(self) -> None:
        """Entries the office never makes on a day off: an invoice dated Thanksgiving or Christmas Eve (the order
        sheet's delivery date typed), a bill payment check dated the 4th of July, an adjusting entry dated a Saturday
        in the middle of the month."""
        b = self.b
        closed = sorted(d for d in OFFICE_CLOSED if d.year == YEAR and d > FIRST)
        weekends = [d for d in b.days if d.weekday() >= 5 and d.day not in (1, month_end(d.month).day)]
        for variant in self.variants(3):
            pool = closed if variant < 2 else weekends
            day = pool[int(self.rng.integers(0, len(pool)))]
            if variant == 0:
                t = b.invoice(self.customer("OR"), day, created=b.at(next_day(day)))
            elif variant == 1:
                v = b.vendors[str(self.rng.choice(["Loring Service & Repair", "Pallet Freight NW",
                                                   "Cascade Refrigeration"]))]
                amount = r2(b.lognormal(v.median, 0.3))
                bill_day = previous_day(day - dt.timedelta(days=int(self.rng.integers(10, 30))))
                b.bill(v, bill_day, amount).paid = True
                t = b.add("Bill Payment (Check)", day, b.at(next_day(day)), TOM, v.name,
                          [(AP, amount, ""), (CHECKING, -amount, "")], num=str(int(self.rng.integers(4_600, 4_700))),
                          role="anomaly")
            else:
                amount = r2(b.lognormal(1_800, 0.4))
                t = b.add("Journal Entry", day, b.at(next_day(day)), JENNA, "",
                          [(REPAIRS, amount, "Reclass repairs from equipment"), (EQUIPMENT, -amount, "")],
                          num=f"ADJ{day:%y%m}-9", role="anomaly")
            self.label("weekend_holiday_posting", [t])

    def round_amount(self) -> None:
        """Large round manual amounts: a 'loan' to a member by check, a bookkeeper's plug to inventory, an owner's
        journal entry moving cash to distributions, a round bonus accrual."""
        b = self.b
        for variant in self.variants(3):
            day = self.office_day()
            amount = float(self.rng.choice([25_000, 40_000, 50_000, 75_000, 100_000]))
            if variant == 0:
                t = b.add("Check", day, b.at(day), RYAN, "Ryan Holt", [(DISTRIB, amount, "Advance"),
                                                                       (CHECKING, -amount, "")],
                          num=str(int(self.rng.integers(9_050, 9_090))), role="anomaly")
            elif variant == 1:
                t = b.add("Journal Entry", month_end(day.month), b.at(next_day(month_end(day.month)
                                                                               + dt.timedelta(days=6))), JENNA, "",
                          [(INV_GREEN, amount, "Inventory true-up per owner"), (COGS_GREEN, -amount, "")],
                          num=f"ADJ{day:%y%m}-8", role="anomaly")
            else:
                t = b.add("Journal Entry", day, b.at(day), JENNA, "",
                          [(WAGES, amount, "Bonus accrual"), (ACCRUED, -amount, "")], num=f"ADJ{day:%y%m}-7",
                          role="anomaly")
            self.label("round_amount", [t])

    def just_below_approval_limit(self) -> None:
        """Bills kept under the owner's approval: repair and electrical jobs, a print run, invoiced at $9,7xx-9,99x."""
        b = self.b
        names = ["Loring Service & Repair", "Benchmark Electric", "Rose City Signs & Print", "Cascade Refrigeration"]
        for i in range(self.per_kind):
            v = b.vendors[names[i % len(names)]]
            amount = r2(float(self.rng.uniform(0.975, 0.9995)) * APPROVAL_LIMIT)
            t = b.bill(v, self.office_day(), amount)
            self.label("just_below_approval_limit", [t])

    def duplicate(self) -> None:
        """A bill entered a second time, its number retyped to get past QBO's duplicate-number warning; a card charge
        keyed by hand from the receipt and then accepted again from the bank feed."""
        b = self.b
        for variant in self.variants(2):
            if variant == 0:
                orig = self.pick(lambda t: t.role == "bill" and t.party not in ("Ankeny Street Properties LLC",
                                                                              "Hartwell Insurance Agency")
                                 and t.date.month < 12)
                v = b.vendors[orig.party]
                entered = b.batch_day(orig.created.date(), (1, 3), int(self.rng.integers(5, 25)))
                copy = b.bill(v, orig.date, orig.total, entered=entered, num=orig.num + str(self.rng.choice(
                    ["-1", " ", "A", ".1"])), role="duplicate", description=orig.lines[0][2])
            else:
                orig = self.pick(lambda t: t.role == "card" and t.total > 50)
                copy = b.expense(orig.party, orig.lines[0][0], orig.date, orig.total,
                                 entered=orig.created.date() + dt.timedelta(days=int(self.rng.integers(2, 9))),
                                 role="duplicate")
                copy.user = MEGAN if variant else JENNA
            self.label("duplicate", [copy])

    def backdated(self) -> None:
        """Created 45-150 days after its date: a bill found in a drawer, an invoice for a delivery nobody billed,
        an adjusting entry booked into a quarter already reviewed."""
        b = self.b
        for variant in self.variants(3):
            lag = int(self.rng.integers(50, 140))
            day = self.office_day((1, 8))
            entered = next_day(day + dt.timedelta(days=lag))
            if variant == 0:
                v = b.vendors[str(self.rng.choice(["Pallet Freight NW", "Loring Service & Repair",
                                                   "Pacific Northwest Packaging"]))]
                t = b.bill(v, day, r2(b.lognormal(v.median, v.sigma)), entered=entered)
            elif variant == 1:
                t = b.invoice(self.customer("OR"), day, created=b.at(entered))
            else:
                last = month_end(day.month)
                amount = r2(b.lognormal(3_500, 0.5))
                t = b.add("Journal Entry", last, b.at(entered), JENNA, "",
                          [(COGS_PACK, amount, f"Packaging count {last:%m/%d}"), (PREPAID, -amount, "")],
                          num=f"ADJ{last:%y%m}-6", role="anomaly")
            while (t.created.date() - t.date).days < 45:
                t.created += dt.timedelta(days=7)
            self.label("backdated", [t])

    def unusual_user(self) -> None:
        """Someone who never keys that kind of entry: the owner entering and paying a bill himself, the office
        manager writing a journal entry, operations applying a customer payment."""
        b = self.b
        for variant in self.variants(3):
            day = self.office_day()
            if variant == 0:
                v = b.vendors[str(self.rng.choice(["Rose City Signs & Print", "Benchmark Electric"]))]
                t = b.bill(v, day, r2(b.lognormal(v.median, 0.3)), entered=day, user=RYAN)
                t.paid = True
                pay = b.add("Bill Payment (Check)", next_day(day + dt.timedelta(days=1), is_bank_day),
                            b.at(next_day(day + dt.timedelta(days=1))), RYAN, v.name,
                            [(AP, t.total, t.num), (CHECKING, -t.total, "")], num=str(9_100 + self.counter),
                            role="anomaly")
                txns = [t, pay]
            elif variant == 1:
                amount = r2(b.lognormal(900, 0.5))
                txns = [b.add("Journal Entry", day, b.at(day), MEGAN, "",
                              [(DISCOUNTS, amount, "Write off short pay"), (AR, -amount, "")], role="anomaly")]
            else:
                cust = self.customer()
                amount = r2(b.lognormal(cust.median, 0.3))
                txns = [b.add("Payment", next_day(day, is_bank_day), b.at(day), TOM, cust.name,
                              [(CHECKING, amount, ""), (AR, -amount, "")], role="anomaly")]
            self.label("unusual_user", txns)

    def broken_vat_ratio(self) -> None:
        """Washington equipment invoices whose sales tax is not the customer's city rate: Seattle's rate on a
        Vancouver café, the Oregon zero, last year's rate, a total keyed over the computed tax."""
        b = self.b
        for variant in self.variants(4):
            cust = self.customer("WA")
            wrong = [0.1035 if cust.rate != 0.1035 else 0.087, 0.0, cust.rate - 0.006,
                     cust.rate * float(self.rng.uniform(1.3, 1.7))][variant]
            t = b.invoice(cust, self.office_day(), equipment=True, tax_rate=wrong)
            self.label("broken_vat_ratio", [t])

    def period_end_reversal(self) -> None:
        """A grocery chain's pre-order invoiced on a month's last office day to make the month (the bank covenant is
        tested on monthly revenue), credited in full in the first days of the next month."""
        b = self.b
        months = self.rng.choice(list(range(1, 12)), size=self.per_kind, replace=self.per_kind > 11)
        for m in months:
            last = previous_day(month_end(int(m)))
            cust = self.customer("OR", small=False)
            inv = b.invoice(cust, last, scale=float(self.rng.uniform(3, 6)))
            inv.paid = True
            back = next_day(last + dt.timedelta(days=int(self.rng.integers(1, 6))))
            lines = [(acc, -a, d) for acc, a, d in inv.lines]
            memo = b.add("Credit Memo", back, b.at(back), MEGAN, inv.name, lines, role="anomaly", party=inv.party)
            self.label("period_end_reversal", [inv, memo])

    def unbalanced_voucher(self) -> None:
        """What QBO shows when an app's sync half-fails (the 'Total for' row's debit and credit disagree): a Shopify
        receipt without its tax line, a Gusto payroll missing the 401(k) line, a Square receipt a few cents off."""
        for variant in self.variants(3):
            if variant == 0:
                t = self.pick(lambda t: t.role == "shopify" and any(a and acc == WA_TAX for acc, a, _ in t.lines))
                t.lines = [ln for ln in t.lines if ln[0] != WA_TAX]
            elif variant == 1:
                t = self.pick(lambda t: t.role == "payroll")
                t.lines = [ln for ln in t.lines if ln[0] != PR_401K]
            else:
                t = self.pick(lambda t: t.role == "square")
                acc, a, d = t.lines[0]
                t.lines[0] = (acc, r2(a + float(self.rng.choice([-0.03, -0.02, 0.01, 0.02]))), d)
            self.label("unbalanced_voucher", [t])

    def daily_spike(self) -> None:
        """One day on which an account takes many times its usual turnover: a freight company's or the packaging
        printer's backlog of invoices all dated the day they were finally sent, a runaway Meta ads day on the card."""
        b = self.b
        for i in range(self.per_kind):
            day = self.office_day((2, 11))
            txns: list[Txn] = []
            if i % 3 == 2:
                for _ in range(int(self.rng.integers(8, 14))):
                    txns.append(b.expense("Meta Ads", ADS, day, r2(b.lognormal(900, 0.3))))
            else:
                v = b.vendors["Pallet Freight NW" if i % 3 == 0 else "Pacific Northwest Packaging"]
                for _ in range(int(self.rng.integers(6, 11))):
                    txns.append(b.bill(v, day, r2(b.lognormal(v.median, 0.3))))
            self.label("daily_spike", txns)


# --------------------------------------------------------------------------------------------------- the frame
def _numbers(books: _Books) -> None:
    """Sales forms share QBO's auto-number in the order they are created."""
    sales = sorted((t for t in books.txns if t.type in ("Invoice", "Credit Memo")), key=lambda t: (t.created, t.seq))
    for n, t in enumerate(sales, start=1001):
        t.num = str(n)


def _layout(frame: pd.DataFrame) -> pd.Series:
    """The physical line of each split in the written report: 5 title/header lines, then per transaction a group
    row, its splits and its 'Total for' row."""
    tid = frame["Transaction ID"].to_numpy()
    lines = np.empty(len(frame), dtype=int)
    line, previous = 5, None
    for i, t in enumerate(tid):
        if t != previous:
            if previous is not None:
                line += 1  # the previous transaction's total row
            line += 1  # this transaction's group row
            previous = t
        line += 1
        lines[i] = line
    return pd.Series(lines, index=frame.index)


def generate_quickbooks(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The roaster's labelled year: one row per split line of the Journal report, in the file's order, with the
    report's columns, `Transaction ID` (the group row), `anomaly_kind`, `anomaly_id` and `file_line`."""
    books = _Books(seed)
    books.wholesale()
    books.cafe()
    books.online()
    books.purchases()
    books.card()
    books.payroll()
    _Anomalies(books, per_kind).run()
    books.receipts()  # after the anomalies: what was invoiced gets paid
    books.payment_runs()
    books.routines()
    books.month_end()
    _numbers(books)
    # QBO's transaction ids grow in the order entries are created; estimates, purchase orders and deleted entries
    # take ids too, so the journal's ids have gaps
    created_order = sorted(books.txns, key=lambda t: (t.created, t.seq))
    gaps = np.cumsum(books.rng.choice([0, 0, 0, 0, 1, 2], size=len(created_order)))
    ids = {id(t): 1_043 + n + int(g) for n, (t, g) in enumerate(zip(created_order, gaps, strict=True))}
    ordered = sorted(books.txns, key=lambda t: (t.date, ids[id(t)]))
    rows = []
    for t in ordered:
        for account, amount, desc in t.lines:
            rows.append((str(ids[id(t)]), pd.Timestamp(t.date), t.type, t.num, pd.Timestamp(t.created), t.user,
                         t.name, desc, account, max(amount, 0.0) + 0.0, max(-amount, 0.0) + 0.0, t.kind, t.anomaly_id))
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "anomaly_kind", "anomaly_id"])
    frame["file_line"] = _layout(frame)
    return frame


def _money(x: float, dollar: bool = False) -> str:
    if not x:
        return ""
    return f"{'$' if dollar else ''}{x:,.2f}"


def _csv(cells: list[str]) -> str:
    return ",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells)


def write_quickbooks(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The Journal report as QBO exports it to CSV (see the module docstring). A folder gets `Journal.csv`."""
    path = Path(path)
    if path.is_dir():
        path = path / "Journal.csv"
    width = len(HEADER)
    pad = [""] * (width - 1)
    out = [_csv([COMPANY, *pad]), _csv(["Journal", *pad]), _csv([PERIOD, *pad]), "", _csv(HEADER)]

    def total(tid: str, debit: float, credit: float) -> str:
        return _csv([f"Total for {tid}", *[""] * (width - 3), _money(debit, True), _money(credit, True)])

    previous, debit, credit = None, 0.0, 0.0
    for row in ledger[[*COLUMNS, "file_line"]].itertuples(index=False):
        tid = row[0]
        if tid != previous:
            if previous is not None:
                out.append(total(previous, debit, credit))
            out.append(_csv([tid, *pad]))
            previous, debit, credit = tid, 0.0, 0.0
        debit, credit = r2(debit + row[9]), r2(credit + row[10])
        out.append(_csv(["", f"{row[1]:%m/%d/%Y}", row[2], row[3], f"{row[4]:%m/%d/%Y %H:%M:%S}", row[5], row[6],
                         row[7], row[8], _money(row[9]), _money(row[10])]))
        if len(out) != row[11]:
            raise ValueError(f"split of transaction {tid} on line {len(out)}, file_line says {row[11]}")
    if previous is not None:
        out.append(total(previous, debit, credit))
    out.append(_csv(["TOTAL", *[""] * (width - 3), _money(r2(ledger["Debit"].sum()), True),
                     _money(r2(ledger["Credit"].sum()), True)]))
    out += ["", "", _csv([FOOTER, *pad])]
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], generate_quickbooks, write_quickbooks, "Transaction ID",
                          seed=71, out="Journal.csv")


if __name__ == "__main__":
    main()
