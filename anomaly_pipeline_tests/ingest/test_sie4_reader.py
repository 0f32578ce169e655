"""SIE 4 reader: every shared sample, the #RTRANS/#BTRANS rules, object lists, encodings, line endings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from anomaly_pipeline.cli import main
from anomaly_pipeline.ingest.detect_format import detect_format
from anomaly_pipeline.ingest.errors import RejectedFile
from anomaly_pipeline.ingest.read_file import read_file
from anomaly_pipeline.settings import get_settings
from anomaly_pipeline_tests.conftest import REAL_DATA, real_file

# file -> expected outcome. Loaded files: (entity, encoding, unbalanced vouchers); counts and totals come from the
# file itself below. Rejected files: a substring of the reason.
EXPECTED: dict[str, tuple] = {
    "Alipsa__SIEParser__44_sie4.se": ("loaded", "Övningsbolaget AB", "cp437", 0),
    "bufferoverflow-se__SIEPort__SIE4-sample.SE": ("loaded", "Övningsbolaget AB", "cp437", 0),
    "idstam__jsisie__BL0001_typ4.SE": ("loaded", "SEEE Speak Easy Executive English AB", "cp437", 0),
    "idstam__jsisie__MAMUT_SIE4_EXPORT.SE": ("loaded", "Mamut_SIE", "cp437", 0),
    "idstam__jsisie__Norstedts%20Revision%20SIE%201.SE": (
        "rejected", "contains no transactions (SIE type 1: year-end balances only)"),
    # stored as UTF-8 after a lossy conversion: the Ö of the company name is U+FFFD
    "idstam__jsisie__SIE4_Exempelfil_med_underdim.SE": ("loaded", "\ufffdvningsbolaget AB", "utf-8", 0),
    "idstam__jsisie__Sie4.se": ("loaded", "Demoföretaget AB", "cp437", 0),
    "idstam__jsisie__Sie4.si": ("loaded", "Testföretaget AB", "cp437", 0),
    "idstam__jsisie__Test4.SE": ("loaded", "Exempelföretag 44", "cp437", 0),
    "idstam__jsisie__XE_SIE_4_20151125095119.SE": ("loaded", "Entreprenad AB", "cp437", 1),
    "idstam__jsisie__transaktioner_ovnbolag-bad-balance.se": ("loaded", "Övningsbolaget AB (Ekonomi 60)", "cp437", 1),
    "idstam__jsisie__transaktioner_ovnbolag.se": ("loaded", "Övningsbolaget AB (Ekonomi 60)", "cp437", 0),
    "idstam__jsisie__typ4.se": ("loaded", "Övningsföretaget AB", "cp437", 0),
}

_ROW = re.compile(r'^[ \t]*#(TRANS|RTRANS|BTRANS)[ \t]+(?:"[^"]*"|\S+)[ \t]*\{[^}]*\}[ \t]*"?(-?[0-9]+(?:\.[0-9]+)?)',
                  re.MULTILINE)


def _file_counts(path: Path) -> tuple[int, int, float, float]:
    """(active rows, removed rows, active total, removed total) by regex over the raw file."""
    text = path.read_bytes().decode("latin-1")
    rows = _ROW.findall(text)
    labels = [m.group(1) for m in re.finditer(r"^[ \t]*#([A-Z]+)", text, re.MULTILINE)]
    unmirrored = sum(1 for a, b in zip(labels, labels[1:] + [""], strict=True) if a == "RTRANS" and b != "TRANS")
    active = [float(a) for kind, a in rows if kind == "TRANS"]
    removed = [float(a) for kind, a in rows if kind == "BTRANS"]
    return len(active) + unmirrored, len(removed), sum(active), sum(removed)


def test_expected_table_covers_every_shared_sie_file():
    assert set(EXPECTED) == {p.name for p in (REAL_DATA / "sie4").iterdir()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_sie_files(name, monkeypatch, tmp_path):
    monkeypatch.setenv("ANOMALY_DATA_DIR", str(tmp_path))
    path = real_file(f"sie4/{name}")
    expected = EXPECTED[name]
    if expected[0] == "rejected":
        with pytest.raises(RejectedFile) as info:
            read_file(path, get_settings())
        assert expected[1] in info.value.reason
        return
    _, entity, encoding, unbalanced = expected
    file_format, result = read_file(path, get_settings())
    frame = result.frame
    active_rows, removed_rows, active_total, removed_total = _file_counts(path)
    active = frame[~frame["is_removed"]]
    assert file_format == "sie4"
    assert len(active) == active_rows
    assert int(frame["is_removed"].sum()) == removed_rows
    assert result.expected_rows == active_rows + removed_rows == len(frame)
    assert active["amount"].sum() == pytest.approx(active_total, abs=0.005)
    assert frame.loc[frame["is_removed"], "amount"].sum() == pytest.approx(removed_total, abs=0.005)
    assert frame["voucher_id"].nunique() == len(re.findall(rb"^[ \t]*#VER\b", path.read_bytes(), re.MULTILINE))
    assert result.metadata["entity"] == entity and set(frame["entity"]) == {entity}
    assert result.metadata["encoding"] == encoding
    assert len(result.metadata["unbalanced_vouchers"]) == unbalanced
    assert frame["posting_date"].notna().all() and frame["account"].notna().all()
    named = set(re.findall(r'^[ \t]*#KONTO[ \t]+"?([^\s"]+)', path.read_bytes().decode("latin-1"), re.MULTILINE))
    assert (frame["account_name"].notna() == frame["account"].isin(named)).all()  # every #KONTO name is used
    assert (frame["source_format"] == "sie4").all()


def test_bl0001_rtrans_btrans_pairs():
    """BL Administration writes #BTRANS (removed) and #RTRANS + mirror #TRANS (added) rows with a user."""
    path = real_file("sie4/idstam__jsisie__BL0001_typ4.SE")
    _, result = read_file(path, get_settings())
    frame = result.frame
    voucher = frame[frame["voucher_id"] == "A 8"]
    # #BTRANS 1930 -1000, #RTRANS 1930 0 + #TRANS 1930 0, #BTRANS 2640 200, #RTRANS+#TRANS 2640 0, #BTRANS 4010 800
    assert voucher["account"].tolist() == ["1930", "1930", "2640", "2640", "4010"]
    assert voucher["is_removed"].tolist() == [True, False, True, False, True]
    assert voucher["amount"].tolist() == [-1000, 0, 200, 0, 800]
    assert voucher["line_number"].tolist() == [1, 2, 3, 4, 5]
    assert set(voucher["user_name"]) == {"2 Christer Bengtsson"}
    assert result.metadata["rtrans_merged"] == 6
    added = json.loads(voucher["raw"].iloc[1])
    assert added["added_by"].startswith("#RTRANS 1930")


SIE_HEAD = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#PROGRAM "Test" 1.0
#FNAMN "Bolaget \\"Nord\\" AB"
#ORGNR 556000-0001
#RAR 0 20240101 20241231
#KONTO 1930 "Företagskonto"
#KONTO 3010 "Försäljning"
#KONTO 2611 "Utgående moms"
"""


def _write(tmp_path: Path, body: str, name: str = "test.se", encoding: str = "cp437", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes((SIE_HEAD + body).replace("\n", newline).encode(encoding))
    return path


def _read(path: Path):
    _, result = read_file(path, get_settings())
    return result


VOUCHERS = """#VER A 1 20240105 "Faktura \\"12\\" åäö" 20240107 "anna"
{
   #TRANS 1930 {} 1250.00
   #TRANS 3010 {1 "100" 6 "P1"} -1000.00 20240106 "Rad text" 2 "bertil"
   #TRANS 2611 { } -250.00 2024-01-04
}
#VER B 7 20240110 "Rättelse" 20240301 "anna"
{
#TRANS 1930 {} 100.00
#BTRANS 3010 {} -90.00 20240301 "" "" "cecilia"
#RTRANS 3010 {} -100.00 20240301 "" "" "cecilia"
#TRANS 3010 {} -100.00
#RTRANS 2611 {"1" "200"} 5.00 20240301 "" "" "david"
#TRANS 2611 {} -5.00
}
"""


def test_crafted_voucher_fields(tmp_path):
    result = _read(_write(tmp_path, VOUCHERS))
    frame = result.frame
    a1 = frame[frame["voucher_id"] == "A 1"]
    assert set(a1["voucher_type"]) == {"A"}  # the #VER series
    assert a1["amount"].tolist() == [1250.0, -1000.0, -250.0]
    assert a1["line_number"].tolist() == [1, 2, 3]
    assert a1["row_number"].tolist() == [13, 14, 15]
    assert a1["description"].tolist() == ['Faktura "12" åäö', "Rad text", 'Faktura "12" åäö']
    # transdate overrides the voucher date; regdate -> registration_date; the row sign wins over the voucher's
    assert a1["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-06", "2024-01-04"]
    assert not any("unreadable transaction date" in w for w in result.warnings)  # YYYY-MM-DD is read too
    assert set(a1["registration_date"].dt.strftime("%Y-%m-%d")) == {"2024-01-07"}
    assert a1["user_name"].tolist() == ["anna", "bertil", "anna"]
    assert a1["dimensions"].tolist()[1] == '{"1": "100", "6": "P1"}'
    assert a1["dimensions"].isna().tolist() == [True, False, True]
    assert json.loads(a1["raw"].iloc[1])["quantity"] == "2"
    assert a1["account_name"].tolist() == ["Företagskonto", "Försäljning", "Utgående moms"]
    assert set(frame["currency"]) == {"SEK"}
    assert result.metadata["entity"] == 'Bolaget "Nord" AB'
    assert result.metadata["organisation_number"] == "556000-0001"
    assert result.metadata["fiscal_years"] == {"0": "20240101-20241231"}


def test_crafted_rtrans_btrans(tmp_path):
    result = _read(_write(tmp_path, VOUCHERS))
    b7 = result.frame[result.frame["voucher_id"] == "B 7"]
    # #RTRANS 3010 + identical #TRANS count once; #RTRANS 2611 5.00 is followed by a #TRANS of another amount,
    # so both rows stand; #BTRANS is kept as removed
    assert b7["account"].tolist() == ["1930", "3010", "3010", "2611", "2611"]
    assert b7["amount"].tolist() == [100.0, -90.0, -100.0, 5.0, -5.0]
    assert b7["is_removed"].tolist() == [False, True, False, False, False]
    assert b7["user_name"].tolist() == ["anna", "cecilia", "cecilia", "david", "anna"]
    assert b7["dimensions"].tolist()[3] == '{"1": "200"}'
    assert result.metadata["rtrans_merged"] == 1
    assert result.metadata["removed_rows"] == 1
    # 6 #TRANS + 1 #BTRANS; both #RTRANS lines are immediately followed by a #TRANS line
    assert result.expected_rows == 7
    assert len(result.frame) == 8  # the mismatch is what the count check is for: a non-identical mirror
    assert not any("do not balance" in w for w in result.warnings)


@pytest.mark.parametrize("encoding", ["cp437", "utf-8", "iso8859_15"])
def test_encoding_detection_while_claiming_pc8(tmp_path, encoding):
    result = _read(_write(tmp_path, VOUCHERS, encoding=encoding))
    assert result.metadata["encoding"] == encoding
    assert result.frame["account_name"].tolist()[:2] == ["Företagskonto", "Försäljning"]
    assert result.frame["description"].iloc[0] == 'Faktura "12" åäö'


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_tabs(tmp_path, newline):
    body = VOUCHERS.replace("#TRANS 1930 {} 1250.00", "#TRANS\t1930\t{}\t1250.00")
    result = _read(_write(tmp_path, body, newline=newline))
    assert detect_format((tmp_path / "test.se").read_bytes()) == "sie4"
    frame = result.frame
    assert len(frame) == 8
    assert frame["row_number"].tolist()[:3] == [13, 14, 15]
    assert frame["amount"].iloc[0] == 1250.0
    assert frame["description"].iloc[0] == 'Faktura "12" åäö'


def test_missing_braces_are_tolerated_with_a_warning(tmp_path):
    body = '#VER A 1 20240105 "Utan klamrar"\n#TRANS 1930 {} 10.00\n#TRANS 3010 {} -10.00\n' \
           '#VER A 2 20240106 "Ej stängd"\n{\n#TRANS 1930 {} 5.00\n#TRANS 3010 {} -5.00\n'
    result = _read(_write(tmp_path, body))
    assert result.frame["voucher_id"].tolist() == ["A 1", "A 1", "A 2", "A 2"]
    assert any("A 1" in w and "no opening brace" in w for w in result.warnings)
    assert any("A 2" in w and "no closing brace" in w for w in result.warnings)


@pytest.mark.parametrize(("body", "reason"), [
    ("#TRANS 1930 {} 10.00\n", "line 11: #TRANS outside a #VER voucher"),
    ('#VER A 1 20240105 "x"\n{\n#TRANS 1930 {} 1O.00\n#TRANS 3010 {} -10.00\n}\n',
     "1 SIE rows have amount is not a number: line 13 ('1O.00')"),
    ('#VER A 1 2024-13-45 "x"\n{\n#TRANS 1930 {} 10.00\n}\n', "no valid date"),
    ('#VER A 1 20240105 "x"\n{\n#TRANS 1930 {} 10.00\nsomething else\n}\n',
     "line 14 inside voucher A 1 is not a SIE record"),
    ('#VER A 1 20240105 "x"\n{\n}\n', "contains no transactions (1 #VER vouchers, no #TRANS rows)"),
])
def test_unreadable_content_is_rejected_with_a_line_number(tmp_path, body, reason):
    with pytest.raises(RejectedFile) as info:
        _read(_write(tmp_path, body))
    assert reason in info.value.reason


def test_unknown_records_are_ignored(tmp_path):
    body = '#NYTTFALT 1 2 3\n#VER A 1 20240105 "x"\n{\n#TRANS 1930 {} 10.00\n#FRAMTIDA 7\n#TRANS 3010 {} -10.00\n}\n' \
           'skräp utanför verifikationer\n'
    result = _read(_write(tmp_path, body))
    assert len(result.frame) == 2
    assert result.metadata["ignored_records"] == {"#FRAMTIDA": 1, "#NYTTFALT": 1}
    assert any("1 unknown records inside vouchers" in w and "#FRAMTIDA on line 15" in w for w in result.warnings)
    assert any("1 lines outside vouchers are not SIE records" in w and "[18]" in w for w in result.warnings)


def test_process_sie_file_end_to_end(env, capsys):
    path = real_file("sie4/idstam__jsisie__BL0001_typ4.SE")
    active_rows, removed_rows, _, _ = _file_counts(path)
    assert main(["process", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["status"] == "loaded"
    assert out[0]["transactions"] == active_rows == 405
    assert main(["uploads", "--format", "json"]) == 0
    upload = json.loads(capsys.readouterr().out)[0]
    assert upload["expected_rows"] == active_rows + removed_rows
    assert upload["file_format"] == "sie4"


def test_unreadable_transaction_date_falls_back_to_the_voucher_date(tmp_path):
    body = '#VER A 1 20240105 "x"\n{\n#TRANS 1930 {} 10.00 20241345\n#TRANS 3010 {} -10.00\n}\n'
    result = _read(_write(tmp_path, body))
    assert result.frame["posting_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-05"]
    assert any("1 rows have an unreadable transaction date" in w and "line 13" in w for w in result.warnings)
