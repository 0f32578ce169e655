"""account_ratio: accounts in fixed proportion within a voucher (VAT), flagged where the ratio breaks."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.statistical.account_ratio import AccountRatio
from anomaly_pipeline_tests.detect.frames import flagged_ids, frame, reason_of


def _sales(vat_rates: dict[int, float] | None = None, n: int = 20) -> list[dict]:
    """n sales vouchers V0..: receivable 1510, revenue 3001, output VAT 2611 at 25% unless overridden."""
    rows = []
    for i in range(n):
        net = 1000.0 + 100 * i
        vat = round(net * (vat_rates or {}).get(i, 0.25), 2)
        for account, amount in (("1510", net + vat), ("3001", -net), ("2611", -vat)):
            rows.append({"voucher_id": f"V{i}", "posting_date": "2024-05-02", "account": account, "amount": amount})
    return rows


def test_flags_the_voucher_whose_vat_is_not_25_percent():
    result = AccountRatio().detect(frame(_sales({7: 0.24})))
    # V7 holds transactions 22-24: VAT (2611) is off against revenue (3001) by 4% and against the
    # receivable (1510) by 3.2%; revenue against receivable is within 2%, but each is in a broken pair
    assert flagged_ids(result) == {22, 23, 24}
    assert reason_of(result, 24) == ("account 2611 is 0.240 × account 3001 in voucher V7 (-408 vs -1 700); usually 0.250 "
                                     "(95% of 20 vouchers with both), expected -425; 0 of the other 19 break it")
    scores = result.scores.set_index("transaction_id")["score"]
    assert scores.loc[24] == pytest.approx(0.5 + 0.5 * 0.30103, abs=1e-4)  # relative error 0.04 = 2x tolerance
    assert (scores.drop([22, 23, 24]) == 0).all()
    assert result.summary["broken_vouchers"] == 1


def test_an_invoice_blending_a_second_rate_is_no_break_a_stranger_on_the_paying_side_excuses_nothing():
    """V7 also sells a book at 12 % (revenue 3002, VAT 2621, accounts no other voucher holds): its 25 % VAT against
    the whole receivable is a blend of two rates, not a broken one. V9's VAT is 24 % and a gift card (2905, on the
    receivable's side) pays part of it: a means of payment changes no rate, V9 is flagged."""
    rows = _sales({9: 0.24}, n=40)
    book = 200.0
    for row in rows:
        if row["voucher_id"] == "V7" and row["account"] == "1510":
            row["amount"] += round(book * 1.12, 2)
        if row["voucher_id"] == "V9" and row["account"] == "1510":
            row["amount"] -= 500.0
    rows += [{"voucher_id": "V7", "posting_date": "2024-05-02", "account": "3002", "amount": -book},
             {"voucher_id": "V7", "posting_date": "2024-05-02", "account": "2621", "amount": -round(book * 0.12, 2)},
             {"voucher_id": "V9", "posting_date": "2024-05-02", "account": "2905", "amount": 500.0}]
    data = frame(rows)
    flagged = set(data.loc[data["transaction_id"].isin(flagged_ids(AccountRatio().detect(data))), "voucher_id"])
    assert flagged == {"V9"}


def test_a_break_is_judged_by_how_often_the_pair_breaks_in_this_ledger():
    # one other break among 39: rare (2.6 % < max_break_share 5 %), flagged at a lower score
    once = AccountRatio().detect(frame(_sales({7: 0.24, 13: 0.24}, n=40)))
    assert flagged_ids(once) == {22, 23, 24, 40, 41, 42}
    assert reason_of(once, 24).endswith("expected -425; 1 of the other 39 break it")
    scores = once.scores.set_index("transaction_id")["score"]
    assert scores.loc[24] == pytest.approx((0.5 + 0.5 * 0.30103) * (1 - 0.5 * (1 / 39) / 0.05), abs=1e-4)
    # two breaks in 20 vouchers: the pair still counts as structured (90 % coverage), but for this ledger a
    # break of it is a one-in-ten event, not a finding
    routine = AccountRatio().detect(frame(_sales({7: 0.24, 13: 0.24})))
    assert flagged_ids(routine) == set()
    assert routine.summary["structured_pairs"] == 3


def test_several_usual_ratios_are_all_normal():
    # 12% VAT on every third voucher is a second mode, not a break
    result = AccountRatio().detect(frame(_sales({i: 0.12 for i in range(0, 30, 3)}, n=30)))
    assert flagged_ids(result) == set()
    assert result.summary["structured_pairs"] == 3  # each account pair once, oriented so its ratio is <= 1


def test_pairs_seen_in_too_few_vouchers_are_not_judged():
    result = AccountRatio().detect(frame(_sales({3: 0.10}, n=7)))  # min_support is 8
    assert flagged_ids(result) == set()


def test_skips_without_vouchers():
    rows = [{k: v for k, v in r.items() if k != "voucher_id"} for r in _sales()]
    result = AccountRatio().detect(frame(rows))
    assert result.skipped == "the upload has no voucher_id data"


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match=r"account_ratio\.tolerance: out of range"):
        AccountRatio().validate_config({"tolerance": 2.0})
    with pytest.raises(ConfigError, match=r"account_ratio\.max_accounts: expected int"):
        AccountRatio().validate_config({"max_accounts": "8"})


def test_deterministic():
    rows = _sales({7: 0.24})
    assert AccountRatio().detect(frame(rows)).scores.equals(AccountRatio().detect(frame(rows)).scores)


def test_vat_on_several_revenue_lines_is_a_share_of_their_sum():
    """Till settlements: card takings (with varying tips) against food and drinks, in varying mix, and the 25 %
    VAT on both. No two accounts keep a fixed ratio; VAT and the sum of the two revenue lines do, and Z7's VAT is
    19 % of it."""
    rows = []
    for i in range(20):
        food, drinks, tips = 3000.0 + 150 * i, 1000.0 + 90 * (i % 7), 80.0 + 97 * i
        vat = round((food + drinks) * (0.19 if i == 7 else 0.25), 2)
        for account, amount in (("1580", food + drinks + vat + tips), ("3000", -food), ("3020", -drinks),
                                ("2700", -vat), ("2935", -tips)):
            rows.append({"voucher_id": f"Z{i}", "posting_date": "2025-05-02", "account": account, "amount": amount})
    result = AccountRatio().detect(frame(rows))
    assert flagged_ids(result) == {37, 38, 39}  # Z7's food, drinks and VAT lines
    assert reason_of(result, 39) == ("account 2700 is 0.190 × account 3000+3020 in voucher Z7 (-959.50 vs -5 050); "
                                     "usually 0.250 (95% of 20 vouchers with both), expected -1 262.50; 0 of the other "
                                     "19 break it")
    assert result.summary["structured_pairs"] == 1


def _invoices(n: int) -> list[dict]:
    """n sales invoices I0..: receivable 1510 (the customer named), revenue 3001, freight 3540 of varying size,
    output VAT 2611 at 25% of both: only the VAT is a fixed share of the receivable (a fifth)."""
    rows = []
    for i in range(n):
        net, freight = 1000.0 + 10 * i, 50.0 + 37 * (i % 8)
        lines = (("1510", (net + freight) * 1.25), ("3001", -net), ("3540", -freight), ("2611", -(net + freight) * 0.25))
        rows += [{"voucher_id": f"I{i}", "posting_date": "2024-05-02", "account": account, "amount": amount,
                  "counterparty": f"Customer {i % 7}"} for account, amount in lines]
    return rows


def _voucher(name: str, customer: str | None, *lines: tuple[str, float]) -> list[dict]:
    return [{"voucher_id": name, "posting_date": "2024-05-03", "account": account, "amount": amount,
             "counterparty": customer} for account, amount in lines]


def test_an_invoice_without_its_vat_line_is_a_ratio_of_zero_where_the_ledger_always_charges_it():
    """Two hundred invoices with 25 % VAT. X1 books a domestic customer's 2 100 as revenue and freight without VAT:
    flagged on the receivable's and the revenue's lines (no ratio the voucher holds is broken: revenue and freight
    vary). Not judged: a customer abroad
    whose three invoices all go without VAT (its habit), a refund from the bank (1510 debited beside no revenue:
    no invoice), an invoice at 12 % on its own VAT account (2621 stands in for 2611)."""
    rows = _invoices(200)
    rows += _voucher("X1", "Customer 3", ("1510", 2_100.0), ("3001", -2_000.0), ("3540", -100.0))
    for k in range(3):
        rows += _voucher(f"A{k}", "Customer Abroad", ("1510", 900.0 + k), ("3001", -800.0 - k), ("3540", -100.0))
    rows += _voucher("R1", "Customer 4", ("1510", 300.0), ("1930", -300.0))
    rows += _voucher("T1", "Customer 5", ("1510", 1_176.0), ("3001", -1_000.0), ("3540", -50.0), ("2621", -126.0))
    data = frame(rows)
    result = AccountRatio().detect(data)
    flagged = data[data["transaction_id"].isin(flagged_ids(result))]
    assert set(zip(flagged["voucher_id"], flagged["account"], strict=True)) == {("X1", "1510"), ("X1", "3001"),
                                                                               ("X1", "3540")}
    assert reason_of(result, int(flagged["transaction_id"].min())) == (
        "voucher X1 books account 1510 (2 100) without account 2611, usually -0.200 × it; expected -420; 3 of the "
        "other 203 such vouchers miss it")
    assert result.summary["vouchers_missing_a_line"] == 1


def test_ten_invoices_tell_too_little_to_call_one_without_vat_rare():
    """Nine invoices with VAT and one without, to a customer named nowhere else: the tenth may be an export."""
    rows = _invoices(9) + _voucher("X1", "Kund USA", ("1510", 2_100.0), ("3001", -2_000.0), ("3540", -100.0))
    assert flagged_ids(AccountRatio().detect(frame(rows))) == set()
