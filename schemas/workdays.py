"""Working days of the Chinese calendar (DESIGN §15 "Working days"): pure date arithmetic.

A ``WorkCalendar`` knows which days are off (public holidays 法定节假日) and which weekend days
are make-up working days (调休上班). The data comes from elsewhere: server and CLI build a
calendar from the ``chinesecalendar`` package plus an admin's holidays file (``parse_schedule``
reads one); this module imports the standard library only, like all of ``schemas``.

The rule of ``WorkCalendar.add(start, n)``, in China Standard Time (+08:00):

* A working day is a Monday–Friday that is not a holiday, or a make-up working day.
* Started on a working day, at any clock time (Friday 18:00 included), the limit ends at the
  same clock time on the n-th working day after that day: Friday 18:00 + 3 → Wednesday 18:00.
* Started on a non-working day (a weekend, a holiday), counting starts on the next working day
  at 09:00, and the limit ends at 09:00 on the n-th working day after that one:
  Saturday 10:00 + 3 → (Monday 09:00) → Thursday 09:00. ``add(start, 0)`` is that start.
* A year with no official schedule (neither the package nor the holidays file knows it) counts
  Monday–Friday as working days, less the holidays fixed by date in the statutory rules
  (《全国年节及纪念日放假办法》 as amended in 2024, in force from 2025: 1 Jan, 1–2 May, 1–3 Oct),
  which are off whatever the year's schedule adds. The lunar holidays and the make-up days are
  unknown until the State Council publishes them; ``knows(year)`` says so, and callers show it
  (the server's start-up line, a mark in ``gridctl calendar show``).

The ``natural`` calendar counts every day: ``add(start, n)`` is ``start + n days``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Iterable, Mapping

from schemas.messages import CodedError
from schemas.validators import CST

WORKDAY_START = time(9, 0)  # a case reported on a day off starts counting at 09:00 of the next working day
DAY_KINDS = ("workday", "holiday", "makeup", "weekend")
MAX_RANGE_DAYS = 31  # a longer "holiday" in a file is a typo, not a schedule
# Off by law in every year from 2025, whatever the annual schedule (see the module's rule).
STATUTORY_FIXED = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节", (10, 1): "国庆节", (10, 2): "国庆节",
                   (10, 3): "国庆节"}
STATUTORY_SINCE = 2025
MAX_DAYS = 3660  # no limit is ten years of working days; guards the loop against nonsense


@dataclass(frozen=True)
class WorkCalendar:
    """Which days count. ``name`` is ``cn`` (working days) or ``natural`` (every day)."""

    name: str = "natural"
    holidays: frozenset[date] = frozenset()  # days off, whatever weekday they fall on
    makeup_days: frozenset[date] = frozenset()  # weekend days worked (调休)
    sources: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (source, years it defines)

    @property
    def natural(self) -> bool:
        return self.name == "natural"

    @cached_property  # kind() asks for every day counted
    def known_years(self) -> frozenset[int]:
        return frozenset(y for _, years in self.sources for y in years)

    def knows(self, year: int) -> bool:
        """Whether an official schedule covers the year (always, for the natural calendar)."""
        return self.natural or year in self.known_years

    def kind(self, day: date) -> str:
        """The day in the official schedule: workday, holiday, makeup or weekend."""
        if day in self.holidays:
            return "holiday"
        if (not self.natural and day.year >= STATUTORY_SINCE and (day.month, day.day) in STATUTORY_FIXED
                and not self.knows(day.year)):
            return "holiday"
        if day in self.makeup_days:
            return "makeup"
        return "weekend" if day.weekday() >= 5 else "workday"

    def is_working(self, day: date) -> bool:
        """Whether the day counts towards a limit in days."""
        return self.natural or self.kind(day) in ("workday", "makeup")

    def next_working(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def counting_start(self, start: datetime) -> datetime:
        """When counting begins: ``start`` itself on a working day, else 09:00 of the next one."""
        local = _local(start)
        if self.is_working(local.date()):
            return local
        return datetime.combine(self.next_working(local.date()), WORKDAY_START, CST)

    def add(self, start: datetime, days: int) -> datetime:
        """The end of a limit of ``days`` working days from ``start`` (see the module's rule)."""
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
            raise ValueError(f"a limit in working days is a whole number from 0 to {MAX_DAYS}, got {days!r}")
        if self.natural:
            return _local(start) + timedelta(days=days)
        begin = self.counting_start(start)
        day = begin.date()
        for _ in range(days):
            day = self.next_working(day)
        return datetime.combine(day, begin.timetz())

    def after(self, start: datetime, span: timedelta) -> datetime:
        """The end of a limit given as a timedelta: whole days count as working days here, except
        in the natural calendar, where any span is calendar time."""
        if self.natural:
            return start + span
        if span % timedelta(days=1):
            raise ValueError(f"a limit in working days must be whole days, got {span}")
        return self.add(start, span.days)

    def unknown_years(self, first: date, last: date) -> list[int]:
        """The years from ``first`` to ``last`` that no official schedule covers."""
        return [y for y in range(first.year, last.year + 1) if not self.knows(y)]

    def describe(self) -> str:
        """One line for a log: where each year's schedule comes from, and what other years do."""
        if self.natural:
            return "calendar natural: limits in days count every day"
        parts = [f"{_years_text(years)} from {source}" for source, years in self.sources if years]
        return "calendar cn: " + ("; ".join(parts) or "no official schedule") + \
            "; any other year: Monday-Friday less the fixed statutory holidays (1 Jan, 1-2 May, 1-3 Oct)"


NATURAL = WorkCalendar("natural")


def _local(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=CST)).astimezone(CST)


def _years_text(years: Iterable[int]) -> str:
    ys = sorted(years)
    runs: list[str] = []
    start = prev = ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


# --- holidays files ------------------------------------------------------------------------

class ScheduleError(CodedError):
    """A holidays file that cannot be used; ``params['where']`` names the line or key."""


@dataclass
class Schedule:
    """An official schedule read from a file: days off and make-up working days, with names."""

    holidays: dict[date, str] = field(default_factory=dict)
    makeup_days: dict[date, str] = field(default_factory=dict)

    def years(self) -> tuple[int, ...]:
        return tuple(sorted({d.year for d in (*self.holidays, *self.makeup_days)}))


_KINDS = {"holiday": "holiday", "off": "holiday", "休": "holiday", "假": "holiday",
          "workday": "makeup", "makeup": "makeup", "班": "makeup"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _dates(text: str, where: str) -> list[date]:
    """``YYYY-MM-DD`` or a range ``YYYY-MM-DD..YYYY-MM-DD`` (both ends included)."""
    ends = text.split("..")
    if len(ends) > 2 or not all(_DATE.fullmatch(e) for e in ends):
        raise ScheduleError("holidays_file.date", "holidays_file", where=where, value=text)
    try:
        first, last = (date.fromisoformat(e) for e in (ends[0], ends[-1]))
    except ValueError:
        raise ScheduleError("holidays_file.date", "holidays_file", where=where, value=text) from None
    if not 2000 <= first.year <= 2100 or not 2000 <= last.year <= 2100:
        raise ScheduleError("holidays_file.year", "holidays_file", where=where, value=text)
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise ScheduleError("holidays_file.range", "holidays_file", where=where, value=text, days=MAX_RANGE_DAYS)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _add(schedule: Schedule, kind: str, spec: str, name: str, where: str) -> None:
    for day in _dates(spec, where):
        mine, other = ((schedule.holidays, schedule.makeup_days) if kind == "holiday"
                       else (schedule.makeup_days, schedule.holidays))
        if day in other:
            raise ScheduleError("holidays_file.both", "holidays_file", where=where, day=day.isoformat())
        if kind == "makeup" and day.weekday() < 5:
            raise ScheduleError("holidays_file.makeup_weekday", "holidays_file", where=where, day=day.isoformat())
        mine[day] = name


def parse_schedule(text: str, source: str, *, as_json: bool | None = None) -> Schedule:
    """Read a holidays file: JSON (``{"holidays": [...], "workdays": [...]}``, each a list of
    dates/ranges or an object date → name) or text, one ``DATE KIND [NAME]`` a line
    (KIND: ``holiday``/``休`` or ``workday``/``班``; ``#`` starts a comment). ``as_json=None``
    decides by the first character. Refuses a bad file with ``ScheduleError`` naming the place."""
    if as_json is None:
        as_json = text.lstrip("\ufeff \t\r\n").startswith("{")
    schedule = Schedule()
    if as_json:
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError as exc:
            raise ScheduleError("holidays_file.json", "holidays_file", where=f"{source}, line {exc.lineno}",
                                detail=exc.msg) from None
        if not isinstance(data, dict) or set(data) - {"holidays", "workdays"}:
            raise ScheduleError("holidays_file.keys", "holidays_file", where=source)
        for key, kind in (("holidays", "holiday"), ("workdays", "makeup")):
            items = data.get(key, [])
            pairs = items.items() if isinstance(items, dict) else ((i, None) for i in items) \
                if isinstance(items, list) else None
            if pairs is None:
                raise ScheduleError("holidays_file.keys", "holidays_file", where=f"{source}: {key}")
            for n, (spec, name) in enumerate(pairs):
                where = f"{source}: {key}" + (f"[{spec!r}]" if isinstance(items, dict) else f"[{n}]")
                if not isinstance(spec, str) or not (name is None or isinstance(name, str)):
                    raise ScheduleError("holidays_file.date", "holidays_file", where=where, value=spec)
                _add(schedule, kind, spec, name or "", where)
    else:
        for lineno, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
            words = line.split("#", 1)[0].split(None, 2)
            if not words:
                continue
            where = f"{source}, line {lineno}"
            if len(words) < 2 or words[1].lower() not in _KINDS:
                raise ScheduleError("holidays_file.line", "holidays_file", where=where, value=line.strip())
            _add(schedule, _KINDS[words[1].lower()], words[0], words[2].strip() if len(words) > 2 else "", where)
    if not schedule.holidays and not schedule.makeup_days:
        raise ScheduleError("holidays_file.empty", "holidays_file", where=source)
    return schedule


def cn_calendar(
    holidays: Mapping[date, str] | Iterable[date],
    makeup_days: Mapping[date, str] | Iterable[date],
    *,
    package: str = "chinesecalendar",
    schedule: Schedule | None = None,
    schedule_source: str = "holidays file",
) -> WorkCalendar:
    """The Chinese working-day calendar from a package's data plus an optional file's schedule.

    A year the file names is wholly the file's (an admin's published schedule overrides the
    package for that year); the package defines the years of its data otherwise."""
    off = dict(holidays) if isinstance(holidays, Mapping) else dict.fromkeys(holidays, "")
    on = dict(makeup_days) if isinstance(makeup_days, Mapping) else dict.fromkeys(makeup_days, "")
    package_years = {d.year for d in (*off, *on)}
    file_years = set(schedule.years()) if schedule else set()
    off = {d: n for d, n in off.items() if d.year not in file_years}
    on = {d: n for d, n in on.items() if d.year not in file_years}
    if schedule:
        off.update(schedule.holidays)
        on.update(schedule.makeup_days)
    years = sorted(package_years - file_years)
    full_range = tuple(range(years[0], years[-1] + 1)) if years else ()
    sources = ((package, tuple(y for y in full_range if y not in file_years)),
               (schedule_source, tuple(sorted(file_years))))
    return WorkCalendar("cn", frozenset(off), frozenset(on), tuple(s for s in sources if s[1]))
