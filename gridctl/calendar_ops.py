"""The working-day calendar on the client (DESIGN §15): ``gridctl calendar add|show`` and the
due dates the client computes for its cache while a write waits to sync.

The data are ``chinesecalendar``'s (a dependency of the distribution, imported only when a
calendar is needed, so ``--help`` stays light) plus an optional holidays file in the format the
server reads (``schemas.workdays.parse_schedule``). The arithmetic is ``schemas.workdays``, the
same code the server counts with, so a date checked here is the date the server sets.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date
from functools import lru_cache
from pathlib import Path

from gridctl.errors import InvalidInput
from schemas.workdays import MAX_DAYS, ScheduleError, WorkCalendar, cn_calendar, parse_schedule


def load_calendar(holidays_file: str | Path | None = None) -> WorkCalendar:
    """The cn calendar: chinesecalendar plus the holidays file (which wins for its years)."""
    import chinese_calendar  # ~9,000 dates; only when a calendar is needed

    schedule = None
    if holidays_file:
        from gridctl.i18n import get_lang

        p = Path(holidays_file)
        try:
            text = p.read_text(encoding="utf-8")
            schedule = parse_schedule(text, str(p), as_json=True if p.suffix.lower() == ".json" else None)
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput("calendar.error.unreadable", field="holidays_file", path=str(p),
                               text=getattr(exc, "strerror", None) or str(exc)) from None
        except ScheduleError as exc:
            raise InvalidInput("calendar.error.holidays_file", field="holidays_file",
                               text=exc.message(get_lang())) from None
    return cn_calendar(chinese_calendar.holidays, chinese_calendar.workdays, schedule=schedule,
                       schedule_source=str(holidays_file) if holidays_file else "holidays file")


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    return load_calendar()


def client_limits():
    """The limits the client counts a cached due date with: the server's defaults, in the server's
    default cn calendar. The server's answer replaces the cached case when the write syncs."""
    from schemas.workflow import TimeLimits

    return TimeLimits(calendar=default_calendar())


def add(start: str, days: str | int, *, holidays_file: str | None = None) -> dict:
    """When a limit of ``days`` working days from ``start`` (a date or an RFC 3339 time) ends."""
    from schemas.validators import InvalidValue, format_time, parse_time

    try:
        moment = parse_time(start, "datetime")
    except InvalidValue:
        raise InvalidInput("calendar.error.datetime", field="datetime", value=start) from None
    try:
        n = int(str(days).strip())
    except ValueError:
        n = -1
    if not 0 <= n <= MAX_DAYS:
        raise InvalidInput("calendar.error.days", field="days", value=days, max=MAX_DAYS)
    cal = load_calendar(holidays_file)
    begin = cal.counting_start(moment)
    end = cal.add(moment, n)
    return {"start": format_time(moment), "days": n, "counting_from": format_time(begin), "end": format_time(end),
            "calendar": cal.name, "unofficial_years": cal.unknown_years(begin.date(), end.date())}


def month(text: str, *, holidays_file: str | None = None) -> dict:
    """Every day of the month ``YYYY-MM``: its kind (workday, holiday, makeup, weekend)."""
    import re

    m = re.fullmatch(r"\s*([0-9]{4})-([0-9]{1,2})\s*", text or "")
    if not m or not 1 <= int(m[2]) <= 12 or not 1900 <= int(m[1]) <= 2200:
        raise InvalidInput("calendar.error.month", field="month", value=text)
    year, mon = int(m[1]), int(m[2])
    cal = load_calendar(holidays_file)
    days = []
    for d in range(1, _stdlib_calendar.monthrange(year, mon)[1] + 1):
        day = date(year, mon, d)
        kind = cal.kind(day)
        days.append({"date": day.isoformat(), "weekday": day.isoweekday(), "kind": kind,
                     "working": cal.is_working(day)})
    return {"month": f"{year:04d}-{mon:02d}", "official": cal.knows(year), "days": days}
