"""Every read of a special-population person is audited (DESIGN 14 and 17).

One audit row per response that carried such people, naming them. The audit trail itself is
``server.services.audit`` (the security work); this module decides *which* responses need a row.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.engine import Engine

from schemas.population import is_sensitive


def special_ids(people: Iterable[dict | None]) -> list[str]:
    return [p["id"] for p in people if p and is_sensitive(p)]


def audit_special_reads(engine: Engine, user: dict, people: Iterable[dict | None], request: Any = None,
                        action: str = "person.special.read") -> list[str]:
    """Write one audit row naming the special-population people in this response; returns them."""
    ids = special_ids(people)
    write_audit(engine, user, ids, request, action)
    return ids


def write_audit(engine: Engine, user: dict, ids: list[str], request: Any = None,
                action: str = "person.special.read") -> None:
    if not ids:
        return
    try:
        from server.services.audit import audit  # the audit trail (DESIGN 14), from the security work
    except ImportError:  # pragma: no cover - only before that work is merged
        return

    with engine.begin() as conn:
        audit(conn, user, action, ids, request)
