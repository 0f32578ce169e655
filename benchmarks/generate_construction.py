"""A fourth labelled ledger generator, written apart from the others, for held-out evaluation.

A Danish building contractor (tømrer- og murerentreprise, about 20-25 people in Aarhus), one year in DKK on a
Danish chart of accounts with 4-digit accounts and 25 % moms on sales and purchases. The normal year:

- projects ("sager") for a handful of clients (a municipality, a region, housing associations, a property company,
  a private family), each billed monthly by acontofaktura on the last working day (some to a round payment plan,
  some by measured progress), plus small service and repair invoices; the office manager issues the invoices the
  same day or the next; clients pay on their own terms (public clients net 30, housing associations "løbende
  måned + 30", others 8-14 days, private ones sometimes late);
- purchase invoices from builders' merchants (Stark, Bygma, XL-Byg, Davidsen, Sanistål, Beton-Mix, Carl Ras, each
  with its own typical size, some split over two or three projects, a few credit notes), subcontractors (electrician,
  plumber, painter, drains, roofer, bricklayer, floors) billing aconto per project, equipment hire, scaffolding,
  containers, leased vans, fuel cards, utilities, telephone, IT, insurance (no moms) and the bookkeeper's and the
  auditor's own invoices. The external bookkeeper comes in on Tuesdays (and Thursdays in the busy months, not in
  her holiday weeks) and registers the invoices that arrived since, some only a batch or three later when the site
  manager has not yet approved them: registration lags the invoice date by days to a few weeks. Supplier payments
  go out in Friday payment runs (one bank voucher per supplier), leasing by Betalingsservice;
- the site manager pays small things with the company card (local materials, tools, parking, diesel, crew meals
  with only a quarter of the moms deductible) and uploads the receipts on Fridays; the card is settled monthly.
  Now and then he buys materials on a Saturday for an emergency repair: the only weekend postings of a normal year,
  with the month-end journals that are dated on the month's last calendar day whatever day it is;
- fortnightly payroll for the hourly workers (wages spread over the projects, feriepenge 12.5 %, pension, ATP,
  AM-bidrag 8 % and A-skat withheld), monthly payroll for the salaried staff, A-skat and AM-bidrag paid to the
  skattekonto on the 10th of the next month, pension, feriepenge and quarterly ATP paid on; the payroll program
  posts each run a working day or two before the pay day it is dated (registration before the posting date);
- rent by Betalingsservice, bank fees, quarterly overdraft interest; the owner's monthly journals (depreciation,
  accrued subcontractor work reversed on the first working day of the next month) and the bookkeeper's quarterly
  moms settlement (paid on the 1st of the third month after the quarter);
- winter slowdown December-February, busy summer (with the July industrial holiday), Danish public holidays
  computed from Easter (Store bededag only before 2024).

Voucher series are number ranges, as in a Danish finance program: 10001- købsbilag, 20001- salgsfakturaer
(the invoice number), 30001- bank, 40001- løn, 50001- udlæg/firmakort, 90001- kassekladde (manual journals); each
numbered in the order the entries were registered. Users: LMN (external bookkeeper: purchases, bank, moms), MRA
(office manager: invoices), PKJ (payroll), TAN (site manager: card receipts), JHO (owner: manual journals).

The approval limit: a purchase invoice of DKK 100 000 or more including moms needs the owner's second signature
(APPROVAL_LIMIT). There is no counterparty column: suppliers and clients are named in the text only.

The same anomaly kinds as `generate_ledger.KINDS`, injected as they would happen at this firm (see `_inject`);
every line of an instance carries its kind and an `anomaly_id`, normal lines have '' for both. A duplicate's label
is on the second registration only (the first one is the genuine invoice). Detectors are never tuned on this
generator: it is reported as held out.

The export is a Danish posting list: semicolon-separated, decimal comma, dates dd-mm-yyyy, UTF-8, columns
"Dato", "Bilagsnr.", "Konto", "Kontonavn", "Tekst", "Momskode", "Debet", "Kredit", "Bruger", "Registreringsdato".

    python -m benchmarks.generate_construction --seed 31 --out construction.csv
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.easter import easter

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import describe

APPROVAL_LIMIT = 100_000.0  # DKK incl. moms: at or above it a purchase invoice needs the owner's second signature
MOMS = 0.25
KONTI = {
    "1010": "Omsætning, entrepriser", "1020": "Omsætning, service og reparation",
    "1310": "Materialer", "1315": "Småanskaffelser og værktøj", "1320": "Underentreprenører",
    "1330": "Leje af materiel, stillads og containere", "1340": "Løn, timelønnede",
    "1345": "Feriepenge, timelønnede", "1350": "Pension, timelønnede", "1360": "ATP, timelønnede",
    "2210": "Brændstof", "2220": "Leasing af varebiler", "2230": "Parkering og broafgift", "2410": "Husleje",
    "2420": "El, vand og varme", "2610": "Forsikringer", "2620": "Telefon og internet", "2630": "IT og software",
    "2640": "Revisor og bogføring", "2650": "Forplejning, mandskab", "2810": "Gager, funktionærer",
    "2820": "Pension, funktionærer", "2830": "ATP, funktionærer", "3110": "Afskrivninger, driftsmateriel og biler",
    "3410": "Bankgebyrer", "3420": "Renteudgifter, kassekredit",
    "5120": "Akkumulerede afskrivninger, driftsmateriel", "5610": "Debitorer", "5810": "Danske Bank, driftskonto",
    "5815": "Mellemregning, firmakort", "6810": "Kreditorer", "6820": "Skyldige omkostninger",
    "6910": "Salgsmoms", "6920": "Købsmoms", "6930": "Momsafregning", "7010": "Skyldig A-skat",
    "7020": "Skyldigt AM-bidrag", "7030": "Skyldig ATP", "7040": "Skyldig pension",
    "7050": "Skyldige feriepenge, FerieKonto",
}
SERIES = {"KØB": 10001, "SALG": 20001, "BANK": 30001, "LØN": 40001, "UDL": 50001, "MAN": 90001}
BOGHOLDER, KONTOR, LØNNING, FORMAND, EJER = "LMN", "MRA", "PKJ", "TAN", "JHO"
SEASON = {1: .55, 2: .6, 3: .85, 4: 1.0, 5: 1.15, 6: 1.25, 7: 1.0, 8: 1.3, 9: 1.2, 10: 1.05, 11: .9, 12: .6}
MÅNED = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
         "november", "december")

# sag, client, description, first month, last month, contract sum excl. moms, billing, payment terms
PROJECTS = (
    ("2420", "Brabrand Boligforening", "køkkenudskiftning afd. 4", 1, 4, 1_150_000, "plan", "lbm30"),
    ("2431", "Boligselskabet Nørrebo", "tagrenovering afd. 12", 1, 6, 3_200_000, "opmåling", "lbm30"),
    ("2437", "Aarhus Kommune", "tilbygning Skjoldhøjskolen", 3, 11, 6_400_000, "opmåling", "net30"),
    ("2502", "Ejendomsselskabet Havnefront A/S", "kontorombygning Mindet 4", 2, 9, 4_100_000, "plan", "net14"),
    ("2505", "A/B Kastanjehaven", "nye altaner", 4, 10, 2_350_000, "plan", "net14"),
    ("2509", "Region Midtjylland", "ombygning personalefløj AUH", 6, 12, 3_800_000, "opmåling", "net30"),
    ("2514", "Skanderborg Andelsboligforening", "facaderenovering", 8, 12, 1_900_000, "plan", "lbm30"),
    ("2518", "Familien Christensen, Risskov", "tilbygning og carport", 9, 12, 950_000, "plan", "privat"),
)
SERVICE_CLIENTS = (
    ("Boligselskabet Nørrebo, afd. 3", "lbm30"), ("Jysk Ejendomsservice", "net14"), ("Dagli'Brugsen Tilst", "net14"),
    ("Tandlægerne i Mølleparken", "net14"), ("Familien Poulsen, Viby", "privat"), ("Familien Kjær, Hasle", "privat"),
    ("Lystrup Tennisklub", "net14"), ("Aarhus Kommune, Ejendomme", "net30"), ("DEAS Boligadministration", "lbm30"),
    ("Frisør Lotte, Trøjborg", "privat"), ("Malling Vandværk", "net14"), ("Familien Thomsen, Beder", "privat"),
)
# merchant, typical invoice excl. moms, spread, invoices a month in a normal month, cost account, payment terms
MERCHANTS = (
    ("Stark Aarhus", 6_500, .7, 26, "1310", "lbm30"), ("Bygma Viby", 4_200, .7, 22, "1310", "lbm30"),
    ("XL-Byg Tilst", 2_800, .6, 19, "1310", "lbm30"), ("Davidsen Tømmerhandel", 9_500, .6, 11, "1310", "lbm30"),
    ("Sanistål", 3_400, .6, 8, "1310", "lbm30"), ("Beton-Mix Jylland", 17_500, .45, 4, "1310", "net14"),
    ("Carl Ras", 1_900, .7, 12, "1315", "lbm30"),
)
# subcontractor, trade, typical aconto excl. moms, chance to bill an active project in a month
SUBCONTRACTORS = (
    ("El-firmaet Lund ApS", "el-arbejde", 38_000, .55), ("VVS-Nielsen A/S", "VVS-arbejde", 42_000, .45),
    ("Malerfirmaet Brandt", "malerarbejde", 26_000, .35), ("Kloakmester H. Østergaard", "kloakarbejde", 55_000, .2),
    ("Tagdækning Jylland ApS", "tagdækning", 68_000, .2), ("Murerfirmaet K. Bach", "murerarbejde", 47_000, .35),
    ("Gulvmanden Aarhus", "gulvarbejde", 22_000, .25),
)
CARD_ITEMS = (  # what the site manager pays with the company card: kind, account, typical gross, spread, share
    ("Kontantkøb materialer, Jem & Fix", "1310", 650, .8, .34), ("Værktøj, Harald Nyborg", "1315", 1_100, .7, .16),
    ("Parkering, EasyPark", "2230", 75, .6, .2), ("Diesel, Q8", "2210", 550, .4, .12),
    ("Forplejning mandskab", "2650", 850, .6, .18),
)
HOURLY_RATE = 214.0
DEPRECIATION = 27_916.67


def easter_sunday(year: int) -> pd.Timestamp:
    """Gregorian Easter Sunday."""
    return pd.Timestamp(easter(year))


def danish_holidays(year: int) -> dict[pd.Timestamp, str]:
    """The days a Danish firm and its bank are closed (besides weekends)."""
    e = easter_sunday(year)
    days = {
        pd.Timestamp(year, 1, 1): "Nytårsdag", e - pd.Timedelta(days=3): "Skærtorsdag",
        e - pd.Timedelta(days=2): "Langfredag", e: "Påskedag", e + pd.Timedelta(days=1): "2. påskedag",
        e + pd.Timedelta(days=39): "Kristi himmelfartsdag", e + pd.Timedelta(days=49): "Pinsedag",
        e + pd.Timedelta(days=50): "2. pinsedag", pd.Timestamp(year, 6, 5): "Grundlovsdag",
        pd.Timestamp(year, 12, 24): "Juleaftensdag", pd.Timestamp(year, 12, 25): "1. juledag",
        pd.Timestamp(year, 12, 26): "2. juledag", pd.Timestamp(year, 12, 31): "Nytårsaftensdag",
    }
    if year < 2024:  # Store bededag was abolished as a holiday from 2024
        days[e + pd.Timedelta(days=26)] = "Store bededag"
    return days


def _r(x: float) -> float:
    return float(round(x, 2))


class Books:
    """The vouchers of one year, each a dict, numbered per series at the end in registration order."""

    def __init__(self, rng: np.random.Generator, year: int):
        self.rng, self.year = rng, year
        self.holidays = danish_holidays(year) | danish_holidays(year + 1)
        days = pd.date_range(f"{year}-01-01", f"{year + 1}-06-30")
        closed = days.isin(list(self.holidays))
        self.open = days[(days.day_of_week < 5) & ~closed]
        self.closed = days[(days.day_of_week >= 5) | closed]
        self.end = pd.Timestamp(year, 12, 31)
        self.vouchers: list[dict] = []
        self.payables: list[dict] = []   # purchase invoices awaiting the payment runs
        self.card: dict[int, float] = {}  # card purchases per month, settled the next month
        weeks = self.open.isocalendar().week.to_numpy()
        dow = self.open.day_of_week.to_numpy()
        season = np.array([SEASON[m] for m in self.open.month])
        busy = (dow == 3) & (season >= 1.15)
        off = np.isin(weeks, (28, 29, 30, 42, 52))
        self.batches = self.open[((dow == 1) | busy) & ~off]  # the external bookkeeper's days at the office
        self.fridays = self.open[(dow == 4) & ~np.isin(weeks, (29, 30, 31))]  # site manager uploads receipts

    # calendar
    def on_or_after(self, date: pd.Timestamp, days: pd.DatetimeIndex | None = None) -> pd.Timestamp:
        days = self.open if days is None else days
        return days[min(days.searchsorted(date), len(days) - 1)]

    def on_or_before(self, date: pd.Timestamp) -> pd.Timestamp:
        return self.open[self.open.searchsorted(date, side="right") - 1]

    def plus_workdays(self, date: pd.Timestamp, n: int) -> pd.Timestamp:
        return self.open[min(self.open.searchsorted(date) + n, len(self.open) - 1)]

    def workdays(self, month: int) -> pd.DatetimeIndex:
        return self.open[(self.open.year == self.year) & (self.open.month == month)]

    def last_workday(self, month: int) -> pd.Timestamp:
        return self.workdays(month)[-1]

    def month_end(self, month: int) -> pd.Timestamp:
        return pd.Timestamp(self.year, month, 1) + pd.offsets.MonthEnd(0)

    def random_workday(self, month: int) -> pd.Timestamp:
        days = self.workdays(month)
        return days[self.rng.integers(len(days))]

    def batch_after(self, arrived: pd.Timestamp, skip: int = 0) -> pd.Timestamp:
        i = min(self.batches.searchsorted(arrived) + skip, len(self.batches) - 1)
        return self.batches[i]

    def bookkeeper_registers(self, date: pd.Timestamp) -> pd.Timestamp:
        """A purchase invoice: arrives by e-mail 0-4 days after its date, waits for a batch (or three)."""
        arrived = date + pd.Timedelta(days=int(self.rng.integers(0, 5)))
        skip = 0 if self.rng.random() > .13 else int(self.rng.integers(1, 4))
        return self.batch_after(arrived, skip)

    def site_manager_uploads(self, date: pd.Timestamp) -> pd.Timestamp:
        if self.rng.random() < .04:  # from home on the Sunday evening
            return date + pd.Timedelta(days=6 - date.day_of_week or 7)
        return self.on_or_after(date, self.fridays) + pd.Timedelta(days=7 * int(self.rng.random() < .2))

    def lognormal(self, median: float, sigma: float) -> float:
        return float(median * np.exp(sigma * self.rng.standard_normal()))

    def active_projects(self, month: int) -> list[tuple]:
        return [p for p in PROJECTS if p[3] <= month <= p[4]]

    # posting
    def post(self, series: str, date: pd.Timestamp, entered: pd.Timestamp, user: str,
             lines: list[tuple[str, float, str, str]], kind: str = "", aid: str = "", balance: bool = True) -> int:
        """lines: (account, amount debit-positive, text, momskode); the last line takes the rounding remainder."""
        lines = [(a, _r(x), t, c) for a, x, t, c in lines]
        if balance:
            a, _, t, c = lines[-1]
            lines[-1] = (a, _r(-sum(x for _, x, _, _ in lines[:-1])), t, c)
        self.vouchers.append({"series": series, "date": pd.Timestamp(date), "entered": pd.Timestamp(entered),
                              "user": user, "lines": lines, "kind": kind, "aid": aid})
        return len(self.vouchers) - 1

    def label(self, index: int, kind: str, aid: str) -> None:
        self.vouchers[index]["kind"], self.vouchers[index]["aid"] = kind, aid


def _ref(index: int) -> str:
    """A placeholder for voucher `index`'s number (an invoice number quoted in a later payment's text)."""
    return f"§{index}§"


def _terms_due(date: pd.Timestamp, terms: str, rng: np.random.Generator) -> pd.Timestamp:
    if terms == "lbm30":
        return date + pd.offsets.MonthEnd(0) + pd.Timedelta(days=30)
    if terms == "net30":
        return date + pd.Timedelta(days=30)
    if terms == "privat":
        return date + pd.Timedelta(days=8 + int(rng.integers(0, 25) if rng.random() < .35 else 0))
    return date + pd.Timedelta(days=14)


# ---------------------------------------------------------------------------------------------------- documents
def _sales_invoice(b: Books, date, entered, client: str, text: str, parts: list[tuple[str, float, str]],
                   terms: str | None, user: str = KONTOR, vat: float | None = None, kind: str = "", aid: str = "",
                   balance: bool = True) -> int:
    """parts: (revenue account, net, line text). Posts AR gross, revenue net, salgsmoms; books the receipt."""
    net = _r(sum(x for _, x, _ in parts))
    vat = _r(net * MOMS) if vat is None else vat
    idx = len(b.vouchers)
    head = f"Faktura {_ref(idx)} {client}" if net >= 0 else f"Kreditnota {_ref(idx)} {client}"
    lines = [("5610", net + vat, f"{head}, {text}", "")]
    lines += [(acc, -x, f"{head}, {t}", "U25") for acc, x, t in parts]
    lines.append(("6910", -vat, f"{head}, salgsmoms", ""))
    b.post("SALG", date, entered, user, lines, kind, aid, balance=balance)
    if terms is not None and net > 0:
        due = _terms_due(date, terms, b.rng)
        paid = b.on_or_after(due + pd.Timedelta(days=int(b.rng.integers(-3, 4))))
        if paid <= b.end:
            b.post("BANK", paid, b.batch_after(paid), BOGHOLDER, [
                ("5810", net + vat, f"Indbetaling {client}, fakt. {_ref(idx)}", ""),
                ("5610", -(net + vat), f"Indbetaling {client}, fakt. {_ref(idx)}", "")])
    return idx


def _purchase_invoice(b: Books, date, entered, supplier: str, number: str, parts: list[tuple[str, float, str]],
                      terms: str | None = "lbm30", user: str = BOGHOLDER, vat_rate: float = MOMS,
                      payable: str = "6810", kind: str = "", aid: str = "", pay: bool = True,
                      balance: bool = True) -> int:
    """parts: (cost account, net, text). Cost, købsmoms, creditor; queued for the payment runs."""
    net = _r(sum(x for _, x, _ in parts))
    vat = _r(net * vat_rate)
    head = f"{supplier} fakt. {number}" if net >= 0 else f"{supplier} kreditnota {number}"
    lines = [(acc, x, f"{head} {t}".strip(), "I25" if vat_rate else "") for acc, x, t in parts]
    if vat:
        lines.append(("6920", vat, f"{head} købsmoms", ""))
    lines.append((payable, -(net + vat), head, ""))
    idx = b.post("KØB", date, entered, user, lines, kind, aid, balance=balance)
    if pay and terms is not None:
        due = date + pd.Timedelta(days=8) if terms == "pbs" else _terms_due(date, terms, b.rng)
        b.payables.append({"supplier": supplier, "number": number, "gross": _r(net + vat), "due": due,
                           "entered": pd.Timestamp(entered), "pbs": terms == "pbs", "date": date})
    return idx


def _card_purchase(b: Books, date, entered, item: str, account: str, gross: float, text: str = "",
                   user: str = FORMAND, kind: str = "", aid: str = "", settle: bool = True) -> int:
    net = _r(gross / (1 + MOMS))
    vat = _r(gross - net)
    deductible = _r(vat * .25) if account == "2650" else vat  # restaurant meals: a quarter of the moms
    head = f"{item} {text}".strip()
    idx = b.post("UDL", date, entered, user, [
        (account, gross - deductible, head, "I25"), ("6920", deductible, f"{head}, købsmoms", ""),
        ("5815", -gross, f"Firmakort: {head}", "")], kind, aid)
    if settle:
        b.card[date.month] = b.card.get(date.month, 0.0) + _r(gross)
    return idx


# ----------------------------------------------------------------------------------------------- the normal year
def _sales(b: Books) -> None:
    rng = b.rng
    for sag, client, desc, first, last, contract, billing, terms in PROJECTS:
        months = list(range(first, last + 1))
        weights = np.array([SEASON[m] for m in months]) * rng.uniform(.8, 1.2, len(months))
        shares = contract * weights / weights.sum()
        for n, (month, amount) in enumerate(zip(months, shares, strict=True), start=1):
            amount = round(amount, -3) if billing == "plan" else _r(amount * rng.uniform(.97, 1.03))
            date = b.last_workday(month)
            entered = date if rng.random() < .75 else b.plus_workdays(date, 1)
            what = "slutfaktura" if month == last and last < 12 else f"acontofaktura nr. {n}"
            _sales_invoice(b, date, entered, client, f"sag {sag} {desc}, {what}",
                           [("1010", amount, f"sag {sag} {what}")], terms)
    for month in range(1, 13):
        for _ in range(rng.poisson(20 * SEASON[month])):
            client, terms = SERVICE_CLIENTS[rng.integers(len(SERVICE_CLIENTS))]
            date = b.random_workday(month)
            total = b.lognormal(7_500, .7)
            labour = round(total * rng.uniform(.45, .8), 0)
            parts = [("1020", labour, "arbejdsløn"), ("1020", _r(total - labour), "materialer")]
            entered = date if rng.random() < .8 else b.plus_workdays(date, 1)
            idx = _sales_invoice(b, date, entered, client, "service og reparation", parts, terms)
            if rng.random() < .03:  # a partly disputed invoice is credited a few weeks later
                when = b.plus_workdays(date, int(rng.integers(8, 25)))
                if when <= b.end:
                    _sales_invoice(b, when, when, client, f"kreditering af faktura {_ref(idx)}",
                                   [("1020", -round(labour * rng.uniform(.1, .4), 0), "arbejdsløn krediteret")],
                                   None)


def _supplier_numbers(b: Books, n: int) -> list[str]:
    start = int(b.rng.integers(100_000, 9_000_000))
    return [str(v) for v in start + np.cumsum(b.rng.integers(20, 400, n))]


def _purchases(b: Books) -> None:
    rng = b.rng
    for name, median, sigma, per_month, account, terms in MERCHANTS:
        dates = sorted(b.random_workday(m) for m in range(1, 13) for _ in range(rng.poisson(per_month * SEASON[m])))
        for date, number in zip(dates, _supplier_numbers(b, len(dates)), strict=True):
            projects = b.active_projects(date.month)
            net = b.lognormal(median, sigma)
            if rng.random() < .04:
                net = -net * rng.uniform(.05, .5)  # returned goods
            k = min(len(projects), 1 + int(rng.random() < .3) + int(rng.random() < .1))
            chosen = rng.choice(len(projects), size=k, replace=False)
            split = rng.dirichlet(np.ones(k) * 2) * net
            parts = [(account, _r(x), f"sag {projects[i][0]}") for i, x in zip(chosen, split, strict=True)]
            _purchase_invoice(b, date, b.bookkeeper_registers(date), name, number, parts, terms)
    for name, trade, median, chance in SUBCONTRACTORS:
        docs = []
        for month in range(1, 13):
            for project in b.active_projects(month):
                if rng.random() < chance * min(1.0, SEASON[month] + .1):
                    day = b.on_or_before(b.month_end(month) - pd.Timedelta(days=int(rng.integers(0, 12))))
                    docs.append((day, project))
        docs.sort(key=lambda d: d[0])
        for (date, project), number in zip(docs, _supplier_numbers(b, len(docs)), strict=True):
            parts = [("1320", b.lognormal(median, .45), f"{trade} aconto sag {project[0]}")]
            _purchase_invoice(b, date, b.bookkeeper_registers(date), name, number, parts,
                              "net30" if rng.random() < .5 else "net14")
    for month in range(1, 13):
        s = SEASON[month]
        for name, median, per_month, text in (("Ramirent", 5_800, 4, "lift- og maskinleje"),
                                              ("Cramo", 8_500, 2, "maskinleje"),
                                              ("Containerservice Østjylland", 3_900, 5, "container og affald")):
            for _ in range(rng.poisson(per_month * s)):
                date = b.random_workday(month)
                project = b.active_projects(month)[rng.integers(len(b.active_projects(month)))]
                _purchase_invoice(b, date, b.bookkeeper_registers(date), name, str(rng.integers(10**6, 10**7)),
                                  [("1330", b.lognormal(median, .5), f"{text} sag {project[0]}")])
        for project in b.active_projects(month):
            if project[0] in ("2431", "2502", "2514", "2505"):
                date = b.workdays(month)[0]
                _purchase_invoice(b, date, b.bookkeeper_registers(date), "Stilladsudlejning Midt",
                                  f"S{rng.integers(10_000, 99_999)}",
                                  [("1330", b.lognormal(22_000, .25), f"stilladsleje {MÅNED[month - 1]} sag {project[0]}")])
        first = b.workdays(month)[0]
        _purchase_invoice(b, first, b.bookkeeper_registers(first), "Nordania Leasing", f"L{2500 + month:05d}",
                          [("2220", 17_940.0, f"leasing 3 varebiler {MÅNED[month - 1]}")], "pbs")
        fuel_day = b.workdays(month)[2]
        _purchase_invoice(b, fuel_day, b.bookkeeper_registers(fuel_day), "Circle K Danmark",
                          f"CK{rng.integers(10**7, 10**8)}",
                          [("2210", b.lognormal(38_000 * s ** .5, .12), "brændstofkort, forrige måned")], "net14")
        _purchase_invoice(b, fuel_day, b.bookkeeper_registers(fuel_day), "OK a.m.b.a.", f"{rng.integers(10**7, 10**8)}",
                          [("2210", b.lognormal(8_500, .15), "brændstofkort, forrige måned")], "net14")
        for name, account, amount, text, terms in (
                ("Andel Energi", "2420", 4_800.0, "el aconto", "pbs"),
                ("TDC Erhverv", "2620", b.lognormal(3_250, .05), "telefoni og bredbånd", "pbs"),
                ("Microsoft Ireland / e-conomic", "2630", 2_480.0, "licenser", "net14"),
                ("Bogføringsbureauet Nørgaard", "2640", round(b.lognormal(9_800, .15), -1), "bogføring", "net14")):
            date = b.random_workday(month)
            _purchase_invoice(b, date, b.bookkeeper_registers(date), name, str(rng.integers(10**6, 10**7)),
                              [(account, amount, text)], terms)
        if month in (1, 4, 7, 10):
            date = b.workdays(month)[3]
            _purchase_invoice(b, date, b.bookkeeper_registers(date), "Tryg Forsikring", f"P{rng.integers(10**6, 10**7)}",
                              [("2610", 24_600.0, f"erhvervs- og entrepriseforsikring {(month + 2) // 3}. kvt.")],
                              "net30", vat_rate=0.0)
            date = b.random_workday(month + 1)
            _purchase_invoice(b, date, b.bookkeeper_registers(date), "Aarhus Vand", str(rng.integers(10**6, 10**7)),
                              [("2420", b.lognormal(2_100, .1), "vand og afledning kvartal")], "net14")
        if month in (3, 9):
            date = b.random_workday(month)
            _purchase_invoice(b, date, b.bookkeeper_registers(date), "Beierholm Revision", str(rng.integers(10**5, 10**6)),
                              [("2640", 42_000.0 if month == 3 else 18_500.0,
                                "revision årsrapport" if month == 3 else "assistance moms og løn")], "net14")


def _payment_runs(b: Books) -> None:
    """Friday runs pay what is registered and due within the week; Betalingsservice on the due date."""
    for p in b.payables:
        if p["pbs"]:
            when = b.on_or_after(max(p["due"], p["entered"]))
            if when <= b.end:
                text = f"Betalingsservice {p['supplier']} fakt. {p['number']}"
                b.post("BANK", when, b.batch_after(when), BOGHOLDER,
                       [("6810", p["gross"], text, ""), ("5810", -p["gross"], text, "")])
            p["paid"] = True
    fridays = b.open[(b.open.day_of_week == 4) & (b.open.year == b.year)]
    for run in fridays:
        due = [p for p in b.payables if not p.get("paid") and p["entered"] <= run
               and p["due"] <= run + pd.Timedelta(days=6)]
        by_supplier: dict[str, list[dict]] = {}
        for p in due:
            by_supplier.setdefault(p["supplier"], []).append(p)
        entered = b.batch_after(run)
        for supplier, items in by_supplier.items():
            total = _r(sum(p["gross"] for p in items))
            if total <= 0:
                continue
            lines = [("6810", p["gross"], f"Betaling {supplier} fakt. {p['number']}", "") for p in items]
            lines.append(("5810", -total, f"Betalingskørsel {run:%d.%m}: {supplier}", ""))
            b.post("BANK", run, entered, BOGHOLDER, lines)
            for p in items:
                p["paid"] = True


def _card(b: Books) -> None:
    rng = b.rng
    names, accounts, medians, sigmas, shares = zip(*CARD_ITEMS, strict=True)
    for month in range(1, 13):
        for _ in range(rng.poisson(40 * SEASON[month])):
            i = rng.choice(len(CARD_ITEMS), p=np.array(shares) / sum(shares))
            date = b.random_workday(month)
            project = b.active_projects(month)[rng.integers(len(b.active_projects(month)))]
            _card_purchase(b, date, b.site_manager_uploads(date), names[i], accounts[i],
                           _r(b.lognormal(medians[i], sigmas[i])), f"sag {project[0]}")
    saturdays = b.closed[(b.closed.day_of_week == 5) & (b.closed.year == b.year)]
    for date in rng.choice(saturdays, size=3, replace=False):  # emergency jobs: a flooded basement, a storm roof
        date = pd.Timestamp(date)
        _card_purchase(b, date, b.site_manager_uploads(date), "Akutreparation, materialer XL-Byg", "1310",
                       _r(b.lognormal(2_400, .4)), "vandskade/stormskade, service")
    for month in range(1, 12):
        date = b.workdays(month + 1)[2]
        total = _r(b.card.get(month, 0.0))
        text = f"Firmakort Danske Bank, opgørelse {MÅNED[month - 1]}"
        b.post("BANK", date, b.batch_after(date), BOGHOLDER, [("5815", total, text, ""), ("5810", -total, text, "")])


def _payroll_voucher(b: Books, pay_day, gross_parts: list[tuple[float, str]], workers: int, hourly: bool,
                     label: str) -> list[tuple[str, float, str, str]]:
    gross = _r(sum(x for x, _ in gross_parts))
    atp_emp, atp_er = (45.70, 91.40) if hourly else (99.0, 198.0)
    atp_emp, atp_er = _r(atp_emp * workers), _r(atp_er * workers)
    pens_emp, pens_er = (_r(gross * .04), _r(gross * .08)) if hourly else (_r(gross * .05), _r(gross * .10))
    am = _r(.08 * (gross - atp_emp - pens_emp))
    skat = _r(.38 * max(gross - atp_emp - pens_emp - am - workers * (2_150 if hourly else 4_650), 0))
    wage, pension, atp = ("1340", "1350", "1360") if hourly else ("2810", "2820", "2830")
    lines = [(wage, x, f"{label}, {t}", "") for x, t in gross_parts]
    if hourly:
        lines.append(("1345", _r(gross * .125), f"{label}, feriepenge 12,5 %", ""))
    lines += [(pension, pens_er, f"{label}, arbejdsgiverpension", ""), (atp, atp_er, f"{label}, ATP arbejdsgiver", ""),
              ("7010", -skat, f"{label}, A-skat", ""), ("7020", -am, f"{label}, AM-bidrag", ""),
              ("7030", -(atp_emp + atp_er), f"{label}, ATP", ""),
              ("7040", -(pens_emp + pens_er), f"{label}, pension PensionDanmark", "")]
    if hourly:
        lines.append(("7050", -_r(gross * .125), f"{label}, feriepenge til FerieKonto", ""))
    lines.append(("5810", 0.0, f"{label}, nettoløn overført", ""))
    return lines


def _payroll(b: Books) -> None:
    rng = b.rng
    paydays = [b.on_or_before(d) for d in pd.date_range(f"{b.year}-01-01", f"{b.year}-12-31", freq="W-FRI")
               if d.isocalendar().week % 2 == 0]
    for pay in paydays:
        month = pay.month
        period = b.open[(b.open > pay - pd.Timedelta(days=19)) & (b.open <= pay - pd.Timedelta(days=5))]
        workers = 13 + round(7 * (SEASON[month] - .55) / .75)
        weather = .85 if month in (1, 2, 12) else 1.0
        hours = 7.4 * len(period) * weather
        gross = workers * hours * HOURLY_RATE * rng.uniform(.97, 1.03) * (1.06 if SEASON[month] >= 1.2 else 1.0)
        projects = b.active_projects(month)
        weights = rng.dirichlet(np.ones(len(projects)) * 3) * .96
        week = pay.isocalendar().week
        label = f"Timeløn uge {week - 3}-{week - 2}"
        parts = [(_r(gross * w), f"sag {p[0]}") for w, p in zip(weights, projects, strict=True)]
        parts.append((_r(gross * .04), "værksted og kørsel"))
        entered = b.plus_workdays(pay, -int(rng.integers(1, 3)))
        b.post("LØN", pay, entered, LØNNING, _payroll_voucher(b, pay, parts, workers, True, label))
    for month in range(1, 13):
        pay = b.last_workday(month)
        gross = 198_500.0 if month < 4 else 204_300.0
        label = f"Gager {MÅNED[month - 1]}"
        b.post("LØN", pay, b.plus_workdays(pay, -int(rng.integers(1, 3))), LØNNING,
               _payroll_voucher(b, pay, [(gross, "funktionærer")], 5, False, label))
    # liabilities paid on
    frame = _lines(b, series=("LØN",))
    frame["month"] = frame["date"].dt.month
    per = frame.groupby(["month", "account"])["amount"].sum()
    for month in range(1, 12):
        nxt = month + 1
        skat, am = -per.get((month, "7010"), 0.0), -per.get((month, "7020"), 0.0)
        date = b.on_or_after(pd.Timestamp(b.year, nxt, 10))
        text = f"Skattekonto: A-skat og AM-bidrag {MÅNED[month - 1]}"
        b.post("BANK", date, b.batch_after(date), BOGHOLDER,
               [("7010", skat, text, ""), ("7020", am, text, ""), ("5810", 0.0, text, "")])
        pension = -per.get((month, "7040"), 0.0)
        date = b.on_or_after(pd.Timestamp(b.year, nxt, 5))
        text = f"PensionDanmark, indbetaling {MÅNED[month - 1]}"
        b.post("BANK", date, b.batch_after(date), BOGHOLDER, [("7040", pension, text, ""), ("5810", 0.0, text, "")])
        ferie = -per.get((month, "7050"), 0.0)
        date = b.last_workday(nxt)
        text = f"FerieKonto, feriepenge {MÅNED[month - 1]}"
        b.post("BANK", date, b.batch_after(date), BOGHOLDER, [("7050", ferie, text, ""), ("5810", 0.0, text, "")])
    for quarter in range(1, 4):
        atp = -sum(per.get((m, "7030"), 0.0) for m in range(3 * quarter - 2, 3 * quarter + 1))
        date = b.on_or_after(pd.Timestamp(b.year, 3 * quarter + 1, 15))
        text = f"ATP, {quarter}. kvartal"
        b.post("BANK", date, b.batch_after(date), BOGHOLDER, [("7030", atp, text, ""), ("5810", 0.0, text, "")])


def _overheads_and_journals(b: Books) -> None:
    rng = b.rng
    for month in range(1, 13):
        first = b.workdays(month)[0]
        text = f"Husleje {MÅNED[month - 1]}, Ejendomsselskabet Skejby (BS)"
        b.post("BANK", first, b.batch_after(first), BOGHOLDER, [
            ("2410", 32_500.0, text, "I25"), ("6920", 8_125.0, f"{text}, købsmoms", ""), ("5810", 0.0, text, "")])
        last = b.last_workday(month)
        text = f"Gebyrer Danske Bank {MÅNED[month - 1]}"
        b.post("BANK", last, b.batch_after(last), BOGHOLDER,
               [("3410", _r(b.lognormal(640, .15)), text, ""), ("5810", 0.0, text, "")])
        if month % 3 == 0:
            text = f"Renter kassekredit {month // 3}. kvt."
            b.post("BANK", last, b.batch_after(last), BOGHOLDER,
                   [("3420", _r(b.lognormal(6_800, .3)), text, ""), ("5810", 0.0, text, "")])
        # the owner's month-end journals, dated on the month's last calendar day, booked at the closing
        end = b.month_end(month)
        closing = b.plus_workdays(end, int(rng.integers(3, 12)))
        text = f"Afskrivninger {MÅNED[month - 1]}"
        b.post("MAN", end, closing, EJER, [("3110", DEPRECIATION, text, ""), ("5120", 0.0, text, "")])
        projects = b.active_projects(month)
        chosen = rng.choice(len(projects), size=min(len(projects), int(rng.integers(1, 4))), replace=False)
        accrued = [(projects[i][0], round(b.lognormal(55_000, .5), -2)) for i in chosen]
        lines = [("1320", x, f"Periodisering udført UE-arbejde ikke faktureret, sag {sag}", "") for sag, x in accrued]
        lines.append(("6820", 0.0, f"Periodisering UE-arbejde {MÅNED[month - 1]}", ""))
        b.post("MAN", end, closing, EJER, lines)
        if month < 12:
            back = b.workdays(month + 1)[0]
            lines = [("6820", x, f"Tilbageført periodisering UE, sag {sag}", "") for sag, x in accrued]
            lines.append(("1320", 0.0, f"Tilbageført periodisering UE {MÅNED[month - 1]}", ""))
            b.post("MAN", back, closing, EJER, lines)


def _vat_settlements(b: Books) -> None:
    """The bookkeeper's quarterly moms journal from what was registered by then; paid on the 1st, 3 months on."""
    frame = _lines(b)
    for quarter in range(1, 5):
        end = b.month_end(3 * quarter)
        entered = b.batch_after(end + pd.Timedelta(days=int(b.rng.integers(10, 25))))
        inside = frame[(frame["date"] > end - pd.offsets.QuarterEnd(1)) & (frame["date"] <= end)
                       & (frame["entered"] <= entered)]
        out = -_r(inside.loc[inside["account"] == "6910", "amount"].sum())
        inn = _r(inside.loc[inside["account"] == "6920", "amount"].sum())
        text = f"Momsafregning {quarter}. kvartal {b.year}"
        b.post("MAN", end, entered, BOGHOLDER,
               [("6910", out, text, ""), ("6920", -inn, text, ""), ("6930", 0.0, text, "")])
        if quarter < 4:
            due = b.on_or_after(pd.Timestamp(b.year, 3 * quarter + 3, 1))
            b.post("BANK", due, b.batch_after(due), BOGHOLDER,
                   [("6930", _r(out - inn), f"Skattekonto: moms {quarter}. kvartal", ""),
                    ("5810", 0.0, f"Skattekonto: moms {quarter}. kvartal", "")])


def _lines(b: Books, series: tuple[str, ...] | None = None) -> pd.DataFrame:
    rows = [(v["series"], v["date"], v["entered"], a, x) for v in b.vouchers
            if series is None or v["series"] in series for a, x, _, _ in v["lines"]]
    return pd.DataFrame(rows, columns=["series", "date", "entered", "account", "amount"])


# --------------------------------------------------------------------------------------------------- anomalies
def _pick(b: Books, seq):
    return seq[b.rng.integers(len(seq))]


def _month(b: Books, lo: int = 2, hi: int = 11) -> int:
    return int(b.rng.integers(lo, hi + 1))


def _inject(b: Books, kind: str, k: int) -> None:
    """One instance of `kind`, as it would happen at this firm; variant by k."""
    rng, aid = b.rng, f"{kind}-{k + 1:02d}"

    def sub_invoice(month: int, date=None, entered=None, gross: float | None = None, user=BOGHOLDER, sub=None,
                    number=None, **kw) -> int:
        name, trade, median, _ = sub or _pick(b, SUBCONTRACTORS)
        date = date if date is not None else b.random_workday(month)
        project = _pick(b, b.active_projects(date.month))
        net = _r(gross / (1 + MOMS)) if gross else b.lognormal(median, .4)
        return _purchase_invoice(b, date, entered if entered is not None else b.bookkeeper_registers(date), name,
                                 number or str(rng.integers(10**5, 10**6)),
                                 [("1320", net, f"{trade} aconto sag {project[0]}")], "net30", user=user,
                                 kind=kind, aid=aid, pay=False, **kw)

    if kind == "amount_outlier":
        v = k % 4
        month = _month(b)
        date = b.random_workday(month)
        factor = rng.uniform(20, 60)
        project = _pick(b, b.active_projects(month))
        if v == 0:  # a small merchant's invoice keyed with the øre as kroner, or a misplaced order
            name, median, _, _, account, terms = _pick(b, [m for m in MERCHANTS if m[1] < 5_000])
            _purchase_invoice(b, date, b.bookkeeper_registers(date), name, str(rng.integers(10**6, 10**7)),
                              [(account, median * factor, f"sag {project[0]}")], terms, kind=kind, aid=aid, pay=False)
        elif v == 1:  # a crew meal receipt the size of a company party
            _card_purchase(b, date, b.site_manager_uploads(date), "Forplejning mandskab", "2650",
                           _r(850 * factor), f"sag {project[0]}", kind=kind, aid=aid, settle=False)
        elif v == 2:  # a service invoice to a private household 20-40x the usual repair
            client, terms = _pick(b, [c for c in SERVICE_CLIENTS if c[1] == "privat"])
            total = 7_500 * rng.uniform(20, 40)
            _sales_invoice(b, date, date, client, "service og reparation",
                           [("1020", round(total * .6, 0), "arbejdsløn"), ("1020", _r(total * .4), "materialer")],
                           None, kind=kind, aid=aid)
        else:  # the second fuel card's monthly invoice at tens of times its usual month
            date = b.workdays(month)[2]
            _purchase_invoice(b, date, b.bookkeeper_registers(date), "OK a.m.b.a.", str(rng.integers(10**7, 10**8)),
                              [("2210", 8_500 * rng.uniform(20, 35), "brændstofkort, forrige måned")], "net14",
                              kind=kind, aid=aid, pay=False)

    elif kind == "unusual_account_combination":
        v = k % 4
        month = _month(b)
        date = b.random_workday(month)
        sag = _pick(b, b.active_projects(month))[0]
        if v == 0:  # the payroll clerk offsets a wage correction against project revenue
            x = round(b.lognormal(18_000, .4), 2)
            text = f"Regulering løn mod omsætning, sag {sag}"
            b.post("LØN", date, b.plus_workdays(date, 1), LØNNING, [("1340", x, text, ""), ("1010", 0.0, text, "")],
                   kind, aid)
        elif v == 1:  # a client's payment applied to the rent instead of the client's invoice
            text = f"Indbetaling {_pick(b, PROJECTS)[1]} modregnet husleje"
            b.post("BANK", date, b.batch_after(date), BOGHOLDER,
                   [("2410", 32_500.0, text, ""), ("5610", -32_500.0, text, "")], kind, aid)
        elif v == 2:  # a merchant invoice whose creditor side went to the A-skat liability
            name = _pick(b, MERCHANTS)[0]
            _purchase_invoice(b, date, b.bookkeeper_registers(date), name, str(rng.integers(10**6, 10**7)),
                              [("1310", b.lognormal(6_000, .5), f"sag {sag}")], None, payable="7010",
                              kind=kind, aid=aid)
        else:  # interest charged to a client booked against the overdraft interest expense
            x = round(b.lognormal(1_800, .4), 2)
            text = f"Rentenota {_pick(b, SERVICE_CLIENTS)[0]}"
            b.post("MAN", date, b.plus_workdays(date, 2), EJER, [("5610", x, text, ""), ("3420", 0.0, text, "")],
                   kind, aid)

    elif kind == "weekend_holiday_posting":
        v = k % 6
        month = _month(b, 3, 11)
        closed = b.closed[(b.closed.year == b.year) & (b.closed.month == month)]
        holidays_in_year = [d for d in b.holidays if d.year == b.year and d.day_of_week < 5 and 3 <= d.month <= 11]
        if v in (1, 3) and holidays_in_year:
            date = _pick(b, holidays_in_year)
        else:
            sundays = closed[closed.day_of_week == 6]
            date = _pick(b, sundays)
        month = date.month
        sag = _pick(b, b.active_projects(month))[0]
        after = b.on_or_after(date)
        if v == 0:  # a subcontractor invoice dated a Sunday
            sub_invoice(month, date=date)
        elif v == 1:  # an aconto invoice issued on a public holiday
            project = _pick(b, b.active_projects(month))
            _sales_invoice(b, date, date, project[1], f"sag {project[0]} {project[2]}, acontofaktura",
                           [("1010", round(project[5] / 8, -3), f"sag {project[0]} aconto")], None,
                           kind=kind, aid=aid)
        elif v == 2:  # a supplier payment sent from the netbank on a Sunday
            name = _pick(b, SUBCONTRACTORS)[0]
            x = _r(b.lognormal(45_000, .4))
            text = f"Betaling {name} fakt. {rng.integers(10**5, 10**6)}"
            b.post("BANK", date, b.batch_after(date), BOGHOLDER, [("6810", x, text, ""), ("5810", -x, text, "")],
                   kind, aid)
        elif v == 3:  # the owner's journal dated and entered on a public holiday
            x = round(b.lognormal(40_000, .4), -2)
            b.post("MAN", date, date, EJER, [("1320", x, f"Periodisering UE-arbejde sag {sag}", ""),
                                             ("6820", 0.0, f"Periodisering UE-arbejde sag {sag}", "")], kind, aid)
        elif v == 4:  # a payroll correction dated a Sunday
            x = _r(b.lognormal(6_000, .3))
            text = "Efterregulering timeløn, manglende overtid"
            b.post("LØN", date, after, LØNNING, [("1340", x, f"{text} sag {sag}", ""), ("7010", -_r(x * .38), text, ""),
                                                  ("5810", 0.0, text, "")], kind, aid)
        else:  # office supplies on the company card on a Sunday
            _card_purchase(b, date, after, "Kontorartikler, Bilka", "1315", _r(b.lognormal(900, .4)),
                           kind=kind, aid=aid, settle=False)

    elif kind == "round_amount":
        v = k % 6
        month = _month(b)
        date = b.month_end(month) if v in (0, 1, 5) else b.random_workday(month)
        entered = b.plus_workdays(date, int(rng.integers(1, 8)))
        x = float(_pick(b, (50_000, 75_000, 100_000, 120_000, 150_000, 200_000, 250_000, 300_000)))
        sag = _pick(b, b.active_projects(month))[0]
        debit, credit, text = (
            ("1320", "6820", f"Hensættelse UE, sag {sag}"),
            ("1010", "6820", f"Regulering igangværende arbejder, sag {sag}"),
            ("6810", "5810", "Forudbetaling underentreprenør iflg. aftale"),
            ("2810", "6820", "Bonus, hensat"),
            ("5610", "1010", f"Ekstraarbejde aftalt, sag {sag}"),
            ("3110", "5120", "Ekstraordinær afskrivning"))[v]
        b.post("MAN", date, entered, EJER, [(debit, x, text, ""), (credit, -x, text, "")], kind, aid)

    elif kind == "just_below_approval_limit":
        v = k % 3
        month = _month(b)
        sub = _pick(b, [s for s in SUBCONTRACTORS if s[2] >= 38_000])
        if v == 0:  # one invoice a few hundred kroner under the limit
            sub_invoice(month, gross=rng.uniform(97_000, 99_990), sub=sub)
        elif v == 1:  # one job split into two invoices, each under the limit, same day, consecutive numbers
            date = b.random_workday(month)
            entered = b.bookkeeper_registers(date)
            number = int(rng.integers(10**5, 10**6))
            for part in (0, 1):
                sub_invoice(month, date=date, entered=entered, gross=rng.uniform(95_000, 99_500), sub=sub,
                            number=str(number + part))
        else:  # a net amount that lands the gross at 99 9xx
            sub_invoice(month, gross=float(rng.integers(99_900, 99_990)), sub=sub)

    elif kind == "duplicate":
        v = k % 4
        month = _month(b, 2, 10)
        date = b.random_workday(month)
        if v == 3:  # a merchant invoice registered twice in the same batch
            name, median, sigma, _, account, terms = _pick(b, MERCHANTS)
            sag = _pick(b, b.active_projects(month))[0]
            number, net, entered = str(rng.integers(10**6, 10**7)), b.lognormal(median, sigma), b.bookkeeper_registers(date)
            _purchase_invoice(b, date, entered, name, number, [(account, net, f"sag {sag}")], terms)
            _purchase_invoice(b, date, entered, name, number, [(account, net, f"sag {sag}")], terms,
                              kind=kind, aid=aid, pay=False)
            return
        name, trade, median, _ = _pick(b, SUBCONTRACTORS)
        sag = _pick(b, b.active_projects(month))[0]
        number, net = str(rng.integers(10**5, 10**6)), _r(b.lognormal(median, .4))
        first = b.bookkeeper_registers(date)
        _purchase_invoice(b, date, first, name, number, [("1320", net, f"{trade} aconto sag {sag}")], "net30")
        again = b.batch_after(first + pd.Timedelta(days=1), int(rng.integers(0, 3)))
        copy_date, copy_number = date, number
        if v == 1:  # the copy keyed with another number
            copy_number = _pick(b, (f"F-{number}", f"{number}-1", number[:-2] + number[-1] + number[-2]))
        elif v == 2:  # a reminder copy, dated when it was re-sent
            copy_date = b.plus_workdays(date, int(rng.integers(8, 15)))
            again = b.batch_after(copy_date + pd.Timedelta(days=1))
        _purchase_invoice(b, copy_date, again, name, copy_number, [("1320", net, f"{trade} aconto sag {sag}")],
                          "net30", kind=kind, aid=aid, pay=False)

    elif kind == "backdated":
        v = k % 4
        month = _month(b, 2, 7)
        date = b.random_workday(month)
        late = b.on_or_after(date + pd.Timedelta(days=int(rng.integers(50, 160))))
        sag = _pick(b, b.active_projects(month))[0]
        if v == 0:  # a subcontractor invoice found in the site hut, registered with its own old date
            sub_invoice(month, date=date, entered=b.on_or_after(late, b.batches))
        elif v == 1:  # the owner corrects a closed quarter months later
            end = b.month_end(3 * ((month - 1) // 3 + 1))
            x = round(b.lognormal(30_000, .5), -2)
            text = f"Korrektion: omposteret materialer til UE, sag {sag}"
            b.post("MAN", end, b.on_or_after(end + pd.Timedelta(days=int(rng.integers(60, 150)))), EJER,
                   [("1320", x, text, ""), ("1310", 0.0, text, "")], kind, aid)
        elif v == 2:  # a credit note dated back to the invoice it credits
            project = _pick(b, b.active_projects(month))
            x = round(b.lognormal(25_000, .5), -2)
            _sales_invoice(b, date, late, project[1], f"sag {project[0]}, kreditering af aconto",
                           [("1010", -x, f"sag {project[0]} kreditering")], None, kind=kind, aid=aid)
        else:  # a card receipt uploaded months after the purchase
            _card_purchase(b, date, late, "Værktøj, Harald Nyborg", "1315", _r(b.lognormal(1_400, .5)),
                           f"sag {sag}", kind=kind, aid=aid, settle=False)

    elif kind == "unusual_user":
        v = k % 5
        month = _month(b)
        date = b.random_workday(month)
        sag = _pick(b, b.active_projects(month))[0]
        if v == 0:  # the site manager registers a subcontractor invoice himself
            sub_invoice(month, date=date, entered=b.plus_workdays(date, 1), user=FORMAND)
        elif v == 1:  # the payroll clerk books a supplier payment
            name = _pick(b, MERCHANTS)[0]
            x = _r(b.lognormal(12_000, .5))
            text = f"Betaling {name} fakt. {rng.integers(10**6, 10**7)}"
            b.post("BANK", date, date, LØNNING, [("6810", x, text, ""), ("5810", -x, text, "")], kind, aid)
        elif v == 2:  # the office manager posts an accrual journal
            end = b.month_end(month)
            x = round(b.lognormal(50_000, .4), -2)
            text = f"Periodisering udført UE-arbejde ikke faktureret, sag {sag}"
            b.post("MAN", end, b.plus_workdays(end, 3), KONTOR, [("1320", x, text, ""), ("6820", 0.0, text, "")],
                   kind, aid)
        elif v == 3:  # the bookkeeper posts a payroll voucher
            x = _r(b.lognormal(22_000, .3))
            text = "Timeløn, efterbetaling"
            b.post("LØN", date, b.batch_after(date), BOGHOLDER, [("1340", x, f"{text} sag {sag}", ""),
                                                                  ("7010", -_r(x * .34), text, ""),
                                                                  ("7020", -_r(x * .08), text, ""),
                                                                  ("5810", 0.0, text, "")], kind, aid)
        else:  # the owner issues a service invoice
            client, _ = _pick(b, SERVICE_CLIENTS)
            total = b.lognormal(7_500, .5)
            _sales_invoice(b, date, date, client, "service og reparation",
                           [("1020", round(total * .6, 0), "arbejdsløn"), ("1020", _r(total * .4), "materialer")],
                           None, user=EJER, kind=kind, aid=aid)

    elif kind == "broken_vat_ratio":
        v = k % 4
        month = _month(b)
        date = b.last_workday(month) if v < 2 else b.random_workday(month)
        if v < 2:
            project = _pick(b, b.active_projects(month))
            client, text = project[1], f"sag {project[0]} {project[2]}, acontofaktura"
            net = float(round(project[5] / 7 * rng.uniform(.8, 1.2), -3))
            parts = [("1010", net, f"sag {project[0]} aconto")]
        else:
            client, _ = _pick(b, SERVICE_CLIENTS)
            text, total = "service og reparation", b.lognormal(9_000, .5)
            parts = [("1020", round(total * .6, 0), "arbejdsløn"), ("1020", _r(total * .4), "materialer")]
            net = _r(sum(x for _, x, _ in parts))
        if v == 0:  # the 20 % "momsandel" taken for the rate
            vat = _r(net * .20)
        elif v == 1:  # moms from an earlier draft: the amount was changed, the moms was not
            vat = _r(net * rng.uniform(.8, .92) * MOMS)
        elif v == 2:  # moms only on the labour
            vat = _r(parts[0][1] * MOMS)
        else:  # two digits of the moms swapped
            s = f"{net * MOMS:.2f}"
            i = next((j for j in range(len(s) - 5) if s[j] != s[j + 1] and s[j + 1] != "."), 0)
            vat = float(s[:i] + s[i + 1] + s[i] + s[i + 2:])
            if vat == _r(net * MOMS):  # all digits alike: a digit dropped instead
                vat = float(s[1:])
        _sales_invoice(b, date, date, client, text, parts, None, vat=vat, kind=kind, aid=aid)

    elif kind == "period_end_reversal":
        v = k % 3
        month = _month(b, 2, 11)
        project = _pick(b, b.active_projects(month))
        x = float(round(project[5] / 6 * rng.uniform(.5, 1.0), -3))
        if v in (0, 2):  # an extra aconto invoice on the last working day, credited in full a few days later
            date = b.last_workday(month)
            idx = _sales_invoice(b, date, date, project[1], f"sag {project[0]} {project[2]}, aconto ekstra",
                                 [("1010", x, f"sag {project[0]} aconto")], None, kind=kind, aid=aid)
            back = b.plus_workdays(date, int(rng.integers(1, 5)))
            _sales_invoice(b, back, back, project[1], f"kreditering af faktura {_ref(idx)}",
                           [("1010", -x, f"sag {project[0]} krediteret")], None, kind=kind, aid=aid)
        else:  # the owner's journal "faktureret, ikke udført" on the month's last day, reversed on the 2nd-4th
            end = b.month_end(month)
            text = f"Omsætning sag {project[0]}, udført ikke faktureret"
            entered = b.plus_workdays(end, int(rng.integers(0, 3)))
            b.post("MAN", end, entered, EJER, [("5610", x, text, ""), ("1010", -x, text, "")], kind, aid)
            back = b.workdays(month + 1)[int(rng.integers(1, 4))]
            b.post("MAN", back, max(back, entered), EJER,
                   [("1010", x, f"Tilbageført: {text}", ""), ("5610", -x, f"Tilbageført: {text}", "")], kind, aid)

    elif kind == "unbalanced_voucher":
        v = k % 5
        month = _month(b)
        date = b.random_workday(month)
        sag = _pick(b, b.active_projects(month))[0]
        if v == 0:  # the creditor line took the net amount, not the gross
            name, median, sigma, _, account, terms = _pick(b, MERCHANTS)
            net = _r(b.lognormal(median, sigma))
            number = str(rng.integers(10**6, 10**7))
            b.post("KØB", date, b.bookkeeper_registers(date), BOGHOLDER, [
                (account, net, f"{name} fakt. {number} sag {sag}", "I25"),
                ("6920", _r(net * MOMS), f"{name} fakt. {number} købsmoms", ""),
                ("6810", -net, f"{name} fakt. {number}", "")], kind, aid, balance=False)
        elif v == 1:  # two digits swapped on one side of the depreciation
            end = b.month_end(month)
            b.post("MAN", end, b.plus_workdays(end, 4), EJER, [
                ("3110", DEPRECIATION, f"Afskrivninger {MÅNED[month - 1]}", ""),
                ("5120", -27_196.67, f"Afskrivninger {MÅNED[month - 1]}", "")], kind, aid, balance=False)
        elif v == 2:  # øre lost on an invoice imported from the quoting program
            client, terms = _pick(b, SERVICE_CLIENTS)
            total = b.lognormal(7_500, .5)
            parts = [("1020", round(total * .6, 0), "arbejdsløn"), ("1020", _r(total * .4), "materialer")]
            idx = _sales_invoice(b, date, date, client, "service og reparation", parts, None, kind=kind, aid=aid)
            a, x, t, c = b.vouchers[idx]["lines"][0]
            b.vouchers[idx]["lines"][0] = (a, _r(x - rng.integers(1, 50) / 100), t, c)
        elif v == 3:  # a payroll import without its ATP liability line
            pay = b.on_or_before(date)
            lines = _payroll_voucher(b, pay, [(_r(b.lognormal(35_000, .2)), f"sag {sag}")], 2, True,
                                     "Timeløn, ekstra kørsel")
            lines = b.vouchers[b.post("LØN", pay, pay, LØNNING, lines)]["lines"]
            b.vouchers[-1]["lines"] = [line for line in lines if line[0] != "7030"]
            b.label(len(b.vouchers) - 1, kind, aid)
        else:  # a client payment keyed with a different amount on each side
            project = _pick(b, b.active_projects(month))
            x = _r(b.lognormal(150_000, .4))
            text = f"Indbetaling {project[1]}"
            b.post("BANK", date, b.batch_after(date), BOGHOLDER,
                   [("5810", x, text, ""), ("5610", -_r(x - float(rng.integers(9, 900))), text, "")], kind, aid,
                   balance=False)

    elif kind == "daily_spike":
        v = k % 4
        month = _month(b)
        date = b.random_workday(month)
        sag = _pick(b, b.active_projects(month))[0]
        if v == 0:  # a pile of receipts all dated the day the site manager found them
            for _ in range(int(rng.integers(15, 26))):
                _card_purchase(b, date, b.site_manager_uploads(date), "Værktøj og materialer, Harald Nyborg", "1315",
                               _r(b.lognormal(900, .6)), f"sag {sag}", kind=kind, aid=aid, settle=False)
        elif v == 1:  # a merchant re-issues a month of delivery notes as invoices on one day
            name, median, sigma, _, account, terms = _pick(b, MERCHANTS[:3])
            entered = b.bookkeeper_registers(date)
            number = int(rng.integers(10**6, 10**7))
            for i in range(int(rng.integers(12, 21))):
                _purchase_invoice(b, date, entered, name, str(number + i),
                                  [(account, b.lognormal(median, sigma), f"sag {sag}")], None, kind=kind, aid=aid)
        elif v == 2:  # the office catches up a month of service invoices on one day
            for _ in range(int(rng.integers(15, 26))):
                client, _ = _pick(b, SERVICE_CLIENTS)
                total = b.lognormal(7_500, .6)
                _sales_invoice(b, date, date, client, "service og reparation",
                               [("1020", round(total * .6, 0), "arbejdsløn"), ("1020", _r(total * .4), "materialer")],
                               None, kind=kind, aid=aid)
        else:  # the owner re-allocates wages between projects in a flurry of journals
            others = [p[0] for p in b.active_projects(month) if p[0] != sag] or [sag]
            for _ in range(int(rng.integers(12, 21))):
                x = round(b.lognormal(60_000, .5), -2)
                text = f"Omfordeling løn sag {sag} til sag {_pick(b, others)}"
                b.post("MAN", date, date, EJER, [("1340", x, text, ""), ("1340", -x, text, "")], kind, aid)
    else:  # pragma: no cover - KINDS lists every branch
        raise ValueError(kind)


# ------------------------------------------------------------------------------------------------------ output
COLUMNS = ["Dato", "Bilagsnr.", "Konto", "Kontonavn", "Tekst", "Momskode", "Debet", "Kredit", "Bruger",
           "Registreringsdato", "anomaly_kind", "anomaly_id"]


def generate_construction(seed: int = 31, year: int = 2025, per_kind: int = 6) -> pd.DataFrame:
    """A labelled ledger: one row per voucher line, Danish columns, `anomaly_kind`/`anomaly_id` '' when normal."""
    b = Books(np.random.default_rng(seed), year)
    _sales(b)
    _purchases(b)
    _card(b)
    _payroll(b)
    _overheads_and_journals(b)
    _payment_runs(b)
    for kind in KINDS:
        for k in range(per_kind):
            _inject(b, kind, k)
    _vat_settlements(b)
    # number each series in registration order
    order = sorted(range(len(b.vouchers)), key=lambda i: (b.vouchers[i]["series"], b.vouchers[i]["entered"],
                                                          b.vouchers[i]["date"], i))
    numbers: dict[int, str] = {}
    counters = dict(SERIES)
    for i in order:
        series = b.vouchers[i]["series"]
        numbers[i] = str(counters[series])
        counters[series] += 1
    refs = re.compile(r"§(\d+)§")
    rows = []
    for i, v in enumerate(b.vouchers):
        for account, amount, text, code in v["lines"]:
            rows.append((v["date"], numbers[i], account, KONTI[account], refs.sub(lambda m: numbers[int(m[1])], text),
                         code, amount if amount > 0 else 0.0, -amount if amount < 0 else 0.0, v["user"],
                         v["entered"], v["kind"], v["aid"]))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["Debet"] = frame["Debet"].round(2)
    frame["Kredit"] = frame["Kredit"].round(2)
    # a posting list: by date, then voucher number, lines in their order
    frame["_n"] = frame["Bilagsnr."].astype(int)
    frame = frame.sort_values(["Dato", "_n"], kind="stable").drop(columns="_n").reset_index(drop=True)
    return frame


def write_construction(frame: pd.DataFrame, path: Path) -> Path:
    """The Danish posting list: semicolons, decimal comma, dd-mm-yyyy, an empty cell on the side carrying nothing."""
    path = Path(path)
    out = frame.copy()
    for column in ("Dato", "Registreringsdato"):
        out[column] = out[column].dt.strftime("%d-%m-%Y")
    for column in ("Debet", "Kredit"):
        out[column] = out[column].map(lambda v: f"{v:.2f}".replace(".", ",") if v else "")
    out.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    frame = generate_construction(args.seed, args.year, args.per_kind)
    write_construction(frame, args.out)
    print(describe(args.out, frame, "Bilagsnr."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
