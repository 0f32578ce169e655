"""moving_average: an amount against the rolling median of its account's previous postings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.statistical.moving_average import MovingAverageDeviation
from anomaly_pipeline_tests.detect.frames import flagged_ids, frame, reason_of


def _rent() -> list[dict]:
    """Monthly rent 25 000, raised to 30 000 from July; October's posting is 250 000 (listed first:
    the detector orders by date, not by file position)."""
    rows = [{"posting_date": "2024-10-01", "account": "5010", "amount": 250000.0}]
    for month in range(1, 13):
        if month != 10:
            rows.append({"posting_date": f"2024-{month:02d}-01", "account": "5010",
                         "amount": 25000.0 if month < 7 else 30000.0})
    return rows


def test_flags_the_posting_far_from_the_rolling_median_and_follows_drift():
    result = MovingAverageDeviation().detect(frame(_rent()))
    assert flagged_ids(result) == {1}
    history = np.log10([25000.0] * 6 + [30000.0] * 3)  # the nine postings before October
    q1, q3 = np.quantile(history, [0.25, 0.75])
    z = (np.log10(250000.0) - np.median(history)) / max((q3 - q1) / 1.349, 0.05)
    assert reason_of(result, 1) == ("amount 250 000 is 10.0× the rolling median of account 5010's previous 9 postings "
                                    f"(25 000); z {z:.1f}")
    # the raise to 30 000 is 1.2x: under min_ratio, never a finding
    assert result.scores.set_index("transaction_id").drop(1)["flagged"].sum() == 0


def test_history_comes_from_the_reference_when_given():
    reference = frame([{"posting_date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=i), "account": "1930",
                        "amount": -10000.0 - i, "transaction_id": i + 1} for i in range(20)])
    new = frame([{"posting_date": "2024-02-01", "account": "1930", "amount": -100000.0, "transaction_id": 101}])
    result = MovingAverageDeviation().detect(new, reference=reference)
    assert flagged_ids(result) == {101}
    median = 10 ** np.median(np.log10(10000.0 + np.arange(20)))  # the median is taken on the log scale
    assert f"previous 20 postings ({median:,.2f}); z 20.0".replace(",", " ") in reason_of(result, 101)


def test_too_little_history_is_not_judged():
    rows = _rent()[:6]  # October plus five months: October has four earlier postings, min_history is 8
    assert flagged_ids(MovingAverageDeviation().detect(frame(rows))) == set()


def test_skip_config_and_determinism():
    rows = [{k: v for k, v in r.items() if k != "account"} for r in _rent()]
    assert MovingAverageDeviation().detect(frame(rows)).skipped == "the upload has no account data"
    with pytest.raises(ConfigError, match=r"moving_average\.min_history: out of range"):
        MovingAverageDeviation().validate_config({"window": 5, "min_history": 6})
    first = MovingAverageDeviation().detect(frame(_rent())).scores
    assert first.equals(MovingAverageDeviation().detect(frame(_rent())).scores)


def test_direction_up_ignores_amounts_below_the_rolling_median():
    rows = _rent()
    rows[0]["amount"] = 2500.0  # October a tenth of the rent
    both = MovingAverageDeviation().detect(frame(rows))
    assert flagged_ids(both) == {1}
    assert reason_of(both, 1).startswith("amount 2 500 is 1/10.0 of the rolling median of account 5010's")
    assert flagged_ids(MovingAverageDeviation().detect(frame(rows), {"direction": "up"})) == set()
    with pytest.raises(ConfigError, match=r"moving_average\.direction: out of range, got 'down'"):
        MovingAverageDeviation().validate_config({"direction": "down"})
