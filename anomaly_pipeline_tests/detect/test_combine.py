"""combine_scores: noisy-OR risk, ordered reasons, voucher risk, on crafted scores with exact outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.detect.combine import combine_scores

WEIGHTS = {"a": 0.5, "b": 0.5, "c": 0.2, "muted": 0.0}


def _transactions() -> pd.DataFrame:
    return pd.DataFrame({"transaction_id": [3, 1, 2, 4], "voucher_id": pd.array(["V1", "V1", None, "V2"], "string")})


def _scores(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["transaction_id", "algorithm", "score", "flagged", "reason"])
    return frame.astype({"algorithm": "string", "reason": "string"})


def test_noisy_or_risk_reasons_strongest_first_and_voucher_risk():
    scores = _scores([
        (1, "c", 1.0, True, "small"),    # contribution 0.2
        (1, "b", 1.0, True, "big b"),    # 0.5, ties with a: algorithm order
        (1, "a", 1.0, True, "big a"),    # 0.5
        (2, "a", 0.4, False, None),      # 0.2, unflagged: risk but no reason
        (3, "muted", 1.0, True, "zero weight"),
        (9, "a", 1.0, True, "not in the upload"),
    ])
    risk = combine_scores(_transactions(), scores, WEIGHTS, threshold=0.5).set_index("transaction_id")
    assert risk.loc[1, "risk_score"] == pytest.approx(1 - 0.5 * 0.5 * 0.8)
    assert risk.loc[1, "reasons"] == "a: big a; b: big b; c: small"
    assert risk.loc[2, "risk_score"] == pytest.approx(0.2) and pd.isna(risk.loc[2, "reasons"])
    assert risk.loc[3, "risk_score"] == 0.0 and pd.isna(risk.loc[3, "reasons"])
    assert risk["is_anomaly"].to_dict() == {3: False, 1: True, 2: False, 4: False}
    # a voucher's risk is its riskiest line's; a line without a voucher keeps its own
    assert risk["voucher_risk"].to_dict() == {3: risk.loc[1, "risk_score"], 1: risk.loc[1, "risk_score"],
                                              2: pytest.approx(0.2), 4: 0.0}


def test_the_order_scores_come_in_does_not_change_the_result():
    scores = _scores([(1, name, 0.8, True, f"why {name}") for name in ("c", "b", "a")] + [(4, "b", 0.6, True, "x")])
    shuffled = scores.sample(frac=1.0, random_state=np.random.RandomState(1))
    one = combine_scores(_transactions(), scores, WEIGHTS, threshold=0.3)
    other = combine_scores(_transactions(), shuffled, WEIGHTS, threshold=0.3)
    pd.testing.assert_frame_equal(one, other)
    assert one.set_index("transaction_id").loc[1, "reasons"] == "a: why a; b: why b; c: why c"


def test_no_scores_is_no_risk():
    risk = combine_scores(_transactions(), _scores([]), WEIGHTS, threshold=0.5)
    assert risk["risk_score"].tolist() == [0.0] * 4 and not risk["is_anomaly"].any() and risk["reasons"].isna().all()


def test_a_family_of_algorithms_is_one_signal_with_one_reason():
    scores = _scores([
        (1, "m1", 1.0, True, "unusual amount for account 6110 (90 000 vs median 900)"),
        (1, "m2", 0.5, True, "unusual amount for account 6110"),
        (1, "ens", 0.9, True, "flagged by m1, m2 (mean 0.75): unusual amount for account 6110"),
        (1, "a", 1.0, True, "big a"),
        (4, "m2", 1.0, True, "rare user"),
    ])
    weights = {"m1": 0.4, "m2": 0.5, "ens": 0.3, "a": 0.5}
    families = {"m1": "ml models", "m2": "ml models", "ens": "ml models"}
    risk = combine_scores(_transactions(), scores, weights, 0.5, families).set_index("transaction_id")
    # the family counts once, with its strongest contribution (m1: 0.4 x 1.0), not as three signals
    assert risk.loc[1, "risk_score"] == pytest.approx(1 - 0.5 * 0.6)
    assert risk.loc[1, "reasons"] == ("a: big a; ml models (ens, m1, m2): unusual amount for account 6110 "
                                      "(90 000 vs median 900)")
    assert risk.loc[4, "reasons"] == "ml models (m2): rare user"
    assert risk.loc[4, "risk_score"] == pytest.approx(0.5)


def test_at_most_three_reasons_are_spelled_out_the_rest_named():
    scores = _scores([(1, name, 1.0, True, f"why {name}") for name in ("a", "b", "c", "d", "e")])
    weights = {"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2, "e": 0.1}
    risk = combine_scores(_transactions(), scores, weights, 0.5).set_index("transaction_id")
    assert risk.loc[1, "reasons"] == "a: why a; b: why b; c: why c; +2 more: d, e"
