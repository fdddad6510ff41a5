"""Scope as SQL: a record is visible when its grid code starts with one of the user's codes.

The filter goes into the WHERE clause of every query (never applied after fetching), so an
out-of-scope record is indistinguishable from a missing one.
"""

from __future__ import annotations

from sqlalchemy import false, or_


def scope_clause(column, scope: list[str]):
    """``column LIKE 'code%' OR ...`` for the scope codes; no scope sees nothing."""
    codes = [c for c in scope if c and c.isdigit()]
    if not codes:
        return false()
    return or_(*(column.like(code + "%") for code in codes))
