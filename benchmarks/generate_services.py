"""A third labelled ledger generator, written apart from the other two, for held-out evaluation.

A UK firm of consulting engineers (about 70 staff), one year in GBP on a UK-style nominal ledger, VAT at 20 %:
time-billed fee invoices per client project dated the last working day of the month (registered a few days
later, in the billing run), fixed retainers billed on the 1st, occasional credit notes, client receipts after
their payment terms; supplier invoices (subconsultants, software, telecoms, travel, stationery) entered by two
purchase-ledger clerks in weekly Thursday batches, days to weeks after their date, and paid in fortnightly
Friday payment runs; staff expense claims (mileage, rail, hotels, meals) entered by the office manager and
reimbursed weekly; monthly payroll from a payroll bureau with PAYE/NIC and pension, paid to HMRC on the 22nd
of the next month; quarterly VAT return (transfer journal, payment a month and seven days later); rent
quarterly in advance on the English quarter days; business rates in ten instalments; bank charges,
depreciation. August and December are slower. Voucher series SI (sales invoices), SC (sales credit notes),
BR (bank receipts), PI (purchase invoices), BP (bank payments), EX (expense claims), PR (payroll), JNL
(journals), each numbered per series in the order the entries were registered. The export is an audit-trail
style CSV: "Journal No", "Date" (dd/mm/yyyy), "Entry Date", "Nominal Code", "Nominal Name", "Details",
"Debit", "Credit", "User". No counterparty column: the client or supplier is in the details.

The same anomaly kinds as `generate_ledger.KINDS`, injected in this firm's own way (see `_inject`); every line
of an instance carries its kind and an `anomaly_id`, normal lines have '' for both. Detectors are never tuned on
this generator: it is reported as held out.

    python -m benchmarks.generate_services --seed 21 --out services.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import describe

APPROVAL_LIMIT = 10_000.0  # a purchase invoice above this (gross) needs a director's second signature
VAT_RATE = 0.20
NOMINAL = {
    "0031": "Office equipment depreciation", "1100": "Debtors control", "1200": "Bank current account",
    "2100": "Creditors control", "2105": "Staff expenses payable", "2109": "Accruals", "2200": "VAT output",
    "2201": "VAT input", "2202": "VAT liability", "2210": "PAYE/NIC liability", "2220": "Net wages control",
    "2230": "Pension liability", "4000": "Fee income", "4010": "Expenses rechargeable",
    "5000": "Subconsultant fees", "7000": "Directors salaries", "7001": "Staff salaries",
    "7006": "Employers NIC", "7007": "Employers pension", "7100": "Rent", "7103": "Business rates",
    "7200": "Light and heat", "7500": "Travel", "7501": "Subsistence and hotels", "7502": "Telephone and internet",
    "7504": "Office stationery and printing", "7600": "Professional fees", "7700": "Computer software",
    "7750": "Professional indemnity insurance", "7800": "Training and CPD", "7900": "Bank charges",
    "8000": "Depreciation",
}
SEASON = {1: 0.95, 2: 1.0, 3: 1.05, 4: 0.95, 5: 1.0, 6: 1.05, 7: 1.0, 8: 0.62, 9: 1.0, 10: 1.05, 11: 1.05, 12: 0.7}
CLIENTS = [
    "Bramley Developments", "Severn Trent Water", "Halcyon Homes", "Northgate Retail Parks", "Wessex Rail Partners",
    "Kingsmead Academy Trust", "Ridgeway Logistics", "Aldous Construction", "Pemberton Estates", "Clyde Marine",
    "Foxhollow Care Homes", "St Albans City Council", "Mercer Hotels", "Blackwater Energy", "Torrington Farms",
    "Lindqvist Architects", "Harrowgate Leisure", "Ouse Valley Housing", "Caldwell & Sons Builders",
    "Medway Ports", "Greyfriars University", "Ashdown Data Centres", "Kestrel Aviation", "Wren Street Partners",
    "Morland Brewery Estates", "Fenland District Council", "Oakhurst NHS Trust", "Tamar Bridge Authority",
    "Chiltern Self Storage", "Redcliffe Quay Ltd", "Beaumont School", "Hollis Renewables", "Sandbanks Marina",
    "Pennant Industrial", "Grosvenor Mews Ltd", "Thornbury Golf Club", "Axminster Mills", "Lowther Castle Trust",
    "Quayside Student Living", "Calder Valley Homes", "Iverson Cold Stores", "Marlow Rowing Club",
    "Kennet Business Park", "Stirling Fabrications", "Whitby Harbour Board", "Ludlow Foods",
    "Brackley Motorsport", "Eden Project Partners", "Holloway Road Studios", "Cotswold Water Park Trust",
    "Dunmore Quarries", "Elland Bridge Homes", "Fairfield Distribution", "Glenmore Wind Farm", "Hexham Abbey Trust",
    "Irwell Valley Housing", "Jarrow Shipyards", "Keswick Leisure", "Langley Business Centre", "Moorgate Offices",
]
SUPPLIERS = {  # name -> (nominal, VAT rate, median net, invoices a month; None = exactly one a month)
    "Atkinson Geotechnical Ltd": ("5000", 0.2, 4800, 3.0), "Pennine Survey Services": ("5000", 0.2, 2600, 3.8),
    "Castle CAD Drafting": ("5000", 0.2, 1900, 3.2), "Harbour Ground Investigations": ("5000", 0.2, 6200, 1.6),
    "Meridian Traffic Modelling": ("5000", 0.2, 3400, 1.4), "BT Business": ("7502", 0.2, 640, None),
    "Vodafone UK": ("7502", 0.2, 410, None), "Octopus Energy for Business": ("7200", 0.2, 780, None),
    "Autodesk Ltd": ("7700", 0.2, 1450, 0.5), "Bentley Systems UK": ("7700", 0.2, 2100, 0.3),
    "Microsoft Ireland": ("7700", 0.2, 960, None), "Viking Office Supplies": ("7504", 0.2, 180, 4.5),
    "Midland Plotting Services": ("7504", 0.2, 320, 2.6), "Trainline for Business": ("7500", 0.0, 340, 4.5),
    "Premier Inn Business": ("7501", 0.2, 260, 3.4), "Enterprise Car Rental": ("7500", 0.2, 310, 2.0),
    "Hallam & Co Chartered Accountants": ("7600", 0.2, 1800, 0.25), "Irwin Pryce LLP": ("7600", 0.2, 2400, 0.2),
    "Institution of Civil Engineers": ("7800", 0.0, 650, 0.3), "CPD Engineering Courses": ("7800", 0.2, 890, 0.4),
}
SUBCONSULTANTS = [s for s, v in SUPPLIERS.items() if v[0] == "5000"]
SMALL_SUPPLIERS = [s for s, v in SUPPLIERS.items() if v[2] < 700]
LANDLORD = "Calder Estates LLP"
STAFF = [
    "A Patel", "B Hughes", "C Morgan", "D Clarke", "E Walsh", "F Okafor", "G Reid", "H Lewis", "I Novak", "J Carter",
    "K Doyle", "L Brennan", "M Ahmed", "N Fraser", "O Griffiths", "P Kaur", "R Stewart", "S Mitchell", "T Lloyd",
    "U Rossi", "V Singh", "W Bennett", "Y Chen", "Z Hussain", "A Turner", "B Price", "C Murray", "D Evans",
    "E Foster", "F Gallagher", "G Hammond", "H Iqbal", "J Jenkins", "K Kowalski", "L Marsh", "M Nolan",
    "N Owen", "P Quinn", "R Shah", "S Thompson", "T Underwood", "V Vaughan", "W Whitfield", "A Yates", "B Zielinski",
    "C Abbott", "D Barker", "E Cole", "F Dunn", "G Ellis", "H Farrell", "J Gill", "K Hale", "L Ingram", "M Joyce",
    "N Kerr", "O Lamb", "P Mensah", "R Nash", "S Osei",
]
# who posts what: each user posts only some series
BILLING, CLERK_1, CLERK_2, EXPENSES, PAYROLL, CONTROLLER = (
    "sarah.jones", "tom.baker", "priya.shah", "amir.khan", "dee.oconnor", "mike.reed")


class Books:
    """Vouchers as they are registered; numbered per series by registration order at the end."""

    def __init__(self, rng: np.random.Generator, year: int):
        self.rng, self.year = rng, year
        bank = holidays.country_holidays("GB", subdiv="ENG", years=[year - 1, year, year + 1])
        every = pd.date_range(f"{year - 1}-12-01", f"{year + 1}-12-31", freq="D")
        working = [d for d in every if d.weekday() < 5 and d.date() not in bank]
        self.working = pd.DatetimeIndex(working)
        self.year_working = self.working[(self.working.year == year)]
        open_days = set(working)
        self.closed = pd.DatetimeIndex([d for d in every if d.year == year and d not in open_days])
        self.lines: list[list] = []
        self.docs: dict[int, list[int]] = {}
        self.doc_info: dict[int, tuple[str, str]] = {}  # doc -> (series, kind of document)

    # calendar
    def on_or_after(self, date: pd.Timestamp) -> pd.Timestamp:
        return self.working[self.working.searchsorted(date)]

    def on_or_before(self, date: pd.Timestamp) -> pd.Timestamp:
        return self.working[self.working.searchsorted(date, side="right") - 1]

    def plus_working(self, date: pd.Timestamp, n: int) -> pd.Timestamp:
        return self.working[self.working.searchsorted(date, side="right") + n - 1] if n > 0 else date

    def month_end(self, month: int) -> pd.Timestamp:
        return self.on_or_before(pd.Timestamp(self.year, month, 1) + pd.offsets.MonthEnd(0))

    def day_in(self, month: int, first: int = 1, last: int = 31) -> pd.Timestamp:
        days = self.year_working[(self.year_working.month == month) & (self.year_working.day >= first)
                                 & (self.year_working.day <= last)]
        return days[int(self.rng.integers(len(days)))]

    def any_day(self, months: tuple[int, int] = (1, 12)) -> pd.Timestamp:
        days = self.year_working[(self.year_working.month >= months[0]) & (self.year_working.month <= months[1])]
        return days[int(self.rng.integers(len(days)))]

    def next_thursday_batch(self, date: pd.Timestamp) -> pd.Timestamp:
        """The purchase-ledger batch that picks up a document arriving on `date` (Thursdays; a closed
        Thursday moves the batch to the next working day)."""
        thursday = date + pd.Timedelta(days=(3 - date.weekday()) % 7)
        return self.on_or_after(thursday)

    # posting
    def post(self, series: str, date: pd.Timestamp, entered: pd.Timestamp, user: str, details: str,
             entries: list[tuple[str, float]], kind: str = "", anomaly_id: str = "", doc_kind: str = "") -> int:
        doc = len(self.docs)
        rows = []
        for code, amount in entries:
            amount = round(float(amount), 2)
            if amount == 0:
                continue
            rows.append(len(self.lines))
            self.lines.append([doc, series, date, max(entered, date) if not kind else entered, code, NOMINAL[code],
                               details, max(amount, 0.0), max(-amount, 0.0), user, kind, anomaly_id])
        self.docs[doc] = rows
        self.doc_info[doc] = (series, doc_kind)
        return doc

    def label(self, doc: int, kind: str, anomaly_id: str) -> None:
        for i in self.docs[doc]:
            self.lines[i][10], self.lines[i][11] = kind, anomaly_id

    def lognormal(self, median: float, sigma: float) -> float:
        return float(median * np.exp(self.rng.normal(0.0, sigma)))


def _vat(net: float, rate: float = VAT_RATE) -> float:
    return round(net * rate, 2)


# ---- the firm's normal year ------------------------------------------------------------------------------


def _sales_invoice(b: Books, date: pd.Timestamp, entered: pd.Timestamp, client: str, text: str, fees: float,
                   recharge: float = 0.0, rate: float = VAT_RATE, user: str = BILLING, kind: str = "",
                   anomaly_id: str = "") -> int:
    fees, recharge = round(fees, 2), round(recharge, 2)
    vat = _vat(fees + recharge, rate)
    entries = [("1100", fees + recharge + vat), ("4000", -fees)]
    if recharge:
        entries.append(("4010", -recharge))
    entries.append(("2200", -vat))
    return b.post("SI", date, entered, user, f"{client} - {text}", entries, kind, anomaly_id, doc_kind="fees")


def _purchase_invoice(b: Books, date: pd.Timestamp, entered: pd.Timestamp, supplier: str, net: float,
                      user: str, ref: str, kind: str = "", anomaly_id: str = "") -> int:
    code, rate, _, _ = SUPPLIERS.get(supplier, ("7100", VAT_RATE, 0, None))
    net = round(net, 2)
    vat = _vat(net, rate)
    entries = [(code, net)] + ([("2201", vat)] if vat else []) + [("2100", -(net + vat))]
    return b.post("PI", date, entered, user, f"{supplier} inv {ref}", entries, kind, anomaly_id, doc_kind=supplier)


def _expense_items(b: Books, n: int, scale: float = 1.0) -> list[tuple[str, float, float, str]]:
    """(nominal, net, VAT, what) items of one claim."""
    items = []
    for _ in range(n):
        what = b.rng.choice(["mileage", "rail", "hotel", "meal", "parking", "taxi"], p=[0.3, 0.2, 0.12, 0.2, 0.1, 0.08])
        if what == "mileage":
            items.append(("7500", round(0.45 * int(b.rng.integers(18, 320)) * scale, 2), 0.0, "mileage"))
        elif what == "rail":
            items.append(("7500", round(b.lognormal(62, 0.6) * scale, 2), 0.0, "rail fare"))
        elif what == "taxi":
            items.append(("7500", round(b.lognormal(17, 0.4) * scale, 2), 0.0, "taxi"))
        elif what == "parking":
            net = round(b.lognormal(9, 0.5) * scale, 2)
            items.append(("7500", net, _vat(net), "parking"))
        elif what == "hotel":
            net = round(b.lognormal(105, 0.25) * scale, 2)
            items.append(("7501", net, _vat(net), "hotel"))
        else:
            net = round(b.lognormal(16, 0.5) * scale, 2)
            items.append(("7501", net, _vat(net), "subsistence"))
    return items


def _expense_claim(b: Books, date: pd.Timestamp, entered: pd.Timestamp, person: str, items, user: str = EXPENSES,
                   kind: str = "", anomaly_id: str = "", credit: str = "2105") -> tuple[int, float]:
    entries = [(code, net) for code, net, _, _ in items]
    vat = round(sum(v for _, _, v, _ in items), 2)
    if vat:
        entries.append(("2201", vat))
    total = round(sum(net for _, net, _, _ in items) + vat, 2)
    entries.append((credit, -total))
    month = date.strftime("%b")
    doc = b.post("EX", date, entered, user, f"Expenses {person} {month}", entries, kind, anomaly_id,
                 doc_kind=person)
    return doc, total


def _normal_year(b: Books) -> None:
    rng, year = b.rng, b.year
    # clients: projects with a median monthly fee; a few retainers
    projects = []
    number = 2300 + int(rng.integers(0, 400))
    for client in CLIENTS:
        for _ in range(int(rng.choice([1, 2, 2, 3, 3, 4]))):
            number += int(rng.integers(1, 9))
            start = int(rng.integers(1, 13)) if rng.random() < 0.35 else 1
            end = int(rng.integers(start, 13)) if rng.random() < 0.35 else 12
            projects.append((client, f"P{number}", b.lognormal(5200, 0.8), start, end))
    terms = {c: int(rng.choice([14, 30, 30, 30, 45, 60])) for c in CLIENTS}
    lateness = {c: float(rng.uniform(0, 25)) for c in CLIENTS}
    retainers = {c: round(float(rng.choice([1500, 2000, 2500, 3000, 4250, 6000])), 2)
                 for c in rng.choice(CLIENTS, size=7, replace=False)}
    invoices: list[tuple[pd.Timestamp, str, float]] = []
    for month in range(1, 13):
        first = pd.Timestamp(year, month, 1)
        for client, fee in retainers.items():  # recurring invoice, raised automatically on the 1st
            doc = _sales_invoice(b, first, first, client, f"Retainer {first:%B %Y}", fee)
            invoices.append((first, client, b.lines[b.docs[doc][0]][7]))
        run = b.month_end(month)
        entered = b.plus_working(run, int(rng.integers(1, 5)))
        for client, code, median, start, end in projects:
            if not start <= month <= end or rng.random() > 0.8:
                continue
            fees = round(b.lognormal(median * SEASON[month], 0.35), 2)
            recharge = round(fees * rng.uniform(0.02, 0.09), 2) if rng.random() < 0.3 else 0.0
            doc = _sales_invoice(b, run, entered, client, f"{code} professional fees {run:%b %Y}", fees, recharge)
            invoices.append((run, client, b.lines[b.docs[doc][0]][7]))
    for _ in range(int(rng.integers(10, 16))):  # credit notes: disputed hours
        date, client, gross = invoices[int(rng.integers(len(invoices)))]
        when = b.on_or_after(date + pd.Timedelta(days=int(rng.integers(6, 30))))
        if when.year != year:
            continue
        net = round(gross / (1 + VAT_RATE) * rng.uniform(0.05, 0.25), 2)
        vat = _vat(net)
        b.post("SC", when, b.plus_working(when, int(rng.integers(0, 2))), BILLING,
               f"{client} - credit note, hours disputed", [("4000", net), ("2200", vat), ("1100", -(net + vat))],
               doc_kind="credit")
    # receipts; last year's debtors paid in January and February
    opening = [(pd.Timestamp(year - 1, 12, 31) - pd.Timedelta(days=int(rng.integers(0, 40))),
                str(rng.choice(CLIENTS)), round(b.lognormal(6000, 0.7), 2)) for _ in range(int(rng.integers(45, 60)))]
    for date, client, gross in opening + invoices:
        paid = b.on_or_after(date + pd.Timedelta(days=terms[client] + int(rng.exponential(lateness[client]))))
        if paid.year != year:
            continue
        b.post("BR", paid, b.plus_working(paid, int(rng.integers(0, 3))), BILLING, f"Receipt {client}",
               [("1200", gross), ("1100", -gross)], doc_kind="receipt")
    _purchases(b)
    _expenses(b)
    _payroll(b)
    _overheads(b)


def _purchases(b: Books) -> None:
    rng, year = b.rng, b.year
    owed: list[tuple[pd.Timestamp, str, float]] = []
    clerk_of_batch: dict[pd.Timestamp, str] = {}

    def clerk(batch: pd.Timestamp) -> str:
        if batch not in clerk_of_batch:
            clerk_of_batch[batch] = CLERK_1 if rng.random() < 0.7 else CLERK_2
        return clerk_of_batch[batch]

    for month in range(1, 13):
        for supplier, (_, _, median, per_month) in SUPPLIERS.items():
            seasonal = SEASON[month] if SUPPLIERS[supplier][0] in ("5000", "7500", "7501") else 1.0
            count = 1 if per_month is None else int(rng.poisson(per_month * seasonal))
            for _ in range(count):
                date = b.day_in(month, 1, 10) if per_month is None else b.day_in(month)
                net = median * (1 + rng.normal(0, 0.06)) if per_month is None else b.lognormal(median, 0.55)
                batch = b.next_thursday_batch(date + pd.Timedelta(days=int(rng.gamma(2.0, 4.5))))
                doc = _purchase_invoice(b, date, batch, supplier, net, clerk(batch), f"{int(rng.integers(10_000, 1_000_000))}")
                owed.append((batch, supplier, b.lines[b.docs[doc][-1]][8]))
    for quarter_day in (f"{year}-03-25", f"{year}-06-24", f"{year}-09-29", f"{year}-12-25"):
        due = pd.Timestamp(quarter_day)
        date = b.on_or_before(due - pd.Timedelta(days=14))
        batch = b.next_thursday_batch(date + pd.Timedelta(days=2))
        net = 18_750.0
        vat = _vat(net)
        b.post("PI", date, batch, clerk(batch), f"{LANDLORD} rent quarter from {due:%d %b}",
               [("7100", net), ("2201", vat), ("2100", -(net + vat))], doc_kind=LANDLORD)
        paid = b.on_or_before(due)
        b.post("BP", paid, paid, CONTROLLER, f"{LANDLORD} rent", [("2100", net + vat), ("1200", -(net + vat))],
               doc_kind="rent")
    april = b.day_in(4, 1, 15)
    net = round(b.lognormal(13_800, 0.05), 2)
    batch = b.next_thursday_batch(april)
    b.post("PI", april, batch, clerk(batch), "Hiscox PI insurance renewal", [("7750", net), ("2100", -net)],
           doc_kind="insurance")
    owed.append((batch, "Hiscox", net))
    # fortnightly payment runs: invoices entered at least three weeks before the run
    runs = pd.date_range(f"{year}-01-10", f"{year}-12-31", freq="14D")
    paid: set[int] = set()
    for run in runs:
        run = b.on_or_before(run)
        due = [(i, s, g) for i, (e, s, g) in enumerate(owed) if i not in paid and e <= run - pd.Timedelta(days=21)]
        if not due:
            continue
        entries = []
        for i, _, gross in due:
            paid.add(i)
            entries.append(("2100", gross))
        total = round(sum(g for _, _, g in due), 2)
        entries.append(("1200", -total))
        b.post("BP", run, b.plus_working(run, int(rng.integers(0, 2))), CLERK_1,
               f"Supplier payment run {run:%d/%m/%Y}", entries, doc_kind="payrun")


def _expenses(b: Books) -> None:
    rng, year = b.rng, b.year
    travellers = {p: float(rng.uniform(0.25, 0.95)) for p in STAFF}
    owed: list[tuple[pd.Timestamp, str, float]] = []
    for month in range(1, 13):
        for person, often in travellers.items():
            if rng.random() > often * SEASON[month]:
                continue
            date = b.day_in(month, 20) if month != 12 else b.day_in(month, 10)
            entered = b.plus_working(date, int(rng.integers(1, 9)))
            _, total = _expense_claim(b, date, entered, person, _expense_items(b, int(rng.integers(1, 9))))
            owed.append((entered, person, total))
    paid: set[int] = set()
    for wednesday in pd.date_range(f"{year}-01-08", f"{year}-12-31", freq="7D"):
        day = b.on_or_before(wednesday)
        due = [(i, p, t) for i, (e, p, t) in enumerate(owed) if i not in paid and e < day]
        if not due:
            continue
        paid.update(i for i, _, _ in due)
        entries = [("2105", t) for _, _, t in due] + [("1200", -round(sum(t for _, _, t in due), 2))]
        b.post("BP", day, day, EXPENSES, f"Staff expenses BACS {day:%d/%m/%Y}", entries, doc_kind="expenses")


def _payroll(b: Books) -> None:
    rng, year = b.rng, b.year
    directors = [round(b.lognormal(8200, 0.1), 2) for _ in range(3)]
    staff = [round(b.lognormal(3600, 0.3), 2) for _ in range(66)]
    paye_due: dict[int, float] = {0: round(sum(staff + directors) * 0.36, 2)}
    pension_due: dict[int, float] = {0: round(sum(staff + directors) * 0.1, 2)}
    for month in range(1, 13):
        if month == 4:  # new tax year: pay rise
            staff = [round(s * rng.uniform(1.02, 1.06), 2) for s in staff]
        if rng.random() < 0.25:  # leavers and joiners
            staff.pop(int(rng.integers(len(staff))))
        if rng.random() < 0.3:
            staff.append(round(b.lognormal(3300, 0.25), 2))
        gross_staff = round(sum(staff) * (1.0 if month != 12 else 1.08), 2)
        gross_dir = round(sum(directors), 2)
        gross = gross_staff + gross_dir
        employer_nic = round(0.15 * max(gross - 417 * (len(staff) + 3), 0), 2)
        employer_pension = round(0.05 * gross, 2)
        tax = round(0.2 * max(gross - 1048 * (len(staff) + 3), 0) + 0.2 * gross_dir * 0.3, 2)
        employee_nic = round(0.08 * max(gross - 1048 * (len(staff) + 3), 0), 2)
        employee_pension = round(0.05 * gross, 2)
        net = round(gross - tax - employee_nic - employee_pension, 2)
        day = b.month_end(month)
        entered = b.on_or_before(day - pd.Timedelta(days=int(rng.integers(2, 5))))
        paye = round(tax + employee_nic + employer_nic, 2)
        pension = round(employee_pension + employer_pension, 2)
        b.post("PR", day, entered, PAYROLL, f"Payroll {day:%B %Y}",
               [("7000", gross_dir), ("7001", gross_staff), ("7006", employer_nic), ("7007", employer_pension),
                ("2210", -paye), ("2230", -pension), ("2220", -net)], doc_kind="payroll")
        b.post("BP", day, day, CONTROLLER, f"Net wages {day:%B %Y}", [("2220", net), ("1200", -net)],
               doc_kind="wages")
        paye_due[month], pension_due[month] = paye, pension
        hmrc = b.on_or_before(pd.Timestamp(year, month, 22))
        b.post("BP", hmrc, hmrc, CONTROLLER, "HMRC PAYE/NIC", [("2210", paye_due[month - 1]),
                                                              ("1200", -paye_due[month - 1])], doc_kind="hmrc")
        provider = b.on_or_after(pd.Timestamp(year, month, 17))
        b.post("BP", provider, b.plus_working(provider, 1), CONTROLLER, "Pension contributions Aviva",
               [("2230", pension_due[month - 1]), ("1200", -pension_due[month - 1])], doc_kind="pension")


def _overheads(b: Books) -> None:
    rng, year = b.rng, b.year
    rates = round(b.lognormal(2_840, 0.05), 2)
    depreciation = round(b.lognormal(1_240, 0.1), 2)
    for month in range(1, 13):
        if month not in (2, 3):
            day = b.on_or_after(pd.Timestamp(year, month, 15))
            b.post("BP", day, b.plus_working(day, 1), CONTROLLER, "Business rates direct debit",
                   [("7103", rates), ("1200", -rates)], doc_kind="rates")
        day = b.plus_working(pd.Timestamp(year, month, 1) - pd.Timedelta(days=1), 2)
        fee = round(22 + rng.gamma(4, 7), 2)
        b.post("BP", day, day, CONTROLLER, f"Bank charges {day:%b}", [("7900", fee), ("1200", -fee)],
               doc_kind="charges")
        end = b.month_end(month)
        b.post("JNL", end, b.plus_working(end, int(rng.integers(3, 8))), CONTROLLER, "Depreciation office equipment",
               [("8000", depreciation), ("0031", -depreciation)], doc_kind="depreciation")
    # VAT returns: quarters to March, June, September, December
    frame = pd.DataFrame(b.lines, columns=_INTERNAL)
    last_net = None
    for quarter in range(4):
        end = pd.Timestamp(year, 3 * quarter + 3, 1) + pd.offsets.MonthEnd(0)
        inside = frame[(frame["date"] > end - pd.offsets.MonthEnd(3)) & (frame["date"] <= end)]
        output = round(float((inside.loc[inside["code"] == "2200", "credit"] - inside.loc[inside["code"] == "2200",
                                                                                          "debit"]).sum()), 2)
        input_ = round(float((inside.loc[inside["code"] == "2201", "debit"] - inside.loc[inside["code"] == "2201",
                                                                                         "credit"]).sum()), 2)
        net = round(output - input_, 2)
        entered = b.plus_working(end, int(rng.integers(12, 22)))
        b.post("JNL", end, entered, CONTROLLER, f"VAT return quarter to {end:%d/%m/%Y}",
               [("2200", output), ("2201", -input_), ("2202", -net)], doc_kind="vat")
        if last_net is None:
            last_net = round(net * rng.uniform(0.85, 1.15), 2)
        pay = b.on_or_before(end - pd.offsets.MonthEnd(3) + pd.offsets.MonthEnd(1) + pd.Timedelta(days=7))
        b.post("BP", pay, pay, CONTROLLER, "HMRC VAT", [("2202", last_net), ("1200", -last_net)], doc_kind="vatpay")
        last_net = net


_INTERNAL = ["doc", "series", "date", "entered", "code", "name", "details", "debit", "credit", "user",
             "anomaly_kind", "anomaly_id"]


# ---- anomalies -----------------------------------------------------------------------------------------------


def _normal_docs(b: Books, series: str, doc_kind: str | None = None) -> list[int]:
    return [d for d, (s, k) in b.doc_info.items() if s == series and (doc_kind is None or k == doc_kind)
            and b.docs[d] and b.lines[b.docs[d][0]][10] == ""]


def _typical_fee(b: Books) -> tuple[str, float]:
    doc = int(b.rng.choice(_normal_docs(b, "SI", "fees")))
    first = b.lines[b.docs[doc][0]]
    return first[6].split(" - ")[0], round(first[7] / (1 + VAT_RATE), 2)


def _inject(b: Books, kind: str, k: int) -> None:
    rng = b.rng
    aid = f"{kind}-{k + 1}"
    mark = {"kind": kind, "anomaly_id": aid}

    def entered_after(date: pd.Timestamp, lo: int = 0, hi: int = 3) -> pd.Timestamp:
        return b.plus_working(date, int(rng.integers(lo, hi + 1)))

    if kind == "amount_outlier":
        if k % 2 == 0:  # a fee invoice many times the size of anything this client is billed
            client, fee = _typical_fee(b)
            run = b.month_end(int(rng.integers(1, 12)))
            _sales_invoice(b, run, entered_after(run, 1, 4), client,
                           f"P{int(rng.integers(2300, 2800))} professional fees {run:%b %Y}",
                           fee * rng.uniform(18, 45), **mark)
        else:  # a small supplier's invoice 25-60x its usual size
            supplier = str(rng.choice(SMALL_SUPPLIERS))
            date = b.any_day()
            _purchase_invoice(b, date, b.next_thursday_batch(date + pd.Timedelta(days=5)), supplier,
                              SUPPLIERS[supplier][2] * rng.uniform(25, 60), CLERK_1, f"{int(rng.integers(10_000, 1_000_000))}",
                              **mark)
    elif kind == "unusual_account_combination":
        date = b.any_day()
        client, fee = _typical_fee(b)
        amount = round(fee * rng.uniform(0.6, 1.4), 2)
        variant = k % 6
        if variant == 0:  # a client receipt credited to travel instead of the debtors control
            b.post("BR", date, entered_after(date), BILLING, f"Receipt {client}", [("1200", amount), ("7500", -amount)],
                   **mark)
        elif variant == 1:  # fee income credited against rent
            b.post("JNL", date, entered_after(date), CONTROLLER, f"{client} fees reallocation",
                   [("7100", amount), ("4000", -amount)], **mark)
        elif variant == 2:  # fee income credited against staff salaries
            b.post("JNL", date, entered_after(date), CONTROLLER, "Salary recharge",
                   [("7001", amount), ("4000", -amount)], **mark)
        elif variant == 3:  # a subconsultant invoice credited to net wages instead of creditors
            vat = _vat(amount)
            b.post("PI", date, b.next_thursday_batch(date), CLERK_1, f"{rng.choice(SUBCONSULTANTS)} inv "
                   f"{int(rng.integers(10_000, 1_000_000))}", [("5000", amount), ("2201", vat), ("2220", -(amount + vat))],
                   **mark)
        elif variant == 4:  # an expense claim credited to fee income
            items = _expense_items(b, 3)
            _expense_claim(b, date, entered_after(date, 1, 5), str(rng.choice(STAFF)), items, credit="4000", **mark)
        else:  # PAYE/NIC liability cleared against rechargeable expenses
            b.post("JNL", date, entered_after(date), CONTROLLER, "PAYE adjustment",
                   [("2210", round(amount / 3, 2)), ("4010", -round(amount / 3, 2))], **mark)
    elif kind == "weekend_holiday_posting":
        closed = [d for d in b.closed if d.day != 1]
        date = closed[int(rng.integers(len(closed)))]
        variant = k % 5
        if variant == 0:
            client, fee = _typical_fee(b)
            _sales_invoice(b, date, date, client, f"P{int(rng.integers(2300, 2800))} professional fees", fee, **mark)
        elif variant == 1:
            supplier = str(rng.choice(SUBCONSULTANTS))
            gross = round(b.lognormal(SUPPLIERS[supplier][2], 0.4) * 1.2, 2)
            b.post("BP", date, date, CLERK_1, f"Payment {supplier}", [("2100", gross), ("1200", -gross)], **mark)
        elif variant == 2:
            _expense_claim(b, date, date, str(rng.choice(STAFF)), _expense_items(b, int(rng.integers(2, 6))), **mark)
        elif variant == 3:
            amount = round(b.lognormal(2500, 0.5), 2)
            b.post("JNL", date, date, CONTROLLER, "Accrual professional fees", [("7600", amount), ("2109", -amount)],
                   **mark)
        else:
            client, fee = _typical_fee(b)
            gross = round(fee * 1.2, 2)
            b.post("BR", date, date, BILLING, f"Receipt {client}", [("1200", gross), ("1100", -gross)], **mark)
    elif kind == "round_amount":
        amount = float(rng.choice([15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 75_000]))
        date = b.any_day()
        variant = k % 4
        if variant == 0:
            b.post("BP", date, date, CONTROLLER, f"Payment on account {rng.choice(SUBCONSULTANTS)}",
                   [("2100", amount), ("1200", -amount)], **mark)
        elif variant == 1:
            b.post("JNL", date, entered_after(date), CONTROLLER, "Accrual professional fees",
                   [("7600", amount), ("2109", -amount)], **mark)
        elif variant == 2:
            client, _ = _typical_fee(b)
            b.post("JNL", date, entered_after(date), CONTROLLER, f"{client} fee write off",
                   [("4000", amount), ("1100", -amount)], **mark)
        else:
            b.post("BP", date, date, CONTROLLER, "Consultancy fee", [("7600", amount), ("1200", -amount)], **mark)
    elif kind == "just_below_approval_limit":  # one subconsultant's work split into invoices just under £10 000
        supplier = str(rng.choice(SUBCONSULTANTS))
        date = b.any_day()
        batch = b.next_thursday_batch(date + pd.Timedelta(days=int(rng.integers(2, 8))))
        for _ in range(int(rng.integers(2, 4))):
            net = round(rng.uniform(9_600, APPROVAL_LIMIT - 10) / (1 + VAT_RATE), 2)
            _purchase_invoice(b, b.on_or_before(date + pd.Timedelta(days=int(rng.integers(0, 4)))), batch, supplier,
                              net, CLERK_1, f"{int(rng.integers(10_000, 1_000_000))}", **mark)
    elif kind == "duplicate":  # a purchase invoice entered again, in a later batch, by the other clerk;
        # the instance is the pair: the original entry and the copy carry the same anomaly_id
        candidates = [d for d in _normal_docs(b, "PI") if b.doc_info[d][1] in SUPPLIERS
                      and b.lines[b.docs[d][0]][2].month < 12]
        doc = int(rng.choice(candidates))
        first = b.lines[b.docs[doc][0]]
        other = CLERK_2 if first[9] == CLERK_1 else CLERK_1
        entries = [(b.lines[i][4], b.lines[i][7] - b.lines[i][8]) for i in b.docs[doc]]
        later = b.next_thursday_batch(first[3] + pd.Timedelta(days=int(rng.integers(7, 22))))
        b.label(doc, kind, aid)
        b.post("PI", first[2], later, other, first[6], entries, doc_kind=first[6], **mark)
    elif kind == "backdated":  # registered two to six months after its date
        date = b.any_day((1, 7))
        late = b.plus_working(date, int(rng.integers(45, 125)))
        variant = k % 3
        if variant == 0:
            supplier = str(rng.choice(SUBCONSULTANTS))
            _purchase_invoice(b, date, b.next_thursday_batch(late), supplier,
                              b.lognormal(SUPPLIERS[supplier][2], 0.4), CLERK_2, f"{int(rng.integers(10_000, 1_000_000))}",
                              **mark)
        elif variant == 1:
            end = b.month_end(date.month)
            amount = round(b.lognormal(3000, 0.5), 2)
            b.post("JNL", end, late, CONTROLLER, f"Correction {end:%B} subconsultant costs",
                   [("5000", amount), ("2109", -amount)], **mark)
        else:
            client, fee = _typical_fee(b)
            _sales_invoice(b, date, late, client, f"P{int(rng.integers(2300, 2800))} additional fees", fee, **mark)
    elif kind == "unusual_user":  # an ordinary voucher, posted by someone who never posts that series
        date = b.any_day()
        variant = k % 5
        if variant == 0:
            supplier = str(rng.choice(SUBCONSULTANTS))
            gross = round(b.lognormal(SUPPLIERS[supplier][2], 0.4) * 1.2, 2)
            b.post("BP", date, date, PAYROLL, f"Payment {supplier}", [("2100", gross), ("1200", -gross)], **mark)
        elif variant == 1:
            client, fee = _typical_fee(b)
            run = b.month_end(date.month)
            _sales_invoice(b, run, entered_after(run, 1, 3), client, f"P{int(rng.integers(2300, 2800))} professional "
                           f"fees {run:%b %Y}", fee, user=EXPENSES, **mark)
        elif variant == 2:
            supplier = str(rng.choice(SUBCONSULTANTS))
            _purchase_invoice(b, date, b.next_thursday_batch(date + pd.Timedelta(days=4)), supplier,
                              b.lognormal(SUPPLIERS[supplier][2], 0.4), BILLING, f"{int(rng.integers(10_000, 1_000_000))}",
                              **mark)
        elif variant == 3:
            amount = round(b.lognormal(2000, 0.5), 2)
            b.post("JNL", date, entered_after(date), CLERK_2, "Accrual professional fees",
                   [("7600", amount), ("2109", -amount)], **mark)
        else:
            _expense_claim(b, date, entered_after(date, 1, 5), str(rng.choice(STAFF)),
                           _expense_items(b, int(rng.integers(2, 6))), user=PAYROLL, **mark)
    elif kind == "broken_vat_ratio":  # a fee invoice whose VAT is not 20 % of its net
        rate = [0.175, 0.05, 0.15, 0.25, 0.1, 0.02][k % 6]
        client, fee = _typical_fee(b)
        run = b.month_end(int(rng.integers(1, 13)))
        _sales_invoice(b, run, entered_after(run, 1, 4), client,
                       f"P{int(rng.integers(2300, 2800))} professional fees {run:%b %Y}", fee, rate=rate, **mark)
    elif kind == "period_end_reversal":  # fees invoiced on a month's last day, credited in full early next month
        client, fee = _typical_fee(b)
        month = int(rng.integers(1, 12))
        end = b.month_end(month)
        net = round(fee * rng.uniform(1.5, 4.0), 2)
        _sales_invoice(b, end, end, client, f"Fees on account {end:%b %Y}", net, **mark)
        back = b.plus_working(end, int(rng.integers(1, 5)))
        vat = _vat(net)
        b.post("SC", back, back, BILLING, f"{client} - credit note, fees on account {end:%b %Y} reversed",
               [("4000", net), ("2200", vat), ("1100", -(net + vat))], **mark)
    elif kind == "unbalanced_voucher":
        date = b.any_day()
        variant = k % 5
        if variant == 0:  # expense claim: the VAT line added, the total left at the net
            items = [it for it in _expense_items(b, 5) if it[2]] or [("7501", 95.0, 19.0, "hotel")]
            net = round(sum(n for _, n, _, _ in items), 2)
            vat = round(sum(v for _, _, v, _ in items), 2)
            b.post("EX", date, entered_after(date, 1, 5), EXPENSES, f"Expenses {rng.choice(STAFF)} {date:%b}",
                   [(c, n) for c, n, _, _ in items] + [("2201", vat), ("2105", -net)], **mark)
        elif variant == 1:  # purchase invoice: creditors at the net amount
            supplier = str(rng.choice(SUBCONSULTANTS))
            net = round(b.lognormal(SUPPLIERS[supplier][2], 0.4), 2)
            b.post("PI", date, b.next_thursday_batch(date + pd.Timedelta(days=6)), CLERK_2,
                   f"{supplier} inv {int(rng.integers(10_000, 1_000_000))}", [("5000", net), ("2201", _vat(net)), ("2100", -net)],
                   **mark)
        elif variant == 2:  # journal with transposed digits on one side
            amount = float(rng.integers(1200, 9800))
            digits = list(f"{int(amount)}")
            digits[1], digits[2] = digits[2], digits[1]
            if digits[1] == digits[2]:
                digits[2] = str((int(digits[2]) + 1) % 10)
            b.post("JNL", date, entered_after(date), CONTROLLER, "Accrual professional fees",
                   [("7600", amount), ("2109", -float("".join(digits)))], **mark)
        elif variant == 3:  # fee invoice without its VAT line, the debtor at the gross
            client, fee = _typical_fee(b)
            run = b.month_end(date.month)
            b.post("SI", run, entered_after(run, 1, 4), BILLING, f"{client} - P{int(rng.integers(2300, 2800))} "
                   f"professional fees {run:%b %Y}", [("1100", round(fee * 1.2, 2)), ("4000", -fee)], **mark)
        else:  # payment run with one creditor line lost
            grosses = [round(b.lognormal(SUPPLIERS[s][2], 0.4) * 1.2, 2) for s in rng.choice(SUBCONSULTANTS, 4)]
            b.post("BP", b.on_or_before(date), date, CLERK_1, f"Supplier payment run {date:%d/%m/%Y}",
                   [("2100", g) for g in grosses[:-1]] + [("1200", -round(sum(grosses), 2))], **mark)
    elif kind == "daily_spike":  # one day with many times an account's usual turnover
        date = b.any_day((2, 11))
        variant = k % 4
        count = int(rng.integers(12, 22))
        for _ in range(count):
            if variant == 0:  # travel: a whole team's site-visit claims on one day
                items = [("7500", round(b.lognormal(140, 0.4), 2), 0.0, "rail fare"),
                         ("7501", round(b.lognormal(105, 0.2), 2), 0.0, "hotel")]
                items = [(c, n, _vat(n) if c == "7501" else 0.0, w) for c, n, _, w in items]
                _expense_claim(b, date, entered_after(date, 1, 4), str(rng.choice(STAFF)), items, **mark)
            elif variant == 1:  # subconsultant invoices
                supplier = str(rng.choice(SUBCONSULTANTS))
                _purchase_invoice(b, date, b.next_thursday_batch(date + pd.Timedelta(days=3)), supplier,
                                  b.lognormal(SUPPLIERS[supplier][2], 0.4), CLERK_1, f"{int(rng.integers(10_000, 1_000_000))}",
                                  **mark)
            elif variant == 2:  # rechargeable expenses invoiced to clients
                client, fee = _typical_fee(b)
                _sales_invoice(b, date, entered_after(date), client, "Recharge of disbursements", 0.0,
                               recharge=round(fee * rng.uniform(0.3, 0.8), 2), **mark)
            else:  # stationery and printing
                supplier = str(rng.choice(["Viking Office Supplies", "Midland Plotting Services"]))
                _purchase_invoice(b, date, b.next_thursday_batch(date + pd.Timedelta(days=3)), supplier,
                                  b.lognormal(SUPPLIERS[supplier][2], 0.4), CLERK_1, f"{int(rng.integers(10_000, 1_000_000))}",
                                  **mark)
    else:  # pragma: no cover - KINDS lists every branch
        raise ValueError(kind)


# ---- output ---------------------------------------------------------------------------------------------------

COLUMNS = ["Journal No", "Date", "Entry Date", "Nominal Code", "Nominal Name", "Details", "Debit", "Credit", "User",
           "anomaly_kind", "anomaly_id"]


def generate_services(seed: int = 21, year: int = 2025, per_kind: int = 6) -> pd.DataFrame:
    """A labelled ledger, one row per line; `anomaly_kind` and `anomaly_id` empty on normal lines."""
    b = Books(np.random.default_rng(seed), year)
    _normal_year(b)
    for kind in KINDS:
        for k in range(per_kind):
            _inject(b, kind, k)
    frame = pd.DataFrame(b.lines, columns=_INTERNAL)
    # numbered per series in the order the vouchers were registered (ties: the order they were keyed)
    first = frame.drop_duplicates("doc").sort_values(["entered", "doc"], kind="stable")
    number = first.groupby("series").cumcount() + 1
    names = first["series"] + f"{year % 100}" + number.map("{:05d}".format)
    frame["Journal No"] = frame["doc"].map(dict(zip(first["doc"], names, strict=True)))
    # an audit trail: in registration order, each voucher's lines together
    order = dict(zip(first["doc"], range(len(first)), strict=True))
    frame["order"] = frame["doc"].map(order)
    frame = frame.sort_values(["order"], kind="stable").reset_index(drop=True)
    frame = frame.rename(columns={"date": "Date", "entered": "Entry Date", "code": "Nominal Code",
                                  "name": "Nominal Name", "details": "Details", "debit": "Debit", "credit": "Credit",
                                  "user": "User"})
    return frame[COLUMNS]


def write_services(frame: pd.DataFrame, path: Path) -> Path:
    """The audit-trail CSV: UK dates, an empty cell on the side of a line that carries nothing."""
    out = frame.copy()
    for column in ("Date", "Entry Date"):
        out[column] = out[column].dt.strftime("%d/%m/%Y")
    for column in ("Debit", "Credit"):
        out[column] = out[column].map(lambda v: f"{v:.2f}" if v else "")
    out.to_csv(path, index=False)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    frame = generate_services(args.seed, args.year, args.per_kind)
    write_services(frame, args.out)
    print(describe(args.out, frame, "Journal No"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
