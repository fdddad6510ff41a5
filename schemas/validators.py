"""Validators shared by client and server: ID numbers, division codes, phones, times, scope.

Each validator returns the normalised value or raises ``InvalidValue``, which carries a stable
``code`` (a key of ``schemas.messages``) and the parameters of its message, so that the server
can answer in problem+json and the client can say the same thing in Chinese or English.

Standard library only.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from schemas.messages import CodedError

# China Standard Time: times given without an offset are taken as local field time.
CST = timezone(timedelta(hours=8))
CLOCK_SKEW = timedelta(minutes=5)


class InvalidValue(CodedError, ValueError):
    """A value that fails validation. ``code`` keys ``schemas.messages.MESSAGES``."""


# --- GB 11643 citizen ID numbers -------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]\Z")


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


# What a date looks like in a register cell: 2024-01-01, 2024/1/1, 2024.1.1, 2024年1月1日, 1/1/2024,
# with or without a time (an Excel date-time).
_LOOKS_LIKE_DATE = re.compile(
    r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}/\d{1,2}/\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")



def looks_like_date(text: str) -> bool:
    return _LOOKS_LIKE_DATE.fullmatch(text.strip()) is not None


def make_id_number(area: str, birth: date, sequence: int) -> str:
    """Build a valid ID number (demo data and tests): 6-digit area, birth date, 3-digit sequence.

    The sequence's parity is the sex: odd male, even female.
    """
    first17 = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def upgrade_legacy_id(value: str) -> str:
    """Turn a 15-digit legacy ID number into its 18-character form."""
    first17 = value[:6] + "19" + value[6:]
    return first17 + id_check_char(first17)


def normalize_id_number(
    value: str,
    *,
    sex: str | None = None,
    birth_date: date | str | None = None,
    today: date | None = None,
    field: str = "id_number",
) -> str:
    """Validate a GB 11643 ID number and return it normalised (``x`` → ``X``, 15 → 18 digits).

    ``sex`` ('male'/'female') and ``birth_date``, when given, must agree with the number.
    """
    raw = (value or "").strip().replace(" ", "")
    if re.fullmatch(r"[0-9]{15}", raw):
        raw = upgrade_legacy_id(raw)
    v = raw.upper()
    if len(v) != 18 or not _ID_SHAPE.match(v):
        if looks_like_date(value or ""):
            # An Excel date cell, or the birth date column shifted into this one: say so
            # rather than count its characters.
            raise InvalidValue("id_number.date", field, value=(value or "").strip())
        if len(v) != 18:
            raise InvalidValue("id_number.length", field, length=len(v))
        raise InvalidValue("id_number.chars", field)
    birth = birth_date_from_id(v, field=field)
    today = today or datetime.now(CST).date()
    if birth > today:
        raise InvalidValue("id_number.future_birth", field, birth=birth.isoformat())
    if birth.year < 1880:
        raise InvalidValue("id_number.bad_birth", field, text=v[6:14])
    expected = id_check_char(v[:17])
    if v[17] != expected:
        raise InvalidValue("id_number.checksum", field, got=v[17], expected=expected)
    if sex is not None and sex != sex_from_id(v):
        raise InvalidValue("id_number.sex_mismatch", field, sex=sex, id_sex=sex_from_id(v))
    if birth_date is not None:
        given = birth_date if isinstance(birth_date, date) else parse_date(birth_date, "birth_date")
        if given != birth:
            raise InvalidValue(
                "id_number.birth_mismatch", field, birth_date=given.isoformat(), id_birth=birth.isoformat()
            )
    return v


def birth_date_from_id(value: str, *, field: str = "id_number") -> date:
    text = value[6:14]
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise InvalidValue("id_number.bad_birth", field, text=text) from None


def sex_from_id(value: str) -> str:
    return "male" if int(value[16]) % 2 else "female"


def is_valid_id_number(value: str) -> bool:
    try:
        normalize_id_number(value)
    except InvalidValue:
        return False
    return True


def mask_id_number(value: str | None) -> str | None:
    """``610822199001011234`` → ``6108**********234X`` style: 4 first, 4 last characters kept."""
    if not value:
        return value
    if "*" in value or len(value) < 8:
        return value
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def is_masked(value: str | None) -> bool:
    return bool(value) and "*" in value


# --- division and grid codes -----------------------------------------------------------------

LEVEL_BY_LENGTH = {15: "grid", 12: "village", 9: "town", 6: "county"}
LENGTH_BY_LEVEL = {level: n for n, level in LEVEL_BY_LENGTH.items()}
_DIGITS = re.compile(r"^[0-9]+\Z")


def level_of_code(code: str, *, field: str = "code") -> str:
    """'grid', 'village', 'town' or 'county', from the code's length (DESIGN §3)."""
    c = (code or "").strip()
    if not _DIGITS.match(c) or len(c) not in LEVEL_BY_LENGTH:
        raise InvalidValue("division.format", field, code=code)
    return LEVEL_BY_LENGTH[len(c)]


def normalize_division_code(code: str, *, level: str | None = None, field: str = "code") -> str:
    c = (code or "").strip()
    got = level_of_code(c, field=field)
    if level is not None and got != level:
        raise InvalidValue("division.level", field, code=c, level=level, length=LENGTH_BY_LEVEL[level])
    return c


def normalize_grid_code(code: str, *, field: str = "grid_code") -> str:
    return normalize_division_code(code, level="grid", field=field)


def parent_code(code: str) -> str | None:
    """The enclosing division's code, or None for a county."""
    n = len(code)
    return {15: code[:12], 12: code[:9], 9: code[:6]}.get(n)


def in_scope(grid_code: str, scope: Iterable[str]) -> bool:
    """An object is within a user's scope when its grid code starts with one of the scope codes."""
    return any(grid_code.startswith(s) for s in scope)


# --- phones --------------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(?:-[0-9]{1,6})?\Z")


def normalize_phone(value: str, *, field: str = "phone") -> str:
    """A mobile (``1[3-9]`` + 9 digits) or landline (``0`` + area code + number) number."""
    v = (value or "").strip().replace(" ", "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    if _MOBILE.match(v) or _LANDLINE.match(v):
        return v
    raise InvalidValue("phone.format", field, value=value)


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; landlines keep their area code and last 4 digits."""
    if not value or "*" in value:
        return value
    if _MOBILE.match(value):
        return value[:3] + "****" + value[-4:]
    if len(value) > 7:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return "*" * len(value)


# --- dates and times -----------------------------------------------------------------------

def parse_date(value: str | date, field: str = "date") -> date:
    """ISO ``2026-11-22``; also ``2026/11/22``, ``20261122`` and ``2026年11月22日``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    v = (value or "").strip()
    # Excel saves a date cell formatted with a time as "1980/1/2 0:00" in a CSV: midnight is the day.
    m = re.fullmatch(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?(?:[ T]0?0:00(?::00)?)?", v) or re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})", v)
    if not m:
        raise InvalidValue("date.format", field, value=value)
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise InvalidValue("date.invalid", field, value=value) from None


def parse_time(value: str | datetime, field: str = "time") -> datetime:
    """An RFC 3339 time; a time without an offset is China Standard Time (+08:00).

    Accepts ``2026-11-22T09:10:00+08:00``, ``...Z``, ``2026-11-22 09:10`` and a bare date.
    """
    if isinstance(value, datetime):
        dt = value
    else:
        v = (value or "").strip()
        if v.endswith(("Z", "z")):
            v = v[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            try:
                d = parse_date(v, field)
            except InvalidValue:
                raise InvalidValue("time.format", field, value=value) from None
            dt = datetime(d.year, d.month, d.day)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CST)
    return dt


def format_time(dt: datetime | None) -> str | None:
    """RFC 3339 with seconds and offset, the wire format of every time, in field time (+08:00)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CST)
    return dt.astimezone(CST).isoformat(timespec="seconds")


def now() -> datetime:
    return datetime.now(timezone.utc)


def check_event_times(
    occurred_at: datetime | None,
    reported_at: datetime | None = None,
    *,
    at: datetime | None = None,
    skew: timedelta = CLOCK_SKEW,
) -> None:
    """occurred ≤ reported ≤ now, allowing for a little clock skew between devices."""
    current = at or now()
    if reported_at is not None and reported_at > current + skew:
        raise InvalidValue("time.future", "reported_at", value=format_time(reported_at))
    if occurred_at is not None:
        if occurred_at > current + skew:
            raise InvalidValue("time.future", "occurred_at", value=format_time(occurred_at))
        if reported_at is not None and occurred_at > reported_at + skew:
            raise InvalidValue("time.occurred_after_reported", "occurred_at")


def check_length(value: str | None, limit: int, field: str) -> str | None:
    if value is not None and len(value) > limit:
        raise InvalidValue("text.too_long", field, limit=limit, length=len(value))
    return value


# --- text and plausible dates (DESIGN §14) --------------------------------------------------

# Bidirectional overrides and isolates: they make "abc.exe" show as something else.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that show nothing: a title made only of these (and blanks) says nothing.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad")


def is_ascii_digits(value: str) -> bool:
    """Only 0-9 (``str.isdigit`` also takes ², ٣ and other digits ``int`` or SQL would not)."""
    return bool(value) and value.isascii() and value.isdigit()


def check_text(value: str | None, field: str = "text", *, multiline: bool = False,
               required: bool = False) -> str | None:
    """Refuse NUL and other C0/C1 controls (tab and newline only when ``multiline``), bidi
    overrides, and — when ``required`` — text of only blanks and invisible characters."""
    if value is None:
        return None
    for ch in value:
        o = ord(ch)
        if o < 0x20 or 0x7F <= o <= 0x9F:
            if multiline and ch in "\t\n\r":
                continue
            if ch in "\n\r":  # a multi-line cell of a spreadsheet, most likely: not a "control character"
                raise InvalidValue("text.line_break", field, where=f" (U+{o:04X})")
            raise InvalidValue("text.control", field, where=f" (U+{o:04X})")
        if ch in _BIDI:
            raise InvalidValue("text.bidi", field)
    if required and all(ch.isspace() or ch in _INVISIBLE for ch in value):
        raise InvalidValue("text.blank", field)
    return value


EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=CST)
NEXT_VISIT_HORIZON = timedelta(days=731)  # two years, a leap day included


def check_birth_date(value: date | None, field: str = "birth_date", *, today: date | None = None) -> date | None:
    if value is None:
        return None
    today = today or datetime.now(CST).date()
    if not EARLIEST_BIRTH <= value <= today:
        raise InvalidValue("date.range", field, value=value.isoformat(), low=EARLIEST_BIRTH.isoformat(),
                           high=today.isoformat())
    return value


def check_event_time(value: datetime | None, field: str = "time", *, at: datetime | None = None,
                     skew: timedelta = CLOCK_SKEW) -> datetime | None:
    """A visit or event time: not before 2000 and not in the future beyond the clock-skew allowance."""
    if value is None:
        return None
    current = at or now()
    if value < EARLIEST_EVENT or value > current + skew:
        raise InvalidValue("time.range", field, value=format_time(value), low=EARLIEST_EVENT.date().isoformat())
    return value


def check_next_visit_due(value: date | None, field: str = "next_visit_due", *, today: date | None = None) -> date | None:
    if value is None:
        return None
    today = today or datetime.now(CST).date()
    high = today + NEXT_VISIT_HORIZON
    if not EARLIEST_EVENT.date() <= value <= high:
        raise InvalidValue("date.range", field, value=value.isoformat(), low=EARLIEST_EVENT.date().isoformat(),
                           high=high.isoformat())
    return value


def require_offset(value: datetime, field: str = "time") -> datetime:
    """Wire times must say their offset: a naive time is ambiguous by up to a day."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue("time.offset", field, value=value.isoformat())
    return value
