"""/sync/push and /sync/pull (DESIGN §6).

Push: each mutation in its own transaction, so a bad one never blocks the rest. The mutation id
goes into ``applied_mutations`` (primary key) in the same transaction as the change: a repeat —
even a concurrent one — fails that insert and is answered with the stored original result.
Only applied mutations are recorded; a rejected or conflicting one changed nothing and may be
sent again (e.g. after the client refreshed its base version).

Pull: the feed rows after the cursor, within scope, with each record's current data. The cursor
carries a digest of the scope it was made for; another scope or an unknown cursor answers reset.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from schemas.messages import message
from schemas.models import PAYLOADS, Mutation
from schemas.validators import format_time
from server.db import alerts, applied_mutations, case_units, cases, divisions, feed, households, persons, visits
from server import feed as feed_log
from server.errors import ApiProblem, jsonable
from server.scope import case_scope, scope_clause
from server.services import alerts as alert_service
from server.services import cases as case_service
from server.services import records, register
from server.settings import Settings

log = logging.getLogger("gridctl.server")
# Writes of the register (DESIGN 3, 17), which a `unit` user may not make (DESIGN 15).
REGISTER_WRITES = ("person.upsert", "household.upsert", "visit.log")


def _problem_from_validation(exc: ValidationError, lang: str = "en") -> dict:
    def text(e: dict) -> str:
        inner = (e.get("ctx") or {}).get("error")  # a schemas error says itself in zh or en
        if callable(getattr(inner, "message", None)):
            return inner.message(lang)
        if e.get("type") == "missing":  # pydantic's own English "Field required"
            return message("text.required", lang)
        return e["msg"].removeprefix("Value error, ")

    def said(e: dict) -> dict:
        # The code and parameters of each text (additive, DESIGN 6): a client words it again later
        # in its reader's language (a refusal kept in the outbox).
        inner = (e.get("ctx") or {}).get("error")
        if isinstance(getattr(inner, "code", None), str) and isinstance(getattr(inner, "params", None), dict):
            return {"says": {"code": inner.code, "params": jsonable(inner.params)}}
        if e.get("type") == "missing":
            return {"says": {"code": "text.required", "params": {}}}
        return {}

    errors = [{"field": ".".join(str(p) for p in e["loc"]) or "payload", "message": text(e), **said(e)}
              for e in exc.errors()]
    # In Chinese no internal field name ("value：…") in front: the schemas texts name what they check.
    detail = "；".join(e["message"] for e in errors) if lang == "zh" else \
        "; ".join(e["message"] if e["field"] == "payload" else f"{e['field']}: {e['message']}" for e in errors)
    # (a check of the whole record, such as sex against the ID number, has no field to name)
    return {"type": "about:blank", "title": "Invalid input", "status": 422, "detail": detail, "code": "invalid", "errors": errors}


def _apply(conn, user: dict, m: Mutation, lang: str, settings: Settings, marks: list | None = None) -> dict:
    if not 2000 <= m.created_at.year <= 2100:
        raise ApiProblem(422, "Invalid input", "created_at is not a plausible time", code="invalid",
                         errors=[{"field": "created_at", "message": "expected a time between 2000 and 2100"}])
    started = datetime.now(timezone.utc)
    if user.get("role") == "unit" and m.type in REGISTER_WRITES:
        # DESIGN 15: a unit's scope is its cases, never the register — even if its account was
        # given division codes somewhere along the way.
        raise ApiProblem(403, "Forbidden", message("register.unit_no_register", "en"), code="register.unit_no_register",
                         says=("", "register.unit_no_register", {}))
    if m.type in ("person.upsert", "household.upsert"):
        # An edit of an existing record is a patch: fields it leaves out keep their stored values.
        payload = register.upsert_payload(conn, user, m.type, m.payload, lang)
    else:
        payload = PAYLOADS[m.type].model_validate(m.payload)
    if m.type == "alert.ack":
        return alert_service.ack(conn, user, payload.alert_id, payload.note)
    result = _apply_record(conn, user, m, payload, lang, settings)
    # Early warning (DESIGN 16): running counts and what this mutation touched, in its transaction;
    # ``push`` evaluates the marks once its mutations are applied.
    touched = alert_service.after_mutation(conn, m.type, payload, result, dict(settings.visit_frequency_days),
                                           created_at=m.created_at, started=started)
    if marks is not None:
        marks.extend(touched or ())
    return result


def _apply_record(conn, user: dict, m: Mutation, payload, lang: str, settings: Settings) -> dict:
    if m.type == "case.report":
        return case_service.report(conn, user, payload, m.created_at, limits=settings.limits)
    if m.type == "case.act":
        return case_service.act(conn, user, payload, m.base_version, lang=lang, limits=settings.limits)
    if m.type == "visit.log":
        return register.log_visit(conn, user, payload)
    if m.type == "household.upsert":
        return register.upsert_household(conn, user, payload, m.base_version)
    return register.upsert_person(conn, user, payload, m.base_version)


def _stored(engine: Engine, mutation_id: str, username: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(applied_mutations.c.result, applied_mutations.c.username).where(applied_mutations.c.id == mutation_id)
        ).first()
    if row is None:
        return None
    if row.username != username:
        # Another user's mutation id: never reveal its result.
        return {"id": mutation_id, "status": "rejected", "problem": {
            "type": "about:blank", "title": "Conflict", "status": 409, "code": "duplicate_id",
            "detail": "this mutation id was used by someone else; make a new id", "errors": []}}
    return dict(json.loads(row.result), status="duplicate")


def push_one(engine: Engine, user: dict, device_id: str, m: Mutation, lang: str = "en",
             settings: Settings | None = None, marks: list | None = None) -> dict:
    settings = settings or Settings()
    stored = _stored(engine, m.id, user["username"])
    if stored is not None:
        return stored
    try:
        with engine.begin() as conn:
            # Claim the id first: a concurrent repeat waits on this row and then fails its
            # insert, instead of deciding on a case that is about to change.
            conn.execute(insert(applied_mutations).values(
                id=m.id, device_id=device_id, username=user["username"], type=m.type,
                result="{}", at=format_time(datetime.now(timezone.utc)),
            ))
            result = {"id": m.id, "status": "applied", **_apply(conn, user, m, lang, settings, marks)}
            conn.execute(update(applied_mutations).where(applied_mutations.c.id == m.id)
                         .values(result=json.dumps(result)))
        return result
    except IntegrityError:
        # A concurrent repeat committed first; answer with its result.
        stored = _stored(engine, m.id, user["username"])
        if stored is not None:
            return stored
        return {"id": m.id, "status": "rejected", "problem": {
            "type": "about:blank", "title": "Conflict", "status": 409, "code": "duplicate",
            "detail": message("record.duplicate", lang), "errors": [],
            "says": {"code": "record.duplicate", "params": {}}}}
    except ValidationError as exc:
        return {"id": m.id, "status": "rejected", "problem": _problem_from_validation(exc, lang)}
    except ApiProblem as exc:
        return {"id": m.id, "status": "rejected", "problem": exc.to_dict(lang)}
    except (OverflowError, ValueError, TypeError) as exc:
        # A value no validator foresaw (an extreme date, say): this mutation fails, not the batch.
        log.warning("mutation %s rejected: %s", m.id, exc)
        return {"id": m.id, "status": "rejected", "problem": {
            "type": "about:blank", "title": "Invalid input", "status": 422, "code": "invalid",
            "detail": str(exc)[:300], "errors": []}}
    except case_service.Conflict as exc:
        detail = message(exc.says, lang) if exc.says else str(exc)
        problem = {"type": "about:blank", "title": "Conflict", "status": 409, "detail": detail,
                   "code": "conflict", "errors": []}
        if exc.says:
            problem["says"] = {"code": exc.says, "params": {}}
        return {"id": m.id, "status": "conflict", "current": exc.current, "problem": problem}


def push(engine: Engine, user: dict, device_id: str, mutations: list[Mutation], lang: str = "en", *,
         settings: Settings | None = None) -> dict:
    """Problems are worded in ``lang`` ('zh' or 'en', from Accept-Language); codes stay the same."""
    settings = settings or Settings()
    marks: list = []
    results = {"results": [push_one(engine, user, device_id, m, lang, settings, marks) for m in mutations]}
    alert_service.drain(engine, marks, dict(settings.visit_frequency_days))
    alert_service.maybe_sweep(engine, dict(settings.visit_frequency_days))
    return results


# --- pull ----------------------------------------------------------------------------------

def _scope_digest(user: dict) -> str:
    scope = sorted(user["scope"]) + ([f"unit:{user.get('unit')}"] if user.get("role") == "unit" else [])
    return hashlib.sha256(json.dumps(scope).encode()).hexdigest()[:12]


def _feed_scope(user: dict):
    """The feed rows a user reads. A unit user (DESIGN §15) reads the cases its unit ever had
    (a case taken back arrives as a tombstone, see ``_fetch``) and nothing of the register."""
    if user.get("role") == "unit":
        had = select(case_units.c.case_id).where(case_units.c.unit == (user.get("unit") or ""))
        # And the alerts about those cases (DESIGN 16): ``_fetch`` keeps the ones meant for units.
        about = select(alerts.c.id).where(alerts.c.subject_type == "case", alerts.c.subject_id.in_(had))
        return ((feed.c.entity == "case") & feed.c.entity_id.in_(had)) | \
            ((feed.c.entity == "alert") & feed.c.entity_id.in_(about))
    return scope_clause(feed.c.grid_code, user["scope"])


def _fetch(conn, user: dict, entity: str, ids: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if entity == "case":
            # Scoped again: a unit's case that went back to the dispatcher is a tombstone for it.
            rows = conn.execute(select(cases).where(cases.c.id.in_(chunk), case_scope(cases, user))).all()
            for c in records.cases_out(conn, rows, user):
                out[c["id"]] = c
        elif entity == "household":
            for r in conn.execute(select(households).where(households.c.id.in_(chunk))):
                out[r.id] = records.household_out(r)
        elif entity == "person":
            for r in conn.execute(select(persons).where(persons.c.id.in_(chunk))):
                out[r.id] = records.person_out(r, user)
        elif entity == "visit":
            for r in conn.execute(select(visits).where(visits.c.id.in_(chunk))):
                out[r.id] = records.visit_out(r)
        elif entity == "division":
            for r in conn.execute(select(divisions).where(divisions.c.code.in_(chunk))):
                out[r.code] = records.division_out(r)
        elif entity == "alert":
            out.update(alert_service.fetch_for(conn, user, chunk))
    return out


def pull(engine: Engine, user: dict, cursor: str | None, limit: int) -> dict:
    """Feed rows after the cursor, in feed order (server/feed.py: why this never skips a change).

    The cursor is "<position>.<scope digest>"; a cursor made for another scope, malformed, or
    beyond the end of this feed (another database) answers reset: start again from nothing.
    """
    digest = _scope_digest(user)
    start, reset = (0, 0), False
    with engine.connect() as conn:
        if cursor:
            pos_text, _, cursor_digest = cursor.partition(".")
            pos = feed_log.parse_position(pos_text)
            if pos is None or cursor_digest != digest or pos > feed_log.last_position(conn):
                reset = True
            else:
                start = pos
        rows = conn.execute(
            select(feed).where(feed_log.after(conn, start), _feed_scope(user))
            .order_by(*feed_log.order(conn)).limit(limit + 1)
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        by_entity: dict[str, list[str]] = {}
        for r in rows:
            if not r.deleted:
                by_entity.setdefault(r.entity, []).append(r.entity_id)
        data = {e: _fetch(conn, user, e, ids) for e, ids in by_entity.items()}
    changes = []
    for r in rows:
        item = None if r.deleted else data.get(r.entity, {}).get(r.entity_id)
        changes.append({"entity": r.entity, "id": r.entity_id, "version": r.version,
                        "deleted": bool(r.deleted) or item is None, "data": item})
    last = (int(rows[-1].txid or 0), rows[-1].seq) if rows else start
    return {"changes": changes, "cursor": f"{feed_log.format_position(last)}.{digest}", "has_more": has_more,
            "reset": reset}
