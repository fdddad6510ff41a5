"""Visits, households and persons written by mutations (``visit.log``, ``*.upsert``)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from schemas import population
from schemas.validators import CLOCK_SKEW, CST, format_time, in_scope, is_masked
from server import feed
from server.db import divisions, households, persons, visits
from server.errors import ApiProblem, coded, invalid, not_found
from server.scope import scope_clause
from server.services import blobs, lifecycle, records
from server.services.cases import Conflict


def taken(field: str) -> ApiProblem:
    """A uniqueness refusal that reveals nothing about the record holding the value (zh/en by code)."""
    return coded(422, field, f"register.taken_{field}")


PATCH_STORED = {
    "person.upsert": ("household_id", "name", "id_number", "sex", "birth_date", "phone", "relation_to_head",
                      "residence", "tags", "key_person_type", "care_level",
                      # DESIGN 17: a patch leaves a person's place in the register as it is
                      "status", "moved_to", "status_date", "risk_level"),
    "household.upsert": ("household_no", "grid_code", "address", "lat", "lon", "head_person_id"),
}


def upsert_payload(conn: Connection, user: dict, mtype: str, raw: dict, lang: str = "en"):
    """The validated payload of a ``*.upsert``. A masked value (``6108**********2829``,
    ``138****5678``) is what a user was shown, never data: refused with a clear reason. For a
    record that exists, the payload is a patch — every field it leaves out keeps the stored
    value — and the merged record is validated as a whole (sex against the stored ID number...)."""
    from schemas.messages import message
    from schemas.models import PAYLOADS

    for name in ("id_number", "phone"):
        value = raw.get(name) if isinstance(raw, dict) else None
        if isinstance(value, str) and is_masked(value):
            raise invalid(name, message("value.masked", lang, field=name, value=value), "value.masked")
    model = PAYLOADS[mtype]
    table = persons if mtype == "person.upsert" else households
    row = None
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        row = conn.execute(select(table).where(table.c.id == raw["id"])).first()
    if row is None:
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and not raw.get(
                "household_id" if mtype == "person.upsert" else "household_no"):
            # A patch of a record the server does not have (say its add was discarded): say so,
            # not "household_id: Field required; name: Field required".
            what = "person" if mtype == "person.upsert" else "household"
            raise coded(422, "id", f"ref.{what}_not_found", ref=raw["id"])
        return model.model_validate(raw)
    if not in_scope(row.grid_code, user["scope"]):
        raise not_found("person" if mtype == "person.upsert" else "household")
    stored = {name: getattr(row, name) for name in PATCH_STORED[mtype]}
    if "tags" in stored:
        stored["tags"] = json.loads(stored["tags"] or "[]")
    stored = {k: v for k, v in stored.items() if v is not None}
    return model.model_validate({**stored, **raw})


def unchanged(row, values: dict) -> bool:
    """Does writing ``values`` over the stored ``row`` change nothing? (Tags compare as sets of
    tags: other paths may have written them in another order or spacing.)"""
    for name, value in values.items():
        stored = getattr(row, name)
        if stored == value:
            continue
        if name == "tags" and lifecycle.same_tags(stored, value):
            continue
        return False
    return True


def _household(conn: Connection, user: dict, hid: str):
    row = conn.execute(
        select(households).where(households.c.id == hid, scope_clause(households.c.grid_code, user["scope"]))
    ).first()
    if row is None:
        raise coded(422, "household_id", "ref.household_not_found", ref=hid)
    return row


def log_visit(conn: Connection, user: dict, p) -> dict:
    hh = _household(conn, user, p.household_id)
    if conn.execute(select(visits.c.id).where(visits.c.id == p.id)).first() is not None:
        raise invalid("id", "a visit with this id exists already", "duplicate_id", says="record.duplicate_id")
    if p.visited_at > datetime.now(timezone.utc) + CLOCK_SKEW:
        raise invalid("visited_at", "the visit time is in the future", "time.future", value=format_time(p.visited_at))
    for i, pid in enumerate(p.person_ids):
        # In scope, refused exactly like a missing person (DESIGN §14).
        if conn.execute(select(persons.c.id).where(
                persons.c.id == pid, scope_clause(persons.c.grid_code, user["scope"]))).first() is None:
            raise coded(422, f"person_ids.{i}", "ref.person_not_found", ref=pid)
    blobs.check_named(conn, user, p.photos)
    conn.execute(insert(visits).values(
        id=p.id, household_id=p.household_id, grid_code=hh.grid_code, person_ids=json.dumps(p.person_ids),
        worker=user["username"], visited_at=format_time(p.visited_at), method=p.method, purpose=p.purpose,
        met=p.met, note=p.note, concern=p.concern,
        next_visit_due=p.next_visit_due.isoformat() if p.next_visit_due else None,
        lat=p.lat, lon=p.lon, photos=json.dumps(p.photos), version=1,
    ))
    blobs.record_refs(conn, p.photos, "visit", p.id, hh.grid_code)
    feed.record(conn, "visit", p.id, hh.grid_code, 1)
    return {"entity": "visit", "entity_id": p.id, "version": 1}


def upsert_household(conn: Connection, user: dict, p, base_version: int | None) -> dict:
    if not in_scope(p.grid_code, user["scope"]):
        raise invalid("grid_code", f"grid {p.grid_code} is outside your scope", "division.out_of_scope", code=p.grid_code)
    if conn.execute(select(divisions.c.code).where(divisions.c.code == p.grid_code)).first() is None:
        raise invalid("grid_code", f"grid {p.grid_code} does not exist", "division.unknown", code=p.grid_code)
    row = conn.execute(select(households).where(households.c.id == p.id)).first()
    if row is not None and not in_scope(row.grid_code, user["scope"]):
        raise not_found("household")
    if p.head_person_id and conn.execute(select(persons.c.id).where(
            persons.c.id == p.head_person_id, scope_clause(persons.c.grid_code, user["scope"]))).first() is None \
            and conn.execute(select(persons.c.id).where(persons.c.id == p.head_person_id)).first() is not None:
        # A head not yet synced may come later (same push); one outside the scope is refused.
        raise coded(422, "head_person_id", "ref.person_not_found", ref=p.head_person_id)
    same_no = conn.execute(select(households.c.id).where(households.c.household_no == p.household_no)).first()
    if same_no is not None and same_no.id != p.id:
        # Never say where: the number may belong to a household outside the writer's scope.
        raise taken("household_no")
    values = dict(household_no=p.household_no, grid_code=p.grid_code, address=p.address, lat=p.lat, lon=p.lon,
                  head_person_id=p.head_person_id)
    if row is None:
        conn.execute(insert(households).values(id=p.id, version=1, **values))
        version = 1
    elif unchanged(row, values):
        # Nothing to change: no new version, no feed row; the mutation is still applied (and its
        # id recorded), so a repeat answers the same (DESIGN 6).
        return {"entity": "household", "entity_id": p.id, "version": row.version, "unchanged": True}
    else:
        if base_version is not None and base_version != row.version:
            raise Conflict(records.household_out(row), "the household changed meanwhile", says="conflict.household")
        version = row.version + 1
        conn.execute(update(households).where(households.c.id == p.id).values(version=version, **values))
        if row.grid_code != p.grid_code:
            _move_members(conn, p.id, p.grid_code)
    feed.record(conn, "household", p.id, p.grid_code, version)
    return {"entity": "household", "entity_id": p.id, "version": version}


def _move_members(conn: Connection, household_id: str, grid_code: str) -> None:
    """People follow their household into its new grid (scope is decided by a record's own grid
    code); each is a changed record, so its version goes up and the feed tells both grids."""
    members = conn.execute(select(persons.c.id, persons.c.version).where(persons.c.household_id == household_id)).all()
    for m in members:
        conn.execute(update(persons).where(persons.c.id == m.id).values(grid_code=grid_code, version=m.version + 1))
        feed.record(conn, "person", m.id, grid_code, m.version + 1)


def upsert_person(conn: Connection, user: dict, p, base_version: int | None) -> dict:
    hh = _household(conn, user, p.household_id)
    row = conn.execute(select(persons).where(persons.c.id == p.id)).first()
    if row is not None and not in_scope(row.grid_code, user["scope"]):
        raise not_found("person")
    id_number = p.id_number  # never masked: upsert_payload refused that
    if id_number:
        other = conn.execute(select(persons.c.id).where(persons.c.id_number == id_number)).first()
        if other is not None and other.id != p.id:
            raise taken("id_number")
    values = dict(
        household_id=p.household_id, grid_code=hh.grid_code, name=p.name, id_number=id_number, sex=p.sex,
        birth_date=p.birth_date.isoformat() if p.birth_date else None, phone=p.phone,
        relation_to_head=p.relation_to_head, residence=p.residence, tags=json.dumps(p.tags),
        key_person_type=p.key_person_type, care_level=p.care_level,
    )
    # DESIGN 17: a payload that leaves the life fields out keeps what is stored.
    life = dict(status=p.status, moved_to=p.moved_to,
                status_date=p.status_date.isoformat() if p.status_date else None, risk_level=p.risk_level)
    values.update({k: v for k, v in life.items() if v is not None})
    if row is not None and user["role"] not in population.SEES_SENSITIVE:
        # A role that is never shown special populations cannot have meant to remove them: what
        # it cannot see stays as stored (DESIGN 17), whatever tags its patch carries.
        stored_tags = json.loads(row.tags or "[]")
        kept = [t for t in stored_tags if t in population.SENSITIVE_TAGS]
        values["tags"] = json.dumps([t for t in p.tags if t not in population.SENSITIVE_TAGS] + kept)
        values.update({name: getattr(row, name) for name in population.SENSITIVE_FIELDS})
    elif "severe_mental" not in p.tags:
        values["risk_level"] = None
    if values.get("status") == "active":
        values.update(moved_to=None, status_date=None)
    values["followed_since"] = population.followed_since(
        json.loads(row.tags or "[]") if row is not None else None, json.loads(values["tags"]),
        row.followed_since if row is not None else None, datetime.now(CST).date())
    born = values.get("birth_date") or (str(row.birth_date)[:10] if row is not None and row.birth_date else None)
    if values.get("status_date") and born and str(values["status_date"]) < str(born):
        # A move out or death before the person was born: a typing error, never a fact (DESIGN 9).
        raise lifecycle.refuse("status_date", "register.date_before_birth", value=values["status_date"], born=born)
    before = dict(row._mapping) if row is not None else None
    status = values.get("status") or (row.status if row is not None else "active")
    lifecycle.check_one_head(conn, p.household_id, p.id, p.relation_to_head, status)
    if row is None:
        conn.execute(insert(persons).values(id=p.id, version=1, **values))
        version = 1
    elif unchanged(row, values):
        # The stored values again (`person update --phone <the same>`, a form saved as it was):
        # no new version, feed row or history row; the mutation is applied all the same.
        return {"entity": "person", "entity_id": p.id, "version": row.version, "unchanged": True}
    else:
        if not in_scope(row.grid_code, user["scope"]):
            raise not_found("person")
        if base_version is not None and base_version != row.version:
            raise Conflict(records.person_out(row, user), "the person changed meanwhile", says="conflict.person")
        version = row.version + 1
        conn.execute(update(persons).where(persons.c.id == p.id).values(version=version, **values))
    lifecycle.record_history(conn, user, p.id, hh.grid_code, before, {**(before or {}), **values})
    lifecycle.sync_head(conn, p.household_id, p.id, p.relation_to_head == "head" and status == "active",
                        before["household_id"] if before else None)
    feed.record(conn, "person", p.id, hh.grid_code, version)
    return {"entity": "person", "entity_id": p.id, "version": version}
