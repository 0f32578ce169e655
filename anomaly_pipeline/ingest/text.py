"""Decoding bytes of text formats: BOMs, UTF-8 first, then a detected legacy code page."""

from __future__ import annotations

import codecs
import re

import pyarrow as pa

from anomaly_pipeline.ingest.arrow_text import one_cell
from anomaly_pipeline.ingest.errors import RejectedFile

_LEGACY = ("cp1252", "cp1250", "latin_1", "iso8859_15", "cp437")


def decode_text(data: bytes, preferred: tuple[str, ...] = ()) -> tuple[str, str]:
    """Return (text, encoding). Raises RejectedFile for binary content."""
    if _blank(data):
        raise RejectedFile("the file is empty")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:  # a BOM promises the encoding: mixed or corrupt bytes
                raise RejectedFile(f"the file starts with a {enc.removesuffix('-sig').upper()} byte order mark "
                                   f"but is not valid {enc.removesuffix('-sig').upper()} ({exc.reason} at byte "
                                   f"{exc.start})") from None
    sample = data[:65536]
    if b"\x00" in sample:
        raise RejectedFile("the file is binary, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for enc in preferred:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes  # 0.13 s of imports, for the files that are not UTF-8

    best = from_bytes(data[:262144], cp_isolation=list(_LEGACY)).best()
    encoding = _one_alphabet(data, best.encoding if best is not None else "cp1252")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "latin_1", data.decode("latin_1")
    if _control_ratio(text) > 0.05:
        raise RejectedFile("the file is not readable text (too many control characters: binary or garbage)")
    return text, encoding


# the letters beyond ASCII each language writes with (lowercase)
_ALPHABETS = (
    "àâæçéèêëîïôœùûüÿ", "äöüß", "åäöé", "æøåé", "äöåšž", "áéíñóúü", "áâãàçéêíóôõú", "àèéìíîòóùú", "éëïóöü",
    "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "ąćęłńóśźż", "áéíóöőúüű", "čšžćđ", "ăâîșțşţ", "áæéíóúýðþö",
    "āčēģīķļņšūž", "ąčęėįšųūž", "äöüõšž",
)


def _one_alphabet(data: bytes, chosen: str) -> str:
    """Among the legacy code pages, the one whose letters beyond ASCII one language writes (French è ê in
    cp1252, not Polish ę and Slovak ŕ in cp1250 from the same bytes); `chosen` where it is among the best."""
    high = bytes(sorted(set(data) - set(range(128))))
    if not high:
        return chosen

    def strangers(encoding: str) -> int:
        try:
            letters = {ch for ch in high.decode(encoding).lower() if ch.isalpha()}
        except UnicodeDecodeError:
            return len(high) + 1
        return min(len(letters - set(alphabet)) for alphabet in _ALPHABETS)

    scores = {encoding: strangers(encoding) for encoding in dict.fromkeys((chosen, *_LEGACY))}
    return min(scores, key=scores.__getitem__)


def utf8_start(data: bytes) -> tuple[int, str] | None:
    """(where the text starts, past a BOM; the encoding) when `decode_text` reads `data` as UTF-8, so that the
    bytes can be parsed as they are, without a decoded copy. None when it does not, or rejects the file."""
    if data.startswith(codecs.BOM_UTF8):
        start, encoding = len(codecs.BOM_UTF8), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:65536]:
        return None
    else:
        start, encoding = 0, "utf-8"
    if _blank(data) or not _valid_utf8(memoryview(data)[start:]):
        return None
    return start, encoding


def _blank(data: bytes) -> bool:
    """`not data.strip()` without its copy of the whole file."""
    return _NOT_WHITE_SPACE.search(data) is None


_NOT_WHITE_SPACE = re.compile(rb"\S")  # bytes.strip()'s white space: space, \t, \n, \r, \x0b, \x0c


def _valid_utf8(data: memoryview) -> bool:
    """Strict UTF-8 as Python's codec reads it (no surrogates, overlong forms or code points past U+10FFFF),
    checked by Arrow without decoding."""
    try:
        one_cell(data).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _control_ratio(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return bad / len(sample)
