"""A seeded generator of a small balanced ledger, and writers of it in every tabular format.

`generate_ledger(seed)` makes vouchers with 2-4 lines (debits positive, one balancing credit), accounts
with names, users, dates spread over a year and texts with non-ASCII letters. `WRITERS` maps a format
variant to a function writing the ledger to a file; adding a format (e.g. SIE4) is one function and one
entry there. `Ledger.lines()` is the canonical frame every reader must produce from any of those files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ACCOUNTS = {
    "1510": "Kundfordringar", "1930": "Företagskonto", "2440": "Leverantörsskulder", "2641": "Ingående moms",
    "3010": "Försäljning varor", "4010": "Inköp material", "5010": "Lokalhyra", "6110": "Kontorsmaterial",
    "6540": "IT-tjänster", "7010": "Löner",
}
USERS = ("anna", "erik", "björn", "zoë")
TEXTS = ("Hyra kontor", "Faktura kund", "Inköp pärmar & papper", "Lön december", "Licens, årsavgift",
         "Moms \"kvartal\" 3", "Café möte", "Återbetalning")


@dataclass
class Voucher:
    voucher_id: str
    date: dt.date
    text: str
    user: str
    lines: list[tuple[str, float]] = field(default_factory=list)  # (account, amount)


@dataclass
class Ledger:
    company: str
    vouchers: list[Voucher]

    def lines(self) -> pd.DataFrame:
        """The canonical view: one row per line, in voucher order."""
        rows = [
            {"voucher_id": v.voucher_id, "line_number": i, "posting_date": pd.Timestamp(v.date),
             "account": account, "account_name": ACCOUNTS[account], "amount": amount, "description": v.text,
             "user_name": v.user}
            for v in self.vouchers for i, (account, amount) in enumerate(v.lines, start=1)
        ]
        frame = pd.DataFrame(rows)
        frame["line_number"] = frame["line_number"].astype("Int64")
        for col in ("voucher_id", "account", "account_name", "description", "user_name"):
            frame[col] = frame[col].astype("string")
        return frame


def generate_ledger(seed: int = 0, vouchers: int = 25) -> Ledger:
    rng = np.random.default_rng(seed)
    accounts = sorted(ACCOUNTS)
    start = dt.date(2024, 1, 1)
    days = np.sort(rng.integers(0, 365, size=vouchers))
    out: list[Voucher] = []
    for n, day in enumerate(days, start=1):
        debit_count = int(rng.integers(1, 4))
        picked = rng.choice(accounts, size=debit_count + 1, replace=False)
        debits = [round(float(rng.integers(100, 2_500_000)) / 100, 2) for _ in range(debit_count)]
        lines = [(str(a), amount) for a, amount in zip(picked[:-1], debits, strict=True)]
        lines.append((str(picked[-1]), -round(sum(debits), 2)))
        out.append(Voucher(voucher_id=f"V{n:04d}", date=start + dt.timedelta(days=int(day)),
                           text=str(rng.choice(TEXTS)), user=str(rng.choice(USERS)), lines=lines))
    return Ledger(company="Övningsbolaget AB", vouchers=out)


def _flat_records(ledger: Ledger) -> list[dict]:
    return [
        {"voucher": v.voucher_id, "line": i, "date": v.date.isoformat(), "account": a, "account_name": ACCOUNTS[a],
         "amount": amount, "text": v.text, "user": v.user}
        for v in ledger.vouchers for i, (a, amount) in enumerate(v.lines, start=1)
    ]


def _swedish_number(value: float) -> str:
    """1234567.5 -> '1.234.567,50' (thousands dot, decimal comma)."""
    return f"{value:,.2f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def write_csv_comma(ledger: Ledger, path: Path) -> Path:
    """',' delimiter, ISO dates, '.' decimals, UTF-8, quoted texts (some contain commas and quotes)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Voucher", "Line", "Date", "Account", "Account name", "Amount", "Text", "User"])
        for r in _flat_records(ledger):
            writer.writerow([r["voucher"], r["line"], r["date"], r["account"], r["account_name"],
                             f"{r['amount']:.2f}", r["text"], r["user"]])
    return path


def write_csv_semicolon(ledger: Ledger, path: Path) -> Path:
    """';' delimiter, Swedish headers, dd.mm.yyyy, decimal comma with thousands dots, Windows-1252,
    two preamble lines before the header."""
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write(f"Företag;{ledger.company}\r\nRapport;Verifikationslista\r\n")
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Verifikationsnummer", "Rad", "Bokföringsdatum", "Konto", "Kontonamn", "Belopp", "Text",
                         "Användare"])
        for r in _flat_records(ledger):
            day = dt.date.fromisoformat(r["date"]).strftime("%d.%m.%Y")
            writer.writerow([r["voucher"], r["line"], day, r["account"], r["account_name"],
                             _swedish_number(r["amount"]), r["text"], r["user"]])
    return path


def write_json_records(ledger: Ledger, path: Path) -> Path:
    """A top-level list of flat records."""
    path.write_text(json.dumps(_flat_records(ledger), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_json_vouchers(ledger: Ledger, path: Path) -> Path:
    """{"company": .., "vouchers": [{"id", "date", "text", "user", "lines": [{"account", "amount"}]}]}."""
    document = {
        "company": ledger.company,
        "vouchers": [
            {"id": v.voucher_id, "date": v.date.isoformat(), "text": v.text, "user": v.user,
             "lines": [{"account": a, "account_name": ACCOUNTS[a], "amount": amount} for a, amount in v.lines]}
            for v in ledger.vouchers
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def write_jsonl(ledger: Ledger, path: Path) -> Path:
    """JSON Lines: one flat record per line."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _flat_records(ledger)),
                    encoding="utf-8")
    return path


def write_xlsx(ledger: Ledger, path: Path) -> Path:
    """A cover sheet first, then the ledger below a two-row preamble, with native date and number cells."""
    import openpyxl

    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Cover"
    cover.append(["Verifikationslista"])
    cover.append(["Exported", dt.datetime(2025, 1, 15, 9, 30)])
    sheet = workbook.create_sheet("Verifikationer")
    sheet.append(["Företag", ledger.company])
    sheet.append([])
    sheet.append(["Verifikationsnummer", "Rad", "Bokföringsdatum", "Konto", "Kontonamn", "Belopp", "Text",
                  "Användare"])
    for r in _flat_records(ledger):
        sheet.append([r["voucher"], r["line"], dt.datetime.fromisoformat(r["date"]), int(r["account"]),
                      r["account_name"], r["amount"], r["text"], r["user"]])
    workbook.save(path)
    return path


def write_xls(ledger: Ledger, path: Path) -> Path:
    """Legacy BIFF .xls (xlwt): a title row above the header, date cells with a date format, float amounts."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("Info").write(0, 0, "Verifikationslista")
    sheet = book.add_sheet("Verifikationer")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write(0, 0, "Företag")
    sheet.write(0, 1, ledger.company)
    header = ["Verifikationsnummer", "Rad", "Bokföringsdatum", "Konto", "Kontonamn", "Belopp", "Text", "Användare"]
    for col, label in enumerate(header):
        sheet.write(2, col, label)
    for row, r in enumerate(_flat_records(ledger), start=3):
        values = [r["voucher"], r["line"], None, int(r["account"]), r["account_name"], r["amount"], r["text"],
                  r["user"]]
        for col, value in enumerate(values):
            if value is not None:
                sheet.write(row, col, value)
        sheet.write(row, 2, dt.datetime.fromisoformat(r["date"]), date_style)
    book.save(str(path))
    return path


def _sie_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_sie4(ledger: Ledger, path: Path) -> Path:
    """SIE 4E in CP437 (#FORMAT PC8), CRLF, one #VER per voucher: series = the id's letters, number its digits."""
    lines = ["#FLAGGA 0", '#PROGRAM "anomaly_pipeline tests" 1.0', "#FORMAT PC8", "#GEN 20250101", "#SIETYP 4",
             f"#FNAMN {_sie_quote(ledger.company)}", "#RAR 0 20240101 20241231"]
    lines += [f"#KONTO {account} {_sie_quote(name)}" for account, name in ACCOUNTS.items()]
    for v in ledger.vouchers:
        series, number = v.voucher_id.rstrip("0123456789"), v.voucher_id[len(v.voucher_id.rstrip("0123456789")):]
        lines.append(f"#VER {series} {number} {v.date:%Y%m%d} {_sie_quote(v.text)} {v.date:%Y%m%d} {_sie_quote(v.user)}")
        lines.append("{")
        lines += [f"   #TRANS {account} {{}} {amount:.2f}" for account, amount in v.lines]
        lines.append("}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp437"))
    return path


def write_saft(ledger: Ledger, path: Path) -> Path:
    """SAF-T Financial (Norwegian 1.30 namespace): one Transaction per voucher, DebitAmount/CreditAmount lines."""
    from lxml import etree

    ns = "urn:StandardAuditFile-Taxation-Financial:NO"

    def sub(parent, tag, text=None):
        element = etree.SubElement(parent, f"{{{ns}}}{tag}")
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{ns}}}AuditFile", nsmap={None: ns})
    header = sub(root, "Header")
    sub(header, "AuditFileVersion", "1.30")
    sub(sub(header, "Company"), "Name", ledger.company)
    sub(header, "DefaultCurrencyCode", "SEK")
    accounts = sub(sub(root, "MasterFiles"), "GeneralLedgerAccounts")
    for account_id, name in ACCOUNTS.items():
        account = sub(accounts, "Account")
        sub(account, "AccountID", account_id)
        sub(account, "AccountDescription", name)
    journal = sub(sub(root, "GeneralLedgerEntries"), "Journal")
    sub(journal, "JournalID", "GL")
    for v in ledger.vouchers:
        tx = sub(journal, "Transaction")
        sub(tx, "TransactionID", v.voucher_id)
        sub(tx, "TransactionDate", f"{v.date:%Y-%m-%d}")
        sub(tx, "Description", v.text)
        sub(tx, "SystemEntryDate", f"{v.date:%Y-%m-%d}")
        sub(tx, "SourceID", v.user)
        for n, (account, amount) in enumerate(v.lines, start=1):
            line = sub(tx, "Line")
            sub(line, "RecordID", str(n))
            sub(line, "AccountID", account)
            sub(line, "Description", v.text)
            sub(sub(line, "DebitAmount" if amount >= 0 else "CreditAmount"), "Amount", f"{abs(amount):.2f}")
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


# variant -> (file suffix, writer)
WRITERS: dict[str, tuple[str, Callable[[Ledger, Path], Path]]] = {
    "sie4": (".se", write_sie4),
    "saft": (".xml", write_saft),
    "csv_comma": (".csv", write_csv_comma),
    "csv_semicolon": (".csv", write_csv_semicolon),
    "json_records": (".json", write_json_records),
    "json_vouchers": (".json", write_json_vouchers),
    "jsonl": (".jsonl", write_jsonl),
    "xlsx": (".xlsx", write_xlsx),
    "xls": (".xls", write_xls),
}


def write(ledger: Ledger, variant: str, folder: Path) -> Path:
    suffix, writer = WRITERS[variant]
    return writer(ledger, folder / f"ledger_{variant}{suffix}")
