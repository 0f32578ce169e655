"""A ninth labelled ledger generator, written apart from the others and from the detectors, for held-out evaluation.

Radhaus Dreisam e.K. (owner Thomas Kiefer), Haslacher Straße, Freiburg im Breisgau (Baden-Württemberg): a regional
bicycle retailer with a shop, a workshop and a web shop; 14 staff; calendar year 2025 in EUR on DATEV's SKR03 with
four-digit general ledger accounts, debtors 10000-69999 and creditors 70000-99999; Sollversteuerung, monthly VAT
returns with Dauerfristverlängerung. The books are kept by the firm's tax adviser (Steuerberatungsgesellschaft
Keller & Hoffmann mbB): the clerk Sabine Hoffmann (Diktatkürzel SH) keys each month's documents in one batch per
register 1-3 weeks after the month ends (so every entry is registered weeks after its document date), the
Steuerberater Markus Keller (MK) keys the opening balances, reclassifications and the year-end closing (in March
2026); the merchandise-management system's invoices (WAWI), the web shop's daily PayPal summaries (SHOP) and the
payroll from DATEV Lohn und Gehalt (LOHN) come in as imported batches. The normal year:

- the till (Kasse, 1000): one Z-Bon per trading day, booked as 4 lines (shop / workshop, cash to 1000 / cards to
  1361 Geldtransit Kartenzahlungen, all to the automatic revenue account 8400 Erlöse 19 % USt, KOST1 100 shop or 200
  workshop). The shop opens Monday to Saturday, except the Baden-Württemberg public holidays (`holidays`, DE, BW)
  and, in January and February, Mondays; the workshop works Monday to Friday. Cash is deposited at the Sparkasse on
  Tuesdays (and on Fridays when the till holds over 6 000 EUR) through Geldtransit 1360, the till's and the bank's
  line sharing the deposit slip's number, the change float and the coming week's cash purchases left in the till;
  the card acquirer pays each bank day's takings net of its Disagio (4970); small cash purchases (fuel, postage,
  office and cleaning supplies, workshop consumables) are paid from the till on trading days;
- the web shop (1210 PayPal): one summary per calendar day, weekends and holidays included, returns refunded as
  Haben lines on 8400, paid out to the bank on Mondays, PayPal's fees monthly;
- invoices from the merchandise-management system (AR, numbered RE25-nnnnn in the order they are written): bikes
  handed over under company-bike leasing invoiced to four leasing companies (debtors 10001-10004, paid in their
  Wednesday collective transfers), monthly fleet-service invoices to 12 local businesses (11001-11012, KOST1 200),
  spare parts sold to three Alsatian bike shops as tax-free intra-Community supplies (8125, with their FR VAT
  numbers in "EU-Land u. UStID (Bestimmung)");
- supplier invoices (ER, keyed by the clerk from DATEV Unternehmen online, each with its Beleglink `BEDI "<GUID>"`):
  three bike makers (pre-season orders January-March on 90 days' Valuta, net; later orders with 3 % Skonto,
  paid in the Thursday payment run), two parts wholesalers (weekly deliveries collected by SEPA
  direct debit with 2 % Skonto), tyres, motor service parts — all on 3400 Wareneingang 19 % Vorsteuer (automatic) —
  and overheads on non-automatic accounts with BU-Schlüssel 9 (19 % Vorsteuer); a received Skonto is its own line
  to 3736 (automatic). The approval rule: an order outside merchandise of APPROVAL_LIMIT EUR gross or more needs the
  owner's signature;
- the bank (1200 Sparkasse Freiburg, from the daily statements): rent by standing order (no VAT), the loan (0630 and
  2120), the van's leasing, energy instalments, insurance, vehicle tax, IHK, fees, the owner's monthly drawing
  (1800) and his income-tax prepayments (1810), the VAT payments (1780, the Sondervorauszahlung 1781);
- payroll imported from DATEV Lohn und Gehalt, dated the month's last day, through 1755 Lohn- und
  Gehaltsverrechnung (wages 4110, salaries 4120, mini-jobs 4190, employer's contributions 4130; income tax 1741,
  social security 1742, net pay 1740), paid: net pay on the last bank day, social security on the third-last bank
  day, income tax on the 10th of the next month;
- opening balances (9000 / 9008 / 9009) first; the closing entries (depreciation, inventory, accrual) dated 31.12.

The same anomaly kinds as `generate_ledger.KINDS`, injected as they would happen here (see `_Anomalies`); every
line of an instance carries its kind and `anomaly_id`, normal lines '' for both; a duplicate's label is on the
second entry. Detectors are never tuned on this generator: it is reported as held out. What DATEV's format cannot
carry, and what evidence of each kind remains in it:

- backdated: an EXTF booking line has no registration date (and no user). What remains is what a real late entry
  leaves: the line sits in a later month's batch (the file lists the batches in the order they were processed, so a
  March document among the July documents), a supplier invoice found late carries "Datum Zuord. Steuerperiode"
  (#116: its input VAT goes to the month it was received), and a late invoice from the merchandise system has an
  invoice number out of date order. The generator's `entered` column holds the true registration date;
- unusual_user: the owner (INH) or the workshop master (WS) keying entries themselves in DATEV Unternehmen online
  instead of the tax office: visible only through what they leave (a small batch of their own, no Beleglink, no
  KOST1, their own document numbers or none, their own way of writing the booking text) — `user` holds who keyed it;
- unbalanced_voucher: a DATEV booking line is always balanced (one amount, debit one account, credit the other), so
  an unbalanced voucher shows as a document whose lines leave a balance on a clearing account that must net to zero
  per document: a payroll transfer missing its income-tax line or with its net pay's digits transposed (1755), a
  cash deposit of which the bank credited less than left the till (1360);
- broken_vat_ratio: the file holds gross amounts only; DATEV computes the VAT from the automatic account or the
  BU-Schlüssel. A broken ratio is therefore a sale booked to the 7 % account 8300, a tax-free intra-Community supply
  (8125) to a French private customer without a VAT number, a domestic sale with BU 40 (Aufhebung der Automatik,
  0 %), or a net amount with BU 40 plus a hand-keyed tax line on 1776 at 16 %. `vat_rate` is the rate DATEV applies,
  `vat_due` the rate the sale owes, `net` and `vat` the split DATEV makes (a line to 1776 is all tax);
- period_end_reversal: reversed either by a Storno line with Generalumkehr (#118 "1": the same accounts and
  Soll/Haben as the invoice, read with debit and credit swapped) or by a credit note (Haben on the debtor).

The export follows DATEV's own format description for format category 21, format version 13, header version 700
(developer.datev.de/datev/platform/de/dtvf/einstieg: CSV with the fixed prefix EXTF_, semicolons, CR LF, text
fields in quotes with inner quotes doubled, decimal comma without thousands separators, and the Musterdatei's
header record `"EXTF";700;21;"Buchungsstapel";13;...;"RE";"";"";29098;55003;20240101;4;...;"03";;;"";""` and
column headings; .../dtvf/formate/buchungsstapel: the field table), as reproduced field by field in public writers
and parsers found with the search tool: a Python `BuchungsstapelItem` quoting the portal's table with the regular
expressions of all 125 fields (Belegdatum "TTMM ... Das Jahr wird immer aus dem Feld #13 des Headers ermittelt",
Belegfeld 1 and 2, Beleglink BEDI "<GUID>" with its quotes doubled, Festschreibung, Datum Zuord. Steuerperiode,
Generalumkehr) and the 31 header fields; a deterministic EXTF serializer (Umsatz 0,00 not allowed, Windows-1252,
CR LF, empty text fields as ""); a JavaScript writer whose 125 headings are taken verbatim from the Musterdatei,
agreeing with jonaswitt/stripe-datev-exporter's list (latin1, TTMM Belegdatum); ledermann/datev's example
EXTF_Buchungsstapel.csv (format 7); seamless-engineering/datev-extf-mcp (format 13, 125 columns, Windows-1252);
explain.my-infra.de's header table (EXTF for third-party files, DTVF reserved to DATEV):

- file name `EXTF_Buchungsstapel_<Berater>_<Mandant>_<von>_<bis>.csv` when `write_datev` is given a folder (the
  prefix EXTF_ is prescribed); Windows-1252 ("ANSI"), fields separated by semicolons, every line ended by CR LF;
- line 1, the header record's 31 fields: "EXTF"; 700; 21; "Buchungsstapel"; 13; created YYYYMMDDHHMMSSFFF;
  (imported, empty); "RE" (Herkunft); exported by; imported by; Beraternummer; Mandantennummer; WJ-Beginn 20250101;
  Sachkontenlänge 4; Datum vom 20250101; Datum bis 20251231; Bezeichnung; Diktatkürzel "SH"; Buchungstyp 1
  (Finanzbuchführung); Rechnungslegungszweck 0; Festschreibung 0; WKZ "EUR"; reserved; Derivatskennzeichen;
  reserved; reserved; Sachkontenrahmen "03"; Branchenlösung; reserved; reserved; Anwendungsinformation;
- line 2, the 125 column headings of format version 13, unquoted, spelled as in DATEV's Musterdatei (COLUMNS);
- then one line per booking: Umsatz unsigned with a decimal comma and no thousands separator, "S" or "H" for the
  Konto (the Gegenkonto takes the other side; a BU-Schlüssel belongs to the Gegenkonto), Belegdatum as TTMM (the
  year is taken from the header's field 13), Belegfeld 1 only of letters, digits and $ & % * + - /, Belegfeld 2 the
  due date TTMMJJ for open items, text fields always quoted (empty ones as ""), numeric fields bare and mostly
  empty. The BU-Schlüssel is written as the key itself ("9", "40"), as most writers do (the portal's expression
  reads ^(["]\d{4}["])$; one serializer pads to "0009").
  Festschreibung (#114) is 1 on the monthly batches (locked once the VAT return went out) and 0 on the closing.

The frame `generate_datev` returns has one row per booking line, in the file's order: the 125 columns under their
headings (Umsatz as a float, every other field the text of the cell without its quotes), plus `file_line` (the
1-based physical line: the first booking is on line 3), `date` (the booking's calendar date: Belegdatum with the
header's year), `entered` (the day its batch was keyed), `register` (EB, KASSE, BANK, ER, AR, SHOP, LOHN, UMB, UO,
ABSCHLUSS), `user`, `voucher` (the business document the line belongs to), `party`, `vat_rate`, `vat_due`, `net`,
`vat`, `anomaly_kind` and `anomaly_id`.

    python -m benchmarks.generate_datev --seed 81 --out EXTF_Buchungsstapel.csv [--per-kind 6]
"""

from __future__ import annotations

import datetime as dt
import uuid
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
COMPANY = "Radhaus Dreisam e.K."
BERATER = 41236  # the tax office's DATEV Beraternummer (1001-9999999)
MANDANT = 10482  # the client's Mandantennummer (1-99999)
DIKTAT = "SH"
CREATED = dt.datetime(2026, 3, 23, 10, 41, 7, 512000)  # the export, after the closing batch
APPROVAL_LIMIT = 10_000.0  # EUR gross: an order outside merchandise from here needs the owner's signature
FILE_NAME = f"EXTF_Buchungsstapel_{BERATER}_{MANDANT}_{YEAR}0101_{YEAR}1231.csv"
ENCODING = "cp1252"
BEZEICHNUNG = f"FIBU {YEAR} Radhaus Dreisam"
SACHKONTENLAENGE = 4

HEADER = ['"EXTF"', "700", "21", '"Buchungsstapel"', "13", f"{CREATED:%Y%m%d%H%M%S}{CREATED.microsecond // 1000:03d}",
          "", '"RE"', '"Sabine Hoffmann"', '""', str(BERATER), str(MANDANT), f"{YEAR}0101", str(SACHKONTENLAENGE),
          f"{YEAR}0101", f"{YEAR}1231", f'"{BEZEICHNUNG}"', f'"{DIKTAT}"', "1", "0", "0", '"EUR"', "", '""', "", "",
          '"03"', "", "", '""', '""']

_ZUSATZ = [name for i in range(1, 21) for name in (f"Zusatzinformation - Art {i}", f"Zusatzinformation- Inhalt {i}")]
_BELEGINFO = [name for i in range(1, 9) for name in (f"Beleginfo - Art {i}", f"Beleginfo - Inhalt {i}")]
COLUMNS = [
    "Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basis-Umsatz", "WKZ Basis-Umsatz",
    "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum", "Belegfeld 1", "Belegfeld 2", "Skonto",
    "Buchungstext", "Postensperre", "Diverse Adressnummer", "Geschäftspartnerbank", "Sachverhalt", "Zinssperre",
    "Beleglink", *_BELEGINFO, "KOST1 - Kostenstelle", "KOST2 - Kostenstelle", "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)", "EU-Steuersatz (Bestimmung)", "Abw. Versteuerungsart", "Sachverhalt L+L",
    "Funktionsergänzung L+L", "BU 49 Hauptfunktionstyp", "BU 49 Hauptfunktionsnummer", "BU 49 Funktionsergänzung",
    *_ZUSATZ, "Stück", "Gewicht", "Zahlweise", "Forderungsart", "Veranlagungsjahr", "Zugeordnete Fälligkeit",
    "Skontotyp", "Auftragsnummer", "Buchungstyp", "USt-Schlüssel (Anzahlungen)", "EU-Land (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)", "EU-Steuersatz (Anzahlungen)", "Erlöskonto (Anzahlungen)", "Herkunft-Kz",
    "Buchungs GUID", "KOST-Datum", "SEPA-Mandatsreferenz", "Skontosperre", "Gesellschaftername", "Beteiligtennummer",
    "Identifikationsnummer", "Zeichnernummer", "Postensperre bis", "Bezeichnung SoBil-Sachverhalt",
    "Kennzeichen SoBil-Buchung", "Festschreibung", "Leistungsdatum", "Datum Zuord. Steuerperiode", "Fälligkeit",
    "Generalumkehr (GU)", "Steuersatz", "Land", "Abrechnungsreferenz", "BVV-Position", "EU-Land u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)", "Abw. Skontokonto",
]
# the text fields (1-based numbers of the format description): always quoted, an empty one as ""
_TEXT_FIELDS = (2, 3, 6, 9, 11, 12, 14, 16, *range(20, 39), 40, 42, *range(48, 88), 91, 95, 96, 98, 102, 103, 105, 107,
                109, 110, 112, 118, 120, 121, 123)
TEXT_COLUMNS = frozenset(COLUMNS[n - 1] for n in _TEXT_FIELDS)
UMSATZ, SH, KONTO, GEGENKONTO, BU = COLUMNS[0], COLUMNS[1], COLUMNS[6], COLUMNS[7], COLUMNS[8]
BELEGDATUM, BELEG1, BELEG2, TEXT, BELEGLINK = COLUMNS[9], COLUMNS[10], COLUMNS[11], COLUMNS[13], COLUMNS[19]
KOST1, EU_ID, FESTSCHREIBUNG = "KOST1 - Kostenstelle", "EU-Land u. UStID (Bestimmung)", "Festschreibung"
ZUORD, GU = "Datum Zuord. Steuerperiode", "Generalumkehr (GU)"
EXTRA = ["file_line", "date", "entered", "register", "user", "voucher", "party", "vat_rate", "vat_due", "net", "vat",
         "anomaly_kind", "anomaly_id"]

# users: who keyed a line (the format itself carries none)
CLERK, SENIOR, WAWI, SHOP, LOHN, OWNER, WORKSHOP = "SH", "MK", "WAWI", "SHOP", "LOHN", "INH", "WS"
REGISTERS = ("EB", "KASSE", "BANK", "ER", "AR", "SHOP", "LOHN", "UMB", "UO", "ABSCHLUSS")

# SKR03 accounts used
ACCOUNTS = {
    "0350": "Lkw (Transporter)", "0430": "Ladeneinrichtung", "0440": "Werkzeuge", "0630": "Verbindlichkeiten "
    "gegenüber Kreditinstituten", "0880": "Variables Kapital", "0977": "Rückstellungen für Abschluss- und "
    "Prüfungskosten", "1000": "Kasse", "1200": "Bank (Sparkasse Freiburg)", "1210": "PayPal", "1360": "Geldtransit",
    "1361": "Geldtransit Kartenzahlungen", "1500": "Sonstige Vermögensgegenstände", "1740": "Verbindlichkeiten aus "
    "Lohn und Gehalt", "1741": "Verbindlichkeiten aus Lohn- und Kirchensteuer", "1742": "Verbindlichkeiten im Rahmen "
    "der sozialen Sicherheit", "1755": "Lohn- und Gehaltsverrechnung", "1776": "Umsatzsteuer 19 %", "1780":
    "Umsatzsteuer-Vorauszahlungen", "1781": "Umsatzsteuer-Vorauszahlung 1/11", "1800": "Privatentnahmen allgemein",
    "1810": "Privatsteuern", "2120": "Zinsaufwendungen für langfristige Verbindlichkeiten", "3400": "Wareneingang "
    "19 % Vorsteuer", "3736": "Erhaltene Skonti 19 % Vorsteuer", "3960": "Bestandsveränderungen Waren", "3980":
    "Bestand Waren", "4110": "Löhne", "4120": "Gehälter", "4130": "Gesetzliche soziale Aufwendungen", "4190":
    "Aushilfslöhne", "4210": "Miete", "4240": "Gas, Strom, Wasser", "4250": "Reinigung", "4360": "Versicherungen",
    "4380": "Beiträge", "4510": "Kfz-Steuer", "4520": "Kfz-Versicherungen", "4530": "Laufende Kfz-Betriebskosten",
    "4540": "Kfz-Reparaturen", "4570": "Mietleasing Kfz", "4600": "Werbekosten", "4650": "Bewirtungskosten", "4805":
    "Reparaturen und Instandhaltung von Betriebs- und Geschäftsausstattung", "4806": "Wartungskosten für Hard- und "
    "Software", "4830": "Abschreibungen auf Sachanlagen", "4910": "Porto", "4920": "Telefon", "4930": "Bürobedarf",
    "4950": "Rechts- und Beratungskosten", "4955": "Buchführungskosten", "4957": "Abschluss- und Prüfungskosten",
    "4964": "Aufwendungen für die zeitlich befristete Überlassung von Rechten (Lizenzen)", "4969": "Aufwendungen für "
    "Abraum- und Abfallbeseitigung", "4970": "Nebenkosten des Geldverkehrs", "4985": "Werkzeuge und Kleingeräte",
    "8120": "Steuerfreie Umsätze § 4 Nr. 1a UStG", "8125": "Steuerfreie innergemeinschaftliche Lieferungen § 4 Nr. "
    "1b UStG", "8300": "Erlöse 7 % USt", "8400": "Erlöse 19 % USt", "9000": "Saldenvorträge, Sachkonten", "9008":
    "Saldenvorträge, Debitoren", "9009": "Saldenvorträge, Kreditoren",
}
# DATEV's automatic accounts (the VAT comes with the account) and the BU-Schlüssel used
AUTO_RATES = {"8400": 0.19, "8300": 0.07, "3400": 0.19, "3736": 0.19, "8125": 0.0, "8120": 0.0}
BU_RATES = {"9": 0.19, "8": 0.07, "3": 0.19, "2": 0.07, "40": 0.0}
REVENUE = ("8400", "8300", "8125", "8120")
CLEARING = ("1755", "1360")  # per document these net to zero
KOST = {"shop": "100", "workshop": "200", "web": "300", "admin": "900"}


# --------------------------------------------------------------------------------------------------- calendar
def public_holidays(year: int) -> dict[dt.date, str]:
    """Baden-Württemberg's public holidays."""
    return dict(sorted(holidays.DE(subdiv="BW", years=year).items()))


BW = {**public_holidays(YEAR - 1), **public_holidays(YEAR), **public_holidays(YEAR + 1)}
NATIONAL = {d for y in (YEAR - 1, YEAR, YEAR + 1) for d in holidays.DE(years=y)}
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def days_of_year() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def is_shop_day(day: dt.date) -> bool:
    """Monday-Saturday, not a BW holiday; in January and February the shop stays closed on Mondays."""
    return day.weekday() < 6 and day not in BW and not (day.month in (1, 2) and day.weekday() == 0)


def is_workshop_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in BW


def is_trading_day(day: dt.date) -> bool:
    """The till is open: the shop or the workshop works."""
    return is_shop_day(day) or is_workshop_day(day)


def is_bank_day(day: dt.date) -> bool:
    """The Sparkasse books: Monday-Friday except BW holidays, Christmas Eve and New Year's Eve."""
    return day.weekday() < 5 and day not in BW and (day.month, day.day) not in ((12, 24), (12, 31))


def is_office_day(day: dt.date) -> bool:
    """The tax office works (bank days; closed between the years)."""
    return is_bank_day(day) and not (day.month == 12 and day.day > 23) and not (day.month == 1 and day.day < 2)


def is_supplier_day(day: dt.date) -> bool:
    """Suppliers elsewhere in Germany date invoices on their working days (BW-only holidays included)."""
    return day.weekday() < 5 and day not in NATIONAL


def is_closed(day: dt.date) -> bool:
    """A Sunday or a BW public holiday: shop, workshop, bank and office all closed."""
    return day.weekday() == 6 or day in BW


def next_day(day: dt.date, test: Callable[[dt.date], bool] = is_bank_day) -> dt.date:
    while not test(day):
        day += dt.timedelta(days=1)
    return day


def previous_day(day: dt.date, test: Callable[[dt.date], bool] = is_bank_day) -> dt.date:
    while not test(day):
        day -= dt.timedelta(days=1)
    return day


def month_end(month: int, year: int = YEAR) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def last_bank_days(month: int) -> list[dt.date]:
    """The month's bank days, last first."""
    days, day = [], month_end(month)
    while day.month == month:
        if is_bank_day(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def r2(x: float) -> float:
    return float(round(x + 0.0, 2))


def ttmm(day: dt.date) -> str:
    return f"{day:%d%m}"


def ttmmjj(day: dt.date) -> str:
    return f"{day:%d%m%y}"


def ttmmjjjj(day: dt.date) -> str:
    return f"{day:%d%m%Y}"


# --------------------------------------------------------------------------------------------------- the books
@dataclass
class Booking:
    amount: float
    sh: str  # for the Konto
    konto: str
    gegenkonto: str
    date: dt.date
    register: str
    user: str
    voucher: str
    text: str = ""
    beleg1: str = ""
    beleg2: str = ""
    bu: str = ""
    kost1: str = ""
    beleglink: str = ""
    eu_id: str = ""
    zuord: dt.date | None = None
    gu: bool = False
    party: str = ""
    entered: dt.date | None = None
    vat_due: float | None = None
    kind: str = ""
    anomaly_id: str = ""
    seq: int = 0

    @property
    def debit(self) -> str:
        return self.konto if (self.sh == "S") != self.gu else self.gegenkonto

    @property
    def credit(self) -> str:
        return self.gegenkonto if self.debit == self.konto else self.konto

    def signed(self, account: str) -> float:
        """Debit-positive effect on `account`."""
        if account == self.debit:
            return self.amount
        if account == self.credit:
            return -self.amount
        return 0.0

    @property
    def vat_rate(self) -> float | None:
        if self.bu in BU_RATES:
            return BU_RATES[self.bu]
        for acc in (self.gegenkonto, self.konto):
            if acc in AUTO_RATES:
                return AUTO_RATES[acc]
        return None

    @property
    def tax_account(self) -> str:
        """The account DATEV splits the VAT from (the BU-Schlüssel's Gegenkonto or the automatic account)."""
        if self.bu:
            return self.gegenkonto
        return self.gegenkonto if self.gegenkonto in AUTO_RATES else self.konto

    @property
    def vat(self) -> float:
        if self.gegenkonto == "1776":
            return self.amount
        rate = self.vat_rate or 0.0
        return r2(self.amount * rate / (1 + rate))


@dataclass
class Voucher:
    id: str
    role: str
    party: str = ""
    number: str = ""
    date: dt.date = FIRST
    due: dt.date | None = None
    created: dt.date | None = None  # AR: the day the merchandise system wrote it
    gross: float = 0.0
    paid: bool = False
    lines: list[Booking] = field(default_factory=list)
    kind: str = ""


@dataclass
class Party:
    account: str
    name: str
    kind: str
    median: float
    sigma: float = 0.3
    gegenkonto: str = "3400"
    bu: str = ""
    kost: str = ""
    terms: int = 30
    skonto: float = 0.0
    skonto_days: int = 0
    ref: str = "{n}"
    per_month: float = 0.0
    pay: str = "run"  # run (Thursday transfers) | debit (SEPA direct debit) | valuta
    eu_id: str = ""
    short: str = ""


LEASING = [("10001", "Radleasing Südwest GmbH", "RLS"), ("10002", "DienstRad Service GmbH & Co. KG", "DRS"),
           ("10003", "BikeFlex Leasing GmbH", "BFL"), ("10004", "Firmenrad Direkt GmbH", "FRD")]
FLEET = ["Breisgau Kurier GmbH", "Hotel Sonnenhof Betriebs GmbH", "Hochschwarzwald Touren GmbH",
         "Lastenrad-Verleih Vauban e.V.", "Pflegedienst Wiehre GmbH", "Zustelldienst Südbaden GmbH",
         "Seniorenzentrum Littenweiler gGmbH", "Fahrradkurier Velocity GbR", "Stadtteilwerkstatt Stühlinger e.V.",
         "Ökostrom Dreisam eG", "Bäckerei Kaltenbach GmbH", "Apotheke am Lorettoberg OHG"]
FRANCE = [("12001", "Cycles Kientz SARL", "FR27412875630"), ("12002", "Vélo Sundgau SAS", "FR64501288471"),
          ("12003", "Cycles de l'Ill SARL", "FR09388412956")]
BIKES = [("Velotech", ["Trekking E5", "Urban E3", "Cargo C2", "Tour E7"]),
         ("Alpenrad", ["Trail 9", "Enduro X", "Cross E6"]), ("Nordic", ["City 7", "Touring 8", "Step 5"])]
CASH_BUYS = [  # merchant, account, BU, median, per month, what
    ("Tankstelle Haslach", "4530", "9", 74.0, 3.0, "Tanken Transporter"),
    ("Post Filiale Wiehre", "4910", "", 31.0, 2.0, "Porto Paketmarken"),
    ("Schreibwaren Kaiser", "4930", "9", 38.0, 1.5, "Bürobedarf"),
    ("Drogeriemarkt Wiehre", "4250", "9", 26.0, 1.0, "Reinigungsmittel"),
    ("Baumarkt Haslach", "4985", "9", 48.0, 2.0, "Werkstattbedarf"),
]
SEASON = {1: 0.45, 2: 0.55, 3: 0.95, 4: 1.35, 5: 1.5, 6: 1.45, 7: 1.4, 8: 1.2, 9: 1.05, 10: 0.85, 11: 0.6, 12: 0.75}
WEB_SEASON = {1: 0.7, 2: 0.75, 3: 1.0, 4: 1.2, 5: 1.25, 6: 1.2, 7: 1.15, 8: 1.05, 9: 1.0, 10: 0.9, 11: 1.1, 12: 1.3}
GROSS_WAGES = {"4110": 15_600.0, "4120": 16_900.0, "4190": 1_668.0}


class _Books:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.vouchers: list[Voucher] = []
        self.seq = 0
        self.days = days_of_year()
        self.suppliers = self._suppliers()
        self.fleet = [Party(f"{11001 + i}", name, "fleet", float(self.rng.choice([180, 260, 380, 520, 740])), 0.35,
                            "8400", kost=KOST["workshop"], terms=14) for i, name in enumerate(FLEET)]
        self.leasing = [Party(acc, name, "leasing", 3_900.0, 0.35, "8400", kost=KOST["shop"], terms=14, short=s)
                        for acc, name, s in LEASING]
        self.france = [Party(acc, name, "france", float(self.rng.choice([650, 900, 1_300])), 0.4, "8125",
                             kost=KOST["shop"], terms=30, eu_id=eu) for acc, name, eu in FRANCE]
        self.batch_base = {m: int(self.rng.integers(6, 14)) for m in range(1, 13)}
        self.contract = int(self.rng.integers(40_000, 60_000))

    # ---------------------------------------------------------------- helpers
    def lognormal(self, median: float, sigma: float) -> float:
        return float(median * np.exp(self.rng.normal(0.0, sigma)))

    def voucher(self, role: str, party: str = "", number: str = "", date: dt.date = FIRST) -> Voucher:
        v = Voucher(f"V{len(self.vouchers) + 1:05d}", role, party, number, date)
        self.vouchers.append(v)
        return v

    def line(self, v: Voucher, amount: float, sh: str, konto: str, gegenkonto: str, date: dt.date, register: str,
             user: str, **kw) -> Booking:
        self.seq += 1
        b = Booking(r2(amount), sh, konto, gegenkonto, date, register, user, v.id, seq=self.seq, **kw)
        if b.vat_due is None and b.vat_rate is not None:
            b.vat_due = b.vat_rate
        v.lines.append(b)
        return b

    def guid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4)).upper()

    def ref(self, party: Party, day: dt.date) -> str:
        n = int(self.rng.integers(10_000, 999_999))
        return party.ref.format(n=n, y=day.year, m=day.month)

    def pick_days(self, test: Callable[[dt.date], bool], month: int, n: int) -> list[dt.date]:
        pool = [d for d in self.days if d.month == month and test(d)]
        return sorted(self.rng.choice(pool, size=n, replace=True)) if n and pool else []

    def batch_day(self, month: int, register: str) -> dt.date:
        """The day the clerk keys month `month`'s documents of a register (the next month, 1-3 weeks in)."""
        offset = {"KASSE": 0, "BANK": 0, "ER": 1, "AR": 2, "SHOP": 2, "UMB": 3}.get(register, 0)
        first = dt.date(YEAR + month // 12, month % 12 + 1, 1)
        return next_day(first + dt.timedelta(days=self.batch_base[month] + offset), is_office_day)

    # ---------------------------------------------------------------- parties
    def _suppliers(self) -> dict[str, Party]:
        sp = [
            Party("70010", "Velotech Manufaktur GmbH", "bikes", 10_500.0, 0.35, ref="VT{y}-{n}", terms=30,
                  skonto=0.03, skonto_days=14, kost=KOST["shop"]),
            Party("70011", "Alpenrad Bikes GmbH", "bikes", 9_000.0, 0.35, ref="AR{n}", terms=30, skonto=0.03,
                  skonto_days=14, kost=KOST["shop"]),
            Party("70012", "Nordic Cycles Deutschland GmbH", "bikes", 7_000.0, 0.35, ref="{n}", terms=30,
                  skonto=0.03, skonto_days=14, kost=KOST["shop"]),
            Party("70020", "Zweirad-Großhandel Hanseatic KG", "parts", 2_400.0, 0.5, ref="{n}", terms=30,
                  skonto=0.02, skonto_days=10, per_month=4.3, pay="debit", kost=KOST["workshop"]),
            Party("70021", "Teilewerk Süd GmbH", "parts", 1_600.0, 0.5, ref="TS-{n}", terms=30, skonto=0.02,
                  skonto_days=10, per_month=4.3, pay="debit", kost=KOST["workshop"]),
            Party("70022", "Reifenwerk Bohlmann GmbH", "tyres", 1_650.0, 0.4, ref="RB{y}{n}", per_month=1.8,
                  kost=KOST["workshop"]),
            Party("70030", "Drive Systems Service GmbH", "motors", 640.0, 0.45, ref="DS-{n}", per_month=2.0,
                  kost=KOST["workshop"]),
            Party("70101", "Telekommunikation Süd GmbH", "monthly", 89.9, 0.02, "4920", "9", KOST["admin"], 10,
                  ref="T{n}", pay="debit"),
            Party("70102", "Reinigungsservice Glanzzeit", "monthly", 420.0, 0.03, "4250", "9", KOST["shop"], 14,
                  ref="RG-{y}-{n}"),
            Party("70103", "Entsorgung Südbaden GmbH", "quarterly", 184.0, 0.15, "4969", "9", KOST["workshop"], 14,
                  ref="E{n}"),
            Party("70104", "Kassensysteme Oberrhein GmbH", "monthly", 139.0, 0.0, "4964", "9", KOST["admin"], 14,
                  ref="KO{n}", pay="debit"),
            Party("70105", "Steuerberatungsgesellschaft Keller & Hoffmann mbB", "monthly", 690.0, 0.08, "4955", "9",
                  KOST["admin"], 14, ref="{y}-{n}"),
            Party("70106", "Werbeagentur Kaiserstuhl GmbH", "jobs", 1_400.0, 0.5, "4600", "9", KOST["shop"], 14,
                  ref="WK{n}", per_month=0.5),
            Party("70107", "Zeitungsverlag Breisgau GmbH", "jobs", 780.0, 0.3, "4600", "9", KOST["shop"], 14,
                  ref="ZV{n}", per_month=1.0),
            Party("70108", "Autohaus Kaiserstuhl GmbH", "jobs", 650.0, 0.5, "4540", "9", KOST["admin"], 14,
                  ref="{n}", per_month=0.3),
            Party("70109", "Zweiradwerkzeug Müller GmbH", "jobs", 420.0, 0.5, "4985", "9", KOST["workshop"], 30,
                  ref="ZM-{n}", per_month=0.6),
            Party("70110", "Ladenbau Schwarzwald GmbH", "jobs", 1_800.0, 0.4, "4805", "9", KOST["shop"], 30,
                  ref="LS{y}-{n}", per_month=0.2),
            Party("70111", "IT-Service Dreisam GmbH", "jobs", 520.0, 0.4, "4806", "9", KOST["admin"], 14,
                  ref="ITD{n}", per_month=0.4),
        ]
        return {p.account: p for p in sp}

    # ---------------------------------------------------------------- documents
    def er(self, sup: Party, day: dt.date, amount: float, *, gegenkonto: str | None = None, bu: str | None = None,
           number: str = "", text: str = "", link: bool = True, role: str = "", user: str = CLERK,
           register: str = "ER", entered: dt.date | None = None, zuord: dt.date | None = None,
           kost: str | None = None) -> Voucher:
        """A supplier invoice: Konto = the creditor, Haben; Gegenkonto the expense (BU-Schlüssel on it)."""
        number = number or self.ref(sup, day)
        v = self.voucher(role or f"er_{sup.kind}", sup.account, number, day)
        v.gross = r2(amount)
        terms = sup.terms
        if sup.kind == "bikes" and day.month <= 3:
            v.due = next_day(day + dt.timedelta(days=90))  # pre-season orders: 90 days Valuta, net
        else:
            v.due = day + dt.timedelta(days=terms)
        self.line(v, amount, "H", sup.account, gegenkonto or sup.gegenkonto, day, register, user,
                  text=(text or f"{sup.name[:40]} RE {number}")[:60], beleg1=number, beleg2=ttmmjj(v.due),
                  bu=sup.bu if bu is None else bu, kost1=sup.kost if kost is None else kost,
                  beleglink=f'BEDI "{self.guid()}"' if link else "", party=sup.account, entered=entered, zuord=zuord)
        return v

    def ar(self, cust: Party, day: dt.date, amount: float, *, gegenkonto: str | None = None, bu: str = "",
           text: str = "", role: str = "", eu_id: str | None = None, vat_due: float | None = None,
           created: dt.date | None = None, entered: dt.date | None = None) -> Voucher:
        """An invoice from the merchandise system: Konto = the debtor, Soll; Gegenkonto the revenue account."""
        v = self.voucher(role or f"ar_{cust.kind}", cust.account, "", day)
        v.gross, v.due, v.created = r2(amount), day + dt.timedelta(days=cust.terms), created or day
        self.line(v, amount, "S", cust.account, gegenkonto or cust.gegenkonto, day, "AR", WAWI, text=text[:60],
                  beleg2=ttmmjj(v.due), bu=bu, kost1=cust.kost, eu_id=cust.eu_id if eu_id is None else eu_id,
                  party=cust.account, vat_due=vat_due, entered=entered)
        return v

    def leasing_invoice(self, cust: Party, day: dt.date, scale: float = 1.0, **kw) -> Voucher:
        brand, models = BIKES[int(self.rng.integers(0, len(BIKES)))]
        model = models[int(self.rng.integers(0, len(models)))]
        self.contract += int(self.rng.integers(1, 40))
        amount = r2(round(self.lognormal(cust.median, cust.sigma) / 100) * 100 * scale - 1.0)
        text = kw.pop("text", f"{cust.short} Dienstrad {brand} {model} Vertr {self.contract}")
        return self.ar(cust, day, amount, text=text, **kw)

    # ---------------------------------------------------------------- sales
    def till(self) -> None:
        """One Z-Bon per trading day: shop and workshop, cash and cards, all on 8400."""
        rng = self.rng
        for day in self.days:
            if not is_trading_day(day):
                continue
            v = self.voucher("zbon", "Kasse", "", day)
            sat = 1.55 if day.weekday() == 5 else 1.0
            parts = []
            if is_shop_day(day):
                shop = self.lognormal(3_300 * SEASON[day.month] * sat, 0.25)
                card = float(np.clip(rng.normal(0.64, 0.06), 0.45, 0.85))
                parts += [("shop", "1000", shop * (1 - card), "bar"), ("shop", "1361", shop * card, "Karte")]
            if is_workshop_day(day):
                ws = self.lognormal(820 * (0.6 + 0.4 * SEASON[day.month]), 0.3)
                card = float(np.clip(rng.normal(0.5, 0.08), 0.25, 0.8))
                parts += [("workshop", "1000", ws * (1 - card), "bar"), ("workshop", "1361", ws * card, "Karte")]
            for where, acc, amount, how in parts:
                label = "Laden" if where == "shop" else "Werkstatt"
                self.line(v, amount, "S", acc, "8400", day, "KASSE", CLERK, text=f"Tageslosung {label} {how}",
                          kost1=KOST[where], party="Kasse")

    def cash_purchases(self) -> None:
        for merchant, acc, bu, median, per_month, what in CASH_BUYS:
            for m in range(1, 13):
                for day in self.pick_days(is_trading_day, m, int(self.rng.poisson(per_month))):
                    self.cash_buy(merchant, acc, bu, day, self.lognormal(median, 0.45), what)

    def cash_buy(self, merchant: str, acc: str, bu: str, day: dt.date, amount: float, what: str,
                 user: str = CLERK, register: str = "KASSE", beleg: str = "", role: str = "cash_buy") -> Voucher:
        v = self.voucher(role, merchant, beleg, day)
        v.gross = r2(amount)
        kost = KOST["workshop"] if acc in ("4985",) else KOST["admin"]
        self.line(v, amount, "H", "1000", acc, day, register, user, text=f"{what} {merchant}"[:60], beleg1=beleg,
                  bu=bu, kost1=kost if user == CLERK else "", party=merchant)
        return v

    def web(self) -> None:
        """Daily summaries of the web shop's PayPal orders, refunds, Monday payouts, monthly fees."""
        rng = self.rng
        for day in self.days:
            v = self.voucher("web_day", "PayPal", f"WS{day:%y%m%d}", day)
            orders = int(rng.poisson(9 * WEB_SEASON[day.month]))
            amount = sum(self.lognormal(78, 0.8) for _ in range(max(1, orders)))
            self.line(v, amount, "S", "1210", "8400", day, "SHOP", SHOP, text=f"Webshop Umsatz {day:%d.%m.%Y}",
                      beleg1=f"WS{day:%y%m%d}", kost1=KOST["web"], party="PayPal")
            if rng.random() < 0.16:
                self.line(v, self.lognormal(95, 0.6), "H", "1210", "8400", day, "SHOP", SHOP,
                          text=f"Webshop Retoure {day:%d.%m.%Y}", beleg1=f"WS{day:%y%m%d}", kost1=KOST["web"],
                          party="PayPal")

    def web_settlement(self) -> None:
        """PayPal takes its fees from each payment (booked once a month); on Mondays the balance goes to the bank."""
        by_day = defaultdict(float)
        for v in self.vouchers:
            for b in v.lines:
                by_day[b.date] += b.signed("1210")
        balance, fees = 0.0, 0.0  # the opening balance is a line of its own
        for day in self.days:
            fee = r2(0.0249 * max(by_day[day], 0.0) + 0.35 * 9 * WEB_SEASON[day.month])
            balance, fees = r2(balance + by_day[day] - fee), r2(fees + fee)
            if day == month_end(day.month):
                v = self.voucher("paypal_fee", "PayPal", f"PP{day:%y%m}", day)
                self.line(v, fees, "H", "1210", "4970", day, "SHOP", SHOP, text=f"PayPal Gebühren {day:%m/%Y}",
                          beleg1=f"PP{day:%y%m}", kost1=KOST["web"], party="PayPal")
                fees = 0.0
            if day.weekday() == 0 and is_bank_day(day) and balance > 800:
                out = r2(balance - 300)
                v = self.voucher("paypal_out", "PayPal", "", day)
                self.line(v, out, "S", "1200", "1210", day, "BANK", CLERK, text="PayPal Transfer",
                          beleg1="<AZ>", party="PayPal")
                balance = r2(balance - out)

    def sales(self) -> None:
        rng = self.rng
        for m in range(1, 13):
            # company bikes handed over under leasing
            for day in self.pick_days(is_shop_day, m, int(rng.poisson(21 * SEASON[m]))):
                self.leasing_invoice(self.leasing[int(rng.choice(4, p=[0.4, 0.3, 0.2, 0.1]))], day)
            # monthly fleet service, invoiced on the month's last workshop day or the first of the next
            for cust in self.fleet:
                if rng.random() < 0.85:
                    day = previous_day(month_end(m), is_workshop_day)
                    self.ar(cust, day, self.lognormal(cust.median, cust.sigma),
                            text=f"Flottenservice {m:02d}/{YEAR} {cust.name}"[:60])
            for cust in self.france:
                for day in self.pick_days(is_workshop_day, m, int(rng.poisson(0.8))):
                    self.ar(cust, day, self.lognormal(cust.median, cust.sigma),
                            text=f"Ersatzteile steuerfreie igL {cust.name}"[:60])

    # ---------------------------------------------------------------- purchases
    def purchases(self) -> None:
        rng = self.rng
        for sup in self.suppliers.values():
            if sup.kind == "bikes":
                for m in range(1, 13):
                    n = int(rng.poisson({1: 4.4, 2: 4.8, 3: 3.6}.get(m, 3.0 if m <= 8 else 1.2)))
                    scale = 1.8 if m <= 3 else 1.0
                    for day in self.pick_days(is_supplier_day, m, n):
                        self.er(sup, day, self.lognormal(sup.median * scale, sup.sigma),
                                text=f"{sup.name[:26]} Räder LS {int(rng.integers(10_000, 99_999))}")
            elif sup.kind in ("parts", "tyres", "motors", "jobs"):
                for m in range(1, 13):
                    season = (0.6 + 0.4 * SEASON[m]) if sup.kind != "jobs" else 1.0
                    for day in self.pick_days(is_supplier_day, m, int(rng.poisson(sup.per_month * season))):
                        self.er(sup, day, self.lognormal(sup.median, sup.sigma))
            elif sup.kind == "monthly":
                for m in range(1, 13):
                    day = next_day(dt.date(YEAR, m, 2 + int(sup.account[-1])), is_supplier_day)
                    self.er(sup, day, self.lognormal(sup.median, sup.sigma))
            elif sup.kind == "quarterly":
                for m in (1, 4, 7, 10):
                    self.er(sup, next_day(dt.date(YEAR, m, 20), is_supplier_day), self.lognormal(sup.median,
                                                                                                  sup.sigma))

    def supplier_payments(self) -> None:
        """Direct debits with Skonto, the Thursday payment run (with Skonto where granted), pre-season Valuta."""
        for v in [v for v in self.vouchers if v.role.startswith("er_") and not v.paid]:
            sup = self.suppliers[v.party]
            v.paid = True
            if sup.kind == "bikes" and v.date.month <= 3:
                day, skonto = v.due, 0.0
            elif sup.pay == "debit":
                day = next_day(v.date + dt.timedelta(days=sup.skonto_days or 10))
                skonto = sup.skonto
            else:
                day = v.date + dt.timedelta(days=sup.skonto_days - 4 if sup.skonto else sup.terms - 6)
                while day.weekday() != 3 or not is_bank_day(day):
                    day += dt.timedelta(days=1)
                skonto = sup.skonto
            if day > LAST:
                continue
            self.pay_supplier(v, day, skonto)

    def pay_supplier(self, inv: Voucher, day: dt.date, skonto: float, register: str = "BANK", user: str = CLERK,
                     konto: str = "1200", text: str = "") -> Voucher:
        sup = self.suppliers[inv.party]
        p = self.voucher("pay_out", sup.account, inv.number, day)
        discount = r2(inv.gross * skonto)
        self.line(p, inv.gross - discount, "H", konto, sup.account, day, register, user,
                  text=text or f"{sup.name[:36]} {'Lastschrift' if sup.pay == 'debit' else 'Überweisung'}",
                  beleg1=inv.number, party=sup.account)
        if discount:
            self.line(p, discount, "S", sup.account, "3736", day, register, user, text=f"Skonto {sup.name[:40]}",
                      beleg1=inv.number, party=sup.account)
        return p

    # ---------------------------------------------------------------- receipts
    def receipts(self) -> None:
        rng = self.rng
        for v in [v for v in self.vouchers if v.role.startswith("ar_") and not v.paid]:
            v.paid = True
            cust = v.party
            if cust.startswith("1000"):  # leasing companies: Wednesday collective transfers
                day = v.date + dt.timedelta(days=int(rng.integers(6, 20)))
                while day.weekday() != 2 or not is_bank_day(day):
                    day += dt.timedelta(days=1)
            elif cust.startswith("11"):
                day = next_day(v.date + dt.timedelta(days=int(rng.choice([8, 12, 14, 18, 25, 40]))))
            else:
                day = next_day(v.date + dt.timedelta(days=int(rng.integers(20, 45))))
            if day > LAST:
                continue
            p = self.voucher("pay_in", cust, v.number, day)
            self.line(p, v.gross, "S", "1200", cust, day, "BANK", CLERK, text=f"Zahlungseingang {v.number}",
                      beleg1=v.number, party=cust)

    # ---------------------------------------------------------------- cash and cards
    def cash_deposits(self) -> None:
        """Tuesdays (and Fridays in the season, if the till holds much) the cash goes to the Sparkasse."""
        flows, spent = defaultdict(float), defaultdict(float)
        for v in self.vouchers:
            for b in v.lines:
                flows[b.date] += b.signed("1000")
                spent[b.date] += max(0.0, -b.signed("1000"))
        balance, n = 0.0, int(self.rng.integers(100, 400))  # the opening balance is a line of its own
        for day in self.days:
            balance = r2(balance + flows[day])
            busy = day.weekday() == 4 and balance > 6_000
            # the change float stays, and enough for the coming week's cash purchases
            keep = 500 + sum(spent[day + dt.timedelta(days=k)] for k in range(1, 8))
            if (day.weekday() == 1 or busy) and is_bank_day(day) and is_trading_day(day) and balance > keep + 400:
                amount = float(np.floor((balance - keep) / 50) * 50)
                n += 1
                v = self.voucher("deposit", "Sparkasse", f"EZ{n}", day)
                self.line(v, amount, "H", "1000", "1360", day, "KASSE", CLERK, text="Bareinzahlung Sparkasse",
                          beleg1=f"EZ{n}", party="Sparkasse")
                self.line(v, amount, "S", "1200", "1360", day, "BANK", CLERK, text="Bareinzahlung Kasse",
                          beleg1=f"EZ{n}", party="Sparkasse")
                balance = r2(balance - amount)

    def card_payouts(self) -> None:
        takings = defaultdict(float)
        for v in self.vouchers:
            for b in v.lines:
                if b.debit == "1361" and b.register == "KASSE":
                    takings[b.date] += b.amount
        pending = 0.0
        for day in self.days:
            if is_bank_day(day) and pending:
                fee = r2(pending * 0.0095)
                v = self.voucher("card_payout", "Kartenzahlungen", "", day)
                self.line(v, pending - fee, "S", "1200", "1361", day, "BANK", CLERK,
                          text="Kartenumsätze Auszahlung", beleg1="<AZ>", party="Kartenzahlungen")
                self.line(v, fee, "H", "1361", "4970", day, "BANK", CLERK, text="Disagio Kartenzahlungen",
                          beleg1="<AZ>", kost1=KOST["shop"], party="Kartenzahlungen")
                pending = 0.0
            pending = r2(pending + takings[day])

    # ---------------------------------------------------------------- bank routines, payroll, VAT
    def bank(self, day: dt.date, amount: float, konto_sh: str, gegenkonto: str, text: str, role: str,
             bu: str = "", party: str = "", kost: str = "") -> Voucher:
        v = self.voucher(role, party, "", day)
        v.gross = r2(amount)
        self.line(v, amount, konto_sh, "1200", gegenkonto, day, "BANK", CLERK, text=text, beleg1="<AZ>", bu=bu,
                  kost1=kost, party=party)
        return v

    def routines(self) -> None:
        principal = 142_000.0
        for m in range(1, 13):
            first = next_day(dt.date(YEAR, m, 1))
            self.bank(first, 6_000.0, "H", "1800", "Privatentnahme T. Kiefer", "private", party="Inhaber")
            third = next_day(next_day(first + dt.timedelta(days=1)) + dt.timedelta(days=1))
            self.bank(third, 4_850.0, "H", "4210", "Miete Haslacher Str. 112 Dauerauftrag", "rent", party="Vermieter",
                      kost=KOST["shop"])
            self.bank(first, 389.0, "H", "4570", "Leasing Transporter FR-RD 412", "van_leasing", "9", "Leasing",
                      KOST["workshop"])
            self.bank(next_day(dt.date(YEAR, m, 15)), 610.0, "H", "4240", "Abschlag Strom/Gas Energie Breisgau",
                      "energy", "9", "Energie Breisgau", KOST["admin"])
            fee_day = last_bank_days(m)[0]
            self.bank(fee_day, self.lognormal(46, 0.2), "H", "4970", "Kontoführung Sparkasse", "bank_fee",
                      party="Sparkasse", kost=KOST["admin"])
            interest = r2(principal * 0.041 / 12)
            loan = self.voucher("loan", "Sparkasse", "", last_bank_days(m)[0])
            for acc, amount, text in (("0630", 2_150.0 - interest, "Tilgung Darlehen 7004512"),
                                      ("2120", interest, "Zinsen Darlehen 7004512")):
                self.line(loan, amount, "H", "1200", acc, loan.date, "BANK", CLERK, text=text, beleg1="<AZ>",
                          party="Sparkasse")
            principal = r2(principal - (2_150.0 - interest))
        for m in (3, 6, 9, 12):
            self.bank(next_day(dt.date(YEAR, m, 10)), 7_850.0, "H", "1810", "ESt-Vorauszahlung T. Kiefer",
                      "private_tax", party="Finanzamt")
        self.bank(next_day(dt.date(YEAR, 1, 15)), 2_310.4, "H", "4360", "Betriebsversicherung 2025", "insurance",
                  party="Versicherung", kost=KOST["admin"])
        self.bank(next_day(dt.date(YEAR, 1, 20)), 1_046.8, "H", "4520", "Kfz-Versicherung Transporter", "insurance",
                  party="Versicherung", kost=KOST["workshop"])
        self.bank(next_day(dt.date(YEAR, 5, 12)), 312.0, "H", "4510", "Kfz-Steuer FR-RD 412", "vehicle_tax",
                  party="Hauptzollamt", kost=KOST["workshop"])
        self.bank(next_day(dt.date(YEAR, 4, 14)), 364.0, "H", "4380", "IHK Südlicher Oberrhein Beitrag", "ihk",
                  party="IHK", kost=KOST["admin"])
        for m in (3, 6, 9, 11):  # the quarter's reclassification of a tool bought as a consumable
            v = self.voucher("reclass", "", f"UB{m:02d}", month_end(m))
            self.line(v, r2(self.lognormal(1_100, 0.2)), "S", "0440", "4985", month_end(m), "UMB", SENIOR,
                      text="Umbuchung Werkzeug > 800 EUR netto ins AV", beleg1=f"UB{YEAR}{m:02d}")

    def payroll(self) -> None:
        rng = self.rng
        for m in range(1, 13):
            last = month_end(m)
            xmas = 1.55 if m == 11 else 1.0
            gross = {acc: r2(amount * xmas * float(rng.uniform(0.97, 1.03)) * (1.08 if 4 <= m <= 9 and acc == "4190"
                                                                               else 1.0))
                     for acc, amount in GROSS_WAGES.items()}
            regular = gross["4110"] + gross["4120"]
            tax = r2(regular * float(rng.uniform(0.125, 0.14)))
            sv_ee = r2(regular * 0.2105)
            sv_er = r2(regular * 0.2085 + gross["4190"] * 0.31)
            net = r2(sum(gross.values()) - tax - sv_ee)
            number = f"LOHN{m:02d}{YEAR}"
            v = self.voucher("payroll", "Lohn", number, last)
            kw = dict(register="LOHN", user=LOHN, beleg1=number)
            for acc, text, kost in (("4110", "Löhne Werkstatt", KOST["workshop"]),
                                    ("4120", "Gehälter Verkauf/Verwaltung", KOST["shop"]),
                                    ("4190", "Aushilfslöhne Minijob", KOST["shop"])):
                self.line(v, gross[acc], "S", acc, "1755", last, text=f"{text} {m:02d}/{YEAR}", kost1=kost, **kw)
            self.line(v, sv_er, "S", "4130", "1742", last, text=f"AG-Anteil SV {m:02d}/{YEAR}", kost1=KOST["admin"],
                      **kw)
            self.line(v, tax, "S", "1755", "1741", last, text=f"Lohnsteuer/KiSt/SolZ {m:02d}/{YEAR}", **kw)
            self.line(v, sv_ee, "S", "1755", "1742", last, text=f"AN-Anteil SV {m:02d}/{YEAR}", **kw)
            self.line(v, net, "S", "1755", "1740", last, text=f"Nettolöhne {m:02d}/{YEAR}", **kw)
            days = last_bank_days(m)
            for day, acc, amount, text, role in ((days[0], "1740", net, "Lohn/Gehalt Sammelüberweisung", "pay_net"),
                                                 (days[2], "1742", sv_ee + sv_er, "Beiträge Krankenkassen",
                                                  "pay_sv")):
                self.bank(day, amount, "H", acc, f"{text} {m:02d}/{YEAR}", role, party="Lohn")
            if m < 12:
                self.bank(next_day(dt.date(YEAR, m + 1, 10)), tax, "H", "1741", f"Lohnsteuer-Anmeldung {m:02d}/{YEAR}",
                          "pay_tax", party="Finanzamt")

    def vat_payable(self) -> dict[int, float]:
        """Per month the VAT DATEV computes: output tax less input tax (a 1776 line is tax by itself)."""
        out = defaultdict(float)
        for v in self.vouchers:
            for b in v.lines:
                period = (b.zuord or b.date).month
                if b.gegenkonto == "1776":
                    out[period] += b.amount if b.sh == "S" else -b.amount
                elif b.vat_rate:
                    out[period] -= b.signed(b.tax_account) * b.vat_rate / (1 + b.vat_rate)
        return {m: r2(x) for m, x in out.items()}

    def vat_returns(self) -> None:
        payable = self.vat_payable()
        self.bank(next_day(dt.date(YEAR, 1, 10)), 9_830.0, "H", "1780", "USt-Voranmeldung 11/2024", "vat",
                  party="Finanzamt")
        self.bank(next_day(dt.date(YEAR, 2, 10)), 11_570.0, "H", "1780", "USt-Voranmeldung 12/2024", "vat",
                  party="Finanzamt")
        self.bank(next_day(dt.date(YEAR, 2, 10)), 8_412.0, "H", "1781", "USt-Sondervorauszahlung 2025", "vat",
                  party="Finanzamt")
        for m in range(1, 11):
            amount = float(round(payable.get(m, 0.0)))
            if amount:
                self.bank(next_day(dt.date(YEAR, m + 2, 10)), abs(amount), "H" if amount > 0 else "S", "1780",
                          f"USt-Voranmeldung {m:02d}/{YEAR}" + ("" if amount > 0 else " Erstattung"), "vat",
                          party="Finanzamt")

    # ---------------------------------------------------------------- opening and closing
    def opening(self) -> None:
        v = self.voucher("opening", "", "EB2025", FIRST)
        kw = dict(register="EB", user=SENIOR, beleg1=f"EB{YEAR}", entered=dt.date(YEAR, 1, 15))
        balances = [("0350", 28_400.0), ("0430", 46_800.0), ("0440", 12_300.0), ("3980", 412_600.0),
                    ("1000", 1_150.0), ("1200", 84_320.55), ("1210", 2_140.0), ("0630", -142_000.0),
                    ("1741", -5_118.73), ("1780", -21_400.0)]
        total = 0.0
        for acc, bal in balances:
            self.line(v, abs(bal), "S" if bal > 0 else "H", acc, "9000", FIRST, text="EB-Wert", **kw)
            total += bal
        open_items = []
        for cust, amount, number, when in ((self.leasing[0], 3_889.9, "RE24-01873", dt.date(YEAR - 1, 12, 19)),
                                           (self.leasing[1], 4_219.9, "RE24-01880", dt.date(YEAR - 1, 12, 23)),
                                           (self.fleet[0], 412.65, "RE24-01891", dt.date(YEAR - 1, 12, 31))):
            self.line(v, amount, "S", cust.account, "9008", FIRST, text=f"EB-Wert OP {number}"[:60],
                      **{**kw, "beleg1": number}, party=cust.account)
            open_items.append(("in", cust.account, amount, number, when))
            total += amount
        for sup, amount, number, when in ((self.suppliers["70020"], 2_118.4, "4471182", dt.date(YEAR - 1, 12, 27)),
                                          (self.suppliers["70105"], 821.1, "2024-118342", dt.date(YEAR - 1, 12, 30))):
            self.line(v, amount, "H", sup.account, "9009", FIRST, text=f"EB-Wert OP {number}"[:60],
                      **{**kw, "beleg1": number}, party=sup.account)
            open_items.append(("out", sup.account, amount, number, when))
            total -= amount
        self.line(v, abs(total), "H" if total > 0 else "S", "0880", "9000", FIRST, text="EB-Wert Kapital", **kw)
        for way, acc, amount, number, when in open_items:
            day = next_day(when + dt.timedelta(days=14))
            p = self.voucher("pay_in" if way == "in" else "pay_out", acc, number, day)
            self.line(p, amount, "S" if way == "in" else "H", "1200", acc, day, "BANK", CLERK,
                      text=f"{'Zahlungseingang' if way == 'in' else 'Zahlung'} {number}", beleg1=number, party=acc)
        self.bank(next_day(dt.date(YEAR, 1, 10)), 5_118.73, "H", "1741", f"Lohnsteuer-Anmeldung 12/{YEAR - 1}",
                  "pay_tax", party="Finanzamt")

    def closing(self) -> None:
        v = self.voucher("closing", "", f"JA{YEAR}", LAST)
        kw = dict(register="ABSCHLUSS", user=SENIOR, entered=dt.date(YEAR + 1, 3, 16))
        for acc, amount in (("0350", 7_100.0), ("0430", 6_240.0), ("0440", 2_918.0)):
            self.line(v, amount, "S", "4830", acc, LAST, text=f"AfA {YEAR} {ACCOUNTS[acc]}"[:60],
                      beleg1=f"AFA{YEAR}", **kw)
        change = r2(self.rng.normal(9_000, 6_000))
        self.line(v, abs(change), "S" if change > 0 else "H", "3980", "3960", LAST,
                  text=f"Bestandsveränderung lt. Inventur 31.12.{YEAR}", beleg1=f"INV{YEAR}", **kw)
        self.line(v, 2_600.0, "S", "4957", "0977", LAST, text=f"Rückstellung Jahresabschluss {YEAR}",
                  beleg1=f"RST{YEAR}", **kw)


# --------------------------------------------------------------------------------------------------- anomalies
class _Anomalies:
    def __init__(self, books: _Books, per_kind: int):
        self.b = books
        self.rng = books.rng
        self.per_kind = per_kind
        self.counter = 0
        self.used: set[str] = set()  # originals already copied or tampered with

    def label(self, kind: str, vouchers: list[Voucher], lines: list[Booking] | None = None) -> None:
        self.counter += 1
        aid = f"{kind}-{self.counter:03d}"
        for b in lines if lines is not None else [b for v in vouchers for b in v.lines]:
            b.kind, b.anomaly_id = kind, aid
        for v in vouchers:
            v.kind = kind

    def variants(self, n: int) -> list[int]:
        return [i % n for i in range(self.per_kind)]

    def day(self, test: Callable[[dt.date], bool], months: tuple[int, int] = (1, 11)) -> dt.date:
        pool = [d for d in self.b.days if months[0] <= d.month <= months[1] and test(d)]
        return pool[int(self.rng.integers(0, len(pool)))]

    def pick(self, predicate: Callable[[Voucher], bool]) -> Voucher:
        pool = [v for v in self.b.vouchers if not v.kind and v.id not in self.used and predicate(v)]
        chosen = pool[int(self.rng.integers(0, len(pool)))]
        self.used.add(chosen.id)
        return chosen

    def customer(self, pool: list[Party]) -> Party:
        return pool[int(self.rng.integers(0, len(pool)))]

    # ---------------------------------------------------------------- kinds
    def amount_outlier(self) -> None:
        """A fleet customer's service invoice keyed with the quantity in the price (disputed, left open); a small
        supplier's invoice with the decimal point lost (held, not paid); a receipt from the till 20-60x the usual."""
        b = self.b
        for variant in self.variants(3):
            factor = float(self.rng.uniform(22, 55))
            if variant == 0:
                cust = self.customer(b.fleet)
                day = previous_day(month_end(int(self.rng.integers(1, 12))), is_workshop_day)
                v = b.ar(cust, day, cust.median * factor, text=f"Flottenservice {day:%m}/{YEAR} {cust.name}"[:60])
            elif variant == 1:
                sup = b.suppliers[str(self.rng.choice(["70102", "70103", "70101"]))]
                v = b.er(sup, self.day(is_supplier_day), sup.median * factor)
            else:
                v = b.cash_buy("Schreibwaren Kaiser", "4930", "9", self.day(is_shop_day), 38.0 * factor, "Bürobedarf")
            v.paid = True
            self.label("amount_outlier", [v])

    def unusual_account_combination(self) -> None:
        """Accounts that never meet: a leasing company's payment booked straight to revenue (the invoice stays open,
        the sale counts twice), temporary help paid in cash from the till, a parts invoice coded to revenue, a private
        travel bill paid from the bank booked as merchandise."""
        b = self.b
        for variant in self.variants(4):
            if variant == 0:
                inv = b.leasing_invoice(self.customer(b.leasing), self.day(is_shop_day, (1, 10)))
                inv.paid = True
                day = next_day(inv.date + dt.timedelta(days=int(self.rng.integers(8, 20))))
                v = b.voucher("anomaly", inv.party, "", day)
                name = next(c.name for c in b.leasing if c.account == inv.party)
                b.line(v, inv.gross, "S", "1200", "8400", day, "BANK", CLERK, text=f"Gutschrift {name}"[:60],
                       beleg1="<AZ>", kost1=KOST["shop"], party=inv.party)
            elif variant == 1:
                day = self.day(lambda d: is_shop_day(d) and d.weekday() == 5)
                v = b.cash_buy("Aushilfe", "4190", "", day, float(self.rng.choice([180, 240, 300, 360, 420])),
                               "Aushilfe Samstag bar", beleg="", role="anomaly")
            elif variant == 2:
                sup = b.suppliers["70021"]
                v = b.er(sup, self.day(is_supplier_day), b.lognormal(sup.median, 0.3), gegenkonto="8400",
                         role="anomaly")
                v.paid = True
            else:
                day = self.day(is_bank_day)
                v = b.bank(day, r2(b.lognormal(2_400, 0.3)), "H", "3400", "Reisebüro am Martinstor", "anomaly",
                           party="Reisebüro")
            self.label("unusual_account_combination", [v])

    def weekend_holiday_posting(self) -> None:
        """Dated a Sunday or a Baden-Württemberg holiday, when shop, workshop and office are closed: a leasing
        bike's invoice dated the day it was handed over privately, a Z-Bon of the till opened on a closed day, a
        fuel receipt of a private Sunday trip put through the till."""
        b = self.b
        closed = [d for d in b.days if is_closed(d) and d != FIRST and d != month_end(d.month)]
        for variant in self.variants(3):
            day = closed[int(self.rng.integers(0, len(closed)))]
            if variant == 0:
                v = b.leasing_invoice(self.customer(b.leasing), day)
            elif variant == 1:
                v = b.voucher("zbon", "Kasse", "", day)
                amount = b.lognormal(900, 0.4)
                for acc, share, how in (("1000", 0.7, "bar"), ("1361", 0.3, "Karte")):
                    b.line(v, amount * share, "S", acc, "8400", day, "KASSE", CLERK, text=f"Tageslosung Laden {how}",
                           kost1=KOST["shop"], party="Kasse")
            else:
                v = b.cash_buy("Tankstelle Titisee", "4530", "9", day, b.lognormal(85, 0.3), "Tanken Transporter")
            self.label("weekend_holiday_posting", [v])

    def round_amount(self) -> None:
        """Large round amounts keyed by hand: a loan to the owner's brother-in-law from the business account, the
        inventory 'estimated' in the closing, a consultant's flat fee without a statement of work (and its payment)."""
        b = self.b
        for variant in self.variants(3):
            amount = float(self.rng.choice([20_000, 25_000, 30_000, 40_000, 50_000]))
            if variant == 0:
                vs = [b.bank(self.day(is_bank_day), amount, "H", "1500", "Darlehen M. Brenner", "anomaly",
                             party="Brenner")]
            elif variant == 1:
                v = b.voucher("anomaly", "", f"INV{YEAR}", LAST)
                b.line(v, amount, "S", "3980", "3960", LAST, "ABSCHLUSS", SENIOR,
                       text=f"Inventurdifferenz lt. Angabe Inhaber {self.counter + 1}", beleg1=f"INV{YEAR}K{self.counter + 1}",
                       entered=dt.date(YEAR + 1, 3, 16))
                vs = [v]
            else:
                sup = Party("70150", "Unternehmensberatung Rheinblick", "consult", amount, 0.0, "4950", "9",
                            KOST["admin"], 14, ref="UB-{y}-{n}")
                b.suppliers.setdefault(sup.account, sup)
                inv = b.er(b.suppliers["70150"], self.day(is_supplier_day, (1, 10)), amount,
                           text="Pauschalhonorar Beratung", role="anomaly")
                inv.paid = True
                vs = [inv, b.pay_supplier(inv, next_day(inv.date + dt.timedelta(days=5)), 0.0)]
            self.label("round_amount", vs)

    def just_below_approval_limit(self) -> None:
        """Orders outside merchandise kept just under the owner's signature: workshop tools, shop fitting, IT,
        an advertising campaign, invoiced at 97-99.95 % of the limit; paid normally."""
        b = self.b
        accounts = ["70109", "70110", "70111", "70106"]
        for i in range(self.per_kind):
            sup = b.suppliers[accounts[i % len(accounts)]]
            amount = r2(float(self.rng.uniform(0.97, 0.9995)) * APPROVAL_LIMIT)
            v = b.er(sup, self.day(is_supplier_day), amount)
            self.label("just_below_approval_limit", [v])

    def duplicate(self) -> None:
        """A supplier invoice keyed a second time from the paper copy (no Beleglink, its number retyped, in the same
        or the next month's batch); a fuel receipt booked in the till and again from the bank card's debit."""
        b = self.b
        for variant in self.variants(2):
            if variant == 0:
                orig = self.pick(lambda v: v.role in ("er_parts", "er_tyres", "er_motors", "er_jobs", "er_bikes")
                                 and v.date.month < 12 and v.date.month > 1)
                sup = b.suppliers[orig.party]
                number = orig.number + str(self.rng.choice(["", "-1", "A", "/2"]))
                later = b.batch_day(orig.date.month + int(self.rng.integers(0, 2)), "ER")
                copy = b.er(sup, orig.date, orig.gross, number=number, text=orig.lines[0].text, link=False,
                            role="duplicate", entered=later)
                copy.paid = True
            else:
                def receipt(v: Voucher, merchant: str | None) -> bool:
                    return (v.role == "cash_buy" and (merchant is None or v.party == merchant)
                            and is_bank_day(v.date) and v.date.month < 12)

                fuel = any(receipt(v, "Tankstelle Haslach") and v.id not in self.used for v in b.vouchers)
                orig = self.pick(lambda v, m=("Tankstelle Haslach" if fuel else None): receipt(v, m))
                cash = orig.lines[0]
                copy = b.voucher("duplicate", orig.party, "", orig.date)
                b.line(copy, orig.gross, "H", "1200", cash.gegenkonto, orig.date, "BANK", CLERK,
                       text=f"Girocard {orig.party}", beleg1="<AZ>", bu=cash.bu, kost1=cash.kost1, party=orig.party)
            self.label("duplicate", [copy])

    def backdated(self) -> None:
        """Registered 45-150 days after its date: a supplier invoice found in a drawer (its input VAT assigned to the
        month it was found), a leasing bike invoiced months after the handover but dated back to it, a correction of
        a month already reported keyed into a later batch."""
        b = self.b
        for variant in self.variants(3):
            if variant == 0:
                day = self.day(is_supplier_day, (1, 7))
            elif variant == 1:
                day = self.day(is_shop_day, (1, 7))
            else:
                day = month_end(int(self.rng.integers(1, 8)))
            register = ("ER", "AR", "UMB")[variant]
            month = day.month + int(self.rng.integers(1, 4))
            while (b.batch_day(month, register) - day).days < 45:
                month += 1
            entered = b.batch_day(month, register)
            if variant == 0:
                sup = b.suppliers[str(self.rng.choice(["70022", "70030", "70108"]))]
                v = b.er(sup, day, b.lognormal(sup.median, sup.sigma), entered=entered, zuord=month_end(month))
            elif variant == 1:
                v = b.leasing_invoice(self.customer(b.leasing), day, created=entered - dt.timedelta(days=20),
                                      entered=entered)
            else:
                v = b.voucher("anomaly", "", f"UB{day:%m}K", day)
                b.line(v, r2(b.lognormal(1_900, 0.4)), "S", "0440", "4805", day, "UMB", SENIOR,
                       text=f"Korrektur Reparatur {day:%m}/{YEAR} ins AV", beleg1=f"UB{YEAR}{day:%m}K",
                       entered=entered)
            self.label("backdated", [v])

    def unusual_user(self) -> None:
        """Entries keyed in DATEV Unternehmen online by people who never book: the owner paying a parts invoice in
        cash from the till and booking it himself, the owner booking a restaurant bill from the bank account, the
        workshop master refunding a customer in cash."""
        b = self.b
        for variant in self.variants(3):
            if variant == 0:
                sup = b.suppliers[str(self.rng.choice(["70020", "70021"]))]
                inv = b.er(sup, self.day(is_supplier_day), b.lognormal(sup.median * 0.5, 0.3))
                inv.paid = True
                day = next_day(inv.date + dt.timedelta(days=int(self.rng.integers(2, 9))), is_shop_day)
                v = b.pay_supplier(inv, day, 0.0, register="UO", user=OWNER, konto="1000",
                                   text=f"bar bezahlt {sup.name.split()[0].lower()} tk")
            elif variant == 1:
                day = self.day(is_bank_day)
                v = b.voucher("anomaly", "", "", day)
                b.line(v, r2(b.lognormal(160, 0.4)), "H", "1200", "4650", day, "UO", OWNER,
                       text="essen mit lieferant", bu="9", party="Restaurant")
            else:
                day = self.day(is_workshop_day)
                v = b.voucher("anomaly", "", "", day)
                b.line(v, r2(b.lognormal(140, 0.4)), "H", "1000", "8400", day, "UO", WORKSHOP,
                       text="Kulanz Rep. Kunde bar zurück", beleg1=f"WS{int(self.rng.integers(10, 99))}",
                       party="Kasse")
            for line in v.lines:
                line.entered = next_day(line.date + dt.timedelta(days=int(self.rng.integers(1, 5))), is_shop_day)
            self.label("unusual_user", [v])

    def broken_vat_ratio(self) -> None:
        """A sale whose VAT is not the 19 % it owes: booked to the 7 % account, as a tax-free intra-Community supply
        to a French private customer without a VAT number, with BU 40 (no VAT) on 8400, or net with BU 40 and a
        hand-keyed tax line at the old 16 %."""
        b = self.b
        for variant in self.variants(4):
            day = self.day(is_shop_day)
            if variant == 0:
                v = b.leasing_invoice(self.customer(b.leasing), day, gegenkonto="8300", vat_due=0.19)
            elif variant == 1:
                cust = Party("12010", "Meyer Claude (Mulhouse)", "france", 3_500.0, 0.3, "8125", kost=KOST["shop"])
                v = b.ar(cust, day, r2(b.lognormal(3_400, 0.3)), text="E-Bike Velotech Tour E7 igL", eu_id="",
                         vat_due=0.19)
            elif variant == 2:
                cust = self.customer(b.fleet)
                v = b.ar(cust, day, b.lognormal(cust.median, 0.3), bu="40", vat_due=0.19,
                         text=f"Reparatur Flotte {cust.name}"[:60])
            else:
                cust = self.customer(b.fleet)
                net = r2(b.lognormal(cust.median * 2, 0.3))
                v = b.ar(cust, day, net, bu="40", vat_due=0.19, text=f"Wartung Lastenräder {cust.name}"[:60])
                b.line(v, r2(net * 0.16), "S", cust.account, "1776", day, "AR", WAWI, text="USt 16 %",
                       party=cust.account, beleg2=v.lines[0].beleg2)
                v.gross = r2(sum(x.amount for x in v.lines))
            self.label("broken_vat_ratio", [v])

    def period_end_reversal(self) -> None:
        """A leasing company's order for several company bikes invoiced on the month's last shop day to make the
        month (bikes not yet delivered), reversed in the first days of the next month: by a Storno with
        Generalumkehr or by a credit note."""
        b = self.b
        months = self.rng.choice(list(range(1, 12)), size=self.per_kind, replace=self.per_kind > 11)
        for i, m in enumerate(months):
            last = previous_day(month_end(int(m)), is_shop_day)
            cust = self.customer(b.leasing)
            inv = b.leasing_invoice(cust, last, scale=float(self.rng.integers(3, 7)),
                                    text=f"{cust.short} Dienstradpaket Firmenflotte {self.rng.integers(100, 999)}")
            inv.paid = True
            back = next_day(month_end(int(m)) + dt.timedelta(days=int(self.rng.integers(1, 5))), is_shop_day)
            rev = b.voucher("anomaly", cust.account, "", back)
            orig = inv.lines[0]
            if i % 2 == 0:
                b.line(rev, orig.amount, "S", cust.account, "8400", back, "AR", WAWI, text=f"Storno {orig.text}"[:60],
                       gu=True, kost1=orig.kost1, party=cust.account, beleg2=orig.beleg2)
                rev.role = "storno"
            else:
                b.line(rev, orig.amount, "H", cust.account, "8400", back, "AR", WAWI,
                       text=f"Gutschrift {orig.text}"[:60], kost1=orig.kost1, party=cust.account)
                rev.role = "credit_note"
            rev.number = inv.id  # numbered with its invoice
            self.label("period_end_reversal", [inv, rev])

    def unbalanced_voucher(self) -> None:
        """Documents that leave a clearing account open: a payroll transfer that lost its income-tax line, a cash
        deposit of which the bank credited a note less than left the till, net pay keyed with two digits swapped."""
        for variant in self.variants(3):
            if variant != 1 and not any(v.role == "payroll" and v.id not in self.used for v in self.b.vouchers):
                variant = 1  # twelve payrolls only: many instances fall back on cash deposits
            if variant == 0:
                v = self.pick(lambda v: v.role == "payroll")
                v.lines = [x for x in v.lines if x.gegenkonto != "1741"]
            elif variant == 1:
                v = self.pick(lambda v: v.role == "deposit" and v.lines[0].amount > 1_500)
                bank = v.lines[1]
                bank.amount = r2(bank.amount - float(self.rng.choice([50, 100, 200, 500])))
            else:
                v = self.pick(lambda v: v.role == "payroll" and any(x.gegenkonto == "1740" for x in v.lines))
                net = next(x for x in v.lines if x.gegenkonto == "1740")
                digits = f"{net.amount:.2f}".replace(".", "")
                pairs = [i for i in range(len(digits) - 5, len(digits) - 1) if digits[i] != digits[i + 1]]
                k = pairs[int(self.rng.integers(0, len(pairs)))]
                swapped = digits[:k] + digits[k + 1] + digits[k] + digits[k + 2:]
                net.amount = int(swapped) / 100
            self.label("unbalanced_voucher", [v])

    def daily_spike(self) -> None:
        """One day with many times an account's turnover: a parts wholesaler's backlog of delivery invoices all
        dated the day they were finally sent, a pile of workshop-consumable receipts from the till on one day, a
        leasing company's fleet order handed over bike by bike on one Saturday."""
        b = self.b
        for i in range(self.per_kind):
            vs: list[Voucher] = []
            if i % 3 == 0:
                sup = b.suppliers[str(self.rng.choice(["70020", "70021"]))]
                day = self.day(is_supplier_day, (2, 11))
                for _ in range(int(self.rng.integers(8, 13))):
                    vs.append(b.er(sup, day, b.lognormal(sup.median, 0.4)))
            elif i % 3 == 1:
                day = self.day(is_shop_day, (2, 11))
                for _ in range(int(self.rng.integers(8, 13))):
                    vs.append(b.cash_buy("Baumarkt Haslach", "4985", "9", day, b.lognormal(120, 0.3),
                                         "Werkstattbedarf"))
            else:
                day = self.day(lambda d: is_shop_day(d) and d.weekday() == 5, (3, 10))
                cust = self.customer(b.leasing)
                for _ in range(int(self.rng.integers(8, 13))):
                    vs.append(b.leasing_invoice(cust, day))
            self.label("daily_spike", vs)


# --------------------------------------------------------------------------------------------------- the frame
def _number_invoices(books: _Books) -> None:
    """The merchandise system numbers invoices RE25-nnnnn and credit notes GS25-nnnnn in the order it writes them;
    a payment and a Storno carry the invoice's number in Belegfeld 1."""
    def is_invoice(v: Voucher) -> bool:
        return bool(v.lines) and v.lines[0].register == "AR" and v.role not in ("storno", "credit_note")

    invoices = sorted((v for v in books.vouchers if is_invoice(v)), key=lambda v: (v.created or v.date,
                                                                                    v.lines[0].seq))
    number = {}
    for n, v in enumerate(invoices, start=1):
        v.number = number[v.id] = f"RE{YEAR % 100}-{n:05d}"
        for line in v.lines:
            line.beleg1 = v.number
    credit = 0
    for v in sorted(books.vouchers, key=lambda v: (v.date, v.id)):
        if v.role in ("storno", "credit_note"):
            v.number = number[v.number]
            if v.role == "credit_note":
                credit += 1
                v.lines[0].beleg1 = f"GS{YEAR % 100}-{credit:05d}"
            else:
                v.lines[0].beleg1 = v.number
        elif v.role == "pay_in" and v.number in number:
            v.number = number[v.number]
            for line in v.lines:
                line.beleg1, line.text = v.number, f"Zahlungseingang {v.number}"


def _number_till(books: _Books) -> None:
    """The till counts its Z-Bons (one a day it was closed out) and the clerk numbers the cash receipts she keys
    (K25-nnnn), both in date order."""
    z = int(books.rng.integers(2_400, 3_100))
    for v in sorted((v for v in books.vouchers if v.role == "zbon"), key=lambda v: (v.date, v.id)):
        z += 1
        v.number = f"Z{z}"
        for line in v.lines:
            line.beleg1 = v.number
    receipts = sorted((v for v in books.vouchers if v.role == "cash_buy"), key=lambda v: (v.date, v.id))
    for n, v in enumerate(receipts, start=1):
        v.number = v.lines[0].beleg1 = f"K{YEAR % 100}-{n:04d}"


def _statements(books: _Books) -> None:
    """Bank lines without an open item's number carry the Sparkasse statement's number (one statement a bank day)."""
    days = sorted({b.date for v in books.vouchers for b in v.lines if b.beleg1 == "<AZ>"})
    number = {d: f"AZ{i:03d}" for i, d in enumerate(days, start=1)}
    for v in books.vouchers:
        for b in v.lines:
            if b.beleg1 == "<AZ>":
                b.beleg1 = number[b.date]


def _entered(books: _Books) -> None:
    for v in books.vouchers:
        for b in v.lines:
            if b.entered is not None:
                continue
            if b.register == "LOHN":  # the payroll run (before the holidays in December)
                b.entered = next_day(dt.date(YEAR, b.date.month, 17 if b.date.month == 12 else 24), is_office_day)
            else:
                b.entered = books.batch_day(b.date.month, b.register)


def _cells(b: Booking) -> dict[str, object]:
    cells: dict[str, object] = dict.fromkeys(COLUMNS, "")
    cells.update({
        UMSATZ: b.amount, SH: b.sh, "WKZ Umsatz": "EUR", KONTO: b.konto, GEGENKONTO: b.gegenkonto, BU: b.bu,
        BELEGDATUM: ttmm(b.date), BELEG1: b.beleg1, BELEG2: b.beleg2, TEXT: b.text, BELEGLINK: b.beleglink,
        KOST1: b.kost1, EU_ID: b.eu_id, FESTSCHREIBUNG: "0" if b.register == "ABSCHLUSS" else "1",
        ZUORD: ttmmjjjj(b.zuord) if b.zuord else "", GU: "1" if b.gu else "",
    })
    return cells


def generate_datev(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The bicycle retailer's labelled year: one row per booking line of the EXTF Buchungsstapel, in the file's
    order (see the module docstring for the columns)."""
    books = _Books(seed)
    books.opening()
    books.till()
    books.cash_purchases()
    books.web()
    books.sales()
    books.purchases()
    books.payroll()
    books.routines()
    anomalies = _Anomalies(books, per_kind)
    for kind in KINDS:
        if kind != "unbalanced_voucher":
            getattr(anomalies, kind)()
    # until the merchandise system's numbers are given, an invoice is known by its voucher id
    for v in books.vouchers:
        if v.lines and v.lines[0].register == "AR" and not v.number:
            v.number = v.id
    books.receipts()
    books.supplier_payments()
    books.cash_deposits()
    books.card_payouts()
    books.web_settlement()
    books.vat_returns()
    books.closing()
    anomalies.unbalanced_voucher()
    _number_invoices(books)
    _number_till(books)
    _statements(books)
    _entered(books)
    lines = [b for v in books.vouchers for b in v.lines]
    rank = {r: i for i, r in enumerate(REGISTERS)}
    lines.sort(key=lambda b: (b.entered, rank[b.register], b.date, b.seq))
    rows = []
    for n, b in enumerate(lines, start=3):
        row = _cells(b)
        row.update({"file_line": n, "date": pd.Timestamp(b.date), "entered": pd.Timestamp(b.entered),
                    "register": b.register, "user": b.user, "voucher": b.voucher, "party": b.party,
                    "vat_rate": b.vat_rate, "vat_due": b.vat_due, "net": r2(b.amount - b.vat), "vat": b.vat,
                    "anomaly_kind": b.kind, "anomaly_id": b.anomaly_id})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*COLUMNS, *EXTRA])
    frame[UMSATZ] = frame[UMSATZ].astype(float)
    frame[["vat_rate", "vat_due"]] = frame[["vat_rate", "vat_due"]].astype(float)
    return frame


def amount_text(x: float) -> str:
    """Umsatz as DATEV writes it: unsigned, decimal comma, no thousands separator."""
    return f"{x:.2f}".replace(".", ",")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_datev(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The EXTF Buchungsstapel as DATEV expects it (see the module docstring). A folder gets FILE_NAME."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    out = [";".join(HEADER), ";".join(COLUMNS)]
    text_positions = [i for i, c in enumerate(COLUMNS) if c in TEXT_COLUMNS]
    values = ledger[COLUMNS].to_numpy(dtype=object)
    for k, (row, line) in enumerate(zip(values, ledger["file_line"], strict=True)):
        cells = ["" if c is None else str(c) for c in row]
        cells[0] = amount_text(float(row[0]))
        for i in text_positions:
            cells[i] = _quote(cells[i])
        out.append(";".join(cells))
        if len(out) != line:
            raise ValueError(f"booking {k} written on line {len(out)}, file_line says {line}")
    path.write_bytes(("\r\n".join(out) + "\r\n").encode(ENCODING))
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], generate_datev, write_datev, "voucher", seed=81,
                          out=FILE_NAME)


if __name__ == "__main__":
    main()
