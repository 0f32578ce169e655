"""Configured account rules: amount limits, forbidden pairs, sensitive accounts."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.account_rules import (
    AccountAmountLimit,
    ForbiddenAccountPair,
    SensitiveAccount,
)
from anomaly_pipeline_tests.detect.frames import flags, frame


def _ledger():
    return frame(
        voucher_id=["V1", "V1", "V2", "V2", "V3", "V3", "V3"],
        account=["1930", "2893", "5410", "1930", "1910", "2893", "6110"],
        account_name=["Bank", "Skuld närstående", "Förbrukningsinventarier", "Bank", "Kassa", "Skuld närstående",
                      None],
        amount=[-25_000.0, 25_000.0, 12_000.0, -12_000.0, -300.0, 200.0, 100.0],
    )


def test_defaults_flag_nothing():
    for rule in (AccountAmountLimit(), ForbiddenAccountPair(), SensitiveAccount()):
        assert flags(rule.detect(_ledger())) == {}


def test_amount_limit_longest_prefix_wins():
    result = AccountAmountLimit().detect(_ledger(), {"limits": {"5": 5_000, "54": 15_000, "19": 20_000}})
    assert flags(result) == {
        1: ("medium", "amount -25 000 exceeds the limit 20 000 for account 1930 (rule '19')"),
    }
    tighter = AccountAmountLimit().detect(_ledger(), {"limits": {"5": 5_000, "541": 10_000}})
    assert flags(tighter) == {3: ("medium", "amount 12 000 exceeds the limit 10 000 for account 5410 (rule '541')")}


def test_forbidden_pair_flags_both_sides_in_the_voucher():
    result = ForbiddenAccountPair().detect(_ledger(), {"pairs": [["19", "2893"]]})
    assert flags(result) == {
        1: ("high", "voucher V1 posts to 1930 together with 2893 (forbidden pair 19 + 2893)"),
        2: ("high", "voucher V1 posts to 2893 together with 1930 (forbidden pair 19 + 2893)"),
        5: ("high", "voucher V3 posts to 1910 together with 2893 (forbidden pair 19 + 2893)"),
        6: ("high", "voucher V3 posts to 2893 together with 1910 (forbidden pair 19 + 2893)"),
    }
    assert result.summary["vouchers"] == 2
    two = flags(ForbiddenAccountPair().detect(_ledger(), {"pairs": [["19", "2893"], ["2893", "6110"]]}))
    assert two[6][1] == ("voucher V3 posts to 2893 together with 1910 (forbidden pair 19 + 2893); "
                         "voucher V3 posts to 2893 together with 6110 (forbidden pair 2893 + 6110)")
    assert set(two) == {1, 2, 5, 6, 7}


def test_forbidden_pair_skipped_without_vouchers():
    bank = frame(account=["1930"], amount=[5.0])
    assert ForbiddenAccountPair().detect(bank, {"pairs": [["19", "29"]]}).skipped == "the upload has no voucher_id data"


def test_sensitive_accounts_with_threshold():
    result = SensitiveAccount().detect(_ledger(), {"accounts": ["2893", "6110"], "min_amount": 150})
    assert flags(result) == {
        2: ("medium", "posting of 25 000 to sensitive account 2893 Skuld närstående (listed as '2893')"),
        6: ("medium", "posting of 200 to sensitive account 2893 Skuld närstående (listed as '2893')"),
    }
    assert set(flags(SensitiveAccount().detect(_ledger(), {"accounts": ["6110"]}))) == {7}
    assert flags(SensitiveAccount().detect(_ledger(), {"accounts": ["6110"]}))[7][1] == (
        "posting of 100 to sensitive account 6110 (listed as '6110')")


@pytest.mark.parametrize(("rule", "config", "field"), [
    (AccountAmountLimit, {"limits": {"19": -1}}, "account_amount_limit.limits.19"),
    (AccountAmountLimit, {"limits": ["19"]}, "account_amount_limit.limits"),
    (ForbiddenAccountPair, {"pairs": [["19"]]}, "forbidden_account_pair.pairs"),
    (ForbiddenAccountPair, {"pairs": "19,29"}, "forbidden_account_pair.pairs"),
    (SensitiveAccount, {"accounts": [2893]}, "sensitive_account.accounts"),
    (SensitiveAccount, {"min_amount": -1}, "sensitive_account.min_amount"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)
