"""Every read of a special-population person is audited (DESIGN 14 and 17).

One audit row per response, naming the records it carried: the routes fold special-population
people into the row they write for full ID numbers (``server.routes.api._audited``), or write
``READ`` rows of their own; the audit trail itself is ``server.services.audit``.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.engine import Engine

from schemas.population import is_sensitive

READ = "person.special.read"


def special_ids(people: Iterable[dict | None]) -> list[str]:
    """The ids of the special-population people among ``people``, in their order."""
    return [p["id"] for p in people if p and is_sensitive(p)]


def write_audit(engine: Engine, user: dict, ids: list[str], request: Any = None, action: str = READ) -> None:
    """One audit row naming ``ids`` (none when there are none)."""
    if not ids:
        return
    from server.services.audit import audit

    with engine.begin() as conn:
        audit(conn, user, action, ids, request)
