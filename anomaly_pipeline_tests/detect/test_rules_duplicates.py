"""Exact duplicates, near-duplicates and reversals."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.duplicates import ExactDuplicate, NearDuplicate, Reversal
from anomaly_pipeline_tests.detect.frames import flags, frame


def test_exact_duplicates_across_vouchers_only():
    data = frame(
        voucher_id=["V1", "V2", "V3", "V4", "V4", "V5", "V6", "V7"],
        posting_date=["2025-03-04", "2025-03-04", "2025-03-05", "2025-03-04", "2025-03-04", "2025-03-04",
                      "2025-03-04", "2025-03-04"],
        account=["6110", "6110", "6110", "5010", "5010", "6110", "6110", "6110"],
        amount=[1200.0, 1200.0, 1200.0, 500.0, 500.0, 1200.0, 0.0, 0.0],
        description=["Office supplies", "office  supplies ", "Office supplies", "Rent", "Rent", "Office supplies",
                     "x", "x"],
    )
    result = ExactDuplicate().detect(data)
    tail = ", 2025-03-04, text '{}' in vouchers V1, V2, V5"
    assert flags(result) == {  # the copies, not V1, the original they repeat
        2: ("medium", "identical to 2 other line(s): account 6110, amount 1 200" + tail.format("office  supplies ")),
        6: ("medium", "identical to 2 other line(s): account 6110, amount 1 200" + tail.format("Office supplies")),
    }
    assert result.summary == {"duplicate_groups": 1}
    assert flags(ExactDuplicate().detect(data, {"min_amount": 5000})) == {}



def test_the_same_entry_for_two_counterparties_is_not_a_duplicate():
    """Two members paid the same quarterly distribution on one day (same account, amount, date and text) are two
    entries; the same member's check keyed twice is one entry twice."""
    data = frame(voucher_id=["C1", "C1", "C2", "C2", "C3", "C3"], posting_date=["2025-04-14"] * 6,
                 account=["3300", "1000"] * 3, amount=[21_000.0, -21_000.0] * 3,
                 description=["Q tax distribution", None] * 3,
                 counterparty=["Dana Holt", "Dana Holt", "Ryan Holt", "Ryan Holt", "Dana Holt", "Dana Holt"])
    result = ExactDuplicate().detect(data)
    assert set(flags(result)) == {5, 6}
    assert flags(result)[5] == ("medium", "identical to 1 other line(s): account 3300, amount 21 000, 2025-04-14, "
                                          "text 'Q tax distribution' in vouchers C1, C3")

def test_exact_duplicates_on_a_bank_statement():
    data = frame(posting_date=["2025-03-04", "2025-03-04", "2025-03-04"], account=["SE12"] * 3,
                 amount=[-49.0, -49.0, -49.0], description=["Spotify", "Spotify", "Netflix"])
    assert flags(ExactDuplicate().detect(data)) == {
        2: ("medium", "identical to 1 other line(s): account SE12, amount -49, 2025-03-04, text 'Spotify'"),
    }


def test_the_copy_is_the_entry_registered_later():
    """Two identical vouchers: the one registered later is the copy, wherever it sits in the file."""
    data = frame(voucher_id=["B7", "B7", "B3", "B3"], posting_date=["2025-05-02"] * 4,
                 registration_date=["2025-05-09", "2025-05-09", "2025-05-05", "2025-05-05"],
                 account=["6110", "2440"] * 2, amount=[800.0, -800.0] * 2, description=["Staples 4411"] * 4)
    assert set(flags(ExactDuplicate().detect(data))) == {1, 2}
    assert set(flags(ExactDuplicate().detect(data.drop(columns="registration_date")))) == {3, 4}


def _near():
    return frame(
        voucher_id=["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8"],
        posting_date=["2025-03-04", "2025-03-07", "2025-03-20", "2025-03-04", "2025-03-05", "2025-04-01",
                      "2025-04-01", "2025-04-02"],
        account=["6110", "6110", "6110", "6110", "6110", "5010", "5010", "5010"],
        amount=[1200.0] * 5 + [800.0] * 3,
        counterparty=["ACME", "acme", "ACME", "Other", None, "ACME", "ACME", "ACME"],
        description=["Inv 1", "Inv 2", "Inv 3", "Inv 4", "Inv 5", "x", "x", "y"],
    )


def test_near_duplicates():
    result = NearDuplicate().detect(_near())
    assert flags(result) == {
        1: ("medium", "same amount 1 200, account 6110 and counterparty ACME as the line of 2025-03-07 (voucher V2), "
                      "3 day(s) apart"),
        2: ("medium", "same amount 1 200, account 6110 and counterparty acme as the line of 2025-03-04 (voucher V1), "
                      "3 day(s) apart"),
        # V6 and V7 are exact twins (the exact-duplicate rule's finding); both are near V8
        6: ("medium", "same amount 800, account 5010 and counterparty ACME as the line of 2025-04-02 (voucher V8), "
                      "1 day(s) apart"),
        7: ("medium", "same amount 800, account 5010 and counterparty ACME as the line of 2025-04-02 (voucher V8), "
                      "1 day(s) apart"),
        8: ("medium", "same amount 800, account 5010 and counterparty ACME as the line of 2025-04-01 (voucher V6), "
                      "1 day(s) apart"),
    }
    assert set(flags(NearDuplicate().detect(_near(), {"days": 13}))) == {1, 2, 3, 6, 7, 8}
    assert set(flags(NearDuplicate().detect(_near(), {"days": 2}))) == {6, 7, 8}


def _statement(entries: list[tuple[str, float, str, str]]):
    """A bank statement: (date, amount, counterparty, text) per entry, all on one account."""
    dates, amounts, parties, texts = zip(*entries, strict=True)
    return frame(posting_date=list(dates), account=["SE12"] * len(entries), amount=list(amounts),
                 counterparty=list(parties), description=list(texts))


def test_near_duplicates_judged_by_the_pairs_own_interval():
    monthly = [(f"2025-{m:02d}-02", -89.0, "Hosting AB", "Hosting fee") for m in range(1, 7)]
    weekly = [(f"2025-03-{d:02d}", -45.0, "Cafe Ost", "Coffee beans") for d in (3, 10, 17, 24, 31)]
    # the monthly fee charged again three days later is a finding: under half its usual 30-day interval
    charged_twice = _statement([*monthly, ("2025-03-05", -89.0, "Hosting AB", "Hosting fee")])
    assert flags(NearDuplicate().detect(charged_twice)) == {
        3: ("medium", "same amount -89, account SE12 and counterparty Hosting AB as the line of 2025-03-05, "
                      "3 day(s) apart"),
        7: ("medium", "same amount -89, account SE12 and counterparty Hosting AB as the line of 2025-03-02, "
                      "3 day(s) apart"),
    }
    # a weekly purchase five days after the last is its own rhythm (7 days), not a copy
    assert flags(NearDuplicate().detect(_statement([*weekly, ("2025-04-05", -45.0, "Cafe Ost", "Coffee beans")]))) == {}
    # the same pair seen only twice has no rhythm to judge by: as before
    assert set(flags(NearDuplicate().detect(_statement(weekly[:1] + [("2025-03-05", -45.0, "Cafe Ost", "Coffee")])))) \
        == {1, 2}


def test_a_series_repeating_at_short_intervals_by_habit_has_no_interval_to_break():
    """Licences of 118 bought from one vendor eighteen times a year, at intervals of 2 to 48 days: five of its
    seventeen intervals are under half its usual one, so a purchase two days after another is its habit. A monthly
    fee with one such repeat is still a finding."""
    days = ["01-05", "02-09", "03-02", "03-09", "03-12", "03-14", "04-07", "05-04", "06-02", "06-06", "06-30",
            "07-11", "08-28", "09-28", "10-14", "11-01", "11-14", "11-19"]
    licences = [(f"2025-{d}", -118.0, "Microsoft", "Microsoft 365") for d in days]
    assert flags(NearDuplicate().detect(_statement(licences))) == {}
    monthly = [(f"2025-{m:02d}-02", -89.0, "Hosting AB", "Hosting fee") for m in range(1, 13)]
    assert set(flags(NearDuplicate().detect(_statement([*monthly, ("2025-03-05", -89.0, "Hosting AB", "Hosting fee")])))) \
        == {3, 13}


def test_near_duplicates_naming_different_references_are_low():
    data = _statement([("2025-03-03", -1200.0, "Nordic Parts", "Payment invoice 10231"),
                       ("2025-03-05", -1200.0, "Nordic Parts", "Payment invoice 10387 2025-03-05"),
                       ("2025-04-01", -640.0, "Nordic Parts", "Payment invoice 20001"),
                       ("2025-04-02", -640.0, "Nordic Parts", "Invoice 20001 paid again")])
    assert flags(NearDuplicate().detect(data)) == {
        1: ("low", "same amount -1 200, account SE12 and counterparty Nordic Parts as the line of 2025-03-05, "
                   "2 day(s) apart; they name different references"),
        2: ("low", "same amount -1 200, account SE12 and counterparty Nordic Parts as the line of 2025-03-03, "
                   "2 day(s) apart; they name different references"),
        3: ("medium", "same amount -640, account SE12 and counterparty Nordic Parts as the line of 2025-04-02, "
                      "1 day(s) apart"),
        4: ("medium", "same amount -640, account SE12 and counterparty Nordic Parts as the line of 2025-04-01, "
                      "1 day(s) apart"),
    }
    assert NearDuplicate().detect(data).summary == {"near_duplicates": 4, "with_different_references": 2}


def test_near_duplicates_in_vouchers_repeat_the_document_total_and_compare_reference_columns():
    """Two invoices to one customer sharing a line (the same part at the same price, a flat carriage charge)
    but of different totals are two documents; the same invoice again two days later is flagged, and low where
    the reference column names another invoice number."""
    lines = [("S1", "2025-03-03", "1100", 1450.0, "INV1"), ("S1", "2025-03-03", "4000", -1432.0, "INV1"),
             ("S1", "2025-03-03", "4905", -18.0, "INV1"),
             ("S2", "2025-03-04", "1100", 2018.0, "INV2"), ("S2", "2025-03-04", "4000", -2000.0, "INV2"),
             ("S2", "2025-03-04", "4905", -18.0, "INV2"),
             ("S3", "2025-03-06", "1100", 2018.0, "INV2"), ("S3", "2025-03-06", "4000", -2000.0, "INV2"),
             ("S3", "2025-03-06", "4905", -18.0, "INV2"),
             ("S4", "2025-03-20", "1100", 700.0, "INV3"), ("S4", "2025-03-20", "4000", -700.0, "INV3"),
             ("S5", "2025-03-21", "1100", 700.0, "INV4"), ("S5", "2025-03-21", "4000", -700.0, "INV4")]
    voucher, date, account, amount, reference = (list(column) for column in zip(*lines, strict=True))
    data = frame(voucher_id=voucher, posting_date=date, account=account, amount=amount, reference=reference,
                 counterparty=["HARL001"] * len(lines))
    found = flags(NearDuplicate().detect(data))
    assert sorted(found) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]  # S1's carriage line matches S2's: not flagged
    assert found[4] == ("medium", "same amount 2 018, account 1100 and counterparty HARL001 as the line of "
                                  "2025-03-06 (voucher S3), 2 day(s) apart")
    assert found[10] == ("low", "same amount 700, account 1100 and counterparty HARL001 as the line of 2025-03-21 "
                                "(voucher S5), 1 day(s) apart; they name different references")


def test_near_duplicates_without_counterparty_compare_whole_vouchers():
    # a supplier invoice booked again two days later, identical lines and text; no counterparty column
    dates = ["2025-03-03", "2025-03-03", "2025-03-05", "2025-03-05", "2025-03-05", "2025-03-05", "2025-03-20",
             "2025-03-20"]
    data = frame(voucher_id=["B1", "B1", "B2", "B2", "B3", "B3", "B4", "B4"], posting_date=dates,
                 account=["4010", "2440", "4010", "2440", "4010", "2440", "4010", "2440"],
                 amount=[900.0, -900.0, 900.0, -900.0, 800.0, -800.0, 900.0, -900.0],
                 description=["Inv Nordic 17"] * 4 + ["Inv Nordic 18"] * 2 + ["Inv Nordic 17"] * 2)
    result = NearDuplicate().detect(data)
    reason = ("voucher B2 repeats voucher B1 of 2025-03-03 line for line (2 lines, same accounts, amounts and "
              "texts), 2 day(s) later")
    assert flags(result) == {3: ("medium", reason), 4: ("medium", reason)}  # B4 is 17 days later
    # the same voucher every few days is a routine, not a copy
    routine = frame(voucher_id=[f"K{i}" for i in range(6)], posting_date=[f"2025-03-0{i + 1}" for i in range(6)],
                    account=["1910"] * 6, amount=[500.0] * 6, description=["Kassa"] * 6)
    assert flags(NearDuplicate().detect(routine)) == {}
    # no vouchers either: the text stands in for the counterparty
    lines = data.assign(voucher_id=None)
    assert flags(NearDuplicate().detect(lines))[1][1].startswith(
        "same amount 900, account 4010 and text 'Inv Nordic 17' as the line of 2025-03-05")
    bare = lines.assign(description=None)
    assert NearDuplicate().detect(bare).skipped == "the upload has no counterparty, voucher or description data"


def test_a_voucher_entered_again_with_a_slip_in_the_invoice_number_is_a_duplicate():
    # the same invoice registered twice the same day, its number typed with two digits swapped (and once with a
    # prefix); invoices of one amount with other numbers are other documents, however alike their texts (a
    # customer number in common, short invoice numbers one apart); an identical same-day copy with the very
    # same text is exact_duplicate's, not this rule's
    def voucher(v: str, text: str, amount: float) -> list[dict]:
        return [{"voucher_id": v, "posting_date": "2025-10-14", "account": "1320", "amount": amount, "description": text},
                {"voucher_id": v, "posting_date": "2025-10-14", "account": "6810", "amount": -amount, "description": text}]

    rows = (voucher("11312", "El-firmaet Lund fakt. 869702 sag 2518", 54909.69)
            + voucher("11385", "El-firmaet Lund fakt. 869720 sag 2518", 54909.69)
            + voucher("10415", "El-firmaet Lund fakt. 198078", 50626.50)
            + voucher("10423", "El-firmaet Lund fakt. F-198078", 50626.50)
            + voucher("10500", "Stark fakt. 510497", 700.0) + voucher("10501", "Stark fakt. 733181", 700.0)
            + voucher("10502", "30027 Decko AB, 22", 125.0) + voucher("10503", "30027 Decko AB, 23", 125.0)
            + voucher("10600", "Bygma fakt. 1111", 90.0) + voucher("10601", "Bygma fakt. 1111", 90.0))
    result = NearDuplicate().detect(frame(rows))
    swapped = ("voucher 11385 repeats voucher 11312 of 2025-10-14 line for line (2 lines, same accounts, amounts), "
               "0 day(s) later; text 'El-firmaet Lund fakt. 869720 sag 2518' vs 'El-firmaet Lund fakt. 869702 sag 2518'")
    prefixed = ("voucher 10423 repeats voucher 10415 of 2025-10-14 line for line (2 lines, same accounts, amounts), "
                "0 day(s) later; text 'El-firmaet Lund fakt. F-198078' vs 'El-firmaet Lund fakt. 198078'")
    assert flags(result) == {3: ("medium", swapped), 4: ("medium", swapped), 7: ("medium", prefixed),
                             8: ("medium", prefixed)}
    assert result.summary["repeated_vouchers"] == 2


def test_an_invoice_number_booked_again_weeks_later_is_a_duplicate_a_monthly_entry_is_not():
    # the same invoice (number, amounts, accounts) dated again 19 days later; a depreciation line naming the
    # asset number, booked on each month's last day, repeats its text by design
    def voucher(v: str, day: str, text: str, amount: float) -> list[dict]:
        return [{"voucher_id": v, "posting_date": day, "account": "1320", "amount": amount, "description": text},
                {"voucher_id": v, "posting_date": day, "account": "6810", "amount": -amount, "description": text}]

    rows = (voucher("10820", "2025-07-23", "Gulvmanden fakt. 368025", 19501.62)
            + voucher("10928", "2025-08-11", "Gulvmanden fakt. 368025", 19501.62)
            + voucher("90001", "2025-01-31", "Afskrivning 1820\\A021", 100.0)
            + voucher("90002", "2025-02-28", "Afskrivning 1820\\A021", 100.0))
    result = NearDuplicate().detect(frame(rows))
    reason = ("voucher 10928 repeats voucher 10820 of 2025-07-23 line for line (2 lines, same accounts, amounts and "
              "texts), 19 day(s) later")
    assert flags(result) == {3: ("medium", reason), 4: ("medium", reason)}
    assert flags(NearDuplicate().detect(frame(rows), {"document_days": 10})) == {}


def _reversals():
    receivable_dates = [f"2025-02-{d:02d}" for d in range(1, 13)]
    return frame(
        voucher_id=["V1", "V2", "V3", "V3", "V4", "V5"] + [f"R{i}" for i in range(12)],
        posting_date=["2025-03-01", "2025-03-10", "2025-03-02", "2025-03-02", "2025-01-01", "2025-03-01"]
        + receivable_dates,
        account=["6110", "6110", "5010", "5010", "6570", "6570"] + ["1510"] * 12,
        amount=[1200.0, -1200.0, 300.0, -300.0, 50.0, -50.0] + [(-1) ** i * 700.0 for i in range(12)],
    )


def test_reversal_of_an_earlier_line():
    result = Reversal().detect(_reversals())
    assert flags(result) == {
        2: ("medium", "reverses 1 200 on account 6110 posted 2025-03-01 (voucher V1), 9 day(s) earlier"),
    }
    # receivables pay off invoices all the time: a settlement account, not a finding
    assert result.summary["settlement_accounts_skipped"] == ["1510"]
    wider = flags(Reversal().detect(_reversals(), {"days": 60}))
    assert wider[6] == ("medium", "reverses 50 on account 6570 posted 2025-01-01 (voucher V4), 59 day(s) earlier")
    assert set(wider) == {2, 6}
    everything = flags(Reversal().detect(_reversals(), {"max_account_share": 1.0}))
    assert set(everything) == {2} | {7 + i for i in range(1, 12)}
    assert flags(Reversal().detect(_reversals(), {"exclude_account_prefixes": ["61"]})) == {}


def test_a_reversal_cancels_a_whole_voucher_and_a_payment_is_none():
    data = frame(
        voucher_id=["INV1", "INV1", "INV1", "PAY1", "PAY1", "J1", "J1", "J2", "J2"],
        posting_date=["2025-03-03", "2025-03-03", "2025-03-03", "2025-03-20", "2025-03-20",
                      "2025-03-04", "2025-03-04", "2025-03-05", "2025-03-05"],
        account=["6110", "2641", "2440", "2440", "1930", "6540", "1930", "1930", "6540"],
        amount=[800.0, 200.0, -1000.0, 1000.0, -1000.0, 2500.0, -2500.0, 2500.0, -2500.0],
    )
    # the payment clears only the payable line of the invoice; J2 negates both lines of J1
    assert flags(Reversal().detect(data)) == {
        8: ("medium", "reverses -2 500 on account 1930 posted 2025-03-04 (voucher J1), 1 day(s) earlier"),
        9: ("medium", "reverses 2 500 on account 6540 posted 2025-03-04 (voucher J1), 1 day(s) earlier"),
    }


@pytest.mark.parametrize(("rule", "config", "field"), [
    (ExactDuplicate, {"min_amount": -1}, "exact_duplicate.min_amount"),
    (NearDuplicate, {"days": -1}, "near_duplicate.days"),
    (NearDuplicate, {"window": 3}, "window"),
    (Reversal, {"max_account_share": 0}, "reversal.max_account_share"),
    (Reversal, {"exclude_account_prefixes": "1"}, "reversal.exclude_account_prefixes"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)


def test_a_reference_retyped_with_a_slip_names_the_same_document_and_the_next_number_another():
    lines = [("P1", "2025-05-05", "4010", 3400.0, "RE-20417"), ("P1", "2025-05-05", "2440", -3400.0, "RE-20417"),
             ("P2", "2025-05-07", "4010", 3400.0, "RE-20471"), ("P2", "2025-05-07", "2440", -3400.0, "RE-20471"),
             ("P3", "2025-06-02", "4010", 950.0, "RE-20533"), ("P3", "2025-06-02", "2440", -950.0, "RE-20533"),
             ("P4", "2025-06-03", "4010", 950.0, "RE-20534"), ("P4", "2025-06-03", "2440", -950.0, "RE-20534")]
    voucher, date, account, amount, reference = (list(column) for column in zip(*lines, strict=True))
    data = frame(voucher_id=voucher, posting_date=date, account=account, amount=amount, reference=reference,
                 counterparty=["70010"] * len(lines))
    found = flags(NearDuplicate().detect(data))
    assert {row: severity for row, (severity, _) in found.items()} == {
        1: "medium", 2: "medium", 3: "medium", 4: "medium", 5: "low", 6: "low", 7: "low", 8: "low"}


def _vouchers(amounts: list[float], texts: list[str], dates: list[str]) -> frame:
    return frame(voucher_id=[f"V{i}" for i in range(len(amounts))], posting_date=dates, account=["3010"] * len(amounts),
                 amount=amounts, description=texts)


def test_a_days_batch_of_identical_entries_is_one_set_of_twins_not_a_routine():
    """300 vouchers of their own; twelve identical tickets on one day (4 % of the vouchers have a twin, but in one set)
    and an invoice entered twice: two sets, 0.7 % of the vouchers, so the copies are flagged. Where ten invoices are
    each entered twice (6.5 % of the vouchers, ten sets), identical entries are the ledger's routine."""
    amounts = [float(100 + 7 * i) for i in range(300)]
    texts = [f"invoice {i}" for i in range(300)]
    dates = [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(300)]
    batch = _vouchers(amounts + [250.0] * 12 + [amounts[5]], texts + ["ticket"] * 12 + [texts[5]],
                      dates + ["2025-06-25"] * 12 + [dates[5]])
    flagged = set(flags(ExactDuplicate().detect(batch)))
    assert flagged == set(range(302, 314))  # the eleven tickets after the first (301), and the invoice's copy (313)
    twice = _vouchers(amounts + amounts[:10], texts + texts[:10], dates + dates[:10])
    assert flags(ExactDuplicate().detect(twice)) == {}


def test_two_payments_of_two_invoices_of_one_size_are_no_duplicate_a_second_payment_of_one_is():
    """Stourbridge bills 1 980 twice in May and both bills are paid in June, three days apart: each payment pays its
    own invoice. Wrekin bills 705.60 once and is paid twice: the second payment pays nothing."""
    def voucher(vid: str, day: str, party: str, amount: float) -> list[dict]:
        return [{"voucher_id": vid, "posting_date": day, "account": "2100", "counterparty": party, "amount": amount},
                {"voucher_id": vid, "posting_date": day, "account": "1200" if amount > 0 else "5000",
                 "counterparty": party, "amount": -amount}]
    rows = (voucher("PI1", "2025-05-02", "STOURB01", -1980.0) + voucher("PI2", "2025-05-20", "STOURB01", -1980.0)
            + voucher("PP1", "2025-06-06", "STOURB01", 1980.0) + voucher("PP2", "2025-06-09", "STOURB01", 1980.0)
            + voucher("PI3", "2025-07-01", "WREKIN01", -705.6) + voucher("PP3", "2025-07-24", "WREKIN01", 705.6)
            + voucher("PP4", "2025-07-29", "WREKIN01", 705.6))
    found = flags(NearDuplicate().detect(frame(rows)))
    assert {rows[t - 1]["voucher_id"] for t in found} == {"PP4"}
    assert found[13][1] == ("same amount 705.60, account 2100 and counterparty WREKIN01 as the line of 2025-07-24 "
                            "(voucher PP3), 5 day(s) apart")
