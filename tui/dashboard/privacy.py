"""Phones never show in full on the station dashboard (DESIGN §10).

The overview carries no phone field, but titles and reasons are free text that workers type,
and "联系人13812345678" is a common way to write one: any phone found in shown text is masked.
"""

from __future__ import annotations

import re

from schemas.validators import mask_phone

# Digits on either side mean a longer number (an ID number, a serial), which is not a phone.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8})(?!\d)")


def mask_phones(text: str | None) -> str:
    if not text:
        return ""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)) or "", text)
