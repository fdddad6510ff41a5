"""CSV cells that Excel must not run (CSV injection, OWASP).

A CSV cell beginning with = + - @ (or a tab or CR before one) is a formula to Excel, which runs
=HYPERLINK(...) or =cmd|... when the file is opened. Every CSV gridctl writes from the register
(exports, the rejected rows of ``--errors``) writes such a cell behind an apostrophe, which Excel
shows as text and ``gridctl import`` reads past (``schemas.rows``), so the file still goes back
in unchanged. Numbers (-3.5) are left as they are.
"""

from __future__ import annotations

import re

_MARKS = ("=", "+", "-", "@", "\t", "\r")

# In CSV text: a cell after a comma or a line break that starts (inside its quotes or not) with a
# formula mark. A false alarm (a quoted cell holding ",=") costs only a second, defused writing.
_FORMULA_IN = re.compile(r'[,\n](?:"[=+\-@\t\r]|[=+\-@\t])').search


def formula_in(text: str) -> bool:
    """Does CSV ``text`` hold a cell Excel would run? (One search of a whole chunk.)"""
    return text[:1] in _MARKS or (text[:1] == '"' and text[1:2] in _MARKS) or _FORMULA_IN(text) is not None


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z").match


def defused(row: list) -> list:
    """The row's cells as text, each formula-like one behind an apostrophe."""
    out = []
    for v in row:
        text = "" if v is None else v if v.__class__ is str else str(v)
        if text[:1] in _MARKS and not _NUMBER(text):
            text = "'" + text
        out.append(text)
    return out
