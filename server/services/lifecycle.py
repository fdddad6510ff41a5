"""A person's life in the register (DESIGN 17): one head per household, the household's head
pointer kept true, and the history of every change (who, when, which fields from what to what).

Called by ``register.upsert_person`` inside the mutation's transaction, so a change and its
history row commit together or not at all.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from schemas.messages import message
from schemas.validators import format_time
from server import feed
from server.db import households, person_history, persons
from server.errors import ApiProblem, invalid

# Fields whose changes the history keeps (the ID number is kept as "changed", never its value).
TRACKED = ("household_id", "name", "id_number", "sex", "birth_date", "phone", "relation_to_head", "residence",
           "tags", "key_person_type", "care_level", "status", "moved_to", "status_date", "risk_level")


def refuse(field: str, code: str, **params) -> ApiProblem:
    """A refusal worded in English here; the code and params let a client or a localising layer
    say it in Chinese (schemas.messages)."""
    problem = invalid(field, message(code, "en", **params), code)
    problem.params = params  # read by the server's zh wording where it exists
    return problem


def check_one_head(conn: Connection, household_id: str, person_id: str, relation: str | None,
                   status: str | None) -> None:
    """Refuse a second active head. The old head's relation must change first — in the same
    command, which sends that change as the earlier mutation."""
    if relation != "head" or (status or "active") != "active":
        return
    other = conn.execute(
        select(persons.c.id, persons.c.name).where(
            persons.c.household_id == household_id, persons.c.relation_to_head == "head",
            persons.c.status == "active", persons.c.id != person_id,
        )
    ).first()
    if other is not None:
        raise refuse("relation_to_head", "register.second_head", name=other.name)


def sync_head(conn: Connection, household_id: str, person_id: str, is_head: bool, old_household: str | None) -> None:
    """Keep ``households.head_person_id`` true: set when a person becomes the active head, cleared
    when the head moves out, dies, moves away or stops being head. Each change is a new version."""
    def set_head(hid: str, value: str | None) -> None:
        row = conn.execute(select(households).where(households.c.id == hid)).first()
        if row is None or row.head_person_id == value:
            return
        conn.execute(update(households).where(households.c.id == hid)
                     .values(head_person_id=value, version=row.version + 1))
        feed.record(conn, "household", hid, row.grid_code, row.version + 1)

    if old_household and old_household != household_id:
        old = conn.execute(select(households.c.head_person_id).where(households.c.id == old_household)).first()
        if old is not None and old.head_person_id == person_id:
            set_head(old_household, None)
    current = conn.execute(select(households.c.head_person_id).where(households.c.id == household_id)).first()
    if current is None:
        return
    if is_head:
        set_head(household_id, person_id)
    elif current.head_person_id == person_id:
        set_head(household_id, None)


def _kind(before: dict | None, after: dict) -> str:
    if before is None:
        return "created"
    if before.get("status") != after.get("status"):
        return {"moved_out": "moved_out", "deceased": "deceased"}.get(after.get("status"), "reactivated")
    if before.get("household_id") != after.get("household_id"):
        return "moved"
    return "updated"


def same_tags(stored: str | None, value: str | None) -> bool:
    """Do two tag lists as JSON hold the same tags? (Spacing and order are no change.)"""
    try:
        return sorted(json.loads(stored or "[]")) == sorted(json.loads(value or "[]"))
    except (TypeError, ValueError):
        return False


def record_history(conn: Connection, user: dict, person_id: str, grid_code: str, before: dict | None,
                   after: dict) -> None:
    """One history row for this change (nothing when nothing changed)."""
    row = history_row(user, person_id, grid_code, before, after)
    if row is not None:
        conn.execute(insert(person_history).values(**row))


def record_many(conn: Connection, user: dict, changes: list[tuple[str, str, dict, dict]]) -> None:
    """History rows for many changes at once, ``(person id, grid, before, after)`` each: the people
    an import changed (a death or a move recorded from a file is a change like any other)."""
    rows = [r for r in (history_row(user, pid, grid, before, after) for pid, grid, before, after in changes)
            if r is not None]
    if rows:
        conn.execute(insert(person_history), rows)


def history_row(user: dict, person_id: str, grid_code: str, before: dict | None, after: dict) -> dict | None:
    """The values of the history row for this change, or None when nothing tracked changed."""
    changes = {}
    for name in TRACKED:
        old = before.get(name) if before else None
        new = after.get(name)
        if name == "tags":
            old, new = sorted(json.loads(old or "[]")) if before else [], sorted(json.loads(new or "[]"))
        if old != new and not (before is None and new in (None, [], "")):
            # An ID number is personal data: the history says it changed, not what it was.
            changes[name] = ["***", "***"] if name == "id_number" else [old, new]
    if before is not None and not changes:
        return None
    return dict(person_id=person_id, grid_code=grid_code, at=format_time(datetime.now(timezone.utc)),
                actor=user["username"], kind=_kind(before, after), changes=json.dumps(changes, ensure_ascii=False))


def history(conn: Connection, person_id: str) -> list[dict]:
    rows = conn.execute(select(person_history).where(person_history.c.person_id == person_id)
                        .order_by(person_history.c.id)).all()
    return [{"at": r.at, "actor": r.actor, "kind": r.kind, "changes": json.loads(r.changes or "{}")} for r in rows]
