"""A seventh labelled ledger generator, written apart from the others and from the detectors, for held-out evaluation.

Équipements Culinaires du Lyonnais SAS (ECL), Saint-Priest (Rhône): distributes, installs and services commercial
kitchen equipment (combi ovens, cooking ranges, refrigeration, dishwashers, stainless steel furniture, extraction
hoods) for restaurants, bakeries, hotels, caterers and public canteens around Lyon; 22 staff; one financial year
(calendar 2025) in EUR on the French Plan Comptable Général (6-digit accounts, 401000 / 404000 / 411000 / 419100
collective accounts with auxiliary accounts). The normal year:

- sales (journal VE) are created by the sales administrator (ADV) in the commercial software on the firm's working
  days and transferred to the accounts every Monday: after-sales repair visits (706200 labour, 707100 parts, 708500
  travel), equipment sales (707100, carriage 708500, sometimes installation 706100), kitchen fit-out projects (an
  advance of 30 % received at order on 419100, deducted on the final invoice), quarterly maintenance contracts
  (706200, invoiced on the quarter's first working day, collected by SEPA direct debit ten days later), a Geneva
  hotel invoiced in CHF without VAT (export, Montantdevise/Idevise filled, exchange difference on payment), and
  private clients' home kitchens at 10 % VAT (renovation of a dwelling); otherwise 20 %. VAT on goods goes to
  445710, VAT on services to 445740 until the customer pays (TVA sur les encaissements). Credit notes (AV) for
  returns and commercial gestures. Customers pay by transfer or cheque (cheques deposited Tuesdays and Fridays,
  one bank entry per deposit), the hotel group one transfer per month-end due date, public bodies through the
  Treasury 30-65 days after the invoice; one restaurant goes into liquidation in the autumn (416000, written down
  at year end);
- purchases (journal AC) entered by the accounting assistant in Monday and Thursday batches at the supplier's
  invoice date: equipment manufacturers (607000; an Italian and a German one under the EU reverse charge, 607100 /
  445662 / 445200), spare parts, installation subcontractors (611000), carriers, the quarterly rent to the
  président's property company (613200), van leasing, energy, telephone, software, accountants' fees, insurance
  (no VAT), the Sirha trade fair stand in January, a van, racking and IT equipment (404000, 445620); a year-end
  rebate credit note from the main manufacturer in March. The internal approval rule: a purchase of
  APPROVAL_LIMIT EUR excl. VAT or more needs the président's signature;
- bank (journal BQ), entered by the assistant from the statement the next working day: supplier payment runs
  (SEPA transfer batch, one bank line) on the 10th and the 25th, direct debits, customer receipts, business card
  expenses entered one by one at their card date (fuel, tolls, restaurants 10 %, hotels 10 %, books 5.5 %, postage;
  the on-call technician's Saturdays included), the loan instalment on the 5th, bank charges at month end,
  corporation tax instalments (15 March, June, September, December), the CFE on 15 December, dividends in July;
- payroll (journal PAIE) imported from the payroll bureau by the chief accountant, dated the month's last day
  (weekend or not), net pay transferred on the last bank day, URSSAF and withholding tax (PAS) debited on the 15th
  after the DSN, AGIRC-ARRCO on the 25th, health insurance quarterly; a year-end bonus in December;
- monthly VAT return (CA3, régime réel normal): the chief accountant's OD dated the month's last day (VAT on
  receipts moved from 445740 to 445710, then 445710/445200 against 445660/445620/445662 into 445510, the whole-euro
  rounding to 658000/758000; a VAT credit goes to 445670 and against the next return), entered mid-month after,
  paid on the 19th (or the next bank day);
- opening entries (journal AN, first in the file) and the reversal of the 2024 accruals on 1 January; the
  appropriation of the 2024 result after the general meeting in June; year-end entries by the external accountants
  dated 31 December and entered in February-March 2026 (depreciation, stock, accruals, paid leave, tax);
- French public holidays (`holidays`, FR); the firm works on Whit Monday (journée de solidarité) and closes on the
  Ascension bridge, 11-22 August and from Christmas Eve to 2 January; August is slow; users' absences delay entry.

ValidDate: the chief accountant validates entries twice a month (around the 12th and the 27th, not during her
holidays), so an entry's ValidDate is the first validation day after it was entered. Users exist in the firm
(SOPHIE the assistant, KARIM the ADV, NATHALIE the chief accountant, the external CABINET, MARC the président)
but, as in any FEC, there is no user column: a user shows only through the habits of what they key.

The same anomaly kinds as `generate_ledger.KINDS`, injected as they would happen here (see `_Anomalies`); every
line of an instance carries its kind and `anomaly_id`, normal lines '' for both; a duplicate's label is on the
second entry. Detectors are never tuned on this generator: it is reported as held out.

The export is a FEC (fichier des écritures comptables, article A47 A-1 of the Livre des procédures fiscales): the
18 columns in the legal order, header line first, tab separated, CRLF, ISO-8859-15, dates YYYYMMDD, amounts with a
decimal comma and no thousands separator (0,00 on the empty side), opening entries first and then entries in
chronological order of validation, EcritureNum a continuous sequence over the file, named `<SIREN>FEC20251231.txt`
when `write_fec` is given a folder (a file path is used as given).

    python -m benchmarks.generate_fec --seed 61 --out 512398746FEC20251231.txt [--per-kind 6]
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import generator_main

YEAR = 2025
SIREN = "512398746"
CLOSING = dt.date(YEAR, 12, 31)
FEC_NAME = f"{SIREN}FEC{CLOSING:%Y%m%d}.txt"
ENCODING = "iso-8859-15"
APPROVAL_LIMIT = 25_000.0  # EUR excl. VAT: from here a purchase needs the président's signature
COLUMNS = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
           "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
           "ValidDate", "Montantdevise", "Idevise"]
DATE_COLUMNS = ("EcritureDate", "PieceDate", "DateLet", "ValidDate")

JOURNALS = {"AN": "A nouveaux", "AC": "Achats", "VE": "Ventes", "BQ": "Banque CIC Lyonnaise",
            "OD": "Opérations diverses", "PAIE": "Salaires"}
ACCOUNTS = {
    "101300": "Capital souscrit appelé versé", "106800": "Autres réserves", "110000": "Report à nouveau",
    "120000": "Résultat de l'exercice (bénéfice)", "164000": "Emprunts auprès des établissements de crédit",
    "218100": "Installations générales, agencements", "218200": "Matériel de transport",
    "218300": "Matériel de bureau et informatique", "281810": "Amort. installations générales",
    "281820": "Amort. matériel de transport", "281830": "Amort. matériel de bureau et informatique",
    "370000": "Stocks de marchandises", "401000": "Fournisseurs", "404000": "Fournisseurs d'immobilisations",
    "408100": "Fournisseurs - factures non parvenues", "411000": "Clients", "416000": "Clients douteux",
    "418100": "Clients - factures à établir", "419100": "Clients - avances et acomptes reçus",
    "421000": "Personnel - rémunérations dues", "428200": "Dettes provisionnées pour congés à payer",
    "431000": "Sécurité sociale", "437200": "Retraite complémentaire", "437300": "Mutuelle et prévoyance",
    "438200": "Charges sociales sur congés à payer", "442100": "Prélèvement à la source",
    "444000": "Etat - impôt sur les bénéfices", "445200": "TVA due intracommunautaire",
    "445510": "TVA à décaisser", "445620": "TVA déductible sur immobilisations",
    "445660": "TVA déductible sur autres biens et services", "445662": "TVA déductible intracommunautaire",
    "445710": "TVA collectée", "445740": "TVA collectée sur encaissements", "445860": "TVA sur factures non parvenues",
    "445870": "TVA sur factures à établir", "445670": "Crédit de TVA à reporter",
    "455000": "Associés - comptes courants", "457000": "Associés - dividendes à payer",
    "467000": "Autres comptes débiteurs ou créditeurs", "486000": "Charges constatées d'avance",
    "491000": "Dépréciations des comptes clients", "512000": "Banque CIC Lyonnaise",
    "603700": "Variation des stocks de marchandises", "606100": "Fournitures non stockables (eau, énergie)",
    "606110": "Carburants", "606400": "Fournitures administratives", "606800": "Petit outillage et fournitures",
    "607000": "Achats de marchandises", "607100": "Achats de marchandises intracommunautaires",
    "609700": "RRR obtenus sur achats de marchandises", "611000": "Sous-traitance générale",
    "613200": "Locations immobilières", "613500": "Locations mobilières", "616000": "Primes d'assurances",
    "618100": "Documentation générale", "622600": "Honoraires", "623300": "Foires et expositions",
    "624100": "Transports sur achats", "624200": "Transports sur ventes", "625100": "Voyages et déplacements",
    "625600": "Missions", "625700": "Réceptions", "626000": "Frais postaux et de télécommunications",
    "627000": "Services bancaires et assimilés", "635110": "Cotisation foncière des entreprises",
    "641100": "Salaires, appointements", "641200": "Congés payés", "641300": "Primes et gratifications",
    "645100": "Cotisations à l'URSSAF", "645200": "Cotisations aux mutuelles",
    "645300": "Cotisations aux caisses de retraite", "651100": "Redevances pour logiciels",
    "658000": "Charges diverses de gestion courante", "661100": "Intérêts des emprunts", "666000": "Pertes de change",
    "681120": "Dotations aux amortissements des immobilisations corporelles",
    "681740": "Dotations aux dépréciations des créances", "695000": "Impôts sur les bénéfices",
    "706100": "Prestations de services - installation", "706200": "Prestations de services - maintenance et SAV",
    "707100": "Ventes de marchandises France", "707200": "Ventes de marchandises export",
    "708500": "Ports et frais accessoires facturés", "709700": "RRR accordés",
    "758000": "Produits divers de gestion courante", "766000": "Gains de change",
}
SOPHIE, KARIM, NATHALIE, CABINET, MARC = "SOPHIE", "KARIM", "NATHALIE", "CABINET", "MARC"
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
SEASON = {1: 1.0, 2: 1.05, 3: 1.15, 4: 1.1, 5: 0.95, 6: 1.1, 7: 0.95, 8: 0.35, 9: 1.15, 10: 1.1, 11: 1.0, 12: 0.9}
CHF_PER_EUR = 0.94


# --------------------------------------------------------------------------------------------------- calendar
def public_holidays(year: int) -> dict[dt.date, str]:
    """French public holidays (metropolitan France)."""
    return dict(sorted(holidays.FR(years=year).items()))


HOLIDAYS = {**public_holidays(YEAR - 1), **public_holidays(YEAR), **public_holidays(YEAR + 1)}
WHIT_MONDAY = dt.date(YEAR, 6, 9)  # the firm's journée de solidarité: a working day, and banks settle
FIRST, LAST = dt.date(YEAR, 1, 1), CLOSING
CLOSURES = ((dt.date(YEAR - 1, 12, 24), dt.date(YEAR, 1, 3)), (dt.date(YEAR, 5, 30), dt.date(YEAR, 5, 30)),
            (dt.date(YEAR, 8, 11), dt.date(YEAR, 8, 22)), (dt.date(YEAR, 12, 24), dt.date(YEAR + 1, 1, 2)))
ABSENCES = {SOPHIE: ((dt.date(YEAR, 7, 28), dt.date(YEAR, 8, 22)), (dt.date(YEAR, 4, 14), dt.date(YEAR, 4, 18))),
            KARIM: ((dt.date(YEAR, 8, 4), dt.date(YEAR, 8, 22)), (dt.date(YEAR, 10, 27), dt.date(YEAR, 10, 31))),
            NATHALIE: ((dt.date(YEAR, 8, 4), dt.date(YEAR, 8, 22)), (dt.date(YEAR, 2, 17), dt.date(YEAR, 2, 21))),
            CABINET: (), MARC: ()}


def days_of_year() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def is_bank_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day not in HOLIDAYS or day == WHIT_MONDAY)


def in_closure(day: dt.date) -> bool:
    return any(a <= day <= b for a, b in CLOSURES)


def is_open(day: dt.date) -> bool:
    """A day the office and the workshop work."""
    return is_bank_day(day) and not in_closure(day)


def next_bank_day(day: dt.date) -> dt.date:
    while not is_bank_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_bank_day(day: dt.date) -> dt.date:
    while not is_bank_day(day):
        day -= dt.timedelta(days=1)
    return day


def month_end(month: int, year: int = YEAR) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def end_of_month(day: dt.date) -> dt.date:
    return month_end(day.month, day.year)


def pay_day(month: int) -> dt.date:
    """Net pay is transferred on the month's last bank day (23 December before the Christmas closure)."""
    return previous_bank_day(dt.date(YEAR, 12, 23) if month == 12 else month_end(month))


def present(user: str, day: dt.date) -> bool:
    if user == CABINET:
        return is_bank_day(day)
    return is_open(day) and not any(a <= day <= b for a, b in ABSENCES[user])


def user_day(user: str, day: dt.date, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)) -> dt.date:
    """The user's first working day on or after `day` (on one of `weekdays`)."""
    while not (present(user, day) and day.weekday() in weekdays):
        day += dt.timedelta(days=1)
    return day


def validation_days() -> list[dt.date]:
    """The chief accountant validates the entries around the 12th and the 27th of each month."""
    days = set()
    for k in range(16):
        y, m = YEAR + k // 12, k % 12 + 1
        for d in (12, 27):
            days.add(user_day(NATHALIE, dt.date(y, m, d)))
    return sorted(days)


VALIDATION_DAYS = validation_days()


def validated(entered: dt.date, date: dt.date) -> dt.date:
    start = max(entered + dt.timedelta(days=1), date)
    return next(d for d in VALIDATION_DAYS if d >= start)


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


# --------------------------------------------------------------------------------------------------- the books
@dataclass
class Line:
    account: str
    amount: float  # debit positive
    label: str
    aux: str = ""
    fx: float | None = None  # Montantdevise
    currency: str = ""
    let: str = ""
    date_let: dt.date | None = None


@dataclass
class Entry:
    journal: str
    date: dt.date
    entered: dt.date
    user: str
    lines: list[Line]
    piece_ref: str = ""
    piece_date: dt.date | None = None
    role: str = ""
    party: str = ""
    kind: str = ""
    anomaly_id: str = ""
    seq: int = 0
    due: dt.date | None = None
    settle: bool = True
    settled: bool = False
    created: dt.date | None = None  # when the commercial software numbered a sales document
    credits: list[Entry] = field(default_factory=list)
    advance: float = 0.0
    same_ref: bool = True  # a duplicate keeps the original reference (else retyped)
    paid_on: dt.date | None = None
    valid: dt.date | None = None


@dataclass(frozen=True)
class Supplier:
    aux: str
    name: str
    short: str
    account: str
    vat: float
    pattern: str  # jobs:<n a month> | weekly:<weekday> | monthly:<day> | quarterly:<day>
    median: float
    sigma: float
    terms: str  # "30", "60", "45FDM", "30FDM", "DD<days>" (direct debit), "5"
    ref: str  # the supplier's invoice number format, {n} its counter
    intracom: bool = False
    collective: str = "401000"


SUPPLIERS = [
    Supplier("FFRIGONORD", "Frigonord Industrie SAS", "FRIGONORD", "607000", 0.20, "jobs:7", 5_800, 0.75, "45FDM",
             "FN{n:06d}"),
    Supplier("FDELACROIX", "Fours Delacroix SA", "DELACROIX", "607000", 0.20, "jobs:4", 8_500, 0.8, "60",
             "FD25-{n:05d}"),
    Supplier("FLAVAPRO", "Lavaisselle Pro SARL", "LAVAPRO", "607000", 0.20, "jobs:3", 4_900, 0.6, "45FDM", "LP{n}"),
    Supplier("FINOXDAU", "Inox Dauphiné SAS", "INOX DAUPHINE", "607000", 0.20, "jobs:5", 3_100, 0.6, "60",
             "ID/{n}"),
    Supplier("FFORNILOM", "Forni Lombardi S.p.A.", "FORNI LOMBARDI", "607100", 0.20, "jobs:2", 11_500, 0.5, "60",
             "{n}/2025/FE", intracom=True),
    Supplier("FKALTEBAU", "Kältetechnik Bauer GmbH", "KALTETECHNIK BAUER", "607100", 0.20, "jobs:1.2", 7_200, 0.5,
             "60", "RE-{n}", intracom=True),
    Supplier("FPIECESPRO", "Pièces Détachées Pro", "PDP", "607000", 0.20, "weekly:1", 1_050, 0.5, "30", "PDP{n}"),
    Supplier("FHOTTESRA", "Hottes et Ventilation RA", "HOTTES VENTIL RA", "611000", 0.20, "jobs:2", 4_600, 0.5, "30",
             "HV{n:04d}"),
    Supplier("FELECLYON", "Électricité Générale Lyonnaise", "EGL", "611000", 0.20, "jobs:2.5", 2_100, 0.6, "30",
             "EGL-{n}"),
    Supplier("FPLOMBVEN", "Plomberie Chauffage Vénissieux", "PCV", "611000", 0.20, "jobs:2.5", 1_500, 0.6, "30",
             "F{n}"),
    Supplier("FTRANSPER", "Transports Perrin", "TRANSPORTS PERRIN", "624200", 0.20, "weekly:4", 640, 0.4, "30FDM",
             "TP{n:05d}"),
    Supplier("FMESSEXP", "Messagerie Express Rhône", "MER", "624100", 0.20, "weekly:0", 210, 0.5, "30", "ME{n}"),
    Supplier("FSCIORMES", "SCI Les Ormes", "SCI LES ORMES", "613200", 0.20, "quarterly:1", 14_400, 0.0, "5",
             "Q{n}-2025"),
    Supplier("FLEASEAUT", "Lease Auto Services", "LEASE AUTO", "613500", 0.20, "monthly:1", 3_960, 0.0, "DD10",
             "LA{n:07d}"),
    Supplier("FENERGRHO", "Énergies Rhône Pro", "ENERGIES RHONE", "606100", 0.20, "monthly:8", 1_350, 0.25, "DD15",
             "ERP{n:08d}"),
    Supplier("FTELECOMP", "TéléCom Pro Entreprises", "TELECOM PRO", "626000", 0.20, "monthly:3", 640, 0.1, "DD12",
             "TPE{n}"),
    Supplier("FLOGICIEL", "Logiciels Gestion Pro", "LGP", "651100", 0.20, "monthly:2", 420, 0.0, "DD5", "LG{n}"),
    Supplier("FBUREAUPL", "Fournitures Bureau Plus", "BUREAU PLUS", "606400", 0.20, "jobs:1.2", 190, 0.5, "30",
             "BP{n}"),
    Supplier("FOUTILPRO", "Outillage Pro Rhône", "OUTILLAGE PRO", "606800", 0.20, "jobs:1.5", 380, 0.5, "30",
             "OPR{n}"),
    Supplier("FCABDUMAS", "Cabinet Dumas Expertise", "CABINET DUMAS", "622600", 0.20, "monthly:28", 1_150, 0.0,
             "30", "H{n}"),
    Supplier("FASSURPRO", "Mutuelle Assurances Pros", "MAP ASSURANCES", "616000", 0.0, "quarterly:10", 1_450, 0.0,
             "DD5", "MAP{n}"),
    Supplier("FLYONEXPO", "Lyon Expo Événements", "LYON EXPO", "623300", 0.20, "none", 18_500, 0.0, "30",
             "LEE{n}"),
    Supplier("FAVOCATS", "Selarl Bertin Avocats", "BERTIN AVOCATS", "622600", 0.20, "jobs:0.2", 1_800, 0.4, "30",
             "BA{n}"),
    Supplier("IUTILEST", "Utilitaires Est Lyon SAS", "UTILITAIRES EST", "218200", 0.20, "none", 38_900, 0.0, "30",
             "VN{n}", collective="404000"),
    Supplier("IRAYONRHO", "Rayonnages du Rhône", "RAYONNAGES RHONE", "218100", 0.20, "none", 16_400, 0.0, "30",
             "RR{n}", collective="404000"),
    Supplier("IINFOSERV", "InfoServices Lyon", "INFOSERVICES", "218300", 0.20, "none", 8_700, 0.0, "30", "IS{n}",
             collective="404000"),
]
SUPPLIER = {s.aux: s for s in SUPPLIERS}
CARD = [  # merchant, account, VAT rate, median, share
    ("CB STATION TOTAL A43 ST PRIEST", "606110", 0.20, 85, 0.34), ("CB PEAGE APRR", "625100", 0.20, 14, 0.2),
    ("CB PEAGE AREA", "625100", 0.20, 21, 0.08), ("CB RESTAURANT", "625700", 0.10, 62, 0.16),
    ("CB HOTEL", "625600", 0.10, 118, 0.06), ("CB LIBRAIRIE DECITRE", "618100", 0.055, 46, 0.04),
    ("CB LA POSTE", "626000", 0.0, 24, 0.06), ("CB BRICO DEPOT", "606800", 0.20, 58, 0.06),
]


@dataclass(frozen=True)
class Customer:
    aux: str
    name: str
    profile: str  # group | public | chain | small | private | export
    weight: float
    terms: str
    cheque: float = 0.0  # share of invoices paid by cheque
    late: float = 0.1  # share paid late
    contract: float = 0.0  # quarterly maintenance contract, EUR excl. VAT (0: none)


_FIRST = ["Brasserie", "Bouchon", "Restaurant", "Boulangerie", "Pizzeria", "Traiteur", "Bistrot", "Crêperie",
          "Pâtisserie", "Café"]
_SECOND = ["du Parc", "des Halles", "Saint-Jean", "de la Croix-Rousse", "Le Gourmet", "des Brotteaux",
           "Les Canuts", "du Confluent", "Chez Paul", "de Fourvière", "Le Comptoir", "La Mère Brazier",
           "des Terreaux", "Le Bellecour", "du Rhône", "de Gerland", "de Montchat", "Le Passage", "du Vieux Lyon",
           "Les Lumières", "de Vaise", "des Pentes", "de Monplaisir", "du Tonkin", "de Bron"]
_PRIVATE = ["M. et Mme Girard", "M. Rocher", "Mme Lambert", "M. et Mme Fabre", "M. Chapuis", "Mme Besson",
            "M. Durand-Vial", "M. et Mme Mercier"]


def _customers(rng: np.random.Generator) -> list[Customer]:
    big = [
        Customer("C0101", "Groupe Hôtelier Bellecour", "group", 9.0, "45FDM", contract=2_400),
        Customer("C0102", "Restauration Collective Rhône-Alpes", "chain", 6.0, "60", contract=1_800),
        Customer("C0103", "Ville de Villeurbanne", "public", 3.0, "30", contract=1_500),
        Customer("C0104", "Lycée hôtelier du Rhône", "public", 2.0, "30", contract=650),
        Customer("C0105", "Centre hospitalier Est Lyonnais", "public", 2.5, "30", contract=1_100),
        Customer("C0106", "Hôtel du Léman Genève SA", "export", 1.2, "30"),
        Customer("C0107", "Maison Vernay Boulangeries", "chain", 4.0, "30", cheque=0.1, contract=900),
        Customer("C0108", "Brasseries du Vieux Lyon SAS", "chain", 4.5, "30FDM", contract=1_200),
    ]
    pairs = [(a, b) for a in _FIRST for b in _SECOND]
    chosen = rng.choice(len(pairs), size=72, replace=False)
    small = []
    for i, k in enumerate(chosen):
        first, second = pairs[int(k)]
        small.append(Customer(f"C{201 + i:04d}", f"{first} {second}", "small", float(rng.lognormal(0.0, 0.6)),
                              "30", cheque=float(rng.choice([0.0, 0.3, 0.7])), late=float(rng.uniform(0.05, 0.35)),
                              contract=float(rng.choice([0, 0, 0, 280, 360, 450]))))
    private = [Customer(f"C{901 + i:04d}", name, "private", 0.0, "0") for i, name in enumerate(_PRIVATE)]
    return big + small + private


class _Books:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.entries: list[Entry] = []
        self.seq = 0
        self.customers = _customers(self.rng)
        self.customer = {c.aux: c for c in self.customers}
        self.names = {**{s.aux: s.name for s in SUPPLIERS}, **{c.aux: c.name for c in self.customers}}
        self.open_days = [d for d in days_of_year() if is_open(d)]
        self.karim_days = [d for d in self.open_days if present(KARIM, d)]
        self.lettering: list[tuple[list[Line], dt.date]] = []
        self.cheque_no = 4_512_300 + int(self.rng.integers(0, 500))
        self.liquidated = ""

    # ----------------------------------------------------------------------------------------- helpers
    def add(self, journal: str, date: dt.date, entered: dt.date, user: str, lines: list[Line], piece_ref: str = "",
            piece_date: dt.date | None = None, role: str = "", party: str = "") -> Entry:
        self.seq += 1
        e = Entry(journal, date, entered, user, lines, piece_ref, piece_date or date, role, party, seq=self.seq)
        self.entries.append(e)
        return e

    def lognormal(self, median: float, sigma: float) -> float:
        return float(median * np.exp(sigma * self.rng.standard_normal())) if sigma else float(median)

    def letter(self, lines: list[Line], day: dt.date) -> None:
        self.lettering.append((lines, day))

    def bank_entered(self, day: dt.date) -> dt.date:
        return user_day(SOPHIE, day + dt.timedelta(days=1))

    # ----------------------------------------------------------------------------------------- sales
    def sales_invoice(self, cust: Customer, day: dt.date, goods: float = 0.0, service: float = 0.0,
                      install: float = 0.0, carriage: float = 0.0, text: str = "", vat_rate: float | None = None,
                      role: str = "sale", advance: float = 0.0, created: dt.date | None = None,
                      entered: dt.date | None = None) -> Entry:
        """D 411000 (less an advance on 419100), C 707/706/708 and the VAT: goods and carriage to 445710, services to
        445740 (VAT due when paid); 10 % for private homes, none for the Geneva hotel."""
        rate = vat_rate if vat_rate is not None else (0.10 if cust.profile == "private" else
                                                       0.0 if cust.profile == "export" else 0.20)
        label = "Fact {ref} " + cust.name
        goods_acc = "707200" if cust.profile == "export" else "707100"
        lines = []
        for acc, amount in ((goods_acc, goods), ("706100", install), ("706200", service), ("708500", carriage)):
            if amount:
                lines.append(Line(acc, -r2(amount), label))
        vat_goods = r2((goods + carriage) * rate)
        vat_service = r2((install + service) * rate)
        if vat_goods:
            lines.append(Line("445710", -vat_goods, label))
        if vat_service:
            lines.append(Line("445740", -vat_service, label))
        total = -sum(ln.amount for ln in lines)
        head = [Line("411000", r2(total - advance), label, cust.aux)]
        if advance:
            head.append(Line("419100", r2(advance), label, cust.aux))
        if cust.profile == "export":  # invoiced in CHF: every line carries its CHF amount
            for ln in head + lines:
                ln.fx, ln.currency = r2(abs(ln.amount) * CHF_PER_EUR), "CHF"
        entered = entered or user_day(KARIM, day + dt.timedelta(days=1), (0,))
        e = self.add("VE", day, entered, KARIM, head + lines, "{ref}", role=role, party=cust.aux)
        e.created = created or day
        e.advance = advance
        e.due = self.due(day, cust.terms)
        return e

    def credit_note(self, inv: Entry, day: dt.date, share: float, text: str, role: str = "credit",
                    entered: dt.date | None = None) -> Entry:
        cust = self.customer[inv.party]
        label = "Avoir {ref} " + cust.name + (f" {text}" if text else "")
        lines = []
        for ln in inv.lines:
            if ln.account == "419100":
                continue
            amount = ln.amount + (-inv.advance if ln.account == "411000" else 0.0)
            line = Line(ln.account, -r2(amount * share), label, ln.aux)
            if ln.fx is not None:
                line.fx, line.currency = r2(ln.fx * share), ln.currency
            lines.append(line)
        head = lines[0]
        head.amount = r2(-sum(ln.amount for ln in lines[1:]))
        entered = entered or user_day(KARIM, day + dt.timedelta(days=1), (0,))
        e = self.add("VE", day, entered, KARIM, lines, "{ref}", role=role, party=inv.party)
        e.created = day
        inv.credits.append(e)
        return e

    def due(self, day: dt.date, terms: str) -> dt.date:
        if terms.endswith("FDM"):
            return end_of_month(day + dt.timedelta(days=int(terms[:-3])))
        if terms.startswith("DD"):
            return day + dt.timedelta(days=int(terms[2:]))
        return day + dt.timedelta(days=int(terms))

    def pick_customer(self, profiles: tuple[str, ...] = ("group", "public", "chain", "small"),
                      liquidated: bool = False) -> Customer:
        pool = [c for c in self.customers if c.profile in profiles and c.weight > 0
                and (liquidated or c.aux != self.liquidated)]
        w = np.array([c.weight for c in pool])
        return pool[int(self.rng.choice(len(pool), p=w / w.sum()))]

    def repair(self, cust: Customer, day: dt.date, scale: float = 1.0, **kw) -> Entry:
        labour = r2(self.lognormal(190, 0.5) * scale)
        parts = r2(self.lognormal(260, 0.9) * scale) if self.rng.random() < 0.75 else 0.0
        travel = 65.0 if cust.profile != "export" else 120.0
        return self.sales_invoice(cust, day, goods=parts, service=labour, carriage=travel, **kw)

    def equipment(self, cust: Customer, day: dt.date, scale: float = 1.0, **kw) -> Entry:
        goods = r2(self.lognormal(3_400, 0.8) * scale)
        install = r2(goods * self.rng.uniform(0.08, 0.18)) if self.rng.random() < 0.45 else 0.0
        carriage = float(self.rng.choice([0.0, 45.0, 90.0, 150.0]))
        return self.sales_invoice(cust, day, goods=goods, install=install, carriage=carriage, **kw)

    def sales(self) -> None:
        for day in self.karim_days:
            season = SEASON[day.month]
            trading = day < dt.date(YEAR, 9, 20)  # the liquidated restaurant's last orders
            for _ in range(int(self.rng.poisson(5.0 * season))):
                self.repair(self.pick_customer(liquidated=trading), day)
            for _ in range(int(self.rng.poisson(1.6 * season))):
                self.equipment(self.pick_customer(liquidated=trading), day)
            if self.rng.random() < 0.03 * season:
                self.repair(self.customer["C0106"], day)
        # credit notes for returned goods and gestures, 2-25 days later
        for inv in [e for e in self.entries if e.role == "sale"]:
            if self.rng.random() < 0.03:
                day = self.next_karim_day(inv.date + dt.timedelta(days=int(self.rng.integers(2, 26))))
                if day <= LAST:
                    share = 1.0 if self.rng.random() < 0.3 else float(self.rng.choice([0.1, 0.15, 0.2, 0.5]))
                    self.credit_note(inv, day, share, "retour" if share == 1.0 else "geste commercial")
        self.projects()
        self.contracts()

    def next_karim_day(self, day: dt.date) -> dt.date:
        return user_day(KARIM, day)

    def projects(self) -> None:
        """Kitchen fit-outs: 30 % advance received at order, final invoice at handover; canteens in summer."""
        months = [1, 2, 3, 3, 4, 4, 5, 6, 6, 6, 7, 7, 7, 7, 9, 9, 9, 10, 10, 10, 11, 11, 12, 2, 5, 10, 3]
        for i, m in enumerate(months):
            if i % 4 == 0:
                cust = self.customer[str(self.rng.choice(["C0103", "C0104", "C0105"]))]
                m = int(self.rng.choice([7, 8, 9])) if m in (6, 7) else m
            elif i % 4 == 1:
                cust = self.customer[_PRIVATE_AUX[int(self.rng.integers(len(_PRIVATE_AUX)))]]
            else:
                cust = self.pick_customer(("group", "chain", "small"))
            size = {"public": 85_000, "private": 26_000}.get(cust.profile, 48_000)
            goods = r2(self.lognormal(size, 0.45))
            install = r2(goods * self.rng.uniform(0.12, 0.22))
            handover = self.next_karim_day(dt.date(YEAR, m, int(self.rng.integers(1, 27))))
            if m == 8:
                handover = self.next_karim_day(dt.date(YEAR, 8, 25))
            while handover > LAST or not present(KARIM, handover):  # before the Christmas closure
                handover -= dt.timedelta(days=1)
            order = handover - dt.timedelta(days=int(self.rng.integers(35, 90)))
            advance = 0.0
            rate = 0.10 if cust.profile == "private" else 0.20
            if order >= FIRST and cust.profile != "public":
                advance = r2((goods + install) * (1 + rate) * 0.3)
                paid = next_bank_day(order + dt.timedelta(days=int(self.rng.integers(2, 12))))
                label = f"VIR {cust.name.upper()} ACOMPTE COMMANDE"
                received = Line("419100", -advance, label, cust.aux)
                self.add("BQ", paid, self.bank_entered(paid), SOPHIE, [Line("512000", advance, label), received],
                         f"REL{paid:%m}", role="advance", party=cust.aux)
            inv = self.sales_invoice(cust, handover, goods=goods, install=install, carriage=float(
                self.rng.choice([0.0, 250.0, 480.0])), role="project", advance=advance)
            if advance:
                self.letter([received, inv.lines[1]], inv.entered)

    def contracts(self) -> None:
        """Quarterly maintenance contracts, invoiced in advance on the quarter's first working day, collected by
        SEPA direct debit ten days later (public bodies pay through the Treasury)."""
        for month in (1, 4, 7, 10):
            day = self.next_karim_day(dt.date(YEAR, month, 1))
            for cust in self.customers:
                if cust.contract:
                    inv = self.sales_invoice(cust, day, service=cust.contract, role="contract")
                    inv.due = day + dt.timedelta(days=10)

    # ----------------------------------------------------------------------------------------- receipts
    def receipts(self) -> None:
        """Customers pay what they were invoiced, less credit notes; a receipt letters the 411 lines it settles."""
        cheques: dict[dt.date, list[tuple[Entry, float]]] = defaultdict(list)
        group: dict[dt.date, list[Entry]] = defaultdict(list)
        debits: dict[dt.date, list[Entry]] = defaultdict(list)
        for inv in [e for e in self.entries if e.journal == "VE" and e.credits]:
            if abs(self.total(inv)) < 0.005:  # cancelled by its credit note: lettered together, nothing to pay
                inv.settled = True
                self.letter([ln for e in (inv, *inv.credits) for ln in e.lines if ln.account == "411000"],
                            max(e.entered for e in inv.credits))
        invoices = [e for e in self.entries if e.journal == "VE" and e.role in ("sale", "project", "contract")
                    and e.settle and not e.settled]
        for inv in invoices:
            cust = self.customer[inv.party]
            if cust.aux == self.liquidated and inv.date >= dt.date(YEAR, 7, 15):
                continue
            if inv.role == "contract" and cust.profile != "public":
                day = next_bank_day(inv.due)
                debits[day].append(inv)
                continue
            if cust.profile == "group":
                group[next_bank_day(inv.due + dt.timedelta(days=int(self.rng.integers(0, 6))))].append(inv)
                continue
            if cust.profile == "public":
                delay = int(self.rng.integers(30, 66))
            elif cust.profile == "private":
                delay = int(self.rng.integers(0, 10))
            else:
                late = self.rng.random() < cust.late
                delay = (inv.due - inv.date).days + (int(self.rng.integers(20, 60)) if late else
                                                      int(self.rng.integers(-8, 9)))
            day = next_bank_day(inv.date + dt.timedelta(days=max(delay, 0)))
            if self.rng.random() < cust.cheque:
                deposit = day
                while not (deposit.weekday() in (1, 4) and present(SOPHIE, deposit)):
                    deposit += dt.timedelta(days=1)
                cheques[next_bank_day(deposit + dt.timedelta(days=1))].append((inv, self.total(inv)))
            else:
                self.transfer_in(day, cust, [inv])
        for day in sorted(group):
            self.transfer_in(day, self.customer["C0101"], group[day])
        for day in sorted(debits):
            if day > LAST:
                continue
            label = "PRLV SEPA CONTRATS MAINTENANCE"
            lines = [Line("512000", 0.0, label)]
            for inv in debits[day]:
                lines.append(Line("411000", -self.total(inv), label, inv.party))
                self.letter(self.settled_lines(inv, day) + [lines[-1]], self.bank_entered(day))
            lines[0].amount = r2(-sum(ln.amount for ln in lines[1:]))
            self.add("BQ", day, self.bank_entered(day), SOPHIE, lines, f"REL{day:%m}", role="receipt")
        for day in sorted(cheques):
            if day > LAST:
                continue
            self.cheque_no += 1
            label = f"REMISE CHQ {self.cheque_no}"
            lines = [Line("512000", 0.0, label)]
            for inv, amount in cheques[day]:
                lines.append(Line("411000", -amount, label, inv.party))
                self.letter(self.settled_lines(inv, day) + [lines[-1]], self.bank_entered(day))
            lines[0].amount = r2(-sum(ln.amount for ln in lines[1:]))
            self.add("BQ", day, self.bank_entered(day), SOPHIE, lines, f"RCH{self.cheque_no}", role="receipt")

    def total(self, inv: Entry) -> float:
        return r2(sum(ln.amount for e in (inv, *inv.credits) for ln in e.lines if ln.account == "411000"))

    def settled_lines(self, inv: Entry, day: dt.date) -> list[Line]:
        inv.settled, inv.paid_on = True, day
        return [ln for e in (inv, *inv.credits) for ln in e.lines if ln.account == "411000"]

    def transfer_in(self, day: dt.date, cust: Customer, invoices: list[Entry]) -> None:
        if day > LAST:
            return
        amount = r2(sum(self.total(inv) for inv in invoices))
        payer = "DRFIP AUVERGNE RHONE ALPES" if cust.profile == "public" else cust.name.upper()
        label = f"VIR SEPA RECU {payer}"
        line = Line("411000", -amount, label, cust.aux)
        lines = [Line("512000", amount, label), line]
        if cust.profile == "export":
            chf = r2(sum(np.sign(ln.amount) * (ln.fx or 0.0) for inv in invoices for e in (inv, *inv.credits)
                         for ln in e.lines if ln.account == "411000"))
            line.fx, line.currency = chf, "CHF"
            received = r2(chf / (CHF_PER_EUR * float(self.rng.uniform(0.985, 1.015))))
            lines[0].amount = received
            diff = r2(received - amount)
            if diff:
                lines.append(Line("766000" if diff > 0 else "666000", -diff, label))
        self.add("BQ", day, self.bank_entered(day), SOPHIE, lines, f"REL{day:%m}", role="receipt", party=cust.aux)
        self.letter([ln for inv in invoices for ln in self.settled_lines(inv, day)] + [line], self.bank_entered(day))

    # ----------------------------------------------------------------------------------------- purchases
    def purchase_invoice(self, sup: Supplier, day: dt.date, net: float, role: str = "purchase",
                         entered: dt.date | None = None, vat: float | None = None) -> Entry:
        """D expense (or asset) and deductible VAT, C 401000/404000; intra-EU under the reverse charge."""
        net = r2(net)
        rate = sup.vat if vat is None else vat
        label = sup.short + " FA {ref}"
        lines = [Line(sup.collective, 0.0, label, sup.aux), Line(sup.account, net, label)]
        if sup.intracom:
            tax = r2(net * rate)
            lines += [Line("445662", tax, label), Line("445200", -tax, label)]
        elif rate:
            lines.append(Line("445620" if sup.account.startswith("2") else "445660", r2(net * rate), label))
        lines[0].amount = -r2(sum(ln.amount for ln in lines[1:]))
        if entered is None:
            delay = int(self.rng.integers(1, 9)) if self.rng.random() > 0.04 else int(self.rng.integers(10, 22))
            entered = user_day(SOPHIE, day + dt.timedelta(days=delay), (0, 3))
        e = self.add("AC", day, entered, SOPHIE, lines, "{ref}", role=role, party=sup.aux)
        e.due = self.due(day, sup.terms)
        return e

    def purchases(self) -> None:
        for sup in SUPPLIERS:
            kind, _, arg = sup.pattern.partition(":")
            days: list[dt.date] = []
            if kind == "jobs":
                for day in self.open_days:
                    days += [day] * int(self.rng.poisson(float(arg) * SEASON[day.month] * 12 / len(self.open_days)))
            elif kind == "weekly":
                days = [d for d in self.open_days if d.weekday() == int(arg)]
            elif kind == "monthly":
                days = [dt.date(YEAR, m, int(arg)) for m in range(1, 13)]
            elif kind == "quarterly":
                days = [dt.date(YEAR, m, int(arg)) for m in (1, 4, 7, 10)]
            for day in days:
                self.purchase_invoice(sup, day, self.lognormal(sup.median * (1.04 if day.month >= 4 else 1.0),
                                                                sup.sigma))
        # one-offs: the Sirha stand, racking, a van, IT, the annual insurance premium, the year-end rebate
        self.purchase_invoice(SUPPLIER["FLYONEXPO"], dt.date(YEAR, 1, 8), 18_500)
        self.purchase_invoice(SUPPLIER["IRAYONRHO"], dt.date(YEAR, 2, 18), 16_400)
        self.purchase_invoice(SUPPLIER["IUTILEST"], dt.date(YEAR, 4, 16), 38_900)
        self.purchase_invoice(SUPPLIER["IINFOSERV"], dt.date(YEAR, 9, 23), 8_700)
        self.purchase_invoice(SUPPLIER["FASSURPRO"], dt.date(YEAR, 1, 6), 9_800)
        self.purchase_invoice(SUPPLIER["FCABDUMAS"], dt.date(YEAR, 3, 26), 6_500)
        sup, rebate = SUPPLIER["FFRIGONORD"], r2(self.rng.uniform(9_000, 14_000))
        label = sup.short + " AV {ref} RFA 2024"
        e = self.add("AC", dt.date(YEAR, 3, 14), user_day(SOPHIE, dt.date(YEAR, 3, 20), (0, 3)), SOPHIE,
                     [Line("401000", r2(rebate * 1.2), label, sup.aux), Line("609700", -rebate, label),
                      Line("445660", -r2(rebate * 0.2), label)], "{ref}", role="purchase_credit", party=sup.aux)
        e.due = dt.date(YEAR, 3, 14)

    def card(self) -> None:
        """The business cards (sales reps, technicians, the on-call Saturday): each expense at its card date."""
        shares = np.array([c[4] for c in CARD])
        for day in days_of_year():
            if is_open(day):
                n = int(self.rng.poisson(1.7 * (0.5 if day.month == 8 else 1.0)))
            elif day.weekday() == 5 and not in_closure(day) and day not in HOLIDAYS:
                n = int(self.rng.poisson(0.5))  # the on-call technician
            else:
                n = 0
            for _ in range(n):
                merchant, acc, rate, median, _ = CARD[int(self.rng.choice(len(CARD), p=shares / shares.sum()))]
                if day.weekday() == 5 and acc not in ("606110", "625100"):
                    continue
                gross = r2(self.lognormal(median, 0.5))
                net = r2(gross / (1 + rate))
                lines = [Line(acc, net, merchant), Line("512000", -gross, merchant)]
                if rate:
                    lines.insert(1, Line("445660", r2(gross - net), merchant))
                self.add("BQ", day, self.bank_entered(day), SOPHIE, lines, f"REL{day:%m}", role="card")

    # ----------------------------------------------------------------------------------------- bank: payables
    def payment_runs(self) -> None:
        """SEPA transfer batches on the 10th and the 25th (23 December): every invoice falling due before the next
        run."""
        runs = []
        for m in range(1, 13):
            for d in (10, 25):
                day = dt.date(YEAR, m, 23 if (m, d) == (12, 25) else d)  # before the Christmas closure
                while not (is_bank_day(day) and (present(SOPHIE, day) or present(NATHALIE, day))):
                    day += dt.timedelta(days=1)
                runs.append(day)
        runs = sorted(set(runs))
        payables = [e for e in self.entries if e.journal == "AC" and e.settle and not e.settled
                    and not SUPPLIER[e.party].terms.startswith("DD") and SUPPLIER[e.party].terms != "5"]
        for i, run in enumerate(runs):
            horizon = runs[i + 1] if i + 1 < len(runs) else run + dt.timedelta(days=15)
            batch: dict[str, list[Entry]] = defaultdict(list)
            for e in payables:
                if not e.settled and e.entered < run and e.due is not None and e.due < horizon:
                    batch[e.party].append(e)
            if not batch:
                continue
            user = SOPHIE if present(SOPHIE, run) else NATHALIE
            label = f"REMISE VIREMENTS SEPA {run:%d/%m}"
            lines = [Line("512000", 0.0, label)]
            for aux in sorted(batch):
                sup = SUPPLIER[aux]
                amount = -r2(sum(ln.amount for e in batch[aux] for ln in e.lines if ln.account == sup.collective))
                if amount <= 0:
                    continue
                lines.append(Line(sup.collective, amount, f"VIR SEPA {sup.short}", aux))
                for e in batch[aux]:
                    e.settled = True
                self.letter([ln for e in batch[aux] for ln in e.lines if ln.account == sup.collective] + [lines[-1]],
                            user_day(user, run + dt.timedelta(days=1)))
            if len(lines) == 1:
                continue
            lines[0].amount = -r2(sum(ln.amount for ln in lines[1:]))
            self.add("BQ", run, user_day(user, run + dt.timedelta(days=1)), user, lines, f"VIR{run:%m%d}",
                     role="payment_run")

    def direct_debits(self) -> None:
        """Suppliers paid by direct debit, the rent by transfer on the 5th: one bank entry per invoice."""
        for e in [e for e in self.entries if e.journal == "AC" and e.settle and not e.settled]:
            sup = SUPPLIER[e.party]
            if not (sup.terms.startswith("DD") or sup.terms == "5"):
                continue
            day = next_bank_day(e.due)
            if day > LAST:
                continue
            credit = [ln for ln in e.lines if ln.account == sup.collective]
            amount = -r2(sum(ln.amount for ln in credit))
            label = f"{'VIR SEPA' if sup.terms == '5' else 'PRLV SEPA'} {sup.short}"
            pay = Line(sup.collective, amount, label, sup.aux)
            self.add("BQ", day, self.bank_entered(day), SOPHIE, [pay, Line("512000", -amount, label)],
                     f"REL{day:%m}", role="dd_bank", party=sup.aux)
            e.settled = True
            self.letter(credit + [pay], self.bank_entered(day))

    def bank_routines(self) -> None:
        """Loan instalments, bank charges, corporation tax, CFE, dividends."""
        balance = 182_000.0
        for m in range(1, 13):
            day = next_bank_day(dt.date(YEAR, m, 5))
            interest = r2(balance * 0.034 / 12)
            capital = r2(3_650 - interest)
            balance -= capital
            label = "ECHEANCE PRET CIC 0045871"
            self.add("BQ", day, self.bank_entered(day), SOPHIE,
                     [Line("164000", capital, label), Line("661100", interest, label),
                      Line("512000", -r2(capital + interest), label)], f"REL{day:%m}", role="loan")
            day = previous_bank_day(month_end(m))
            fees = r2(self.rng.uniform(38, 95))
            label = "FRAIS ET COMMISSIONS"
            self.add("BQ", day, self.bank_entered(day), SOPHIE,
                     [Line("627000", fees, label), Line("512000", -fees, label)], f"REL{day:%m}", role="fees")
        for m, amount in ((3, 21_400), (5, 9_850), (6, 21_400), (9, 21_400), (12, 21_400)):
            day = next_bank_day(dt.date(YEAR, m, 15))
            label = "PRLV DGFIP IS " + ("SOLDE 2024" if m == 5 else "ACOMPTE")
            self.add("BQ", day, self.bank_entered(day), SOPHIE,
                     [Line("444000", float(amount), label), Line("512000", -float(amount), label)], f"REL{day:%m}",
                     role="tax")
        day = next_bank_day(dt.date(YEAR, 12, 15))
        self.add("BQ", day, self.bank_entered(day), SOPHIE,
                 [Line("635110", 3_184.0, "PRLV DGFIP CFE 2025"), Line("512000", -3_184.0, "PRLV DGFIP CFE 2025")],
                 f"REL{day:%m}", role="tax")

    # ----------------------------------------------------------------------------------------- payroll
    def payroll(self) -> None:
        staff = list(self.rng.normal(2_750, 450, size=21).round(0)) + [6_500.0]
        for m in range(1, 13):
            base = sum(staff) * (1.022 if m >= 4 else 1.0) + (2_600 if m >= 4 else 0) - (2_900 if m >= 10 else 0)
            gross = r2(base * self.rng.uniform(0.985, 1.015))
            bonus = r2(self.rng.uniform(2_500, 6_500) * SEASON[m] + (0.5 * base if m == 12 else 0.0))
            g = gross + bonus
            e_urssaf, e_ret, e_mut = r2(g * 0.245), r2(g * 0.087), r2(g * 0.014)
            s_urssaf, s_ret, s_mut = r2(g * 0.139), r2(g * 0.069), r2(g * 0.011)
            pas = r2((g - s_urssaf - s_ret - s_mut) * 0.047)
            net = r2(g - s_urssaf - s_ret - s_mut - pas)
            last = month_end(m)
            label = f"Salaires {MONTHS[m - 1]} {YEAR}"
            lines = [Line("641100", gross, label), Line("641300", bonus, label), Line("645100", e_urssaf, label),
                     Line("645300", e_ret, label), Line("645200", e_mut, label),
                     Line("431000", -r2(e_urssaf + s_urssaf), label), Line("437200", -r2(e_ret + s_ret), label),
                     Line("437300", -r2(e_mut + s_mut), label), Line("442100", -pas, label),
                     Line("421000", -net, label)]
            entered = user_day(NATHALIE, last - dt.timedelta(days=int(self.rng.integers(3, 6))))
            if m == 12:
                entered = user_day(NATHALIE, dt.date(YEAR, 12, 19))
            self.add("PAIE", last, entered, NATHALIE, lines, f"PAIE{m:02d}{YEAR % 100}", role="payroll")
            day = pay_day(m)
            vl = "VIR SEPA SALAIRES " + MONTHS[m - 1].upper()
            pay = Line("421000", net, vl)
            self.add("BQ", day, self.bank_entered(day), SOPHIE, [pay, Line("512000", -net, vl)], f"REL{day:%m}",
                     role="net_pay")
            self.letter([lines[-1], pay], self.bank_entered(day))
            for acc, amount, label2, dom in (("431000", e_urssaf + s_urssaf, "PRLV URSSAF RHONE ALPES", 15),
                                             ("442100", pas, "PRLV DGFIP PAS", 15),
                                             ("437200", e_ret + s_ret, "PRLV AGIRC ARRCO", 25)):
                day = next_bank_day(dt.date(YEAR + m // 12, m % 12 + 1, dom))
                if day <= LAST:
                    self.add("BQ", day, self.bank_entered(day), SOPHIE,
                             [Line(acc, r2(amount), label2), Line("512000", -r2(amount), label2)], f"REL{day:%m}",
                             role="social")
            if m % 3 == 0 and m < 12:
                quarter = sum(r2(g2 * 0.025) for g2 in [g] * 3)
                day = next_bank_day(dt.date(YEAR, m + 1, 10))
                self.add("BQ", day, self.bank_entered(day), SOPHIE,
                         [Line("437300", r2(quarter), "PRLV MUTUELLE PREVOYANCE"),
                          Line("512000", -r2(quarter), "PRLV MUTUELLE PREVOYANCE")], f"REL{day:%m}", role="social")
        # December's contributions of 2024 (in the opening balances) paid in January
        for acc, amount, label, dom in (("431000", 25_850.0, "PRLV URSSAF RHONE ALPES", 15),
                                        ("442100", 2_610.0, "PRLV DGFIP PAS", 15),
                                        ("437200", 9_940.0, "PRLV AGIRC ARRCO", 25)):
            day = next_bank_day(dt.date(YEAR, 1, dom))
            self.add("BQ", day, self.bank_entered(day), SOPHIE, [Line(acc, amount, label),
                                                                 Line("512000", -amount, label)],
                     f"REL{day:%m}", role="social")

    # ----------------------------------------------------------------------------------------- VAT
    def vat(self) -> None:
        """Monthly CA3: VAT on services moves to 445710 when the customer pays; 445710 and 445200 against the
        deductible accounts into 445510, rounded to whole euros; paid on the 19th."""
        declared: set[int] = set()
        tax_accounts = ("445710", "445200", "445660", "445620", "445662")
        owed_by_month: dict[int, float] = defaultdict(float)
        for inv in self.entries:  # VAT on services falls due in the month the customer pays
            if inv.journal == "VE" and inv.paid_on is not None and inv.paid_on <= LAST:
                owed_by_month[inv.paid_on.month] += -sum(ln.amount for d in (inv, *inv.credits) for ln in d.lines
                                                         if ln.account == "445740")
        credit = 0.0  # a VAT credit (445670) is set against the next return
        for m in range(1, 13):
            last = month_end(m)
            entered = user_day(NATHALIE, dt.date(YEAR + m // 12, m % 12 + 1, 14))
            moved = r2(owed_by_month.get(m, 0.0))
            label = f"TVA sur encaissements {MONTHS[m - 1]} {YEAR}"
            if moved:
                self.add("OD", last, entered, NATHALIE, [Line("445740", moved, label), Line("445710", -moved, label)],
                         f"TVAENC{m:02d}", role="vat_transfer")
            totals: dict[str, float] = defaultdict(float)
            for e in self.entries:
                if e.seq in declared or e.date > last or e.entered > entered or e.role == "ca3":
                    continue
                for ln in e.lines:
                    if ln.account in tax_accounts:
                        totals[ln.account] += ln.amount
                declared.add(e.seq)
            label = f"TVA CA3 {MONTHS[m - 1]} {YEAR}"
            lines = [Line(acc, -r2(totals[acc]), label) for acc in tax_accounts if r2(totals[acc])]
            collected, credit_before = -(totals["445710"] + totals["445200"]), credit
            deductible = totals["445660"] + totals["445620"] + totals["445662"]
            due = float(round(-totals["445710"]) + round(-totals["445200"]) - round(totals["445660"])
                        - round(totals["445620"]) - round(totals["445662"]))
            if credit:
                lines.append(Line("445670", -credit, label))
                due -= credit
            if due:
                lines.append(Line("445510" if due > 0 else "445670", -due, label))
            credit = max(-due, 0.0)
            gap = r2(-sum(ln.amount for ln in lines))
            if gap:
                lines.append(Line("658000" if gap > 0 else "758000", gap, label))
            assert abs(collected - deductible - due - credit_before) < 3
            self.add("OD", last, entered, NATHALIE, lines, f"CA3-{m:02d}{YEAR % 100}", role="ca3")
            day = next_bank_day(dt.date(YEAR + m // 12, m % 12 + 1, 19))
            if day <= LAST and due > 0:
                self.add("BQ", day, self.bank_entered(day), SOPHIE,
                         [Line("445510", due, "PRLV DGFIP TVA"), Line("512000", -due, "PRLV DGFIP TVA")],
                         f"REL{day:%m}", role="vat_paid")
        day = next_bank_day(dt.date(YEAR, 1, 19))  # December 2024's return, in the opening balances
        self.add("BQ", day, self.bank_entered(day), SOPHIE,
                 [Line("445510", 31_214.0, "PRLV DGFIP TVA"), Line("512000", -31_214.0, "PRLV DGFIP TVA")],
                 f"REL{day:%m}", role="vat_paid")

    # ----------------------------------------------------------------------------------------- OD
    def opening(self) -> None:
        """The opening balances (AN, dated 1 January, first in the file) with the open customer and supplier items,
        the reversal of the 2024 accruals on 1 January, the appropriation of 2024's result in June."""
        entered = dt.date(YEAR, 3, 20)
        label = "A nouveaux au 01/01/2025"
        lines = [Line("218100", 48_600.0, label), Line("218200", 142_300.0, label), Line("218300", 23_900.0, label),
                 Line("281810", -19_440.0, label), Line("281820", -71_150.0, label), Line("281830", -14_280.0, label),
                 Line("370000", 421_500.0, label), Line("486000", 4_850.0, label),
                 Line("164000", -182_000.0, label), Line("431000", -25_850.0, label),
                 Line("442100", -2_610.0, label), Line("437200", -9_940.0, label), Line("445510", -31_214.0, label),
                 Line("428200", -48_300.0, label), Line("438200", -20_770.0, label), Line("408100", -7_380.0, label),
                 Line("445860", -1_476.0, label), Line("444000", -9_850.0, label), Line("101300", -150_000.0, label)]
        self.open_items: list[tuple[Line, str, dt.date]] = []
        for cust in self.customers[:30]:
            if self.rng.random() < 0.6 and cust.profile != "export":
                amount = r2(self.lognormal(2_400 if cust.profile == "small" else 11_000, 0.7))
                day = dt.date(YEAR - 1, 12, int(self.rng.integers(2, 21)))
                ln = Line("411000", amount, f"AN Fact FA24-{int(self.rng.integers(2400, 2690)):05d}", cust.aux)
                lines.append(ln)
                self.open_items.append((ln, cust.aux, day))
        for sup in SUPPLIERS[:16]:
            if sup.terms.startswith("DD") or sup.terms == "5":
                continue
            amount = r2(self.lognormal(sup.median * 1.5, 0.4))
            ln = Line("401000", -amount, f"AN {sup.short} FA 2024", sup.aux)
            lines.append(ln)
            self.open_items.append((ln, sup.aux, dt.date(YEAR - 1, 12, int(self.rng.integers(1, 20)))))
        bank = 286_000.0 + float(self.rng.integers(0, 40_000))
        lines.append(Line("512000", bank, label))
        lines.append(Line("106800", -15_000.0, label))
        plug = r2(-sum(ln.amount for ln in lines))
        result = r2(float(self.rng.uniform(95_000, 130_000)))
        lines += [Line("120000", -result, label), Line("110000", r2(plug + result), label)]
        self.add("AN", FIRST, entered, CABINET, lines, "AN2025", role="opening")
        self.result_2024 = result
        label = "Extourne FNP 2024"
        self.add("OD", FIRST, entered, CABINET, [Line("408100", 7_380.0, label), Line("607000", -7_380.0, label),
                                                 Line("445860", 1_476.0, label), Line("445660", -1_476.0, label)],
                 "EXT2024-1", role="reversal")
        label = "Extourne CCA 2024"
        self.add("OD", FIRST, entered, CABINET, [Line("616000", 4_850.0, label), Line("486000", -4_850.0, label)],
                 "EXT2024-2", role="reversal")
        # the open items are paid in January and February
        for ln, aux, _ in self.open_items:
            if ln.account == "411000":
                pay = next_bank_day(dt.date(YEAR, 1, 1) + dt.timedelta(days=int(self.rng.integers(6, 50))))
                label = f"VIR SEPA RECU {self.names[aux].upper()}"
                pl = Line("411000", -ln.amount, label, aux)
                self.add("BQ", pay, self.bank_entered(pay), SOPHIE, [Line("512000", ln.amount, label), pl],
                         f"REL{pay:%m}", role="receipt", party=aux)
            else:
                pay = next_bank_day(dt.date(YEAR, 1, 10) if self.rng.random() < 0.6 else dt.date(YEAR, 1, 27))
                label = f"VIR SEPA {SUPPLIER[aux].short}"
                pl = Line("401000", -ln.amount, label, aux)
                self.add("BQ", pay, self.bank_entered(pay), SOPHIE, [pl, Line("512000", ln.amount, label)],
                         f"VIR{pay:%m%d}A", role="dd_bank", party=aux)
            self.letter([ln, pl], self.bank_entered(pay))
        # appropriation of the 2024 result after the general meeting, dividends paid in July
        day, dividend = dt.date(YEAR, 6, 26), 60_000.0
        label = "Affectation du résultat 2024 AGO 26/06/2025"
        self.add("OD", day, user_day(NATHALIE, day), NATHALIE,
                 [Line("120000", result, label), Line("457000", -dividend, label),
                  Line("110000", -r2(result - dividend), label)], "AGO2025", role="appropriation")
        day = dt.date(YEAR, 7, 10)
        self.add("BQ", day, self.bank_entered(day), SOPHIE,
                 [Line("457000", dividend, "VIR DIVIDENDES 2024"), Line("512000", -dividend, "VIR DIVIDENDES 2024")],
                 f"REL{day:%m}", role="dividend")

    def liquidation(self) -> None:
        """A restaurant goes into liquidation in October: its open invoices are moved to 416000 (written down at
        year end)."""
        pool = [c for c in self.customers if c.profile == "small" and c.contract == 0 and c.cheque == 0.0]
        cust = pool[int(self.rng.integers(len(pool)))]
        self.liquidated = cust.aux

    def liquidation_entry(self) -> None:
        cust = self.customer[self.liquidated]
        open_invoices = [e for e in self.entries if e.journal == "VE" and e.party == cust.aux and not e.settled]
        amount = r2(sum(ln.amount for e in open_invoices for ln in e.lines if ln.account == "411000"))
        if amount <= 0:
            return
        day = dt.date(YEAR, 10, 14)
        label = f"Transfert créances douteuses {cust.name} LJ"
        ln411 = Line("411000", -amount, label, cust.aux)
        self.add("OD", day, user_day(NATHALIE, day), NATHALIE, [Line("416000", amount, label, cust.aux), ln411],
                 "OD25-LJ", role="doubtful", party=cust.aux)
        self.letter([ln for e in open_invoices for ln in e.lines if ln.account == "411000"] + [ln411],
                    user_day(NATHALIE, day))
        for e in open_invoices:
            e.settled = True
        self.doubtful = r2(amount / 1.2)

    def year_end(self) -> None:
        """The external accountants' entries dated 31 December, entered in February-March 2026."""
        starts = [dt.date(YEAR + 1, 2, 9) + dt.timedelta(days=int(d)) for d in
                  sorted(self.rng.integers(0, 25, size=7))]
        entries = [
            ("Dotations aux amortissements 2025", [("681120", 41_870.0), ("281810", -9_300.0), ("281820", -28_450.0),
                                                   ("281830", -4_120.0)]),
            ("Variation de stock 2025", [("370000", 455_200.0 - 421_500.0), ("603700", -(455_200.0 - 421_500.0))]),
            ("Provision congés payés 2025", [("641200", 3_150.0), ("645100", 1_360.0), ("428200", -3_150.0),
                                             ("438200", -1_360.0)]),
            ("Factures non parvenues 2025", [("607000", 6_240.0), ("445860", 1_248.0), ("408100", -7_488.0)]),
            ("Charges constatées d'avance 2025", [("486000", 5_120.0), ("616000", -5_120.0)]),
            ("Impôt sur les sociétés 2025", [("695000", 38_600.0), ("444000", -38_600.0)]),
        ]
        if getattr(self, "doubtful", 0.0):
            entries.append(("Dépréciation créances douteuses", [("681740", self.doubtful),
                                                                ("491000", -self.doubtful)]))
        for i, ((label, pairs), entered) in enumerate(zip(entries, starts, strict=False)):
            self.add("OD", LAST, user_day(CABINET, entered), CABINET, [Line(a, r2(x), label) for a, x in pairs],
                     f"INV25-{i + 1:02d}", role="year_end")


_PRIVATE_AUX = [f"C{901 + i:04d}" for i in range(len(_PRIVATE))]


# --------------------------------------------------------------------------------------------------- anomalies
class _Anomalies:
    """Each kind as it would happen at this firm."""

    def __init__(self, books: _Books, per_kind: int) -> None:
        self.books, self.per_kind, self.rng = books, per_kind, books.rng
        self.counter = 0
        self.used: set[int] = set()

    def run(self, kinds: tuple[str, ...] = KINDS) -> None:
        for kind in kinds:
            getattr(self, kind)()

    def label(self, kind: str, entries: list[Entry]) -> None:
        self.counter += 1
        for e in entries:
            e.kind, e.anomaly_id = kind, f"{kind}-{self.counter:03d}"
            self.used.add(e.seq)

    def variants(self, n: int) -> list[int]:
        offset = int(self.rng.integers(n))
        return [(k + offset) % n for k in range(self.per_kind)]

    def pick(self, predicate: Callable[[Entry], bool]) -> Entry:
        pool = [e for e in self.books.entries if not e.kind and e.seq not in self.used and predicate(e)]
        e = pool[int(self.rng.integers(len(pool)))]
        self.used.add(e.seq)
        return e

    def a_day(self, months: tuple[int, int] = (1, 11), user: str = SOPHIE) -> dt.date:
        while True:
            day = dt.date(YEAR, int(self.rng.integers(months[0], months[1] + 1)), int(self.rng.integers(1, 29)))
            if present(user, day):
                return day

    def amount_outlier(self) -> None:
        """20-60 times a counterparty's usual size: a small restaurant's order keyed with a wrong quantity, an
        office supplies or courier invoice keyed in the wrong unit, a parts or telephone bill likewise."""
        b = self.books
        usual: dict[str, list[float]] = defaultdict(list)
        for e in b.entries:
            if e.role == "sale" and not e.kind and b.customer[e.party].profile == "small":
                usual[e.party].append(e.lines[0].amount)
        regular = sorted(aux for aux, totals in usual.items() if len(totals) >= 8)
        for variant in self.variants(3):
            factor = float(self.rng.uniform(20, 60))
            if variant == 0:
                cust = b.customer[regular[int(self.rng.integers(len(regular)))]]
                day = b.next_karim_day(self.a_day((1, 11), KARIM))
                net = factor * float(np.median(usual[cust.aux])) / 1.2
                e = b.sales_invoice(cust, day, goods=r2(net - 90.0), carriage=90.0)
            else:
                sup = SUPPLIER[str(self.rng.choice(["FBUREAUPL", "FMESSEXP", "FOUTILPRO"] if variant == 1
                                                   else ["FPIECESPRO", "FTELECOMP", "FBUREAUPL"]))]
                day = self.a_day()
                e = b.purchase_invoice(sup, day, sup.median * factor)
            self.label("amount_outlier", [e])

    def unusual_account_combination(self) -> None:
        """The chief accountant's corrections pairing accounts that never meet: wages against sales, rent against a
        customer, an employee against a supplier, depreciation straight against the bank."""
        b = self.books
        for variant in self.variants(4):
            day = self.a_day((1, 11), NATHALIE)
            amount = r2(self.rng.uniform(1_200, 9_000))
            cust = b.pick_customer(("small", "chain"))
            sup = SUPPLIER[str(self.rng.choice(["FHOTTESRA", "FELECLYON", "FPLOMBVEN"]))]
            lines = [
                [Line("641100", amount, "Refacturation main d'oeuvre techniciens"),
                 Line("707100", -amount, "Refacturation main d'oeuvre techniciens")],
                [Line("613200", amount, f"Compensation loyer {cust.name}"),
                 Line("411000", -amount, f"Compensation loyer {cust.name}", cust.aux)],
                [Line("421000", amount, f"Avance salarié réglée à {sup.name}"),
                 Line("401000", -amount, f"Avance salarié réglée à {sup.name}", sup.aux)],
                [Line("681120", amount, "Régularisation amortissement"),
                 Line("512000", -amount, "Régularisation amortissement")],
            ][variant]
            e = b.add("OD", day, user_day(NATHALIE, day), NATHALIE, lines, f"OD25-{int(self.rng.integers(40, 99))}",
                      role="anomaly", party=lines[1].aux)
            self.label("unusual_account_combination", [e])

    def weekend_holiday_posting(self) -> None:
        """Dated when nobody works and the banks are shut: a manual invoice dated a public holiday, a supplier
        transfer dated a Sunday or a holiday, a correction dated a Sunday."""
        b = self.books
        holidays_ = [d for d in public_holidays(YEAR) if d.weekday() < 5 and d not in (FIRST, WHIT_MONDAY)
                     and d.month < 12]
        sundays = [d for d in days_of_year() if d.weekday() == 6 and d != month_end(d.month) and d.month < 12
                   and not in_closure(d)]
        for variant in self.variants(3):
            if variant == 0:
                day = holidays_[int(self.rng.integers(len(holidays_)))]
                e = b.equipment(b.pick_customer(("small", "chain")), day, entered=user_day(KARIM, day, (0,)))
            elif variant == 1:
                day = (holidays_ + sundays)[int(self.rng.integers(len(holidays_) + len(sundays)))]
                sup = SUPPLIER[str(self.rng.choice(["FHOTTESRA", "FELECLYON", "FINOXDAU"]))]
                amount = r2(b.lognormal(sup.median, 0.3) * 1.2)
                label = f"VIR SEPA {sup.short}"
                e = b.add("BQ", day, b.bank_entered(day), SOPHIE, [Line("401000", amount, label, sup.aux),
                                                                   Line("512000", -amount, label)],
                          f"REL{day:%m}", role="anomaly", party=sup.aux)
            else:
                day = sundays[int(self.rng.integers(len(sundays)))]
                amount = r2(self.rng.uniform(900, 7_500))
                label = "Reclassement achats marchandises"
                e = b.add("OD", day, user_day(NATHALIE, day), NATHALIE,
                          [Line("607100", amount, label), Line("607000", -amount, label)],
                          f"OD25-{int(self.rng.integers(40, 99))}", role="anomaly")
            self.label("weekend_holiday_posting", [e])

    def round_amount(self) -> None:
        """Large round sums keyed by hand: the président's current account repaid, a 'consulting' fee paid
        without an invoice, a provision for a dispute."""
        b = self.books
        amounts = [15_000.0, 20_000.0, 25_000.0, 30_000.0, 40_000.0, 50_000.0, 60_000.0, 75_000.0, 100_000.0,
                   120_000.0]
        for variant in self.variants(3):
            amount = float(self.rng.choice(amounts))
            if variant == 0:
                day = next_bank_day(self.a_day())
                label = "VIR SEPA M. MARC DELORME CCA"
                e = b.add("BQ", day, b.bank_entered(day), SOPHIE,
                          [Line("455000", amount, label), Line("512000", -amount, label)], f"REL{day:%m}",
                          role="anomaly")
            elif variant == 1:
                day = next_bank_day(self.a_day())
                label = "VIR SEPA CONSEIL STRATEGIE RHONE"
                e = b.add("BQ", day, b.bank_entered(day), SOPHIE,
                          [Line("622600", amount, label), Line("512000", -amount, label)], f"REL{day:%m}",
                          role="anomaly")
            else:
                day = self.a_day((2, 11), NATHALIE)
                label = "Provision litige client"
                e = b.add("OD", day, user_day(NATHALIE, day), NATHALIE,
                          [Line("658000", amount, label), Line("467000", -amount, label)], "OD25-PROV",
                          role="anomaly")
            self.label("round_amount", [e])

    def just_below_approval_limit(self) -> None:
        """Subcontractors' invoices of 95-99.99 % of the limit excl. VAT, so the président does not sign them."""
        b = self.books
        for _ in range(self.per_kind):
            sup = SUPPLIER[str(self.rng.choice(["FHOTTESRA", "FELECLYON", "FPLOMBVEN", "FINOXDAU"]))]
            net = r2(float(self.rng.uniform(0.95, 0.9999)) * APPROVAL_LIMIT)
            e = b.purchase_invoice(sup, self.a_day(), net)
            self.label("just_below_approval_limit", [e])

    def duplicate(self) -> None:
        """A supplier invoice entered from the e-mail and again from the paper copy or the reminder 1-6 weeks
        later, at the invoice's date; half keep the reference, half have it retyped."""
        b = self.books
        for k in range(self.per_kind):
            first = self.pick(lambda e: e.journal == "AC" and e.role == "purchase" and e.date.month < 11
                              and not SUPPLIER[e.party].terms.startswith("DD") and SUPPLIER[e.party].terms != "5")
            entered = user_day(SOPHIE, first.entered + dt.timedelta(days=int(self.rng.integers(7, 43))), (0, 3))
            copy = b.add("AC", first.date, entered, SOPHIE,
                         [Line(ln.account, ln.amount, ln.label, ln.aux) for ln in first.lines], "{ref}",
                         role="duplicate", party=first.party)
            copy.due, copy.same_ref = first.due, k % 2 == 0
            copy.credits = [first]  # the original, whose reference it repeats
            copy.settle = k % 3 != 0
            self.label("duplicate", [copy])

    def backdated(self) -> None:
        """Validated 45-150 days after its date: a subcontractor's invoice found in a drawer entered at its date,
        a credit note dated back to the invoice it corrects, a stock correction dated to an earlier month end."""
        b = self.books
        for variant in self.variants(3):
            lag = int(self.rng.integers(45, 140))
            if variant == 0:
                sup = SUPPLIER[str(self.rng.choice(["FHOTTESRA", "FELECLYON", "FPLOMBVEN", "FTRANSPER"]))]
                day = self.a_day((1, 7))
                e = b.purchase_invoice(sup, day, b.lognormal(sup.median, sup.sigma),
                                       entered=user_day(SOPHIE, day + dt.timedelta(days=lag), (0, 3)))
            elif variant == 1:
                inv = self.pick(lambda e: e.role == "sale" and e.date.month <= 7 and not e.credits)
                entered = user_day(KARIM, inv.date + dt.timedelta(days=lag))
                e = b.credit_note(inv, inv.date, float(self.rng.choice([0.2, 0.3, 1.0])), "correction prix",
                                  entered=entered)
                e.created = entered
            else:
                last = month_end(int(self.rng.integers(2, 8)))
                amount = r2(self.rng.uniform(2_000, 14_000))
                label = f"Correction inventaire {last:%d/%m/%Y}"
                e = b.add("OD", last, user_day(NATHALIE, last + dt.timedelta(days=lag)), NATHALIE,
                          [Line("603700", amount, label), Line("370000", -amount, label)], "OD25-INV",
                          role="anomaly")
            while (validated(e.entered, e.date) - e.date).days > 150:
                e.entered -= dt.timedelta(days=7)
            while (validated(e.entered, e.date) - e.date).days < 45:
                e.entered += dt.timedelta(days=3)
            self.label("backdated", [e])

    def unusual_user(self) -> None:
        """Keyed by someone who never keys that kind of entry, visible only through their habits (the FEC has no user
        column): the président typing a supplier invoice himself, the sales administrator paying a supplier, the
        sales administrator moving a payment between two customers with an OD."""
        b = self.books
        for variant in self.variants(3):
            if variant == 0:
                sup = SUPPLIER[str(self.rng.choice(["FAVOCATS", "FLYONEXPO", "FHOTTESRA", "FCABDUMAS"]))]
                day = self.a_day()
                net = r2(b.lognormal(sup.median, 0.3))
                label = f"facture {sup.name.lower()} {MONTHS[day.month - 1]}"
                lines = [Line("401000", -r2(net * 1.2), label, sup.aux), Line(sup.account, net, label),
                         Line("445660", r2(net * 0.2), label)]
                e = b.add("AC", day, day + dt.timedelta(days=int(self.rng.integers(1, 6))), MARC, lines,
                          f"fact {day:%d%m}", role="anomaly", party=sup.aux)
                e.due = b.due(day, sup.terms)
            elif variant == 1:
                sup = SUPPLIER[str(self.rng.choice(["FINOXDAU", "FDELACROIX", "FLAVAPRO"]))]
                day = next_bank_day(self.a_day((1, 11), KARIM))
                amount = r2(b.lognormal(sup.median, 0.4) * 1.2)
                label = f"Règlement {sup.name} commande client urgente"
                e = b.add("BQ", day, user_day(KARIM, day), KARIM,
                          [Line("401000", amount, label, sup.aux), Line("512000", -amount, label)],
                          f"Rgt {sup.short.title()}", role="anomaly", party=sup.aux)
            else:
                a, c = b.pick_customer(("small",)), b.pick_customer(("chain", "small"))
                day = self.a_day((1, 11), KARIM)
                amount = r2(b.lognormal(900, 0.6))
                label = f"Virement reçu de {c.name} affecté à {a.name}"
                e = b.add("OD", day, user_day(KARIM, day), KARIM,
                          [Line("411000", amount, label, a.aux), Line("411000", -amount, label, c.aux)],
                          "OD ADV", role="anomaly", party=a.aux)
            self.label("unusual_user", [e])

    def broken_vat_ratio(self) -> None:
        """Sales invoices to businesses whose VAT is not 20 %: the private homes' 10 % code picked for a restaurant,
        5.5 % picked from the list, the old 19.6 % template, VAT retyped by hand."""
        b = self.books
        for variant in self.variants(4):
            cust = b.pick_customer(("small", "chain"))
            day = b.next_karim_day(self.a_day((1, 11), KARIM))
            rate = [0.10, 0.055, 0.196, float(self.rng.uniform(0.12, 0.18))][variant]
            e = b.equipment(cust, day, vat_rate=rate) if variant != 1 else b.repair(cust, day, vat_rate=rate)
            self.label("broken_vat_ratio", [e])

    def period_end_reversal(self) -> None:
        """A fit-out invoiced on a month's last working day to make the month (the bank gets monthly figures), the
        handover being later: cancelled by a full credit note in the first days of the next month."""
        b = self.books
        months = [1, 2, 3, 4, 5, 6, 9, 10, 11]  # not July: the sales administrator is away in early August
        chosen = self.rng.choice(months, size=self.per_kind, replace=self.per_kind > len(months))
        for m in chosen:
            last = previous_bank_day(month_end(int(m)))
            while not present(KARIM, last):
                last -= dt.timedelta(days=1)
            cust = b.pick_customer(("group", "chain"))
            goods = r2(b.lognormal(42_000, 0.4))
            inv = b.sales_invoice(cust, last, goods=goods, install=r2(goods * 0.15), role="anomaly")
            inv.settle = False
            back = b.next_karim_day(last + dt.timedelta(days=int(self.rng.integers(1, 6))))
            credit = b.credit_note(inv, back, 1.0, "annulation livraison reportée", role="anomaly")
            self.label("period_end_reversal", [inv, credit])

    def unbalanced_voucher(self) -> None:
        """Entries that do not balance, as they slip through an import: a sales invoice transferred without its VAT
        line, a correction with transposed digits on one side, a cheque deposit whose bank line landed in the next
        entry number, a multi-rate invoice losing a few cents."""
        b = self.books
        for variant in self.variants(4):
            if variant == 0:
                e = self.pick(lambda e: e.role == "sale" and any(ln.account == "445710" for ln in e.lines)
                              and not e.credits)
                e.lines = [ln for ln in e.lines if ln.account != "445710"]
                entries = [e]
            elif variant == 1:
                day = self.a_day((1, 11), NATHALIE)
                amount = r2(self.rng.uniform(1_000, 9_000))
                digits = f"{amount:.2f}"
                swapped = digits[1] + digits[0] + digits[2:] if digits[0] != digits[1] else "9" + digits[1:]
                label = "Reclassement frais de transport"
                entries = [b.add("OD", day, user_day(NATHALIE, day), NATHALIE,
                                 [Line("624100", amount, label), Line("624200", -float(swapped), label)],
                                 f"OD25-{int(self.rng.integers(40, 99))}", role="anomaly")]
            elif variant == 2:
                day = next_bank_day(self.a_day((2, 11)))
                custs = [b.pick_customer(("small",)) for _ in range(int(self.rng.integers(2, 5)))]
                number = b.cheque_no + 500 + self.counter
                label = f"REMISE CHQ {number}"
                lines = [Line("411000", -r2(b.lognormal(700, 0.6)), label, c.aux) for c in custs]
                total = -r2(sum(ln.amount for ln in lines))
                entered = b.bank_entered(day)
                first = b.add("BQ", day, entered, SOPHIE, [Line("512000", total, label)], f"RCH{number}",
                              role="anomaly")
                second = b.add("BQ", day, entered, SOPHIE, lines, f"RCH{number}", role="anomaly")
                entries = [first, second]
            else:
                cust = b.pick_customer(("small", "chain"))
                day = b.next_karim_day(self.a_day((1, 11), KARIM))
                e = b.repair(cust, day)
                e.lines[0].amount = r2(e.lines[0].amount + float(self.rng.choice([-0.03, -0.02, -0.01, 0.01, 0.02])))
                entries = [e]
            self.label("unbalanced_voucher", entries)

    def daily_spike(self) -> None:
        """One day on which an account takes many times its usual turnover: a subcontractor's invoices for a
        quarter's jobs (some never done) all dated one day, the carrier's or the parts supplier's likewise."""
        b = self.books
        targets = ["FHOTTESRA", "FELECLYON", "FPLOMBVEN", "FTRANSPER", "FPIECESPRO"]
        for i in range(self.per_kind):
            sup = SUPPLIER[targets[i % len(targets)]]
            daily: dict[dt.date, float] = defaultdict(float)
            for e in b.entries:
                if not e.kind:
                    for ln in e.lines:
                        if ln.account == sup.account and ln.amount > 0:
                            daily[e.date] += ln.amount
            usual = float(np.median(list(daily.values())))
            day = self.a_day((2, 11))
            entries, total = [], daily.get(day, 0.0)
            while (total < 8 * usual or len(entries) < 3) and len(entries) < 12:
                net = b.lognormal(sup.median * 1.5, 0.3)
                entries.append(b.purchase_invoice(sup, day, net, entered=user_day(SOPHIE, day + dt.timedelta(
                    days=int(self.rng.integers(3, 8))), (0, 3))))
                total += net
            self.label("daily_spike", entries)


# --------------------------------------------------------------------------------------------------- the frame
def _references(books: _Books) -> None:
    """The commercial software numbers sales documents when created; suppliers number their own invoices."""
    sales = sorted((e for e in books.entries if e.journal == "VE"), key=lambda e: (e.created or e.date, e.seq))
    counters = {"FA": 0, "AV": 0}
    for e in sales:
        prefix = "AV" if e.lines[0].label.startswith("Avoir") else "FA"
        counters[prefix] += 1
        ref = f"{prefix}{YEAR % 100}-{counters[prefix]:05d}"
        e.piece_ref = ref
        for ln in e.lines:
            ln.label = ln.label.replace("{ref}", ref)
    by_supplier: dict[str, list[Entry]] = defaultdict(list)
    for e in books.entries:
        if e.journal == "AC" and "{ref}" in e.piece_ref and e.role != "duplicate":
            by_supplier[e.party].append(e)
    for aux, entries in by_supplier.items():
        n = 1000 + (sum(map(ord, aux)) * 37) % 9000
        for e in sorted(entries, key=lambda e: (e.date, e.seq)):
            n += int(books.rng.integers(1, 40)) if SUPPLIER[aux].pattern.startswith(("jobs", "weekly")) else 1
            ref = SUPPLIER[aux].ref.format(n=n)
            e.piece_ref = ref
            for ln in e.lines:
                ln.label = ln.label.replace("{ref}", ref)
    for e in books.entries:
        if e.role == "duplicate":  # the same reference, or retyped from the paper copy
            original = e.credits[0]
            ref = original.piece_ref
            if not e.same_ref:
                retyped = re.sub(r"[-/]", "", ref)
                ref = retyped if retyped != ref else re.sub(r"^([A-Za-z]*)0*(\d)", r"\1 \2", ref, count=1)
            e.piece_ref, e.credits = ref, []
            for ln in e.lines:
                ln.label = ln.label.replace("{ref}", ref)


def _letter_codes(books: _Books) -> None:
    """Lettrage: per account and auxiliary account, codes AAA, AAB, ... in the order the matching was done."""
    counters: dict[tuple[str, str], int] = defaultdict(int)
    for lines, day in sorted(books.lettering, key=lambda x: x[1]):
        if any(ln.let for ln in lines) or abs(sum(ln.amount for ln in lines)) > 0.005:
            continue  # a payment that does not match what it settles stays unlettered
        key = (lines[0].account, lines[0].aux)
        n = counters[key]
        counters[key] += 1
        code = "".join(chr(65 + (n // 26 ** p) % 26) for p in (2, 1, 0))
        for ln in lines:
            ln.let, ln.date_let = code, day


def generate_fec(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The firm's labelled year: the 18 FEC columns plus `anomaly_kind` and `anomaly_id`, in the file's order."""
    books = _Books(seed)
    books.liquidation()
    books.opening()
    books.sales()
    books.purchases()
    books.card()
    books.payroll()
    books.bank_routines()
    _Anomalies(books, per_kind).run()
    books.receipts()  # after the anomalies: what was invoiced gets paid
    books.liquidation_entry()
    books.direct_debits()
    books.payment_runs()
    books.vat()
    books.year_end()
    _references(books)
    _letter_codes(books)
    for e in books.entries:
        e.valid = validated(e.entered, e.date)
    # opening balances first, then in chronological order of validation (entry order within a validation)
    ordered = sorted(books.entries, key=lambda e: (e.role != "opening", e.valid, e.entered, e.seq))
    rows = []
    for number, e in enumerate(ordered, start=1):
        for ln in e.lines:
            amount = r2(ln.amount)
            aux_name = books.names.get(ln.aux, "") if ln.aux else ""
            rows.append((e.journal, JOURNALS[e.journal], number, pd.Timestamp(e.date), ln.account,
                         ACCOUNTS[ln.account], ln.aux, aux_name, e.piece_ref, pd.Timestamp(e.piece_date),
                         ln.label[:100], max(amount, 0.0), max(-amount, 0.0), ln.let,
                         pd.Timestamp(ln.date_let) if ln.date_let else pd.NaT, pd.Timestamp(e.valid),
                         ln.fx if ln.fx is not None else np.nan, ln.currency, e.kind, e.anomaly_id))
    return pd.DataFrame(rows, columns=[*COLUMNS, "anomaly_kind", "anomaly_id"])


def _number(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def write_fec(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The FEC without the label columns, in the ledger's row order (data line i is row i). A folder gets the
    legal file name <SIREN>FEC<closing date>.txt."""
    path = Path(path)
    if path.is_dir():
        path = path / FEC_NAME
    out = ledger[COLUMNS].copy()
    for column in DATE_COLUMNS:
        out[column] = out[column].map(lambda d: "" if pd.isna(d) else d.strftime("%Y%m%d"))
    for column in ("Debit", "Credit"):
        out[column] = out[column].map(_number)
    out["Montantdevise"] = out["Montantdevise"].map(lambda x: "" if pd.isna(x) else _number(x))
    out["EcritureNum"] = out["EcritureNum"].astype(str)
    text = "\r\n".join(["\t".join(COLUMNS), *("\t".join(row) for row in out.astype(str).itertuples(index=False))])
    path.write_bytes((text + "\r\n").encode(ENCODING))
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], generate_fec, write_fec, "EcritureNum", seed=61,
                          out=FEC_NAME)


if __name__ == "__main__":
    main()
