"""CSV cells that Excel must not run (CSV injection, OWASP).

A CSV cell beginning with = + - @ (or a tab or CR before one) is a formula to Excel, which runs
=HYPERLINK(...) or =cmd|... when the file is opened. Every CSV gridctl writes from the register
(exports, the rejected rows of ``--errors``) writes such a cell behind an apostrophe, which Excel
shows as text and ``gridctl import`` reads past (``schemas.rows``), so the file still goes back
in unchanged. Numbers (-3.5) are left as they are.
"""

from __future__ import annotations

import re

formula_start = re.compile(r"(?:^|,)[=+\-@\t\r]").search  # on a joined line: is any cell one?
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z").match
_MARKS = ("=", "+", "-", "@", "\t", "\r")


def defused(row: list) -> list:
    """The row's cells as text, each formula-like one behind an apostrophe."""
    out = []
    for v in row:
        text = "" if v is None else v if v.__class__ is str else str(v)
        if text[:1] in _MARKS and not _NUMBER(text):
            text = "'" + text
        out.append(text)
    return out
