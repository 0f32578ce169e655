"""Unbalanced vouchers, gaps in voucher number series, voucher numbers out of step with dates."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.voucher_integrity import (
    UnbalancedVoucher,
    VoucherNumberGap,
    VoucherOutOfOrder,
)
from anomaly_pipeline_tests.detect.frames import flags, frame


def test_unbalanced_vouchers_on_active_lines():
    data = frame(
        voucher_id=["V1", "V1", "V1", "V2", "V2", "V3", "V3", "V3", "V3", "V5", "V5"],
        amount=[100.0, -100.0, 100.0, 5000.0, -4000.0, 33.33, 33.33, 33.34, -100.0, 50.0, -49.99],
        is_removed=[False, False, True, False, False, False, False, False, False, False, False],
    )
    result = UnbalancedVoucher().detect(data)
    reason = "voucher V2 does not balance: its 2 lines sum to 1 000 (debits 5 000, credits -4 000)"
    assert flags(result) == {4: ("high", reason), 5: ("high", reason)}
    assert result.summary == {"unbalanced_vouchers": 1}
    strict = flags(UnbalancedVoucher().detect(data, {"tolerance": 0.0}))
    assert strict[10] == ("high", "voucher V5 does not balance: its 2 lines sum to 0.01 (debits 50, credits -49.99)")
    assert set(strict) == {4, 5, 10, 11}


def test_unbalanced_skips_single_line_vouchers_and_missing_ids():
    statement = frame(voucher_id=["T1", "T2"], amount=[10.0, -3.0])
    assert UnbalancedVoucher().detect(statement).skipped == "no voucher has two lines: not a double-entry ledger"
    assert UnbalancedVoucher().detect(frame(amount=[1.0])).skipped == "the upload has no voucher_id data"


def test_gaps_in_a_series():
    ids = (["A1", "A2", "A3", "A5", "A5", "A6"] + [f"A{n}" for n in range(9, 21)] + ["B1", "B3"]
           + ["100", "101", "102", "103", "250"])
    data = frame(voucher_id=ids, amount=[1.0] * len(ids))
    result = VoucherNumberGap().detect(data)
    assert flags(result) == {
        4: ("medium", "series A: 1 number(s) missing (A4) before voucher A5"),
        5: ("medium", "series A: 1 number(s) missing (A4) before voucher A5"),
        7: ("medium", "series A: 2 number(s) missing (A7-A8) before voucher A9"),
    }
    # B has two vouchers (not tested); 103 -> 250 is a new range beyond max_gap
    assert result.summary == {"series_tested": 2, "gaps": 2, "missing_numbers": 3, "series_read_as_extracts": []}
    wide = flags(VoucherNumberGap().detect(data, {"max_gap": 1000, "min_series_vouchers": 2,
                                                  "max_missing_share": 1.0}))
    assert wide[20] == ("medium", "series B: 1 number(s) missing (B2) before voucher B3")
    assert wide[25] == ("medium", "series (no prefix): 146 number(s) missing (104-249) before voucher 250")
    assert set(wide) == {4, 5, 7, 20, 25}


def test_series_missing_much_of_its_range_is_an_extract():
    ids = ["1", "3", "6", "10", "11", "12"]  # 6 of 12 numbers: an account-filtered extract
    result = VoucherNumberGap().detect(frame(voucher_id=ids, amount=[1.0] * 6))
    assert flags(result) == {}
    assert result.summary["series_read_as_extracts"] == [""]
    assert set(flags(VoucherNumberGap().detect(frame(voucher_id=ids, amount=[1.0] * 6),
                                               {"max_missing_share": 0.5}))) == {2, 3, 4}


def _series():
    # A4 is a stray late date; A7 (two lines) goes back to February although numbered after March vouchers
    dates = ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-20", "2025-03-04", "2025-03-05", "2025-02-10",
             "2025-02-10", "2025-03-06"]
    return frame(voucher_id=["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A7", "A8"], posting_date=dates,
                 registration_date=dates, amount=[1.0] * 9)


def test_out_of_order_by_registration_date():
    result = VoucherOutOfOrder().detect(_series())
    reason = ("voucher A7 registered 2025-02-10, 22 days before the vouchers numbered just before it "
              "(A2-A6, registered around 2025-03-04)")
    # A5 follows the stray A4 but is in line with A1-A3: the median level does not implicate it
    assert flags(result) == {7: ("medium", reason), 8: ("medium", reason)}
    assert result.summary == {"date_used": "registration_date", "series_tested": 1, "out_of_order": 1}
    assert flags(VoucherOutOfOrder().detect(_series(), {"registration_tolerance_days": 22})) == {}
    # without the median (a window of one voucher) A5 would be blamed for A4
    assert set(flags(VoucherOutOfOrder().detect(_series(), {"window": 1}))) == {5, 7, 8}


def test_out_of_order_by_posting_date_without_registration():
    data = _series().assign(registration_date=None)
    result = VoucherOutOfOrder().detect(data)
    assert flags(result)[7] == ("medium", "voucher A7 dated 2025-02-10, 22 days before the vouchers numbered just "
                                          "before it (A2-A6, dated around 2025-03-04)")
    assert set(flags(result)) == {7, 8}
    assert flags(VoucherOutOfOrder().detect(data, {"posting_tolerance_days": 22})) == {}
    assert VoucherOutOfOrder().detect(data.assign(voucher_id=None)).skipped == "the upload has no voucher_id data"


def test_series_keep_their_separator():
    ids = ["B-1", "B-2", "B-3", "B-5", "B-6", "B-7"]
    result = VoucherNumberGap().detect(frame(voucher_id=ids, amount=[1.0] * 6), {"min_series_vouchers": 5})
    assert flags(result) == {4: ("medium", "series B-: 1 number(s) missing (B-4) before voucher B-5")}


@pytest.mark.parametrize(("rule", "config", "field"), [
    (UnbalancedVoucher, {"tolerance": -0.01}, "unbalanced_voucher.tolerance"),
    (UnbalancedVoucher, {"tolerance": "0.01"}, "unbalanced_voucher.tolerance"),
    (VoucherNumberGap, {"max_gap": 0}, "voucher_number_gap.max_gap"),
    (VoucherNumberGap, {"min_series_vouchers": 1}, "voucher_number_gap.min_series_vouchers"),
    (VoucherNumberGap, {"max_missing_share": 0}, "voucher_number_gap.max_missing_share"),
    (VoucherOutOfOrder, {"posting_tolerance_days": -1}, "voucher_out_of_order.posting_tolerance_days"),
    (VoucherOutOfOrder, {"window": 0}, "voucher_out_of_order.window"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)


def test_series_numbered_against_its_dates_is_skipped():
    # numbers rise while dates fall by ten days a voucher: a reverse numbering, not 29 findings
    dates = pd.Timestamp("2025-12-31") - pd.to_timedelta([10 * n for n in range(30)], unit="D")
    data = frame(voucher_id=[f"C{n}" for n in range(1, 31)], posting_date=dates, amount=[1.0] * 30)
    assert VoucherOutOfOrder().detect(data).skipped == (
        "29 of 30 vouchers (97%) are out of order: the series is not numbered in date order; per-line flags "
        "suppressed (max_flagged_share 0.5)")
    assert len(flags(VoucherOutOfOrder().detect(data, {"max_flagged_share": 1.0}))) == 29
