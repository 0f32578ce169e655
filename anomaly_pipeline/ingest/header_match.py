"""A header's meaning from its words: exact synonyms first, then the words it is built from.

`tokens` turns a header into words: bracketed qualifiers (`(SGD)`, `(GC)`, `(ohne Soll/Haben-Kz)`), currency
codes and filler words dropped, camelCase and compounds split (`Buchungsbetrag` -> buchung, betrag).
`fields_for` names the canonical fields those words can mean, best first, for the column mapping to confirm
by content.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anomaly_pipeline.ingest.vocabulary import (
    CURRENCY_CODES,
    FILLER,
    POSTED_ALONE,
    PREPOSITIONS,
    REGISTERED_ALONE,
    SYNONYMS,
    WORDS,
)

SYNONYM_INDEX = {syn: canon for canon, syns in SYNONYMS.items() for syn in syns}

_ROLE_WORDS = {role: frozenset(w for words in by_language.values() for w in words)
               for role, by_language in WORDS.items()}
_PARTY_NOT_NAME = _ROLE_WORDS["party"] - _ROLE_WORDS["name"]
_ENTERED = _ROLE_WORDS["registration"] | _ROLE_WORDS["posting"] | REGISTERED_ALONE | POSTED_ALONE
_KNOWN = frozenset().union(*_ROLE_WORDS.values(), PREPOSITIONS)
# letters NFKD does not decompose to ASCII (Norwegian "Beløp", German "Straße", Polish "Tytuł")
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d",
                       "œ": "oe", "Œ": "OE"})
_SHORT_NUMBER = frozenset(w for w in _ROLE_WORDS["number"] if len(w) == 2)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def header_key(header: object) -> str:
    """Lowercase ASCII letters and digits of a header: the form `SYNONYMS` are written in."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


@lru_cache(maxsize=4096)
def tokens(header: str) -> tuple[str, ...]:
    """The words of a header, qualifiers and units dropped, compounds split."""
    text = str(header).translate(_FOLD)
    unbracketed = _BRACKETED.sub(" ", text)
    text = unbracketed if re.search(r"[A-Za-z]", unbracketed) else text
    text = unicodedata.normalize("NFKD", _CAMEL.sub(" ", text)).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z]+", text)
    kept = [w for w in words if w not in CURRENCY_CODES and w not in FILLER]
    return tuple(part for word in (kept or words) for part in _split_compound(word))


def _split_compound(word: str) -> list[str]:
    """A compound into known words: a known first part and a known head (linking -s- dropped: Buchungs|betrag,
    Registrerings|datum), else the longest known head after an unknown first part (Auftrags|konto)."""
    if word in _KNOWN or len(word) < 6:
        return [word]
    splits = [(word[:-size], word[-size:]) for size in range(len(word) - 4, 2, -1) if word[-size:] in _KNOWN]
    if word[-2:] in _SHORT_NUMBER:  # an abbreviated "number" after a known word: Bilags|nr, Faktura|nr
        splits.append((word[:-2], word[-2:]))
    for rest, head in splits:
        first = rest if rest in _KNOWN else rest[:-1] if rest.endswith("s") and rest[:-1] in _KNOWN else None
        if first is not None:
            return [first, head]
    for rest, head in splits:
        if len(head) < 4:
            continue
        if head.startswith("s") and head[1:] in _KNOWN and len(head) > 4:  # the linking s: auftrags|konto
            rest, head = rest + "s", head[1:]
        return [*_split_compound(rest), head]
    return [word]


_NOT_CURRENCIES = frozenset(("gc", "nc", "lc", "dc", "fc"))  # group/net/local/document/foreign currency


def currency_code(header: object) -> str | None:
    """The ISO currency code a header names as its unit ("Betrag (EUR)", "Withdrawals (SGD)"), if exactly one."""
    text = unicodedata.normalize("NFKD", str(header).translate(_FOLD)).encode("ascii", "ignore").decode().lower()
    codes = {w for w in re.findall(r"[a-z]+", text) if w in CURRENCY_CODES and w not in _NOT_CURRENCIES}
    return codes.pop().upper() if len(codes) == 1 else None


def exact_field(header: object) -> str | None:
    """The field a whole header names in `SYNONYMS`, also once qualifiers and units are dropped."""
    found = SYNONYM_INDEX.get(header_key(header))
    if found is None:
        words = tokens(str(header))
        found = SYNONYM_INDEX.get("".join(words)) if words else None
    return found


def means_something(header: object) -> bool:
    """Whether any word of the header is in the vocabulary (a header we understand, even as no field)."""
    return any(word in _KNOWN for word in tokens(str(header)))


def fields_for(header: object) -> list[tuple[str, int]]:
    """(canonical field, rank) pairs a header's words can mean, likeliest first; rank 1 is a secondary reading
    (an amount in the original currency, a net amount), taken only when no rank-0 column names the field."""
    words = tokens(str(header))
    if not words:
        return []
    return _fields_for_words(words)


@lru_cache(maxsize=4096)
def _fields_for_words(words: tuple[str, ...]) -> list[tuple[str, int]]:
    present = frozenset(words)
    by = [i for i, w in enumerate(words) if i and w in _ROLE_WORDS["by"]]
    if by:  # "Created by", "Registrert av", "Erfasst von" name the user; "Umsatz getätigt von" a card holder
        return [("user_name", 0)] if any(words[i - 1] in _ENTERED for i in by) else []
    if len(words) == 1 and words[0] in REGISTERED_ALONE:
        return [("registration_date", 0)]
    if len(words) == 1 and words[0] in POSTED_ALONE:
        return [("posting_date", 0)]
    found: list[tuple[str, int]] = []
    for word in _heads(words):
        for field in _field_of_head(word, present):
            if field is not None and field[0] not in {f for f, _ in found}:
                found.append(field)
    return found


def _heads(words: tuple[str, ...]) -> list[str]:
    """Words that name a kind of value, the head of the phrase first: the last one before a preposition
    ("Amount in local currency": amount), then the others from the end."""
    cut = next((i for i, w in enumerate(words) if w in PREPOSITIONS and i > 0), len(words))
    ordered = list(reversed(words[:cut])) + list(reversed(words[cut:]))
    roles = ("date", "time", "debit", "credit", "amount", "account", "voucher", "user", "text", "party",
             "currency", "reference")
    return [w for w in ordered if any(w in _ROLE_WORDS[r] for r in roles)]


def _field_of_head(word: str, present: frozenset[str]) -> list[tuple[str, int] | None]:
    """What a head word means given all the phrase's words."""
    out: list[tuple[str, int] | None] = []

    def has(role: str) -> bool:
        return bool(present & _ROLE_WORDS[role])

    def is_(role: str) -> bool:
        return word in _ROLE_WORDS[role]

    dated = has("date") or has("time")
    if is_("date") or is_("time"):
        if has("registration"):
            out.append(("registration_date", 0))
        elif has("other_date") or "zone" in present or has("charge"):
            out.append(None)
        elif has("value") and not has("posting") and not is_("time"):
            out.append(("value_date", 0))
        elif is_("time") and not has("date"):
            out.append(("posted_at", 0))
        else:
            out.append(("posting_date", 0))
    if (is_("debit") or is_("credit") or is_("amount")) and not dated:
        if has("charge") or has("account") or has("attribute") or (has("debit") and has("credit")):
            out.append(None)
        else:
            rank = 1 if has("secondary") else 0
            out.append(("debit", rank) if has("debit") else ("credit", rank) if has("credit") else ("amount", rank))
    if is_("account"):
        if has("other_account") or present & _PARTY_NOT_NAME or has("debit") or has("credit"):
            out.append(None)
        elif has("name") or has("text"):
            out.append(("account_name", 0))
        else:
            out.append(("account", 0))
    if is_("voucher") and not dated and not has("attribute"):
        out.append(("voucher_id", 0))
    if is_("user"):
        out.append(("user_name", 0))
    if is_("text") and not has("account"):
        out.append(("description", 0))
    if is_("party") and not (has("number") or has("attribute") or has("account") or has("reference")
                             or has("charge")):
        out.append(("counterparty", 0))
    if is_("currency") and not has("charge"):
        out.append(("currency", 1 if has("secondary") else 0))
    if is_("reference") and not has("attribute"):
        out.append(("reference", 1 if has("party") else 0))
    return out
