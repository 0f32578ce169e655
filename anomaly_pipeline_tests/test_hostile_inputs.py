"""Broken and hostile files, generated here: each ends as a specific rejection (or a load with warnings where
the policy allows), the original is kept in the rejected folder, no rows of it are loaded, nothing hangs."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from anomaly_pipeline.cli import main
from anomaly_pipeline.ingest.files import sha256_file
from anomaly_pipeline.orchestration.partitions import partition_key_for
from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse

GOOD_ROWS = "".join(f"2024-01-{d:02d},1910,{d}00.50,Payment {d}\n" for d in range(1, 11))
HEADER = "Date,Account,Amount,Text\n"


def _xlsx_bomb() -> bytes:
    """A valid-looking workbook whose sheet XML inflates to ~200 MB from a few hundred KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="S" sheetId="1" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>')
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            chunk = b"<row><c><v>0</v></c></row>" * 40000
            for _ in range(200):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _corrupt_xlsx() -> bytes:
    data = bytearray(_small_xlsx())
    data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
    return bytes(data)


def _small_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Date", "Account", "Amount"])
    ws.append(["2024-01-02", "1910", 10.0])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i > 1 else "&lol;"}' * 10 + '">'
                                          for i in range(1, 10)]
    return ('<?xml version="1.0"?><!DOCTYPE lolz [' + "".join(entities) + ']><Document>&lol9;</Document>').encode()


def _xxe(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
            '<Ntry><Amt Ccy="EUR">&xxe;</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-02</Dt></BookgDt></Ntry>'
            '</Stmt></BkToCstmrStmt></Document>').encode()


def _deep_xml() -> bytes:
    return b"<?xml version='1.0'?>" + b"<a>" * 100_000 + b"</a>" * 100_000


Case = tuple[str, Callable[[Path], bytes], str, str]  # name, content(tmp), expected status, reason substring

CASES: list[Case] = [
    ("empty.csv", lambda t: b"", "rejected", "empty"),
    ("blank.csv", lambda t: b"\n\n  \n", "rejected", "empty"),
    ("garbage.csv", lambda t: bytes(range(256)) * 40, "rejected", "binary"),
    ("header only.csv", lambda t: HEADER.encode(), "rejected", "no data rows"),
    ("no amounts.csv", lambda t: b"Date,Account,Text\n2024-01-02,1910,x\n2024-01-03,1910,y\n", "rejected", "no amount column"),
    ("no dates.csv", lambda t: b"Account,Amount\n1910,10\n1910,20\n", "rejected", "no date column"),
    ("mostly bad dates.csv", lambda t: (HEADER + "soon,1910,10,a\nlater,1910,20,b\n2024-01-02,1910,5,c\n").encode(),
     "rejected", "unparsable dates in 2 of 3 rows"),
    ("wrong encoding.csv", lambda t: (HEADER + "2024-01-02,1910,10,Räksmörgås\n").encode("cp1252"), "loaded", ""),
    ("a few bad rows.csv", lambda t: (HEADER + GOOD_ROWS + "n/a,1910,10,x\n").encode(), "loaded", ""),
    ("corrupt.xlsx", lambda t: _corrupt_xlsx(), "rejected", "cannot be opened"),
    ("bomb.xlsx", lambda t: _xlsx_bomb(), "rejected", "ZIP bomb"),
    ("laughs.xml", lambda t: _billion_laughs(), "rejected", "declares a DOCTYPE/ENTITY"),
    ("deep.xml", lambda t: _deep_xml(), "rejected", "depth"),
    # a voucher cut off at the end of the file is loaded (its rows are truthful) and flagged as unbalanced
    ("unclosed voucher.se", lambda t: b'#FLAGGA 0\n#SIETYP 4\n#VER A 1 20240102 "x"\n{\n#TRANS 1910 {} 100.00\n',
     "loaded", ""),
    ("sie no transactions.se", lambda t: b'#FLAGGA 0\n#SIETYP 4\n#KONTO 1910 "Kassa"\n#IB 0 1910 100.00\n',
     "rejected", "no transactions"),
    ("unknown.xml", lambda t: b'<?xml version="1.0"?><Invoice xmlns="urn:x"><Total>1</Total></Invoice>',
     "rejected", "Invoice"),
]


def _process(path: Path, capsys) -> dict:
    started = time.monotonic()
    code = main(["process", str(path), "--format", "json"])
    elapsed = time.monotonic() - started
    out = json.loads(capsys.readouterr().out)[0]
    assert elapsed < 60, f"{path.name} took {elapsed:.0f} s"
    assert code == (1 if out["status"] in ("rejected", "failed") else 0)
    return out


@pytest.mark.parametrize(("name", "content", "status", "reason"), CASES, ids=[c[0] for c in CASES])
def test_broken_or_hostile_file(env, tmp_path, capsys, name, content, status, reason):
    path = tmp_path / name
    data = content(tmp_path)
    path.write_bytes(data)
    out = _process(path, capsys)
    assert out["status"] == status, out
    wh = Warehouse(env["DATABASE_URL"])
    if status == "rejected":
        assert out["error"] and reason in out["error"], out["error"]
        assert out["transactions"] == 0
        if out["upload_id"]:
            assert wh.count_rows(schema.transactions, upload_id=out["upload_id"]) == 0
            kept = Path(wh.get_upload(out["upload_id"])["stored_path"])
            assert kept.parent == env["tmp"] / "data" / "rejected"
            assert kept.read_bytes() == data
            assert out["error"] in kept.with_name(kept.name + ".reason.txt").read_text(encoding="utf-8")
    else:
        assert out["transactions"] == wh.count_rows(schema.transactions, upload_id=out["upload_id"]) > 0


def test_xxe_never_reads_the_local_file(env, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711", encoding="utf-8")
    path = tmp_path / "statement.xml"
    path.write_bytes(_xxe(secret))
    out = _process(path, capsys)
    assert out["status"] == "rejected"
    wh = Warehouse(env["DATABASE_URL"])
    upload = wh.get_upload(out["upload_id"])
    assert "TOP-SECRET" not in json.dumps(out) and "TOP-SECRET" not in json.dumps(upload, default=str)
    assert wh.count_rows(schema.transactions) == 0


def test_file_over_max_file_size_is_rejected_before_parsing(env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MAX_FILE_SIZE", "200")
    path = tmp_path / "big.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    out = _process(path, capsys)
    assert out["status"] == "rejected"
    assert f"{path.stat().st_size} bytes, over MAX_FILE_SIZE (200 bytes)" in out["error"]


def test_format_not_in_allowed_file_types_is_rejected(env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ALLOWED_FILE_TYPES", '["json"]')
    path = tmp_path / "ledger.json.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    out = _process(path, capsys)
    assert out["status"] == "rejected"
    assert "format 'csv' (detected from content) is not in ALLOWED_FILE_TYPES (json)" in out["error"]


def test_truncated_csv_loads_complete_rows_and_warns_about_the_cut_one(env, tmp_path, capsys):
    path = tmp_path / "cut.csv"
    path.write_bytes((HEADER + GOOD_ROWS + "2024-01-11,1910").encode())
    out = _process(path, capsys)
    assert out["status"] == "loaded"
    assert out["transactions"] == 10
    upload = Warehouse(env["DATABASE_URL"]).get_upload(out["upload_id"])
    assert any("row 12" in w for w in upload["warnings"]), upload["warnings"]


def test_rejected_upload_keeps_its_partition_key_and_is_not_loaded_on_rerun(env, tmp_path, capsys):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 10)
    first = _process(path, capsys)
    second = _process(path, capsys)
    assert first["upload_id"] == second["upload_id"] == partition_key_for(sha256_file(path))
    assert second["status"] == "rejected" and second["error"] == first["error"]
