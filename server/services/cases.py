"""The case workflow on the server: report and act, one transaction given by the caller."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from schemas import workflow as wf
from schemas.validators import CST, InvalidValue, check_event_times, format_time, in_scope, parse_time
from server import feed
from server.db import case_steps, case_units, cases, divisions, households, persons, serial_counters, units, users
from server.errors import ApiProblem, coded, invalid, not_found
from server.scope import scope_clause
from server.services import blobs, records


class Conflict(Exception):
    """The action no longer fits the case as it is now; ``current`` is the server's case."""

    def __init__(self, current: dict, detail: str, says: str | None = None) -> None:
        super().__init__(detail)
        self.current = current
        self.says = says  # a schemas.messages code: the detail in the request's language


def _refused(exc: wf.WorkflowRefused, lang: str = "en") -> ApiProblem:
    field = exc.field or "action"
    text = exc.message(lang)
    return ApiProblem(
        409 if exc.code == "workflow.status" else 403 if exc.code in ("workflow.role", "workflow.level", "workflow.above_level", "workflow.unit",
                                                                "workflow.follow_up_role") else 422,
        "Action refused", text, code=exc.code,
        errors=[{"field": field, "message": text, "code": exc.code}],
        says=(field, exc.code, dict(exc.params)),
    )


def next_serial(conn: Connection, county: str, day: str) -> str:
    """The next serial of ``county`` and ``day``, made in one statement (DESIGN 13, no lost first
    reports): the first report of a day inserts the counter, the others bump it, and concurrent
    first reports wait on the row instead of colliding on its key as UPDATE-then-INSERT did."""
    prefix = f"{county}-{day}"
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(serial_counters).values(prefix=prefix, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[serial_counters.c.prefix],
                                      set_={"last": serial_counters.c.last + 1})
    last = conn.execute(stmt.returning(serial_counters.c.last)).scalar_one()
    return f"{prefix}-{last:04d}"


# Step fields kept in case_steps.extra (JSON), beside the columns every step has.
STEP_EXTRAS = ("assignee", "supervision", "unit", "co_units", "satisfaction", "method", "mediation")


def _insert_steps(conn: Connection, case_id: str, steps: list[dict]) -> None:
    rows = []
    for s in steps:
        extra = {k: s[k] for k in STEP_EXTRAS if k in s}
        rows.append({
            "case_id": case_id, "action": s["action"], "actor": s["actor"], "from_status": s.get("from_status"),
            "to_status": s.get("to_status"), "from_level": s.get("from_level"), "to_level": s.get("to_level"),
            "note": s.get("note"), "at": s["at"], "extra": json.dumps(extra, ensure_ascii=False) if extra else None,
        })
    conn.execute(insert(case_steps), rows)


def report(conn: Connection, user: dict, payload, created_at: datetime,
           limits: wf.TimeLimits = wf.DEFAULT_LIMITS) -> dict:
    """A new case at grid level. ``payload`` is a validated ``schemas.models.CaseReport``."""
    if not in_scope(payload.grid_code, user["scope"]):
        raise invalid("grid_code", f"grid {payload.grid_code} is outside your scope", "division.out_of_scope",
                      code=payload.grid_code)
    if conn.execute(select(divisions.c.code).where(divisions.c.code == payload.grid_code)).first() is None:
        raise invalid("grid_code", f"grid {payload.grid_code} does not exist", "division.unknown", code=payload.grid_code)
    # Every id the payload names must be in the writer's scope, refused exactly like a missing one.
    if payload.household_id and conn.execute(
        select(households.c.id).where(households.c.id == payload.household_id,
                                      scope_clause(households.c.grid_code, user["scope"]))
    ).first() is None:
        raise coded(422, "household_id", "ref.household_not_found", ref=payload.household_id)
    for i, party in enumerate(payload.parties):
        if party.person_id and conn.execute(
            select(persons.c.id).where(persons.c.id == party.person_id, scope_clause(persons.c.grid_code, user["scope"]))
        ).first() is None:
            raise coded(422, f"parties.{i}.person_id", "ref.person_not_found", ref=party.person_id)
    blobs.check_named(conn, user, payload.photos)
    now = datetime.now(timezone.utc)
    reported = min(payload.reported_at or created_at, now)
    try:
        check_event_times(payload.occurred_at, reported, at=now)
    except InvalidValue as exc:
        raise invalid(exc.field or "occurred_at", exc.message("en"), exc.code, **exc.params) from None
    if conn.execute(select(cases.c.id).where(cases.c.id == payload.id)).first() is not None:
        raise invalid("id", "a case with this id exists already", "duplicate_id", says="record.duplicate_id")
    fields = wf.new_case_fields(reported, payload.urgent, user["username"], limits)
    # Steps and feed row first, the serial last: the day's counter row stays locked from here to
    # the commit, and every report of the county that day waits for it.
    _insert_steps(conn, payload.id, fields["steps"])
    feed.record(conn, "case", payload.id, payload.grid_code, 1)
    serial = next_serial(conn, payload.grid_code[:6], reported.astimezone(CST).strftime("%Y%m%d"))
    conn.execute(insert(cases).values(
        id=payload.id, serial=serial, title=payload.title, description=payload.description,
        category=payload.category, subcategory=payload.subcategory, scale=payload.scale, urgent=payload.urgent,
        parties=json.dumps([p.model_dump(exclude_none=False) for p in payload.parties], ensure_ascii=False),
        occurred_at=format_time(payload.occurred_at), reported_at=format_time(reported),
        grid_code=payload.grid_code, address=payload.address, lat=payload.lat, lon=payload.lon,
        source=payload.source, reporter=user["username"], household_id=payload.household_id,
        status=fields["status"], level=fields["level"], assignee=None, due_at=fields["due_at"],
        level_entered_at=format_time(reported), supervision="none", version=1,
        photos=json.dumps(payload.photos),
    ))
    blobs.record_refs(conn, payload.photos, "case", payload.id, payload.grid_code)
    return {"entity": "case", "entity_id": payload.id, "version": 1}


def act(conn: Connection, user: dict, payload, base_version: int | None, _attempt: int = 0, *,
        lang: str = "en", limits: wf.TimeLimits = wf.DEFAULT_LIMITS) -> dict:
    """Apply a workflow action; stale and no longer fitting → ``Conflict``; never fitting → refused.

    A stale ``base_version`` (the case moved on since the client saw it) is a conflict when the
    action no longer fits the case as it is now, or when it would overwrite a field (assignee,
    supervision) that someone set after that version; otherwise it applies, since accepting or
    resolving means the same whatever comments or assignments came in between. The update is
    guarded by the version read; when a concurrent writer got there first, the action is decided
    again on the case as it is now.
    """
    try:
        # After a lost race, read the case locked: no third writer can slip in again before our
        # update, so a retry always lands (a comment never answers "conflict" under load).
        row = records.case_row(conn, user, payload.case_id, lock=_attempt > 0)
    except ApiProblem:
        raise not_found("case") from None
    current = records.cases_out(conn, [row], user)[0]
    stale = base_version is not None and base_version != row.version
    try:
        t = wf.decide(
            payload.action, current, user, note=payload.note, reason=payload.reason, to_level=payload.to_level,
            assignee=payload.assignee, supervision=payload.supervision,
            unit=payload.unit, co_units=payload.co_units, satisfaction=payload.satisfaction, method=payload.method,
            result=payload.result, agreement_no=payload.agreement_no, participants=payload.participants,
        )
    except wf.WorkflowRefused as exc:
        if stale:
            raise Conflict(current, exc.message(lang)) from None
        raise _refused(exc, lang) from None
    if stale and base_version is not None:
        overwritten = _overwrites(payload.action, current["steps"][base_version:])
        if overwritten:
            raise Conflict(current, overwritten)
    if t.assignee is not None:
        _check_assignee(conn, t.assignee, row.grid_code)
    if t.unit is not None:
        for code in (t.unit, *t.co_units):
            _check_unit(conn, code, row.grid_code, lang)
    at = datetime.now(timezone.utc)
    new = wf.apply_transition(current, t, user["username"], at, limits)
    entered = format_time(at) if (t.level_changed or t.restarts_clock) else row.level_entered_at
    values = {
        "status": new["status"], "level": new["level"], "assignee": new["assignee"], "supervision": new["supervision"],
        "due_at": new["due_at"], "version": row.version + 1, "level_entered_at": entered,
        "unit": new["unit"], "co_units": json.dumps(new["co_units"]), "satisfaction": new["satisfaction"],
        "followed_up_at": new["followed_up_at"], "mediations": json.dumps(new["mediations"], ensure_ascii=False),
    }
    if new["status"] == "closed":
        values["closed_at"] = format_time(at)
    if new["status"] == "resolved":
        values["resolved_at"] = format_time(at)
    changed = conn.execute(
        update(cases).where(cases.c.id == row.id, cases.c.version == row.version).values(**values)
    )
    if changed.rowcount != 1:  # a concurrent writer got there first: decide again on the case as it is
        if _attempt < 3:
            return act(conn, user, payload, base_version, _attempt + 1, lang=lang, limits=limits)
        raise Conflict(current, "the case changed meanwhile", says="conflict.case")
    _insert_steps(conn, row.id, [new["steps"][-1]])
    if t.unit is not None:
        _link_units(conn, row.id, [t.unit, *t.co_units])
    feed.record(conn, "case", row.id, row.grid_code, row.version + 1)
    return {"entity": "case", "entity_id": row.id, "version": row.version + 1}


def _link_units(conn: Connection, case_id: str, codes: list[str]) -> None:
    """Remember that the units had the case, so their devices hear of it ever after."""
    known = {r.unit for r in conn.execute(select(case_units.c.unit).where(case_units.c.case_id == case_id))}
    new = [c for c in dict.fromkeys(codes) if c not in known]
    if new:
        conn.execute(insert(case_units), [{"case_id": case_id, "unit": c} for c in new])


def _check_unit(conn: Connection, code: str, grid_code: str, lang: str) -> None:
    """A unit exists and serves the case's area (its division contains the case's grid)."""
    row = conn.execute(select(units.c.division).where(units.c.code == code)).first()
    if row is None or not grid_code.startswith(row.division):
        exc = wf.WorkflowRefused("workflow.unit_unknown", "unit", unit=code)
        text = exc.message(lang)
        raise invalid("unit", text, "workflow.unit_unknown")


# Actions that set a field: applied from a stale base they would silently undo a later change
# of the same field by someone else, so that answers conflict. Every other action that still
# fits the case as it is now is applied (accept/start/resolve/... mean the same on any version).
_SETS = {"assign": ("assign", "escalate", "return"), "supervise": ("supervise",),
         "follow_up": ("follow_up",), "dispatch": ("dispatch", "refuse")}


def _overwrites(action: str, later_steps: list[dict]) -> str | None:
    for step in later_steps:
        if step.get("action") in _SETS.get(action, ()):
            what = {"assign": "assignee", "supervise": "supervision", "follow_up": "satisfaction"}.get(action, "unit")
            return f"the {what} was changed by {step.get('actor')} after your version ({step.get('action')})"
    return None


def _check_assignee(conn: Connection, username: str, grid_code: str) -> None:
    row = conn.execute(select(users.c.scope).where(users.c.username == username)).first()
    if row is None or not in_scope(grid_code, json.loads(row.scope)):
        raise invalid("assignee", f"user {username!r} does not exist or does not cover this case", "workflow.assignee_unknown",
                      assignee=username)
