"""Lines above a table's header (bank exports: account, IBAN, holder, period) turned into metadata."""

from __future__ import annotations

import re

from anomaly_pipeline.ingest.header_match import header_key
from anomaly_pipeline.ingest.vocabulary import SYNONYMS

_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_HOLDER_KEYS = ("kontoinhaber", "accountholder", "accountname", "holder", "owner", "inhaber", "titulaire",
                "kontohavare", "rekeninghouder", "titular", "name", "customer", "kunde", "company", "foretag")


def parse_preamble(rows: list[list[str]]) -> dict:
    """`rows` are the split cells of the lines before the header.

    Returns {"preamble": {label: value}, "account": .., "currency": .., "entity": ..} with the last three
    only when a line names them ("Kontonummer: 1234", "IBAN;DE44 ...", "Währung: EUR", "Kontoinhaber: X").
    """
    pairs: dict[str, str] = {}
    for row in rows:
        cells = [c.strip() for c in row if c and c.strip()]
        if len(cells) == 1 and ":" in cells[0]:
            cells = [part.strip() for part in cells[0].split(":", 1)]
        if len(cells) >= 2:
            pairs[cells[0].rstrip(":").strip()] = " ".join(cells[1:])
        elif len(cells) == 1:
            pairs.setdefault("text", cells[0])
    found: dict = {"preamble": pairs}
    account_keys = set(SYNONYMS["account"]) | {"kontonummer", "iban", "accountnumber", "rekeningnummer", "konto"}
    for label, value in pairs.items():
        key = header_key(label)
        compact = value.replace(" ", "").upper()
        if "account" not in found and (key in account_keys or _IBAN.match(compact)):
            found["account"] = compact if _IBAN.match(compact) else value
        elif "currency" not in found and key in SYNONYMS["currency"] and re.fullmatch(r"[A-Za-z]{3}", value):
            found["currency"] = value.upper()
        elif "entity" not in found and key in _HOLDER_KEYS:
            found["entity"] = value
    return found
