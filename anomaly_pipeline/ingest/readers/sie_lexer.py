"""SIE text: encoding detection and a regex tokenizer for one record line."""

from __future__ import annotations

import codecs
import re

from anomaly_pipeline.ingest.errors import RejectedFile

# quoted field (\" escapes a quote), an unterminated quote running to the end of the line, a brace, a bare word
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|"(.*)$|([{}])|([^\s{}"]+)')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DECLARED = re.compile(rb'^[ \t]*#FORMAT[ \t]+"?([A-Za-z0-9_-]+)', re.MULTILINE)
# letters a Swedish (or Nordic/German) ledger plausibly contains outside ASCII
_PLAUSIBLE = set("åäöÅÄÖéÉüÜæøÆØáàèÈ§½£")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LEGACY = ("cp437", "iso8859_15")


def declared_format(data: bytes) -> str | None:
    match = _DECLARED.search(data[:65536])
    return match.group(1).decode("ascii").upper() if match else None


def decode_sie(data: bytes) -> tuple[str, str, list[str]]:
    """Return (text, encoding, warnings).

    `#FORMAT PC8` promises CP437, but exports are also UTF-8 or ISO-8859-15 while claiming PC8. Valid UTF-8 with
    non-ASCII characters is UTF-8; otherwise CP437 and Latin-9 are compared by how many of the non-ASCII
    characters each decoding turns into plausible (Swedish) letters; a tie keeps the declared code page.
    U+FFFD left in the text by an earlier lossy conversion is reported by `read_file`, for every format.
    """
    warnings: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", warnings
    if b"\x00" in data[:65536]:
        raise RejectedFile("the SIE file is binary, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and (text.isascii() or _NON_ASCII.search(text)):
        return text, "ascii" if text.isascii() else "utf-8", warnings
    declared = declared_format(data)
    scores = {enc: _plausibility(data.decode(enc, errors="replace")) for enc in _LEGACY}
    best = max(scores.values())
    preferred = "cp437" if declared in (None, "PC8") else "iso8859_15"
    encoding = preferred if scores[preferred] == best else max(scores, key=scores.get)
    if declared == "PC8" and encoding != "cp437":
        warnings.append(f"#FORMAT PC8 declares CP437, but the text reads as {encoding}: decoded as {encoding}")
    return data.decode(encoding), encoding, warnings



def _plausibility(text: str) -> int:
    chars = _NON_ASCII.findall(text)
    good = sum(1 for c in chars if c in _PLAUSIBLE)
    return 2 * good - len(chars)


def split_lines(text: str) -> list[str]:
    """Lines for CRLF, LF or CR-only files (a trailing DOS end-of-file Ctrl-Z is dropped)."""
    return _LINE_BREAK.split(text.rstrip("\x1a"))


def tokenize(line: str) -> tuple[list[str | list[str]], bool]:
    """The fields of one record line: strings, and object lists `{...}` as lists of strings.

    Returns (fields, clean); clean is False for an unterminated quote or brace (tolerated to the line end).
    """
    fields: list[str | list[str]] = []
    stack: list[list[str]] = []
    clean = True
    for quoted, open_quote, brace, bare in _TOKEN.findall(line):
        if brace == "{":
            stack.append([])
            continue
        if brace == "}":
            if stack:
                done = stack.pop()
                (stack[-1] if stack else fields).append(done)  # type: ignore[arg-type]
            else:
                clean = False
            continue
        if open_quote:
            clean = False
            value = open_quote
        elif bare:
            value = bare
        else:
            value = quoted.replace('\\"', '"')
        (stack[-1] if stack else fields).append(value)
    while stack:
        clean = False
        done = stack.pop()
        (stack[-1] if stack else fields).append(done)  # type: ignore[arg-type]
    return fields, clean
