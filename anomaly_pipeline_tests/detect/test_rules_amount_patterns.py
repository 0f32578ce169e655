"""Round amounts, tell-tale endings, amounts just below an approval limit."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.amount_patterns import AmountEnding, BelowApprovalLimit, RoundAmount
from anomaly_pipeline_tests.detect.frames import flags, frame

AMOUNTS = [25_000.0, -3_000.0, 1_000.5, 999.0, 9_999.0, 9_500.0, 9_499.99, 49_990.0, 10_000.0, 0.0, 1_499.99, 47_500.0]


def test_round_amounts():
    result = RoundAmount().detect(frame(amount=AMOUNTS))
    assert flags(result) == {
        1: ("low", "round amount 25 000 (a multiple of 1 000)"),
        2: ("low", "round amount -3 000 (a multiple of 1 000)"),
        9: ("low", "round amount 10 000 (a multiple of 1 000)"),
    }
    assert result.scores.set_index("transaction_id").loc[1, "score"] == 0.4
    assert set(flags(RoundAmount().detect(frame(amount=AMOUNTS), {"multiple": 10_000}))) == {9}
    assert set(flags(RoundAmount().detect(frame(amount=AMOUNTS), {"multiple": 500, "min_amount": 5_000}))) == {1, 6, 9, 12}


def test_amount_endings():
    result = AmountEnding().detect(frame(amount=AMOUNTS))
    assert flags(result) == {
        4: ("low", "amount 999 ends in 99"),
        5: ("low", "amount 9 999 ends in 99"),
        7: ("low", "amount 9 499.99 ends in 99"),
        11: ("low", "amount 1 499.99 ends in 99"),
    }
    longest = flags(AmountEnding().detect(frame(amount=AMOUNTS), {"endings": ["99", "999"], "min_amount": 1000}))
    assert longest == {5: ("low", "amount 9 999 ends in 999"), 7: ("low", "amount 9 499.99 ends in 99"),
                       11: ("low", "amount 1 499.99 ends in 99")}


def test_one_amount_just_below_a_limit_is_not_a_finding():
    assert flags(BelowApprovalLimit().detect(frame(amount=AMOUNTS))) == {}


def test_an_excess_of_amounts_just_below_a_limit_is_flagged_per_user():
    # everyone's amounts spread around 50 000; user bo's invoices pile up just under it
    spread = [42_600.0 + 650 * i for i in range(20)]  # 42 600 .. 54 950, evenly
    rows = [{"amount": a, "user_name": u, "account": "4010"} for u in ("anna", "erik", "dina") for a in spread]
    rows += [{"amount": a, "user_name": "bo", "account": "4010"} for a in (49_400.0, 49_850.0, 49_990.0, 48_900.0, 49_500.0)]
    result = BelowApprovalLimit().detect(frame(rows))
    assert flags(result)[61] == ("high", "amount 49 400 is just below the approval limit 50 000; user bo has 5 "
                                           "distinct amounts in the 5% below it and 0 in the 20% around that band")
    assert set(flags(result)) == {61, 62, 63, 64, 65}
    # the same amounts in a ledger where amounts just above the limit are as common are no pattern
    balanced = rows + [{"amount": a, "user_name": "bo", "account": "4010"}
                       for a in (50_200.0, 50_900.0, 51_500.0, 52_000.0, 50_100.0)]
    assert flags(BelowApprovalLimit().detect(frame(balanced))) == {}
    custom = BelowApprovalLimit().detect(frame(rows), {"limits": [30_000]})
    assert flags(custom) == {}


def test_skipped_without_amounts():
    for rule in (RoundAmount(), AmountEnding(), BelowApprovalLimit()):
        assert rule.detect(frame(account=["1930"], amount=[float("nan")])).skipped == "the upload has no amount data"


@pytest.mark.parametrize(("rule", "config", "field"), [
    (RoundAmount, {"multiple": 0}, "round_amount.multiple"),
    (AmountEnding, {"endings": ["9x"]}, "amount_ending.endings"),
    (AmountEnding, {"endings": []}, "amount_ending.endings"),
    (AmountEnding, {"endings": "99"}, "amount_ending.endings"),
    (BelowApprovalLimit, {"limits": [0]}, "below_approval_limit.limits"),
    (BelowApprovalLimit, {"margin": 1.5}, "below_approval_limit.margin"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)
