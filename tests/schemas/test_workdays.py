"""Working days (DESIGN §15): the rule of WorkCalendar.add on the real 2026 schedule, a holidays file
for 2027, unknown years, the natural calendar, bad files named by line or key, and the workflow's
due dates counted with a calendar."""

from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings, strategies as st

from schemas import workflow as wf
from schemas.validators import parse_time
from schemas.workdays import NATURAL, ScheduleError, cn_calendar, parse_schedule
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "calendar"
CN = cn_calendar(chinese_calendar.holidays, chinese_calendar.workdays)
WITH_2027 = cn_calendar(chinese_calendar.holidays, chinese_calendar.workdays,
                        schedule=parse_schedule((DATA / "holidays-2027.txt").read_text("utf-8"), "holidays-2027.txt"))


def at(text: str) -> datetime:
    return parse_time(text)  # a time without offset is +08:00


@pytest.mark.parametrize("start, days, end, why", [
    ("2026-11-27T18:00", 3, "2026-12-02T18:00", "reported Friday 18:00: Friday counts, ends Wednesday 18:00"),
    ("2026-11-28T10:00", 3, "2026-12-03T09:00", "Saturday: counting starts Monday 09:00"),
    ("2026-11-29T23:59", 3, "2026-12-03T09:00", "late Sunday: the same"),
    ("2026-11-30T00:00", 3, "2026-12-03T00:00", "Monday midnight is a working day's first moment"),
    ("2026-09-30T15:00", 3, "2026-10-10T15:00", "the day before National Day: Oct 8, 9 and make-up Saturday 10"),
    ("2026-10-01T10:00", 1, "2026-10-09T09:00", "on National Day: starts Oct 8 09:00"),
    ("2026-10-07T23:00", 0, "2026-10-08T09:00", "zero days from a holiday is the start of counting"),
    ("2026-10-10T11:00", 1, "2026-10-12T11:00", "a make-up Saturday is a working day"),
    ("2026-09-19T10:00", 1, "2026-09-21T09:00", "Saturday before make-up Sunday Sep 20: starts Sunday 09:00"),
    ("2026-09-24T10:00", 4, "2026-10-08T10:00", "Mid-Autumn (Sep 25-27), Sep 28-30, National Day"),
    ("2026-02-13T10:00", 3, "2026-02-25T10:00", "Spring Festival: make-up Sat Feb 14, off Feb 15-23"),
    ("2026-02-13T10:00", 10, "2026-03-05T10:00", "Spring Festival, town limit, make-up Sat Feb 28 counts"),
    ("2026-02-18T08:00", 5, "2026-03-02T09:00", "reported during Spring Festival: starts Feb 24 09:00"),
])
def test_working_days_of_2026(start, days, end, why):
    assert CN.add(at(start), days) == at(end), why


def test_a_moment_in_another_offset_counts_by_its_china_date():
    # 16:30 UTC on Sep 30 is 00:30 on Oct 1 in China: a holiday.
    end = CN.add(datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc), 1)
    assert end == at("2026-10-09T09:00") and end.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("calendar", [WITH_2027, cn_calendar(
    chinese_calendar.holidays, chinese_calendar.workdays,
    schedule=parse_schedule((DATA / "holidays-2027.json").read_text("utf-8"), "holidays-2027.json"))],
    ids=["text", "json"])
def test_a_holidays_file_defines_2027(calendar):
    assert calendar.knows(2027) and not calendar.knows(2028)
    assert calendar.add(at("2026-12-31T10:00"), 1) == at("2027-01-04T10:00")
    assert calendar.add(at("2027-02-05T10:00"), 3) == at("2027-02-15T10:00")  # Sat 6, Sun 14 worked; 7-13 off
    assert [calendar.kind(date(2027, 2, d)) for d in (5, 6, 7, 13, 14, 15)] == \
        ["workday", "makeup", "holiday", "holiday", "makeup", "workday"]
    assert calendar.describe() == ("calendar cn: 2004-2026 from chinesecalendar; 2027 from holidays file; any other "
                                   "year: Monday-Friday less the fixed statutory holidays (1 Jan, 1-2 May, 1-3 Oct)")


def test_a_year_nobody_knows_counts_weekdays_less_the_fixed_statutory_holidays():
    assert not CN.knows(2027) and CN.unknown_years(date(2026, 12, 1), date(2028, 1, 1)) == [2027, 2028]
    assert CN.add(at("2027-02-05T10:00"), 3) == at("2027-02-10T10:00")  # no Spring Festival known
    assert CN.kind(date(2028, 5, 1)) == "holiday" and CN.kind(date(2028, 5, 3)) == "workday"
    assert CN.add(at("2028-04-28T10:00"), 1) == at("2028-05-03T10:00")  # 1-2 May off by law
    assert CN.add(at("2026-12-31T10:00"), 1) == at("2027-01-04T10:00")


def test_a_file_year_replaces_the_package_for_that_year():
    cal = cn_calendar(chinese_calendar.holidays, chinese_calendar.workdays,
                      schedule=parse_schedule("2026-11-30 holiday 测试\n", "f"))
    assert cal.kind(date(2026, 11, 30)) == "holiday" and cal.kind(date(2026, 10, 1)) == "workday"
    assert cal.kind(date(2025, 10, 1)) == "holiday"


def test_the_natural_calendar_counts_every_day():
    assert NATURAL.add(at("2026-09-30T15:00"), 3) == at("2026-10-03T15:00")
    assert NATURAL.add(at("2026-11-28T10:00"), 3) == at("2026-12-01T10:00")
    assert NATURAL.after(at("2026-11-28T10:00"), timedelta(days=0.5)) == at("2026-11-28T22:00")


@pytest.mark.parametrize("days", [-1, 1.5, True, "3"])
def test_a_limit_is_a_whole_number_of_days(days):
    with pytest.raises(ValueError):
        CN.add(at("2026-11-27T10:00"), days)
    with pytest.raises(ValueError):
        CN.after(at("2026-11-27T10:00"), timedelta(days=1.5))


@pytest.mark.parametrize("text, code, where", [
    ("2027-01-01 holiday\n2027-13-01 holiday\n", "holidays_file.date", "f, line 2"),
    ("# comment\n\n2027-01-01 vacation\n", "holidays_file.line", "f, line 3"),
    ("2027-01-01\n", "holidays_file.line", "f, line 1"),
    ("2027-02-08 workday\n", "holidays_file.makeup_weekday", "f, line 1"),
    ("2027-02-06 workday\n2027-02-06 holiday\n", "holidays_file.both", "f, line 2"),
    ("2027-02-10..2027-02-01 holiday\n", "holidays_file.range", "f, line 1"),
    ("2027-01-01..2027-03-01 holiday\n", "holidays_file.range", "f, line 1"),
    ("1999-01-01 holiday\n", "holidays_file.year", "f, line 1"),
    ("# nothing\n", "holidays_file.empty", "f"),
    ('{"holidays": ["2027-01-01",\n "2027-1-2"]}', "holidays_file.date", "f: holidays[1]"),
    ('{"holidays": {"2027-01-01": 1}}', "holidays_file.date", "f: holidays['2027-01-01']"),
    ('{"holiday": []}', "holidays_file.keys", "f"),
    ('{"holidays": "2027-01-01"}', "holidays_file.keys", "f: holidays"),
    ('{"holidays": [\n}', "holidays_file.json", "f, line 2"),
])
def test_a_bad_holidays_file_is_refused_naming_the_line_or_key(text, code, where):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, "f")
    assert caught.value.code == code and caught.value.params["where"] == where
    assert caught.value.message("en").startswith(where + ":") and caught.value.message("zh").startswith(where + "：")


# --- the workflow's due dates ---------------------------------------------------------------

LIMITS = wf.TimeLimits(calendar=CN)


def test_due_dates_count_days_in_working_days_and_hours_in_hours():
    entered = at("2026-09-30T15:00")
    assert wf.due_at("accepted", "grid", False, entered, LIMITS) == at("2026-10-10T15:00")
    assert wf.due_at("in_progress", "village", False, entered, LIMITS) == at("2026-10-13T15:00")
    assert wf.due_at("in_progress", "town", False, entered, LIMITS) == at("2026-10-20T15:00")
    assert wf.due_at("in_progress", "grid", True, entered, LIMITS) == at("2026-10-01T15:00")  # urgent: 24 h
    assert wf.due_at("reported", "grid", False, entered, LIMITS) == at("2026-10-01T15:00")  # accept: 24 h
    assert wf.due_at("accepted", "grid", False, entered) == at("2026-10-03T15:00")  # schemas' default: natural


def test_apply_transition_counts_from_the_level_entered_with_the_calendar():
    grid = "610822100200001"
    gw = {"username": "gw-001", "role": "gridworker", "scope": [grid]}
    reported = at("2026-09-30T15:00")
    case = {"grid_code": grid, "urgent": False, "reported_at": wf.format_time(reported),
            **wf.new_case_fields(reported, False, "gw-001", LIMITS)}
    assert case["due_at"] == "2026-10-01T15:00:00+08:00"
    accepted = wf.apply_transition(case, wf.decide("accept", case, gw), "gw-001", at("2026-09-30T16:00"), LIMITS)
    assert accepted["due_at"] == "2026-10-10T15:00:00+08:00"
    vil = {"username": "village-01", "role": "village", "scope": ["610822100200"]}
    up = wf.apply_transition(accepted, wf.decide("escalate", accepted, gw, reason="需上级"), "gw-001",
                             at("2026-10-02T10:00"), LIMITS)  # enters village on a holiday
    acc = wf.apply_transition(up, wf.decide("accept", up, vil), "village-01", at("2026-10-08T09:30"), LIMITS)
    assert acc["due_at"] == "2026-10-14T09:00:00+08:00"  # from Oct 8 09:00: 9, 10 (make-up), 12, 13, 14


# --- the rule as properties, over every year the package knows ----------------------------------


@settings(max_examples=300, deadline=None)
@given(start=st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2026, 11, 30)),
       days=st.integers(min_value=0, max_value=40))
def test_the_end_is_n_working_days_after_the_start_of_counting(start, days):
    start = start.replace(tzinfo=timezone(timedelta(hours=8)))
    begin = CN.counting_start(start)
    end = CN.add(start, days)
    assert CN.is_working(begin.date()) and begin >= start
    if begin != start:  # a day off: 09:00 of the first working day after it
        assert begin.time().isoformat() == "09:00:00" and not CN.is_working(start.date())
        assert all(not CN.is_working(start.date() + timedelta(d)) for d in range((begin.date() - start.date()).days))
    assert end.timetz() == begin.timetz() and CN.is_working(end.date())
    between = [begin.date() + timedelta(d) for d in range(1, (end.date() - begin.date()).days + 1)]
    assert sum(CN.is_working(d) for d in between) == days
