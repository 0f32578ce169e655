"""A held-out labelled ledger generator: an Australian veterinary clinic's year as Xero's General Ledger Detail report.

Written apart from the detectors and from the pipeline's reader, for held-out evaluation only.

Bayside Paws Veterinary Clinic Pty Ltd, Hampton (Melbourne), Victoria: a two-vet small-animal clinic with a nurse
team, a pet food and medicines counter and a few account clients (shelters, the council pound, breeders, a boarding
kennel, the police dog squad). Financial year 1 July 2024 - 30 June 2025 in AUD on Xero with Xero's Australian
chart of accounts (090 bank, 610 receivables, 800 payables, 820 GST, 825 PAYG withholding, 826 superannuation,
200s revenue, 310s direct costs, 400s overheads), GST at 10 % (tax rates GST on Income, GST on Expenses, GST Free
Expenses, BAS Excluded, Input Taxed), quarterly BAS (GST and PAYG withheld paid to the ATO on 28 Oct, 28 Feb,
28 Apr, and 28 Jul for the previous year's June quarter). The normal year:

- the clinic is open Monday-Saturday except Victorian public holidays (`holidays`, Australia/VIC: Melbourne Cup
  Day, the AFL Grand Final Friday, King's Birthday...); each open day's counter takings are one Receive Money
  transaction (consultations and procedures to 200, medicines and pet food to 210, GST on Income) from the
  practice-management system's end-of-day summary;
- account clients get a Receivable Invoice (INV-0001... numbered in the order they are created) on office days
  (Monday-Friday, no public holidays) and pay 10-40 days later (Receivable Payment);
- supplier bills (Payable Invoice, the supplier's invoice number as reference) on office days: veterinary
  medicines and pet food (Covetrus, Lyppard, Hill's, Royal Canin) to 310, pathology (IDEXX, Gribbles) to 320,
  medical gases (BOC) to 315, waste and cleaning, stationery, Telstra, AGL, South East Water, ezyVet, the
  insurer, the accountant; the rent is a repeating bill dated on the 1st of every month whatever the weekday;
  bills are paid 7-30 days later (Payable Payment) on office days. APPROVAL_LIMIT: a bill of $10,000 or more
  (incl. GST) needs the principal vet's approval in Xero's approval workflow;
- bank-feed Spend Money: monthly bank fee (BAS Excluded), Tyro merchant fees (GST on Expenses), fuel and
  Bunnings/Coles card purchases; monthly savings interest (Receive Money, Input Taxed);
- fortnightly pay runs on Thursdays (Pay Run: wages 477, super 478 at 11.5 %, PAYG 825, super payable 826,
  net wages to 814 Wages Payable; the net pay leaves the bank the same day as a Pay Run Payment); quarterly
  super to the clearing house by the 28th after each quarter; the BAS payments above;
- the accountant's manual journals (no reference, a narration): monthly depreciation dated the last day of the
  month (a Saturday or Sunday included), a quarterly stocktake adjustment between 630 Inventory and 310.

Anomalies (`KINDS` of `generate_ledger`, `per_kind` each, variants in turn; every report line of an instance -
one line per account the transaction touches - carries `anomaly_kind` and `anomaly_id`; a duplicate's label is on
the second entry; a period-end reversal labels both the booking and its reversal):

- amount_outlier: a bill from a regular supplier, an account client's invoice, or a card Spend Money 20-60x the
  party's usual size (a decimal slip or a keyed-in extra digit);
- unusual_account_combination: a manual journal Wages vs Sales, a manual journal Rent vs Accounts Receivable,
  a supplier's bill coded to the Sales account;
- weekend_holiday_posting: an ordinary office transaction (a bill, a card Spend Money, an account invoice) dated on
  a Sunday or a Victorian public holiday, when the clinic and office are closed (Saturday takings are normal);
- round_amount: a large round manual journal (director loan against general expenses), Spend Money (cash
  withdrawal) or Receive Money (director loan), 10,000-50,000;
- just_below_approval_limit: a bill of $9,800-9,990 incl. GST (a regular supplier, a one-off equipment repair) or
  a card Spend Money for an equipment repair in that band;
- duplicate: a supplier bill keyed twice 1-6 days apart (same reference; or the reference re-typed), or a bank
  statement line imported twice and coded both times (same date);
- backdated: the report has no entry date or user; what stays visible is (a) a Receivable Invoice whose number
  belongs with invoices created 45-150 days after its date (numbers follow creation order), (b) a bill dated
  45-150 days back (into an already lodged BAS quarter) and paid within days of being entered, so its payment
  lag is far beyond the 7-30 days of the clinic's other bills;
- unusual_user: no user column either; what a nurse or the principal keying what they never key leaves behind:
  a Spend Money paying a supplier that is otherwise always billed (coded to General Expenses, terse lowercase
  text, no reference), a manual journal touching the bank account (only the accountant posts journals and never
  to the bank), an Expense Claim (source never otherwise used, 801 Unpaid Expense Claims);
- broken_vat_ratio: an account invoice, a bill or a day's takings whose GST is not 10 % of the net (tax amount
  overridden: 1/10 of gross, 15 %, 5 %);
- period_end_reversal: revenue booked on a month's last day (a Receivable Invoice "accrued services" or a manual
  journal Dr 610 / Cr 200) reversed 1-5 days into the next month (Receivable Credit Note / reversing journal);
- unbalanced_voucher: Xero itself refuses an unbalanced transaction, so what a damaged export or a botched
  conversion would show: a manual journal whose two sides differ (transposed digits), a bill whose GST line is
  missing from 820 while its Gross/GST columns carry GST, a Receive Money whose bank line differs from its items;
- daily_spike: one office day with 15-30 times a usual day's entries on one account: a shelter's desexing drive
  invoiced one animal at a time, a burst of card purchases to Office Expenses, a burst of Covetrus bills.

The export (what a reviewer downloads from Reports > General Ledger Detail, grouped by account, with Opening and
Closing Balance shown, saved as CSV; a folder gets `Bayside_Paws_Veterinary_Clinic_Pty_Ltd_-_General_Ledger_Detail
.csv`, Xero's own naming with underscores): title rows `General Ledger Detail` / organisation / `For the period 1
July 2024 to 30 June 2025`, an empty line, the column header, then per account (in chart order) an empty line, the
heading `090 - Business Bank Account`, an `Opening Balance` row (balance in Running Balance), its lines in date
order, `Total 090 - Business Bank Account` (sums of Debit and Credit), a `Closing Balance` row, and at the end a
grand `Total` row. Columns: Date, Source, Contact, Description, Reference, Debit, Credit, Running Balance, Gross,
GST, GST Rate Name. Dates `01 Jul 2024`; amounts with thousands separators, quoted when they hold one; the empty
side blank; Running Balance, Gross and GST signed debit-positive (credits negative). Gross/GST/GST Rate Name are
filled on every line as Xero's journal lines carry them (net + tax; GST 0.00 on lines without a tax rate, whose
GST Rate Name is blank: bank, receivable, payable, GST, payroll liability lines). Every transaction
appears once per account it touches, in that account's group.

Sources relied on (via the search tool): Zato's "Document Checklist & Export Guide, Xero reports" (General Ledger
Detail under Taxes and Balances, grouped by Account Code and Name, Opening and Closing Balance option, columns
incl. Account Code, Credit, Date, Debit, Description, GST, GST Rate Name, Reference); Validis' "Downloading GL/TB
from Xero" (General Ledger Detail fields: Account, Date, Source, Reference, Description, Net, Journal ID); Xero
Central's Account Transactions help (subtotals per account, a Total row summing the subtotals, contact name on
the lines); two TypeScript parsers of real Xero GL Detail exports on GitHub (account headings `620 - Prepayments`,
`Date | Source | Contact | Description | Reference | Debit | Credit`, `Total 620 - Prepayments` rows, blank lines
between accounts, DD/MM/YYYY or `1 Feb 2026` dates, zero-movement opening balance rows); a BAS-review test-data
generator (title rows `General Ledger Detail` / company / period / blank; Gross, GST, Net, GST Rate Name columns;
sources Bill, Invoice, Spend Money; AU tax rate names); a Xero-format reconciliation scenario ("DD MMM YYYY" dates).
Where they disagree or are silent (where the opening balance sits, the Source spellings of payroll) the choice
is noted above.

The frame returned holds one row per transaction line of the report (in file order): the file's columns (Debit,
Credit, Running Balance, Gross, GST as floats, 0/NaN where blank), `account` (the group heading), `account_code`,
`account_name`, `date`, `transaction_id`, `anomaly_kind`, `anomaly_id`, `file_line` (1-based line in the file).

    python -m benchmarks.generate_xero --seed 91 --out gl.csv [--per-kind 6]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import generator_main

START, END = dt.date(2024, 7, 1), dt.date(2025, 6, 30)
COMPANY = "Bayside Paws Veterinary Clinic Pty Ltd"
TITLE = "General Ledger Detail"
PERIOD = "For the period 1 July 2024 to 30 June 2025"
FILE_NAME = "Bayside_Paws_Veterinary_Clinic_Pty_Ltd_-_General_Ledger_Detail.csv"
HEADER = ["Date", "Source", "Contact", "Description", "Reference", "Debit", "Credit", "Running Balance", "Gross",
          "GST", "GST Rate Name"]
APPROVAL_LIMIT = 10_000.0  # AUD incl. GST: a bill from here needs the principal's approval
GST_RATE = 0.10
SUPER_RATE = 0.115
TAXED = ("GST on Income", "GST on Expenses")
TAX_RATES = (*TAXED, "GST Free Expenses", "GST Free Income", "BAS Excluded", "Input Taxed")
ACCOUNTS = {  # Xero AU chart of accounts (codes and names of its default chart, clinic accounts added in the 200s/300s)
    "090": "Business Bank Account", "091": "Business Savings Account", "610": "Accounts Receivable",
    "620": "Prepayments", "630": "Inventory", "710": "Office Equipment",
    "711": "Less Accumulated Depreciation on Office Equipment", "720": "Computer Equipment",
    "721": "Less Accumulated Depreciation on Computer Equipment", "730": "Veterinary Equipment",
    "731": "Less Accumulated Depreciation on Veterinary Equipment", "800": "Accounts Payable",
    "801": "Unpaid Expense Claims", "814": "Wages Payable - Payroll", "820": "GST",
    "825": "PAYG Withholdings Payable", "826": "Superannuation Payable", "900": "Loan - Director",
    "960": "Retained Earnings", "970": "Owner A Share Capital",
    "200": "Sales - Consultations & Procedures", "210": "Sales - Medicines & Pet Food", "270": "Interest Income",
    "310": "Cost of Goods Sold", "315": "Medical Gases & Consumables", "320": "Pathology & Laboratory Fees",
    "404": "Bank Fees", "408": "Cleaning & Clinical Waste", "412": "Consulting & Accounting", "416": "Depreciation",
    "429": "General Expenses", "433": "Insurance", "445": "Light, Power, Heating", "449": "Motor Vehicle Expenses",
    "453": "Office Expenses", "461": "Printing & Stationery", "469": "Rent", "473": "Repairs and Maintenance",
    "477": "Wages and Salaries", "478": "Superannuation", "485": "Subscriptions", "489": "Telephone & Internet",
}
OPENING = {  # trial balance at 30 June 2024, debit-positive; retained earnings balances it
    "090": 48_210.55, "091": 60_000.00, "610": 9_840.20, "620": 3_100.00, "630": 38_450.00, "710": 14_800.00,
    "711": -6_200.00, "720": 18_600.00, "721": -9_300.00, "730": 142_000.00, "731": -51_000.00,
    "800": -21_460.75, "820": -9_320.40, "825": -14_880.00, "826": -11_920.00, "900": -40_000.00,
    "970": -100.00,
}
OPENING["960"] = -round(sum(OPENING.values()), 2)
# supplier -> (account, tax rate, median gross, bills a year)
SUPPLIERS = {
    "Covetrus Australia": ("310", "GST on Expenses", 2_200.0, 100), "Lyppard Australia": ("310", "GST on Expenses", 1_900.0, 60),
    "Hill's Pet Nutrition": ("310", "GST on Expenses", 1_400.0, 26), "Royal Canin Australia": ("310", "GST on Expenses", 1_600.0, 26),
    "IDEXX Laboratories": ("320", "GST on Expenses", 1_100.0, 52), "Gribbles Veterinary Pathology": ("320", "GST on Expenses", 700.0, 52),
    "BOC Limited": ("315", "GST on Expenses", 420.0, 12), "Cleanaway": ("408", "GST on Expenses", 380.0, 12),
    "Officeworks": ("461", "GST on Expenses", 180.0, 24), "Telstra": ("489", "GST on Expenses", 320.0, 12),
    "AGL Energy": ("445", "GST on Expenses", 900.0, 12), "South East Water": ("445", "GST Free Expenses", 260.0, 4),
    "ezyVet": ("485", "GST on Expenses", 690.0, 12), "Allianz Australia Insurance": ("433", "GST on Expenses", 2_600.0, 4),
    "Bayside Accounting Partners": ("412", "GST on Expenses", 1_650.0, 4),
}
LANDLORD, RENT_GROSS = "Hampton Street Property Trust", 7_150.0
CLIENTS = {  # account client -> median invoice gross
    "Animal Welfare League Victoria": 1_800.0, "Bayside City Council Pound": 950.0, "Victoria Police Dog Squad": 1_400.0,
    "Sandringham Boarding Kennels": 620.0, "Brighton Cavalier Breeders": 780.0, "Cat Protection Society": 1_100.0,
    "Greyhound Adoption Program": 1_250.0, "Kingston Pet Rescue": 540.0,
}
ATO = "Australian Taxation Office"
VIC = holidays.Australia(subdiv="VIC", years=[2024, 2025])


def days() -> list[dt.date]:
    return [START + dt.timedelta(n) for n in range((END - START).days + 1)]


def is_open(day: dt.date) -> bool:
    """The clinic: Monday-Saturday, not on Victorian public holidays."""
    return day.weekday() < 6 and day not in VIC


def is_office_day(day: dt.date) -> bool:
    """The office (bills, payments, invoices, pay runs) and the banks: Monday-Friday, no public holidays."""
    return day.weekday() < 5 and day not in VIC


def is_closed(day: dt.date) -> bool:
    """Sundays and Victorian public holidays: nothing normal but the repeating rent bill is dated then."""
    return day.weekday() == 6 or day in VIC


def next_office_day(day: dt.date) -> dt.date:
    while not is_office_day(day):
        day += dt.timedelta(1)
    return day


def month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(1))


def pay_days() -> list[dt.date]:
    """Every second Thursday from 4 July 2024 (a public holiday moves it to the office day before)."""
    out, day = [], dt.date(2024, 7, 4)
    while day <= END:
        d = day
        while not is_office_day(d):
            d -= dt.timedelta(1)
        out.append(d)
        day += dt.timedelta(14)
    return out


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


def gst_of(net: float) -> float:
    return r2(net * GST_RATE)


@dataclass
class Line:
    code: str
    amount: float  # debit-positive
    desc: str
    rate: str = ""
    gst: float | None = None  # the line's GST (signed like amount) when it carries a tax rate


@dataclass
class Txn:
    date: dt.date
    source: str
    contact: str
    reference: str
    lines: list[Line]
    created: dt.date
    seq: int = 0
    kind: str = ""
    aid: str = ""
    role: str = ""
    paid_after: tuple[int, int] | None = None


@dataclass
class _Books:
    rng: np.random.Generator
    txns: list[Txn] = field(default_factory=list)

    def add(self, t: Txn) -> Txn:
        t.seq = len(self.txns)
        self.txns.append(t)
        return t

    def pick(self, pool: list[dt.date]) -> dt.date:
        return pool[int(self.rng.integers(len(pool)))]

    def taxed(self, date: dt.date, source: str, contact: str, reference: str, counter: str, desc: str,
              items: list[tuple[str, float, str, str]], sign: int, gst_factor: float | None = None,
              gst_line: bool = True, counter_delta: float = 0.0, created: dt.date | None = None, role: str = "",
              paid_after: tuple[int, int] | None = None) -> Txn:
        """An invoice, bill, spend or receive money: items are (account, net, tax rate, description), positive
        net amounts; sign +1 books them as debits (costs), -1 as credits (income). The GST of the taxed items goes
        to 820, the gross to the counter account (bank, 610, 800 or 801)."""
        lines, gst_total = [], 0.0
        for code, net, rate, text in items:
            gst = (r2(net * (gst_factor if gst_factor is not None else GST_RATE)) if rate in TAXED else 0.0)
            lines.append(Line(code, sign * r2(net), text, rate, sign * gst))
            gst_total = r2(gst_total + gst)
        if gst_total and gst_line:
            lines.append(Line("820", sign * gst_total, desc))
        total = r2(sum(r2(it[1]) for it in items) + gst_total)
        lines.insert(0, Line(counter, -sign * r2(total + counter_delta), desc))
        return self.add(Txn(date, source, contact, reference, lines, created or date, role=role,
                            paid_after=paid_after))

    def journal(self, date: dt.date, narration: str, entries: list[tuple[str, float]], source: str = "Manual Journal",
                reference: str = "", contact: str = "", role: str = "") -> Txn:
        lines = [Line(code, r2(a), narration, "BAS Excluded") for code, a in entries]
        return self.add(Txn(date, source, contact, reference, lines, date, role=role))

    # ------------------------------------------------------------------------------------------ normal year
    def takings(self, day: dt.date, factor: float = 1.0, gst_factor: float | None = None, role: str = "takings") -> Txn:
        sat = day.weekday() == 5
        consult = r2(self.rng.lognormal(np.log(5_800 if not sat else 3_300), 0.3) * factor)
        counter = r2(self.rng.lognormal(np.log(1_600 if not sat else 1_000), 0.35) * factor)
        return self.taxed(day, "Receive Money", "Daily Takings", f"DT-{day:%Y%m%d}", "090", f"Clinic takings {day:%d/%m/%Y}",
                          [("200", consult, "GST on Income", "Consultations & procedures"),
                           ("210", counter, "GST on Income", "Medicines & pet food")], -1, gst_factor=gst_factor,
                          role=role)

    def invoice(self, day: dt.date, client: str, gross: float | None = None, created: dt.date | None = None,
                gst_factor: float | None = None, text: str = "Veterinary services", paid: bool = True,
                role: str = "invoice") -> Txn:
        gross = gross if gross is not None else self.rng.lognormal(np.log(CLIENTS[client]), 0.35)
        net = r2(gross / 1.1)
        meds = r2(net * self.rng.uniform(0.1, 0.3))
        return self.taxed(day, "Receivable Invoice", client, "", "610", f"Invoice - {client}",
                          [("200", r2(net - meds), "GST on Income", text),
                           ("210", meds, "GST on Income", "Medicines dispensed")], -1, gst_factor=gst_factor,
                          created=created, role=role, paid_after=(10, 40) if paid else None)

    def bill(self, day: dt.date, supplier: str, gross: float | None = None, reference: str | None = None,
             gst_factor: float | None = None, gst_line: bool = True, account: str | None = None,
             created: dt.date | None = None, paid_after: tuple[int, int] | None = (7, 30), role: str = "bill") -> Txn:
        code, rate, median, _ = SUPPLIERS.get(supplier, ("473", "GST on Expenses", 0.0, 0))
        if gross is None:
            while True:  # bills near the approval limit are what the clinic's own rule makes rare
                gross = r2(self.rng.lognormal(np.log(median), 0.35))
                if not 0.95 * APPROVAL_LIMIT <= gross < APPROVAL_LIMIT:
                    break
        net = r2(gross / 1.1) if rate in TAXED else r2(gross)
        reference = reference if reference is not None else f"{int(self.rng.integers(100_000, 9_999_999))}"
        return self.taxed(day, "Payable Invoice", supplier, reference, "800", f"Bill - {supplier}",
                          [(account or code, net, rate, f"{supplier} invoice {reference}")], 1, gst_factor=gst_factor,
                          gst_line=gst_line, created=created, role=role, paid_after=paid_after)

    def spend(self, day: dt.date, contact: str, code: str, gross: float, rate: str, text: str, reference: str = "",
              role: str = "spend", counter_delta: float = 0.0) -> Txn:
        net = r2(gross / 1.1) if rate in TAXED else r2(gross)
        return self.taxed(day, "Spend Money", contact, reference, "090", text, [(code, net, rate, text)], 1,
                          role=role, counter_delta=counter_delta)

    def normal_year(self) -> None:
        rng = self.rng
        all_days = days()
        office = [d for d in all_days if is_office_day(d)]
        for day in all_days:
            if is_open(day):
                self.takings(day)
        clients = list(CLIENTS)
        weights = np.array([5, 4, 2, 3, 2, 3, 2, 2], dtype=float)
        for _ in range(150):
            self.invoice(self.pick(office), clients[rng.choice(len(clients), p=weights / weights.sum())])
        for supplier, (_, _, _, per_year) in SUPPLIERS.items():
            if per_year >= 12:
                for _ in range(per_year):
                    self.bill(self.pick(office), supplier)
            else:
                for month in (8, 11, 2, 5):
                    year = 2024 if month >= 7 else 2025
                    self.bill(next_office_day(dt.date(year, month, int(rng.integers(3, 20)))), supplier)
        for n in range(12):
            year, month = (2024, 7 + n) if n < 6 else (2025, n - 5)
            first = dt.date(year, month, 1)
            self.bill(first, LANDLORD, gross=RENT_GROSS, reference=f"RENT-{first:%b%y}".upper(), account="469",
                      paid_after=(0, 0), role="rent")
            last = month_end(year, month)
            while not is_office_day(last):
                last -= dt.timedelta(1)
            self.spend(last, "Commonwealth Bank", "404", 30.0, "BAS Excluded", "Account keeping fee", role="fee")
            self.spend(next_office_day(dt.date(year, month, 3)), "Tyro Payments", "404",
                       r2(rng.lognormal(np.log(640), 0.15)), "GST on Expenses", "Merchant fees", role="fee")
            self.taxed(last, "Receive Money", "Commonwealth Bank", "", "090", "Savings interest",
                       [("270", r2(rng.uniform(120, 190)), "Input Taxed", "Interest on savings")], -1, role="interest")
            depn = [("416", 0.0), ("711", -r2(14_800 / 60)), ("721", -r2(18_600 / 36)), ("731", -r2(142_000 / 96))]
            depn[0] = ("416", -sum(a for _, a in depn[1:]))
            self.journal(month_end(year, month), f"Depreciation {first:%B %Y}", depn, role="depreciation")
            if month in (9, 12, 3, 6):
                adj = r2(rng.normal(0, 1_800))
                self.journal(month_end(year, month), f"Stocktake adjustment {first:%B %Y}", [("630", adj), ("310", -adj)],
                             role="stocktake")
        cards = [("BP Hampton", "449", 95.0, "Fuel - clinic car"), ("Bunnings Warehouse", "473", 160.0, "Hardware"),
                 ("Coles Hampton", "429", 70.0, "Staff room supplies"), ("Officeworks", "453", 110.0, "Office supplies")]
        for _ in range(130):
            contact, code, median, text = cards[int(rng.integers(len(cards)))]
            self.spend(self.pick(office), contact, code, r2(rng.lognormal(np.log(median), 0.4)), "GST on Expenses", text,
                       role="card")

    def payroll(self) -> None:
        quarters: dict[tuple[int, int], float] = {}
        for day in pay_days():
            gross = r2(self.rng.normal(31_500, 900))
            payg = r2(gross * 0.19)
            sup = r2(gross * SUPER_RATE)
            self.add(Txn(day, "Pay Run", "Payroll", f"Pay run {day:%d %b %Y}", [
                Line("477", gross, "Wages", "BAS Excluded"), Line("478", sup, "Superannuation", "BAS Excluded"),
                Line("825", -payg, "PAYG withholding"), Line("826", -sup, "Superannuation payable"),
                Line("814", -r2(gross - payg), "Net wages")], day, role="payrun"))
            self.add(Txn(day, "Pay Run Payment", "Payroll", f"Pay run {day:%d %b %Y}", [
                Line("814", r2(gross - payg), "Net wages"), Line("090", -r2(gross - payg), "Net wages")], day,
                role="netpay"))
            q = ((day.month - 1) // 3)
            quarters[(day.year, q)] = r2(quarters.get((day.year, q), 0.0) + sup)
        due = {(2024, 2): dt.date(2024, 10, 28), (2024, 3): dt.date(2025, 1, 28), (2025, 0): dt.date(2025, 4, 28)}
        self.journal(next_office_day(dt.date(2024, 7, 26)), "Super June quarter 2024",
                     [("826", OPENING["826"] * -1), ("090", OPENING["826"])], source="Spend Money",
                     contact="Beam Super Clearing House", role="super")
        for key, day in due.items():
            amount = quarters[key]
            self.journal(next_office_day(day - dt.timedelta(3)), "Super guarantee contributions",
                         [("826", amount), ("090", -amount)], source="Spend Money", contact="Beam Super Clearing House",
                         role="super")

    def bas(self) -> None:
        """Quarterly BAS payments: the quarter's net GST (820) and PAYG withheld (825) to the ATO."""
        self.journal(dt.date(2024, 7, 26), "BAS April-June 2024", [("820", -OPENING["820"]), ("825", -OPENING["825"]),
                     ("090", OPENING["820"] + OPENING["825"])], source="Spend Money", contact=ATO, role="bas")
        for q_start, q_end, due in ((dt.date(2024, 7, 1), dt.date(2024, 9, 30), dt.date(2024, 10, 28)),
                                    (dt.date(2024, 10, 1), dt.date(2024, 12, 31), dt.date(2025, 2, 28)),
                                    (dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 4, 28))):
            gst = payg = 0.0
            for t in self.txns:
                if q_start <= t.date <= q_end and t.role not in ("bas",):
                    gst += sum(ln.amount for ln in t.lines if ln.code == "820")
                    payg += sum(ln.amount for ln in t.lines if ln.code == "825")
            gst, payg = r2(gst), r2(payg)
            self.journal(next_office_day(due), f"BAS {q_start:%B}-{q_end:%B %Y}", [("820", -gst), ("825", -payg),
                         ("090", r2(gst + payg))], source="Spend Money", contact=ATO, role="bas")

    def payments(self) -> None:
        """Receivable and payable payments for every invoice and bill that asks for one."""
        for t in list(self.txns):
            if t.paid_after is None:
                continue
            lo, hi = t.paid_after
            base = max(t.date, t.created)
            day = next_office_day(base + dt.timedelta(int(self.rng.integers(lo, hi + 1))))
            if day > END:
                continue
            counter = t.lines[0]
            if t.source == "Receivable Invoice":
                self.add(Txn(day, "Receivable Payment", t.contact, t.reference, [
                    Line("090", -counter.amount, f"Payment: {t.contact}"), Line("610", counter.amount, f"Payment: {t.contact}")],
                    day, role="receipt"))
            else:
                self.add(Txn(day, "Payable Payment", t.contact, t.reference, [
                    Line("800", -counter.amount, f"Payment: {t.contact}"), Line("090", counter.amount, f"Payment: {t.contact}")],
                    day, role="payment"))


class _Anomalies:
    def __init__(self, books: _Books, per_kind: int):
        self.b, self.per_kind, self.rng = books, per_kind, books.rng
        self.office = [d for d in days() if is_office_day(d)]
        self.closed = [d for d in days() if is_closed(d)]
        self.used: set[dt.date] = set()
        self.count = 0

    def label(self, kind: str, *txns: Txn) -> None:
        self.count += 1
        aid = f"X{self.count:03d}"
        for t in txns:
            t.kind, t.aid = kind, aid

    def day(self, pool: list[dt.date] | None = None, lo: dt.date = START, hi: dt.date = END) -> dt.date:
        pool = [d for d in (pool or self.office) if lo <= d <= hi and d not in self.used]
        d = self.b.pick(pool)
        self.used.add(d)
        return d

    def regular(self) -> str:
        return ["Covetrus Australia", "Lyppard Australia", "IDEXX Laboratories", "Hill's Pet Nutrition"][int(self.rng.integers(4))]

    def run(self) -> None:
        for kind in KINDS:
            for n in range(self.per_kind):
                getattr(self, kind)(n % 3)

    def amount_outlier(self, v: int) -> None:
        f = self.rng.uniform(20, 60)
        if v == 0:
            s = self.regular()
            self.label("amount_outlier", self.b.bill(self.day(), s, gross=r2(SUPPLIERS[s][2] * f)))
        elif v == 1:
            c = list(CLIENTS)[int(self.rng.integers(len(CLIENTS)))]
            self.label("amount_outlier", self.b.invoice(self.day(), c, gross=r2(CLIENTS[c] * f)))
        else:
            self.label("amount_outlier", self.b.spend(self.day(), "BP Hampton", "449", r2(95 * f), "GST on Expenses",
                                                      "Fuel - clinic car", role="card"))

    def unusual_account_combination(self, v: int) -> None:
        amount = r2(self.rng.uniform(800, 4_000))
        if v == 0:
            t = self.b.journal(self.day(), "Reallocation", [("477", amount), ("200", -amount)])
        elif v == 1:
            t = self.b.journal(self.day(), "Rent offset against client account", [("469", amount), ("610", -amount)])
        else:
            t = self.b.bill(self.day(), self.regular(), account="200")
        self.label("unusual_account_combination", t)

    def weekend_holiday_posting(self, v: int) -> None:
        d = self.day(self.closed)
        if v == 0:
            t = self.b.bill(d, self.regular())
        elif v == 1:
            t = self.b.spend(d, "Officeworks", "453", r2(self.rng.lognormal(np.log(110), 0.4)), "GST on Expenses",
                             "Office supplies", role="card")
        else:
            t = self.b.invoice(d, list(CLIENTS)[int(self.rng.integers(len(CLIENTS)))])
        self.label("weekend_holiday_posting", t)

    def round_amount(self, v: int) -> None:
        amount = float(self.rng.choice([10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000]))
        if v == 0:
            t = self.b.journal(self.day(), "Director loan", [("429", amount), ("900", -amount)])
        elif v == 1:
            t = self.b.spend(self.day(), "Commonwealth Bank", "429", amount, "BAS Excluded", "Cash withdrawal")
        else:
            t = self.b.taxed(self.day(), "Receive Money", "Dr Emma Walsh", "", "090", "Director loan",
                             [("900", amount, "BAS Excluded", "Loan from director")], -1)
        self.label("round_amount", t)

    def just_below_approval_limit(self, v: int) -> None:
        gross = r2(self.rng.uniform(9_800, 9_990))
        if v == 0:
            t = self.b.bill(self.day(), self.regular(), gross=gross)
        elif v == 1:
            t = self.b.bill(self.day(), "Vetquip Service Australia", gross=gross, paid_after=(7, 30))
            t.lines[1].desc = "Anaesthetic machine overhaul"
        else:
            t = self.b.spend(self.day(), "Vetquip Service Australia", "473", gross, "GST on Expenses",
                             "X-ray unit repair")
        self.label("just_below_approval_limit", t)

    def duplicate(self, v: int) -> None:
        if v in (0, 1):
            s = self.regular()
            d = self.day(hi=END - dt.timedelta(10))
            first = self.b.bill(d, s)
            ref = first.reference if v == 0 else f"INV {first.reference}"
            later = next_office_day(d + dt.timedelta(int(self.rng.integers(1, 7))))
            second = self.b.bill(later, s, gross=-first.lines[0].amount, reference=ref, paid_after=None)
        else:
            d = self.day()
            gross = r2(self.rng.lognormal(np.log(160), 0.4))
            self.b.spend(d, "Bunnings Warehouse", "473", gross, "GST on Expenses", "Hardware", role="card")
            second = self.b.spend(d, "Bunnings Warehouse", "473", gross, "GST on Expenses", "Hardware", role="card")
        self.label("duplicate", second)

    def backdated(self, v: int) -> None:
        lag = int(self.rng.integers(45, 151))
        entered = self.day(lo=START + dt.timedelta(lag + 5), hi=END - dt.timedelta(5))
        dated = entered - dt.timedelta(lag)
        while not is_office_day(dated):
            dated -= dt.timedelta(1)
        if v in (0, 2):
            t = self.b.invoice(dated, list(CLIENTS)[int(self.rng.integers(len(CLIENTS)))], created=entered)
        else:
            t = self.b.bill(dated, self.regular(), created=entered, paid_after=(1, 4))
        self.label("backdated", t)

    def unusual_user(self, v: int) -> None:
        if v == 0:
            s = self.regular()
            t = self.b.spend(self.day(), s, "429", r2(SUPPLIERS[s][2] * self.rng.uniform(0.6, 1.4)), "GST on Expenses",
                             "paid by card")
        elif v == 1:
            amount = r2(self.rng.uniform(150, 900))
            t = self.b.journal(self.day(), "adj takings", [("090", amount), ("200", -amount)])
        else:
            gross = r2(self.rng.uniform(80, 400))
            t = self.b.taxed(self.day(), "Expense Claim", "Jess Nguyen", "", "801", "Expense claim - Jess Nguyen",
                             [("429", r2(gross / 1.1), "GST on Expenses", "Bought supplies for ward")], 1)
        self.label("unusual_user", t)

    def broken_vat_ratio(self, v: int) -> None:
        factor = [1 / 11 * 1.1 * 1.1, 0.15, 0.05][int(self.rng.integers(3))]  # 1/10 of gross, 15 %, 5 %
        if v == 0:
            t = self.b.invoice(self.day(), list(CLIENTS)[int(self.rng.integers(len(CLIENTS)))], gst_factor=factor)
        elif v == 1:
            t = self.b.bill(self.day(), self.regular(), gst_factor=factor)
        else:
            open_days = [d for d in days() if is_open(d) and d.weekday() < 5]
            d = self.day(open_days)
            # replace that day's takings by one whose GST was overridden
            for old in [x for x in self.b.txns if x.date == d and x.role == "takings"]:
                self.b.txns.remove(old)
            t = self.b.takings(d, gst_factor=factor)
        self.label("broken_vat_ratio", t)

    def period_end_reversal(self, v: int) -> None:
        months = [(2024, m) for m in range(7, 13)] + [(2025, m) for m in range(1, 6)]
        year, month = months[int(self.rng.integers(len(months)))]
        end = month_end(year, month)
        while end in self.used:
            year, month = months[int(self.rng.integers(len(months)))]
            end = month_end(year, month)
        self.used.add(end)
        back = next_office_day(end + dt.timedelta(int(self.rng.integers(1, 5))))
        client = list(CLIENTS)[int(self.rng.integers(len(CLIENTS)))]
        gross = r2(self.rng.uniform(4_000, 15_000))
        if v in (0, 2):
            t = self.b.invoice(end, client, gross=gross, text="Accrued services", paid=False)
            rev = self.b.add(Txn(back, "Receivable Credit Note", client, "", [
                Line(ln.code, -ln.amount, "Credit note - " + ln.desc, ln.rate, None if ln.gst is None else -ln.gst)
                for ln in t.lines], back))
        else:
            net = r2(gross / 1.1)
            t = self.b.journal(end, f"Accrued revenue {end:%B %Y}", [("610", net), ("200", -net)])
            rev = self.b.journal(back, f"Reversal: Accrued revenue {end:%B %Y}", [("610", -net), ("200", net)])
        self.label("period_end_reversal", t, rev)

    def unbalanced_voucher(self, v: int) -> None:
        if v == 0:
            a = int(self.rng.integers(1_000, 9_000))
            s = str(a)
            b = int(s[0] + s[2] + s[1] + s[3]) if s[1] != s[2] else a + 90
            t = self.b.journal(self.day(), "Prepaid insurance release", [("433", float(a)), ("620", -float(b))])
        elif v == 1:
            t = self.b.bill(self.day(), self.regular(), gst_line=False)
        else:
            t = self.b.taxed(self.day(), "Receive Money", "Sandringham Boarding Kennels", "", "090", "Receipt",
                             [("200", r2(self.rng.uniform(200, 900)), "GST on Income", "Boarding health checks")], -1,
                             counter_delta=float(self.rng.choice([0.01, 0.1, 1.0, 10.0, -9.0])))
        self.label("unbalanced_voucher", t)

    def daily_spike(self, v: int) -> None:
        d = self.day()
        n = int(self.rng.integers(15, 31))
        if v == 0:
            txns = [self.b.invoice(d, "Animal Welfare League Victoria", gross=r2(self.rng.uniform(280, 420)),
                                   text="Desexing - shelter animal") for _ in range(n)]
        elif v == 1:
            txns = [self.b.spend(d, "Officeworks", "453", r2(self.rng.lognormal(np.log(110), 0.4)), "GST on Expenses",
                                 "Office supplies", role="card") for _ in range(n)]
        else:
            txns = [self.b.bill(d, "Covetrus Australia") for _ in range(n)]
        self.label("daily_spike", *txns)


def _number_invoices(books: _Books) -> None:
    """Xero numbers invoices INV-0001.. in the order they are created."""
    invoices = sorted((t for t in books.txns if t.source == "Receivable Invoice"), key=lambda t: (t.created, t.seq))
    for n, t in enumerate(invoices, start=1):
        t.reference = f"INV-{n:04d}"
    for t in books.txns:
        if t.source in ("Receivable Invoice",):
            for ln in t.lines:
                if ln.code == "610" or ln.code == "820":
                    ln.desc = f"{t.reference} - {t.contact}"


def _chart_order(code: str) -> tuple[int, int]:
    """Balance sheet accounts (bank 090s, 600-999) before revenue and expenses (200-599), by code."""
    return (0 if code < "200" or code >= "600" else 1, int(code))


def _fmt_money(x: float | None, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or (not signed and not x):
        return ""
    return f"{x:,.2f}"


def _csv(cells: list[str]) -> str:
    return ",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells)


def _report(books: _Books) -> tuple[list[str], pd.DataFrame]:
    """The report's lines (CSV text) and the frame of its transaction lines."""
    by_account: dict[str, list[tuple[Txn, Line]]] = {}
    for t in books.txns:
        for ln in t.lines:
            by_account.setdefault(ln.code, []).append((t, ln))
    width = len(HEADER)
    pad = [""] * (width - 1)
    out = [_csv([TITLE, *pad]), _csv([COMPANY, *pad]), _csv([PERIOD, *pad]), "", _csv(HEADER)]
    rows = []
    grand_d = grand_c = 0.0
    for code in sorted(ACCOUNTS, key=_chart_order):  # balance sheet first, then P&L, as Xero lists
        if code not in by_account and not OPENING.get(code):
            continue
        heading = f"{code} - {ACCOUNTS[code]}"
        balance = OPENING.get(code, 0.0)
        out += ["", _csv([heading, *pad])]
        out.append(_csv(["Opening Balance", *[""] * 6, _fmt_money(balance, True), "", "", ""]))
        tot_d = tot_c = 0.0
        for t, ln in sorted(by_account.get(code, []), key=lambda p: (p[0].date, p[0].seq)):
            balance = r2(balance + ln.amount)
            debit, credit = max(ln.amount, 0.0) + 0.0, max(-ln.amount, 0.0) + 0.0
            tot_d, tot_c = r2(tot_d + debit), r2(tot_c + credit)
            gst = ln.gst or 0.0  # every journal line has a tax amount (0 without a tax rate) and a gross
            gross = r2(ln.amount + gst)
            date_text = f"{t.date:%d %b %Y}"
            cells = [date_text, t.source, t.contact, ln.desc, t.reference, _fmt_money(debit), _fmt_money(credit),
                     _fmt_money(balance, True), _fmt_money(gross, True), _fmt_money(gst, True), ln.rate]
            out.append(_csv(cells))
            rows.append((len(out), heading, code, ACCOUNTS[code], date_text, t.source, t.contact, ln.desc, t.reference,
                         debit, credit, balance, np.nan if gross is None else gross, np.nan if gst is None else gst,
                         ln.rate, pd.Timestamp(t.date), f"T{t.seq + 1:05d}", t.kind, t.aid))
        out.append(_csv([f"Total {heading}", *[""] * 4, _fmt_money(tot_d, True), _fmt_money(tot_c, True), "", "", "", ""]))
        out.append(_csv(["Closing Balance", *[""] * 6, _fmt_money(balance, True), "", "", ""]))
        grand_d, grand_c = r2(grand_d + tot_d), r2(grand_c + tot_c)
    out += ["", _csv(["Total", *[""] * 4, _fmt_money(grand_d, True), _fmt_money(grand_c, True), "", "", "", ""])]
    frame = pd.DataFrame(rows, columns=["file_line", "account", "account_code", "account_name", *HEADER, "date",
                                        "transaction_id", "anomaly_kind", "anomaly_id"])
    return out, frame


def _build(seed: int, per_kind: int) -> _Books:
    books = _Books(np.random.default_rng(seed))
    books.normal_year()
    books.payroll()
    _Anomalies(books, per_kind).run()
    books.payments()
    books.bas()
    _number_invoices(books)
    # transaction ids follow the report's date order, then creation
    books.txns.sort(key=lambda t: (t.date, t.seq))
    for n, t in enumerate(books.txns):
        t.seq = n
    return books


def generate_xero(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The clinic's labelled year: one row per transaction line of the General Ledger Detail report, in file order."""
    _, frame = _report(_build(seed, per_kind))
    return frame


def write_xero(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The General Ledger Detail CSV for `ledger` (as `generate_xero` returned it). A folder gets FILE_NAME."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    width = len(HEADER)
    pad = [""] * (width - 1)
    out = [_csv([TITLE, *pad]), _csv([COMPANY, *pad]), _csv([PERIOD, *pad]), "", _csv(HEADER)]
    grand_d = grand_c = 0.0
    present = list(dict.fromkeys(ledger["account_code"]))
    order = [c for c in sorted(ACCOUNTS, key=_chart_order)
             if c in present or OPENING.get(c)]
    groups = {code: g for code, g in ledger.groupby("account_code", sort=False)}
    for code in order:
        heading = f"{code} - {ACCOUNTS[code]}"
        out += ["", _csv([heading, *pad])]
        out.append(_csv(["Opening Balance", *[""] * 6, _fmt_money(OPENING.get(code, 0.0), True), "", "", ""]))
        g = groups.get(code)
        tot_d = tot_c = 0.0
        balance = OPENING.get(code, 0.0)
        if g is not None:
            for (date, source, contact, desc, ref, debit, credit, running, gross, gst, rate,
                 line) in g[[*HEADER, "file_line"]].itertuples(index=False):
                out.append(_csv([date, source, contact, desc, ref, _fmt_money(debit), _fmt_money(credit),
                                 _fmt_money(running, True), _fmt_money(None if pd.isna(gross) else gross, True),
                                 _fmt_money(None if pd.isna(gst) else gst, True), rate]))
                if len(out) != line:
                    raise ValueError(f"line {len(out)} written, file_line says {line}")
                tot_d, tot_c, balance = r2(tot_d + debit), r2(tot_c + credit), running
        out.append(_csv([f"Total {heading}", *[""] * 4, _fmt_money(tot_d, True), _fmt_money(tot_c, True), "", "", "", ""]))
        out.append(_csv(["Closing Balance", *[""] * 6, _fmt_money(balance, True), "", "", ""]))
        grand_d, grand_c = r2(grand_d + tot_d), r2(grand_c + tot_c)
    out += ["", _csv(["Total", *[""] * 4, _fmt_money(grand_d, True), _fmt_money(grand_c, True), "", "", "", ""])]
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], generate_xero, write_xero, "transaction_id", seed=91,
                          out=FILE_NAME)


if __name__ == "__main__":
    main()
