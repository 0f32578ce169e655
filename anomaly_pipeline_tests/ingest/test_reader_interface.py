"""One reader interface for every format, and rejections and warnings that say what is really wrong."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.raw_records import raw_json, raw_json_text
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.ingest.registry import FORMATS, XML_FORMATS
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.conftest import REAL_DATA

SIE = REAL_DATA / "sie4" / "idstam__jsisie__typ4.se"
CAMT = REAL_DATA / "xml" / "genkgo__camt__camt053.v2.multi.statement.xml"
CSV = REAL_DATA / "csv" / "reubano__csv2ofx__payoneer.csv"


def test_every_reader_has_the_one_signature():
    for name, spec in {**FORMATS, **XML_FORMATS}.items():
        assert list(inspect.signature(spec.read).parameters) == ["source", "settings", "mapping"], name


@pytest.mark.parametrize("path", [SIE, CAMT, CSV], ids=lambda p: p.suffix)
def test_bytes_read_like_the_file(path):
    fmt_path, from_path = read_file(path, get_settings())
    fmt_bytes, from_bytes = read_file(path.read_bytes(), get_settings(), name=path.name)
    assert fmt_path == fmt_bytes
    pd.testing.assert_frame_equal(from_path.frame, from_bytes.frame)


@pytest.mark.parametrize("path", [SIE, CAMT], ids=["sie4", "camt"])
def test_a_mapping_sidecar_beside_a_format_with_fixed_fields_is_reported_not_a_crash(tmp_path, path):
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    copy.with_name(copy.name + ".mapping.yaml").write_text("amount: Q4\nposting_date: Q2\n", encoding="utf-8")
    _, with_sidecar = read_file(copy, get_settings())
    _, without = read_file(path, get_settings())
    assert len(with_sidecar.frame) == len(without.frame)
    assert with_sidecar.warnings[0].startswith("the column mapping (amount: Q4, posting_date: Q2) is ignored: ")
    assert with_sidecar.warnings[0].endswith("files name their fields themselves")


def test_a_directory_is_a_directory(tmp_path):
    folder = tmp_path / "statements"
    folder.mkdir()
    with pytest.raises(RejectedFile, match="^statements is a directory, not a file$"):
        read_file(folder, get_settings())
    with pytest.raises(RejectedFile, match="^nothing.csv no such file$"):
        read_file(tmp_path / "nothing.csv", get_settings())


def test_prose_is_not_a_table(tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text("Dear team,\nthe upcoming audit, as discussed, starts on Monday.\n"
                    "Please bring the ledgers, the bank statements, and the contracts.\nThanks, Anna\n")
    with pytest.raises(RejectedFile, match=r"^not a table: no delimiter-separated header found"):
        read_file(path, get_settings())


def test_text_damaged_by_a_wrong_encoding_is_a_warning():
    # 702 U+FFFD in the file (grep -o $'\xef\xbf\xbd' ... | wc -l): its Ö, ä, å were lost before it was stored
    _, result = read_file(REAL_DATA / "sie4" / "idstam__jsisie__SIE4_Exempelfil_med_underdim.SE", get_settings())
    damage = [w for w in result.warnings if "damaged by a wrong encoding" in w]
    assert damage == ["the text was damaged by a wrong encoding before upload: 702 characters are U+FFFD "
                      "replacement characters (letters such as å, ä, ö, é are lost in names and texts)"]
    _, clean = read_file(SIE, get_settings())
    assert not any("damaged" in w for w in clean.warnings)


def _camt_without_entry_dates(tmp_path: Path, *drop: str) -> Path:
    text = CAMT.read_text(encoding="utf-8")
    text = re.sub(r"<BookgDt>.*?</BookgDt>|<ValDt>.*?</ValDt>", "", text, flags=re.S)
    for pattern in drop:
        text = re.sub(pattern, "", text, flags=re.S)
    path = tmp_path / "statement.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_camt_entries_without_dates_take_the_closing_balance_date(tmp_path):
    _, result = read_file(_camt_without_entry_dates(tmp_path), get_settings())
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2014-12-31", "2014-12-31"]
    dated = [w for w in result.warnings if "no booking or value date" in w]
    assert len(dated) == 2 and all("its closing balance date" in w for w in dated)


def test_camt_entries_without_dates_or_closing_balance_take_the_period_end_then_the_creation_date(tmp_path):
    closing = r"<Bal>(?:(?!</Bal>).)*?<Cd>CLBD</Cd>.*?</Bal>"
    _, result = read_file(_camt_without_entry_dates(tmp_path, closing), get_settings())
    # statement 1 covers 2007-10-18 08:00-12:30 (FrToDt); statement 2 has no period: created 2015-03-10
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2007-10-18", "2015-03-10"]
    dated = [w for w in result.warnings if "no booking or value date" in w]
    assert ["the end of its period" in dated[0], "its creation date" in dated[1]] == [True, True]


def test_structured_formats_have_a_mapping_report():
    _, result = read_file(SIE, get_settings())
    report = result.metadata["mapping_report"]
    assert report["fields"]["registration_date"]["how"] in ("format", "absent")
    assert report["fields"]["voucher_id"] == {"source": "#VER series and number", "how": "format"}
    assert report["fields"]["value_date"] == {"source": None, "how": "absent"}


TRICKY = ["plain", 'quote " inside', "back\\slash", "new\nline", "tab\tand\rreturn", "\x00\x01\x1f controls",
          "ünïcödé 漢字 🙂", "slash / here", "", "\u2028line separator"]


def test_raw_records_are_what_the_standard_json_module_writes():
    table = pd.DataFrame({"a": TRICKY, "b\n\"header\"": list(reversed(TRICKY))}, dtype="string[pyarrow]")
    arrays = raw_json_text(table, keyed=False)
    expected = [json.dumps([a, b], ensure_ascii=False, separators=(",", ":")) for a, b in zip(
        TRICKY, reversed(TRICKY), strict=True)]
    assert arrays.tolist() == expected
    for text, (a, b) in zip(raw_json(table), zip(TRICKY, reversed(TRICKY), strict=True), strict=True):
        assert json.loads(text) == {"a": a, "b\n\"header\"": b}
    with_null = pd.DataFrame({"a": ["x", None]}, dtype="string[pyarrow]")
    assert raw_json_text(with_null, keyed=False).tolist() == ['["x"]', "[null]"]
