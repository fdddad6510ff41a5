"""Parsing of the free-text form fields (parties, photo paths) into what the core takes.

Kept apart from the screens so the rules are tested without a terminal.
"""

from __future__ import annotations

import re
from pathlib import Path

from gridctl.i18n import get_lang
from schemas.validators import InvalidValue, normalize_id_number, normalize_phone, parse_date

_SPLIT_ITEMS = re.compile(r"[;；\n]+")
_SPLIT_PARTS = re.compile(r"[,，]")


class FormError(ValueError):
    """A field the worker must fix: the message says what and how; ``widget`` is where."""

    def __init__(self, message: str, widget: str) -> None:
        super().__init__(message)
        self.widget = widget


def parse_parties(text: str, widget: str = "#report-parties") -> list[dict]:
    """'NAME[,ID_NUMBER][,PHONE]; NAME2 ...' → party dicts; ID and phone told apart by shape."""
    from gridctl.i18n import t

    parties = []
    for n, item in enumerate(_SPLIT_ITEMS.split(text or ""), start=1):
        parts = [p.strip() for p in _SPLIT_PARTS.split(item) if p.strip()]
        if not parts:
            continue
        party: dict = {"name": parts[0]}
        for extra in parts[1:]:
            try:
                if len(extra) >= 15 and not extra.startswith(("0", "+")) and len(re.sub(r"\D", "", extra)) >= 14:
                    party["id_number"] = normalize_id_number(extra, field="id_number")
                else:
                    party["phone"] = normalize_phone(extra, field="phone")
            except InvalidValue as exc:
                raise FormError(t("tui.report.party_invalid", n=n, name=parts[0], problem=exc.message(get_lang())), widget) from None
        parties.append(party)
    return parties


def parse_photos(text: str, widget: str = "#report-photos") -> list[str]:
    """Photo paths separated by ';' or new lines; each must be a readable file now."""
    from gridctl.i18n import t

    paths = []
    for item in _SPLIT_ITEMS.split(text or ""):
        item = item.strip().strip('"')
        if not item:
            continue
        path = Path(item).expanduser()
        if not path.is_file():
            raise FormError(t("tui.report.photo_missing", path=item), widget)
        paths.append(str(path))
    return paths


def parse_optional_date(text: str, widget: str) -> str | None:
    from gridctl.i18n import t

    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_date(text).isoformat()
    except (InvalidValue, ValueError):
        raise FormError(t("tui.form.bad_date", value=text), widget) from None
