"""Round amounts, tell-tale endings, amounts just below an approval limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
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



def test_an_amount_ten_times_rounder_than_the_ledger_ever_is_medium():
    """A year of 400 invoices at odd amounts, four of them whole thousands (1 %): those are low; a 120 000
    transfer, a multiple of 10 000 in a ledger where no other amount is, is medium. Where ten of the 400 are
    whole ten-thousands (2.5 %), such an amount is this ledger's habit: low like the rest."""
    rng = np.random.default_rng(3)
    odd = list(np.round(rng.uniform(200, 9_000, 395), 2))
    amounts = odd + [2_000.0, 3_000.0, 7_000.0, 4_000.0, 120_000.0]
    result = RoundAmount().detect(frame(amount=amounts))
    assert {t: severity for t, (severity, _) in flags(result).items()} == {396: "low", 397: "low", 398: "low",
                                                                         399: "low", 400: "medium"}
    assert flags(result)[400][1] == ("round amount 120 000 (a multiple of 1 000); 1.2 % of this ledger's lines carry "
                                     "a round amount; 0.2 % of this ledger's lines carry a multiple of 10 000")
    habitual = odd[:386] + [20_000.0, 30_000.0, 40_000.0, 50_000.0, 60_000.0, 70_000.0, 80_000.0, 90_000.0,
                            10_000.0, 110_000.0] + [2_000.0, 3_000.0, 7_000.0, 120_000.0]
    assert {severity for severity, _ in flags(RoundAmount().detect(frame(amount=habitual))).values()} == {"low"}

def test_a_round_amount_weighs_more_where_the_ledger_is_seldom_round():
    """Two whole thousands among 400 odd amounts (0.5 % of the lines): each is full evidence, score 1. Eight among
    408 (2 %): a quarter of that, 0.005 / 0.02; never below half the severity's score (low: 0.4 / 2)."""
    rng = np.random.default_rng(5)
    odd = list(np.round(rng.uniform(200, 9_000, 400), 2))
    seldom = RoundAmount().detect(frame(amount=odd + [3_000.0, 7_000.0])).scores
    assert seldom.loc[seldom["flagged"], "score"].tolist() == [1.0, 1.0]
    often = RoundAmount().detect(frame(amount=odd + [float(k) * 1_000 for k in range(2, 10)])).scores
    share = 8 / 408
    assert often.loc[often["flagged"], "score"].tolist() == pytest.approx([0.005 / share] * 8)
    common = RoundAmount().detect(frame(amount=odd[:380] + [float(k) * 1_000 for k in range(2, 20) if k != 10])).scores
    assert common.loc[common["flagged"], "score"].tolist() == pytest.approx([0.2] * 17)  # 17 of 397: 4.3 %


def test_an_amount_ten_times_rounder_than_the_ledger_ever_is_is_as_rare_as_such_amounts_are_here():
    """A supplier account's 1 500 invoices at odd amounts and eight whole thousands (0.5 %), each scored by that
    share. A 120 000 provision, where amounts that round are rarer still (the only other ones are the rent), scores
    as rare as they are: 1. The quarterly rent of 180 000, on the account in four months, is a standing amount:
    scored as a whole thousand, not as a rarer kind of round."""
    rng = np.random.default_rng(5)
    rows = [{"posting_date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "account": "2400", "amount": float(a)}
            for i, a in enumerate(np.round(rng.uniform(200, 9_000, 1_500), 2))]
    rows += [{"posting_date": f"2024-{k:02d}-15", "account": "2400", "amount": k * 1_000.0} for k in range(2, 10)]
    rows.append({"posting_date": "2024-11-30", "account": "2400", "amount": 120_000.0})
    rows += [{"posting_date": f"2024-{m:02d}-01", "account": "2400", "amount": 180_000.0} for m in (1, 4, 7, 10)]
    result = RoundAmount().detect(frame(rows))
    scores = result.scores.set_index("transaction_id")["score"]
    assert {t: severity for t, (severity, _) in flags(result).items()} == {
        **{t: "low" for t in range(1_501, 1_509)}, **{t: "medium" for t in range(1_509, 1_514)}}
    thousand = scores.loc[1_501]
    assert 0.4 < thousand < 1.0
    assert scores.loc[1_501:1_508].tolist() == pytest.approx([thousand] * 8)
    assert scores.loc[1_509] == 1.0  # the provision
    assert scores.loc[1_510:1_513].tolist() == pytest.approx([thousand] * 4)  # the rent


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
    assert flags(result)[61] == ("high", "amount 49 400 is just below the approval limit 50 000; user bo has 4 "
                                           "distinct amounts in the 2% below it and 1 in the 15% on either side")
    assert flags(result)[64] == ("high", "amount 48 900 is just below the approval limit 50 000; user bo has 5 "
                                           "distinct amounts in the 5% below it and 0 in the 15% on either side")
    assert set(flags(result)) == {61, 62, 63, 64, 65}
    # the same amounts in a ledger where amounts just above the limit are as common are no pattern
    balanced = rows + [{"amount": a, "user_name": "bo", "account": "4010"}
                       for a in (50_200.0, 50_900.0, 51_500.0, 52_000.0, 50_100.0)]
    assert flags(BelowApprovalLimit().detect(frame(balanced))) == {}
    custom = BelowApprovalLimit().detect(frame(rows), {"limits": [30_000], "learn_limits": False})
    assert flags(custom) == {}
    # with its limits learned, the ledger's own 50 000 is found although no configured limit names it
    learned = flags(BelowApprovalLimit().detect(frame(rows), {"limits": [30_000]}))
    assert set(learned) == {61, 62, 63, 64, 65}
    assert learned[61][1].startswith("amount 49 400 is just below 50 000 (a round threshold, not a configured limit)")


def test_a_supplier_whose_invoices_pile_up_under_a_limit():
    """One clerk enters every purchase invoice and their totals spread around 10 000; one supplier's invoices
    all fall just under it (jobs split or priced to avoid the finance director's approval)."""
    spread = [8_600.0 + 140 * i for i in range(20)]  # 8 600 .. 11 260, evenly
    rows = [{"amount": a, "user_name": "sarah", "account": "2100", "counterparty": f"SUP{n}"}
            for n in range(6) for a in spread]
    rows += [{"amount": a, "user_name": "sarah", "account": "2100", "counterparty": "PRECGR01"}
             for a in (9_645.5, 9_751.99, 9_847.03, 9_861.14, 9_580.0)]
    result = BelowApprovalLimit().detect(frame(rows))
    assert set(flags(result)) == {121, 122, 123, 124, 125}
    assert flags(result)[121] == ("high", "amount 9 645.50 is just below the approval limit 10 000; counterparty "
                                          "PRECGR01 has 5 distinct amounts in the 5% below it and 0 in the 15% on "
                                          "either side")
    without = [{k: v for k, v in row.items() if k != "counterparty"} for row in rows]
    assert flags(BelowApprovalLimit().detect(frame(without))) == {}


def test_what_a_customer_is_billed_just_below_a_round_number_is_not_avoidance():
    """Suppliers' and customers' invoices spread around 10 000; one supplier's and one customer's five fall just
    under it. A customer (its vouchers hold a sales line) is billed, not approved: its monthly fee drifting just
    under 10 000 is no finding; the supplier's invoices are."""
    spread = [8_600.0 + 140 * i for i in range(20)]
    pile = (9_645.5, 9_751.99, 9_847.03, 9_861.14, 9_580.0)
    rows = []
    for side, account, name in (("SUP", "2100", "Trade creditors"), ("CUS", "1100", "Debtors control")):
        parties = [(f"{side}{n}", spread) for n in range(6)] + [(f"{side}-PILE", pile)]
        for party, amounts in parties:
            for i, amount in enumerate(amounts):
                voucher = f"{party}-{i}"
                sign = -1 if side == "SUP" else 1
                rows.append({"voucher_id": voucher, "amount": sign * amount, "user_name": "sarah", "account": account,
                             "account_name": name, "counterparty": party})
                if side == "CUS":
                    rows.append({"voucher_id": voucher, "amount": -amount * 0.8, "user_name": "sarah",
                                 "account": "4000", "account_name": "Sales", "counterparty": party})
    found = flags(BelowApprovalLimit().detect(frame(rows)))
    assert set(found) == {121, 122, 123, 124, 125}
    assert all("counterparty SUP-PILE has 5 distinct amounts" in reason for _, reason in found.values())


def test_which_of_many_users_piles_up_under_a_limit_is_searched_too():
    # twelve till managers' daily takings spread over 35 000 .. 60 000; the bar's happen to bunch under 50 000: 17
    # of its 55 amounts in the 5 % below it (p about 0.001: at 1 % a chance one user in twelve shows this)
    def ledger(bunched: int) -> list[dict]:
        rng = np.random.default_rng(11)
        rows = [{"amount": a, "user_name": f"manager {u}", "account": "1580"}
                for u in range(11) for a in np.round(np.exp(rng.uniform(np.log(35_000), np.log(60_000), 40)), 2)]
        bar = [*np.linspace(47_600, 49_900, bunched), *np.linspace(40_100, 47_300, 24), *np.linspace(50_100, 57_400, 14)]
        return rows + [{"amount": round(float(a), 2), "user_name": "bar", "account": "1580"} for a in bar]

    assert flags(BelowApprovalLimit().detect(frame(ledger(17)))) == {}
    # 20 of 58 is beyond chance among twelve: the bar's band is flagged
    assert set(flags(BelowApprovalLimit().detect(frame(ledger(20))))) == set(range(441, 461))


def _invoices(rng: np.random.Generator, n: int) -> list[float]:
    """Invoice totals spread smoothly over 1 000 .. 200 000 (log-uniform), to the cent."""
    return list(np.round(np.exp(rng.uniform(np.log(1_000), np.log(200_000), n)), 2))


def test_an_excess_below_an_unlisted_limit_is_learned_from_the_ledger():
    # a two-line voucher per invoice; account 4010's totals pile up just under 25 000, a limit no preset lists
    rng = np.random.default_rng(5)
    totals = [(a, "4010") for a in _invoices(rng, 600)] + [(a, "4010") for a in rng.uniform(23_900, 24_990, 8).round(2)]
    rows = [{"voucher_id": f"V{i}", "account": acc, "amount": a, "user_name": "bo"} for i, (a, acc) in enumerate(totals)]
    rows += [{"voucher_id": f"V{i}", "account": "2440", "amount": -a, "user_name": "bo"} for i, (a, _) in enumerate(totals)]
    flagged = flags(BelowApprovalLimit().detect(frame(rows)))
    at_25k = {t for t, (_, why) in flagged.items() if "just below 25 000 (a round threshold, not a configured limit)" in why}
    assert set(range(601, 609)) <= at_25k  # every injected invoice line (ids 601-608) ...
    assert all(23_750 <= abs(rows[t - 1]["amount"]) < 25_000 for t in at_25k)  # ... and only that band
    # the same ledger without the pile-up: nothing stands out at 25 000
    plain = [r for r in rows if r["voucher_id"] not in {f"V{i}" for i in range(600, 608)}]
    assert not any("25 000" in why for _, why in flags(BelowApprovalLimit().detect(frame(plain))).values())


def test_amounts_just_below_round_numbers_everywhere_are_this_ledgers_habit():
    # a retailer pricing just under round numbers at every threshold: 9 990, 24 990, 49 990 ... are its habit
    rng = np.random.default_rng(7)
    amounts = _invoices(rng, 600)
    for limit in (2_000, 2_500, 3_000, 4_000, 5_000, 7_500, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000):
        amounts += list(rng.uniform(limit * 0.96, limit - 1, 8).round(2))
    habit = flags(BelowApprovalLimit().detect(frame(amount=amounts)))
    assert habit == {}
    # one threshold with a pile-up in a ledger without that habit is found
    plain = _invoices(rng, 600) + list(rng.uniform(25_000 * 0.98, 25_000 - 1, 12).round(2))
    assert set(flags(BelowApprovalLimit().detect(frame(amount=plain)))) >= set(range(601, 613))


def test_a_monthly_series_just_below_a_round_number_is_one_routine():
    # a loan: each month the bank takes 1 500 amortization and a falling interest, 1 953 .. 1 913 from account
    # 1930 under the text 'Lån' (as in a real SIE4 export), beside a spread of other payments
    rng = np.random.default_rng(3)
    loan = [{"voucher_id": f"L{m}", "posting_date": f"2010-{m:02d}-28", "account": "1930", "amount": -(1958.0 - 5 * m),
             "description": "Lån"} for m in range(1, 10)]
    other = [{"voucher_id": f"P{i}", "posting_date": f"2010-{i % 12 + 1:02d}-{i % 27 + 1:02d}", "account": "1930",
              "amount": -a, "description": f"Betalning {i}"} for i, a in enumerate(_invoices(rng, 300))]
    assert flags(BelowApprovalLimit().detect(frame(loan + other))) == {}
    # the same nine amounts as nine payments with texts of their own are nine amounts piled under 2 000
    nine = [dict(row, description=f"Leverantör {m}") for m, row in enumerate(loan)]
    found = set(flags(BelowApprovalLimit().detect(frame(nine + other))))
    assert found >= set(range(1, 10))
    assert all(1900 <= abs((nine + other)[t - 1]["amount"]) < 2000 for t in found)  # the band's other payments too
    # ... so are they where the text's monthly amounts are not steady (the same text at 1 200 in other months)
    unsteady = loan + [{"voucher_id": f"L{m}", "posting_date": f"2010-{m:02d}-28", "account": "1930",
                        "amount": -1200.0, "description": "Lån"} for m in (10, 11, 12)]
    assert set(flags(BelowApprovalLimit().detect(frame(unsteady + other)))) >= set(range(1, 10))
    # ... or where the nine months are fewer than `routine_months`
    assert set(flags(BelowApprovalLimit().detect(frame(loan + other), {"routine_months": 10}))) >= set(range(1, 10))


def test_a_fortnightly_payroll_run_just_below_a_round_number_is_one_routine():
    """A payroll system books every other week 47 600 .. 49 900, its text naming the period ("Payroll 12/15/2024 -
    12/28/2024"): one series, not eighteen amounts piled under 50 000. Booked every day, such amounts are no series."""
    rng = np.random.default_rng(4)
    starts = pd.date_range("2025-01-05", periods=18, freq="14D")
    payroll = [{"voucher_id": f"G{k}", "posting_date": day + pd.Timedelta(days=13), "account": "2010",
                "amount": -round(47_600.0 + float(rng.uniform(0, 2_300)), 2),
                "description": f"Payroll {day:%m/%d/%Y} - {day + pd.Timedelta(days=13):%m/%d/%Y} - Office & Sales"}
               for k, day in enumerate(starts)]
    other = [{"voucher_id": f"P{i}", "posting_date": f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}", "account": "2440",
              "amount": -a * 10, "description": f"Bill {i}"} for i, a in enumerate(_invoices(rng, 300))]
    assert flags(BelowApprovalLimit().detect(frame(payroll + other))) == {}
    daily = [dict(row, posting_date=pd.Timestamp("2025-03-01") + pd.Timedelta(days=k)) for k, row in enumerate(payroll)]
    assert set(flags(BelowApprovalLimit().detect(frame(daily + other)))) >= set(range(1, 19))


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
    (BelowApprovalLimit, {"routine_months": 1}, "below_approval_limit.routine_months"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)
