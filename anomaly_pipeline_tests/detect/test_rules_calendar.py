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
                                          {"categories": ["public"], "language": "en_US"})
    assert set(flags(public_only)) == {6}
    assert flags(public_only)[6][1].startswith("posted on May Day 2025-05-01")


def test_skipped_without_dates():
    result = HolidayPosting().detect(frame(amount=[1.0, 2.0]))
    assert result.skipped == "the upload has no posting_date data"
    assert result.scores.empty


@pytest.mark.parametrize(("config", "field"), [
    ({"country": "XX"}, "holiday_posting.country"),
    ({"language": "fr"}, "holiday_posting.language"),
    ({"categories": ["school"]}, "holiday_posting.categories"),
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
    weekend = WeekendPosting().detect(data)
    assert set(flags(weekend)) == {13}
    assert weekend.summary["scheduled"] == 4
    assert set(flags(HolidayPosting().detect(data))) == set()
    assert HolidayPosting().detect(data).summary["scheduled"] == 3
    # fewer months than `scheduled_months`, or the check off: every weekend and holiday date counts
    assert set(flags(WeekendPosting().detect(data, {"scheduled_months": 13}))) == {2, 3, 6, 11, 13}
    assert set(flags(WeekendPosting().detect(data, {"scheduled_months": 0}))) == {2, 3, 6, 11, 13}
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
    result = HolidayPosting().detect(data)
    assert set(flags(result)) == {len(data)}
    assert result.summary["holidays_worked"] == ["Nationaldagen 2025-06-06", "Midsommarafton 2025-06-20"]
    # where the usual day is too small to tell (min_usual), the calendar stands: both days are holidays again
    assert len(flags(HolidayPosting().detect(data, {"min_usual": 100, "max_share": 0.1}))) == 1 + 2 * 6


def test_too_few_vouchers_a_day_to_tell_and_the_calendar_stands():
    data = frame(_business_days(1, worked=["2025-06-06"]))
    result = HolidayPosting().detect(data, {"max_share": 0.1})
    assert result.summary["holidays_worked"] == []
    assert set(flags(result)) == {i + 1 for i, r in enumerate(_business_days(1, worked=["2025-06-06"]))
                                  if r["posting_date"] in ("2025-06-06", "2025-04-18")}
