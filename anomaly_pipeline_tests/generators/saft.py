"""A seeded generator of realistic SAF-T Financial files (Norwegian 1.30 layout, or the OECD 2.0 namespace).

No public SAF-T sample exists in the shared data, so tests write one and check the reader against the
generator's own bookkeeping (and against counts taken from the written file with plain regexes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree

NO_NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
OECD_NAMESPACE = "urn:OECD:StandardAuditFile-Tax:2.00"

ACCOUNTS = {
    "1500": "Kundefordringer", "1920": "Bankinnskudd", "2400": "Leverandørgjeld", "2700": "Utgående merverdiavgift",
    "2710": "Inngående merverdiavgift", "3000": "Salgsinntekt, avgiftspliktig", "4000": "Innkjøp av varer",
    "5000": "Lønn til ansatte", "6300": "Leie lokale", "6540": "Inventar", "6800": "Kontorrekvisita",
    "7140": "Reisekostnad", "2940": "Skyldige feriepenger",
}
CUSTOMERS = {"K1001": "Fjord Handel AS", "K1002": "Nordlys Konsult AS", "K1003": "Bergen Bygg AS",
             "K1004": "Tromsø Fisk AS"}
SUPPLIERS = {"L2001": "Kontorpartner AS", "L2002": "Vestland Eiendom AS", "L2003": "Oslo Reise AS"}
USERS = ("kari.n", "ola.h", "system")


@dataclass
class SaftTruth:
    """What the generator wrote, line by line, for exact assertions."""

    entity: str
    transactions: int = 0
    lines: int = 0
    total_debit: Decimal = Decimal("0")
    total_credit: Decimal = Decimal("0")
    signed_amounts: list[Decimal] = field(default_factory=list)  # debit positive, credit negative, file order
    accounts: list[str] = field(default_factory=list)
    counterparties: list[str | None] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    dimensions: list[dict | None] = field(default_factory=list)


def write_saft(path: Path, seed: int = 7, transactions: int = 60, namespace: str = NO_NAMESPACE,
               misstate_total_debit: Decimal = Decimal("0")) -> SaftTruth:
    """Write a SAF-T Financial file with `transactions` balanced vouchers; returns what was written."""
    rng = random.Random(seed)
    company = "Fjellvik Regnskap AS"
    truth = SaftTruth(entity=company)
    E = _maker(namespace)
    root = E("AuditFile")
    header = _sub(root, E, "Header")
    for tag, value in (("AuditFileVersion", "1.30" if namespace == NO_NAMESPACE else "2.00"),
                       ("AuditFileCountry", "NO"), ("AuditFileDateCreated", "2024-02-01"),
                       ("SoftwareCompanyName", "Testdata AS"), ("SoftwareID", "Regnskap"),
                       ("SoftwareVersion", "5.2")):
        _sub(header, E, tag, value)
    comp = _sub(header, E, "Company")
    _sub(comp, E, "RegistrationNumber", "999888777")
    _sub(comp, E, "Name", company)
    address = _sub(comp, E, "Address")
    _sub(address, E, "StreetName", "Strandkaien 4")
    _sub(address, E, "City", "Bergen")
    _sub(address, E, "PostalCode", "5013")
    _sub(address, E, "Country", "NO")
    _sub(header, E, "DefaultCurrencyCode", "NOK")
    criteria = _sub(header, E, "SelectionCriteria")
    for tag, value in (("PeriodStart", "1"), ("PeriodStartYear", "2023"), ("PeriodEnd", "12"),
                       ("PeriodEndYear", "2023")):
        _sub(criteria, E, tag, value)
    _sub(header, E, "TaxAccountingBasis", "A")

    masters = _sub(root, E, "MasterFiles")
    ledger_accounts = _sub(masters, E, "GeneralLedgerAccounts")
    for account_id, name in ACCOUNTS.items():
        account = _sub(ledger_accounts, E, "Account")
        _sub(account, E, "AccountID", account_id)
        _sub(account, E, "AccountDescription", name)
        _sub(account, E, "StandardAccountID", account_id[:2])
        _sub(account, E, "AccountType", "GL")
        _sub(account, E, "OpeningDebitBalance", "0.00")
        _sub(account, E, "ClosingDebitBalance", "0.00")
    for group, item, key, parties, account_id in (("Customers", "Customer", "CustomerID", CUSTOMERS, "1500"),
                                                  ("Suppliers", "Supplier", "SupplierID", SUPPLIERS, "2400")):
        holder = _sub(masters, E, group)
        for party_id, name in parties.items():
            party = _sub(holder, E, item)
            _sub(party, E, "RegistrationNumber", str(900000000 + rng.randrange(99999999)))
            _sub(party, E, "Name", name)
            _sub(party, E, key, party_id)
            _sub(party, E, "AccountID", account_id)

    entries = _sub(root, E, "GeneralLedgerEntries")
    counters = [_sub(entries, E, tag, "") for tag in ("NumberOfEntries", "TotalDebit", "TotalCredit")]
    journals = {code: _journal(entries, E, code, text) for code, text in
                (("GL", "Generell journal"), ("AR", "Salgsjournal"), ("AP", "Innkjøpsjournal"))}
    start = date(2023, 1, 2)
    plan = []
    for number in range(1, transactions + 1):
        kind = rng.choice(("AR", "AR", "AP", "AP", "GL"))
        day = start + timedelta(days=rng.randrange(360))
        plan.append((number, kind, day, rng.choice(USERS), _voucher_lines(rng, kind), rng.randrange(4)))
    for code, journal in journals.items():  # the file lists transactions journal by journal
        for number, kind, day, user, lines, delay in (p for p in plan if p[1] == code):
            _write_transaction(journal, E, truth, number, kind, day, user, lines, delay)
    counters[0].text = str(truth.transactions)
    counters[1].text = f"{truth.total_debit + misstate_total_debit:.2f}"
    counters[2].text = f"{truth.total_credit:.2f}"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return truth


def _write_transaction(journal: etree._Element, E, truth: SaftTruth, number: int, kind: str, day: date,
                       user: str, lines: list, delay: int) -> None:
    tx = _sub(journal, E, "Transaction")
    _sub(tx, E, "TransactionID", f"{kind}-{number:05d}")
    _sub(tx, E, "Period", str(day.month))
    _sub(tx, E, "PeriodYear", str(day.year))
    _sub(tx, E, "TransactionDate", day.isoformat())
    _sub(tx, E, "SourceID", user)
    _sub(tx, E, "Description", {"AR": "Utgående faktura", "AP": "Inngående faktura", "GL": "Lønn"}[kind])
    _sub(tx, E, "SystemEntryDate", (day + timedelta(days=delay)).isoformat())
    _sub(tx, E, "GLPostingDate", day.isoformat())
    for record, (account_id, amount, party, dims) in enumerate(lines, start=1):
        line = _sub(tx, E, "Line")
        _sub(line, E, "RecordID", str(record))
        _sub(line, E, "AccountID", account_id)
        for dim_type, dim_id in (dims or {}).items():
            analysis = _sub(line, E, "Analysis")
            _sub(analysis, E, "AnalysisType", dim_type)
            _sub(analysis, E, "AnalysisID", dim_id)
        if party:
            _sub(line, E, "CustomerID" if party in CUSTOMERS else "SupplierID", party)
        _sub(line, E, "Description", f"{ACCOUNTS[account_id]} {number}")
        side = _sub(line, E, "DebitAmount" if amount > 0 else "CreditAmount")
        _sub(side, E, "Amount", f"{abs(amount):.2f}")
        truth.lines += 1
        truth.signed_amounts.append(amount)
        truth.accounts.append(account_id)
        truth.counterparties.append(party)
        truth.users.append(user)
        truth.dimensions.append(dims)
        if amount > 0:
            truth.total_debit += amount
        else:
            truth.total_credit -= amount
    truth.transactions += 1


def _voucher_lines(rng: random.Random, kind: str) -> list[tuple[str, Decimal, str | None, dict | None]]:
    """Balanced lines: (account, signed amount, customer/supplier id, analysis dimensions)."""
    net = Decimal(rng.randrange(10000, 5000000)) / 100
    vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))
    if kind == "AR":
        customer = rng.choice(list(CUSTOMERS))
        department = {"A": rng.choice(("100", "200"))}
        return [("1500", net + vat, customer, None), ("3000", -net, None, department), ("2700", -vat, None, None)]
    if kind == "AP":
        supplier = rng.choice(list(SUPPLIERS))
        expense = rng.choice(("4000", "6300", "6540", "6800", "7140"))
        project = {"A": rng.choice(("100", "200")), "P": rng.choice(("P10", "P20", "P30"))}
        return [(expense, net, None, project), ("2710", vat, None, None), ("2400", -(net + vat), supplier, None)]
    holiday = (net * Decimal("0.12")).quantize(Decimal("0.01"))
    return [("5000", net, None, {"A": "100"}), ("2940", -holiday, None, None), ("1920", holiday - net, None, None)]


def _maker(namespace: str):
    def make(tag: str) -> etree._Element:
        return etree.Element(f"{{{namespace}}}{tag}", nsmap={None: namespace})

    make.namespace = namespace  # type: ignore[attr-defined]
    return make


def _sub(parent: etree._Element, maker, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{maker.namespace}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _journal(entries: etree._Element, maker, code: str, text: str) -> etree._Element:
    journal = _sub(entries, maker, "Journal")
    _sub(journal, maker, "JournalID", code)
    _sub(journal, maker, "Description", text)
    _sub(journal, maker, "Type", code)
    return journal
