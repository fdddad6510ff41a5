"""Language helpers for the TUIs: catalogue texts, code labels, times and binding descriptions.

Every visible string goes through ``gridctl.i18n.t`` (catalogue) or ``schemas.codes.label``
(code tables), so the apps never hard-code a language.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from gridctl.i18n import get_lang, joined, t
from schemas.codes import label

# Grid work happens in China: showing times in China Standard Time keeps the screen identical
# whatever the laptop's zone is set to (and keeps snapshots deterministic).
CST = timezone(timedelta(hours=8))


def tr(key: str, /, **params: object) -> str:
    return t(key, **params)


def code_label(table: str, code: str | None) -> str:
    return label(table, code, get_lang()) if code else ""


def parse_iso(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CST)
    return dt


def fmt_time(value: Any, *, seconds: bool = False) -> str:
    """An RFC 3339 time as 'YYYY-MM-DD HH:MM' in China time; '' when absent or unreadable."""
    dt = parse_iso(value)
    if dt is None:
        return "" if value in (None, "") else str(value)
    return dt.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def fmt_age(age: timedelta | None) -> str:
    """A coarse age ('just now', '5 min', '3 h', '2 d') — coarse so the header does not flicker."""
    if age is None:
        return tr("tui.age.never")
    secs = max(0, int(age.total_seconds()))
    if secs < 60:
        return tr("tui.age.now")
    if secs < 3600:
        return tr("tui.age.minutes", n=secs // 60)
    if secs < 86400:
        return tr("tui.age.hours", n=secs // 3600)
    return tr("tui.age.days", n=secs // 86400)


def localize_bindings(node: Any) -> None:
    """Translate the descriptions of a node's bindings, written as catalogue keys.

    Textual merges BINDINGS when the class is created, before the user's language is known,
    so descriptions are catalogue keys (``tui.bind.*``) translated per instance here.
    """
    from textual.binding import BindingsMap

    keys = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        keys[key] = [
            replace(b, description=t(b.description)) if b.description.startswith(("tui.", "tuireg.")) else b
            for b in bindings
        ]
    node._bindings = BindingsMap.from_keys(keys)
