"""Which format a file is, decided from its bytes (extension only breaks ties)."""

from __future__ import annotations

import codecs
import re
import zipfile
from io import BytesIO

from anomaly_pipeline.ingest.errors import RejectedFile

_SIE_LINE = re.compile(rb"^\s*#(FLAGGA|FORMAT|SIETYP|PROGRAM|GEN|FNAMN|VER|KONTO|ORGNR)\b", re.MULTILINE)


def detect_format(data: bytes, filename: str = "") -> str:
    """Return one of csv, json, xlsx, xls, xml, sie4; raise RejectedFile when it is none of them."""
    if not data.strip():
        raise RejectedFile("the file is empty")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # text saved as "Unicode": NUL bytes are not binary
        data = data[:65536].decode("utf-16", errors="ignore").encode("utf-8")
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            # only the head of a large file (the ZIP directory is at its end): the local headers name the parts
            if re.search(rb"PK\x03\x04.{26}(\[Content_Types\]\.xml|xl/)", data[:65536], re.DOTALL):
                return "xlsx"  # the reader opens the whole file and rejects it if it is corrupt
            raise RejectedFile("the file is a corrupt ZIP archive (not a readable .xlsx workbook)") from exc
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise RejectedFile("the file is a ZIP archive but not an Excel workbook (no xl/ part)")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") or _is_utf16_xml(data):
        return "xml"
    if head[:1] in (b"{", b"["):
        return "json"
    if _SIE_LINE.search(data[:65536].removeprefix(b"\xef\xbb\xbf")):
        return "sie4"
    if b"\x00" in data[:65536]:
        raise RejectedFile("the file is binary, not a known format (not CSV, JSON, Excel, SIE or XML)")
    return "csv"


def _is_utf16_xml(data: bytes) -> bool:
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[2:514].decode(encoding, errors="ignore").lstrip().startswith("<")
    return False
