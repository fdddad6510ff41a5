"""Scope as SQL: a record is visible when its grid code starts with one of the user's codes.

The filter goes into the WHERE clause of every query (never applied after fetching), so an
out-of-scope record is indistinguishable from a missing one. "Starts with" is written as a
range (``code <= grid_code < code + 1``) rather than LIKE, so that an index on the grid code
serves it on SQLite and PostgreSQL alike; codes are digit strings, so the two agree.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_


def prefix_clause(column, code: str):
    """``column`` starts with the digit string ``code``; anything else (a '²' is a digit to
    ``str.isdigit`` but not to ``int``) matches nothing."""
    if not (code.isascii() and code.isdigit()):
        return false()
    upper = str(int(code) + 1).zfill(len(code))
    if len(upper) > len(code):  # all nines: nothing sorts above it with this length
        return column >= code
    return and_(column >= code, column < upper)


def scope_clause(column, scope: list[str]):
    """Records under any of the scope codes; no scope sees nothing."""
    codes = [c for c in scope if c and c.isascii() and c.isdigit()]
    if not codes:
        return false()
    return or_(*(prefix_clause(column, code) for code in codes))


def case_scope(cases_table, user: dict):
    """The cases a user may see, as a WHERE clause on the cases table.

    A `unit` user (DESIGN §15) sees the cases dispatched to its unit, lead or co-unit; co-units
    are a JSON list, matched as the quoted code (unit codes hold no LIKE wildcards: digits, '-',
    capitals). Everyone else sees the cases of the grids in their scope.
    """
    if user.get("role") == "unit":
        unit = user.get("unit") or ""
        if not unit or not all(ch.isalnum() or ch == "-" for ch in unit):
            return false()
        return or_(cases_table.c.unit == unit, cases_table.c.co_units.like(f'%"{unit}"%'))
    return scope_clause(cases_table.c.grid_code, user["scope"])
