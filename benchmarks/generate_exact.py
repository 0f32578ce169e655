"""A held-out labelled ledger generator: a Utrecht IT services firm's year as an Exact Online transaction CSV.

Written apart from the detectors and from the pipeline's reader, for held-out evaluation only.

Domstad IT Services B.V., Utrecht (Rijnsweerd): an IT managed-services provider and hardware reseller with
about twelve staff. Calendar year 2024 in EUR on Exact Online with a Dutch chart of accounts in the 4-digit
style of Exact's standard NL template (0200/0300 fixed assets, 1100 Bank, 1300 Debiteuren, 1350 Nog te
factureren omzet, 1400 Vooruitbetaalde kosten, 1500/1510 BTW te betalen hoog/laag, 1520 BTW te vorderen, 1570
Af te dragen BTW, 1600 Crediteuren, 1710/1720/1730 payroll liabilities, 1800 Nog te betalen kosten, 1900
Rekening-courant directeur, 4000s personeelskosten, 4100s huisvesting, 4200s auto, 4300-4590 overige kosten,
4600 afschrijvingen, 7000s kostprijs, 8000s omzet). BTW 21 % (hoog), 9 % (laag: the office lunch catering,
course books sold with a training) and 0 % verlegd for the two EU business customers; the company's BTW-codes
(set up as Exact's common NL setup: 0 geen BTW, 1/2 verkopen laag/hoog, 3 verkopen EU verlegd, 4/5 inkopen
laag/hoog, 6 inkopen EU verlegd - the reverse charge books 21 % both to 1520 and to 1500). Quarterly
BTW-aangifte: the quarter's BTW accounts are cleared to 1570 by a memoriaal entry dated the quarter's last day
and 1570 is paid to the Belastingdienst by the end of the next month. The normal year:

- journals (Dagboek) 20 Bank (ING), 60 Verkoopboek, 65 Inkoopboek, 70 Memoriaal; each journal numbers its
  entries (Boekstuknummer) in the order they are created, so the same number occurs in several journals (sales
  entries from 24001, the others from 1);
- users: Sanne de Vries (boekhouder: purchase invoices, the bank statements, the payroll journal,
  depreciation, the BTW entries), Mark Jansen (verkoopadministratie: every sales invoice and credit note),
  Peter van Dijk (directeur: only his quarterly expense declaration against his current account 1900), Rob
  Bakker (the external accountant: quarter-end and year-end adjustments in Memoriaal, keyed 10-40 days after
  the quarter's end);
- office (working) days: Monday-Friday except Dutch public holidays (`holidays`, NL: Nieuwjaarsdag, Goede
  Vrijdag, Paasmaandag, Hemelvaartsdag, Pinkstermaandag, Kerstmis); every entry is created (Aangemaakt) on a
  working day in office hours;
- sales (60): about thirty managed-services customers invoiced in advance on the first working day of every
  month (a batch run by the sales administrator: the contract's fixed monthly fee to 8000 and Microsoft 365
  licences to 8030, the number of licences drifting month to month); project hours invoiced on the last
  working day of the month (hours x the customer's rate to 8010, now and then course books at 9 % to 8040);
  hardware deliveries (laptops, servers, switches... quantity x unit price to 8020, three roll-outs of 14-29
  laptops a year) on working days; the Belgian and German customers under code 3 to 8100 without BTW.
  Customers pay in 5-75 days, each its own habit; December 2023's invoices still open are paid in January
  (their numbers, 23xxx, appear on the bank lines only: their entries belong to last year's export);
- purchases (65), dated the supplier's invoice date and keyed 1-8 working days later, the supplier's invoice
  number as Uw ref.: hardware from four distributors (Copaco, Ingram Micro, TD SYNNEX, ALSO) to 7000 for each
  delivery (78-90 % of the sale), the freelancers' monthly hours to 7010, hosting to 7020; subscriptions dated
  the 1st of every month whatever the weekday (rent, KPN, Exact, Microsoft and Google - both EU reverse
  charge, TransIP, LeasePlan); Vattenfall, Shell fuel cards, the lunch caterer (9 %), the accountant, the
  insurer (no BTW), office supplies. APPROVAL_LIMIT: a purchase invoice of EUR 15,000 or more (incl. BTW)
  needs the director's approval in Exact's purchase-invoice approval workflow (so 14,250-15,000 is rare:
  normal invoices avoid it);
- bank (20): one entry per working day (that day's imported ING statement), every mutation a pair of lines
  (1100 and its contra account, the relation and the settled invoice number on both): customer receipts, the
  Thursday supplier payment run (invoices due within the week), direct debits 5-14 days after the invoice,
  rent by standing order, net salaries on the 25th, loonheffingen and pension premiums the next month, BTW,
  bank charges;
- memoriaal (70): the payroll journal on pay day (4000/4010/4020 against 1710/1720/1730; holiday pay in May),
  monthly depreciation dated the month's last day (a weekend included), the quarterly BTW entry, the
  director's and the accountant's entries above.

Anomalies (`KINDS` of `generate_ledger`, `per_kind` each, variants in turn; every line of an instance's entry
- (Dagboek, Boekstuknummer) - carries `anomaly_kind` and `anomaly_id`; anomalous bank items are entries of
their own; a duplicate's label is on the second entry only; a period-end reversal labels both entries):

- amount_outlier: a purchase invoice from a regular monthly supplier (KPN, Vattenfall, TransIP, Exact), a
  managed-services invoice, or a lunch-catering invoice 20-60x the partner's usual size;
- unusual_account_combination: memoriaal Lonen (4000) against Omzet (8000), memoriaal Huur (4100) against
  Debiteuren (1300), a distributor's purchase invoice coded to Omzet hardware (8020);
- weekend_holiday_posting: a purchase invoice, a hardware sales invoice or a memoriaal entry dated on a
  Saturday, Sunday or Dutch public holiday (never the 1st or the last day of a month) and keyed that same day;
- round_amount: a memoriaal 4590 / 1900 by the director, a bank transfer to the director's current account, a
  bank receipt of a loan from him: 10,000-50,000 in steps of 5,000;
- just_below_approval_limit: a purchase invoice of 14,700-14,990 incl. BTW (a distributor, a one-off cabling
  contractor, a freelancer);
- duplicate: a purchase invoice keyed twice 0-6 days apart with the same invoice date and amount: the same Uw
  ref., the reference re-typed (separators dropped, a prefix), or twice on the same day;
- backdated: created (Aangemaakt) 45-150 days after its Datum: a purchase invoice, a sales invoice (its number
  then belongs with invoices created months later), a memoriaal correction into an earlier quarter;
- unusual_user: the director keying a purchase invoice, the sales administrator posting a memoriaal entry (a
  revenue reclassification), the external accountant entering a bank mutation;
- broken_vat_ratio: a sales invoice or a purchase invoice under code 2/5 whose BTW is 19 %, 6 % or 21/121 of
  the net, or a catering invoice under code 4 (9 %) charged 21 %;
- period_end_reversal: revenue booked on a month's last day (a working day; memoriaal Nog te factureren 1350 /
  8010 or 8000, or a sales invoice) reversed 1-5 days into the next month (reversing memoriaal / credit note
  in 60); the company books no revenue accruals otherwise;
- unbalanced_voucher: Exact refuses unbalanced entries, so what a damaged export or a botched conversion
  shows: a memoriaal depreciation entry whose sides differ by transposed digits, a purchase invoice whose 1520
  line is missing while its BTW-bedrag is filled, a bank receipt whose 1100 line differs from its 1300 line;
- daily_spike: one working day with 15-30 entries on one account: a school's Chromebooks invoiced one by one
  (8020), a burst of small Copaco invoices (7000), a customer's project hours invoiced ticket by ticket
  (8010).

The export (Exact Online, the list of financial transactions exported to CSV; a folder gets FILE_NAME): UTF-8
with a byte-order mark, `;` separated, CRLF line ends, the header on line 1 and one line per transaction line,
sorted by Datum, then Dagboek, Boekstuknummer and line order. Columns: Dagboek (`70 - Memoriaal`),
Boekstuknummer, Datum (`dd-mm-yyyy`), Grootboekrekening (the code), Grootboekrekening: Omschrijving,
Omschrijving (the line text), Relatie (`1001 - Bouwbedrijf Van Wijk B.V.`, blank on memoriaal lines),
Factuurnummer (the sales invoice number or the purchase entry's number, on bank lines the settled invoice's),
Uw ref. (the supplier's invoice number, a customer's purchase order), Debet and Credit (decimal comma, no
thousands separator, the empty side blank), BTW-code, BTW-bedrag (signed debit-positive, on the lines that
carry the base amount), Aangemaakt (`dd-mm-yyyy hh:mm`), Aangemaakt door (the user's full name). A field is
quoted only when it holds `;` or a quote.

Sources relied on (via the search tool): Invantive's Exact Online data model (TransactionLines,
"Transactieregels": entry number, journal code and description, GL account code and name, the relation, amount
in the company's currency, BTW-code and BTW amount, creation date and creator); public code reading Exact
Online exports (an order/sales export with the columns `Dagboek: Code`, `Uw ref.`, `BTW-code`,
`Factuurnummer`; report exports with `Bkst.nr.`, `Relatie` and `Grootboekrekening` cells of the form `code -
name` split on " - ", a GL card with `Dagboek` values like `80 - Verkoop`, `90 - Memoriaal`); i-Reserve's
Exact Online interface notes (journal code 70 is Exact's standard memoriaal); Easyflex's Exact Online set-up
notes (dagboekcodes for Verkoopboek and Memoriaal, BTW-codes with 21 % hoog / laag and their aangifte
rubrieken); issue threads on CSV exports for Dutch and other European Excel (`;` separator, decimal comma,
UTF-8 BOM so Excel decodes accents). Where they disagree or are silent (whether Dagboek holds `70 - Memoriaal`
or `70 Memoriaal`, numbers without thousands separators, the column order) the choice is the one above.

The frame returned holds one row per transaction line (in file order): the file's columns (Boekstuknummer as
int, Debet, Credit, BTW-bedrag as floats, 0/NaN where blank), `date` and `created` (Timestamps), `journal`
(the code), `voucher` (`<journal>-<Boekstuknummer>`), `anomaly_kind`, `anomaly_id`, `file_line` (1-based line
in the file).

    python -m benchmarks.generate_exact --seed 111 --out transacties.csv [--per-kind 6]
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

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
EXPORTED = dt.date(2025, 2, 14)  # the day the reviewer exported the year (after the year-end entries)
COMPANY = "Domstad IT Services B.V."
FILE_NAME = "Transacties_Domstad_IT_Services_2024.csv"
# fmt: off
HEADER = [
    "Dagboek", "Boekstuknummer", "Datum", "Grootboekrekening", "Grootboekrekening: Omschrijving",
    "Omschrijving", "Relatie", "Factuurnummer", "Uw ref.", "Debet", "Credit", "BTW-code", "BTW-bedrag",
    "Aangemaakt", "Aangemaakt door",
]
# fmt: on
APPROVAL_LIMIT = 15_000.0  # EUR incl. BTW: a purchase invoice from here needs the director's approval
# fmt: off
JOURNALS = {
    "20": "Bank", "60": "Verkoopboek", "65": "Inkoopboek", "70": "Memoriaal",
}
FIRST_NUMBER = {
    "20": 1, "60": 24001, "65": 1, "70": 1,
}
# fmt: on
BOEKHOUDER, VERKOOP, DIRECTEUR, ACCOUNTANT = "Sanne de Vries", "Mark Jansen", "Peter van Dijk", "Rob Bakker"
USERS = (BOEKHOUDER, VERKOOP, DIRECTEUR, ACCOUNTANT)
# fmt: off
VAT_CODES = {  # code -> (omschrijving, rate)
    "0": ("Geen BTW", 0.0), "1": ("BTW laag verkopen 9%", 0.09), "2": ("BTW hoog verkopen 21%", 0.21),
    "3": ("Verkopen EU verlegd", 0.0), "4": ("BTW laag inkopen 9%", 0.09),
    "5": ("BTW hoog inkopen 21%", 0.21), "6": ("Inkopen EU verlegd 21%", 0.21),
}
ACCOUNTS = {
    "0200": "Inventaris", "0210": "Cumulatieve afschrijving inventaris", "0300": "Computers en apparatuur",
    "0310": "Cumulatieve afschrijving computers", "1100": "Bank ING zakelijk", "1300": "Debiteuren",
    "1350": "Nog te factureren omzet", "1400": "Vooruitbetaalde kosten", "1500": "BTW te betalen hoog",
    "1510": "BTW te betalen laag", "1520": "BTW te vorderen", "1570": "Af te dragen BTW",
    "1600": "Crediteuren", "1710": "Af te dragen loonheffingen", "1720": "Af te dragen pensioenpremies",
    "1730": "Netto lonen", "1800": "Nog te betalen kosten", "1900": "Rekening-courant directeur",
    "4000": "Lonen en salarissen", "4010": "Sociale lasten", "4020": "Pensioenlasten",
    "4090": "Overige personeelskosten", "4100": "Huur bedrijfsruimte", "4110": "Gas, water en elektra",
    "4200": "Leasekosten auto's", "4210": "Brandstofkosten", "4300": "Kantoorbenodigdheden",
    "4310": "Telefoon en internet", "4320": "Software en abonnementen",
    "4400": "Advertentie- en marketingkosten", "4510": "Accountantskosten", "4520": "Verzekeringen",
    "4530": "Bankkosten", "4590": "Algemene kosten", "4600": "Afschrijvingskosten",
    "7000": "Kostprijs hardware", "7010": "Inhuur derden", "7020": "Kostprijs hosting en licenties",
    "8000": "Omzet managed services", "8010": "Omzet projecturen", "8020": "Omzet hardware",
    "8030": "Omzet licenties", "8040": "Omzet cursusmateriaal 9%", "8100": "Omzet diensten EU (verlegd)",
}
MONTHS = [
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
    "november", "december",
]
# fmt: on
# customer code -> (name, monthly fee, tier, licences, price per licence, project chance a month, hourly rate,
# hardware weight, mean days to pay, purchase order reference, EU country or "", first month, last month)
# fmt: off
CUSTOMERS = {
    "1001": ("Bouwbedrijf Van Wijk B.V.", 3190.0, "Pro", 38, 20.60, 0.35, 110.0, 3.0, 24, "", "", 1, 12),
    "1002": ("Tandartspraktijk Oudwijk", 870.0, "Basis", 9, 12.50, 0.05, 95.0, 0.6, 12, "", "", 1, 12),
    "1003": ("De Haan & Partners Advocaten", 4160.0, "Pro", 44, 20.60, 0.25, 125.0, 2.0, 19, "", "", 1, 12),
    "1004": ("Kinderopvang Domstad", 2465.0, "Pro", 61, 12.50, 0.15, 95.0, 2.5, 31, "PO", "", 1, 12),
    "1005": ("Veenstra Logistiek B.V.", 5170.0, "Premium", 72, 20.60, 0.45, 110.0, 4.0, 38, "PO", "", 1, 12),
    "1006": ("Huisartsenpraktijk Lunetten", 1410.0, "Basis", 14, 20.60, 0.10, 95.0, 0.8, 10, "", "", 1, 12),
    "1007": ("Accountantskantoor Meijer", 2155.0, "Pro", 22, 20.60, 0.20, 110.0, 1.2, 15, "", "", 1, 12),
    "1008": ("Fysiotherapie Leidsche Rijn", 680.0, "Basis", 7, 12.50, 0.05, 95.0, 0.4, 21, "", "", 1, 12),
    "1009": ("Makelaardij Maliebaan", 1145.0, "Basis", 12, 20.60, 0.10, 95.0, 0.7, 27, "", "", 1, 12),
    "1010": ("Drukkerij Vianen B.V.", 1890.0, "Pro", 25, 12.50, 0.20, 110.0, 1.5, 44, "", "", 1, 12),
    "1011": ("Van Rooij Installatie B.V.", 2815.0, "Pro", 47, 12.50, 0.30, 110.0, 2.2, 33, "PO", "", 1, 12),
    "1012": ("Woonzorg Zeist", 6115.0, "Premium", 118, 12.50, 0.40, 110.0, 3.5, 29, "PO", "", 1, 12),
    "1013": ("Architectenbureau Kanaleneiland", 1585.0, "Pro", 16, 20.60, 0.15, 110.0, 1.8, 22, "", "", 1, 9),
    "1014": ("Groothandel Nieuwegein B.V.", 3610.0, "Pro", 53, 12.50, 0.30, 110.0, 2.6, 41, "PO", "", 1, 12),
    "1015": ("Notariskantoor Wittevrouwen", 1960.0, "Pro", 18, 20.60, 0.10, 125.0, 1.0, 14, "", "", 1, 12),
    "1016": ("Dierenkliniek Overvecht", 990.0, "Basis", 11, 12.50, 0.05, 95.0, 0.6, 18, "", "", 1, 12),
    "1017": ("Bakkerij Hoogland B.V.", 615.0, "Basis", 6, 12.50, 0.05, 95.0, 0.4, 35, "", "", 1, 12),
    "1018": ("Transportbedrijf De Meern B.V.", 2595.0, "Pro", 34, 12.50, 0.25, 110.0, 2.0, 47, "", "", 1, 12),
    "1019": ("Sportschool Vleuten", 530.0, "Basis", 5, 12.50, 0.05, 95.0, 0.3, 16, "", "", 1, 12),
    "1020": ("Autobedrijf IJsselstein B.V.", 1670.0, "Pro", 19, 12.50, 0.15, 110.0, 1.3, 26, "", "", 1, 12),
    "1021": ("CBS De Regenboog", 1190.0, "Basis", 32, 12.50, 0.10, 95.0, 2.0, 30, "PO", "", 1, 12),
    "1022": ("Hotel Oudegracht", 1520.0, "Pro", 15, 20.60, 0.10, 110.0, 1.0, 20, "", "", 1, 12),
    "1023": ("Marketingbureau Neude", 945.0, "Basis", 13, 20.60, 0.15, 110.0, 1.1, 17, "", "", 1, 12),
    "1024": ("Ingenieursbureau Eemland", 4335.0, "Premium", 58, 20.60, 0.35, 125.0, 3.0, 28, "PO", "", 1, 12),
    "1025": ("Tuincentrum Bunnik", 835.0, "Basis", 8, 12.50, 0.05, 95.0, 0.5, 25, "", "", 1, 12),
    "1026": ("Assurantiekantoor 't Gooi", 1340.0, "Pro", 12, 20.60, 0.10, 110.0, 0.7, 13, "", "", 1, 12),
    "1027": ("Muziekschool Utrecht", 1035.0, "Basis", 21, 12.50, 0.10, 95.0, 0.8, 34, "", "", 4, 12),
    "1028": ("Zorgcentrum Houten", 4710.0, "Premium", 96, 12.50, 0.35, 110.0, 3.2, 36, "PO", "", 1, 12),
    "1029": ("Vandaele Logistics NV", 2905.0, "Pro", 0, 0.0, 0.15, 125.0, 0.0, 32, "PO", "BE", 1, 12),
    "1030": ("Rheinland Dental GmbH", 1915.0, "Pro", 0, 0.0, 0.10, 125.0, 0.0, 23, "", "DE", 3, 12),
    "1031": ("Café Ledig Erf", 570.0, "Basis", 6, 12.50, 0.05, 95.0, 0.3, 19, "", "", 1, 12),
}
PROJECTS = [
    "Migratie Microsoft 365", "Vervanging netwerk", "Inrichting werkplekken", "Firewall-upgrade",
    "Back-up en herstel", "Beveiligingsaudit", "Intune uitrol", "Serverconsolidatie",
]
PRODUCTS = [  # product, unit price (EUR excl. BTW), median quantity
    ("Dell Latitude 5440 laptop", 1149.0, 3), ("HP EliteDesk 800 G9 desktop", 879.0, 3),
    ("Lenovo ThinkPad T14 laptop", 1259.0, 2), ('Dell P2423D 24" monitor', 239.0, 5),
    ("Dell WD19S docking station", 209.0, 4), ("Ubiquiti U6 Pro access point", 185.0, 4),
    ("Synology DS923+ NAS", 1390.0, 1), ("Dell PowerEdge R450 server", 6480.0, 1),
    ("Meraki MS120 switch", 2290.0, 1), ("APC Smart-UPS 1500", 720.0, 1), ("Logitech headset H570e", 59.0, 8),
]
# fmt: on
# supplier code -> (name, account, BTW-code, median net, schedule, payment)
#   schedule: "hardware" (with the deliveries), "first" (subscription dated the 1st), "month" (monthly, a
#   working day), "hours" (freelancer's monthly hours), "quarter", "adhoc"; payment: "run" (Thursday run,
#   30 days), "run14", "incasso" (direct debit 5-14 days), "standing" (standing order on the 1st)
# fmt: off
SUPPLIERS = {
    "2001": ("Copaco Nederland B.V.", "7000", "5", 0.0, "hardware", "run"),
    "2002": ("Ingram Micro B.V.", "7000", "5", 0.0, "hardware", "run"),
    "2003": ("TD SYNNEX Netherlands B.V.", "7000", "5", 0.0, "hardware", "run"),
    "2004": ("ALSO Nederland B.V.", "7000", "5", 0.0, "hardware", "run"),
    "2010": ("Rijnsweerd Vastgoed B.V.", "4100", "5", 3500.0, "first", "standing"),
    "2011": ("Vattenfall Klantenservice N.V.", "4110", "5", 385.0, "month", "incasso"),
    "2012": ("KPN B.V.", "4310", "5", 412.0, "first", "incasso"),
    "2013": ("LeasePlan Nederland N.V.", "4200", "5", 2860.0, "first", "incasso"),
    "2014": ("Shell Nederland Verkoopmaatschappij B.V.", "4210", "5", 720.0, "month", "incasso"),
    "2015": ("Exact Nederland B.V.", "4320", "5", 189.0, "first", "incasso"),
    "2016": ("Microsoft Ireland Operations Ltd", "4320", "6", 430.0, "first", "incasso"),
    "2017": ("Google Ireland Ltd", "4400", "6", 640.0, "first", "incasso"),
    "2018": ("Hofman Catering B.V.", "4090", "4", 640.0, "month", "run14"),
    "2019": ("Van Ree Accountants B.V.", "4510", "5", 2400.0, "quarter", "run"),
    "2020": ("Centraal Beheer", "4520", "0", 1180.0, "quarter", "incasso"),
    "2021": ("Office Centre B.V.", "4300", "5", 140.0, "adhoc", "run"),
    "2022": ("TransIP B.V.", "7020", "5", 118.0, "first", "incasso"),
    "2030": ("J. de Bruin ICT Consultancy", "7010", "5", 85.0, "hours", "run14"),
    "2031": ("NetwerkFix V.O.F.", "7010", "5", 75.0, "hours", "run14"),
    "2032": ("K. Öztürk IT Services", "7010", "5", 80.0, "hours", "run14"),
    "2040": ("Belastingdienst", "", "", 0.0, "", ""),
    "2041": ("Pensioenfonds PGB", "", "", 0.0, "", ""),
    "2050": ("Kabelwerk Midden B.V.", "4590", "5", 0.0, "", "run"),
}
# fmt: on
DISTRIBUTORS = ["2001", "2002", "2003", "2004"]
HOURS = {"2030": (64, 0.15), "2031": (30, 0.35), "2032": (56, 0.25)}  # median hours a month, spread
NL = holidays.NL(years=[2023, 2024, 2025])


def days(lo: dt.date = START, hi: dt.date = END) -> list[dt.date]:
    return [lo + dt.timedelta(n) for n in range((hi - lo).days + 1)]


def is_working_day(day: dt.date) -> bool:
    """The office and the bank: Monday-Friday, not on Dutch public holidays."""
    return day.weekday() < 5 and day not in NL


def is_closed(day: dt.date) -> bool:
    return not is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(1)
    return day


def prev_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(1)
    return day


def add_working_days(day: dt.date, n: int) -> dt.date:
    day = next_working_day(day)
    for _ in range(n):
        day = next_working_day(day + dt.timedelta(1))
    return day


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(1)


def pay_day(month: int) -> dt.date:
    """Salaries on the 25th, the working day before when the 25th is closed."""
    return prev_working_day(dt.date(2024, month, 25))


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


def relation_cell(code: str) -> str:
    if not code:
        return ""
    name = CUSTOMERS[code][0] if code in CUSTOMERS else SUPPLIERS[code][0]
    return f"{code} - {name}"


@dataclass
class Line:
    account: str
    amount: float  # debit-positive
    text: str
    vat_code: str = ""
    vat: float | None = None  # BTW-bedrag (signed like amount) on a line carrying a base amount
    relation: str = ""
    ref: str = ""
    settles: Entry | None = None  # the invoice a bank line settles (its number goes to Factuurnummer)


@dataclass
class Entry:
    journal: str
    date: dt.date
    created: dt.datetime
    user: str
    lines: list[Line]
    relation: str = ""
    ref: str = ""
    role: str = ""
    number: int = 0
    seq: int = 0
    kind: str = ""
    aid: str = ""
    payment: str = ""  # how an invoice gets settled: receipt, run, run14, incasso, standing, or ""

    @property
    def gross(self) -> float:
        return self.lines[0].amount


@dataclass
class _Books:
    rng: np.random.Generator
    entries: list[Entry] = field(default_factory=list)
    mutations: list[tuple[dt.date, list[Line]]] = field(default_factory=list)  # normal bank statement items
    # last year's invoices settled in January (not exported); the smaller suppliers' last invoice numbers
    opening: list[Entry] = field(default_factory=list)
    refs: dict[str, int] = field(default_factory=dict)

    # ---------------------------------------------------------------------------------------- helpers
    def add(self, e: Entry) -> Entry:
        e.seq = len(self.entries)
        self.entries.append(e)
        return e

    def at(self, day: dt.date, lo: float = 8.5, hi: float = 17.5) -> dt.datetime:
        """A creation time on `day` in office hours."""
        minutes = int(self.rng.integers(int(lo * 60), int(hi * 60)))
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))

    def keyed(self, day: dt.date, lo: int = 1, hi: int = 8) -> dt.datetime:
        """Keyed lo-hi working days after `day` (purchase invoices wait in the inbox)."""
        return self.at(add_working_days(day, int(self.rng.integers(lo, hi + 1))))

    def pick(self, pool: list[dt.date]) -> dt.date:
        return pool[int(self.rng.integers(len(pool)))]

    # ---------------------------------------------------------------------------------------- documents
    def sales(
        self,
        day: dt.date,
        customer: str,
        items: list[tuple[str, float, str, str]],
        desc: str,
        created: dt.datetime | None = None,
        user: str = VERKOOP,
        vat_factor: float | None = None,
        role: str = "sales",
        paid: bool = True,
        sign: int = 1,
    ) -> Entry:
        """A sales invoice (sign -1: a credit note): items (account, net, BTW-code, text), positive nets."""
        rel = customer
        lines: list[Line] = []
        vat_by: dict[tuple[str, str], float] = {}
        for account, net, code, text in items:
            rate = VAT_CODES[code][1] if vat_factor is None or code in ("0", "3") else vat_factor
            vat = r2(net * rate)
            lines.append(Line(account, -sign * r2(net), text, code, -sign * vat, rel))
            if vat:
                key = ("1510" if code == "1" else "1500", code)
                vat_by[key] = r2(vat_by.get(key, 0.0) + vat)
        for (account, code), vat in vat_by.items():
            lines.append(Line(account, -sign * vat, desc, code, None, rel))
        gross = r2(-sum(ln.amount for ln in lines))
        po = ""
        if CUSTOMERS[customer][9] == "PO":
            po = (
                f"PO-{int(self.rng.integers(4_500_000_000, 4_599_999_999))}"
                if customer in ("1005", "1012", "1028")
                else f"{int(self.rng.integers(10_000, 99_999))}"
            )
        lines.insert(0, Line("1300", gross, desc, "", None, rel, po))
        for ln in lines:
            ln.ref = po
        created = created or self.at(day if self.rng.random() < 0.75 else add_working_days(day, 1))
        return self.add(
            Entry(
                "60", day, created, user, lines, rel, po, role, payment="receipt" if paid and sign > 0 else ""
            )
        )

    def purchase(
        self,
        day: dt.date,
        supplier: str,
        items: list[tuple[str, float, str, str]],
        ref: str,
        created: dt.datetime | None = None,
        user: str = BOEKHOUDER,
        vat_factor: float | None = None,
        vat_line: bool = True,
        role: str = "purchase",
        payment: str | None = None,
    ) -> Entry:
        """A purchase invoice: items (account, net, BTW-code, text), positive nets; 1600 takes the gross."""
        name = SUPPLIERS[supplier][0].split(" B.V.")[0].split(" N.V.")[0]
        desc = f"{name} factuur {ref}"
        lines, gross = [], 0.0
        vat_lines: list[Line] = []
        for account, net, code, text in items:
            rate = VAT_CODES[code][1] if vat_factor is None or code == "0" else vat_factor
            vat = r2(net * rate)
            lines.append(Line(account, r2(net), text, code, vat, supplier, ref))
            gross = r2(gross + net)
            if vat and code == "6":
                vat_lines += [
                    Line("1520", vat, desc, code, None, supplier, ref),
                    Line("1500", -vat, desc, code, None, supplier, ref),
                ]
            elif vat:
                gross = r2(gross + vat)
                vat_lines.append(Line("1520", vat, desc, code, None, supplier, ref))
        if vat_line:
            lines += vat_lines
        lines.insert(0, Line("1600", -gross, desc, "", None, supplier, ref))
        created = created or self.keyed(day)
        return self.add(
            Entry(
                "65",
                day,
                created,
                user,
                lines,
                supplier,
                ref,
                role,
                payment=SUPPLIERS[supplier][5] if payment is None else payment,
            )
        )

    def memoriaal(
        self,
        day: dt.date,
        entries: list[tuple[str, float, str]],
        created: dt.datetime,
        user: str = BOEKHOUDER,
        role: str = "memoriaal",
    ) -> Entry:
        lines = [
            Line(account, r2(amount), text, "0" if account[0] in "4789" else "")
            for account, amount, text in entries
        ]
        return self.add(Entry("70", day, created, user, lines, role=role))

    def bank_entry(
        self,
        day: dt.date,
        items: list[tuple[str, float, str, str]],
        created: dt.datetime,
        user: str = BOEKHOUDER,
        role: str = "bank",
        delta: float = 0.0,
    ) -> Entry:
        """A bank entry of its own (not the day's statement): items (contra account, amount into the bank,
        relation, text); `delta` damages the first bank line."""
        lines = []
        for n, (account, amount, rel, text) in enumerate(items):
            lines += [
                Line("1100", r2(amount + (delta if n == 0 else 0.0)), text, "", None, rel),
                Line(account, -r2(amount), text, "0" if account[0] in "4789" else "", None, rel),
            ]
        return self.add(Entry("20", day, created, user, lines, role=role))

    # ---------------------------------------------------------------------------------------- typical amounts
    def hardware_items(self, customer: str, rollout: bool = False) -> list[tuple[str, float, str, str]]:
        code = "3" if CUSTOMERS[customer][10] else "2"
        if rollout:  # a floor's worth of laptops
            q = int(self.rng.integers(14, 30))
            return [
                (
                    "8020",
                    r2(q * 1149.0 * self.rng.uniform(0.94, 0.98)),
                    code,
                    f"{q} x Dell Latitude 5440 laptop",
                )
            ]
        n = 1 if self.rng.random() < 0.7 else 2
        out = []
        for _ in range(n):
            product, price, qty = PRODUCTS[int(self.rng.integers(len(PRODUCTS)))]
            q = max(1, int(round(self.rng.lognormal(np.log(qty), 0.6))))
            unit = r2(price * self.rng.uniform(0.97, 1.03))
            out.append(("8020", r2(q * unit), code, f"{q} x {product}"))
        return out

    def supplier_ref(self, supplier: str) -> str:
        r = self.rng
        return {
            "2001": lambda: f"CI{int(r.integers(10_000_000, 99_999_999))}",
            "2002": lambda: f"41{int(r.integers(10_000_000, 99_999_999))}",
            "2003": lambda: f"9{int(r.integers(100_000_000, 999_999_999))}",
            "2004": lambda: f"VF{int(r.integers(1_000_000, 9_999_999))}",
            "2012": lambda: f"{int(r.integers(3_000_000_000, 3_999_999_999))}",
            "2011": lambda: f"{int(r.integers(700_000_000, 799_999_999))}",
            "2016": lambda: f"E{int(r.integers(100_000_000, 999_999_999))}",
            "2017": lambda: f"{int(r.integers(5_000_000_000, 5_999_999_999))}",
        }.get(supplier, lambda: self.next_ref(supplier))()

    def next_ref(self, supplier: str) -> str:
        """Smaller suppliers number their invoices in sequence (with other clients' invoices in between)."""
        n = self.refs.get(supplier, int(self.rng.integers(100, 3_000))) + int(self.rng.integers(1, 40))
        self.refs[supplier] = n
        return f"{2024 if n < 10_000 else 2025}-{n:04d}"

    def safe_gross(self, net: float, rate: float) -> float:
        """Net amounts whose gross would fall just below the approval limit are what the rule makes rare."""
        while 0.95 * APPROVAL_LIMIT <= net * (1 + rate) < APPROVAL_LIMIT:
            net *= self.rng.uniform(0.8, 0.9)
        return r2(net)

    # ---------------------------------------------------------------------------------------- the normal year
    def normal_year(self) -> None:
        rng = self.rng
        work = [d for d in days() if is_working_day(d)]
        for month in range(1, 13):
            first = next_working_day(dt.date(2024, month, 1))
            last = prev_working_day(month_end(2024, month))
            label = f"{MONTHS[month - 1]} 2024"
            # the managed-services batch: one invoice per customer, a few seconds apart
            t = dt.datetime.combine(first, dt.time(9, int(rng.integers(0, 20))))
            for code, c in CUSTOMERS.items():
                name, fee, tier, lic, price, _, _, _, _, _, eu, m0, m1 = c
                if not m0 <= month <= m1:
                    continue
                vat = "3" if eu else "2"
                items = [("8100" if eu else "8000", fee, vat, f"Managed services {tier} {label}")]
                if lic:
                    n = max(1, lic + int(rng.integers(-2, 3)))
                    items.append(
                        (
                            "8030",
                            r2(n * price),
                            vat,
                            f"Microsoft 365 licenties {n} x {price:.2f}".replace(".", ","),
                        )
                    )
                t += dt.timedelta(seconds=int(rng.integers(20, 90)))
                self.sales(first, code, items, f"Managed services {label}", created=t, role="contract")
            licences = sum(
                ln.amount
                for e in self.entries[-len(CUSTOMERS) :]
                if e.role == "contract" and e.date == first
                for ln in e.lines
                if ln.account == "8030"
            )
            self.purchase(
                add_working_days(first, 2),
                "2001",
                [
                    (
                        "7020",
                        self.safe_gross(-licences * rng.uniform(0.8, 0.84), 0.21),
                        "5",
                        f"CSP licenties Microsoft 365 {label}",
                    )
                ],
                self.supplier_ref("2001"),
                role="csp",
            )
            # project hours on the month's last working day
            for code, c in CUSTOMERS.items():
                if not c[11] <= month <= c[12] or rng.random() >= min(0.7, 1.5 * c[5]):
                    continue
                hours = max(2.0, round(rng.lognormal(np.log(34), 0.6) * 4) / 4)
                project = PROJECTS[int(rng.integers(len(PROJECTS)))]
                vat = "3" if c[10] else "2"
                items = [
                    (
                        "8100" if c[10] else "8010",
                        r2(hours * c[6]),
                        vat,
                        f"Projecturen {label}: {project} ({hours:g} uur)".replace(".", ","),
                    )
                ]
                if not c[10] and rng.random() < 0.12:
                    n = int(rng.integers(3, 15))
                    items.append(("8040", r2(n * 39.95), "1", f"{n} x cursusboek {project}"))
                self.sales(
                    last, code, items, f"Projecturen {label}", created=self.at(last, 14, 17.5), role="project"
                )
            # subscriptions dated the 1st, monthly bills, the freelancers' hours of the previous month
            for code, (_, account, vat, median, schedule, _) in SUPPLIERS.items():
                if schedule == "first":
                    net = median if code in ("2010", "2013", "2015") else r2(median * rng.lognormal(0, 0.12))
                    self.purchase(
                        dt.date(2024, month, 1),
                        code,
                        [(account, net, vat, f"{ACCOUNTS[account]} {label}")],
                        self.supplier_ref(code),
                        role="subscription",
                    )
                elif schedule == "month":
                    day = {
                        "2011": add_working_days(dt.date(2024, month, 1), 7),
                        "2014": add_working_days(dt.date(2024, month, 1), 3),
                        "2018": last,
                    }[code]
                    net = median if code == "2011" else r2(median * rng.lognormal(0, 0.22))
                    self.purchase(
                        day,
                        code,
                        [(account, net, vat, f"{ACCOUNTS[account]} {label}")],
                        self.supplier_ref(code),
                    )
                elif schedule == "hours":
                    med, spread = HOURS[code]
                    hours = max(4.0, round(rng.lognormal(np.log(med), spread) * 2) / 2)
                    prev = MONTHS[month - 2] if month > 1 else "december"
                    self.purchase(
                        add_working_days(dt.date(2024, month, 1), int(rng.integers(0, 4))),
                        code,
                        [
                            (
                                account,
                                r2(hours * median),
                                vat,
                                f"Inhuur {prev}: {hours:g} uur".replace(".", ","),
                            )
                        ],
                        self.supplier_ref(code),
                    )
                elif schedule == "quarter" and month in ((2, 5, 8, 11) if code == "2019" else (1, 4, 7, 10)):
                    day = add_working_days(dt.date(2024, month, 1), int(rng.integers(1, 10)))
                    net = median if code == "2020" else r2(median * rng.lognormal(0, 0.2))
                    self.purchase(
                        day,
                        code,
                        [(account, net, vat, f"{ACCOUNTS[account]} {label}")],
                        self.supplier_ref(code),
                    )
        # hardware deliveries: the sale, and the distributor's invoice a few days before
        weights = np.array([c[7] for c in CUSTOMERS.values()])
        codes = list(CUSTOMERS)
        for n in range(108):
            day = self.pick(work)
            active = weights * [c[11] <= day.month <= c[12] for c in CUSTOMERS.values()]
            if n < 3:  # this year's three roll-outs, for the larger customers
                active = active * [c[2] == "Premium" for c in CUSTOMERS.values()]
            customer = codes[int(rng.choice(len(codes), p=active / active.sum()))]
            items = self.hardware_items(customer, rollout=n < 3)
            self.sales(day, customer, items, f"Levering hardware {day:%d-%m-%Y}", role="hardware")
            distributor = DISTRIBUTORS[int(rng.choice(4, p=[0.45, 0.25, 0.2, 0.1]))]
            net = sum(n for _, n, _, _ in items) * rng.uniform(0.78, 0.9)
            bought = prev_working_day(day - dt.timedelta(int(rng.integers(0, 4))))
            if bought < START:
                bought = day
            self.purchase(
                bought,
                distributor,
                [("7000", self.safe_gross(net, 0.21), "5", items[0][3])],
                self.supplier_ref(distributor),
                role="hardware",
            )
        for _ in range(15):
            day = self.pick(work)
            self.purchase(
                day,
                "2021",
                [("4300", r2(rng.lognormal(np.log(140), 0.6)), "5", "Kantoorartikelen")],
                self.supplier_ref("2021"),
            )

    def last_year(self) -> None:
        """December 2023's invoices, some still open on 1 January and settled in January; their entries belong
        to last year's export (kept aside, numbered in 2023's series)."""
        rng, keep = self.rng, len(self.entries)
        december = [d for d in days(dt.date(2023, 12, 1), dt.date(2023, 12, 31)) if is_working_day(d)]
        for code, c in CUSTOMERS.items():
            if c[11] == 1:
                vat = "3" if c[10] else "2"
                items = [("8100" if c[10] else "8000", c[1], vat, f"Managed services {c[2]} december 2023")]
                if c[3]:
                    items.append(("8030", r2(c[3] * c[4]), vat, "Microsoft 365 licenties"))
                self.sales(
                    december[0], code, items, "Managed services december 2023", created=self.at(december[0])
                )
            if rng.random() < min(0.7, 1.5 * c[5]):
                net = r2(max(2.0, round(rng.lognormal(np.log(34), 0.6) * 4) / 4) * c[6])
                self.sales(
                    december[-1],
                    code,
                    [("8100" if c[10] else "8010", net, "3" if c[10] else "2", "Projecturen december 2023")],
                    "Projecturen december 2023",
                    created=self.at(december[-1]),
                )
        codes = [c for c, v in CUSTOMERS.items() if v[7]]
        for _ in range(10):
            day, customer = self.pick(december), codes[int(rng.integers(len(codes)))]
            items = self.hardware_items(customer)
            self.sales(day, customer, items, f"Levering hardware {day:%d-%m-%Y}")
            distributor = DISTRIBUTORS[int(rng.integers(4))]
            self.purchase(
                day,
                distributor,
                [("7000", self.safe_gross(items[0][1] * 0.85, 0.21), "5", items[0][3])],
                self.supplier_ref(distributor),
            )
        self.purchase(
            december[-1],
            "2018",
            [("4090", 640.0, "4", "Lunchverzorging december 2023")],
            self.supplier_ref("2018"),
        )
        self.purchase(
            december[3], "2019", [("4510", 2400.0, "5", "Accountantskosten")], self.supplier_ref("2019")
        )
        self.opening, self.entries = self.entries[keep:], self.entries[:keep]
        numbers = {"60": 23_471, "65": 1_189}
        for e in sorted(self.opening, key=lambda e: (e.created, e.seq)):
            e.number = numbers[e.journal]
            numbers[e.journal] += 1

    def memoriaal_year(self) -> None:
        rng = self.rng
        for month in range(1, 13):
            label = f"{MONTHS[month - 1]} 2024"
            day = pay_day(month)
            gross = r2(rng.normal(55_800, 600) * (1 + 0.004 * month))
            if month == 5:
                gross = r2(gross + 55_800 * 12 * 0.08)  # vakantiegeld
            social, pension_er = r2(gross * 0.187), r2(gross * 0.081)
            pension_ee, tax = r2(gross * 0.052), r2(gross * 0.296)
            net = r2(gross - tax - pension_ee)
            self.memoriaal(
                day,
                [
                    ("4000", gross, f"Loonjournaalpost {label}"),
                    ("4010", social, f"Loonjournaalpost {label}"),
                    ("4020", pension_er, f"Loonjournaalpost {label}"),
                    ("1710", -r2(tax + social), f"Loonjournaalpost {label}"),
                    ("1720", -r2(pension_er + pension_ee), f"Loonjournaalpost {label}"),
                    ("1730", -net, f"Loonjournaalpost {label}"),
                ],
                self.at(day, 9, 12),
                role="payroll",
            )
            self.mutations.append(
                (day, [Line("1100", -net, f"Salarissen {label}"), Line("1730", net, f"Salarissen {label}")])
            )
            if month < 12:
                due = prev_working_day(month_end(2024, month + 1))
                self.mutations.append(
                    (
                        due,
                        [
                            Line("1100", -r2(tax + social), f"Loonheffingen {label}", "", None, "2040"),
                            Line("1710", r2(tax + social), f"Loonheffingen {label}", "", None, "2040"),
                        ],
                    )
                )
                debit = add_working_days(dt.date(2024, month + 1, 1), 3)
                self.mutations.append(
                    (
                        debit,
                        [
                            Line(
                                "1100",
                                -r2(pension_er + pension_ee),
                                f"Pensioenpremie {label}",
                                "",
                                None,
                                "2041",
                            ),
                            Line(
                                "1720",
                                r2(pension_er + pension_ee),
                                f"Pensioenpremie {label}",
                                "",
                                None,
                                "2041",
                            ),
                        ],
                    )
                )
            # depreciation on the month's last day, keyed in the first days of the next month
            end = month_end(2024, month)
            self.memoriaal(
                end,
                [
                    ("4600", r2(185.0 + 642.5), f"Afschrijvingen {label}"),
                    ("0210", -185.0, f"Afschrijving inventaris {label}"),
                    ("0310", -642.5, f"Afschrijving computers {label}"),
                ],
                self.at(add_working_days(end + dt.timedelta(1), int(rng.integers(1, 6)))),
                role="depreciation",
            )
            # bank charges on the first working day
            first = next_working_day(dt.date(2024, month, 1))
            fee = r2(rng.lognormal(np.log(46), 0.12))
            self.mutations.append(
                (
                    first,
                    [
                        Line("1100", -fee, "Kosten zakelijk betalingsverkeer ING"),
                        Line("4530", fee, "Kosten zakelijk betalingsverkeer ING", "0"),
                    ],
                )
            )
        # December 2023's loonheffingen and pension, paid in January
        for account, amount, text, rel, day in (
            (
                "1710",
                r2(rng.normal(27_300, 300)),
                "Loonheffingen december 2023",
                "2040",
                prev_working_day(dt.date(2024, 1, 31)),
            ),
            (
                "1720",
                r2(rng.normal(7_450, 80)),
                "Pensioenpremie december 2023",
                "2041",
                add_working_days(dt.date(2024, 1, 1), 3),
            ),
        ):
            self.mutations.append(
                (
                    day,
                    [Line("1100", -amount, text, "", None, rel), Line(account, amount, text, "", None, rel)],
                )
            )
        # the director's quarterly expense declaration, the accountant's quarter-end and year-end entries
        for q in range(4):
            day = add_working_days(dt.date(2024, 3 * q + 1, 1), int(rng.integers(4, 12)))
            amount = r2(rng.uniform(150, 900))
            label = f"Q{q if q else 4} {2024 if q else 2023}"
            self.memoriaal(
                day,
                [
                    ("4590", amount, f"Declaratie zakelijke kosten {label}"),
                    ("1900", -amount, f"Declaratie zakelijke kosten {label}"),
                ],
                self.at(day),
                user=DIRECTEUR,
                role="declaration",
            )
            end = month_end(2024, 3 * q + 3)
            prepaid, audit = r2(1180.0 * rng.uniform(0.55, 0.7)), r2(rng.uniform(600, 1800))
            keyed = self.at(next_working_day(end + dt.timedelta(int(rng.integers(10, 36)))))
            self.memoriaal(
                end,
                [
                    ("1400", prepaid, "Vooruitbetaalde verzekeringspremie"),
                    ("4520", -prepaid, "Vooruitbetaalde verzekeringspremie"),
                    ("4510", audit, "Nog te betalen accountantskosten"),
                    ("1800", -audit, "Nog te betalen accountantskosten"),
                ],
                keyed,
                user=ACCOUNTANT,
                role="accountant",
            )

    def btw(self) -> None:
        """The quarterly BTW entry (quarter's last day) and its payment by the end of the next month."""
        q4 = r2(self.rng.normal(36_800, 1_500))
        self.mutations.append(
            (
                prev_working_day(dt.date(2024, 1, 31)),
                [
                    Line("1100", -q4, "BTW-aangifte 4e kwartaal 2023", "", None, "2040"),
                    Line("1570", q4, "BTW-aangifte 4e kwartaal 2023", "", None, "2040"),
                ],
            )
        )
        for q in range(4):
            lo, hi = dt.date(2024, 3 * q + 1, 1), month_end(2024, 3 * q + 3)
            sums = dict.fromkeys(("1500", "1510", "1520"), 0.0)
            for e in self.entries:
                if lo <= e.date <= hi:
                    for ln in e.lines:
                        if ln.account in sums:
                            sums[ln.account] += ln.amount
            sums = {k: r2(v) for k, v in sums.items()}
            net = r2(-sum(sums.values()))  # payable when positive
            text = f"BTW-aangifte {q + 1}e kwartaal 2024"
            keyed = self.at(add_working_days(hi + dt.timedelta(1), int(self.rng.integers(5, 12))))
            lines = [
                ("1500", -sums["1500"], text),
                ("1510", -sums["1510"], text),
                ("1520", -sums["1520"], text),
                ("1570", -net, text),
            ]
            self.memoriaal(hi, [x for x in lines if x[1]], keyed, role="btw")
            if q < 3:
                due = prev_working_day(month_end(2024, 3 * q + 4))
                self.mutations.append(
                    (
                        due,
                        [
                            Line("1100", -net, text, "", None, "2040"),
                            Line("1570", net, text, "", None, "2040"),
                        ],
                    )
                )

    def settlements(self) -> None:
        """Receipts for sales invoices, payments for purchase invoices (the Thursday run, direct debits,
        the standing order for the rent)."""
        rng = self.rng
        thursdays = [prev_working_day(d) for d in days(dt.date(2023, 12, 1)) if d.weekday() == 3]
        for e in self.opening + self.entries:
            if not e.payment:
                continue
            rel = e.relation
            name = relation_cell(rel).split(" - ", 1)[1]
            if e.payment == "receipt":
                mean = CUSTOMERS[rel][8]
                lag = int(np.clip(rng.normal(mean, mean * 0.25), 5, 75))
                day = next_working_day(max(e.date, e.created.date()) + dt.timedelta(lag))
                text = f"Ontvangst {name} factuur {{nr}}"
                lines = [
                    Line("1100", e.gross, text, "", None, rel, e.ref, e),
                    Line("1300", -e.gross, text, "", None, rel, e.ref, e),
                ]
            else:
                entered = e.created.date()
                if e.payment == "standing":
                    day = next_working_day(e.date)
                elif e.payment == "incasso":
                    day = next_working_day(max(e.date + dt.timedelta(int(rng.integers(5, 15))), entered))
                else:
                    due = e.date + dt.timedelta(14 if e.payment == "run14" else 30)
                    day = next((t for t in thursdays if t >= entered and t + dt.timedelta(7) >= due), None)
                    if day is None:
                        continue
                text = f"Betaling {name} {e.ref}"
                lines = [
                    Line("1100", e.gross, text, "", None, rel, e.ref, e),
                    Line("1600", -e.gross, text, "", None, rel, e.ref, e),
                ]
            if START <= day <= END:
                self.mutations.append((day, lines))

    def statements(self) -> None:
        """One bank entry per working day with mutations: that day's ING statement, imported the next morning
        (or late that afternoon)."""
        by_day: dict[dt.date, list[Line]] = {}
        for day, lines in self.mutations:
            by_day.setdefault(day, []).extend(lines)
        for day in sorted(by_day):
            if self.rng.random() < 0.3:
                created = self.at(day, 16, 17.75)
            else:
                created = self.at(add_working_days(day, 1), 8.25, 10)
            self.add(Entry("20", day, created, BOEKHOUDER, by_day[day], role="statement"))


class _Anomalies:
    def __init__(self, books: _Books, per_kind: int):
        self.b, self.per_kind, self.rng = books, per_kind, books.rng
        self.work = [
            d
            for d in days()
            if is_working_day(d) and d.day > 2 and d != prev_working_day(month_end(2024, d.month))
        ]
        self.closed = [d for d in days() if is_closed(d) and 1 < d.day < month_end(2024, d.month).day]
        self.used: set[dt.date] = set()
        self.count = 0

    def label(self, kind: str, *entries: Entry) -> None:
        self.count += 1
        aid = f"E{self.count:03d}"
        for e in entries:
            e.kind, e.aid = kind, aid

    def day(self, pool: list[dt.date] | None = None, lo: dt.date = START, hi: dt.date = END) -> dt.date:
        pool = [d for d in (pool or self.work) if lo <= d <= hi and d not in self.used]
        d = self.b.pick(pool)
        self.used.add(d)
        return d

    def customer(self, eu: bool = False) -> str:
        pool = [c for c, v in CUSTOMERS.items() if bool(v[10]) == eu and v[11] == 1 and v[12] == 12]
        return pool[int(self.rng.integers(len(pool)))]

    def distributor(self) -> str:
        return DISTRIBUTORS[int(self.rng.integers(3))]

    def hardware_purchase(self, day: dt.date, supplier: str, net: float | None = None, **kw) -> Entry:
        net = (
            net if net is not None else self.b.safe_gross(float(self.rng.lognormal(np.log(1800), 0.8)), 0.21)
        )
        # a product the amount buys at the distributor's price (about 85 % of ours), in a believable quantity
        fits = [(p, price) for p, price, _ in PRODUCTS if 0.85 * price <= net <= 0.85 * price * 40] or [
            PRODUCTS[-1][:2]
        ]
        product, price = fits[int(self.rng.integers(len(fits)))]
        text = f"{max(1, round(net / (0.85 * price)))} x {product}"
        account = kw.pop("account", "7000")
        return self.b.purchase(
            day,
            supplier,
            [(account, r2(net), "5", text)],
            kw.pop("ref", None) or self.b.supplier_ref(supplier),
            **kw,
        )

    def run(self) -> None:
        for kind in KINDS:
            for n in range(self.per_kind):
                getattr(self, kind)(n % 3)

    def amount_outlier(self, v: int) -> None:
        f = self.rng.uniform(20, 60)
        d = self.day()
        if v == 0:
            s = ["2012", "2011", "2022", "2015"][int(self.rng.integers(4))]
            name, account, code, median, _, _ = SUPPLIERS[s]
            net = r2(median * f)
            if 0.95 * APPROVAL_LIMIT <= net * 1.21 < APPROVAL_LIMIT:
                net = r2(net * 0.9)
            e = self.b.purchase(
                d,
                s,
                [(account, net, code, f"{ACCOUNTS[account]} {MONTHS[d.month - 1]} 2024")],
                self.b.supplier_ref(s),
            )
        elif v == 1:
            c = self.customer()
            fee = CUSTOMERS[c][1]
            e = self.b.sales(
                d,
                c,
                [
                    (
                        "8000",
                        r2(fee * f),
                        "2",
                        f"Managed services {CUSTOMERS[c][2]} {MONTHS[d.month - 1]} 2024",
                    )
                ],
                f"Managed services {MONTHS[d.month - 1]} 2024",
            )
        else:
            net = r2(640 * f)
            if 0.95 * APPROVAL_LIMIT <= net * 1.09 < APPROVAL_LIMIT:
                net = r2(net * 0.9)
            e = self.b.purchase(
                d,
                "2018",
                [("4090", net, "4", f"Overige personeelskosten {MONTHS[d.month - 1]} 2024")],
                self.b.supplier_ref("2018"),
            )
        self.label("amount_outlier", e)

    def unusual_account_combination(self, v: int) -> None:
        d = self.day()
        amount = r2(self.rng.uniform(900, 6_500))
        if v == 0:
            e = self.b.memoriaal(
                d, [("4000", amount, "Correctie"), ("8000", -amount, "Correctie")], self.b.at(d)
            )
        elif v == 1:
            e = self.b.memoriaal(
                d,
                [
                    ("4100", amount, "Verrekening huur met debiteur"),
                    ("1300", -amount, "Verrekening huur met debiteur"),
                ],
                self.b.at(d),
            )
        else:
            e = self.hardware_purchase(d, self.distributor(), account="8020")
        self.label("unusual_account_combination", e)

    def weekend_holiday_posting(self, v: int) -> None:
        d = self.day(self.closed)
        created = self.b.at(d, 10, 16)
        if v == 0:
            e = self.hardware_purchase(d, self.distributor(), created=created)
        elif v == 1:
            c = self.customer()
            e = self.b.sales(
                d,
                c,
                self.b.hardware_items(c),
                f"Levering hardware {d:%d-%m-%Y}",
                created=created,
                role="hardware",
            )
        else:
            amount = r2(self.rng.uniform(200, 1_500))
            e = self.b.memoriaal(
                d, [("4590", amount, "Diverse kosten"), ("1800", -amount, "Diverse kosten")], created
            )
        self.label("weekend_holiday_posting", e)

    def round_amount(self, v: int) -> None:
        amount = float(self.rng.choice([10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000]))
        d = self.day()
        if v == 0:
            e = self.b.memoriaal(
                d,
                [("4590", amount, "Declaratie directeur"), ("1900", -amount, "Declaratie directeur")],
                self.b.at(d),
                user=DIRECTEUR,
            )
        elif v == 1:
            e = self.b.bank_entry(
                d,
                [("1900", -amount, "", "Overboeking naar P. van Dijk")],
                self.b.at(add_working_days(d, 1), 8.25, 10),
            )
        else:
            e = self.b.bank_entry(
                d,
                [("1900", amount, "", "Storting P. van Dijk lening")],
                self.b.at(add_working_days(d, 1), 8.25, 10),
            )
        self.label("round_amount", e)

    def just_below_approval_limit(self, v: int) -> None:
        gross = r2(self.rng.uniform(14_700, 14_990))
        net = r2(gross / 1.21)
        d = self.day()
        if v == 0:
            e = self.hardware_purchase(d, self.distributor(), net=net)
        elif v == 1:
            e = self.b.purchase(
                d,
                "2050",
                [("4590", net, "5", "Bekabeling kantoor en serverruimte")],
                f"KM{int(self.rng.integers(24_000, 24_999))}",
            )
        else:
            s = ["2030", "2031", "2032"][int(self.rng.integers(3))]
            e = self.b.purchase(
                d,
                s,
                [("7010", net, "5", f"Inhuur project {PROJECTS[int(self.rng.integers(8))]}")],
                self.b.supplier_ref(s),
            )
        self.label("just_below_approval_limit", e)

    def duplicate(self, v: int) -> None:
        d = self.day(hi=END - dt.timedelta(20))
        s = self.distributor()
        first = self.hardware_purchase(d, s)
        again = prev_working_day(
            first.created.date() + dt.timedelta(0 if v == 2 else int(self.rng.integers(1, 7)))
        )
        if again > first.created.date():
            created = self.b.at(again)
        else:  # the same day, a while later
            created = first.created + dt.timedelta(minutes=int(self.rng.integers(3, 90)))
        if v == 1:
            ref = first.ref
            ref = "".join(ch for ch in ref if ch.isdigit()) if not ref.isdigit() else f"INV{ref}"
        else:
            ref = first.ref
        second = self.b.purchase(
            d,
            s,
            [(ln.account, ln.amount, ln.vat_code, ln.text) for ln in first.lines[1:2]],
            ref,
            created=created,
            payment="",
        )
        self.label("duplicate", second)

    def backdated(self, v: int) -> None:
        lag = int(self.rng.integers(45, 146))
        keyed = self.day(lo=START + dt.timedelta(lag + 5), hi=END)
        dated = prev_working_day(keyed - dt.timedelta(lag))
        created = self.b.at(keyed)
        if v == 0:
            e = self.hardware_purchase(dated, self.distributor(), created=created)
        elif v == 1:
            c = self.customer()
            e = self.b.sales(
                dated,
                c,
                self.b.hardware_items(c),
                f"Levering hardware {dated:%d-%m-%Y}",
                created=created,
                role="hardware",
            )
        else:
            amount = r2(self.rng.uniform(400, 3_000))
            e = self.b.memoriaal(
                dated, [("4590", amount, "Correctie kosten"), ("1800", -amount, "Correctie kosten")], created
            )
        self.label("backdated", e)

    def unusual_user(self, v: int) -> None:
        d = self.day()
        if v == 0:
            e = self.hardware_purchase(d, self.distributor(), user=DIRECTEUR, created=self.b.at(d))
        elif v == 1:
            amount = r2(self.rng.uniform(300, 2_500))
            e = self.b.memoriaal(
                d,
                [("8000", amount, "herboeking omzet"), ("8010", -amount, "herboeking omzet")],
                self.b.at(d),
                user=VERKOOP,
            )
        else:
            s = ["2021", "2018"][int(self.rng.integers(2))]
            amount = r2(self.rng.uniform(150, 900))
            e = self.b.bank_entry(
                d, [("1600", -amount, s, f"Betaling {SUPPLIERS[s][0]}")], self.b.at(d), user=ACCOUNTANT
            )
        self.label("unusual_user", e)

    def broken_vat_ratio(self, v: int) -> None:
        factor = [0.19, 0.06, 0.21 / 1.21][int(self.rng.integers(3))]
        d = self.day()
        if v == 0:
            c = self.customer()
            e = self.b.sales(
                d,
                c,
                self.b.hardware_items(c),
                f"Levering hardware {d:%d-%m-%Y}",
                vat_factor=factor,
                role="hardware",
            )
        elif v == 1:
            e = self.hardware_purchase(d, self.distributor(), vat_factor=factor)
        else:
            e = self.b.purchase(
                d,
                "2018",
                [
                    (
                        "4090",
                        r2(640 * self.rng.lognormal(0, 0.2)),
                        "4",
                        f"Overige personeelskosten {MONTHS[d.month - 1]} 2024",
                    )
                ],
                self.b.supplier_ref("2018"),
                vat_factor=0.21,
            )
        self.label("broken_vat_ratio", e)

    def period_end_reversal(self, v: int) -> None:
        months = [
            m
            for m in range(1, 12)
            if is_working_day(month_end(2024, m)) and month_end(2024, m) not in self.used
        ]
        month = months[int(self.rng.integers(len(months)))]
        end = month_end(2024, month)
        self.used.add(end)
        backs = [d for d in days(end + dt.timedelta(1), end + dt.timedelta(5)) if is_working_day(d)]
        back = backs[int(self.rng.integers(len(backs)))]
        net = r2(self.rng.uniform(4_000, 18_000))
        label = f"{MONTHS[month - 1]} 2024"
        if v in (0, 2):
            account = "8010" if v == 0 else "8000"
            first = self.b.memoriaal(
                end,
                [
                    ("1350", net, f"Nog te factureren omzet {label}"),
                    (account, -net, f"Nog te factureren omzet {label}"),
                ],
                self.b.at(end, 15, 17.5),
            )
            second = self.b.memoriaal(
                back,
                [
                    ("1350", -net, f"Terugboeking nog te factureren {label}"),
                    (account, net, f"Terugboeking nog te factureren {label}"),
                ],
                self.b.at(back),
            )
        else:
            c = self.customer()
            items = [("8010", net, "2", f"Projecturen {label}: {PROJECTS[int(self.rng.integers(8))]}")]
            first = self.b.sales(
                end, c, items, f"Projecturen {label}", created=self.b.at(end, 15, 17.5), paid=False
            )
            second = self.b.sales(
                back, c, items, f"Creditnota projecturen {label}", created=self.b.at(back), sign=-1
            )
        self.label("period_end_reversal", first, second)

    def unbalanced_voucher(self, v: int) -> None:
        d = self.day()
        if v == 0:
            a = int(self.rng.integers(1_000, 9_000))
            s = str(a)
            b = int(s[0] + s[2] + s[1] + s[3]) if s[1] != s[2] else a + 90
            text = f"Afschrijving computers {MONTHS[d.month - 1]} 2024"
            e = self.b.memoriaal(
                d, [("4600", float(a) / 10, text), ("0310", -float(b) / 10, text)], self.b.at(d)
            )
        elif v == 1:
            e = self.hardware_purchase(d, self.distributor(), vat_line=False)
        else:
            c = self.customer()
            amount = r2(self.rng.uniform(300, 4_000))
            delta = float(self.rng.choice([0.01, 0.1, 1.0, 10.0, -9.0]))
            e = self.b.bank_entry(
                d,
                [("1300", amount, c, f"Ontvangst {CUSTOMERS[c][0]}")],
                self.b.at(add_working_days(d, 1), 8.25, 10),
                delta=delta,
            )
        self.label("unbalanced_voucher", e)

    def daily_spike(self, v: int) -> None:
        d = self.day()
        n = int(self.rng.integers(15, 31))
        t = self.b.at(d, 9, 12)
        entries = []
        for _ in range(n):
            t += dt.timedelta(seconds=int(self.rng.integers(40, 400)))
            if v == 0:
                price = r2(349.0 * self.rng.uniform(0.98, 1.02))
                entries.append(
                    self.b.sales(
                        d,
                        "1021",
                        [("8020", price, "2", "1 x Chromebook leerling")],
                        f"Levering hardware {d:%d-%m-%Y}",
                        created=t,
                        role="hardware",
                    )
                )
            elif v == 1:
                net = r2(self.rng.lognormal(np.log(260), 0.5))
                entries.append(self.hardware_purchase(d, "2001", net=net, created=t))
            else:
                c = "1005"
                hours = max(0.5, round(self.rng.lognormal(np.log(2), 0.5) * 4) / 4)
                entries.append(
                    self.b.sales(
                        d,
                        c,
                        [
                            (
                                "8010",
                                r2(hours * CUSTOMERS[c][6]),
                                "2",
                                f"Ticket {int(self.rng.integers(10_000, 99_999))} ({hours:g} uur)".replace(
                                    ".", ","
                                ),
                            )
                        ],
                        "Projecturen per ticket",
                        created=t,
                    )
                )
        self.label("daily_spike", *entries)


def _number(books: _Books) -> None:
    """Each journal numbers its entries in the order they were created."""
    counters = dict(FIRST_NUMBER)
    for e in sorted(books.entries, key=lambda e: (e.created, e.seq)):
        e.number = counters[e.journal]
        counters[e.journal] += 1


def _build(seed: int, per_kind: int) -> _Books:
    books = _Books(np.random.default_rng(seed))
    books.last_year()
    books.normal_year()
    books.memoriaal_year()
    _Anomalies(books, per_kind).run()
    books.btw()
    books.settlements()
    books.statements()
    _number(books)
    return books


def _fmt(x: float | None, blank_zero: bool = True) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or (blank_zero and not x):
        return ""
    return f"{x + 0.0:.2f}".replace(".", ",")


def _csv(cells: list[str]) -> str:
    return ";".join('"' + c.replace('"', '""') + '"' if (";" in c or '"' in c) else c for c in cells)


def _rows(books: _Books) -> pd.DataFrame:
    rows = []
    order = sorted(books.entries, key=lambda e: (e.date, e.journal, e.number))
    for e in order:
        for ln in e.lines:
            invoice = ""
            if ln.settles is not None:
                invoice = str(ln.settles.number)
                ln.text = ln.text.replace("{nr}", invoice)
            elif e.journal in ("60", "65"):
                invoice = str(e.number)
            debit, credit = max(ln.amount, 0.0) + 0.0, max(-ln.amount, 0.0) + 0.0
            rows.append(
                (
                    f"{e.journal} - {JOURNALS[e.journal]}",
                    e.number,
                    f"{e.date:%d-%m-%Y}",
                    ln.account,
                    ACCOUNTS[ln.account],
                    ln.text,
                    relation_cell(ln.relation),
                    invoice,
                    ln.ref,
                    debit,
                    credit,
                    ln.vat_code,
                    np.nan if ln.vat is None else ln.vat,
                    f"{e.created:%d-%m-%Y %H:%M}",
                    e.user,
                    pd.Timestamp(e.date),
                    pd.Timestamp(e.created).floor("min"),
                    e.journal,
                    f"{e.journal}-{e.number}",
                    e.kind,
                    e.aid,
                )
            )
    frame = pd.DataFrame(
        rows, columns=[*HEADER, "date", "created", "journal", "voucher", "anomaly_kind", "anomaly_id"]
    )
    frame["file_line"] = np.arange(2, len(frame) + 2)
    return frame


def generate_exact(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The company's labelled year: one row per transaction line of the Exact Online export, in file order."""
    return _rows(_build(seed, per_kind))


def write_exact(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The transactions CSV for `ledger` (as `generate_exact` returned it). A folder gets FILE_NAME."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    out = [_csv(HEADER)]
    for row in ledger[[*HEADER, "file_line"]].itertuples(index=False):
        (
            journal,
            number,
            date,
            account,
            account_name,
            text,
            relation,
            invoice,
            ref,
            debit,
            credit,
            code,
            vat,
            created,
            user,
            line,
        ) = row
        out.append(
            _csv(
                [
                    journal,
                    str(number),
                    date,
                    account,
                    account_name,
                    text,
                    relation,
                    invoice,
                    ref,
                    _fmt(debit),
                    _fmt(credit),
                    code,
                    "" if code == "" else _fmt(vat, blank_zero=False),
                    created,
                    user,
                ]
            )
        )
        if len(out) != line:
            raise ValueError(f"line {len(out)} written, file_line says {line}")
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(out) + "\r\n").encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(
        argv, __doc__.splitlines()[0], generate_exact, write_exact, "voucher", seed=111, out=FILE_NAME
    )


if __name__ == "__main__":
    main()
