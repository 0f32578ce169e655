"""Rare account combinations, seldom-used accounts, unusual users for an account."""

from __future__ import annotations

import pandas as pd
import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.account_patterns import RareAccountCombination, SeldomUsedAccount
from anomaly_pipeline.detect.rules.user_patterns import UnusualUserAccount
from anomaly_pipeline_tests.detect.frames import flags, frame


def _vouchers():
    pairs = [("5010", "2440")] * 20 + [("6110", "1930")] * 10 + [("5010", "1930"), ("7990", "1930")]
    vouchers = [f"V{i}" for i, _ in enumerate(pairs, start=1) for _ in range(2)]
    accounts = [a for pair in pairs for a in pair]
    return frame(voucher_id=vouchers, account=accounts, amount=[100.0, -100.0] * len(pairs))


def test_rare_pair_of_common_accounts():
    result = RareAccountCombination().detect(_vouchers())
    reason = "accounts 1930 and 5010 appear together in 1 of 32 vouchers although they are in 12 and 21 vouchers"
    assert flags(result) == {61: ("low", reason), 62: ("low", reason)}
    assert result.summary == {"vouchers": 32, "rare_pairs": 1, "routine_pairs": 0, "strong_pairs": 0,
                              "surprising_pairs": 0, "apart_pairs": 0}
    # 7990 is in one voucher only: that is the seldom-used rule's business, unless the bar is lowered
    assert set(flags(RareAccountCombination().detect(_vouchers(), {"min_account_vouchers": 1}))) == {61, 62, 63, 64}


def _ledger(reclassifications: int):
    """Sales, rent, office supplies and salaries, each on its usual accounts; salaries (7010) booked against
    sales (3001) in `reclassifications` vouchers."""
    pairs = ([("1510", "3001")] * 40 + [("5010", "2440")] * 40 + [("6110", "1930")] * 40 + [("7010", "1930")] * 20
             + [("7010", "3001")] * reclassifications)
    vouchers = [f"V{i}" for i, _ in enumerate(pairs, start=1) for _ in range(2)]
    return frame(voucher_id=vouchers, account=[a for pair in pairs for a in pair],
                 amount=[100.0, -100.0] * len(pairs))


def test_a_pair_rare_for_its_accounts_volume_is_flagged_though_seen_twice():
    rare = RareAccountCombination().detect(_ledger(2))
    assert set(flags(rare)) == {281, 282, 283, 284}  # both reclassification vouchers
    assert flags(rare)[281][1] == ("accounts 3001 and 7010 appear together in 2 of 142 vouchers although they are "
                                   "in 42 and 22 vouchers (9% of the less used account's; 6.5 expected by chance)")
    # the prior alone (at most one voucher) would not have seen it
    assert flags(RareAccountCombination().detect(_ledger(2), {"max_share": 0.01})) == {}


def test_hubs_met_once_where_chance_would_bring_them_together_often_are_a_surprise():
    """Receivables (1510) and payables (2440) are each in 400 of 1 000 vouchers: independent, they would share 160;
    they share one, a supplier's bill booked to receivables. Met once by accounts in 30 vouchers each (0.9
    expected by chance) is only strong."""
    pairs = ([("1510", "3001")] * 400 + [("2440", "4010")] * 400 + [("1930", "6110")] * 170
             + [("6540", "1930")] * 29 + [("6550", "1930")] * 29 + [("1510", "2440"), ("6540", "6550")])
    vouchers = [f"V{i}" for i, _ in enumerate(pairs, start=1) for _ in range(2)]
    data = frame(voucher_id=vouchers, account=[a for pair in pairs for a in pair], amount=[100.0, -100.0] * len(pairs))
    result = RareAccountCombination().detect(data)
    bill, odd = _ids(data, "V1029"), _ids(data, "V1030")
    assert set(flags(result)) == bill | odd
    assert {flags(result)[t][0] for t in bill} == {"high"} and {flags(result)[t][0] for t in odd} == {"medium"}
    assert flags(result)[min(bill)][1] == (
        "accounts 1510 and 2440 appear together in 1 of 1030 vouchers although they are in 401 and 401 vouchers (a "
        "pair the accounts' other vouchers never hold); chance alone would bring them together in 156; the accounts "
        "each is otherwise booked against, on the side it takes there, have 0 % in common")
    assert result.summary["surprising_pairs"] == 1 and result.summary["strong_pairs"] == 2
    assert result.summary["apart_pairs"] == 1  # 6540 and 6550 are both paid from the bank: neighbours


def _company(odd: tuple[str, str], times: int, scale: int = 1):
    """A company's year (600 vouchers at scale 1): sales on account with output VAT, customers paying into the
    bank, supplier bills with input VAT paid from the bank, two expense accounts paid directly from the bank,
    monthly payroll against the bank and payroll liabilities; plus `times` vouchers of the `odd` pair."""
    vouchers = ([("1510", "3001", "2611")] * 200 + [("1930", "1510")] * 150 + [("4010", "2440", "2641")] * 120
                + [("2440", "1930")] * 90 + [("6110", "1930")] * 12 + [("6540", "1930")] * 12
                + [("7010", "1930", "2710")] * 12 + [("2710", "1930")] * 4) * scale + [odd] * times
    ids = [f"V{i}" for i, accounts in enumerate(vouchers, start=1) for _ in accounts]
    accounts = [a for v in vouchers for a in v]
    amounts = [x for v in vouchers for x in ([100.0, -100.0] if len(v) == 2 else [125.0, -100.0, -25.0])]
    return frame(voucher_id=ids, account=accounts, amount=amounts)


def test_accounts_from_different_parts_of_the_ledger_meeting_twice_are_high_though_chance_expects_it():
    """Salaries (7010, booked against the bank and payroll liabilities) against sales (3001, against
    receivables and output VAT), twice in 602 vouchers: chance alone expects 0.5 such vouchers, so only the
    accounts' neighbourhoods tell. Two expense accounts both paid from the bank (6110, 6540) meeting twice are
    neighbours: not apart. The same salaries-against-sales ledger of a third of the size says too little."""
    data = _company(("7010", "3001"), 2)
    result = RareAccountCombination().detect(data)
    odd = _ids(data, "V601") | _ids(data, "V602")
    assert set(flags(result)) == odd
    assert {flags(result)[t] for t in odd} == {("high", (
        "accounts 3001 and 7010 appear together in 2 of 602 vouchers although they are in 202 and 14 vouchers (14% of "
        "the less used account's; 4.7 expected by chance); the accounts each is otherwise booked against, on the "
        "side it takes there, have 0 % in common"))}
    assert result.summary["apart_pairs"] == 1
    neighbours = _company(("6110", "6540"), 2)
    assert flags(RareAccountCombination().detect(neighbours)) == {}
    small = RareAccountCombination().detect(_company(("7010", "3001"), 2), {"apart_min_ledger": 1000})
    assert {severity for severity, _ in flags(small).values()} <= {"low", "medium"}
    once = RareAccountCombination().detect(data, {"apart_max_pair_vouchers": 1})
    assert {severity for severity, _ in flags(once).values()} == {"low"}  # only rare for the accounts' volume


def test_accounts_settled_against_the_bank_on_opposite_sides_live_apart():
    """A rent (6540, paid from the bank) set off against a customer's receivable (1510, paid into the bank), twice:
    both accounts meet the bank, but the rent's bank is credited and the receivable's debited, so the accounts each
    is booked against, side by side, have nothing in common: high. Two expense accounts both paid from the bank
    (6110, 6540) meeting twice share the bank credited: neighbours, not flagged."""
    data = _company(("6540", "1510"), 2)
    result = RareAccountCombination().detect(data)
    odd = _ids(data, "V601") | _ids(data, "V602")
    assert {t: severity for t, (severity, _) in flags(result).items()} == {t: "high" for t in odd}
    assert flags(result)[min(odd)][1].endswith(
        "(14% of the less used account's; 8.2 expected by chance); the accounts each is otherwise booked against, on "
        "the side it takes there, have 0 % in common")
    assert flags(RareAccountCombination().detect(_company(("6110", "6540"), 2))) == {}


def _ids(data, voucher: str) -> set[int]:
    return set(data.loc[data["voucher_id"] == voucher, "transaction_id"])


def test_a_pair_booked_month_after_month_is_a_routine():
    def dated(reclassifications: int, months: list[int]):
        ledger = _ledger(reclassifications)
        month = [1 + i % 12 for i in range(len(ledger) // 2 - reclassifications) for _ in range(2)]
        month += [m for m in months for _ in range(2)]
        return ledger.assign(posting_date=[pd.Timestamp(2025, m, 15) for m in month])

    # two reclassifications in two different months are a routine where two months make one
    twice = RareAccountCombination().detect(dated(2, [3, 9]), {"routine_months": 2})
    assert flags(twice) == {} and twice.summary["routine_pairs"] == 5  # the four everyday pairs and this one
    # the same two in one month are not
    assert set(flags(RareAccountCombination().detect(dated(2, [3, 3]), {"routine_months": 2}))) == {281, 282, 283, 284}
    # by default a routine takes four months
    assert set(flags(RareAccountCombination().detect(dated(2, [3, 9])))) == {281, 282, 283, 284}
    # where salaries are booked against sales in a third of their vouchers, that is this ledger's habit
    assert flags(RareAccountCombination().detect(_ledger(10))) == {}


def test_a_pair_met_once_by_accounts_each_in_many_vouchers_is_a_stronger_finding():
    strong = flags(RareAccountCombination().detect(_ledger(1)))
    reason = ("accounts 3001 and 7010 appear together in 1 of 141 vouchers although they are in 41 and 21 vouchers "
              "(a pair the accounts' other vouchers never hold)")
    assert strong == {281: ("medium", reason), 282: ("medium", reason)}
    # the same break where the less used account is in 10 vouchers: its structure is too little known
    few = _ledger(1)
    few = few[~few["voucher_id"].isin([f"V{i}" for i in range(121, 132)])].reset_index(drop=True)
    assert {v[0] for v in flags(RareAccountCombination().detect(few)).values()} == {"low"}
    assert flags(RareAccountCombination().detect(_ledger(1), {"strong_share": 0.01})) == {
        k: ("low", reason.removesuffix(" (a pair the accounts' other vouchers never hold)")) for k in strong}


def test_a_pair_met_twice_where_chance_expects_a_dozen_meetings_is_strong():
    """Receivables (1510) are in 602 of 694 vouchers, a cost account (4210) in 14: independent, they would share
    twelve; they share two (a cost booked to receivables twice, where it is paid from the bank). Two of the cost account's 14 vouchers is no
    small share of them, but chance alone meets the pair so seldom in 4 of 10 000 ledgers: medium. Met twice
    where chance expects six and a half, low (`test_a_pair_rare_for_its_accounts_volume_...`); in a ledger of
    fewer than 500 vouchers, low too."""
    pairs = ([("1510", "3001")] * 400 + [("1510", "1930")] * 200 + [("6110", "1930")] * 80 + [("4210", "1930")] * 12
             + [("4210", "1510")] * 2)
    vouchers = [f"V{i}" for i, _ in enumerate(pairs, start=1) for _ in range(2)]
    data = frame(voucher_id=vouchers, account=[a for pair in pairs for a in pair], amount=[100.0, -100.0] * len(pairs))
    found = flags(RareAccountCombination().detect(data))
    assert set(found) == _ids(data, "V693") | _ids(data, "V694")
    assert {severity for severity, _ in found.values()} == {"medium"}
    assert found[min(found)][1] == ("accounts 1510 and 4210 appear together in 2 of 694 vouchers although they are in "
                                    "602 and 14 vouchers (14% of the less used account's; 12.1 expected by chance)")
    small = RareAccountCombination().detect(data, {"apart_min_ledger": 1000})
    assert {severity for severity, _ in flags(small).values()} == {"low"}


def test_a_vat_report_brings_together_the_accounts_it_settles_a_transfer_between_them_is_rare():
    """Output VAT (2611) credited by every sale, input VAT (2641) debited by every purchase; each month's VAT report
    debits 2611 with the month's output VAT and credits 2641 with its input VAT, so the two meet only there, in
    three months (too few for a routine). The report settles them: not rare. A transfer between the two accounts
    in the middle of a month settles nothing."""
    rows = []
    for month in (1, 2, 3):
        day = f"2025-{month:02d}-10"
        rows += [(f"S{month}-{i}", day, account, amount) for i in range(40)
                 for account, amount in (("1510", 125.0 + i), ("3001", -100.0 - i * 0.8), ("2611", -25.0 - i * 0.2))]
        rows += [(f"P{month}-{i}", day, account, amount) for i in range(40)
                 for account, amount in (("4010", 80.0 + i), ("2641", 20.0 + i * 0.25), ("2440", -100.0 - i * 1.25))]
        output = round(sum(25.0 + i * 0.2 for i in range(40)), 2)
        paid = round(sum(20.0 + i * 0.25 for i in range(40)), 2)
        rows += [(f"M{month}", f"2025-{month:02d}-28", "2611", output), (f"M{month}", f"2025-{month:02d}-28", "2641", -paid),
                 (f"M{month}", f"2025-{month:02d}-28", "2650", round(paid - output, 2))]
    rows += [("X", "2025-02-15", "2611", 300.0), ("X", "2025-02-15", "2641", -300.0)]
    data = frame(voucher_id=[v for v, *_ in rows], posting_date=[d for _, d, *_ in rows],
                 account=[a for *_, a, _ in rows], amount=[x for *_, x in rows])
    assert set(flags(RareAccountCombination().detect(data))) == _ids(data, "X")


def test_rare_pair_skips_small_or_voucherless_uploads():
    assert RareAccountCombination().detect(_vouchers(), {"min_vouchers": 40}).skipped == (
        "only 32 vouchers, fewer than min_vouchers 40")
    bank = frame(account=["SE1"] * 3, amount=[1.0, 2.0, 3.0])
    assert RareAccountCombination().detect(bank).skipped == "the upload has no voucher_id data"


def test_seldom_used_accounts():
    accounts = ["6110"] * 60 + ["1930"] * 37 + ["7990"] + ["8310"] * 2
    data = frame(account=accounts, amount=[10.0] * 99 + [-250.0])
    result = SeldomUsedAccount().detect(data)
    assert flags(result) == {
        98: ("low", "account 7990 is used 1 time(s) in 100 lines; amount 10"),
        99: ("low", "account 8310 is used 2 time(s) in 100 lines; amount 10"),
        100: ("low", "account 8310 is used 2 time(s) in 100 lines; amount -250"),
    }
    assert set(flags(SeldomUsedAccount().detect(data, {"max_postings": 1}))) == {98}
    assert SeldomUsedAccount().detect(data, {"min_population": 101}).skipped == (
        "only 100 reference lines, fewer than min_population 101")


def test_seldom_used_accounts_against_this_ledgers_long_tail():
    # 200 lines on two accounts; 7990 once: rare here, flagged
    common = ["6110"] * 120 + ["1930"] * 79
    assert set(flags(SeldomUsedAccount().detect(frame(account=common + ["7990"], amount=[10.0] * 200)))) == {200}
    # the same single posting in a ledger where 30 accounts are used once or twice (15 % of its lines): that is
    # how this ledger uses accounts; accounts used once are still 5 % or less of it and stay flagged
    tail = [f"8{n:03d}" for n in range(20) for _ in range(2)] + [f"9{n:03d}" for n in range(9)]
    data = frame(account=common[:150] + tail + ["7990"], amount=[10.0] * 200)
    result = SeldomUsedAccount().detect(data)
    once = {i for i, a in enumerate(common[:150] + tail + ["7990"], start=1) if a.startswith("9") or a == "7990"}
    assert set(flags(result)) == once
    assert flags(result)[200] == ("low", "account 7990 is used 1 time(s) in 200 lines; amount 10; accounts used at "
                                         "most 1 time(s) carry 5.0 % of this ledger's lines")
    # a tail of accounts used once that is itself common: nothing is seldom here
    wide = frame(account=common[:170] + [f"9{n:03d}" for n in range(30)], amount=[10.0] * 200)
    assert flags(SeldomUsedAccount().detect(wide)) == {}
    assert SeldomUsedAccount().detect(wide).summary["bar"] == 0


def test_unusual_user_for_an_account():
    users = ["anna"] * 49 + ["erik"] + ["anna"] * 9 + ["erik"]
    accounts = ["1930"] * 50 + ["6110"] * 10
    data = frame(account=accounts, user_name=users, amount=[100.0] * 49 + [99.0] + [5.0] * 10)
    result = UnusualUserAccount().detect(data)
    assert flags(result) == {50: ("medium", "user erik made 1 of the 50 postings on account 1930 (2.0%); amount 99")}
    assert result.summary == {"accounts_tested": 1, "outstanding": 0}
    assert set(flags(UnusualUserAccount().detect(data, {"min_account_postings": 10, "max_share": 0.1}))) == {50, 60}
    assert flags(UnusualUserAccount().detect(data, {"max_share": 0.01})) == {}
    assert UnusualUserAccount().detect(frame(account=["1930"], amount=[1.0])).skipped == (
        "the upload has no user_name data")


def test_a_busy_user_who_otherwise_leaves_the_account_alone_is_outstanding():
    # erik makes half of all postings, all on 6110 but one: chance would give him some 30 of 1930's 61
    users = ["anna"] * 60 + ["erik"] * 61
    data = frame(account=["1930"] * 60 + ["6110"] * 60 + ["1930"], user_name=users, amount=[100.0] * 120 + [99.0])
    result = UnusualUserAccount().detect(data)
    assert flags(result) == {121: ("high", "user erik made 1 of the 61 postings on account 1930 (1.6%, though 50% of "
                                           "all postings are theirs); amount 99")}
    assert result.summary == {"accounts_tested": 2, "outstanding": 1}
    # where chance would give him fewer than `outstanding_expected`, the intrusion keeps `severity`
    assert flags(UnusualUserAccount().detect(data, {"outstanding_expected": 40}))[121] == (
        "medium", "user erik made 1 of the 61 postings on account 1930 (1.6%); amount 99")


def test_a_user_keying_a_kind_of_voucher_she_never_keys_is_outstanding():
    """megan keys the invoices and customer payments (1510 against 3010 and 1930), jenna the journals (3010
    against 1510, credit notes and corrections): both touch the same accounts every day. megan's one journal
    entry touches them too, so only its kind tells."""
    days = [f"2025-{m:02d}-{d:02d}" for m in range(1, 13) for d in (5, 12, 19, 26)]
    rows = [{"voucher_id": f"I{i}", "voucher_type": "Invoice", "posting_date": day, "account": account,
             "amount": sign * 1_000.0, "user_name": "megan"}
            for i, day in enumerate(days) for account, sign in (("1510", 1), ("3010", -1), ("1930", 1), ("1510", -1))]
    rows += [{"voucher_id": f"J{i}", "voucher_type": "Journal Entry", "posting_date": day, "account": account,
              "amount": sign * 80.0, "user_name": "jenna"}
             for i, day in enumerate(days * 2) for account, sign in (("3010", 1), ("1510", -1))]
    rows += [{"voucher_id": "J-megan", "voucher_type": "Journal Entry", "posting_date": "2025-03-13",
              "account": account, "amount": sign * 1_358.51, "user_name": "megan"}
             for account, sign in (("3010", 1), ("1510", -1))]
    data = frame(rows)
    result = UnusualUserAccount().detect(data)
    ids = set(data.loc[data["voucher_id"] == "J-megan", "transaction_id"])
    assert set(flags(result)) == ids
    assert flags(result)[min(ids)] == ("high", "user megan made 2 of the 194 postings on voucher type Journal Entry "
                                               "(1.0%, though 50% of all postings are theirs); amount 1 358.51")
    assert result.summary == {"accounts_tested": 3, "outstanding": 0, "voucher_types_tested": 2,
                              "outstanding_voucher_types": 2}
    untyped = data.assign(voucher_type=pd.Series(pd.NA, index=data.index, dtype="string"))
    assert flags(UnusualUserAccount().detect(untyped)) == {}


def test_a_colleague_standing_in_while_the_main_user_is_away_is_low():
    """anna enters the sales ledger (1510) every working day of March; on the 17th and 18th she entered nothing
    at all and erik entered her invoices: standing in, low. erik's one entry on the 5th, when anna was at work
    too, stays an intrusion; so does one day of stand-in alone (lisa on the 24th)."""
    days = pd.bdate_range("2025-03-03", "2025-03-31")
    anna_days = [d for d in days if d not in (pd.Timestamp("2025-03-17"), pd.Timestamp("2025-03-18"),
                                               pd.Timestamp("2025-03-24"))]
    rows = [(d, "anna", "1510") for d in anna_days for _ in range(10)]
    rows += [(pd.Timestamp("2025-03-17"), "erik", "1510"), (pd.Timestamp("2025-03-18"), "erik", "1510"),
             (pd.Timestamp("2025-03-05"), "erik", "1510"), (pd.Timestamp("2025-03-24"), "lisa", "1510")]
    rows += [(d, "erik", "2440") for d in days for _ in range(3)]  # erik works on payables every day
    rows += [(d, "lisa", "1930") for d in days[::7]]
    date, user, account = (list(column) for column in zip(*rows, strict=True))
    data = frame(posting_date=date, user_name=user, account=account, amount=[100.0] * len(rows))
    found = flags(UnusualUserAccount().detect(data))
    erik = len(anna_days) * 10
    assert {row: severity for row, (severity, _) in found.items()} == {
        erik + 1: "low", erik + 2: "low", erik + 3: "high", erik + 4: "medium"}
    assert found[erik + 1][1] == ("user erik made 3 of the 184 postings on account 1510 (1.6%, though 26% of all "
                                  "postings are theirs); amount 100; on a day the account's main user entered "
                                  "nothing: standing in")


@pytest.mark.parametrize(("rule", "config", "field"), [
    (RareAccountCombination, {"max_pair_vouchers": 0}, "rare_account_combination.max_pair_vouchers"),
    (RareAccountCombination, {"min_vouchers": 1}, "rare_account_combination.min_vouchers"),
    (RareAccountCombination, {"max_share": 0}, "rare_account_combination.max_share"),
    (SeldomUsedAccount, {"max_postings": 0}, "seldom_used_account.max_postings"),
    (SeldomUsedAccount, {"min_population": 5}, "seldom_used_account.min_population"),
    (UnusualUserAccount, {"max_share": 1.5}, "unusual_user_account.max_share"),
    (UnusualUserAccount, {"severity": "urgent"}, "unusual_user_account.severity"),
    (UnusualUserAccount, {"outstanding_expected": 0}, "unusual_user_account.outstanding_expected"),
    (UnusualUserAccount, {"outstanding_severity": "urgent"}, "unusual_user_account.outstanding_severity"),
])
def test_config_errors_name_the_field(rule, config, field):
    with pytest.raises(ConfigError, match=field):
        rule().validate_config(config)
