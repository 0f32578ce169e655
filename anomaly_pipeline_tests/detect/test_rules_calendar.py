"""holiday_posting: public and de-facto holidays of a configurable country."""

from __future__ import annotations

import pytest

from anomaly_pipeline.detect.base import ConfigError
from anomaly_pipeline.detect.rules.holiday_posting import HolidayPosting
from anomaly_pipeline_tests.detect.frames import flags, frame

DATES = ["2025-06-20", "2025-06-23", "2024-12-24", "2025-07-04", "2025-06-22", "2025-05-01"]
AMOUNTS = [1200.0, 500.0, -80.0, 999.0, 100.0, 20_000.0]


def test_swedish_holidays_named_in_swedish_and_sundays_left_to_the_weekend_rule():
    result = HolidayPosting().detect(frame(posting_date=DATES, amount=AMOUNTS))
    assert flags(result) == {
        1: ("medium", "posted on Midsommarafton 2025-06-20, amount 1 200"),
        3: ("medium", "posted on Julafton 2024-12-24, amount -80"),
        6: ("medium", "posted on Första maj 2025-05-01, amount 20 000"),
    }
    assert result.scores.set_index("transaction_id").loc[1, "score"] == 0.7


def test_other_country_language_and_amount_threshold():
    result = HolidayPosting().detect(frame(posting_date=DATES, amount=AMOUNTS),
                                     {"country": "US", "min_amount": 500, "severity": "high"})
    assert flags(result) == {4: ("high", "posted on Independence Day 2025-07-04, amount 999")}
    public_only = HolidayPosting().detect(frame(posting_date=DATES, amount=AMOUNTS),
                                          {"country": "SE", "categories": ["public"], "language": "en_US"})
    assert set(flags(public_only)) == {6}
    assert flags(public_only)[6][1].startswith("posted on May Day 2025-05-01")


def test_skipped_without_dates():
    result = HolidayPosting().detect(frame(amount=[1.0, 2.0]))
    assert result.skipped == "the upload has no posting_date data"
    assert result.scores.empty


@pytest.mark.parametrize(("config", "field"), [
    ({"country": "XX"}, "holiday_posting.country"),
    ({"country": "SE", "language": "fr"}, "holiday_posting.language"),
    ({"country": "SE", "categories": ["school"]}, "holiday_posting.categories"),
    ({"language": "fr"}, "holiday_posting.country"),  # a language needs a country: 'auto' has none
    ({"min_amount": -1}, "holiday_posting.min_amount"),
    ({"scheduled_months": -1}, "holiday_posting.scheduled_months"),
    ({"severity": "critical"}, "holiday_posting.severity"),
    ({"min_amount": "lots"}, "holiday_posting.min_amount"),
    ({"countries": "SE"}, "countries"),
])
def test_config_errors_name_the_field(config, field):
    with pytest.raises(ConfigError, match=field):
        HolidayPosting().validate_config(config)


def test_month_end_dates_are_period_end_entries_not_holiday_or_weekend_work():
    from anomaly_pipeline.detect.rules.weekend_posting import WeekendPosting

    data = frame(posting_date=["2025-12-31", "2025-12-24", "2025-08-31", "2025-08-30"], amount=[5000.0] * 4)
    assert set(flags(HolidayPosting().detect(data))) == {2}
    assert flags(HolidayPosting().detect(data, {"skip_month_end": False}))[1] == (
        "medium", "posted on Nyårsafton 2025-12-31, amount 5 000")
    # 2025-08-31 is a Sunday and a month end; 2025-08-30 a Saturday
    assert set(flags(WeekendPosting().detect(data))) == {4}
    assert set(flags(WeekendPosting().detect(data, {"skip_month_end": False}))) == {3, 4}


def test_lines_without_a_posting_date_are_not_weekend_or_holiday_postings():
    from anomaly_pipeline.detect.rules.weekend_posting import WeekendPosting

    data = frame(posting_date=["2025-08-30", None, "2025-12-24"], amount=[5000.0] * 3)
    assert flags(WeekendPosting().detect(data)) == {
        1: ("medium", "posted Saturday 2025-08-30, amount 5 000 ≥ 1 000")}
    assert set(flags(HolidayPosting().detect(data))) == {3}


def test_a_standing_entry_dated_by_the_calendar_is_not_weekend_or_holiday_work():
    from anomaly_pipeline.detect.rules.weekend_posting import WeekendPosting

    # the rent, 12 000 on account 5010 on the 1st of every month: 1 Jan (Nyårsdagen), 1 May (Första maj) and
    # 1 Nov (Alla helgons dag) are holidays, 1 Feb, 1 Mar and 1 Nov Saturdays, 1 Jun a Sunday; the same amount
    # on Saturday 8 March is no standing entry
    dates = [f"2025-{m:02d}-01" for m in range(1, 13)] + ["2025-03-08"]
    data = frame(posting_date=dates, account=["5010"] * 13, amount=[12_000.0] * 13)
    assert set(flags(HolidayPosting().detect(data))) == set()
    assert HolidayPosting().detect(data).summary["scheduled"] == 3
    # a month's first day is never weekend work (accruals are reversed on it), scheduled or not
    assert set(flags(WeekendPosting().detect(data, {"scheduled_months": 0}))) == {13}
    assert set(flags(WeekendPosting().detect(data, {"scheduled_months": 0, "skip_month_end": False}))) == {
        2, 3, 6, 11, 13}
    # the same rent on the 2nd: 2 Feb, 2 Mar and 2 Nov are Sundays, 2 Aug a Saturday
    on_the_2nd = frame(posting_date=[f"2025-{m:02d}-02" for m in range(1, 13)] + ["2025-03-08"],
                       account=["5010"] * 13, amount=[12_000.0] * 13)
    weekend = WeekendPosting().detect(on_the_2nd)
    assert set(flags(weekend)) == {13}
    assert weekend.summary["scheduled"] == 4
    # fewer months than `scheduled_months`, or the check off: every weekend and holiday date counts
    assert set(flags(WeekendPosting().detect(on_the_2nd, {"scheduled_months": 13}))) == {2, 3, 8, 11, 13}
    assert set(flags(WeekendPosting().detect(on_the_2nd, {"scheduled_months": 0}))) == {2, 3, 8, 11, 13}
    assert set(flags(HolidayPosting().detect(data, {"scheduled_months": 0}))) == {1, 5, 11}


def _business_days(per_day: int, worked: list[str]) -> list[dict]:
    """March-August 2025, `per_day` vouchers on every weekday that is no Swedish holiday and on the `worked`
    ones; one voucher on Good Friday (18 April), a day this company is closed."""
    import pandas as pd

    off = {"2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-06", "2025-06-20"} - set(worked)
    days = [d for d in pd.bdate_range("2025-03-03", "2025-08-29").strftime("%Y-%m-%d") if d not in off]
    rows = [{"voucher_id": f"{day}-{k}", "posting_date": day, "amount": 500.0 + i * per_day + k}
            for i, day in enumerate(days) for k in range(per_day)]
    return rows + [{"voucher_id": "GF", "posting_date": "2025-04-18", "amount": 900.0}]


def test_a_holiday_the_company_works_is_not_one_of_its_holidays():
    # a Danish company on Sweden's calendar: it works Sweden's national day and Midsummer Eve like any other
    # day, and is closed on Good Friday, where its one voucher is flagged
    data = frame(_business_days(6, worked=["2025-06-06", "2025-06-20"]))
    result = HolidayPosting().detect(data, {"country": "SE"})
    assert set(flags(result)) == {len(data)}
    assert result.summary["holidays_worked"] == ["Nationaldagen 2025-06-06", "Midsommarafton 2025-06-20"]
    # where the usual day is too small to tell (min_usual), the calendar stands: both days are holidays again
    assert len(flags(HolidayPosting().detect(data, {"country": "SE", "min_usual": 100, "max_share": 0.1}))) == 1 + 2 * 6


def test_too_few_vouchers_a_day_to_tell_and_the_calendar_stands():
    data = frame(_business_days(1, worked=["2025-06-06"]))
    result = HolidayPosting().detect(data, {"max_share": 0.1})
    assert result.summary["holidays_worked"] == []
    assert set(flags(result)) == {i + 1 for i, r in enumerate(_business_days(1, worked=["2025-06-06"]))
                                  if r["posting_date"] in ("2025-06-06", "2025-04-18")}


def _closed_on(days_off: set[str], extra: dict[str, str] | None = None, per_day: int = 6) -> list[dict]:
    """March-September 2025, `per_day` vouchers on every weekday but `days_off`; one voucher on each of `extra`'s
    days."""
    import pandas as pd

    days = [d for d in pd.bdate_range("2025-03-03", "2025-09-30").strftime("%Y-%m-%d") if d not in days_off]
    rows = [{"voucher_id": f"{day}-{k}", "posting_date": day, "amount": 500.0 + 6 * i + k}
            for i, day in enumerate(days) for k in range(per_day)]
    return rows + [{"voucher_id": v, "posting_date": day, "amount": 900.0} for v, day in (extra or {}).items()]


NORWAY = {"2025-04-17", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-09"}
ENGLAND = {"2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25"}


@pytest.mark.parametrize(("days_off", "extra", "country", "sweden"), [
    # closed on Maundy Thursday and Whit Monday, open on Sweden's 6 June and Midsummer Eve: Norway's calendar
    (NORWAY, {"MT": "2025-04-17", "WM": "2025-06-09"}, "NO", "4 and 2"),
    # England's bank holidays: the May and August Mondays no Nordic calendar has
    (ENGLAND, {"EMAY": "2025-05-05", "AUG": "2025-08-25"}, "GB", "2 and 4"),
])
def test_the_ledger_says_whose_holidays_it_keeps(days_off, extra, country, sweden):
    data = frame(_closed_on(days_off, extra))
    result = HolidayPosting().detect(data)
    assert result.summary["country"] == country
    assert result.summary["country_from"] == (f"the ledger rests on {len(days_off)} of its weekday holidays and "
                                              f"works 0 (SE's: {sweden})")
    assert set(flags(result)) == set(range(len(data) - len(extra) + 1, len(data) + 1))
    # Sweden's calendar, configured, misses the days this company rests on that Sweden works
    assert set(flags(HolidayPosting().detect(data, {"country": "SE"}))) < set(flags(result))


def test_a_small_ledger_says_whose_holidays_it_keeps_over_all_of_them():
    """Two vouchers a weekday: one quiet day alone proves nothing, the five Dutch holidays rested on and Sweden's
    1 May, 6 June and Midsummer Eve worked together do."""
    netherlands = {"2025-04-18", "2025-04-21", "2025-05-05", "2025-05-29", "2025-06-09"}
    result = HolidayPosting().detect(frame(_closed_on(netherlands, per_day=2)))
    assert (result.summary["country"], result.summary["country_from"]) == (
        "NL", "the ledger rests on 5 of its weekday holidays and works 0 (SE's: 3 and 3)")
    assert flags(result) == {}


def test_without_holidays_of_its_own_the_currency_then_the_default_decides():
    rest_every_day = [{"voucher_id": f"v{i}", "posting_date": day, "amount": 100.0 + i}
                      for i, day in enumerate(["2025-05-05", "2025-05-26", "2025-06-06", "2025-07-01"])]
    pounds = HolidayPosting().detect(frame([{**r, "currency": "GBP"} for r in rest_every_day]))
    assert (pounds.summary["country"], pounds.summary["country_from"]) == ("GB", "the ledger's currency GBP")
    assert set(flags(pounds)) == {1, 2}  # England's May bank holidays
    plain = HolidayPosting().detect(frame(rest_every_day))
    assert plain.summary["country"] == "SE" and plain.summary["country_from"] == (
        "the default: no calendar fits the ledger's days off better and its currency names no country")
    assert set(flags(plain)) == {3}  # Sweden's national day


def test_a_holiday_an_account_works_is_not_its_holiday():
    """A restaurant group: the office (bank, 1930) rests on Norway's holidays, the four tills (1580) trade on all of
    them but 1 May. A bank voucher on Whit Monday and a till settled on 1 May are holiday postings; the tills of
    every other holiday are the tills' routine."""
    import pandas as pd

    rows = []
    for day in pd.date_range("2025-03-03", "2025-09-30").strftime("%Y-%m-%d"):
        weekday = pd.Timestamp(day).dayofweek < 5
        rows += [{"voucher_id": f"B{day}-{k}", "posting_date": day, "account": "1930", "amount": 100.0 + k}
                 for k in range(6) if weekday and day not in NORWAY]
        rows += [{"voucher_id": f"Z{day}-{k}", "posting_date": day, "account": "1580", "amount": 2000.0 + k}
                 for k in range(4) if day != "2025-05-01"]
    rows += [{"voucher_id": "BANK-WHIT", "posting_date": "2025-06-09", "account": "1930", "amount": 750.0},
             {"voucher_id": "Z-MAYDAY", "posting_date": "2025-05-01", "account": "1580", "amount": 2100.0}]
    data = frame(rows)
    result = HolidayPosting().detect(data, {"country": "NO"})
    assert set(flags(result)) == {len(data) - 1, len(data)}
    # the ledger as a whole, tills counted, works Whit Monday: the bank's own days decide
    assert "Andre pinsedag 2025-06-09" in result.summary["holidays_worked"]


def test_a_ledger_closed_on_its_states_holidays_keeps_that_states_calendar():
    """A Freiburg shop, November 2024 to February 2026, closed on Germany's holidays and on Baden-Württemberg's own
    (All Saints, Epiphany twice, Corpus Christi), open on Saxony's Reformation Day: Baden-Württemberg's calendar, so its one
    voucher on Corpus Christi is flagged, which Germany's alone does not list. Where the ledger works those days,
    the country's calendar stands."""
    import pandas as pd

    germany = {"2024-12-25", "2024-12-26", "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29",
               "2025-06-09", "2025-10-03", "2025-12-25", "2025-12-26", "2026-01-01"}
    state = {"2024-11-01", "2025-01-06", "2025-06-19", "2026-01-06"}

    def shop(days_off: set[str]) -> list[dict]:
        days = [d for d in pd.bdate_range("2024-11-01", "2026-02-27").strftime("%Y-%m-%d") if d not in days_off]
        return [{"voucher_id": f"{day}-{k}", "posting_date": day, "amount": 500.0 + 6 * i + k}
                for i, day in enumerate(days) for k in range(6)]

    closed = shop(germany | state) + [{"voucher_id": "CC", "posting_date": "2025-06-19", "amount": 900.0}]
    result = HolidayPosting().detect(frame(closed))
    assert result.summary["country"] == "DE"
    assert result.summary["country_from"].endswith(
        "; region BW: the ledger rests on 3 of its own weekday holidays and works 0")  # 1 Nov 2024: too early to tell
    assert set(flags(result)) == {len(closed)}
    open_on_them = HolidayPosting().detect(frame(shop(germany)))
    assert "region" not in open_on_them.summary["country_from"]
