"""Server settings: case time limits, visit frequencies, token lifetime and login limits.

Defaults are those of DESIGN §3/§4. A deployment changes them with a JSON file, given to
``python -m server --settings FILE`` or named by the environment variable
``GRIDCTL_SERVER_SETTINGS`` (so ``gridctl serve`` honours it too). Every key is optional::

    {"accept_hours": 24, "accept_urgent_hours": 2,
     "resolve_days": {"grid": 3, "village": 5, "town": 10, "county": 15},
     "resolve_urgent_hours": 24,
     "visit_frequency_days": {"elderly_alone": 7, "key_person": 30, ...},
     "token_days": 30, "login_max_failures": 5, "login_window_minutes": 5,
     "calendar": "cn", "holidays_file": "holidays-2027.txt",
     "login_max_failures_per_address": 10,
     "index_weights": {"on_time": 0.25, "accepted_on_time": 0.10, "satisfaction": 0.20,
                       "base_resolution": 0.15, "visit_coverage": 0.20, "discovery": 0.10},
     "index_discovery_target": 2}

``index_weights`` (DESIGN §16, the governance index): any subset of the six components, each a
number ≥ 0, not all 0; the components not named keep their default weight. Weights need not sum
to 1: the index divides by the sum of the weights of the components that have data.
``index_discovery_target``: field reports per 100 households per 30 days that earn the full
discovery component (default 2).

``calendar`` (DESIGN §15): ``cn`` (the default) counts ``resolve_days`` in working days of the
Chinese calendar (chinesecalendar's data, plus ``holidays_file`` for years it does not know —
a relative path is taken from the settings file's folder; format in ``schemas/workdays.py``);
``natural`` counts every day. Hours stay calendar hours either way. Changing the calendar
changes the due dates the server computes from then on; stored due dates are left as they are.

Routes reach the settings through ``server.deps.get_settings`` (``request.app.state.settings``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

from schemas import codes, population
from schemas.workdays import MAX_DAYS, ScheduleError, WorkCalendar
from schemas.workflow import DEFAULT_LIMITS, LEVEL_ORDER, TimeLimits

ENV_VAR = "GRIDCTL_SERVER_SETTINGS"

# DESIGN §3 and 17: tagged people are due a visit this often; any household once a year
# ("household"); severe mental disorder at risk 3 or more every "severe_mental_high_risk" days.
DEFAULT_VISIT_FREQUENCY_DAYS: dict[str, int] = dict(population.DEFAULT_VISIT_FREQUENCY_DAYS)


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names the key and what it accepts."""


def _default_limits() -> TimeLimits:
    from server.workcalendar import load_calendar

    return TimeLimits(calendar=load_calendar("cn"))


@dataclass(frozen=True)
class Settings:
    limits: TimeLimits = field(default_factory=_default_limits)
    visit_frequency_days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_VISIT_FREQUENCY_DAYS))
    token_lifetime: timedelta = timedelta(days=30)
    login_max_failures: int = 5
    login_window: timedelta = timedelta(minutes=5)
    # Failures from one client address over all usernames (a password spray); above the per-user
    # limit so that a few colleagues behind one office address can still mistype.
    login_max_failures_per_address: int = 10
    index_weights: Mapping[str, float] = field(default_factory=lambda: dict(_index_defaults()[0]))
    index_discovery_target: float = 2.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "settings",
                     base_dir: str | os.PathLike | None = None) -> "Settings":
        """``base_dir``: where a relative ``holidays_file`` lies (the settings file's folder)."""
        if not isinstance(data, Mapping):
            raise SettingsError(f"{where}: expected a JSON object of settings")
        known = {"accept_hours", "accept_urgent_hours", "resolve_days", "resolve_urgent_hours",
                 "visit_frequency_days", "token_days", "login_max_failures", "login_window_minutes",
                 "calendar", "holidays_file", "login_max_failures_per_address", "index_weights",
                 "index_discovery_target"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")

        def number(key: str, default: float, *, integer: bool = False) -> float:
            value = data.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 \
                    or (integer and not float(value).is_integer()):
                kind = "a positive whole number" if integer else "a positive number"
                raise SettingsError(f"{where}: {key} must be {kind}, got {value!r}")
            return value

        def per_key(key: str, allowed: set[str], defaults: Mapping[str, float]) -> dict[str, float]:
            given = data.get(key, {})
            if not isinstance(given, Mapping):
                raise SettingsError(f"{where}: {key} must be an object such as {json.dumps(dict(defaults))}")
            out = dict(defaults)
            for name, value in given.items():
                if name not in allowed:
                    raise SettingsError(f"{where}: {key}.{name} is not one of {', '.join(sorted(allowed))}")
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise SettingsError(f"{where}: {key}.{name} must be a positive number of days, got {value!r}")
                out[name] = value
            return out

        base = DEFAULT_LIMITS
        resolve = per_key("resolve_days", set(LEVEL_ORDER), {k: v / timedelta(days=1) for k, v in base.resolve.items()})
        calendar = _calendar(data, where, base_dir)
        if not calendar.natural:
            for level, days in resolve.items():
                if not float(days).is_integer() or days > MAX_DAYS:
                    raise SettingsError(f"{where}: resolve_days.{level} must be a whole number of working days up to "
                                        f'{MAX_DAYS} with "calendar": "cn", got {days!r} (or set "calendar": "natural")')
        limits = TimeLimits(
            calendar=calendar,
            accept=timedelta(hours=number("accept_hours", base.accept / timedelta(hours=1))),
            accept_urgent=timedelta(hours=number("accept_urgent_hours", base.accept_urgent / timedelta(hours=1))),
            resolve={level: timedelta(days=days) for level, days in resolve.items()},
            resolve_urgent=timedelta(hours=number("resolve_urgent_hours", base.resolve_urgent / timedelta(hours=1))),
        )
        tags = set(codes.TAGS) | population.PSEUDO_KEYS
        visits = per_key("visit_frequency_days", tags, DEFAULT_VISIT_FREQUENCY_DAYS)
        return cls(
            limits=limits,
            visit_frequency_days={k: int(v) for k, v in visits.items()},
            token_lifetime=timedelta(days=number("token_days", 30)),
            login_max_failures=int(number("login_max_failures", 5, integer=True)),
            login_window=timedelta(minutes=number("login_window_minutes", 5)),
            login_max_failures_per_address=int(number("login_max_failures_per_address", 10, integer=True)),
            index_weights=_index_weights(data, where),
            index_discovery_target=float(number("index_discovery_target", _index_defaults()[1])),
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Settings":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"{p}: cannot read the settings file ({exc.strerror or exc})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(f"{p}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
        return cls.from_mapping(data, str(p), base_dir=p.parent)

    @classmethod
    def from_env(cls) -> "Settings":
        """The file named by GRIDCTL_SERVER_SETTINGS, else the defaults."""
        path = os.environ.get(ENV_VAR)
        return cls.from_file(path) if path else cls()


def _index_defaults() -> tuple[dict[str, float], float]:
    from server.services.index import DEFAULT_DISCOVERY_TARGET, DEFAULT_WEIGHTS

    return DEFAULT_WEIGHTS, DEFAULT_DISCOVERY_TARGET


def _index_weights(data: Mapping[str, Any], where: str) -> dict[str, float]:
    """``index_weights``: known components, numbers ≥ 0, not all 0."""
    defaults = _index_defaults()[0]
    given = data.get("index_weights", {})
    if not isinstance(given, Mapping):
        raise SettingsError(f"{where}: index_weights must be an object such as {json.dumps(defaults)}")
    out = dict(defaults)
    for name, value in given.items():
        if name not in defaults:
            raise SettingsError(f"{where}: index_weights.{name} is not one of {', '.join(defaults)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
            raise SettingsError(f"{where}: index_weights.{name} must be a number 0 or more, got {value!r}")
        out[name] = float(value)
    if not any(out.values()):
        raise SettingsError(f"{where}: index_weights are all 0; give at least one component a positive weight")
    return out


def _calendar(data: Mapping[str, Any], where: str, base_dir: str | os.PathLike | None) -> WorkCalendar:
    """The ``calendar`` and ``holidays_file`` keys, checked and loaded."""
    from server.workcalendar import CALENDARS, load_calendar

    name = data.get("calendar", "cn")
    if name not in CALENDARS:
        raise SettingsError(f"{where}: calendar must be one of {', '.join(CALENDARS)}, got {name!r}")
    file = data.get("holidays_file")
    if file is not None and (not isinstance(file, str) or not file.strip()):
        raise SettingsError(f"{where}: holidays_file must be the path of a holidays file, got {file!r}")
    path = Path(base_dir or ".", file) if file else None
    try:
        return load_calendar(name, path)
    except ScheduleError as exc:
        raise SettingsError(f"{where}: holidays_file: {exc.message('en')}") from None
