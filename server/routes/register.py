"""Routes of the register over time (DESIGN 17): a person's history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Engine

from schemas.models import PersonChange
from schemas.population import SEES_SENSITIVE, SENSITIVE_FIELDS, SENSITIVE_TAGS
from server.deps import current_user, get_engine
from server.routes.api import IdPath
from server.services import lifecycle, records, special

router = APIRouter(prefix="/api/v1")
Me = Annotated[dict, Depends(current_user)]
Db = Annotated[Engine, Depends(get_engine)]


def _visible(change: dict, role: str) -> dict:
    if role in SEES_SENSITIVE:
        return change
    fields = {}
    for name, (old, new) in change["changes"].items():
        if name in SENSITIVE_FIELDS:
            continue
        if name == "tags":
            old = [t for t in old or [] if t not in SENSITIVE_TAGS]
            new = [t for t in new or [] if t not in SENSITIVE_TAGS]
            if old == new:
                continue
        fields[name] = [old, new]
    return dict(change, changes=fields)


@router.get("/persons/{pid}/history", response_model=list[PersonChange], tags=["register"])
def person_history(pid: IdPath, user: Me, engine: Db, request: Request) -> list[dict]:
    """The person's changes, oldest first: who, when, which fields from what to what."""
    with engine.connect() as conn:
        person = records.get_person(conn, user, pid)  # 404 outside the caller's scope
        changes = lifecycle.history(conn, person["id"])
    touched = any(set(SENSITIVE_FIELDS) & set(c["changes"]) or
                  set(sum((v or [] for v in c["changes"].get("tags", [])), [])) & SENSITIVE_TAGS for c in changes)
    if user["role"] in SEES_SENSITIVE and (touched or special.special_ids([person])):
        special.write_audit(engine, user, [person["id"]], request, action="person.special.history")
    return [_visible(c, user["role"]) for c in changes]
