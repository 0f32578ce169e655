"""Blank and suspicious descriptions."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.descriptions import SuspiciousDescription
from anomaly_pipeline_tests.detect.frames import flags, frame

TEXTS = ["Rättelse av faktura 1001", "Payment per  instruction from CEO", "Testament fee", "Invoice 1234", None,
         " - ", "JUSTERING", "Manual adjustment", "misc.", "Latest order"]


def _data():
    return frame(description=TEXTS, amount=[float(100 * (i + 1)) for i in range(len(TEXTS))])


def test_keywords_as_whole_words_and_blank_texts():
    result = SuspiciousDescription().detect(_data())
    assert flags(result) == {
        1: ("medium", "description 'Rättelse av faktura 1001' contains 'rättelse'; amount 100"),
        2: ("medium", "description 'Payment per  instruction from CEO' contains 'per  instruction'; amount 200"),
        5: ("low", "blank description; amount 500"),
        6: ("low", "blank description; amount 600"),
        7: ("medium", "description 'JUSTERING' contains 'justering'; amount 700"),
        8: ("medium", "description 'Manual adjustment' contains 'manual', 'adjustment'; amount 800"),
        9: ("medium", "description 'misc.' contains 'misc'; amount 900"),
    }
    scores = result.scores.set_index("transaction_id")["score"]
    assert scores[1] == 0.7 and scores[5] == 0.4 and scores[3] == 0.0
    assert result.summary == {"blank": 2, "keyword": 5, "blank_share": 0.2}


def test_custom_keywords_and_no_blank_flags():
    result = SuspiciousDescription().detect(_data(), {"keywords": ["latest", "test"], "flag_blank": False,
                                                      "severity": "high"})
    assert flags(result) == {10: ("high", "description 'Latest order' contains 'latest'; amount 1 000")}


def test_blank_texts_are_not_findings_where_most_lines_have_none():
    data = frame(description=["Invoice 7", None, None, "", "Manual fix"], amount=[1.0, 2.0, 3.0, 4.0, 5.0])
    result = SuspiciousDescription().detect(data)
    assert flags(result) == {5: ("medium", "description 'Manual fix' contains 'manual'; amount 5")}
    assert result.summary["blank_share"] == 0.6
    assert set(flags(SuspiciousDescription().detect(data, {"max_blank_share": 0.6}))) == {2, 3, 4, 5}


def test_skipped_when_the_source_has_no_descriptions():
    assert SuspiciousDescription().detect(frame(amount=[1.0, 2.0])).skipped == "the upload has no description data"


@pytest.mark.parametrize(("config", "field"), [
    ({"keywords": [""]}, "suspicious_description.keywords"),
    ({"keywords": "test"}, "suspicious_description.keywords"),
    ({"flag_blank": "yes"}, "suspicious_description.flag_blank"),
    ({"blank_severity": "none"}, "suspicious_description.blank_severity"),
    ({"max_blank_share": 1.5}, "suspicious_description.max_blank_share"),
])
def test_config_errors_name_the_field(config, field):
    with pytest.raises(ConfigError, match=field):
        SuspiciousDescription().validate_config(config)


def _ledger(corrections: int, account: str = "6110"):
    """100 two-line vouchers of invoices; `corrections` of them described as a correction on `account`."""
    rows = []
    for v in range(1, 101):
        desc, acc = (f"Correction {v}", account) if v <= corrections else (f"Invoice {v}", "3001")
        rows += [{"voucher_id": f"V{v}", "account": acc, "amount": 100.0 * v, "description": desc},
                 {"voucher_id": f"V{v}", "account": "1510", "amount": -100.0 * v, "description": desc}]
    return frame(rows)


def test_a_keyword_rare_in_this_ledger_is_flagged_with_its_rarity():
    result = SuspiciousDescription().detect(_ledger(1))
    assert flags(result) == {
        1: ("medium", "description 'Correction 1' contains 'correction'; amount 100; "
                      "1.0 % of this ledger's vouchers carry 'correction'"),
        2: ("medium", "description 'Correction 1' contains 'correction'; amount -100; "
                      "1.0 % of this ledger's vouchers carry 'correction'"),
    }


def test_a_keyword_common_in_this_ledger_is_its_vocabulary():
    # a third of the vouchers say 'correction': this ledger's word for a routine, not a finding
    result = SuspiciousDescription().detect(_ledger(30))
    assert flags(result) == {}
    assert result.summary["habitual_keywords"] == ["correction"]
    # five corrections, all on one account that holds nothing else: that account's routine
    assert flags(SuspiciousDescription().detect(_ledger(5, account="2990"))) == {}
    # the same five on an account the invoices use too are rare there and in the ledger: flagged
    assert len(flags(SuspiciousDescription().detect(_ledger(5, account="3001")))) == 10
