"""A sixth labelled ledger generator, written apart from the others and from the detectors, for held-out evaluation.

Brindley Precision Engineering Ltd, a CNC machining subcontractor in Tipton (West Midlands): turned and milled
components for automotive and aerospace OEMs, about 38 staff, one year (2025) in GBP on a Sage 50 style nominal
ledger (4-digit nominal codes, departments 1 Production, 2 Sales, 3 Administration, 0 balance sheet). The normal
year:

- despatches on factory working days (Monday-Friday; now and then a Saturday overtime shift ships an urgent OEM
  order), invoiced by the sales ledger clerk (Joanne, Monday-Thursday; Friday's despatches wait for Monday; the
  accounts assistant covers her week off in October): three UK OEMs on call-off schedules twice a week (60 days),
  a German and a Dutch customer (zero-rated exports, T0, 60 days), half a dozen regular mid-size customers and some
  thirty small local firms on 30 days; a tooling charge when an OEM launches a part; carriage recharged to small
  customers; the OEMs' annual price review on 1 April; credit notes for rejected batches and for price differences
  the OEMs short-pay; OEMs pay in their own monthly payment runs, small customers late, some by cheque, one goes
  into administration in the autumn and is written off at year end. Scrap swarf sold monthly to a metal recycler;
- suppliers: bright steel bar weekly (a price rise in April), aluminium from Tipton Aluminium until June and from
  Castle Alloys (new supplier) from July, heat treatment weekly, anodising and plating, grinding, cutting tools
  and coolant, industrial gases, carriage, PPE, machine tool servicing, electrical contractors, a skip firm, the
  quarterly rent in advance (to prepayments), the annual insurance premium (February), quarterly electricity and
  gas (the small stores unit's gas at the 5 % de minimis rate), zero-rated water, CAM software maintenance bought
  from Germany under the reverse charge (T22), a new CNC lathe in September (capital, over the approval limit).
  Supplier invoices are entered by the accounts assistant (Sarah) in Tuesday and Thursday batches (a backlog after
  her holiday in June and after the shutdowns) and paid in a fortnightly Friday BACS run, utilities by direct debit;
- monthly payroll via BACS on the last working day (23 December before the Christmas shutdown), posted by the
  finance director from the payroll bureau's journal two or three days before; employer's NIC 13.8 % until April,
  15 % from April (2025 rates); pay rise in April, overtime in the busy months, a Christmas bonus; PAYE/NIC paid to
  HMRC on the 22nd, the NEST pension by direct debit;
- quarterly VAT returns (stagger March/June/September/December) transferred to 2202 by the finance director and
  paid to HMRC a month and seven days after the quarter end;
- direct debits (business rates April-January, telephone, van leases, software), monthly bank charges and loan
  repayments, a company credit card (Barclaycard, entered item by item from the statement, weekend purchases
  included, paid by bank transfer), weekly petty cash with a monthly top-up;
- the finance director's month-end journals, dated the month's last day whatever weekday and entered in the first
  week of the next month (now and then on a Saturday at a quarter end): depreciation, prepayment releases,
  utility accruals reversed on the 1st, a stock movement journal; year-end adjustments entered in January and
  February 2026;
- the factory and the office close two weeks in August and from Christmas Eve to New Year (England & Wales bank
  holidays from the `holidays` package).

Users: SARAHW (accounts assistant), JOANNEB (sales ledger), DFOSTER (finance director). The approval limit: a
purchase invoice of GBP 10 000 or more gross needs the finance director's approval on top of the buyer's
(APPROVAL_LIMIT).

The same anomaly kinds as `generate_ledger.KINDS`, injected as they would happen here (see `_Anomalies`); every line of
an instance carries its kind and `anomaly_id`, normal lines '' for both; a duplicate's label is on the second entry.
Detectors are never tuned on this generator: it is reported as held out.

The export is a Sage 50 Accounts style audit trail in double-entry form, one row per nominal posting, as CSV (comma,
CRLF, plain amounts with a decimal point, dd/mm/yyyy dates), in transaction-number order (numbered in entry order).
Separate Debit and Credit columns; the type per row in Sage's codes (SI, SC, SR, PI, PC, PP, BP, BR, CP, VP, JD/JC);
"A/C" is the customer, supplier or bank account reference (blank on journals). Sage's own headings: "No"
(transaction number), "Type", "Date", "A/C", "N/C" (nominal code), "Dept", "Ref", "Ex.Ref", "Details", "T/C",
"Debit", "Credit", "User Name", "Date Entered" (dd/mm/yyyy hh:mm).

    python -m benchmarks.generate_manufacturing --seed 7 --out manufacturing.csv [--per-kind 6]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import generator_main

YEAR = 2025
APPROVAL_LIMIT = 10_000.0  # GBP gross: from here a purchase invoice needs the finance director's approval too
COLUMNS = ["No", "Type", "Date", "A/C", "N/C", "Dept", "Ref", "Ex.Ref", "Details", "T/C",
           "Debit", "Credit", "User Name", "Date Entered"]
FIRST_NUMBER = 48_213  # the audit trail carries on from earlier years

NOMINALS = {
    "0020": "Plant and Machinery", "0021": "Plant/Machinery Depreciation", "0031": "Office Equipment Depreciation",
    "0051": "Motor Vehicles Depreciation", "1001": "Stock", "1100": "Debtors Control Account",
    "1103": "Prepayments", "1200": "Bank Current Account", "1230": "Petty Cash", "1240": "Company Credit Card",
    "2100": "Creditors Control Account", "2109": "Accruals", "2200": "Sales Tax Control Account",
    "2201": "Purchase Tax Control Account", "2202": "VAT Liability", "2210": "P.A.Y.E.", "2211": "National Insurance",
    "2220": "Net Wages", "2230": "Pension Fund", "2300": "Loans", "4000": "Sales - UK", "4001": "Sales - Export",
    "4002": "Tooling Charges", "4900": "Scrap Sales", "4905": "Carriage Recharged", "5000": "Materials Purchased",
    "5010": "Sub-contract Work", "5100": "Carriage", "5201": "Closing Stock", "5300": "Consumables and Tooling",
    "7000": "Gross Wages", "7005": "Agency Labour", "7006": "Employers N.I.", "7007": "Employers Pensions", "7100": "Rent",
    "7103": "General Rates", "7200": "Electricity", "7201": "Gas", "7202": "Water Rates", "7300": "Fuel and Oil",
    "7400": "Travelling", "7500": "Office Stationery", "7502": "Telephone and Internet", "7503": "Software",
    "7504": "Postage", "7600": "Legal Fees", "7601": "Audit and Accountancy Fees", "7700": "Equipment Hire",
    "7701": "Vehicle Leasing", "7800": "Repairs and Renewals", "7801": "Cleaning", "7802": "Waste Disposal",
    "7850": "Staff Welfare", "7900": "Bank Interest Paid", "7901": "Bank Charges", "7903": "Loan Interest",
    "8000": "Depreciation", "8100": "Bad Debt Write Off", "8204": "Insurance",
}
ASSISTANT, SALES_CLERK, FD, MD = "SARAHW", "JOANNEB", "DFOSTER", "MANAGER"
PRODUCTION, SALES, ADMIN = 1, 2, 3
VAT_RATE = {"T0": 0.0, "T1": 0.20, "T2": 0.0, "T5": 0.05, "T9": 0.0, "T22": 0.20}


# --------------------------------------------------------------------------------------------------- calendar
def bank_holidays(year: int) -> dict[dt.date, str]:
    """England & Wales bank holidays."""
    return dict(sorted(holidays.UK(subdiv="ENG", years=year).items()))


HOLIDAYS = {**bank_holidays(YEAR - 1), **bank_holidays(YEAR), **bank_holidays(YEAR + 1)}
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
SHUTDOWNS = ((dt.date(YEAR - 1, 12, 24), dt.date(YEAR, 1, 3)), (dt.date(YEAR, 8, 4), dt.date(YEAR, 8, 15)),
             (dt.date(YEAR, 12, 24), dt.date(YEAR + 1, 1, 2)))
ABSENCE = {ASSISTANT: (dt.date(YEAR, 6, 9), dt.date(YEAR, 6, 20)), SALES_CLERK: (dt.date(YEAR, 10, 13),
                                                                                  dt.date(YEAR, 10, 17))}
USER_DAYS = {ASSISTANT: (0, 1, 2, 3, 4), SALES_CLERK: (0, 1, 2, 3), FD: (0, 1, 2, 3, 4), MD: (0, 1, 2, 3, 4)}


def days_of_year() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def is_bank_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def in_shutdown(day: dt.date) -> bool:
    return any(a <= day <= b for a, b in SHUTDOWNS)


def is_works_day(day: dt.date) -> bool:
    """A day the factory and the office are open."""
    return is_bank_day(day) and not in_shutdown(day)


def next_bank_day(day: dt.date, after: bool = False) -> dt.date:
    day = day + dt.timedelta(days=1) if after else day
    while not is_bank_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_bank_day(day: dt.date) -> dt.date:
    while not is_bank_day(day):
        day -= dt.timedelta(days=1)
    return day


def month_end(month: int, year: int = YEAR) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def pay_day(month: int) -> dt.date:
    """The last working day of the month; December's before the Christmas shutdown."""
    return previous_bank_day(dt.date(YEAR, 12, 23) if month == 12 else month_end(month))


def user_day(user: str, day: dt.date, weekdays: tuple[int, ...] | None = None) -> dt.date:
    """The user's first working day on or after `day` (on one of `weekdays` if given)."""
    away = ABSENCE.get(user)
    while True:
        if (is_works_day(day) and day.weekday() in (weekdays or USER_DAYS[user])
                and not (away and away[0] <= day <= away[1])):
            return day
        day += dt.timedelta(days=1)


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


# --------------------------------------------------------------------------------------------------- the books
@dataclass
class Line:
    nominal: str
    amount: float  # debit positive
    details: str
    dept: int = 0
    tc: str = "T9"


@dataclass
class Voucher:
    type: str  # SI SC SR PI PC PP BP BR CP VP J (a journal: JD/JC per line)
    date: dt.date
    registered: dt.datetime
    user: str
    lines: list[Line]
    ac: str = ""
    ref: str = ""
    ex_ref: str = ""
    role: str = ""
    party: str = ""
    kind: str = ""
    anomaly_id: str = ""
    seq: int = 0
    paid: bool = True  # an invoice the payment runs / remittances should settle
    terms: int = 30  # days: purchase invoices' payment terms (direct debits: days to collection)


@dataclass(frozen=True)
class Supplier:
    ac: str
    name: str
    nominal: str
    tc: str
    dept: int
    pattern: str  # weekly:<weekday> | fortnightly:<weekday> | monthly:<day> | quarterly:<months>@<day> | jobs:<n/month>
    median: float
    sigma: float
    items: tuple[str, ...]
    terms: int = 30
    dd: bool = False  # paid by direct debit
    active: tuple[int, int] = (1, 12)  # months in which it invoices
    rise: tuple[int, float] = (13, 0.0)  # (month from which, factor) a price rise


SUPPLIERS = [
    Supplier("MIDBRI01", "Midland Bright Steels Ltd", "5000", "T1", PRODUCTION, "weekly:1", 4_300, 0.35,
             ("EN1A bright bar 25mm", "EN8 bright bar 40mm", "EN24T bar 63.5mm", "303 stainless bar 20mm",
              "EN16T bar 50mm"), 45, rise=(4, 1.06)),
    Supplier("TIPALU01", "Tipton Aluminium Supplies Ltd", "5000", "T1", PRODUCTION, "weekly:3", 2_100, 0.4,
             ("6082-T6 round bar 50mm", "6082 plate 20mm", "7075-T6 bar 38mm"), 30, active=(1, 6)),
    Supplier("CASALL01", "Castle Alloys Ltd", "5000", "T1", PRODUCTION, "weekly:3", 2_300, 0.4,
             ("6082-T6 round bar 50mm", "7075-T6 plate 25mm", "6061 bar 32mm"), 30, active=(7, 12)),
    Supplier("WOLHEA01", "Wolverhampton Heat Treatment Ltd", "5010", "T1", PRODUCTION, "weekly:4", 1_150, 0.45,
             ("Harden and temper", "Case harden to 0.8mm", "Stress relieve", "Induction harden"), 30),
    Supplier("BCANOD01", "Black Country Anodising Ltd", "5010", "T1", PRODUCTION, "fortnightly:2", 1_600, 0.45,
             ("Hard anodise black", "Clear anodise", "Zinc plate and passivate"), 30),
    Supplier("PRECGR01", "Precision Grinding (Walsall) Ltd", "5010", "T1", PRODUCTION, "jobs:1.5", 1_900, 0.6,
             ("Centreless grind", "Cylindrical grind to 0.005"), 30),
    Supplier("BRICUT01", "Brierley Cutting Tools Ltd", "5300", "T1", PRODUCTION, "weekly:2", 780, 0.6,
             ("Carbide inserts CNMG", "Solid carbide end mills", "Drills and taps", "Parting blades"), 30),
    Supplier("COOLUB01", "Coolant & Lubricants (Midlands) Ltd", "5300", "T1", PRODUCTION, "monthly:12", 640, 0.3,
             ("Soluble coolant 205L", "Slideway oil 20L"), 30),
    Supplier("INDGAS01", "Industrial Gases Direct Ltd", "5300", "T1", PRODUCTION, "monthly:3", 210, 0.2,
             ("Cylinder rental and argon",), 30, dd=True),
    Supplier("SAFEWE01", "SafeWear PPE Supplies Ltd", "5300", "T1", PRODUCTION, "jobs:0.7", 320, 0.5,
             ("Gloves and safety glasses", "Safety boots", "Hi-vis and overalls"), 30),
    Supplier("MIDCAR01", "Midshires Carriers Ltd", "5100", "T1", SALES, "weekly:0", 460, 0.35,
             ("Pallet deliveries week", "Next day courier consignments"), 30),
    Supplier("APEXMT01", "Apex Machine Tool Services Ltd", "7800", "T1", PRODUCTION, "jobs:0.9", 1_050, 0.7,
             ("Service visit Doosan lathe", "Spindle repair Haas VF2", "Ballscrew replacement", "Annual service"), 30),
    Supplier("DUDELE01", "Dudley Electrical Contractors", "7800", "T1", PRODUCTION, "jobs:0.5", 620, 0.6,
             ("Electrical repairs", "Three phase socket installation", "Lighting repairs"), 30),
    Supplier("SKIPCO01", "Sandwell Skip Hire Ltd", "7802", "T1", PRODUCTION, "monthly:28", 385, 0.15,
             ("General waste skip exchange", "Oily waste collection"), 30),
    Supplier("DUDSTA01", "Dudley Stainless Stockholders Ltd", "5000", "T1", PRODUCTION, "fortnightly:2", 2_600,
             0.45, ("316 stainless bar 25mm", "17-4PH bar 30mm", "303 hex bar 22mm"), 30, rise=(4, 1.04)),
    Supplier("WEDFAS01", "Wednesbury Fasteners Ltd", "5000", "T1", PRODUCTION, "weekly:2", 340, 0.5,
             ("Socket caps and dowels", "Circlips and washers", "Helicoil inserts"), 30),
    Supplier("KINGAG01", "Kingfisher Recruitment (Agency)", "7005", "T1", PRODUCTION, "weekly:1", 1_750, 0.3,
             ("Temporary operators week ending",), 14, active=(2, 11)),
    Supplier("WORKWE01", "Johnsons Workwear Rental", "7801", "T1", PRODUCTION, "fortnightly:3", 168, 0.1,
             ("Overalls and wipers rental",), 30),
    Supplier("SECURI01", "Sentinel Alarm Monitoring Ltd", "7800", "T1", ADMIN, "monthly:1", 96, 0.0,
             ("Intruder alarm monitoring",), 30, dd=True),
    Supplier("CALIBR01", "Metrology Calibration Services", "7800", "T1", PRODUCTION, "quarterly:2,5,8,11@20", 740,
             0.2, ("Gauge and CMM calibration",), 30),
    Supplier("OFFICE01", "Viking Office Supplies", "7500", "T1", ADMIN, "jobs:0.8", 145, 0.5,
             ("Stationery", "Printer toner"), 30),
    Supplier("MERENE01", "Mercia Energy Business", "7200", "T1", PRODUCTION, "quarterly:1,4,7,10@9", 13_800, 0.1,
             ("Electricity supply quarter",), 14, dd=True),
    Supplier("BGBGAS01", "British Gas Business", "7201", "T1", PRODUCTION, "quarterly:1,4,7,10@14", 3_200, 0.2,
             ("Gas supply Unit 4 quarter",), 14, dd=True),
    Supplier("BGBGAS02", "British Gas Business (Unit 7)", "7201", "T5", PRODUCTION, "quarterly:1,4,7,10@14", 310,
             0.2, ("Gas supply Unit 7 quarter (de minimis)",), 14, dd=True),
    Supplier("SSWATE01", "South Staffs Water Business", "7202", "T0", PRODUCTION, "quarterly:2,5,8,11@6", 540, 0.1,
             ("Water and sewerage quarter",), 14, dd=True),
    Supplier("OPENMI01", "OPEN MIND Technologies AG", "7503", "T22", ADMIN, "quarterly:1,4,7,10@2", 1_450, 0.0,
             ("hyperMILL maintenance quarter",), 30),
    Supplier("ACCOUN01", "Hollis Whitehouse Chartered Accountants", "7601", "T1", ADMIN, "quarterly:3,6,9@20",
             1_250, 0.1, ("Quarterly accounts and VAT review",), 30),
]
SUPPLIER = {s.ac: s for s in SUPPLIERS}
LANDLORD = ("TIPPRO01", "Tipton Industrial Properties LLP")
INSURER = ("ARTHUR01", "Arthur J Gallagher Insurance Brokers")
LATHE = ("DOOSAN01", "Mills CNC Ltd")


@dataclass(frozen=True)
class Customer:
    ac: str
    name: str
    kind: str  # oem | export | mid | small
    parts: tuple[tuple[str, float], ...]  # (part, unit price)
    per_week: float  # despatches a week
    qty: tuple[int, int]
    terms: int
    pay_day: int = 0  # OEMs: the day of the month of their payment run (-1: last Friday)


CUSTOMERS = [
    Customer("MERAUT01", "Mercia Automotive Systems Ltd", "oem",
             (("MAS-4471 hub spacer", 3.84), ("MAS-4472 bearing sleeve", 6.12), ("MAS-5108 drive pin", 1.27),
              ("MAS-5120 pump shaft", 11.35)), 4.2, (300, 1500), 60, -1),
    Customer("TRENTA01", "Trent Aero Components plc", "oem",
             (("TAC-88120 bush 7075", 28.40), ("TAC-88133 bracket", 64.50), ("TAC-90211 spigot", 19.75)),
             2.4, (40, 260), 60, 25),
    Customer("COVDRI01", "Coventry Drivetrain Ltd", "oem",
             (("CD-2231 gear blank", 14.20), ("CD-2240 output flange", 22.85), ("CD-2307 spline adaptor", 9.60)),
             3.0, (120, 700), 60, 15),
    Customer("KESSLE01", "Kessler Antriebstechnik GmbH", "export",
             (("KA-70031 Welle", 17.90), ("KA-70044 Buchse", 5.35)), 1.3, (200, 900), 60, 10),
    Customer("VANDIJ01", "Van Dijk Hydrauliek BV", "export",
             (("VDH-3310 manifold block", 42.60), ("VDH-3318 end cap", 8.15)), 0.8, (50, 300), 60, 20),
    Customer("SEVHYD01", "Severn Hydraulics Ltd", "mid", (("Cylinder rod end", 12.40), ("Gland nut", 7.80)),
             1.8, (50, 300), 30),
    Customer("BCPUMP01", "Black Country Pumps Ltd", "mid", (("Impeller shaft", 24.50), ("Shaft sleeve", 6.90)),
             1.5, (30, 200), 30),
    Customer("WREKIN01", "Wrekin Packaging Machinery Ltd", "mid", (("Guide roller", 18.60), ("Cam follower pin", 4.20)),
             1.1, (20, 150), 30),
    Customer("LICHFI01", "Lichfield Fluid Power Ltd", "mid", (("Valve spool", 21.30), ("Poppet seat", 3.95)),
             1.4, (40, 250), 30),
    Customer("STOURB01", "Stourbridge Marine Engineering", "mid", (("Propshaft coupling", 55.00),), 0.35, (10, 60),
             30),
    Customer("MALVER01", "Malvern Medical Devices Ltd", "mid", (("Instrument handle 316", 9.75), ("Luer adaptor", 3.10)),
             1.0, (100, 500), 30),
]
_SMALL_NAMES = ["Acme Gears", "Bilston Fabrications", "Cradley Conveyor Services", "Darlaston Fixings",
                "Halesowen Tooling", "Kingswinford Automation", "Netherton Motorsport", "Oldbury Mouldings",
                "Pensnett Presswork", "Quarry Bank Engineering", "Rowley Robotics", "Smethwick Springs",
                "Tividale Test Rigs", "Wednesbury Welding", "Willenhall Locks", "Brierley Hill Hydraulics",
                "Cannock Chassis Works", "Dudley Design & Build", "Kidderminster Kilns", "Lye Lifting Gear",
                "Bromsgrove Brakes", "Redditch Needle Works", "Stafford Special Machines", "Telford Test Services",
                "Walsall Saddlery Machines", "Aldridge Air Systems", "Sedgley Stairlifts", "Wombourne Welding Supplies",
                "Coseley Cranes", "Gornal Gearboxes"]
for _i, _name in enumerate(_SMALL_NAMES):
    CUSTOMERS.append(Customer(f"{_name.split()[0][:6].upper()}{_i % 9 + 1:02d}", f"{_name} Ltd", "small",
                              ((f"Machined part to drg {2100 + 37 * _i}", 4.0 + 3.3 * (_i % 11)),
                               (f"Modification to drg {3050 + 53 * _i}", 9.0 + 2.1 * (_i % 7))),
                              0.14 + 0.04 * (_i % 5), (5, 120), 30))
CUSTOMER = {c.ac: c for c in CUSTOMERS}
FAILED_CUSTOMER = "NETHER07"  # Netherton Motorsport: administration in October, written off at year end
SEASON = (0.85, 1.0, 1.15, 1.0, 1.0, 1.05, 0.95, 0.75, 1.05, 1.1, 1.1, 0.8)


class _Books:
    """The firm's normal year."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.vouchers: list[Voucher] = []
        self._seq = 0
        self.invoice_no = 31_406  # sales invoice and credit note numbers (one sequence)
        self.supplier_refs: dict[str, int] = {s.ac: int(self.rng.integers(1_000, 90_000)) for s in SUPPLIERS}
        self.payroll_liab: dict[int, tuple[float, float, float]] = {}  # month -> (PAYE, NIC, pension)

    # ---------------------------------------------------------------------------------------------- helpers
    def at(self, day: dt.date, hours: tuple[float, float] = (8.75, 16.5)) -> dt.datetime:
        minutes = int(self.rng.integers(int(hours[0] * 60), int(hours[1] * 60)))
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)

    def add(self, vtype: str, date: dt.date, registered: dt.datetime, user: str, lines: list[Line],
            **kw) -> Voucher:
        self._seq += 1
        v = Voucher(vtype, date, registered, user, lines, seq=self._seq, **kw)
        self.vouchers.append(v)
        return v

    def entered_by(self, user: str, day: dt.date, lag: int = 0, weekdays: tuple[int, ...] | None = None,
                   hours: tuple[float, float] = (8.75, 16.5)) -> dt.datetime:
        return self.at(user_day(user, day + dt.timedelta(days=lag), weekdays), hours)

    def lognormal(self, median: float, sigma: float) -> float:
        return float(median * np.exp(sigma * self.rng.standard_normal()))

    def next_invoice_no(self) -> str:
        self.invoice_no += 1
        return str(self.invoice_no)

    # ---------------------------------------------------------------------------------------------- sales
    def sales_invoice(self, cust: Customer, day: dt.date, lines: list[tuple[str, str, float]],
                      registered: dt.datetime | None = None, user: str = SALES_CLERK, vat_rate: float | None = None,
                      role: str = "sale", paid: bool = True, ex_ref: str = "") -> Voucher:
        """An SI: lines (nominal, details, net); T1 for UK customers, T0 for exports."""
        tc = "T0" if cust.kind == "export" else "T1"
        rate = VAT_RATE[tc] if vat_rate is None else vat_rate
        net = r2(sum(n for _, _, n in lines))
        vat = r2(net * rate)
        number = self.next_invoice_no()
        out = [Line("1100", r2(net + vat), lines[0][1], 0, tc)]
        out += [Line(nom, -r2(n), text, SALES, tc) for nom, text, n in lines]
        if vat:
            out.append(Line("2200", -vat, lines[0][1], 0, tc))
        if registered is None:
            user, registered = self.clerk_entry(day)
        return self.add("SI", day, registered, user, out, ac=cust.ac, ref=number, ex_ref=ex_ref, role=role,
                        party=cust.ac, paid=paid)

    def clerk_entry(self, day: dt.date) -> tuple[str, dt.datetime]:
        """Joanne invoices despatches on her next working day on or after the despatch (the same afternoon);
        Sarah covers when that would be more than four days later (Joanne's week off)."""
        hours = (13.0, 17.0) if is_works_day(day) else (9.0, 12.5)
        if (user_day(SALES_CLERK, day) - day).days > 4:
            return ASSISTANT, self.entered_by(ASSISTANT, day, hours=hours)
        return SALES_CLERK, self.entered_by(SALES_CLERK, day, hours=hours)

    def despatch_lines(self, cust: Customer, day: dt.date) -> list[tuple[str, str, float]]:
        n = 1 + int(self.rng.binomial(len(cust.parts) - 1, 0.45)) if len(cust.parts) > 1 else 1
        idx = self.rng.choice(len(cust.parts), size=n, replace=False)
        rise = 1.03 if cust.kind in ("oem", "export") and day >= dt.date(YEAR, 4, 1) else 1.0
        out = []
        for i in sorted(idx):
            part, price = cust.parts[int(i)]
            lo, hi = cust.qty
            qty = int(round(self.rng.uniform(lo, hi) * SEASON[day.month - 1] / 10.0)) * 10 or 10
            unit = round(price * rise, 2)
            nominal = "4001" if cust.kind == "export" else "4000"
            out.append((nominal, f"{part} x {qty}", qty * unit))
        if cust.kind == "small" and self.rng.random() < 0.4:
            out.append(("4905", "Carriage", float(self.rng.choice([12.5, 18.0, 25.0, 35.0]))))
        return out

    def sales(self) -> None:
        for cust in CUSTOMERS:
            for day in days_of_year():
                if not is_works_day(day) or day.month == 12 and day.day > 22:
                    continue
                p = cust.per_week / 5 * SEASON[day.month - 1]
                if cust.ac == FAILED_CUSTOMER and day >= dt.date(YEAR, 10, 20):
                    continue
                if self.rng.random() < p:
                    dn = f"DN{int(self.rng.integers(10_000, 99_999))}"
                    self.sales_invoice(cust, day, self.despatch_lines(cust, day), ex_ref=dn)
        # Saturday overtime shifts shipping urgent OEM orders
        saturdays = [d for d in days_of_year() if d.weekday() == 5 and not in_shutdown(d)
                     and d.month in (3, 6, 9, 10, 11)]
        for i in self.rng.choice(len(saturdays), size=5, replace=False):
            day = saturdays[int(i)]
            cust = CUSTOMER[str(self.rng.choice(["MERAUT01", "COVDRI01"]))]
            self.sales_invoice(cust, day, self.despatch_lines(cust, day), ex_ref="Saturday shift")
        # tooling charges on new parts
        for month, ac, amount in ((2, "TRENTA01", 4_850.0), (5, "MERAUT01", 2_900.0), (9, "COVDRI01", 6_400.0),
                                  (10, "KESSLE01", 3_150.0)):
            day = user_day(SALES_CLERK, dt.date(YEAR, month, int(self.rng.integers(3, 20))))
            self.sales_invoice(CUSTOMER[ac], day, [("4002", "Tooling charge new part", amount)],
                               registered=self.at(day, (10, 16)))
        # credit notes for rejected batches
        normal_si = [v for v in self.vouchers if v.type == "SI" and v.role == "sale"]
        for i in sorted(self.rng.choice(len(normal_si), size=max(1, len(normal_si) // 40), replace=False)):
            v = normal_si[int(i)]
            day = user_day(SALES_CLERK, v.date + dt.timedelta(days=int(self.rng.integers(5, 30))))
            if day > LAST:
                continue
            share = float(self.rng.choice([0.1, 0.2, 0.25, 0.5, 1.0]))
            self.credit_note(v, day, share, f"Rejected batch - credit to inv {v.ref}")

    def credit_note(self, invoice: Voucher, day: dt.date, share: float, text: str, user: str = SALES_CLERK,
                    role: str = "credit") -> Voucher:
        lines = [Line(ln.nominal, -r2(ln.amount * share), text if ln.nominal in ("1100", "2200") else ln.details,
                      ln.dept, ln.tc) for ln in invoice.lines]
        lines[0].amount = -r2(sum(ln.amount for ln in lines[1:]))
        return self.add("SC", day, self.at(day, (9.0, 16.5)), user, lines, ac=invoice.ac,
                        ref=self.next_invoice_no(), ex_ref=invoice.ref, role=role, party=invoice.party)

    def receipts(self) -> None:
        """Customers pay: OEMs in their monthly runs what is 60 days old, others late or on time, some short."""
        by_cust: dict[str, list[Voucher]] = defaultdict(list)
        credits: dict[str, float] = defaultdict(float)
        for v in self.vouchers:
            if v.type == "SI" and v.paid and v.lines[0].nominal == "1100":
                by_cust[v.party].append(v)
            elif v.type == "SC" and v.role == "credit":
                credits[v.party] += v.lines[0].amount
        short_paid = set()
        for ac in sorted(by_cust):
            cust = CUSTOMER[ac]
            invoices = sorted(by_cust[ac], key=lambda v: v.date)
            groups: dict[dt.date, list[Voucher]] = defaultdict(list)
            if cust.kind in ("oem", "export"):
                runs = []
                for m in range(1, 13):
                    if cust.pay_day == -1:
                        d = month_end(m)
                        while d.weekday() != 4:
                            d -= dt.timedelta(days=1)
                    else:
                        d = dt.date(YEAR, m, cust.pay_day)
                    runs.append(previous_bank_day(d))
                for v in invoices:
                    due = v.date + dt.timedelta(days=cust.terms)
                    run = next((r for r in runs if r >= due), None)
                    if run is not None:
                        groups[run].append(v)
            else:
                for v in invoices:
                    late = int(self.rng.choice([-3, 0, 2, 5, 9, 14, 21, 30, 45], p=[.05, .2, .15, .15, .15, .1, .1,
                                                                                    .06, .04]))
                    pay = next_bank_day(v.date + dt.timedelta(days=cust.terms + late))
                    if pay.weekday() == 0 and self.rng.random() < 0.5:
                        pay = next_bank_day(pay, after=True)
                    if ac != FAILED_CUSTOMER or pay < dt.date(YEAR, 9, 1):
                        groups[pay].append(v)
            cheque = cust.kind == "small" and self.rng.random() < 0.3
            for pay in sorted(groups):
                if pay > LAST:
                    continue
                total = r2(sum(v.lines[0].amount for v in groups[pay]))
                if credits.get(ac, 0.0) < 0 and total + credits[ac] > 0:
                    total = r2(total + credits[ac])
                    credits[ac] = 0.0
                text = "Sales Receipt"
                if cust.kind == "oem" and ac not in short_paid and pay.month in (5, 6) and len(groups[pay]) > 2:
                    # remittance at the old price: short by the April price review, credited later
                    short = r2(total * float(self.rng.uniform(0.012, 0.025)))
                    total = r2(total - short)
                    short_paid.add(ac)
                    inv = groups[pay][-1]
                    cday = user_day(SALES_CLERK, pay + dt.timedelta(days=int(self.rng.integers(10, 30))))
                    share = short / inv.lines[0].amount
                    self.credit_note(inv, cday, share, f"Price difference per remittance - inv {inv.ref}",
                                     role="price_credit")
                    text = "Sales Receipt - part payment"
                ref = f"CHQ {int(self.rng.integers(100_000, 999_999))}" if cheque else "BACS"
                reg = self.entered_by(SALES_CLERK, pay, hours=(9.0, 12.0))
                self.add("SR", pay, reg, SALES_CLERK, [Line("1200", total, text, 0, "T9"),
                                                       Line("1100", -total, text, 0, "T9")],
                         ac=ac, ref=ref, role="receipt", party=ac)

    def scrap(self) -> None:
        for m in range(1, 13):
            day = next_bank_day(dt.date(YEAR, m, int(self.rng.integers(8, 20))))
            net = r2(self.lognormal(1_350 * SEASON[m - 1], 0.25))
            vat = r2(net * 0.2)
            text = f"Swarf and offcuts collected {m:02d}/{YEAR}"
            self.add("BR", day, self.bank_entry(day), ASSISTANT,
                     [Line("1200", r2(net + vat), text, 0, "T1"), Line("4900", -net, text, PRODUCTION, "T1"),
                      Line("2200", -vat, text, 0, "T1")], ac="1200", ref="BACS", role="bank")

    # ---------------------------------------------------------------------------------------------- purchases
    def bank_entry(self, day: dt.date) -> dt.datetime:
        """Sarah enters the bank from the online statement on Mondays, Wednesdays and Fridays."""
        return self.entered_by(ASSISTANT, day, 1, weekdays=(0, 2, 4), hours=(9.0, 11.5))

    def batch_entry(self, received: dt.date) -> dt.datetime:
        """Sarah's Tuesday and Thursday purchase invoice batches."""
        return self.entered_by(ASSISTANT, received, weekdays=(1, 3), hours=(9.5, 16.0))

    def purchase_invoice(self, sup: Supplier | tuple[str, str], day: dt.date, net: float, details: str,
                         nominal: str | None = None, tc: str | None = None, dept: int | None = None,
                         registered: dt.datetime | None = None, user: str = ASSISTANT, role: str = "purchase",
                         credit: bool = False, ref: str | None = None, terms: int = 30, dd: bool = False) -> Voucher:
        if isinstance(sup, Supplier):
            ac, nominal, tc, dept = sup.ac, nominal or sup.nominal, tc or sup.tc, sup.dept if dept is None else dept
            terms, dd = sup.terms, sup.dd
        else:
            ac = sup[0]
        assert nominal and tc and dept is not None
        sign = -1.0 if credit else 1.0
        net = r2(net)
        vat = r2(net * VAT_RATE[tc])
        lines = [Line(nominal, sign * net, details, dept, tc)]
        if tc == "T22":  # reverse charge: input and output VAT on the same invoice
            lines += [Line("2201", sign * vat, details, 0, tc), Line("2200", -sign * vat, details, 0, tc)]
            vat = 0.0
        elif vat:
            lines.append(Line("2201", sign * vat, details, 0, tc))
        lines.append(Line("2100", -sign * r2(net + vat), details, 0, tc))
        if ref is None:
            self.supplier_refs[ac] = self.supplier_refs.get(ac, 5_000) + int(self.rng.integers(1, 40))
            ref = f"{'CN' if credit else ''}{self.supplier_refs[ac]}"
        if registered is None:
            registered = self.batch_entry(day + dt.timedelta(days=int(self.rng.integers(1, 5))))
        v = self.add("PC" if credit else "PI", day, registered, user, lines, ac=ac, ref=ref, role=role, party=ac)
        v.ex_ref = f"PO{int(self.rng.integers(8_000, 9_999))}" if nominal in ("5000", "5010", "5300") else ""
        v.paid, v.terms = not dd, terms
        return v

    def invoice_days(self, sup: Supplier) -> list[dt.date]:
        kind, _, arg = sup.pattern.partition(":")
        days: list[dt.date] = []
        if kind in ("weekly", "fortnightly"):
            step = 7 if kind == "weekly" else 14
            day = FIRST + dt.timedelta(days=(int(arg) - FIRST.weekday()) % 7)
            while day <= LAST:
                jitter = day + dt.timedelta(days=int(self.rng.choice([-1, 0, 0, 0, 1])))
                if is_works_day(jitter):
                    days.append(jitter)
                elif jitter.weekday() == 5 and not in_shutdown(jitter) and sup.nominal == "5000" \
                        and self.rng.random() < 0.5:
                    days.append(jitter)  # a Saturday-morning delivery, invoiced on the day
                day += dt.timedelta(days=step)
        elif kind == "monthly":
            days = [next_bank_day(dt.date(YEAR, m, int(arg))) for m in range(1, 13)]
        elif kind == "quarterly":
            months, _, dom = arg.partition("@")
            days = [next_bank_day(dt.date(YEAR, int(m), int(dom))) for m in months.split(",")]
        else:  # jobs
            for m in range(1, 13):
                month_days = [d for d in days_of_year() if d.month == m and is_works_day(d)]
                for _ in range(int(self.rng.poisson(float(arg) * SEASON[m - 1]))):
                    days.append(month_days[int(self.rng.integers(len(month_days)))])
        return sorted(d for d in days if sup.active[0] <= d.month <= sup.active[1])

    def purchases(self) -> None:
        for sup in SUPPLIERS:
            days = self.invoice_days(sup)
            for i, day in enumerate(days):
                season = SEASON[day.month - 1] if sup.nominal in ("5000", "5010", "5100", "5300") else 1.0
                net = self.lognormal(sup.median * season, sup.sigma)
                if day.month >= sup.rise[0]:
                    net *= sup.rise[1]
                if sup.ac == "CASALL01" and i == 0:
                    net *= 0.3  # the trial order
                details = sup.items[int(self.rng.integers(len(sup.items)))]
                if sup.pattern.startswith("quarterly"):
                    details = f"{details} to {month_end(((day.month - 2) % 12) + 1, YEAR - (day.month == 1)):%d/%m/%y}"
                self.purchase_invoice(sup, day, net, details)
                if sup.nominal in ("5000", "5010") and self.rng.random() < 0.03:
                    cday = day + dt.timedelta(days=int(self.rng.integers(4, 25)))
                    if cday <= LAST and is_works_day(cday):
                        self.purchase_invoice(sup, cday, net * float(self.rng.choice([0.1, 0.25, 0.5])),
                                              f"Credit - returned {details}", credit=True, role="purchase_credit")
        # rent quarterly in advance to prepayments, the annual insurance premium, the new lathe
        for quarter_day in (dt.date(YEAR, 3, 25), dt.date(YEAR, 6, 24), dt.date(YEAR, 9, 29), dt.date(YEAR, 12, 25)):
            day = previous_bank_day(quarter_day - dt.timedelta(days=14))
            self.purchase_invoice(LANDLORD, day, 14_250.0, f"Rent Units 4 and 7 quarter from {quarter_day:%d/%m/%Y}",
                                  nominal="1103", tc="T1", dept=0, terms=14)
        day = dt.date(YEAR, 2, 3)
        self.purchase_invoice(INSURER, day, 18_640.0, "Combined commercial insurance renewal 01/02/2025",
                              nominal="1103", tc="T2", dept=0, terms=14)
        day = dt.date(YEAR, 9, 16)
        self.purchase_invoice(LATHE, day, 86_400.0, "Doosan Lynx 2100LMB lathe with bar feed", nominal="0020",
                              tc="T1", dept=PRODUCTION, terms=30)
        self.purchase_invoice(LATHE, dt.date(YEAR, 10, 2), 1_850.0, "Installation and operator training Lynx",
                              nominal="7800", tc="T1", dept=PRODUCTION, terms=30)

    def payment_runs(self) -> None:
        """A fortnightly Friday BACS run pays each supplier what is due (net of its credit notes); direct debits
        are collected a fortnight after the invoice."""
        runs = []
        day = dt.date(YEAR, 1, 10)
        while day <= LAST:
            run = previous_bank_day(day)
            if not in_shutdown(run):
                runs.append(run)
            day += dt.timedelta(days=14)
        open_items: dict[str, list[Voucher]] = defaultdict(list)
        for v in sorted(self.vouchers, key=lambda v: v.seq):
            if v.type not in ("PI", "PC"):
                continue
            if not v.paid and v.type == "PI":  # direct debit
                collect = next_bank_day(v.date + dt.timedelta(days=v.terms))
                if collect <= LAST:
                    gross = -v.lines[-1].amount
                    self.add("PP", collect, self.bank_entry(collect), ASSISTANT,
                             [Line("2100", gross, "Direct Debit", 0, "T9"), Line("1200", -gross, "Direct Debit", 0,
                                                                                    "T9")],
                             ac=v.ac, ref="DD", role="dd", party=v.ac)
                continue
            if v.paid:
                open_items[v.ac].append(v)
        for run in runs:
            for ac in sorted(open_items):
                due = [v for v in open_items[ac] if v.registered.date() < run
                       and (v.type == "PC" or v.date + dt.timedelta(days=v.terms) <= run
                            + dt.timedelta(days=4))]
                total = r2(sum(-v.lines[-1].amount for v in due))
                if not due or total <= 0 or all(v.type == "PC" for v in due):
                    continue
                for v in due:
                    open_items[ac].remove(v)
                self.add("PP", run, self.at(run, (10.0, 12.0)), ASSISTANT,
                         [Line("2100", total, "Purchase Payment", 0, "T9"),
                          Line("1200", -total, "Purchase Payment", 0, "T9")], ac=ac, ref="BACS", role="payment",
                         party=ac)

    # ---------------------------------------------------------------------------------------------- payroll, tax
    def payroll(self) -> None:
        heads = 38
        for m in range(1, 13):
            heads += int(self.rng.choice([-1, 0, 0, 0, 1]))
            day = pay_day(m)
            rise = 1.045 if m >= 4 else 1.0
            overtime = {3: 1.08, 6: 1.04, 9: 1.06, 10: 1.08, 11: 1.07, 8: 0.97}.get(m, 1.0)
            works = r2(heads * 0.8 * 2_780 * rise * overtime * float(self.rng.uniform(0.98, 1.02)))
            office = r2(heads * 0.2 * 3_350 * rise)
            if m == 12:
                works, office = r2(works + heads * 0.8 * 250), r2(office + heads * 0.2 * 250)
            gross = works + office
            ers_rate, threshold = (0.138, 758.0) if m < 4 else (0.15, 417.0)
            ers_ni = r2(max(0.0, gross - heads * threshold) * ers_rate)
            ees_ni = r2(max(0.0, gross - heads * 1_048) * 0.08)
            paye = r2(max(0.0, gross - heads * 1_048) * 0.2 * float(self.rng.uniform(0.97, 1.03)))
            ees_pen, ers_pen = r2(gross * 0.05 * 0.85), r2(gross * 0.03 * 0.85)
            net = r2(gross - paye - ees_ni - ees_pen)
            text = f"Payroll {day:%B %Y}"
            lines = [Line("7000", works, f"{text} - works", PRODUCTION), Line("7000", office, f"{text} - staff", ADMIN),
                     Line("7006", ers_ni, text, ADMIN), Line("7007", ers_pen, text, ADMIN),
                     Line("2210", -paye, text), Line("2211", -r2(ers_ni + ees_ni), text),
                     Line("2230", -r2(ees_pen + ers_pen), text), Line("2220", -net, text)]
            posted = previous_bank_day(day - dt.timedelta(days=int(self.rng.integers(2, 4))))
            self.add("J", day, self.at(posted, (14.0, 17.5)), FD, lines, ref=f"PAY{m:02d}", role="payroll")
            self.add("BP", day, self.bank_entry(day), ASSISTANT, [Line("2220", net, "Net wages BACS"),
                                                                    Line("1200", -net, "Net wages BACS")],
                     ac="1200", ref="BACS", role="wages")
            self.payroll_liab[m] = (paye, r2(ers_ni + ees_ni), r2(ees_pen + ers_pen))
        self.payroll_liab[0] = (r2(self.payroll_liab[1][0] * 1.05), r2(self.payroll_liab[1][1] * 1.02),
                                self.payroll_liab[1][2])
        for m in range(1, 13):
            paye, nic, pension = self.payroll_liab[m - 1]
            day = previous_bank_day(dt.date(YEAR, m, 22))
            self.add("BP", day, self.bank_entry(day), ASSISTANT,
                     [Line("2210", paye, f"HMRC PAYE month {((m + 7) % 12) + 1}"),
                      Line("2211", nic, f"HMRC NIC month {((m + 7) % 12) + 1}"),
                      Line("1200", -r2(paye + nic), "HMRC PAYE/NIC")], ac="1200", ref="HMRC", role="hmrc")
            day = next_bank_day(dt.date(YEAR, m, 19))
            self.add("BP", day, self.bank_entry(day), ASSISTANT,
                     [Line("2230", pension, "NEST pension contributions"),
                      Line("1200", -pension, "NEST pension contributions")], ac="1200", ref="DD", role="dd_bank")

    def direct_debits(self) -> None:
        """Bank payments straight to the nominal ledger: rates, telephone, leases, software, bank, loan."""
        plans = [  # (day of month, nominal, tc, dept, net, text, months, sigma)
            (1, "7103", "T9", ADMIN, 2_310.0, "Sandwell MBC business rates", (1, 4, 5, 6, 7, 8, 9, 10, 11, 12), 0.0),
            (5, "7502", "T1", ADMIN, 186.0, "BT Business broadband and lines", range(1, 13), 0.08),
            (1, "7701", "T1", SALES, 612.0, "Van lease x2 - Lex Autolease", range(1, 13), 0.0),
            (12, "7503", "T1", ADMIN, 96.0, "Sage 50 Accounts subscription", range(1, 13), 0.0),
            (15, "7700", "T1", PRODUCTION, 328.0, "Compressor rental - Atlas Copco", range(1, 13), 0.0),
            (3, "7300", "T1", SALES, 420.0, "Fuel card - monthly statement", range(1, 13), 0.2),
        ]
        for dom, nominal, tc, dept, net, text, months, sigma in plans:
            for m in months:
                day = next_bank_day(dt.date(YEAR, m, dom))
                amount = r2(self.lognormal(net, sigma)) if sigma else net
                if nominal == "7103" and m >= 4:
                    amount = 2_402.0  # the new rating year
                vat = r2(amount * VAT_RATE[tc])
                lines = [Line(nominal, amount, text, dept, tc)]
                if vat:
                    lines.append(Line("2201", vat, text, 0, tc))
                lines.append(Line("1200", -r2(amount + vat), text, 0, tc))
                self.add("BP", day, self.bank_entry(day), ASSISTANT, lines, ac="1200", ref="DD", role="dd_bank")
        for m in range(1, 13):
            day = next_bank_day(dt.date(YEAR, m, 2))
            fee = r2(self.lognormal(68.0, 0.25))
            self.add("BP", day, self.bank_entry(day), ASSISTANT,
                     [Line("7901", fee, "Bank charges", ADMIN, "T2"), Line("1200", -fee, "Bank charges", 0, "T2")],
                     ac="1200", ref="CHGS", role="bank")
            day = next_bank_day(dt.date(YEAR, m, 15))
            interest = r2(1_420.0 * (1 - (m - 1) / 60) * float(self.rng.uniform(0.97, 1.03)))
            self.add("BP", day, self.bank_entry(day), ASSISTANT,
                     [Line("2300", 2_500.0, "Lloyds loan repayment"), Line("7903", interest, "Lloyds loan interest",
                                                                           ADMIN),
                      Line("1200", -r2(2_500.0 + interest), "Lloyds loan repayment")], ac="1200", ref="DD",
                     role="bank")

    def card_and_petty_cash(self) -> None:
        card = [("Amazon Business", "5300", "T1", PRODUCTION, 85, 0.8), ("Screwfix", "5300", "T1", PRODUCTION, 60, 0.6),
                ("Premier Inn", "7400", "T1", SALES, 95, 0.3), ("Trainline", "7400", "T0", SALES, 78, 0.5),
                ("NCP parking", "7400", "T1", SALES, 14, 0.4), ("Royal Mail Click and Drop", "7504", "T2", ADMIN, 32, 0.5),
                ("Microsoft 365", "7503", "T1", ADMIN, 118, 0.0), ("RS Components", "5300", "T1", PRODUCTION, 140, 0.7)]
        for m in range(1, 13):
            statement = dt.date(YEAR, m, 10)
            start = statement - dt.timedelta(days=30)
            entered = user_day(FD, statement + dt.timedelta(days=int(self.rng.integers(3, 7))))
            total = 0.0
            for _ in range(int(self.rng.integers(9, 20))):
                name, nominal, tc, dept, median, sigma = card[int(self.rng.integers(len(card)))]
                day = start + dt.timedelta(days=int(self.rng.integers(0, 30)))
                if in_shutdown(day) or day in HOLIDAYS or day.year < YEAR:
                    continue
                net = r2(self.lognormal(median, sigma))
                vat = r2(net * VAT_RATE[tc])
                lines = [Line(nominal, net, name, dept, tc)]
                if vat:
                    lines.append(Line("2201", vat, name, 0, tc))
                lines.append(Line("1240", -r2(net + vat), name, 0, tc))
                total += net + vat
                self.add("VP", day, self.at(entered, (15.0, 17.5)), FD, lines, ac="1240", ref=f"{statement:%b}",
                         role="card")
            pay = next_bank_day(statement + dt.timedelta(days=14))
            total = r2(total)
            self.add("J", pay, self.bank_entry(pay), ASSISTANT,
                     [Line("1240", total, "Barclaycard payment"), Line("1200", -total, "Barclaycard payment")],
                     ref="TRANS", role="transfer")
        petty = [("Milk, tea and coffee", "7850", "T0", ADMIN, 14), ("Postage stamps", "7504", "T2", ADMIN, 18),
                 ("Window cleaner", "7801", "T9", ADMIN, 25), ("Fixings B&Q", "7800", "T1", PRODUCTION, 22),
                 ("Car park", "7400", "T1", SALES, 6)]
        for day in days_of_year():
            if day.weekday() != 4 or not is_works_day(day):
                continue
            for _ in range(int(self.rng.integers(1, 5))):
                text, nominal, tc, dept, median = petty[int(self.rng.integers(len(petty)))]
                spent = day - dt.timedelta(days=int(self.rng.integers(0, 5)))
                if not is_works_day(spent):
                    spent = day
                gross = r2(self.lognormal(median, 0.4))
                vat = r2(gross / 6) if tc == "T1" else 0.0
                lines = [Line(nominal, r2(gross - vat), text, dept, tc)]
                if vat:
                    lines.append(Line("2201", vat, text, 0, tc))
                lines.append(Line("1230", -gross, text, 0, tc))
                self.add("CP", spent, self.at(day, (14.0, 16.5)), ASSISTANT, lines, ac="1230", ref="PC",
                         role="petty")
        for m in range(1, 13):
            day = user_day(ASSISTANT, dt.date(YEAR, m, 1))
            self.add("J", day, self.at(day, (9.0, 10.0)), ASSISTANT,
                     [Line("1230", 200.0, "Petty cash top up"), Line("1200", -200.0, "Petty cash top up")],
                     ref="TRANS", role="transfer")

    # ---------------------------------------------------------------------------------------------- month end
    def fd_month_end(self, month: int) -> dt.datetime:
        """The finance director posts a month's journals in the first week of the next; at quarter ends now and
        then on the Saturday morning."""
        first = dt.date(YEAR + month // 12, month % 12 + 1, 1)
        day = user_day(FD, first + dt.timedelta(days=int(self.rng.integers(1, 5))))
        if month in (3, 6, 9) and self.rng.random() < 0.7:
            sat = first + dt.timedelta(days=(5 - first.weekday()) % 7)
            return self.at(sat if sat > first else sat + dt.timedelta(days=7), (8.0, 12.0))
        return self.at(day, (14.0, 18.5))

    def month_end_journals(self) -> None:
        stock = 162_000.0
        for m in range(1, 13):
            last = month_end(m)
            reg = self.fd_month_end(m)
            dep = [("0021", 3_940.0 + (1_440.0 if m >= 10 else 0.0)), ("0031", 265.0), ("0051", 410.0)]
            lines = [Line("8000", r2(sum(a for _, a in dep)), f"Depreciation {last:%b %Y}", ADMIN)]
            lines += [Line(n, -a, f"Depreciation {last:%b %Y}") for n, a in dep]
            self.add("J", last, reg, FD, lines, ref=f"DEP{m:02d}", role="depreciation")
            rent, ins = 4_750.0, (1_553.33 if m >= 2 else 1_462.50)
            self.add("J", last, reg + dt.timedelta(minutes=4), FD,
                     [Line("7100", rent, "Rent release from prepayments", PRODUCTION),
                      Line("8204", ins, "Insurance release from prepayments", ADMIN),
                      Line("1103", -r2(rent + ins), "Prepayments released")], ref=f"PRE{m:02d}", role="prepayment")
            if m % 3:  # utilities billed quarterly in arrears: accrue the unbilled months
                months_out = m % 3
                elec = r2(4_600.0 * months_out * float(self.rng.uniform(0.93, 1.07)))
                gas = r2((1_250.0 if m in (1, 2, 10, 11, 12) else 620.0) * months_out * float(self.rng.uniform(0.9, 1.1)))
                text = f"Accrued utilities {last:%b %Y}"
                self.add("J", last, reg + dt.timedelta(minutes=9), FD,
                         [Line("7200", elec, text, PRODUCTION), Line("7201", gas, text, PRODUCTION),
                          Line("2109", -r2(elec + gas), text)], ref=f"ACC{m:02d}", role="accrual")
                first = last + dt.timedelta(days=1)
                if first.year == YEAR:
                    text = f"Reverse accrued utilities {last:%b %Y}"
                    self.add("J", first, reg + dt.timedelta(minutes=11), FD,
                             [Line("2109", r2(elec + gas), text), Line("7200", -elec, text, PRODUCTION),
                              Line("7201", -gas, text, PRODUCTION)], ref=f"REV{m:02d}", role="accrual")
            new = r2(stock * float(self.rng.uniform(0.94, 1.07)) * (0.9 if m == 12 else 1.0))
            move = r2(new - stock)
            stock = new
            text = f"Stock valuation {last:%d/%m/%Y}"
            self.add("J", last, reg + dt.timedelta(minutes=15), FD,
                     [Line("1001", move, text), Line("5201", -move, text, PRODUCTION)], ref=f"STK{m:02d}",
                     role="stock")
        # year-end adjustments, entered after the year
        ye = [("Holiday pay accrual", "7000", "2109", 11_860.0), ("Slow-moving stock provision", "5201", "1001", 7_400.0),
              ("Audit fee accrual", "7601", "2109", 8_500.0)]
        for i, (text, debit, credit, amount) in enumerate(ye):
            day = user_day(FD, dt.date(YEAR + 1, 1, 19) + dt.timedelta(days=9 * i))
            self.add("J", LAST, self.at(day, (10.0, 17.0)), FD,
                     [Line(debit, amount, text, ADMIN if debit.startswith("7") else PRODUCTION),
                      Line(credit, -amount, text)], ref=f"YE{i + 1:02d}", role="year_end")
        bad = [v for v in self.vouchers if v.type == "SI" and v.party == FAILED_CUSTOMER]
        paid_before = dt.date(YEAR, 9, 1)
        owed = r2(sum(v.lines[0].amount for v in bad if v.date + dt.timedelta(days=30) >= paid_before))
        if owed > 0:
            day = user_day(FD, dt.date(YEAR + 1, 1, 14))
            self.add("J", LAST, self.at(day, (10.0, 17.0)), FD,
                     [Line("8100", owed, "Netherton Motorsport - in administration", ADMIN),
                      Line("1100", -owed, "Netherton Motorsport - in administration")], ref="BD01", role="year_end")

    def vat(self) -> None:
        """Quarterly returns to 2202 dated the quarter end, paid a month and seven days later."""
        output: dict[int, float] = defaultdict(float)
        inputs: dict[int, float] = defaultdict(float)
        for v in self.vouchers:
            q = (v.date.month - 1) // 3 + 1
            for ln in v.lines:
                if ln.nominal == "2200":
                    output[q] += ln.amount
                elif ln.nominal == "2201":
                    inputs[q] += ln.amount
        due = {2: r2(self.rng.uniform(38_000, 46_000))}
        for q in range(1, 5):
            end = month_end(3 * q)
            out, inp = r2(-output[q]), r2(inputs[q])
            reg = self.at(user_day(FD, end + dt.timedelta(days=int(self.rng.integers(8, 16)))), (10.0, 16.0))
            self.add("J", end, reg, FD, [Line("2200", out, f"VAT return Q{q} {YEAR}"),
                                         Line("2201", -inp, f"VAT return Q{q} {YEAR}"),
                                         Line("2202", -r2(out - inp), f"VAT return Q{q} {YEAR}")],
                     ref=f"VAT Q{q}", role="vat_return")
            due[3 * q + 2] = r2(out - inp)
        for m, amount in sorted(due.items()):
            if m > 12:
                continue
            day = previous_bank_day(dt.date(YEAR, m, 7))
            self.add("BP", day, self.bank_entry(day), ASSISTANT,
                     [Line("2202", amount, "HMRC VAT"), Line("1200", -amount, "HMRC VAT")], ac="1200", ref="HMRC VAT",
                     role="hmrc_vat")


# --------------------------------------------------------------------------------------------------- anomalies
class _Anomalies:
    """The anomaly kinds, each as it would happen at this firm."""

    def __init__(self, books: _Books, per_kind: int) -> None:
        self.books, self.rng, self.per_kind = books, books.rng, per_kind
        self.used: set[int] = set()
        self.count: dict[str, int] = defaultdict(int)

    def run(self) -> None:
        for kind in KINDS:
            getattr(self, kind)()

    def label(self, kind: str, vouchers: list[Voucher]) -> None:
        self.count[kind] += 1
        aid = f"{kind}-{self.count[kind]}"
        for v in vouchers:
            v.kind, v.anomaly_id = kind, aid
            self.used.add(v.seq)

    def pick(self, pred: Callable[[Voucher], bool]) -> Voucher:
        pool = [v for v in self.books.vouchers if not v.kind and v.seq not in self.used and pred(v)]
        v = pool[int(self.rng.integers(len(pool)))]
        self.used.add(v.seq)
        return v

    def variants(self, n: int) -> list[int]:
        return [i % n for i in range(self.per_kind)]

    def a_day(self, months: tuple[int, int] = (1, 12), user: str = SALES_CLERK) -> dt.date:
        day = dt.date(YEAR, int(self.rng.integers(months[0], months[1] + 1)), int(self.rng.integers(1, 28)))
        return user_day(user, day)

    def amount_outlier(self) -> None:
        """A small customer's invoice, or a small supplier's, 20-60 times its usual size (a quantity keyed with two
        extra noughts, a one-off job quoted and invoiced through the wrong account)."""
        for variant in self.variants(2):
            factor = float(self.rng.uniform(20, 60))
            if variant == 0:
                cust = CUSTOMER[str(self.rng.choice([c.ac for c in CUSTOMERS if c.kind == "small"
                                                     and c.ac != FAILED_CUSTOMER]))]
                part, price = cust.parts[0]
                qty = int(np.mean(cust.qty) * factor / 10) * 10
                day = self.a_day((2, 11))
                v = self.books.sales_invoice(cust, day, [("4000", f"{part} x {qty}", qty * price)],
                                             ex_ref=f"DN{int(self.rng.integers(10_000, 99_999))}", role="anomaly")
            else:
                sup = SUPPLIER[str(self.rng.choice(["SAFEWE01", "OFFICE01", "COOLUB01", "SKIPCO01"]))]
                day = self.a_day((2, 11), ASSISTANT)
                v = self.books.purchase_invoice(sup, day, sup.median * factor, sup.items[0], role="anomaly")
            self.label("amount_outlier", [v])

    def unusual_account_combination(self) -> None:
        """Journals pairing accounts that never meet: wages against sales, debtors against rent, sub-contract
        against the pension liability."""
        pairs = [("7000", "4000", "Reallocation of labour to sales"), ("1100", "7100", "Rent recharge adjustment"),
                 ("5010", "2230", "Sub-contract reallocation"), ("4002", "7006", "Tooling income correction")]
        for variant in self.variants(len(pairs)):
            debit, credit, text = pairs[variant]
            day = self.a_day((1, 11), FD)
            amount = r2(self.rng.uniform(1_200, 9_500))
            v = self.books.add("J", day, self.books.at(day, (10.0, 17.0)), FD,
                               [Line(debit, amount, text, ADMIN), Line(credit, -amount, text, ADMIN)],
                               ref=f"ADJ{int(self.rng.integers(10, 99))}", role="anomaly")
            self.label("unusual_account_combination", [v])

    def weekend_holiday_posting(self) -> None:
        """Vouchers dated on a Sunday or a bank holiday, when the firm neither despatches, pays nor posts: an
        invoice, a supplier payment, a journal."""
        sundays = [d for d in days_of_year() if d.weekday() == 6 and not in_shutdown(d) and d != month_end(d.month)
                   and d.month < 12]
        off = [d for d in bank_holidays(YEAR) if d.month < 12 and d != FIRST] + sundays[::7]
        for variant in self.variants(3):
            day = off[int(self.rng.integers(len(off)))]
            if variant == 0:
                cust = CUSTOMER[str(self.rng.choice(["MERAUT01", "COVDRI01", "SEVHYD01", "BCPUMP01"]))]
                v = self.books.sales_invoice(cust, day, self.books.despatch_lines(cust, day),
                                             ex_ref=f"DN{int(self.rng.integers(10_000, 99_999))}", role="anomaly")
            elif variant == 1:
                sup = SUPPLIER[str(self.rng.choice(["APEXMT01", "PRECGR01", "DUDELE01"]))]
                amount = r2(self.books.lognormal(sup.median * 1.2, 0.3))
                v = self.books.add("PP", day, self.books.at(next_bank_day(day), (9.0, 12.0)), ASSISTANT,
                                   [Line("2100", amount, "Purchase Payment"), Line("1200", -amount, "Purchase Payment")],
                                   ac=sup.ac, ref="FP", role="anomaly", party=sup.ac)
            else:
                amount = r2(self.rng.uniform(800, 6_000))
                text = "Stock transfer to WIP"
                v = self.books.add("J", day, self.books.at(next_bank_day(day), (9.0, 17.0)), FD,
                                   [Line("5000", amount, text, PRODUCTION), Line("1001", -amount, text)],
                                   ref=f"ADJ{int(self.rng.integers(10, 99))}", role="anomaly")
            self.label("weekend_holiday_posting", [v])

    def round_amount(self) -> None:
        """Large round sums keyed by hand: a transfer to petty cash, a 'consultancy' payment, a stock
        reclassification."""
        amounts = [15_000.0, 20_000.0, 25_000.0, 30_000.0, 40_000.0, 50_000.0, 75_000.0, 100_000.0]
        for variant in self.variants(3):
            amount = float(self.rng.choice(amounts))
            day = self.a_day((1, 11), FD)
            reg = self.books.at(day, (10.0, 17.0))
            if variant == 0:
                lines = [Line("1230", amount, "Cash"), Line("1200", -amount, "Cash")]
                v = self.books.add("J", day, reg, FD, lines, ref="TRANS", role="anomaly")
            elif variant == 1:
                lines = [Line("7600", amount, "Consultancy fee", ADMIN, "T9"), Line("1200", -amount, "Consultancy fee",
                                                                                    0, "T9")]
                v = self.books.add("BP", day, reg, FD, lines, ac="1200", ref="FP", role="anomaly")
            else:
                lines = [Line("1001", amount, "Stock reclassification"),
                         Line("5000", -amount, "Stock reclassification", PRODUCTION)]
                v = self.books.add("J", month_end(day.month), reg, FD, lines, ref=f"STK{day.month:02d}A",
                                   role="anomaly")
            self.label("round_amount", [v])

    def just_below_approval_limit(self) -> None:
        """Purchase invoices of 95-99.99 % of the limit gross from suppliers whose jobs are normally small, so the
        production manager alone signs them off."""
        for _ in range(self.per_kind):
            sup = SUPPLIER[str(self.rng.choice(["APEXMT01", "DUDELE01", "PRECGR01", "SAFEWE01"]))]
            gross = float(self.rng.uniform(0.95, 0.9999)) * APPROVAL_LIMIT
            day = self.a_day((1, 11), ASSISTANT)
            v = self.books.purchase_invoice(sup, day, gross / 1.2, sup.items[int(self.rng.integers(len(sup.items)))],
                                            role="anomaly")
            self.label("just_below_approval_limit", [v])

    def duplicate(self) -> None:
        """A purchase invoice entered again from the statement or a reminder copy a few weeks later."""
        for _ in range(self.per_kind):
            first = self.pick(lambda v: v.type == "PI" and v.role == "purchase" and v.date.month < 11 and v.paid)
            later = first.registered.date() + dt.timedelta(days=int(self.rng.integers(7, 36)))
            copy = self.books.add("PI", first.date, self.books.batch_entry(later), first.user,
                                  [Line(ln.nominal, ln.amount, ln.details, ln.dept, ln.tc) for ln in first.lines],
                                  ac=first.ac, ref=first.ref, ex_ref=first.ex_ref, role="anomaly", party=first.party)
            copy.terms = first.terms
            self.label("duplicate", [copy])

    def backdated(self) -> None:
        """Entered 45-150 days after its date: a supplier invoice that lay in a drawer, a despatch never invoiced
        until the customer queried it, a stock adjustment put into a closed quarter."""
        for variant in self.variants(3):
            lag = dt.timedelta(days=int(self.rng.integers(45, 151)))
            if variant == 0:
                v = self.pick(lambda v: v.type == "PI" and v.role == "purchase" and v.date.month <= 8)
                v.registered = self.books.batch_entry(v.date + lag)
            elif variant == 1:
                v = self.pick(lambda v: v.type == "SI" and v.role == "sale" and v.date.month <= 8)
                v.registered = self.books.entered_by(SALES_CLERK, v.date + lag, hours=(9.0, 16.5))
            else:
                last = month_end(int(self.rng.integers(2, 8)))
                amount = r2(self.rng.uniform(2_000, 12_000))
                v = self.books.add("J", last, self.books.at(user_day(FD, last + lag), (10.0, 17.0)), FD,
                                   [Line("5201", amount, "Stock adjustment", PRODUCTION), Line("1001", -amount,
                                                                                               "Stock adjustment")],
                                   ref=f"STK{last.month:02d}B", role="anomaly")
            self.label("backdated", [v])

    def unusual_user(self) -> None:
        """The sales ledger clerk entering a supplier invoice or a journal, the managing director's login paying a
        supplier from the bank."""
        for variant in self.variants(3):
            if variant == 0:
                v = self.pick(lambda v: v.type == "PI" and v.role == "purchase")
                v.user = SALES_CLERK
                v.registered = self.books.entered_by(SALES_CLERK, v.registered.date())
            elif variant == 1:
                v = self.pick(lambda v: v.role == "dd_bank" and v.date.month < 12)
                v.user = MD
                v.registered = self.books.at(user_day(MD, v.date), (17.0, 19.5))
            else:
                v = self.pick(lambda v: v.role == "accrual")
                v.user = SALES_CLERK
                v.registered = self.books.entered_by(SALES_CLERK, v.registered.date())
            self.label("unusual_user", [v])

    def broken_vat_ratio(self) -> None:
        """UK invoices whose VAT is not 20 % of the net: the reduced-rate code picked from the list (5 %), an old
        17.5 % template, VAT overtyped by hand."""
        for variant in self.variants(3):
            cust = CUSTOMER[str(self.rng.choice(["SEVHYD01", "BCPUMP01", "WREKIN01", "LICHFI01", "MERAUT01"]))]
            day = self.a_day((1, 12))
            rate = [0.05, 0.175, float(self.rng.uniform(0.12, 0.17))][variant]
            v = self.books.sales_invoice(cust, day, self.books.despatch_lines(cust, day), vat_rate=rate,
                                         ex_ref=f"DN{int(self.rng.integers(10_000, 99_999))}", role="anomaly")
            self.label("broken_vat_ratio", [v])

    def period_end_reversal(self) -> None:
        """A bill-and-hold invoice to an OEM on the month's last day to make the month's sales, credited in full in
        the first days of the next month."""
        months = [m for m in range(1, 12) if month_end(m).weekday() < 5 and not in_shutdown(month_end(m))]
        chosen = self.rng.choice(months, size=self.per_kind, replace=self.per_kind > len(months))
        for m in chosen:
            last = month_end(int(m))
            cust = CUSTOMER[str(self.rng.choice(["MERAUT01", "TRENTA01", "COVDRI01"]))]
            part, price = cust.parts[int(self.rng.integers(len(cust.parts)))]
            qty = int(self.rng.integers(8, 30)) * 100
            inv = self.books.sales_invoice(cust, last, [("4000", f"{part} x {qty} (bill and hold)", qty * price)],
                                           registered=self.books.at(last, (15.0, 17.5)), role="anomaly", paid=False,
                                           ex_ref="Held stock")
            back = user_day(SALES_CLERK, last + dt.timedelta(days=int(self.rng.integers(1, 5))))
            credit = self.books.credit_note(inv, back, 1.0, f"Cancel inv {inv.ref} - not despatched", role="anomaly")
            self.label("period_end_reversal", [inv, credit])

    def unbalanced_voucher(self) -> None:
        """A supplier invoice saved without its VAT split, a journal with one side mistyped, an invoice whose
        debtors line lost a digit in an import."""
        for variant in self.variants(3):
            if variant == 0:
                v = self.pick(lambda v: v.type == "PI" and v.role == "purchase" and any(ln.nominal == "2201"
                                                                                      for ln in v.lines))
                v.lines = [ln for ln in v.lines if ln.nominal != "2201"]
            elif variant == 1:
                v = self.pick(lambda v: v.role == "depreciation")
                ln = v.lines[1]
                digits = f"{abs(ln.amount):.2f}"
                swapped = digits[1] + digits[0] + digits[2:] if digits[0] != digits[1] else "9" + digits[1:]
                ln.amount = -float(swapped)
            else:
                v = self.pick(lambda v: v.type == "SI" and v.role == "sale" and v.lines[0].amount > 1_000)
                v.lines[0].amount = r2(v.lines[0].amount / 10)
            self.label("unbalanced_voucher", [v])

    def daily_spike(self) -> None:
        """One day on which an account takes many times its usual turnover: a run of heat-treatment, carriage or
        tooling invoices all dated the same day (a month's work billed at once, or invoices for work not done)."""
        targets = ["WOLHEA01", "MIDCAR01", "BRICUT01", "BCANOD01"]
        for i in range(self.per_kind):
            sup = SUPPLIER[targets[i % len(targets)]]
            daily: dict[dt.date, float] = defaultdict(float)
            for v in self.books.vouchers:
                if not v.kind:
                    for ln in v.lines:
                        if ln.nominal == sup.nominal and ln.amount > 0:
                            daily[v.date] += ln.amount
            usual = float(np.median(list(daily.values())))
            day = self.a_day((2, 11), ASSISTANT)
            vouchers, total = [], daily.get(day, 0.0)
            while (total < 8 * usual or len(vouchers) < 3) and len(vouchers) < 8:
                net = self.books.lognormal(sup.median * 1.8, 0.3)
                vouchers.append(self.books.purchase_invoice(sup, day, net, sup.items[int(self.rng.integers(
                    len(sup.items)))], role="anomaly"))
                total += net
            self.label("daily_spike", vouchers)


# --------------------------------------------------------------------------------------------------- the frame
def generate_manufacturing(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The firm's labelled year: the export's columns plus `anomaly_kind` and `anomaly_id`."""
    books = _Books(seed)
    books.sales()
    books.scrap()
    books.purchases()
    books.payroll()
    books.direct_debits()
    books.card_and_petty_cash()
    books.month_end_journals()
    _Anomalies(books, per_kind).run()
    books.receipts()  # after the anomalies: what was invoiced gets paid
    books.payment_runs()
    books.vat()
    ordered = sorted(books.vouchers, key=lambda v: (v.registered, v.seq))
    rows = []
    for number, v in enumerate(ordered, start=FIRST_NUMBER):
        for ln in v.lines:
            vtype = ("JD" if ln.amount >= 0 else "JC") if v.type == "J" else v.type
            amount = r2(ln.amount)
            rows.append((number, vtype, pd.Timestamp(v.date), v.ac, ln.nominal, ln.dept, v.ref, v.ex_ref, ln.details,
                         ln.tc, amount if amount >= 0 else np.nan, -amount if amount < 0 else np.nan, v.user,
                         pd.Timestamp(v.registered), v.kind, v.anomaly_id))
    return pd.DataFrame(rows, columns=[*COLUMNS, "anomaly_kind", "anomaly_id"])


def write_manufacturing(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The audit trail CSV without the label columns, in the ledger's row order (data line i is row i)."""
    path = Path(path)
    out = ledger[COLUMNS].copy()
    out["Date"] = out["Date"].dt.strftime("%d/%m/%Y")
    out["Date Entered"] = out["Date Entered"].dt.strftime("%d/%m/%Y %H:%M")
    for column in ("Debit", "Credit"):
        out[column] = out[column].map(lambda x: "" if pd.isna(x) else f"{x:.2f}")
    out.to_csv(path, index=False, encoding="cp1252", lineterminator="\r\n")
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], generate_manufacturing, write_manufacturing,
                          "No", seed=7, out="manufacturing.csv")


if __name__ == "__main__":
    main()
