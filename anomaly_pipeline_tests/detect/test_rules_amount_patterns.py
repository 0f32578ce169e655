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


def test_just_below_approval_limits():
    result = BelowApprovalLimit().detect(frame(amount=AMOUNTS))
    assert flags(result) == {
        5: ("medium", "amount 9 999 is 1 (0.01%) below the approval limit 10 000 (margin 5%)"),
        6: ("medium", "amount 9 500 is 500 (5.00%) below the approval limit 10 000 (margin 5%)"),
        8: ("medium", "amount 49 990 is 10 (0.02%) below the approval limit 50 000 (margin 5%)"),
        12: ("medium", "amount 47 500 is 2 500 (5.00%) below the approval limit 50 000 (margin 5%)"),
    }
    custom = BelowApprovalLimit().detect(frame(amount=AMOUNTS), {"limits": [1_500], "margin": 0.01})
    assert flags(custom) == {11: ("medium", "amount 1 499.99 is 0.01 (0.00%) below the approval limit 1 500 (margin 1%)")}


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
