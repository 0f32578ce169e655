"""A fifth labelled ledger generator, written apart from the others, for held-out evaluation.

Fjordlys Restaurantdrift AS, a Norwegian restaurant group: a seafood restaurant on Bryggen (Bergen), a neighbourhood
bistro with a lunch takeaway counter on Nordnes (Bergen), a restaurant on Grünerløkka (Oslo) and a cocktail bar in
Markveien (Oslo). One year, 2025, in NOK on the Norwegian standard chart (NS 4102, 4-digit accounts), departments
(avdelinger) 10 Bryggen, 20 Nordnes, 30 Grünerløkka, 40 Bar Markveien and 90 Fellesadministrasjon. The normal year:

- every trading day of every location ends with a till settlement (dagsoppgjør, the POS Z-report) booked as one
  voucher: card terminal (Worldline, with the card tips), Vipps and the counted cash against sales net of MVA by
  revenue group (food and soft drinks served, 25 %; alcoholic drinks, always 25 %; takeaway food at Nordnes, 15 %),
  the MVA per rate, the card tips owed to the staff, now and then a gift card sold or redeemed and a small cash
  difference (kassedifferanse). The restaurants trade seven days a week (Bryggen is closed on Mondays and Tuesdays
  in its January-March winter hours, Nordnes closes for three weeks in January and for the fellesferie weeks in
  July, and its takeaway counter is open on weekdays), the bar Wednesday to Sunday; all are closed on Christmas
  Eve, Christmas Day and New Year's Day. Fridays and Saturdays
  are the busy days; Bryggen has its tourist summer on the terrace, Oslo empties in July, December is the julebord
  peak, January the slump; 17 May and New Year's Eve are big nights;
- each restaurant manager approves her own location's tills on her next working day (the Bryggen and bar managers
  work Tuesday-Saturday, Nordnes Monday-Friday, Grünerløkka Wednesday-Sunday), so weekend tills are registered on
  Sunday, Monday or Tuesday;
- Worldline pays the card takings of all four locations gross one or two bank days later (the weekend's on
  Monday or Tuesday), one bank voucher a bank day, and invoices its fees monthly, per location; Vipps the same; the
  counted cash goes to the bank on the first Monday of the month;
- wholesalers and local suppliers deliver several times a week: ASKO twice a week to Bryggen and Grünerløkka,
  weekly to Nordnes (its meat and fish too), fortnightly to the bar; fish from Vågen Fisk (Bergen, twice a week)
  and Oslo Sjømat Engros, meat from Vestlandskjøtt and Oslo Kjøttforsyning, bread on a monthly statement, beer from
  Hansa Borg and Ringnes, wine and spirits from importers (and Vinmonopolet for the bar's odd bottle), disposables
  from Tingstad; some credit notes for returned or short deliveries. Overheads: monthly rent (the Oslo premises
  quarterly in advance,
  periodised by the controller), Fjordkraft electricity, cleaning, Elis linen, waste (BIR, Norsk Gjenvinning),
  kitchen equipment leasing, the Munu POS subscription split over the locations, Planday staff scheduling bought
  from Denmark (reverse-charge MVA, code 86), telephone, the accounting office, insurance, TONO and Gramo music
  licences, the municipalities' alcohol licence fees (bevillingsgebyr), the auditor, repairs and small equipment.
  The external accountant (regnskapsfører) registers the supplier invoices in weekly Tuesday batches (some wait a
  batch or two for the manager's approval; nothing is registered in her three July holiday weeks), reconciles the
  bank on Tuesdays and Fridays, and pays the registered invoices in a Thursday payment run (one bank voucher a run,
  one line per supplier);
- payroll on the 10th for the previous month's hours (many part-timers; wages follow the previous month's
  trade), with card tips paid out through payroll, forskuddstrekk moved to the skattetrekkskonto (1950),
  arbeidsgiveravgift 14.1 % (zone I), feriepenger 10.2 % accrued monthly and paid with the May wages on 10 June,
  half tax in December, OTP pension invoiced by Storebrand; the payroll system posts each run two bank days before
  pay day (registration before the posting date). Forskuddstrekk and arbeidsgiveravgift are paid on the 15th of
  every other month (A-melding terms); MVA terms are bimonthly, settled by the accountant and paid on the 10th
  of the second month after the term (31 August for May-June);
- sales invoices (utgående faktura) only for company dinners and julebord, issued by the restaurant manager after
  the event and paid by the customer in two to five weeks;
- the group controller's month-end journals (dated on the month's last day whatever weekday it is, registered in
  the first working week of the next month): stock count (varetelling), depreciation, periodised Oslo rent, and
  accrued electricity reversed on the 1st of the next month. Loan interest and instalments quarterly, bank fees
  monthly. Norwegian public holidays are computed from Easter; 24 and 31 December are not bank days.

Voucher series are number ranges, one per voucher type, each numbered in the order of registration: 100001-
Dagsoppgjør, 200001- Leverandørfaktura, 300001- Utgående faktura, 400001- Bank, 500001- Lønn, 600001- Memorial.
Users: Ingrid Haugland (the accountant), Thomas Berg (group controller), Marte Solheim, Jonas Vik, Sara Ahmadi and
Emil Strand (the managers of Bryggen, Nordnes, Grünerløkka and the bar) and "Lønn (API)" (the payroll system).

The approval limit: a supplier invoice of NOK 40 000 or more including MVA needs the controller's approval on top of
the restaurant manager's (APPROVAL_LIMIT). The export has no counterparty column: suppliers and customers are named
in the description only.

The same anomaly kinds as `generate_ledger.KINDS`, injected as they would happen in this group (see `_Anomalies`);
every line of an instance carries its kind and an `anomaly_id`, normal lines have '' for both. A duplicate's label is
on the second registration only. Detectors are never tuned on this generator: it is reported as held out.

The export is a Tripletex-style hovedbok/bilagsjournal CSV: UTF-8 with a byte order mark, CRLF, semicolon-separated,
decimal comma with a no-break space as thousands separator ("-12 345,50"), dates dd.mm.yyyy, the registration time
dd.mm.yyyy hh:mm, one signed amount column (debit positive), in voucher-number order. Columns "Bilagsnummer",
"Bilagsdato", "Bilagstype", "Konto", "Kontonavn", "Avdeling", "Beskrivelse", "Mva-kode", "Beløp", "Registrert av",
"Registrert".

    python -m benchmarks.generate_hospitality --seed 7 --out hospitality.csv [--per-kind 6]
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.easter import easter

from benchmarks.generate_ledger import KINDS
from benchmarks.generator_cli import generator_main

YEAR = 2025
APPROVAL_LIMIT = 40_000.0  # NOK incl. MVA: from here on a supplier invoice needs the controller's approval too
COLUMNS = ["Bilagsnummer", "Bilagsdato", "Bilagstype", "Konto", "Kontonavn", "Avdeling", "Beskrivelse", "Mva-kode",
           "Beløp", "Registrert av", "Registrert"]

ACCOUNTS = {
    "1200": "Maskiner og anlegg", "1250": "Inventar", "1460": "Varelager mat og drikke",
    "1500": "Kundefordringer", "1570": "Lønnsforskudd ansatte", "1580": "Kortoppgjør til gode (Worldline)",
    "1581": "Vipps til gode", "1700": "Forskuddsbetalt leie", "1900": "Kontanter",
    "1920": "Bankinnskudd driftskonto", "1950": "Skattetrekkskonto", "2220": "Lån DNB",
    "2400": "Leverandørgjeld", "2600": "Forskuddstrekk", "2700": "Utgående mva høy sats",
    "2701": "Utgående mva tjenester kjøpt fra utlandet", "2702": "Utgående mva middels sats",
    "2710": "Inngående mva høy sats", "2711": "Inngående mva tjenester kjøpt fra utlandet",
    "2712": "Inngående mva middels sats", "2740": "Oppgjørskonto merverdiavgift",
    "2770": "Skyldig arbeidsgiveravgift", "2785": "Påløpt arbeidsgiveravgift på feriepenger",
    "2790": "Skyldig pensjon (OTP)", "2905": "Utstedte gavekort", "2935": "Tips til fordeling",
    "2940": "Skyldige feriepenger", "2960": "Påløpte kostnader",
    "3000": "Salg mat og alkoholfri drikke, servering", "3020": "Salg alkoholholdig drikke",
    "3060": "Salg selskaper og arrangementer", "3100": "Salg takeaway",
    "4300": "Innkjøp mat", "4310": "Innkjøp alkoholfri drikke og kaffe", "4320": "Innkjøp øl og cider",
    "4330": "Innkjøp vin og brennevin", "4390": "Varelagerendring",
    "5000": "Lønn til ansatte", "5020": "Feriepenger", "5400": "Arbeidsgiveravgift",
    "5420": "Innskuddspensjon (OTP)", "6010": "Avskrivning", "6300": "Leie lokaler", "6340": "Lys og varme",
    "6360": "Renhold", "6390": "Renovasjon", "6400": "Leie maskiner og utstyr", "6420": "Leie datasystemer",
    "6540": "Inventar og utstyr", "6550": "Driftsmateriale", "6570": "Leie linnetøy og arbeidstøy",
    "6620": "Reparasjon og vedlikehold utstyr", "6705": "Revisjonshonorar", "6720": "Regnskapshonorar",
    "6790": "Musikklisenser (TONO/Gramo)", "6900": "Telefon og internett", "7320": "Reklamekostnad",
    "7500": "Forsikringspremie", "7770": "Bank- og kortgebyrer", "7780": "Kassedifferanse",
    "7790": "Bevillingsgebyr skjenking", "8150": "Rentekostnad",
}
DEPARTMENTS = {"10": "10 Bryggen", "20": "20 Nordnes", "30": "30 Grünerløkka", "40": "40 Bar Markveien",
               "90": "90 Fellesadministrasjon"}

ACCOUNTANT = "Ingrid Haugland"
CONTROLLER = "Thomas Berg"
PAYROLL = "Lønn (API)"
SERIES = {"Dagsoppgjør": 100_001, "Leverandørfaktura": 200_001, "Utgående faktura": 300_001, "Bank": 400_001,
          "Lønn": 500_001, "Memorial": 600_001}

# input MVA codes (the standard SAF-T codes Norwegian systems use; on sales 3 is 25 % and 31 is 15 %): the VAT
# account and rate each one posts
INPUT_VAT = {"1": ("2710", 0.25), "11": ("2712", 0.15)}
REVERSE_CHARGE = "86"  # services bought from abroad: 25 % both as input (2711) and output (2701)
MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
          "november", "desember"]


# --------------------------------------------------------------------------------------------------- calendar
def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday."""
    return easter(year)


def norwegian_holidays(year: int) -> dict[dt.date, str]:
    """The Norwegian public holidays (helligdager and the two statutory days, 1 and 17 May)."""
    easter = easter_sunday(year)
    days = {
        dt.date(year, 1, 1): "Nyttårsdag",
        easter - dt.timedelta(days=3): "Skjærtorsdag",
        easter - dt.timedelta(days=2): "Langfredag",
        easter: "1. påskedag",
        easter + dt.timedelta(days=1): "2. påskedag",
        dt.date(year, 5, 1): "Arbeidernes dag",
        dt.date(year, 5, 17): "Grunnlovsdag",
        easter + dt.timedelta(days=39): "Kristi himmelfartsdag",
        easter + dt.timedelta(days=49): "1. pinsedag",
        easter + dt.timedelta(days=50): "2. pinsedag",
        dt.date(year, 12, 25): "1. juledag",
        dt.date(year, 12, 26): "2. juledag",
    }
    return dict(sorted(days.items()))


HOLIDAYS = {**norwegian_holidays(YEAR), **norwegian_holidays(YEAR + 1)}
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
ACCOUNTANT_HOLIDAY = (dt.date(YEAR, 7, 7), dt.date(YEAR, 7, 25))  # her three weeks in July


def days_of_year() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def is_bank_day(day: dt.date) -> bool:
    """Norwegian banks settle on weekdays that are not public holidays, Christmas Eve or New Year's Eve."""
    return day.weekday() < 5 and day not in HOLIDAYS and (day.month, day.day) not in ((12, 24), (12, 31))


def next_bank_day(day: dt.date, after: bool = False) -> dt.date:
    """The first bank day on or (after=True) strictly after `day`."""
    day = day + dt.timedelta(days=1) if after else day
    while not is_bank_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_bank_day(day: dt.date) -> dt.date:
    while not is_bank_day(day):
        day -= dt.timedelta(days=1)
    return day


def add_bank_days(day: dt.date, n: int) -> dt.date:
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        day += dt.timedelta(days=step)
        while not is_bank_day(day):
            day += dt.timedelta(days=step)
    return day


def month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def accountant_day(day: dt.date, weekdays: tuple[int, ...]) -> dt.date:
    """The accountant's first working day on or after `day` that falls on one of `weekdays` (a Tuesday batch is
    done on the Wednesday when the Tuesday is a holiday); nothing in her July holiday."""
    while True:
        if day.weekday() in weekdays and not ACCOUNTANT_HOLIDAY[0] <= day <= ACCOUNTANT_HOLIDAY[1]:
            return day if is_bank_day(day) else next_bank_day(day)
        day += dt.timedelta(days=1)


def invoice_batch(day: dt.date) -> dt.date:
    """The Tuesday batch in which the accountant registers what arrived by `day`."""
    return accountant_day(day, (1,))


def bank_reconciliation(day: dt.date) -> dt.date:
    """The accountant reconciles the bank on Tuesdays and Fridays."""
    return accountant_day(day, (1, 4))


# --------------------------------------------------------------------------------------------------- the books
@dataclass
class Line:
    account: str
    amount: float
    text: str
    dept: str = ""
    vat: str = ""


@dataclass
class Voucher:
    series: str
    date: dt.date
    registered: dt.datetime
    user: str
    lines: list[Line]
    kind: str = ""
    anomaly_id: str = ""
    role: str = ""  # what the voucher is ("till", "purchase", "payment_run", ...), for choosing what to alter
    dept: str = ""
    seq: int = 0


@dataclass(frozen=True)
class Location:
    dept: str
    name: str
    manager: str
    manager_days: tuple[int, ...]  # weekdays (Mon=0) on which the manager works and approves tills
    approves_at: tuple[int, int]  # hour range of the approvals
    base: float  # gross takings incl. MVA on an ordinary Thursday of an ordinary month
    weekday: tuple[float, ...]
    season: tuple[float, ...]
    alcohol: float  # alcohol's share of takings
    takeaway: float  # takeaway's share of takings on weekdays (Nordnes' lunch counter)
    cash_days: float  # share of days with any cash takings
    vipps: tuple[float, float]
    tips: tuple[float, float]  # card tips as a share of card takings
    card_fee: float
    first_z: int

    def open_on(self, day: dt.date) -> bool:
        if (day.month, day.day) in ((12, 24), (12, 25), (1, 1)):
            return False
        if self.dept == "10":  # winter hours: closed on Mondays and Tuesdays January-March
            return not (day.month <= 3 and day.weekday() <= 1)
        if self.dept == "20":  # winter break and fellesferie
            return not (day <= dt.date(YEAR, 1, 19) or dt.date(YEAR, 7, 14) <= day <= dt.date(YEAR, 8, 3)
                        or (day.month, day.day) in ((12, 26), (12, 31)))
        if self.dept == "40":  # the bar is open Wednesday to Sunday
            return day.weekday() >= 2
        return True


RESTAURANT_WEEK = (0.62, 0.70, 0.80, 1.00, 1.40, 1.55, 0.95)
LOCATIONS = (
    Location("10", "Bryggen", "Marte Solheim", (1, 2, 3, 4, 5), (9, 12), 62_000, RESTAURANT_WEEK[:6] + (1.10,),
             (0.60, 0.68, 0.80, 0.92, 1.05, 1.28, 1.60, 1.42, 1.08, 0.88, 0.92, 1.22),
             0.34, 0.0, 0.50, (0.03, 0.07), (0.035, 0.065), 0.0125, 4_817),
    Location("20", "Nordnes", "Jonas Vik", (0, 1, 2, 3, 4), (8, 11), 30_000, (0.80, 0.85, 0.90, 1.00, 1.30, 1.35, 0.85),
             (0.78, 0.86, 0.95, 1.00, 1.05, 1.05, 0.95, 1.00, 1.05, 1.00, 1.05, 1.22),
             0.22, 0.15, 0.45, (0.05, 0.10), (0.03, 0.055), 0.0120, 2_266),
    Location("30", "Grünerløkka", "Sara Ahmadi", (2, 3, 4, 5, 6), (11, 15), 48_000, RESTAURANT_WEEK,
             (0.74, 0.84, 0.95, 1.00, 1.10, 1.12, 0.82, 1.02, 1.06, 1.00, 1.10, 1.32),
             0.38, 0.0, 0.30, (0.04, 0.08), (0.035, 0.06), 0.0115, 3_390),
    Location("40", "Bar Markveien", "Emil Strand", (1, 2, 3, 4, 5), (14, 17), 27_000,
             (0.0, 0.0, 0.60, 0.95, 1.90, 2.20, 0.55),
             (0.72, 0.80, 0.90, 1.00, 1.10, 1.18, 0.95, 1.08, 1.05, 1.00, 1.10, 1.38),
             0.82, 0.0, 0.22, (0.06, 0.12), (0.05, 0.09), 0.0110, 1_904),
)
LOCATION = {loc.dept: loc for loc in LOCATIONS}


@dataclass(frozen=True)
class Agreement:
    """One supplier's deliveries or billing to one department."""
    supplier: str
    dept: str
    schedule: tuple  # ("weekly", weekdays) ("biweekly", weekday, parity) ("monthly", day) ("month_end",)
    # ("annual", month, day) ("quarterly", day) ("random", per month)
    lines: tuple[tuple[str, str, float], ...]  # (account, MVA code, share of the net)
    median: float  # net amount per invoice in an ordinary month
    sigma: float = 0.15
    seasonal: bool = True  # follows the location's trade
    terms: int = 14
    credit_notes: float = 0.0
    split: tuple[str, ...] = ()  # one invoice for several departments, split evenly


FOOD = (("4300", "11", 1.0),)
ASKO = (("4300", "11", 0.85), ("4310", "11", 0.15))
AGREEMENTS = (
    Agreement("ASKO Vest AS", "10", ("weekly", (0, 3)), ASKO, 21_000, 0.18, terms=14, credit_notes=0.04),
    Agreement("ASKO Vest AS", "20", ("weekly", (1,)), ASKO, 23_500, 0.18, terms=14, credit_notes=0.04),
    Agreement("ASKO Oslofjord AS", "30", ("weekly", (1, 4)), ASKO, 17_000, 0.18, terms=14, credit_notes=0.04),
    Agreement("ASKO Oslofjord AS", "40", ("biweekly", 2, 0), (("4310", "11", 0.65), ("4300", "11", 0.35)),
              12_800, 0.2, terms=14),
    Agreement("Vågen Fisk AS", "10", ("weekly", (1, 4)), FOOD, 13_200, 0.25, terms=14, credit_notes=0.06),
    Agreement("Oslo Sjømat Engros AS", "30", ("weekly", (2,)), FOOD, 14_800, 0.22, terms=14, credit_notes=0.05),
    Agreement("Vestlandskjøtt AS", "10", ("weekly", (2,)), FOOD, 16_900, 0.2, terms=14),
    Agreement("Oslo Kjøttforsyning AS", "30", ("biweekly", 1, 1), FOOD, 25_600, 0.2, terms=14),
    Agreement("Bakeriet på Nordnes AS", "10", ("month_end",), FOOD, 12_800, 0.1, terms=20),
    Agreement("Bakeriet på Nordnes AS", "20", ("month_end",), FOOD, 16_200, 0.1, terms=20),
    Agreement("Løkka Bakeri AS", "30", ("month_end",), FOOD, 13_500, 0.1, terms=20),
    Agreement("Hansa Borg Bryggerier ASA", "10", ("biweekly", 3, 0), (("4320", "1", 1.0),), 32_400, 0.2, terms=30),
    Agreement("Hansa Borg Bryggerier ASA", "20", ("monthly", 9), (("4320", "1", 1.0),), 32_400, 0.2, terms=30),
    Agreement("Ringnes AS", "30", ("biweekly", 1, 0), (("4320", "1", 1.0),), 25_600, 0.2, terms=30),
    Agreement("Ringnes AS", "40", ("biweekly", 1, 1), (("4320", "1", 1.0),), 35_100, 0.22, terms=30,
              credit_notes=0.05),
    Agreement("Vinimport Vest AS", "10", ("biweekly", 2, 1), (("4330", "1", 1.0),), 36_500, 0.25, terms=30),
    Agreement("Vinimport Vest AS", "20", ("monthly", 16), (("4330", "1", 1.0),), 25_600, 0.25, terms=30),
    Agreement("Aker Vinimport AS", "30", ("biweekly", 3, 1), (("4330", "1", 1.0),), 31_000, 0.25, terms=30),
    Agreement("Aker Vinimport AS", "40", ("biweekly", 3, 0), (("4330", "1", 1.0),), 39_000, 0.25, terms=30),
    Agreement("Vinmonopolet", "40", ("monthly", 12), (("4330", "1", 1.0),), 3_800, 0.4, terms=14),
    Agreement("Tingstad AS", "10", ("monthly", 20), (("6550", "1", 1.0),), 6_800, 0.2, terms=30),
    Agreement("Tingstad AS", "20", ("monthly", 20), (("6550", "1", 1.0),), 7_400, 0.2, terms=30),
    Agreement("Tingstad AS", "30", ("monthly", 20), (("6550", "1", 1.0),), 5_900, 0.2, terms=30),
    # overheads
    Agreement("Bryggen Eiendom AS", "10", ("monthly", 15), (("6300", "1", 1.0),), 118_000, 0.0, False, 14),
    Agreement("Nordnes Næringseiendom AS", "20", ("monthly", 15), (("6300", "1", 1.0),), 61_500, 0.0, False, 14),
    Agreement("Thorvald Meyers gate 34 AS", "30", ("quarterly", 15), (("1700", "1", 1.0),), 255_000, 0.0, False,
              14),
    Agreement("Markveien Gård AS", "40", ("quarterly", 15), (("1700", "1", 1.0),), 144_000, 0.0, False, 14),
    Agreement("Fjordkraft AS", "10", ("monthly", 5), (("6340", "1", 1.0),), 14_000, 0.08, False, 14),
    Agreement("Fjordkraft AS", "20", ("monthly", 5), (("6340", "1", 1.0),), 7_800, 0.08, False, 14),
    Agreement("Fjordkraft AS", "30", ("monthly", 5), (("6340", "1", 1.0),), 11_000, 0.08, False, 14),
    Agreement("Fjordkraft AS", "40", ("monthly", 5), (("6340", "1", 1.0),), 4_900, 0.08, False, 14),
    Agreement("Vestland Renhold AS", "10", ("month_end",), (("6360", "1", 1.0),), 21_000, 0.04, False, 14),
    Agreement("Vestland Renhold AS", "20", ("month_end",), (("6360", "1", 1.0),), 12_500, 0.04, False, 14),
    Agreement("Oslo Proffrenhold AS", "30", ("month_end",), (("6360", "1", 1.0),), 17_500, 0.04, False, 14),
    Agreement("Elis Norge AS", "10", ("monthly", 3), (("6570", "1", 1.0),), 7_200, 0.12, True, 30),
    Agreement("Elis Norge AS", "20", ("monthly", 3), (("6570", "1", 1.0),), 4_300, 0.12, True, 30),
    Agreement("Elis Norge AS", "30", ("monthly", 3), (("6570", "1", 1.0),), 6_100, 0.12, True, 30),
    Agreement("BIR Bedrift AS", "10", ("monthly", 8), (("6390", "1", 1.0),), 4_600, 0.15, True, 20),
    Agreement("BIR Bedrift AS", "20", ("monthly", 8), (("6390", "1", 1.0),), 2_900, 0.15, True, 20),
    Agreement("Norsk Gjenvinning Norge AS", "30", ("monthly", 8), (("6390", "1", 1.0),), 3_900, 0.15, True, 20),
    Agreement("DNB Finans", "10", ("monthly", 1), (("6400", "1", 1.0),), 6_840, 0.0, False, 20),
    Agreement("DNB Finans", "30", ("monthly", 1), (("6400", "1", 1.0),), 5_910, 0.0, False, 20),
    Agreement("Munu AS", "90", ("monthly", 2), (("6420", "1", 1.0),), 9_960, 0.0, False, 14,
              split=("10", "20", "30", "40")),
    Agreement("Planday A/S", "90", ("monthly", 4), (("6420", REVERSE_CHARGE, 1.0),), 3_950, 0.05, False, 14),
    Agreement("Telenor Norge AS", "90", ("monthly", 6), (("6900", "1", 1.0),), 4_250, 0.06, False, 20),
    Agreement("Bergen Regnskapskontor AS", "90", ("month_end",), (("6720", "1", 1.0),), 27_500, 0.08, False, 14),
    Agreement("Gjensidige Forsikring ASA", "90", ("annual", 1, 10), (("7500", "", 1.0),), 186_400, 0.0, False, 30),
    Agreement("TONO", "10", ("annual", 2, 14), (("6790", "1", 1.0),), 14_800, 0.0, False, 30,
              split=("10", "20", "30", "40")),
    Agreement("Gramo", "10", ("annual", 3, 7), (("6790", "1", 1.0),), 11_600, 0.0, False, 30,
              split=("10", "20", "30", "40")),
    Agreement("Bergen kommune", "10", ("annual", 3, 20), (("7790", "", 1.0),), 52_000, 0.0, False, 30,
              split=("10", "20")),
    Agreement("Oslo kommune", "30", ("annual", 3, 24), (("7790", "", 1.0),), 61_000, 0.0, False, 30,
              split=("30", "40")),
    Agreement("BDO AS", "90", ("annual", 5, 19), (("6705", "1", 1.0),), 46_000, 0.0, False, 30),
    Agreement("Visit Bergen", "10", ("annual", 2, 3), (("7320", "1", 1.0),), 6_500, 0.0, False, 30),
    Agreement("Storkjøkkenservice Vest AS", "10", ("random", 0.7), (("6620", "1", 1.0),), 5_500, 0.8, False, 14),
    Agreement("Storkjøkkenservice Vest AS", "20", ("random", 0.4), (("6620", "1", 1.0),), 4_500, 0.8, False, 14),
    Agreement("Oslo Storkjøkken Service AS", "30", ("random", 0.6), (("6620", "1", 1.0),), 5_000, 0.8, False, 14),
    Agreement("Oslo Storkjøkken Service AS", "40", ("random", 0.3), (("6620", "1", 1.0),), 3_500, 0.8, False, 14),
    Agreement("Kjøkkenpartner AS", "10", ("random", 0.4), (("6540", "1", 1.0),), 6_500, 0.7, False, 30),
    Agreement("Kjøkkenpartner AS", "30", ("random", 0.4), (("6540", "1", 1.0),), 6_000, 0.7, False, 30),
    Agreement("Kjøkkenpartner AS", "40", ("random", 0.3), (("6540", "1", 1.0),), 4_000, 0.7, False, 30),
)
ELECTRICITY_SEASON = (1.50, 1.40, 1.20, 1.00, 0.82, 0.75, 0.74, 0.78, 0.90, 1.08, 1.30, 1.45)
EVENT_CUSTOMERS = ("Vestlandsadvokatene AS", "Bryggen Arkitektkontor AS", "Sjøfart Shipping AS",
                   "Hordaland Eiendomsforvaltning AS", "Fjordnett AS", "Nordsjø Subsea AS", "Bergen Revisjon AS",
                   "Løkka Tech AS", "Oslo Konsulentgruppen AS", "Akerselva Media AS", "Sagene Borettslag",
                   "Norsk Designråd Øst AS", "Grünerløkka Tannklinikk AS", "Vulkan Event AS")
DEPRECIATION = {"10": 38_000.0, "20": 16_500.0, "30": 29_000.0, "40": 14_500.0}
FIXED_SALARIES = {"10": 182_000.0, "20": 118_000.0, "30": 151_000.0, "40": 68_000.0, "90": 162_000.0}
HOURLY_SHARE = 0.215  # hourly wages as a share of the month's trade ex MVA


def r2(x: float) -> float:
    return round(float(x) + 1e-9 if x >= 0 else float(x) - 1e-9, 2)


class _Books:
    """Builds the normal year, voucher by voucher, in business order."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.vouchers: list[Voucher] = []
        self.payables: list[tuple[Voucher, str, str, float, dt.date]] = []  # (voucher, supplier, ref, gross, due)
        self.receivables: list[tuple[dt.date, str, str, float]] = []  # (invoice date, number, customer, gross)
        self.card_takings: list[tuple[dt.date, str, float]] = []  # (trading day, dept, card amount)
        self.vipps_takings: list[tuple[dt.date, str, float]] = []
        self.cash_takings: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
        self.revenue = defaultdict(float)  # (dept, month) -> net sales
        self.tips = defaultdict(float)  # (dept, month) -> card tips owed to the staff
        self.payroll_runs: dict[int, dict] = {}
        self.invoice_series: dict[str, tuple[int, int]] = {}  # supplier -> (first number of the year, per day)
        self.invoice_refs: set[tuple[str, int]] = set()
        self.sales_documents: list[tuple[str, Voucher]] = []  # (placeholder, invoice or credit note)
        self._seq = 0

    # ---------------------------------------------------------------------------------------- primitives
    def at(self, day: dt.date, hours: tuple[float, float]) -> dt.datetime:
        minutes = int(self.rng.integers(int(hours[0] * 60), int(hours[1] * 60)))
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))

    def add(self, series: str, date: dt.date, registered: dt.datetime, user: str, lines: list[Line],
            role: str, dept: str = "") -> Voucher:
        self._seq += 1
        voucher = Voucher(series, date, registered, user, [ln for ln in lines if ln.amount != 0], role=role,
                          dept=dept, seq=self._seq)
        self.vouchers.append(voucher)
        return voucher

    def invoice_no(self, supplier: str, date: dt.date) -> str:
        """The supplier's own invoice number: its running sequence, which all its customers share, at `date`."""
        if supplier not in self.invoice_series:
            self.invoice_series[supplier] = (int(self.rng.integers(10_000, 5_000_000)),
                                             int(self.rng.choice([6, 25, 180, 2_500])))
        start, per_day = self.invoice_series[supplier]
        number = start + (date - FIRST).days * per_day + int(self.rng.integers(0, per_day))
        while (supplier, number) in self.invoice_refs:
            number += 1
        self.invoice_refs.add((supplier, number))
        return str(number)

    def sales_placeholder(self) -> str:
        """Sales invoices and credit notes share one number sequence in issue order; the numbers are filled in
        when the year is complete (`number_sales_documents`)."""
        return f"<{len(self.sales_documents)}>"

    def number_sales_documents(self, first: int = 24_318) -> None:
        ordered = sorted(self.sales_documents, key=lambda item: (item[1].registered, item[1].seq))
        numbers = {placeholder: str(first + i) for i, (placeholder, _) in enumerate(ordered)}
        for v in self.vouchers:
            for ln in v.lines:
                if "<" in ln.text:
                    for placeholder, number in numbers.items():
                        ln.text = ln.text.replace(placeholder, number)

    def season(self, dept: str, month: int) -> float:
        return LOCATION[dept].season[month - 1] if dept in LOCATION else 1.0

    def supplier_registration(self, date: dt.date) -> dt.datetime:
        """EHF or scanned PDF arrives 0-5 days after the invoice date; the next Tuesday batch registers it, unless
        it still waits for the manager's approval (one or two batches later)."""
        arrival = date + dt.timedelta(days=int(self.rng.choice([0, 1, 1, 1, 2, 3, 5])))
        batch = invoice_batch(arrival)
        for _ in range(int(self.rng.choice([0, 0, 0, 0, 0, 0, 0, 1, 1, 2]))):
            batch = invoice_batch(batch + dt.timedelta(days=1))
        return self.at(batch, (8.25, 15.5))

    def bank_registration(self, date: dt.date) -> dt.datetime:
        return self.at(bank_reconciliation(date), (8.0, 15.5))

    # -------------------------------------------------------------------------------------- supplier invoices
    def purchase_lines(self, supplier: str, ref: str, nets: list[tuple[str, str, float, str]],
                       credit: bool = False) -> tuple[list[Line], float]:
        """Expense lines, one MVA line per code, the payable; nets are (account, code, net, dept)."""
        word = "kreditnota" if credit else "faktura"
        text = f"{supplier} {word} {ref}"
        sign = -1.0 if credit else 1.0
        lines = [Line(acc, sign * net, text, d, code) for acc, code, net, d in nets]
        vat_by_code: dict[str, float] = defaultdict(float)
        for _, code, net, _ in nets:
            if code:
                vat_by_code[code] += net
        gross = sum(net for _, _, net, _ in nets)
        for code, base in vat_by_code.items():
            if code == REVERSE_CHARGE:
                vat = r2(base * 0.25)
                lines += [Line("2711", sign * vat, text, "", code), Line("2701", -sign * vat, text, "", code)]
            else:
                account, rate = INPUT_VAT[code]
                vat = r2(base * rate)
                lines.append(Line(account, sign * vat, text, "", code))
                gross += vat
        gross = r2(gross)
        lines.append(Line("2400", -sign * gross, text))
        return lines, sign * gross

    def supplier_invoice(self, agreement: Agreement, date: dt.date, net: float, credit: bool = False,
                         ref: str | None = None) -> Voucher:
        ref = ref or self.invoice_no(agreement.supplier, date)
        depts = agreement.split or (agreement.dept,)
        nets = []
        for d in depts:
            for account, code, share in agreement.lines:
                jitter = 1.0 if len(agreement.lines) == 1 else float(self.rng.uniform(0.85, 1.15))
                nets.append((account, code, r2(net * share * jitter / len(depts)), d))
        lines, gross = self.purchase_lines(agreement.supplier, ref, nets, credit)
        voucher = self.add("Leverandørfaktura", date, self.supplier_registration(date), ACCOUNTANT, lines,
                           "credit_note" if credit else "purchase", agreement.dept)
        due = date + dt.timedelta(days=agreement.terms)
        self.payables.append((voucher, agreement.supplier, ref, gross, due))
        return voucher

    def schedule_dates(self, agreement: Agreement) -> list[dt.date]:
        kind = agreement.schedule[0]
        days = days_of_year()
        if kind == "weekly":
            dates = [d for d in days if d.weekday() in agreement.schedule[1]]
        elif kind == "biweekly":
            _, weekday, parity = agreement.schedule
            dates = [d for d in days if d.weekday() == weekday and d.isocalendar()[1] % 2 == parity]
        elif kind == "monthly":
            dates = [dt.date(YEAR, m, agreement.schedule[1]) for m in range(1, 13)]
        elif kind == "month_end":
            dates = [previous_bank_day(month_end(YEAR, m)) for m in range(1, 13)]
        elif kind == "quarterly":
            dates = [dt.date(YEAR, m, agreement.schedule[1]) for m in (3, 6, 9, 12)]
        elif kind == "annual":
            dates = [dt.date(YEAR, agreement.schedule[1], agreement.schedule[2])]
        else:  # random call-outs and orders on working days
            per_month = agreement.schedule[1]
            working = [d for d in days if is_bank_day(d)]
            count = int(self.rng.poisson(per_month * 12))
            dates = sorted(self.rng.choice(working, size=count, replace=False).tolist())
        # wholesalers do not deliver on public holidays (the delivery comes the next day), billing runs date
        # invoices on bank days; nothing is delivered to a location while it is closed for weeks
        out = []
        for d in dates:
            if kind in ("weekly", "biweekly"):
                if d in HOLIDAYS:
                    d = next_bank_day(d)
            else:
                d = next_bank_day(d)
            if d.year != YEAR:
                continue
            if agreement.dept == "20" and kind in ("weekly", "biweekly") and not LOCATION["20"].open_on(d):
                continue
            out.append(d)
        return out

    def purchases(self) -> None:
        for agreement in AGREEMENTS:
            for date in self.schedule_dates(agreement):
                factor = self.season(agreement.dept, date.month) if agreement.seasonal else 1.0
                if agreement.supplier == "Fjordkraft AS":  # billed on the 5th for last month's consumption
                    factor = ELECTRICITY_SEASON[(date.month - 2) % 12]
                noise = float(self.rng.lognormal(0.0, agreement.sigma)) if agreement.sigma else 1.0
                net = r2(agreement.median * factor * noise)
                invoice = self.supplier_invoice(agreement, date, net)
                if self.rng.random() < agreement.credit_notes:  # short delivery, returned or spoilt goods
                    credit_date = next_bank_day(date + dt.timedelta(days=int(self.rng.integers(1, 8))))
                    if credit_date.year == YEAR:
                        share = float(self.rng.uniform(0.03, 0.18))
                        self.supplier_invoice(agreement, credit_date, r2(net * share), credit=True,
                                              ref=f"{self.invoice_no(agreement.supplier, credit_date)} (ref. "
                                                  f"{invoice.lines[0].text.split()[-1]})")

    # ------------------------------------------------------------------------------------------------ tills
    def takings(self, loc: Location, day: dt.date) -> float:
        factor = loc.weekday[day.weekday()] * loc.season[day.month - 1]
        if day == dt.date(YEAR, 5, 17):
            factor *= 1.6 if loc.dept != "40" else 1.3
        elif (day.month, day.day) == (12, 23):
            factor *= 1.35
        elif (day.month, day.day) == (12, 31):
            factor *= 2.4 if loc.dept == "40" else 1.4
        elif dt.date(YEAR, 11, 14) <= day <= dt.date(YEAR, 12, 20) and day.weekday() in (4, 5):
            factor *= 1.30  # julebord
        elif day.month == 4 and dt.date(YEAR, 4, 17) <= day <= dt.date(YEAR, 4, 21):
            factor *= 1.12 if loc.dept in ("10", "20") else 0.8  # Easter: Bergen gets visitors, Oslo empties
        return float(round(loc.base * factor * self.rng.lognormal(0.0, 0.17)))

    def till(self, loc: Location, day: dt.date, znr: int) -> Voucher:
        """One dagsoppgjør: gross takings in whole kroner (menu prices are), split by revenue group and by means
        of payment, booked net of MVA with the card tips owed to the staff."""
        rng = self.rng
        total = self.takings(loc, day)
        takeaway_share = loc.takeaway if day.weekday() < 5 else 0.0  # the lunch counter: weekdays only
        takeaway = float(round(total * takeaway_share * rng.uniform(0.8, 1.2)))
        alcohol = float(round((total - takeaway) * loc.alcohol * rng.uniform(0.88, 1.12)))
        food = total - takeaway - alcohol
        gift_sold = float(rng.choice([500, 1000, 1000, 1500, 2000, 3000])) * int(rng.integers(1, 4)) if (
            rng.random() < (0.25 if day.month == 12 else 0.03)) else 0.0
        gift_redeemed = float(rng.choice([500, 1000, 1000, 1500, 2000])) if (
            rng.random() < (0.15 if day.month == 1 else 0.05)) else 0.0
        cash = float(round(total * rng.uniform(0.01, 0.045))) if rng.random() < loc.cash_days else 0.0
        vipps = float(round(total * rng.uniform(*loc.vipps)))
        card_sales = total + gift_sold - gift_redeemed - cash - vipps
        tips = float(round(card_sales * rng.uniform(*loc.tips)))
        card = card_sales + tips
        counted = cash
        if cash and rng.random() < 0.2:
            counted = cash + float(rng.choice([-300, -200, -100, -50, -20, -10, 10, 20, 50, 100]))
        where, d = loc.name, loc.dept
        text = f"Z {znr} {where} {day:%d.%m.%Y}"
        lines = [Line("1580", card, f"{text} bankkort", d), Line("1581", vipps, f"{text} Vipps", d),
                 Line("1900", counted, f"{text} kontant", d),
                 Line("7780", cash - counted, f"{text} kassedifferanse", d),
                 Line("2905", gift_redeemed, f"{text} gavekort innløst", d)]
        net_food, net_alcohol = r2(food / 1.25), r2(alcohol / 1.25)
        net_takeaway = r2(takeaway / 1.15)
        lines += [Line("3000", -net_food, f"{text} mat og alkoholfri drikke", d, "3"),
                  Line("3020", -net_alcohol, f"{text} alkoholholdig drikke", d, "3"),
                  Line("3100", -net_takeaway, f"{text} takeaway", d, "31"),
                  Line("2700", -r2(food + alcohol - net_food - net_alcohol), f"{text} utgående mva 25 %", d, "3"),
                  Line("2702", -r2(takeaway - net_takeaway), f"{text} utgående mva 15 %", d, "31"),
                  Line("2905", -gift_sold, f"{text} gavekort solgt", d),
                  Line("2935", -tips, f"{text} tips bankkort", d)]
        registered = self.manager_registration(loc, day)
        voucher = self.add("Dagsoppgjør", day, registered, loc.manager, lines, "till", d)
        self.card_takings.append((day, d, card))
        self.vipps_takings.append((day, d, vipps))
        if counted:
            self.cash_takings[d].append((day, counted))
        self.revenue[d, day.month] += net_food + net_alcohol + net_takeaway
        self.tips[d, day.month] += tips
        return voucher

    def manager_registration(self, loc: Location, day: dt.date) -> dt.datetime:
        """The manager counts the cash and approves a day's till on her next working day."""
        approve = day + dt.timedelta(days=1)
        while approve.weekday() not in loc.manager_days:
            approve += dt.timedelta(days=1)
        return self.at(approve, loc.approves_at)

    def tills(self) -> None:
        for loc in LOCATIONS:
            znr = loc.first_z
            for day in days_of_year():
                if loc.open_on(day):
                    self.till(loc, day, znr)
                    znr += 1

    # ------------------------------------------------------------------------------------------------- bank
    def settlements(self) -> None:
        """Worldline and Vipps pay each location's takings gross one or two bank days after the trading day (all
        the weekend's on Monday or Tuesday), one bank voucher per payer and bank day, and invoice their fees for
        the month early in the next."""
        for payer, takings, account, delay in (("Worldline", self.card_takings, "1580", (1, 1, 1, 2)),
                                               ("Vipps MobilePay", self.vipps_takings, "1581", (1, 2, 2))):
            by_bank_day: dict[dt.date, float] = defaultdict(float)
            for day, _, amount in takings:
                paid = add_bank_days(day if is_bank_day(day) else previous_bank_day(day),
                                     int(self.rng.choice(delay)))
                by_bank_day[paid] += amount
            for paid in sorted(by_bank_day):
                if paid.year != YEAR:
                    continue
                gross = r2(by_bank_day[paid])
                text = f"{payer} oppgjør {paid:%d.%m.%Y}"
                self.add("Bank", paid, self.bank_registration(paid), ACCOUNTANT,
                         [Line("1920", gross, text), Line(account, -gross, text)], "settlement")
        for supplier, takings, rate, day_of_month in (
                ("Worldline Norge AS", self.card_takings, lambda d: LOCATION[d].card_fee, 3),
                ("Vipps MobilePay AS", self.vipps_takings, lambda d: 0.0175, 6)):
            for month in range(1, 12):
                day = next_bank_day(dt.date(YEAR, month + 1, day_of_month))
                ref = self.invoice_no(supplier, day)
                text = f"{supplier} faktura {ref} transaksjonsgebyrer {MONTHS[month - 1]}"
                fees = {d: r2(sum(a for t, dd, a in takings if dd == d and t.month == month) * rate(d))
                        for d in LOCATION}
                lines = [Line("7770", fee, text, d) for d, fee in fees.items()]
                gross = r2(sum(fees.values()))
                lines.append(Line("2400", -gross, text))
                voucher = self.add("Leverandørfaktura", day, self.supplier_registration(day), ACCOUNTANT, lines,
                                   "purchase", "90")
                self.payables.append((voucher, supplier, ref, gross, day + dt.timedelta(days=10)))

    def cash_deposits(self) -> None:
        """The counted cash goes to the bank (Nokas deposit) on the first Monday of the month."""
        mondays = [next_bank_day(d) for d in days_of_year() if d.weekday() == 0 and d.day <= 7 and d.month > 1]
        for dept, takings in self.cash_takings.items():
            since = FIRST
            for monday in mondays:
                amount = r2(sum(a for d, a in takings if since <= d < monday))
                since = monday
                if amount <= 0:
                    continue
                text = f"Innskudd kontanter {LOCATION[dept].name} (Nokas)"
                self.add("Bank", monday, self.bank_registration(monday), ACCOUNTANT,
                         [Line("1920", amount, text), Line("1900", -amount, text, dept)], "cash_deposit")

    def payment_runs(self) -> None:
        """Thursday payment runs: every registered invoice due within the coming week, credit notes netted."""
        open_items = sorted(self.payables, key=lambda p: (p[4], p[0].seq))
        paid: set[int] = set()
        thursdays = [d for d in days_of_year() if d.weekday() == 3]
        for thursday in thursdays:
            run = thursday if is_bank_day(thursday) else previous_bank_day(thursday)
            due = [p for p in open_items if p[0].seq not in paid and p[0].registered.date() <= run
                   and p[4] <= run + dt.timedelta(days=7)]
            if not due:
                continue
            by_supplier: dict[str, list] = defaultdict(list)
            for _, supplier, ref, gross, _ in due:
                by_supplier[supplier].append((ref, gross))
            lines = []
            for supplier, items in by_supplier.items():
                refs = ", ".join(ref for ref, _ in items)
                word = "faktura" if len(items) == 1 else "fakturaer"
                lines.append(Line("2400", r2(sum(g for _, g in items)), f"Betaling {supplier} {word} {refs}"))
            total = r2(sum(ln.amount for ln in lines))
            lines.append(Line("1920", -total, f"Betalingsbunt {run:%d.%m.%Y} ({len(due)} betalinger)"))
            paid.update(p[0].seq for p in due)
            self.add("Bank", run, self.bank_registration(run), ACCOUNTANT, lines, "payment_run")

    def bank_costs(self) -> None:
        balance = 6_000_000.0
        for month in range(1, 13):
            day = previous_bank_day(month_end(YEAR, month))
            fee = r2(self.rng.uniform(1_100, 1_900))
            text = f"DNB gebyrer {MONTHS[month - 1]}"
            self.add("Bank", day, self.bank_registration(day), ACCOUNTANT,
                     [Line("7770", fee, text, "90"), Line("1920", -fee, text)], "bank_fee")
            if month % 3 == 0:
                interest = r2(balance * 0.0640 / 4)
                text = f"DNB lån 8200.44.19775 termin {month // 3}/{YEAR}"
                self.add("Bank", day, self.bank_registration(day), ACCOUNTANT,
                         [Line("8150", interest, f"{text} renter", "90"), Line("2220", 250_000.0, f"{text} avdrag"),
                          Line("1920", -r2(interest + 250_000), text)], "loan")
                balance -= 250_000

    # ---------------------------------------------------------------------------------------------- events
    def events(self) -> None:
        """Company dinners and julebord, invoiced by the restaurant's manager after the event."""
        per_month = (0.8, 1.0, 1.5, 1.5, 2.0, 2.5, 1.0, 1.5, 2.5, 2.5, 6.0, 8.0)
        for loc in LOCATIONS:
            scale = 0.5 if loc.dept == "40" else 1.0
            for month in range(1, 13):
                for _ in range(int(self.rng.poisson(per_month[month - 1] * scale))):
                    last = month_end(YEAR, month).day
                    event_day = dt.date(YEAR, month, int(self.rng.integers(1, last + 1)))
                    if not loc.open_on(event_day):
                        continue
                    issued = event_day + dt.timedelta(days=1)
                    while issued.weekday() not in loc.manager_days:
                        issued += dt.timedelta(days=1)
                    if issued.year != YEAR:
                        continue
                    guests = int(self.rng.integers(14, 70))
                    per_head = float(self.rng.choice([795, 895, 950, 1095, 1250, 1395]))
                    gross = float(round(guests * per_head * self.rng.uniform(1.0, 1.45)))
                    customer = str(self.rng.choice(EVENT_CUSTOMERS))
                    what = "julebord" if month in (11, 12) else "selskap"
                    self.sales_invoice(loc, issued, event_day, customer, what, gross)

    def sales_invoice(self, loc: Location, issued: dt.date, event_day: dt.date, customer: str, what: str,
                      gross: float, vat_rate: float = 0.25, role: str = "sales_invoice",
                      paid: bool = True) -> Voucher:
        number = self.sales_placeholder()
        text = f"Faktura {number} {customer} {what} {event_day:%d.%m}"
        net = r2(gross / (1 + 0.25))
        vat = r2(net * vat_rate) if vat_rate != 0.25 else r2(gross - net)
        gross = r2(net + vat)
        lines = [Line("1500", gross, text), Line("3060", -net, text, loc.dept, "3"),
                 Line("2700", -vat, text, loc.dept, "3")]
        voucher = self.add("Utgående faktura", issued, self.at(issued, (10, 16)), loc.manager, lines, role,
                           loc.dept)
        self.sales_documents.append((number, voucher))
        if paid:
            self.receivables.append((issued, number, customer, gross))
        return voucher

    def customer_receipts(self) -> None:
        for issued, number, customer, gross in self.receivables:
            lag = 14 + int(self.rng.choice([-4, -2, 0, 0, 1, 3, 6, 10, 21]))
            day = next_bank_day(issued + dt.timedelta(days=lag))
            if day.year != YEAR:
                continue
            text = f"Innbetaling faktura {number} {customer}"
            self.add("Bank", day, self.bank_registration(day), ACCOUNTANT,
                     [Line("1920", gross, text), Line("1500", -gross, text)], "receipt")

    # --------------------------------------------------------------------------------------------- payroll
    def payroll(self) -> None:
        """Pay day the 10th for last month's hours; wages follow last month's trade."""
        december_last_year = {d: self.revenue[d, 12] * 0.95 for d in LOCATION}
        december_tips = {d: self.tips[d, 12] * 0.95 for d in LOCATION}
        mean_wages = None
        for month in range(1, 13):
            pay_day = previous_bank_day(dt.date(YEAR, month, 10))
            worked = MONTHS[(month - 2) % 12]
            lines: list[Line] = []
            totals = defaultdict(float)
            for dept in ("10", "20", "30", "40", "90"):
                if dept in LOCATION:
                    trade = december_last_year[dept] if month == 1 else self.revenue[dept, month - 1]
                    tips = december_tips[dept] if month == 1 else self.tips[dept, month - 1]
                else:
                    trade, tips = 0.0, 0.0
                wages = r2(FIXED_SALARIES[dept] * self.rng.uniform(0.98, 1.03) + HOURLY_SHARE * trade)
                tips = r2(tips)
                holiday_pay = r2(wages * 0.102)
                aga = r2((wages + tips) * 0.141)
                aga_holiday = r2(holiday_pay * 0.141)
                pension = r2(wages * 0.016)
                name = DEPARTMENTS[dept].split(" ", 1)[1]
                lines += [Line("5000", wages, f"Lønn {worked} {name}", dept),
                          Line("2935", tips, f"Tips {worked} {name} utbetalt via lønn", dept),
                          Line("5020", holiday_pay, f"Feriepenger av lønn {worked}", dept),
                          Line("5400", r2(aga + aga_holiday), f"Arbeidsgiveravgift lønn {worked}", dept),
                          Line("5420", pension, f"OTP lønn {worked}", dept)]
                for key, value in (("wages", wages), ("tips", tips), ("holiday_pay", holiday_pay), ("aga", aga),
                                   ("aga_holiday", aga_holiday), ("pension", pension)):
                    totals[key] += value
            if mean_wages is None:
                mean_wages = totals["wages"]
            tax_rate = 0.255 * (0.5 if month == 12 else 1.0)  # halv skatt in December
            tax = r2((totals["wages"] + totals["tips"]) * tax_rate * self.rng.uniform(0.97, 1.03))
            holiday_paid = r2(12 * mean_wages * 0.102 * 0.96) if month == 6 else 0.0
            net = r2(totals["wages"] + totals["tips"] + holiday_paid - tax)
            text = f"Lønnskjøring {pay_day:%d.%m.%Y}"
            lines += [Line("2600", -tax, f"{text} forskuddstrekk"),
                      Line("2770", -r2(totals["aga"]), f"{text} arbeidsgiveravgift"),
                      Line("2785", -r2(totals["aga_holiday"]), f"{text} arbeidsgiveravgift av feriepenger"),
                      Line("2940", -r2(totals["holiday_pay"]), f"{text} feriepenger"),
                      Line("2790", -r2(totals["pension"]), f"{text} OTP")]
            aga_on_paid = 0.0
            if holiday_paid:
                aga_on_paid = r2(holiday_paid * 0.141)
                lines += [Line("2940", holiday_paid, f"Feriepenger opptjent {YEAR - 1} utbetalt"),
                          Line("2785", aga_on_paid, f"Arbeidsgiveravgift av utbetalte feriepenger {YEAR - 1}"),
                          Line("2770", -aga_on_paid, f"Arbeidsgiveravgift av utbetalte feriepenger {YEAR - 1}")]
            lines += [Line("1920", -net, f"{text} nettolønn"),
                      Line("1950", tax, f"{text} overført skattetrekkskonto"),
                      Line("1920", -tax, f"{text} overført skattetrekkskonto")]
            registered = self.at(add_bank_days(pay_day, -2), (13, 16))
            self.add("Lønn", pay_day, registered, PAYROLL, lines, "payroll")
            self.payroll_runs[month] = {"tax": tax, "aga": r2(totals["aga"] + aga_on_paid),
                                        "pension": r2(totals["pension"]), "day": pay_day}

    def pension_invoices(self) -> None:
        for month, run in self.payroll_runs.items():
            day = next_bank_day(dt.date(YEAR, month, 20))
            ref = self.invoice_no("Storebrand Livsforsikring AS", day)
            text = f"Storebrand Livsforsikring AS faktura {ref} innskuddspensjon {MONTHS[month - 1]}"
            lines = [Line("2790", run["pension"], text), Line("2400", -run["pension"], text)]
            voucher = self.add("Leverandørfaktura", day, self.supplier_registration(day), ACCOUNTANT, lines,
                               "pension_invoice", "90")
            self.payables.append((voucher, "Storebrand Livsforsikring AS", ref, run["pension"],
                                  day + dt.timedelta(days=10)))

    def withholding_payments(self) -> None:
        """Forskuddstrekk and arbeidsgiveravgift for the two previous months, on the 15th of odd months."""
        for month in (1, 3, 5, 7, 9, 11):
            day = next_bank_day(dt.date(YEAR, month, 15))
            if month == 1:  # November-December of last year
                tax = r2(self.payroll_runs[1]["tax"] * 1.9 * 0.75)
                aga = r2(self.payroll_runs[1]["aga"] * 1.95)
                term = f"6. termin {YEAR - 1}"
            else:
                runs = (self.payroll_runs[month - 2], self.payroll_runs[month - 1])
                tax, aga = r2(sum(r["tax"] for r in runs)), r2(sum(r["aga"] for r in runs))
                term = f"{(month - 1) // 2}. termin {YEAR}"
            lines = [Line("2600", tax, f"Forskuddstrekk {term}"), Line("1950", -tax, f"Forskuddstrekk {term}"),
                     Line("2770", aga, f"Arbeidsgiveravgift {term}"),
                     Line("1920", -aga, f"Arbeidsgiveravgift {term}")]
            self.add("Bank", day, self.bank_registration(day), ACCOUNTANT, lines, "withholding")

    # ------------------------------------------------------------------------------------------- month end
    def month_end(self) -> None:
        """The controller's journals for each month, dated on its last day."""
        for month in range(1, 13):
            last = month_end(YEAR, month)
            registered_on = add_bank_days(next_bank_day(last + dt.timedelta(days=1)),
                                          int(self.rng.integers(2, 6)))
            name = MONTHS[month - 1]
            count = []
            for loc in LOCATIONS:
                change = r2(self.rng.normal(0, 9_000 if loc.dept != "40" else 5_000))
                text = f"Varetelling {name} {loc.name}"
                count += [Line("1460", change, text, loc.dept), Line("4390", -change, text, loc.dept)]
            self.add("Memorial", last, self.at(registered_on, (9, 16)), CONTROLLER, count, "stock_count")
            lines = [Line("6010", DEPRECIATION[d], f"Avskrivning {name}", d) for d in DEPRECIATION]
            total = sum(DEPRECIATION.values())
            lines += [Line("1200", -r2(total * 0.6), f"Avskrivning {name} maskiner og anlegg"),
                      Line("1250", -r2(total * 0.4), f"Avskrivning {name} inventar")]
            self.add("Memorial", last, self.at(registered_on, (9, 16)), CONTROLLER, lines, "depreciation")
            rent = [("30", 85_000.0), ("40", 48_000.0)]
            lines = [Line("6300", amount, f"Periodisert husleie {name} {LOCATION[d].name}", d) for d, amount in rent]
            lines.append(Line("1700", -sum(a for _, a in rent), f"Periodisert husleie {name}"))
            self.add("Memorial", last, self.at(registered_on, (9, 16)), CONTROLLER, lines, "rent_accrual")
            # electricity for the month, invoiced by Fjordkraft on the 5th of next month
            estimate = {a.dept: r2(a.median * ELECTRICITY_SEASON[month - 1] * self.rng.uniform(0.95, 1.05))
                        for a in AGREEMENTS if a.supplier == "Fjordkraft AS"}
            text = f"Påløpt strøm {name}"
            lines = [Line("6340", amount, text, d) for d, amount in estimate.items()]
            lines.append(Line("2960", -r2(sum(estimate.values())), text))
            self.add("Memorial", last, self.at(registered_on, (9, 16)), CONTROLLER, lines, "accrual")
            if month < 12:
                back = [Line(ln.account, -ln.amount, f"Tilbakeført påløpt strøm {name}", ln.dept) for ln in lines]
                self.add("Memorial", last + dt.timedelta(days=1), self.at(registered_on, (9, 16)), CONTROLLER, back, "accrual_reversal")

    def vat_terms(self) -> None:
        """Bimonthly MVA: the accountant clears the MVA accounts to 2740 at the term's end and pays on the due
        date (the 10th of the second month after, 31 August for May-June)."""
        vat_accounts = ("2700", "2701", "2702", "2710", "2711", "2712")
        due_dates = {1: dt.date(YEAR, 4, 10), 2: dt.date(YEAR, 6, 10), 3: dt.date(YEAR, 8, 31),
                     4: dt.date(YEAR, 10, 10), 5: dt.date(YEAR, 12, 10), 6: dt.date(YEAR + 1, 2, 10)}
        normal = [v for v in self.vouchers if v.kind == ""]
        previous = None
        for term in range(1, 7):
            start, end = dt.date(YEAR, 2 * term - 1, 1), month_end(YEAR, 2 * term)
            balances = defaultdict(float)
            for v in normal:
                if start <= v.date <= end:
                    for ln in v.lines:
                        if ln.account in vat_accounts:
                            balances[ln.account] += ln.amount
            text = f"Mva-oppgjør {term}. termin {YEAR}"
            lines = [Line(acc, -r2(balances[acc]), text) for acc in vat_accounts if r2(balances[acc])]
            payable = r2(sum(ln.amount for ln in lines))
            lines.append(Line("2740", -payable, text))
            due = next_bank_day(due_dates[term])
            registered = self.at(invoice_batch(due - dt.timedelta(days=8)), (9, 15))
            self.add("Memorial", end, registered, ACCOUNTANT, lines, "vat_settlement")
            if term == 1:  # last year's 6th term, paid in February
                previous = r2(payable * 1.45)
                day = next_bank_day(dt.date(YEAR, 2, 10))
                self.vat_payment(day, previous, f"Mva 6. termin {YEAR - 1}")
            if due.year == YEAR:
                self.vat_payment(due, payable, f"Mva {term}. termin {YEAR}")

    def vat_payment(self, day: dt.date, amount: float, text: str) -> None:
        self.add("Bank", day, self.bank_registration(day), ACCOUNTANT,
                 [Line("2740", amount, text), Line("1920", -amount, text)], "vat_payment")


# ------------------------------------------------------------------------------------------------ anomalies
@dataclass
class _Anomalies:
    """Each kind as it would happen in this group. Alterations of existing vouchers (a misdated till, a late
    registration, the wrong user, a dropped line) keep everything else about the voucher; new vouchers look like
    the group's own."""
    books: _Books
    per_kind: int
    used: set[int] = field(default_factory=set)
    count: int = 0

    @property
    def rng(self) -> np.random.Generator:
        return self.books.rng

    def label(self, kind: str, vouchers: list[Voucher]) -> None:
        self.count += 1
        for v in vouchers:
            v.kind, v.anomaly_id = kind, f"H{self.count:03d}"
            self.used.add(v.seq)

    def pick(self, role: str, where=lambda v: True) -> Voucher:
        pool = [v for v in self.books.vouchers if v.role == role and v.kind == "" and v.seq not in self.used
                and where(v)]
        return pool[int(self.rng.integers(len(pool)))]

    def split(self, n: int) -> list[int]:
        """Which of the variants each of n instances is (round robin)."""
        return [i % n for i in range(self.per_kind)]

    def agreement(self, supplier: str, dept: str | None = None) -> Agreement:
        return next(a for a in AGREEMENTS if a.supplier == supplier and (dept is None or a.dept == dept))

    def new_invoice(self, agreement: Agreement, date: dt.date, net: float) -> Voucher:
        voucher = self.books.supplier_invoice(agreement, date, net)
        self.books.payables.pop()  # not paid: disputed, or still waiting in the approval flow
        return voucher

    def run(self) -> None:
        for kind in KINDS:
            getattr(self, kind)()

    # ----------------------------------------------------------------------------------------------- kinds
    def amount_outlier(self) -> None:
        """A regular supplier's invoice 20-60 times its usual size (øre read as kroner, a line of 100 kg typed
        as 1000), or a company dinner invoiced at 20-40 times the usual (price per guest times guests twice)."""
        small = [a for a in AGREEMENTS if a.schedule[0] in ("weekly", "monthly", "month_end") and not a.split
                 and 3_000 <= a.median <= 15_000]
        for variant in self.split(3):
            if variant < 2:
                agreement = small[int(self.rng.integers(len(small)))]
                date = self.rng.choice(self.books.schedule_dates(agreement))
                net = r2(agreement.median * float(self.rng.uniform(20, 60)))
                self.label("amount_outlier", [self.new_invoice(agreement, date, net)])
            else:
                loc = LOCATIONS[int(self.rng.integers(3))]
                day = dt.date(YEAR, int(self.rng.integers(2, 11)), int(self.rng.integers(1, 28)))
                while day.weekday() not in loc.manager_days:
                    day += dt.timedelta(days=1)
                gross = float(round(45_000 * self.rng.uniform(20, 40)))
                customer = str(self.rng.choice(EVENT_CUSTOMERS))
                voucher = self.books.sales_invoice(loc, day, day - dt.timedelta(days=1), customer, "selskap",
                                                   gross, role="anomaly", paid=False)
                self.label("amount_outlier", [voucher])

    def unusual_account_combination(self) -> None:
        """Accounts that never meet: wages paid out of the till, card tips moved into alcohol sales, rent set off
        against a customer receivable, wine paid straight out of the card settlement clearing account."""
        for variant in self.split(4):
            loc = LOCATIONS[int(self.rng.integers(4))]
            day = dt.date(YEAR, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29)))
            while not loc.open_on(day):
                day += dt.timedelta(days=1)
            if variant == 0:
                amount = float(self.rng.choice([1_850, 2_400, 3_150, 4_600]))
                text = f"Kontant utbetalt fra kasse ekstrahjelp {day:%d.%m}"
                lines = [Line("5000", amount, text, loc.dept), Line("1900", -amount, text, loc.dept)]
                voucher = self.books.add("Dagsoppgjør", day, self.books.manager_registration(loc, day), loc.manager,
                                         lines, "anomaly", loc.dept)
            elif variant == 1:
                amount = r2(self.books.tips[loc.dept, day.month] * self.rng.uniform(0.15, 0.3))
                text = f"Omposting tips {MONTHS[day.month - 1]} {loc.name}"
                lines = [Line("2935", amount, text, loc.dept), Line("3020", -amount, text, loc.dept)]
                voucher = self.books.add("Dagsoppgjør", day, self.books.manager_registration(loc, day), loc.manager,
                                         lines, "anomaly", loc.dept)
            elif variant == 2:
                amount = float(self.rng.choice([61_500, 118_000, 85_000])) * 1.25
                text = f"Motregning husleie {MONTHS[day.month - 1]} mot tilgodehavende"
                day = month_end(YEAR, day.month)
                lines = [Line("6300", amount, text, loc.dept), Line("1500", -amount, text)]
                voucher = self.books.add("Memorial", day, self.books.at(add_bank_days(next_bank_day(day), 3),
                                                                        (9, 16)), CONTROLLER, lines, "anomaly")
            else:
                day = next_bank_day(day)
                amount = r2(float(self.rng.uniform(8_000, 30_000)))
                text = f"Vin betalt fra kortoppgjør {day:%d.%m}"
                lines = [Line("4330", amount, text, loc.dept), Line("1580", -amount, text)]
                voucher = self.books.add("Bank", day, self.books.bank_registration(day), ACCOUNTANT, lines,
                                         "anomaly")
            self.label("unusual_account_combination", [voucher])

    def weekend_holiday_posting(self) -> None:
        """What this group never dates on a closed day: a till dated on the holiday the location was closed
        (the manager keyed the wrong date), a bank settlement or customer payment dated on a Sunday when no
        bank settles, the controller's reclassification dated on a holiday mid-month."""
        closed = [(loc, day) for loc in LOCATIONS for day in days_of_year()
                  if not loc.open_on(day) and (day.weekday() >= 5 or day in HOLIDAYS)]
        holidays_in_year = [d for d in HOLIDAYS if d.year == YEAR and d.day not in (1, 31)]
        tills = defaultdict(list)
        for v in self.books.vouchers:
            if v.role == "till" and v.kind == "":
                tills[v.dept].append(v)
        for variant in self.split(3):
            if variant == 0:
                candidates = [(loc, day, v) for loc, day in closed for v in tills[loc.dept]
                              if 0 < abs((v.date - day).days) <= 2 and v.seq not in self.used]
                loc, day, voucher = candidates[int(self.rng.integers(len(candidates)))]
                voucher.date = day
                if voucher.registered.date() <= day:
                    voucher.registered = self.books.manager_registration(loc, day)
            elif variant == 1:
                voucher = self.pick("settlement" if self.rng.random() < 0.5 else "receipt",
                                    lambda v: v.date.month not in (1, 7, 12))
                sunday = voucher.date + dt.timedelta(days=6 - voucher.date.weekday())
                voucher.date = sunday
                voucher.registered = self.books.bank_registration(sunday)
            else:
                day = holidays_in_year[int(self.rng.integers(len(holidays_in_year)))]
                a, b = self.rng.choice(["10", "20", "30"], size=2, replace=False)
                amount = r2(float(self.rng.uniform(4_000, 18_000)))
                text = f"Omposting varekjøp {LOCATION[a].name} til {LOCATION[b].name}"
                voucher = self.books.add("Memorial", day, self.books.at(next_bank_day(day, after=True), (9, 16)),
                                         CONTROLLER, [Line("4300", amount, text, str(b)),
                                                      Line("4300", -amount, text, str(a))], "anomaly")
            self.label("weekend_holiday_posting", [voucher])

    def round_amount(self) -> None:
        """Large round sums keyed by hand: a cash withdrawal to a till in a nearly cashless business, a wage
        advance, an unexplained reclassification between cost accounts."""
        amounts = [25_000, 40_000, 50_000, 75_000, 100_000, 120_000, 150_000, 200_000]
        for variant in self.split(3):
            amount = float(self.rng.choice(amounts))
            loc = LOCATIONS[int(self.rng.integers(4))]
            day = next_bank_day(dt.date(YEAR, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 28))))
            if variant == 0:
                text = f"Kontantuttak til vekselkasse {loc.name}"
                lines = [Line("1900", amount, text, loc.dept), Line("1920", -amount, text)]
                voucher = self.books.add("Bank", day, self.books.bank_registration(day), ACCOUNTANT, lines,
                                         "anomaly")
            elif variant == 1:
                text = "Lønnsforskudd etter avtale"
                lines = [Line("1570", amount, text, loc.dept), Line("1920", -amount, text)]
                voucher = self.books.add("Bank", day, self.books.bank_registration(day), ACCOUNTANT, lines,
                                         "anomaly")
            else:
                text = f"Omposting varekost {MONTHS[day.month - 1]}"
                day = month_end(YEAR, day.month)
                lines = [Line("4330", amount, text, loc.dept), Line("4300", -amount, text, loc.dept)]
                voucher = self.books.add("Memorial", day, self.books.at(add_bank_days(next_bank_day(day), 3),
                                                                        (9, 16)), CONTROLLER, lines, "anomaly")
            self.label("round_amount", [voucher])

    def just_below_approval_limit(self) -> None:
        """A repair or equipment invoice of 95-99.99 % of the limit incl. MVA, so that the manager alone approves
        it (often one of two halves of one job)."""
        choices = [a for a in AGREEMENTS if a.supplier in ("Storkjøkkenservice Vest AS", "Oslo Storkjøkken Service AS",
                                                           "Kjøkkenpartner AS")]
        for _ in range(self.per_kind):
            agreement = choices[int(self.rng.integers(len(choices)))]
            gross = float(self.rng.uniform(0.95, 0.9998)) * APPROVAL_LIMIT
            day = next_bank_day(dt.date(YEAR, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 28))))
            voucher = self.new_invoice(agreement, day, r2(gross / 1.25))
            self.label("just_below_approval_limit", [voucher])

    def duplicate(self) -> None:
        """A supplier invoice registered a second time from the paper copy or the reminder (purring) that came
        after the EHF: same date, text and amounts, a new voucher a few weeks later."""
        for _ in range(self.per_kind):
            original = self.pick("purchase", lambda v: v.date.month < 12)
            days_later = int(self.rng.integers(7, 36))
            copy = Voucher("Leverandørfaktura", original.date,
                           self.books.at(invoice_batch(original.registered.date() + dt.timedelta(days=days_later)),
                                         (8.25, 15.5)), original.user,
                           [Line(ln.account, ln.amount, ln.text, ln.dept, ln.vat) for ln in original.lines],
                           role="anomaly", dept=original.dept)
            self.books._seq += 1
            copy.seq = self.books._seq
            self.books.vouchers.append(copy)
            self.used.add(original.seq)  # the genuine first registration stays normal
            self.label("duplicate", [copy])

    def backdated(self) -> None:
        """Registered 45-150 days after its date: a day's till the manager never approved, found when the MVA
        term was reconciled; a supplier invoice that lay in a drawer until the reminder came."""
        for variant in self.split(2):
            role = "till" if variant == 0 else "purchase"
            voucher = self.pick(role, lambda v: v.date <= dt.date(YEAR, 9, 30))
            late = voucher.date + dt.timedelta(days=int(self.rng.integers(45, 151)))
            if role == "till":
                loc = LOCATION[voucher.dept]
                while late.weekday() not in loc.manager_days:
                    late += dt.timedelta(days=1)
                voucher.registered = self.books.at(late, loc.approves_at)
            else:
                voucher.registered = self.books.at(invoice_batch(late), (8.25, 15.5))
            self.label("backdated", [voucher])

    def unusual_user(self) -> None:
        """A restaurant manager registering a supplier invoice or a customer's payment in the bank herself, the
        controller approving a location's till."""
        for variant in self.split(3):
            if variant == 0:
                voucher = self.pick("purchase", lambda v: v.dept in LOCATION)
                loc = LOCATION[voucher.dept]
                voucher.user = loc.manager
                voucher.registered = self.books.manager_registration(loc, voucher.date)
            elif variant == 1:
                voucher = self.pick("till")
                voucher.user = CONTROLLER
                voucher.registered = self.books.at(next_bank_day(voucher.date, after=True), (9, 16))
            else:
                voucher = self.pick("receipt")
                voucher.user = LOCATIONS[int(self.rng.integers(4))].manager
            self.label("unusual_user", [voucher])

    def broken_vat_ratio(self) -> None:
        """Eat-in food keyed as takeaway-rate (15 %) on the 25 % lines of a till, or a company dinner invoiced
        with 15 % MVA as if it were catering delivered without service."""
        for variant in self.split(2):
            if variant == 0:
                voucher = self.pick("till", lambda v: v.dept in ("10", "30"))
                by_account = {ln.account: ln for ln in voucher.lines}
                food, vat = by_account["3000"], by_account["2700"]
                gross_food = r2(-food.amount * 1.25)
                food.amount = -r2(gross_food / 1.15)
                # the 25 % line now carries 15 % of the food and 25 % of the drinks; the voucher still balances
                vat.amount = r2(-(sum(ln.amount for ln in voucher.lines if ln is not vat)))
                self.label("broken_vat_ratio", [voucher])
            else:
                loc = LOCATIONS[int(self.rng.integers(3))]
                day = dt.date(YEAR, int(self.rng.integers(2, 12)), int(self.rng.integers(1, 28)))
                while day.weekday() not in loc.manager_days:
                    day += dt.timedelta(days=1)
                gross = float(round(int(self.rng.integers(20, 60)) * 1_095 * self.rng.uniform(1.0, 1.3)))
                customer = str(self.rng.choice(EVENT_CUSTOMERS))
                voucher = self.books.sales_invoice(loc, day, day - dt.timedelta(days=1), customer, "selskap",
                                                   gross, vat_rate=0.15, role="anomaly")
                self.label("broken_vat_ratio", [voucher])

    def period_end_reversal(self) -> None:
        """A manager invoicing a 'selskap' on the month's last day to meet the month's sales budget, credited
        in the first days of the next month."""
        months = self.rng.choice(np.arange(1, 12), size=self.per_kind, replace=False)
        for month in months:
            loc = LOCATIONS[int(self.rng.integers(3))]
            last = month_end(YEAR, int(month))
            gross = float(round(self.rng.uniform(45_000, 160_000), -2))
            customer = str(self.rng.choice(EVENT_CUSTOMERS))
            invoice = self.books.sales_invoice(loc, last, last, customer, "selskap", gross, role="anomaly",
                                               paid=False)
            back = last + dt.timedelta(days=int(self.rng.integers(1, 4)))
            while back.weekday() not in loc.manager_days:
                back += dt.timedelta(days=1)
            number = invoice.lines[0].text.split()[1]
            own = self.books.sales_placeholder()
            text = f"Kreditnota {own} til faktura {number} {customer}"
            lines = [Line(ln.account, -ln.amount, text, ln.dept, ln.vat) for ln in invoice.lines]
            credit = self.books.add("Utgående faktura", back, self.books.at(back, (10, 16)), loc.manager, lines,
                                    "anomaly", loc.dept)
            self.books.sales_documents.append((own, credit))
            self.label("period_end_reversal", [invoice, credit])

    def unbalanced_voucher(self) -> None:
        """A till imported without its tips line, a supplier invoice whose MVA line was lost in the EHF import,
        a stock count with two digits transposed on one side."""
        for variant in self.split(3):
            if variant == 0:
                voucher = self.pick("till", lambda v: any(ln.account == "2935" for ln in v.lines))
                voucher.lines = [ln for ln in voucher.lines if ln.account != "2935"]
            elif variant == 1:
                voucher = self.pick("purchase", lambda v: any(ln.account in ("2710", "2712") for ln in v.lines))
                voucher.lines = [ln for ln in voucher.lines if ln.account not in ("2710", "2712")]
            else:
                voucher = self.pick("stock_count")
                line = next(ln for ln in voucher.lines if ln.account == "4390" and abs(ln.amount) >= 1_000)
                digits = f"{abs(line.amount):.2f}"
                swapped = digits[1] + digits[0] + digits[2:] if digits[0] != digits[1] else "9" + digits[1:]
                line.amount = float(swapped) * (1 if line.amount > 0 else -1)
            self.label("unbalanced_voucher", [voucher])

    def daily_spike(self) -> None:
        """One day on which an account takes many times its usual day: a run of wine, beer or equipment
        invoices all dated the same day (a stock-up ahead of a price rise, or invoices that were never
        delivered)."""
        targets = [("Aker Vinimport AS", "30"), ("Hansa Borg Bryggerier ASA", "10"), ("Kjøkkenpartner AS", "10"),
                   ("Vinimport Vest AS", "10"), ("Ringnes AS", "40"), ("Kjøkkenpartner AS", "30")]
        for i in range(self.per_kind):
            supplier, dept = targets[i % len(targets)]
            agreement = self.agreement(supplier, dept)
            account = agreement.lines[0][0]
            daily = defaultdict(float)
            for v in self.books.vouchers:
                if v.kind == "":
                    for ln in v.lines:
                        if ln.account == account and ln.amount > 0:
                            daily[v.date] += ln.amount
            usual = float(np.median(list(daily.values())))
            day = next_bank_day(dt.date(YEAR, int(self.rng.integers(2, 12)), int(self.rng.integers(1, 28))))
            vouchers, total = [], daily.get(day, 0.0)
            while (total < 8 * usual or len(vouchers) < 3) and len(vouchers) < 6:
                net = r2(agreement.median * self.books.season(dept, day.month) * self.rng.uniform(1.3, 2.6))
                vouchers.append(self.new_invoice(agreement, day, net))
                total += net
            self.label("daily_spike", vouchers)


# ------------------------------------------------------------------------------------------------ the frame
def _number(vouchers: list[Voucher]) -> list[tuple[str, Voucher]]:
    numbered = []
    for series, start in SERIES.items():
        own = sorted((v for v in vouchers if v.series == series), key=lambda v: (v.registered, v.date, v.seq))
        numbered += [(str(start + i), v) for i, v in enumerate(own)]
    return numbered


def generate_hospitality(seed: int, per_kind: int = 6) -> pd.DataFrame:
    """The group's labelled year: the export's columns plus `anomaly_kind` and `anomaly_id`."""
    books = _Books(seed)
    books.tills()
    books.events()
    books.purchases()
    books.payroll()
    books.pension_invoices()
    books.withholding_payments()
    books.month_end()
    books.settlements()
    books.cash_deposits()
    books.bank_costs()
    books.customer_receipts()
    _Anomalies(books, per_kind).run()
    books.payment_runs()  # after the anomalies: a late-registered invoice is paid late
    books.vat_terms()
    books.number_sales_documents()
    rows = []
    for number, v in _number(books.vouchers):
        for ln in v.lines:
            rows.append((number, pd.Timestamp(v.date), v.series, ln.account, ACCOUNTS[ln.account],
                         DEPARTMENTS.get(ln.dept, ""), ln.text, ln.vat, r2(ln.amount), v.user,
                         pd.Timestamp(v.registered), v.kind, v.anomaly_id))
    return pd.DataFrame(rows, columns=[*COLUMNS, "anomaly_kind", "anomaly_id"])


def _nok(amount: float) -> str:
    """-12 345,50: decimal comma, a no-break space between thousands."""
    text = f"{abs(amount):,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"-{text}" if amount < 0 else text


def write_hospitality(ledger: pd.DataFrame, path: str | Path) -> Path:
    """The export CSV without the label columns, in the ledger's row order."""
    path = Path(path)
    out = ledger[COLUMNS].copy()
    out["Bilagsdato"] = out["Bilagsdato"].dt.strftime("%d.%m.%Y")
    out["Registrert"] = out["Registrert"].dt.strftime("%d.%m.%Y %H:%M")
    out["Beløp"] = out["Beløp"].map(_nok)
    out.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return path


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], generate_hospitality, write_hospitality, "Bilagsnummer",
                          seed=7, out="hospitality.csv")


if __name__ == "__main__":
    main()
