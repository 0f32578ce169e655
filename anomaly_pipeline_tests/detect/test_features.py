"""The shared feature matrix: values computed by hand, and robustness to missing optional columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly_pipeline.detect.features import build_features
from anomaly_pipeline_tests.detect.frames import frame


def _ledger() -> list[dict]:
    rows = []
    for i in range(10):  # office supplies paid from the bank, by bo
        rows += [{"voucher_id": f"B{i}", "account": "6110", "amount": 120.5 + i, "user_name": "bo"},
                 {"voucher_id": f"B{i}", "account": "1930", "amount": -120.5 - i, "user_name": "bo"}]
    for i in range(10):  # sales, by anna
        rows += [{"voucher_id": f"A{i}", "account": "1510", "amount": 1000.0 + i, "user_name": "anna"},
                 {"voucher_id": f"A{i}", "account": "3001", "amount": -1000.0 - i, "user_name": "anna"}]
    rows += [{"voucher_id": "M1", "account": "6110", "amount": 50000.0, "user_name": "carl"},
             {"voucher_id": "M1", "account": "3001", "amount": -50000.0, "user_name": "carl"}]
    for r in rows:
        r["posting_date"] = "2024-04-03"  # a Wednesday
        r["registration_date"] = "2024-04-05"
    rows[-1]["registration_date"] = "2024-06-02"
    return rows


def test_feature_values():
    tx = frame(_ledger())
    f = build_features(tx, tx)
    m = f.matrix
    # constant over the reference, so left out: weekday (one date), sign rarity (every account keeps its
    # side), user rarity (every user holds more than 1% of the lines); currency is missing
    assert f.names == ["log_amount", "roundness", "amount_z", "pair_rarity", "user_account_rarity", "registration_lag"]
    manual = len(tx) - 1  # the M1 revenue line (index 41)
    assert m.loc[manual, "log_amount"] == pytest.approx(np.log10(50001))
    assert m.loc[manual - 1, "roundness"] == 4  # 50 000: four trailing zeros
    assert m.loc[0, "roundness"] == 0  # 120.50 has cents
    # 6110 with 3001: 1 voucher of the 11 holding 3001 (the rarer of the two, tied at 11)
    assert m.loc[manual, "pair_rarity"] == pytest.approx(np.log10(11))
    assert m.loc[0, "pair_rarity"] == 0.0  # 6110 with 1930: 10 of 10
    # carl posts 1 of 11 lines on 3001
    assert m.loc[manual, "user_account_rarity"] == pytest.approx(np.log10(11))
    assert m.loc[manual, "registration_lag"] == pytest.approx(np.log1p(60))
    assert m.loc[0, "registration_lag"] == pytest.approx(np.log1p(2))
    assert not m.isna().any().any()
    ctx = f.context.loc[manual]
    assert (ctx["account"], ctx["pair_other"], ctx["pair_count"], ctx["pair_base"]) == ("3001", "6110", 1, 11)
    assert (ctx["user"], ctx["user_account_count"], ctx["account_count"]) == ("carl", 1, 11)


def test_bank_statement_without_optional_columns():
    days = [f"2024-01-{d:02d}" for d in range(1, 27)] + ["2024-01-27"]  # one Saturday among 27 days
    rows = [{"posting_date": day, "account": "SE12", "amount": float(a)}
            for day, a in zip(days, [-50, 1200, -80] * 9, strict=True)]
    tx = frame(rows)
    f = build_features(tx, tx)
    assert f.names == ["log_amount", "roundness", "amount_z", "sign_rarity", "weekday_rarity"]
    saturday = f.matrix["weekday_rarity"].iloc[-1]
    assert saturday == pytest.approx(-np.log10(4 / 27))  # Jan 6, 13, 20, 27 are Saturdays
    assert f.matrix["sign_rarity"].iloc[1] == pytest.approx(1 - 9 / 27)  # 9 of 27 lines are deposits
    assert len(f.matrix) == len(rows) and not f.matrix.isna().any().any()


def test_rows_scored_against_another_reference():
    ref = frame(_ledger())
    new = frame([{"voucher_id": "N1", "account": "7010", "amount": 10.0, "user_name": "eve",
                  "posting_date": "2024-04-03", "registration_date": "2024-04-03"}])
    f = build_features(new, ref)
    assert len(f.matrix) == 1
    # an account the reference never saw: no baseline, z 0; an unseen user counts as half a line
    assert f.matrix.loc[0, "amount_z"] == 0.0
    assert f.matrix.loc[0, "user_account_rarity"] == pytest.approx(-np.log10(0.5))  # half a line of at least one
    assert f.matrix.loc[0, "registration_lag"] == 0.0


def test_a_reference_that_is_the_rows_is_featurized_once():
    tx = frame(_ledger())
    shared = build_features(tx, tx)  # as base.detect passes them without a reference: one object
    assert shared.self_referenced and shared.reference is shared.matrix
    apart = build_features(tx, tx.copy(deep=False))  # another frame, even over the same data: computed for both
    assert not apart.self_referenced
    pd.testing.assert_frame_equal(shared.matrix, apart.matrix, check_exact=True)
    pd.testing.assert_frame_equal(apart.reference, apart.matrix, check_exact=True)
    pd.testing.assert_frame_equal(shared.context, apart.context, check_exact=True)


def test_rows_without_an_amount_get_the_reference_median():
    tx = frame(_ledger())
    tx.loc[3, "amount"] = np.nan
    f = build_features(tx, tx)
    assert not f.matrix.isna().any().any()
    assert f.matrix.loc[3, "log_amount"] == np.median(f.matrix.drop(index=3)["log_amount"])
    assert f.matrix.loc[3, "roundness"] == 0  # no amount, no trailing zeros


def _card_settlements(months: int) -> list[dict]:
    """A year of bo's weekly office purchases (6110 paid from the bank 1930, 6120 on account 2440), and carl's
    four card settlements (6120 paid from the bank), each in a month of its own (`months` 4) or all in one."""
    rows = []
    for week in range(52):
        day = (pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=week)).strftime("%Y-%m-%d")
        rows += [{"voucher_id": f"B{week}", "account": "6110", "amount": 120.5 + week, "user_name": "bo",
                  "posting_date": day},
                 {"voucher_id": f"B{week}", "account": "1930", "amount": -120.5 - week, "user_name": "bo",
                  "posting_date": day}]
        rows += [{"voucher_id": f"K{week}", "account": "6120", "amount": 80.0 + week, "user_name": "bo",
                  "posting_date": day},
                 {"voucher_id": f"K{week}", "account": "2440", "amount": -80.0 - week, "user_name": "bo",
                  "posting_date": day}]
    for i in range(4):
        day = f"2024-{(i * 3 if months > 1 else 0) + 1:02d}-05"
        rows += [{"voucher_id": f"C{i}", "account": "6120", "amount": 900.0 + i, "user_name": "carl", "posting_date": day},
                 {"voucher_id": f"C{i}", "account": "1930", "amount": -900.0 - i, "user_name": "carl", "posting_date": day}]
    return rows


def test_a_user_and_a_pair_met_every_quarter_are_a_routine_not_rare():
    # carl's 4 card settlements: 4 of 56 postings on 6120, 6120 with 1930 in 4 of 56 vouchers; once a quarter
    # (4 months) that is the ledger's routine, and the same 4 in one month are rare
    routine = frame(_card_settlements(months=4))
    m = build_features(routine, routine).matrix
    carl = routine.index[routine["user_name"] == "carl"]
    assert (m.loc[carl, "user_account_rarity"] == 0.0).all()
    assert "pair_rarity" not in m  # no pair is rare now: the feature is constant, so left out
    burst = frame(_card_settlements(months=1))
    m = build_features(burst, burst).matrix
    on_6120 = burst.index[(burst["user_name"] == "carl") & (burst["account"] == "6120")]
    assert m.loc[on_6120, "user_account_rarity"].tolist() == pytest.approx([np.log10(56 / 4)] * 4)
    assert m.loc[on_6120, "pair_rarity"].tolist() == pytest.approx([np.log10(56 / 4)] * 4)


def test_an_amount_is_judged_within_its_partner_where_the_partner_has_history():
    # one sales account: the small client's invoices are ~1 000, the big client's ~50 000 (named in the text
    # only); the small client billed 50 000 stands out, the big client's usual 50 000 does not
    rows = []
    for i in range(12):
        rows.append({"voucher_id": f"S{i}", "account": "3010", "amount": -1000.0 - 10 * i,
                     "description": f"Faktura {100 + i} Frisør Lotte, service"})
        rows.append({"voucher_id": f"B{i}", "account": "3010", "amount": -50000.0 - 100 * i,
                     "description": f"Faktura {200 + i} Havnefront A/S, acontofaktura nr. {i + 1}"})
    rows.append({"voucher_id": "X", "account": "3010", "amount": -50000.0, "description": "Faktura 999 Frisør Lotte, service"})
    tx = frame(rows)
    f = build_features(tx, tx)
    z = f.matrix["amount_z"]
    outlier, big = len(tx) - 1, 1
    assert z[outlier] > 10 and abs(z[big]) < 2
    ctx = f.context_rows(np.array([outlier]))
    assert ctx.loc[0, "amount_partner"] == "faktura frisør lotte service"
