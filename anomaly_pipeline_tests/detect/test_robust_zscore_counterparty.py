"""robust_zscore_counterparty: amount against the median/MAD of its account x counterparty."""

from __future__ import annotations

import numpy as np
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.statistical.robust_zscore import RobustZScoreCounterparty
from anomaly_pipeline_tests.detect.frames import flagged_ids, frame, reason_of


def _ledger() -> list[dict]:
    rows = []
    for i in range(30):  # Acme bills ~1 000, Big ~50 000, on the same account
        rows.append({"posting_date": "2024-03-01", "account": "4010", "counterparty": "Acme", "amount": 1000 + 10 * (i % 5 - 2)})
        rows.append({"posting_date": "2024-03-01", "account": "4010", "counterparty": "Big", "amount": 50000 + 100 * (i % 5 - 2)})
    rows.append({"posting_date": "2024-03-02", "account": "4010", "counterparty": "Acme", "amount": 50000})
    return rows


def test_flags_an_amount_normal_for_the_account_but_not_for_the_counterparty():
    rows = _ledger()
    result = RobustZScoreCounterparty().detect(frame(rows))
    assert result.skipped is None
    assert flagged_ids(result) == {61}
    acme = [r["amount"] for r in rows if r["counterparty"] == "Acme"]
    mags = np.log10(np.abs(acme))
    scale = max(1.4826 * np.median(np.abs(mags - np.median(mags))), 0.05)
    z = (np.log10(50000) - np.median(mags)) / scale
    assert reason_of(result, 61) == (f"amount 50 000 is 50× the median of account 4010 with counterparty Acme (1 000); "
                                     f"robust z = {z:.1f}")
    assert result.scores.set_index("transaction_id").loc[61, "score"] == 1.0


def test_one_invoice_an_order_of_magnitude_above_a_monthly_suppliers_is_flagged_a_few_times_larger_is_not():
    """Eleven monthly energy bills of about 400 and one of 22 800: a twelfth of the pair's postings, and not a kind
    of amount the pair carries. A customer's monthly fee of about 1 000 beside one order four times that: another
    kind of amount of that customer, not an outlier."""
    rows = [{"posting_date": f"2024-{m:02d}-04", "account": "4110", "counterparty": "Vattenfall",
             "amount": 400.0 + 15 * (m % 4)} for m in range(1, 12)]
    rows.append({"posting_date": "2024-12-04", "account": "4110", "counterparty": "Vattenfall", "amount": 22_834.49})
    rows += [{"posting_date": f"2024-{m:02d}-01", "account": "1300", "counterparty": "Bunnik",
              "amount": 1_000.0 + 5 * (m % 3)} for m in range(1, 12)]
    rows.append({"posting_date": "2024-12-01", "account": "1300", "counterparty": "Bunnik", "amount": 4_100.0})
    assert flagged_ids(RobustZScoreCounterparty().detect(frame(rows))) == {12}


def test_without_a_counterparty_the_words_of_the_text_name_the_partner():
    # the supplier is named in the text only, with the invoice number: its words are the partner
    rows = [{**{k: v for k, v in r.items() if k != "counterparty"},
             "description": f"{r['counterparty']} fakt. {7000 + i} sag 24{i % 5}"} for i, r in enumerate(_ledger())]
    result = RobustZScoreCounterparty().detect(frame(rows))
    assert flagged_ids(result) == {61}
    assert reason_of(result, 61).startswith("amount 50 000 is 50× the median of account 4010 with texts "
                                            "'acme fakt sag' (1 000); robust z = ")
    bare = frame([{k: v for k, v in r.items() if k != "counterparty"} for r in _ledger()])
    result = RobustZScoreCounterparty().detect(bare)
    assert result.skipped == "the upload has no counterparty or description data"
    assert result.scores.empty


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match=r"robust_zscore_counterparty\.threshold"):
        RobustZScoreCounterparty().validate_config({"threshold": "high"})
    with pytest.raises(ConfigError, match=r"robust_zscore_counterparty\.min_group_size: must be >= 3"):
        RobustZScoreCounterparty().validate_config({"min_group_size": 2})
    with pytest.raises(ConfigError, match="unknown config field"):
        RobustZScoreCounterparty().validate_config({"window": 3})


def test_deterministic():
    first = RobustZScoreCounterparty().detect(frame(_ledger())).scores
    second = RobustZScoreCounterparty().detect(frame(_ledger())).scores
    assert first.equals(second)


def test_an_invoices_payment_is_not_a_second_finding_a_payment_of_nothing_booked_is():
    """A supplier's 22 834 bill among bills of about 400 is the finding; its payment a month later, the same size
    on the same account and supplier (and the bank line beside it), is its consequence. Another supplier paid
    30 000 with no such bill booked before is a finding of its own."""
    rows = []
    for m in range(1, 12):
        bill = 400.0 + 15 * (m % 4)
        rows += [_line(f"B{m}", f"2024-{m:02d}-04", "2440", "Vattenfall", -bill),
                 _line(f"P{m}", f"2024-{m:02d}-20", "2440", "Vattenfall", bill),
                 _line(f"Q{m}", f"2024-{m:02d}-22", "2440", "Eon", 300.0 + 10 * (m % 3))]
    rows += [_line("B12", "2024-11-25", "2440", "Vattenfall", -22_834.49),
             _line("P12", "2024-12-20", "2440", "Vattenfall", 22_834.49),
             _line("P12", "2024-12-20", "1930", "Vattenfall", -22_834.49),
             _line("Q12", "2024-12-22", "2440", "Eon", 30_000.0)]
    assert _flagged_vouchers(rows) == {"B12", "Q12"}


def _line(voucher: str, date: str, account: str, counterparty: str, amount: float) -> dict:
    return {"voucher_id": voucher, "posting_date": date, "account": account, "counterparty": counterparty,
            "amount": amount}


def _flagged_vouchers(rows: list[dict]) -> set[str]:
    """The vouchers of the rows `robust_zscore_counterparty` flags (transaction ids are 1..n in row order)."""
    return {rows[t - 1]["voucher_id"] for t in flagged_ids(RobustZScoreCounterparty().detect(frame(rows)))}


@pytest.mark.parametrize("months", [["January", "February", "March", "April", "May", "June", "July", "August",
                                     "September", "October", "November", "December"],
                                    ["jan", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov",
                                     "dez"]])
def test_a_month_named_in_the_text_is_when_not_who(months):
    """A client billed monthly for two years, the month in the text ("... professional fees Sep 2025", "Miete
    März"): one partner whose September 2025 bill of 60 000 is twelve times its usual; no month a partner of its
    own (each would be too small a group to judge)."""
    rows = [{"posting_date": f"{y}-{m:02d}-28", "account": "1100", "amount": 5_000.0 + 40 * (m % 5),
             "description": f"Holloway Road Studios - professional fees {months[m - 1]} {y}"}
            for y in (2024, 2025) for m in range(1, 13)]
    rows[20]["amount"] = 60_000.0
    result = RobustZScoreCounterparty().detect(frame(rows))
    assert flagged_ids(result) == {21}
    assert reason_of(result, 21).startswith("amount 60 000 is 12× the median of account 1100 with texts "
                                           "'holloway road studios professional fees' (5 080); robust z = ")


def test_two_bills_an_order_of_magnitude_above_a_monthly_suppliers_are_both_flagged_three_orders_are_a_kind():
    """A telecom supplier's twelve monthly bills of about 800, paid by direct debit, and two bills of 20 000 and
    25 000 (paid too): two postings make no kind of amount, and the payments repeat the bills' sizes rather than
    adding postings of that size, so both bills are flagged. A customer's monthly fee of about 1 000 beside three
    hardware orders of 12 000-15 000: a kind of amount of that customer, not an outlier."""
    rows = []
    for m in range(1, 13):
        bill = 780.0 + 25 * (m % 5)
        rows += [_line(f"T{m}", f"2024-{m:02d}-03", "401000", "Telecom Pro", -bill),
                 _line(f"D{m}", f"2024-{m:02d}-15", "401000", "Telecom Pro", bill),
                 _line(f"F{m}", f"2024-{m:02d}-01", "411000", "Bistrot", 1_000.0 + 10 * (m % 3))]
    for voucher, month, amount in (("X1", 5, 20_068.08), ("X2", 10, 24_874.79)):
        rows += [_line(voucher, f"2024-{month:02d}-16", "401000", "Telecom Pro", -amount),
                 _line(f"{voucher}P", f"2024-{month:02d}-28", "401000", "Telecom Pro", amount)]
    rows += [_line(f"H{m}", f"2024-{m:02d}-20", "411000", "Bistrot", amount)
             for m, amount in ((3, 12_400.0), (7, 14_900.0), (11, 13_100.0))]
    assert _flagged_vouchers(rows) == {"X1", "X2"}


def test_a_payment_run_paying_several_open_bills_at_once_adds_no_posting_of_their_size():
    """A tool supplier's bills of about 400, paid every two months, two at a time, and two bills of 26 812.51 and
    19 114.12 each paid together with the next ordinary bill (28 270.90 = 26 812.51 + 698.62 + 759.77): each
    payment clears the supplier's oldest open bills, so it repeats their sizes rather than adding postings of its
    own, and both large bills are flagged."""
    rows = []
    for m in range(1, 13):
        first, second = 400.0 + 10 * (m % 4), 350.0 + 5 * (m % 3)
        rows += [_line(f"B{m}a", f"2024-{m:02d}-03", "401000", "Outillage", -first),
                 _line(f"B{m}b", f"2024-{m:02d}-12", "401000", "Outillage", -second),
                 _line(f"P{m}", f"2024-{m:02d}-25", "401000", "Outillage", first + second)]
    for voucher, month, bill, next_bill in (("X1", 4, 26_812.51, 1_458.39), ("X2", 9, 19_114.12, 633.10)):
        rows += [_line(voucher, f"2024-{month:02d}-26", "401000", "Outillage", -bill),
                 _line(f"{voucher}n", f"2024-{month:02d}-27", "401000", "Outillage", -next_bill),
                 _line(f"{voucher}P", f"2024-{month + 1:02d}-02", "401000", "Outillage", bill + next_bill)]
    assert _flagged_vouchers(rows) == {"X1", "X2"}


def test_without_voucher_ids_a_payment_is_still_no_second_finding():
    """A general ledger report without transaction numbers: the 22 834 bill is the finding, its payment (the same
    size, on the same account and supplier, later) is not, though no voucher ties it to its bank line."""
    rows = []
    for m in range(1, 12):
        bill = 400.0 + 15 * (m % 4)
        rows += [_line("", f"2024-{m:02d}-04", "2440", "Vattenfall", -bill),
                 _line("", f"2024-{m:02d}-20", "2440", "Vattenfall", bill)]
    rows += [_line("", "2024-11-25", "2440", "Vattenfall", -22_834.49),
             _line("", "2024-12-20", "2440", "Vattenfall", 22_834.49)]
    bare = [{k: v for k, v in r.items() if k != "voucher_id"} for r in rows]
    assert flagged_ids(RobustZScoreCounterparty().detect(frame(bare))) == {23}
