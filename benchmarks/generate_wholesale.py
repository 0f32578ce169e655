"""A second labelled ledger generator, written apart from `generate_ledger`, for held-out evaluation.

A German wholesale distributor of catering supplies, one year in EUR on the SKR03 chart of accounts:
seasonal sales (spring and the weeks before Christmas) at 19 % or 7 % VAT, payments through a bank import,
supplier invoices entered by a bookkeeper in fortnightly batches (registered one to six weeks after their
document date), monthly payroll, rent and leasing by standing order, quarterly insurance. Voucher series
AR (sales), ER (incoming invoices), BK (bank), LG (payroll), MB (manual), each numbered per year in the
order the entries were registered. No counterparty column: the customer or supplier is in the text.

The same anomaly kinds as `generate_ledger.KINDS`, injected in this company's own way (for instance
threshold avoidance as several invoices of one supplier just under the 25 000 approval limit, a
duplicate as an invoice entered again in the next batch). Detectors are never tuned on this generator:
it is reported as held out.

    python -m benchmarks.generate_wholesale --seed 11 --out wholesale.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from benchmarks.generate_ledger import KINDS

APPROVAL_LIMIT = 25_000.0
CHART = {
    "1200": "Bank", "1400": "Forderungen aus L+L", "1600": "Verbindlichkeiten aus L+L",
    "1571": "Vorsteuer 7 %", "1576": "Vorsteuer 19 %", "1771": "Umsatzsteuer 7 %", "1776": "Umsatzsteuer 19 %",
    "1741": "Verbindlichkeiten Lohnsteuer", "1742": "Verbindlichkeiten soziale Sicherheit",
    "3300": "Wareneingang 7 %", "3400": "Wareneingang 19 %", "4120": "Gehälter", "4130": "Gesetzliche soziale Aufwendungen",
    "4210": "Miete", "4360": "Versicherungen", "4570": "Leasing Fahrzeuge", "4530": "Kfz-Kosten",
    "4930": "Bürobedarf", "4650": "Bewirtungskosten", "4900": "Sonstige Aufwendungen", "4970": "Nebenkosten des Geldverkehrs",
    "8300": "Erlöse 7 % USt", "8400": "Erlöse 19 % USt",
}
SUPPLIERS = {  # name -> (goods account, input VAT account, rate, typical net)
    "Metro Großhandel": ("3400", "1576", 0.19, 6_500), "Edelstahl Krüger": ("3400", "1576", 0.19, 11_000),
    "Kaffeerösterei Berg": ("3300", "1571", 0.07, 3_800), "Bäckerei-Bedarf Huber": ("3300", "1571", 0.07, 2_400),
    "Porzellan Weiß": ("3400", "1576", 0.19, 8_200), "Textil Gastro": ("3400", "1576", 0.19, 4_100),
    "Papier Schulz": ("4930", "1576", 0.19, 320), "Autohaus Süd": ("4530", "1576", 0.19, 650),
}
CUSTOMERS = [f"{kind} {name}" for kind in ("Hotel", "Gasthof", "Kantine", "Café")
             for name in ("Alpenblick", "Seeblick", "Zur Post", "Sonne", "Krone", "Linde", "Adler", "Löwen")]
SEASON = np.array([0.7, 0.7, 1.0, 1.3, 1.3, 1.1, 0.9, 0.8, 1.0, 1.1, 1.5, 1.7])  # Jan..Dec sales weight


class Books:
    """The ledger being written: lines, one voucher at a time."""

    def __init__(self, rng: np.random.Generator, year: int) -> None:
        self.rng, self.year = rng, year
        days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        off = holidays.Germany(years=year, subdiv="BY")
        free = days.day_of_week.isin([5, 6]) | days.isin(pd.to_datetime(list(off.keys())))
        self.workdays, self.free_days = days[~free], days[free]
        self.lines: list[dict] = []
        self.count = 0

    def workday(self, month: int | None = None, after: pd.Timestamp | None = None, within: int = 30) -> pd.Timestamp:
        days = self.workdays
        if month is not None:
            days = days[days.month == month]
        if after is not None:
            later = days[(days > after) & (days <= after + pd.Timedelta(days=within))]
            days = later if len(later) else days[-1:]
        return days[int(self.rng.integers(0, len(days)))]

    def batch_date(self, document: pd.Timestamp) -> pd.Timestamp:
        """The purchase bookkeeper enters invoices every other Friday; an invoice waits one to three batches."""
        fridays = pd.date_range(f"{self.year}-01-03", periods=60, freq="14D")
        waiting = fridays[fridays >= document + pd.Timedelta(days=3)]
        return waiting[min(int(self.rng.integers(0, 3)), len(waiting) - 1)]

    def book(self, series: str, date: pd.Timestamp, registered: pd.Timestamp, user: str, text: str,
             entries: list[tuple[str, float]], kind: str = "", anomaly: str = "") -> None:
        self.count += 1
        for account, amount in entries:
            self.lines.append({"series": series, "doc": self.count, "Buchungsdatum": date,
                               "Erfassungsdatum": registered, "Konto": account, "Kontobezeichnung": CHART[account],
                               "Betrag": round(amount, 2), "Buchungstext": text, "Benutzer": user,
                               "anomaly_kind": kind, "anomaly_id": anomaly})


def _sale(b: Books, date: pd.Timestamp, customer: str, net: float, rate: float = 0.19, user: str = "mkoch",
          vat: float | None = None, **label: str) -> float:
    revenue, tax = ("8400", "1776") if rate == 0.19 else ("8300", "1771")
    net = round(net, 2)
    vat = round(net * rate, 2) if vat is None else round(vat, 2)
    b.book("AR", date, date + pd.Timedelta(days=int(b.rng.integers(0, 2))), user, f"Rechnung {customer}",
           [("1400", net + vat), (revenue, -net), (tax, -vat)], **label)
    return net + vat


def _purchase(b: Books, date: pd.Timestamp, supplier: str, net: float, registered: pd.Timestamp | None = None,
              user: str = "jbauer", text: str | None = None, **label: str) -> float:
    account, vat_account, rate, _ = SUPPLIERS[supplier]
    net = round(net, 2)
    vat = round(net * rate, 2)
    b.book("ER", date, registered if registered is not None else b.batch_date(date), user,
           text or f"ER {supplier} {int(b.rng.integers(10_000, 99_999))}",
           [(account, net), (vat_account, vat), ("1600", -(net + vat))], **label)
    return net + vat


def _bank(b: Books, date: pd.Timestamp, text: str, entries: list[tuple[str, float]]) -> None:
    b.book("BK", date, date + pd.Timedelta(days=int(b.rng.integers(1, 4))), "bankimport", text, entries)


def _normal_year(b: Books) -> None:
    rng = b.rng
    size = dict(zip(CUSTOMERS, rng.lognormal(7.6, 0.7, len(CUSTOMERS)), strict=True))
    share = rng.dirichlet(np.ones(len(CUSTOMERS)) * 0.8)
    for month in range(1, 13):
        for _ in range(int(rng.poisson(130 * SEASON[month - 1]))):
            date = b.workday(month)
            customer = CUSTOMERS[rng.choice(len(CUSTOMERS), p=share)]
            rate = 0.07 if rng.random() < 0.3 else 0.19
            gross = _sale(b, date, customer, size[customer] * rng.lognormal(0, 0.4), rate)
            if rng.random() < 0.93:
                _bank(b, b.workday(after=date + pd.Timedelta(days=7), within=30), f"Zahlungseingang {customer}",
                      [("1200", gross), ("1400", -gross)])
        names = list(SUPPLIERS)
        weight = np.array([4, 2, 3, 3, 2, 2, 3, 2], dtype=float)
        for _ in range(int(rng.poisson(65 * SEASON[month - 1] ** 0.5))):
            date = b.workday(month)
            supplier = names[rng.choice(len(names), p=weight / weight.sum())]
            gross = _purchase(b, date, supplier, SUPPLIERS[supplier][3] * rng.lognormal(0, 0.35))
            _bank(b, b.workday(after=date + pd.Timedelta(days=14), within=20), f"Zahlung {supplier}",
                  [("1600", gross), ("1200", -gross)])
        first = b.workday(month=month, after=pd.Timestamp(b.year, month, 1) - pd.Timedelta(days=1), within=4)
        _bank(b, first, "Dauerauftrag Miete Lagerhalle", [("4210", 8_400.0), ("1200", -8_400.0)])
        _bank(b, first, "Leasingrate Lieferwagen", [("4570", 1_190.0), ("1200", -1_190.0)])
        fee = round(float(rng.uniform(38, 61)), 2)
        _bank(b, pd.Timestamp(b.year, month, 1) + pd.offsets.MonthEnd(0), "Kontoführungsgebühr",
              [("4970", fee), ("1200", -fee)])
        if month % 3 == 1:
            _bank(b, first, "Betriebshaftpflicht Quartal", [("4360", 1_875.0), ("1200", -1_875.0)])
        salaries = round(float(rng.normal(96_000, 1_500)), 2)
        social = round(salaries * 0.21, 2)
        tax = round(salaries * 0.24, 2)
        pay = pd.Timestamp(b.year, month, 1) + pd.offsets.MonthEnd(0) - pd.Timedelta(days=3)
        pay = b.workdays[b.workdays <= pay][-1]
        b.book("LG", pay, pay + pd.Timedelta(days=int(rng.integers(0, 3))), "lohnbuero", f"Lohn {month:02d}/{b.year}",
               [("4120", salaries), ("4130", social), ("1741", -tax), ("1742", -2 * social),
                ("1200", -(salaries - tax - social))])
        _bank(b, b.workday(month=month % 12 + 1) if month < 12 else pay, f"Abführung Lohnsteuer/SV {month:02d}",
              [("1741", tax), ("1742", 2 * social), ("1200", -(tax + 2 * social))])


def _inject(b: Books, kind: str, k: int) -> None:
    rng = b.rng
    label = {"kind": kind, "anomaly": f"{kind}-{k}"}
    customer = CUSTOMERS[int(rng.integers(0, len(CUSTOMERS)))]
    supplier = list(SUPPLIERS)[int(rng.integers(0, 6))]
    if kind == "amount_outlier":  # a mistyped amount: an extra digit or two
        if k % 2:
            _purchase(b, b.workday(), supplier, SUPPLIERS[supplier][3] * float(rng.uniform(15, 40)), **label)
        else:
            _sale(b, b.workday(), customer, float(rng.uniform(60_000, 150_000)), **label)
    elif kind == "unusual_account_combination":
        pairs = [("4120", "8400"), ("4210", "1400"), ("3400", "1776"), ("4650", "1742")]
        debit, credit = pairs[k % len(pairs)]
        amount = round(float(rng.uniform(2_000, 9_000)), 2)
        date = b.workday()
        b.book("MB", date, date + pd.Timedelta(days=2), "skrause", "Umbuchung", [(debit, amount), (credit, -amount)], **label)
    elif kind == "weekend_holiday_posting":
        date = b.free_days[int(rng.integers(0, len(b.free_days)))]
        _sale(b, date, customer, float(rng.lognormal(7.6, 0.5)), **label)
    elif kind == "round_amount":
        amount = float(rng.choice([20_000, 30_000, 45_000, 60_000]))
        date = b.workday()
        b.book("MB", date, date + pd.Timedelta(days=1), "skrause", "Beratungsleistung",
               [("4900", amount), ("1200", -amount)], **label)
    elif kind == "just_below_approval_limit":  # one supplier's invoices split to stay under four-eyes approval
        start = b.workday()
        for _ in range(3):
            gross = float(rng.uniform(APPROVAL_LIMIT - 600, APPROVAL_LIMIT - 5))
            _purchase(b, b.workday(after=start, within=14), "Edelstahl Krüger", gross / 1.19, **label)
    elif kind == "duplicate":  # an invoice entered again in a later batch, same document text
        invoices = [line for line in b.lines if line["series"] == "ER" and not line["anomaly_kind"]
                    and line["Konto"] in ("3300", "3400")]
        original = invoices[int(rng.integers(0, len(invoices)))]
        entries = [(line["Konto"], line["Betrag"]) for line in b.lines if line["doc"] == original["doc"]]
        later = original["Erfassungsdatum"] + pd.Timedelta(days=int(rng.integers(0, 3)))
        b.book("ER", original["Buchungsdatum"] + pd.Timedelta(days=int(rng.integers(0, 3))), later, "jbauer",
               original["Buchungstext"], entries, **label)
    elif kind == "backdated":
        date = b.workday(month=int(rng.integers(1, 7)))
        _purchase(b, date, supplier, SUPPLIERS[supplier][3] * float(rng.lognormal(0, 0.3)),
                  registered=date + pd.Timedelta(days=int(rng.integers(120, 240))), **label)
    elif kind == "unusual_user":
        _sale(b, b.workday(), customer, float(rng.lognormal(7.6, 0.5)), user=["lager", "gf", "azubi"][k % 3], **label)
    elif kind == "broken_vat_ratio":
        net = float(rng.lognormal(8.0, 0.4))
        _sale(b, b.workday(), customer, net, vat=net * float(rng.choice([0.07, 0.16, 0.09])), **label)
    elif kind == "period_end_reversal":
        quarter_end = pd.Timestamp(b.year, 3 * int(rng.integers(1, 4)), 1) + pd.offsets.MonthEnd(0)
        net = round(float(rng.uniform(80_000, 200_000)), 2)
        entries = [("1400", round(net * 1.19, 2)), ("8400", -net), ("1776", -round(net * 0.19, 2))]
        b.book("MB", quarter_end, quarter_end, "skrause", f"Abgrenzung Erlöse {customer}", entries, **label)
        back = b.workday(after=quarter_end, within=6)
        b.book("MB", back, back, "skrause", f"Storno Abgrenzung {customer}", [(a, -v) for a, v in entries], **label)
    elif kind == "unbalanced_voucher":  # transposed digits in the receivable line
        net = round(float(rng.uniform(1_200, 8_000)), 2)
        gross = round(net * 1.19, 2)
        digits = f"{gross:.2f}"
        swapped = float(digits[:-5] + digits[-4] + digits[-5] + digits[-3:]) if digits[-4] != digits[-5] else gross + 90
        date = b.workday()
        b.book("AR", date, date, "mkoch", f"Rechnung {customer}",
               [("1400", swapped), ("8400", -net), ("1776", -round(net * 0.19, 2))], **label)
    elif kind == "daily_spike":
        date = b.workday()
        for _ in range(int(rng.integers(20, 40))):
            _purchase(b, date, "Papier Schulz", SUPPLIERS["Papier Schulz"][3] * float(rng.lognormal(0, 0.3)), **label)
    else:  # pragma: no cover - KINDS lists every branch
        raise ValueError(kind)


def generate_wholesale(seed: int = 11, year: int = 2025, per_kind: int = 6) -> pd.DataFrame:
    """A labelled ledger, one row per line; `anomaly_kind` empty on normal lines."""
    b = Books(np.random.default_rng(seed), year)
    _normal_year(b)
    for kind in KINDS:
        for k in range(per_kind):
            _inject(b, kind, k)
    frame = pd.DataFrame(b.lines)
    # voucher numbers per series and year, in the order entries were registered
    first = frame.drop_duplicates("doc").sort_values(["Erfassungsdatum", "doc"], kind="stable")
    number = first.groupby("series").cumcount() + 1
    names = first["series"] + f"{year % 100}-" + number.map("{:05d}".format)
    frame["Belegnummer"] = frame["doc"].map(dict(zip(first["doc"], names, strict=True)))
    frame = frame.sort_values(["Buchungsdatum", "Belegnummer"], kind="stable").reset_index(drop=True)
    return frame[["Belegnummer", "Buchungsdatum", "Erfassungsdatum", "Konto", "Kontobezeichnung", "Betrag",
                  "Buchungstext", "Benutzer", "anomaly_kind", "anomaly_id"]]


def write_wholesale(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    for column in ("Buchungsdatum", "Erfassungsdatum"):
        out[column] = out[column].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.2f")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    frame = generate_wholesale(args.seed, per_kind=args.per_kind)
    write_wholesale(frame, args.out)
    labelled = frame["anomaly_kind"] != ""
    print(f"{args.out}: {len(frame)} lines, {frame['Belegnummer'].nunique()} vouchers, "
          f"{frame.loc[labelled, 'anomaly_id'].nunique()} anomalies on {int(labelled.sum())} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
