"""The server's working-day calendar (DESIGN §15): ``chinesecalendar`` data plus the admin's
holidays file, built into a ``schemas.workdays.WorkCalendar`` that the workflow counts with.

The package knows the years it was released for (2004–2026 for chinesecalendar 1.11); the
State Council publishes each next year's schedule late in the year before, so an admin can
publish it as a holidays file (see ``schemas.workdays.parse_schedule``) until the package
catches up. A year neither knows counts Monday–Friday; the server says so in its start-up log.
"""

from __future__ import annotations

from pathlib import Path

from schemas.workdays import NATURAL, Schedule, ScheduleError, WorkCalendar, cn_calendar, parse_schedule

CALENDARS = ("cn", "natural")


def read_schedule(path: str | Path) -> Schedule:
    """The holidays file at ``path``; ``ScheduleError`` names the line or key that is wrong."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleError("holidays_file.unreadable", "holidays_file", where=str(p),
                            detail=getattr(exc, "strerror", None) or str(exc)) from None
    return parse_schedule(text, str(p), as_json=True if p.suffix.lower() == ".json" else None)


def load_calendar(name: str = "cn", holidays_file: str | Path | None = None) -> WorkCalendar:
    """``cn``: chinesecalendar plus the holidays file (which wins for the years it names);
    ``natural``: every day counts (a holidays file is still read, so a bad one is refused)."""
    schedule = read_schedule(holidays_file) if holidays_file else None
    if name == "natural":
        return NATURAL
    import chinese_calendar  # the data: ~9,000 dates, loaded once per settings

    return cn_calendar(chinese_calendar.holidays, chinese_calendar.workdays, schedule=schedule,
                       schedule_source=str(holidays_file) if holidays_file else "holidays file")
