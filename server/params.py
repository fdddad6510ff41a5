"""Query parameters checked before they reach SQL (DESIGN §14): a malformed one answers 422
problem+json naming the parameter, never a 500 and never a silently empty or unfiltered list."""

from __future__ import annotations

from schemas import codes
from datetime import date, datetime

from schemas.validators import CST, LEVEL_BY_LENGTH, InvalidValue, check_text, format_time, is_ascii_digits, parse_time
from schemas.workflow import LEVEL_ORDER
from server.errors import invalid

from schemas.workflow import STATUSES  # noqa: E402  (the one table of statuses)
MAX_TEXT = 100


def division(value: str | None, field: str) -> str | None:
    """A division or grid code: 6, 9, 12 or 15 ASCII digits (² and ٣ are digits to ``isdigit``, not to SQL)."""
    if value is None or value == "":
        return None
    if not is_ascii_digits(value) or len(value) not in LEVEL_BY_LENGTH:
        raise invalid(field, "expected a division code of 6, 9, 12 or 15 digits 0-9", "division.format")
    return value


def text(value: str | None, field: str, limit: int = MAX_TEXT) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > limit:
        raise invalid(field, f"at most {limit} characters", "text.too_long")
    try:
        check_text(value, field)
    except InvalidValue as exc:
        raise invalid(field, exc.message("en"), exc.code) from None
    return value


def since(value: str | date | datetime | None, field: str = "since") -> str | None:
    """A date (start of that day, field time) or an RFC 3339 time; returned in the stored text form."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=CST)
    if isinstance(value, str) and len(value) > 40:
        raise invalid(field, "expected a date such as 2026-11-22 or an RFC 3339 time", "time.format")
    try:
        dt = parse_time(value, field)
    except InvalidValue as exc:
        raise invalid(field, exc.message("en"), exc.code) from None
    # A filter far in the past or future means "everything" or "nothing": clamp it rather than
    # refuse it, so that converting its offset can never leave the range of datetime.
    if dt.year < 1900:
        return format_time(datetime(1900, 1, 1, tzinfo=CST))
    if dt.year > 9998:
        return format_time(datetime(9998, 12, 31, tzinfo=CST))
    return format_time(dt)


def choice(value: str | None, allowed, field: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise invalid(field, f"unknown value; expected one of: {', '.join(allowed)}", "choice.unknown")
    return value


def statuses(values: list[str] | None) -> list[str] | None:
    return [choice(v, STATUSES, "status") for v in values] if values else None


def level(value: str | None) -> str | None:
    return choice(value, tuple(LEVEL_ORDER), "level")


def tag(value: str | None) -> str | None:
    return choice(value, tuple(codes.TAGS), "tag")
