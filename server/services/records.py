"""Reading records: row → wire dict (with masking), scoped lists with cursor paging."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Text, and_, false, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from schemas.validators import InvalidValue, check_text, format_time, is_valid_id_number, mask_id_number
from schemas.population import visible_record
from schemas.workflow import UNFINISHED_STATUSES
from server.db import UNICODE_LOWER, case_steps, cases, divisions, households, persons, visits
from server import params
from server.errors import ApiProblem, not_found
from server.scope import case_scope, prefix_clause, scope_clause

MAX_LIMIT = 1000


def now_text() -> str:
    return format_time(datetime.now(timezone.utc))


# --- serialisation ---------------------------------------------------------------------------

def division_out(row) -> dict:
    return {"code": row.code, "name": row.name, "level": row.level, "parent": row.parent, "kind": row.kind}


def household_out(row) -> dict:
    return {
        "id": row.id, "household_no": row.household_no, "grid_code": row.grid_code, "address": row.address,
        "lat": row.lat, "lon": row.lon, "head_person_id": row.head_person_id, "version": row.version,
    }


def person_out(row, user: dict) -> dict:
    """The person as ``user`` may see it: ID number masked but for admin, special-population
    data (DESIGN 17) only for the roles that follow them (schemas.population)."""
    id_number = row.id_number if user["role"] == "admin" else mask_id_number(row.id_number)
    return visible_record({
        "id": row.id, "household_id": row.household_id, "grid_code": row.grid_code, "name": row.name,
        "id_number": id_number, "sex": row.sex, "birth_date": row.birth_date, "phone": row.phone,
        "relation_to_head": row.relation_to_head, "residence": row.residence, "tags": json.loads(row.tags or "[]"),
        "key_person_type": row.key_person_type, "care_level": row.care_level, "version": row.version,
        "status": row.status or "active", "moved_to": row.moved_to, "status_date": row.status_date,
        "risk_level": row.risk_level, "followed_since": row.followed_since,
    }, user["role"])


def visit_out(row) -> dict:
    return {
        "id": row.id, "household_id": row.household_id, "grid_code": row.grid_code,
        "person_ids": json.loads(row.person_ids or "[]"), "worker": row.worker, "visited_at": row.visited_at,
        "method": row.method, "purpose": row.purpose, "met": bool(row.met), "note": row.note,
        "concern": row.concern, "next_visit_due": row.next_visit_due, "lat": row.lat, "lon": row.lon,
        "photos": json.loads(row.photos or "[]"), "version": row.version,
    }


def step_out(row) -> dict:
    step = {
        "action": row.action, "actor": row.actor, "from_status": row.from_status, "to_status": row.to_status,
        "from_level": row.from_level, "to_level": row.to_level, "note": row.note, "at": row.at,
    }
    if row.extra:
        step.update(json.loads(row.extra))
    return step


def case_out(row, user: dict, steps: list[dict] | None = None, now: str | None = None) -> dict:
    now = now or now_text()
    parties = json.loads(row.parties or "[]")
    if user["role"] != "admin":
        parties = [dict(p, id_number=mask_id_number(p.get("id_number"))) for p in parties]
    return {
        "id": row.id, "serial": row.serial, "title": row.title, "description": row.description,
        "category": row.category, "subcategory": row.subcategory, "scale": row.scale, "urgent": bool(row.urgent),
        "parties": parties, "occurred_at": row.occurred_at, "reported_at": row.reported_at,
        "grid_code": row.grid_code, "address": row.address, "lat": row.lat, "lon": row.lon, "source": row.source,
        "reporter": row.reporter, "household_id": row.household_id, "status": row.status, "level": row.level,
        "assignee": row.assignee, "due_at": row.due_at,
        "overdue": bool(row.due_at and row.status in UNFINISHED_STATUSES and row.due_at < now),
        "supervision": row.supervision, "version": row.version, "steps": steps if steps is not None else [],
        "photos": json.loads(row.photos or "[]"),
        "unit": row.unit, "co_units": json.loads(row.co_units or "[]"), "satisfaction": row.satisfaction,
        "followed_up_at": row.followed_up_at, "mediations": json.loads(row.mediations or "[]"),
    }


def steps_for(conn: Connection, case_ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {cid: [] for cid in case_ids}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        rows = conn.execute(
            select(case_steps).where(case_steps.c.case_id.in_(chunk)).order_by(case_steps.c.case_id, case_steps.c.id)
        )
        for r in rows:
            out[r.case_id].append(step_out(r))
    return out


def cases_out(conn: Connection, rows, user: dict) -> list[dict]:
    rows = list(rows)
    steps = steps_for(conn, [r.id for r in rows])
    now = now_text()
    return [case_out(r, user, steps[r.id], now) for r in rows]


# --- cursor paging ---------------------------------------------------------------------------

def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _bad_cursor() -> ApiProblem:
    return ApiProblem(
        400, "Bad Request", "the cursor is not one this server gave out; start again without it",
        code="bad_cursor", errors=[{"field": "cursor", "message": "unknown cursor"}],
    )


MAX_CURSOR = 512  # the server's cursors are two short strings; anything longer is not one of them


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The values a cursor carries: a list of short strings (every sort column is text), else 400.

    Checked before any SQL sees them: junk JSON, deep arrays and huge numbers are refused here.
    """
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise _bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, RecursionError, TypeError):
        raise _bad_cursor() from None
    # Every sort column is a code, an id or a time: never empty (hypothesis found ["", ""] paged).
    if not isinstance(values, list) or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in values):
        raise _bad_cursor()
    try:
        for v in values:
            check_text(v, "cursor")
    except InvalidValue:
        raise _bad_cursor() from None
    return values


def clamp_limit(limit: int | None, default: int = 100) -> int:
    if limit is None:
        return default
    if limit < 1 or limit > MAX_LIMIT:
        raise ApiProblem(
            422, "Invalid input", f"limit must be between 1 and {MAX_LIMIT}", code="invalid",
            errors=[{"field": "limit", "message": f"must be between 1 and {MAX_LIMIT}"}],
        )
    return limit


# What each sort column's value looks like in a cursor this server gave out: a value of another
# shape (hypothesis sent ["0", "0"]) is refused, not paged from.
_CURSOR_SHAPES = {
    "grid_code": re.compile(r"[0-9]{6,15}"),
    "id": re.compile(r"[0-9A-Za-z_-]{8,64}"),
    "visited_at": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?"),
}
_CURSOR_SHAPES["reported_at"] = _CURSOR_SHAPES["visited_at"]


def page(conn: Connection, query, sort_cols: list, cursor: str | None, limit: int, descending: bool = False):
    """Keyset paging over ``sort_cols`` (the last one unique). Returns (rows, next_cursor)."""
    after = decode_cursor(cursor)
    if after is not None:
        if len(after) != len(sort_cols) or not all(
                _CURSOR_SHAPES[c.name].fullmatch(v) for c, v in zip(sort_cols, after)):
            raise _bad_cursor()
        cmp = (lambda c, v: c < v) if descending else (lambda c, v: c > v)
        # (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), written out for portability.
        clauses = []
        for i, col in enumerate(sort_cols):
            eqs = [sort_cols[j] == after[j] for j in range(i)]
            clauses.append(and_(*eqs, cmp(col, after[i])))
        query = query.where(or_(*clauses))
    order = [c.desc() for c in sort_cols] if descending else list(sort_cols)
    rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]._mapping
        next_cursor = encode_cursor([last[c.name] for c in sort_cols])
    return rows, next_cursor


# --- reads -----------------------------------------------------------------------------------

class _unicode_lower(FunctionElement):
    """lower() that folds every cased letter: PostgreSQL's own; on SQLite, whose lower() folds
    ASCII only, the Python function server/db.py registers on each connection."""

    type = Text()
    inherit_cache = True


@compiles(_unicode_lower)
def _lower_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(_unicode_lower, "sqlite")
def _lower_sqlite(element, compiler, **kw):
    return f"{UNICODE_LOWER}({compiler.process(element.clauses, **kw)})"


def _needs_unicode_lower(text: str) -> bool:
    """A letter with case outside ASCII (full-width Ａ, É, Ω): only then must SQLite call Python
    per row; ASCII and uncased text (Chinese) fold the same with its fast built-in lower()."""
    return any(not ch.isascii() and ch.lower() != ch.upper() for ch in text)


def contains(column, text: str):
    """``column`` contains ``text``, ignoring case, with ``%`` and ``_`` taken literally.

    Both sides are lowered by the same database function rather than ILIKE (SQLite's LIKE ignores
    ASCII case only, PostgreSQL's none), so that SQLite and PostgreSQL agree and any text finds
    itself; the ESCAPE clause makes a user's wildcards text.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    lower = _unicode_lower if _needs_unicode_lower(text) else func.lower
    return lower(column).like(lower(literal(f"%{escaped}%", Text())), escape="\\")


def list_divisions(conn: Connection, user: dict, parent: str | None) -> list[dict]:
    parent = params.division(parent, "parent")
    q = select(divisions).where(scope_clause(divisions.c.code, user["scope"]))
    if parent:
        q = q.where(divisions.c.parent == parent)
    return [division_out(r) for r in conn.execute(q.order_by(divisions.c.code))]


def list_households(conn, user, *, grid=None, q=None, tag=None, cursor=None, limit=None):
    grid, q, tag = params.division(grid, "grid"), params.text(q, "q"), params.tag(tag)
    query = select(households).where(scope_clause(households.c.grid_code, user["scope"]))
    if grid:
        query = query.where(prefix_clause(households.c.grid_code, grid))
    if q:
        query = query.where(or_(contains(households.c.household_no, q), contains(households.c.address, q)))
    if tag:
        tagged = select(persons.c.household_id).where(persons.c.tags.like(f'%"{tag}"%'))
        query = query.where(households.c.id.in_(tagged))
    # Grid first: the scope range and the page order then walk one index, page after page.
    rows, nxt = page(conn, query, [households.c.grid_code, households.c.id], cursor, clamp_limit(limit))
    return {"items": [household_out(r) for r in rows], "next_cursor": nxt}


def get_household(conn, user, hid: str) -> dict:
    row = conn.execute(
        select(households).where(
            or_(households.c.id == hid, households.c.household_no == hid),
            scope_clause(households.c.grid_code, user["scope"]),
        )
    ).first()
    if row is None:
        raise not_found("household")
    return household_out(row)


def list_persons(conn, user, *, household=None, q=None, tag=None, grid=None, cursor=None, limit=None):
    household, q, tag = params.text(household, "household"), params.text(q, "q"), params.tag(tag)
    grid = params.division(grid, "grid")
    query = select(persons).where(scope_clause(persons.c.grid_code, user["scope"]))
    if grid:
        query = query.where(prefix_clause(persons.c.grid_code, grid))
    if household:
        query = query.where(persons.c.household_id == household)
    if q:
        query = query.where(person_search(q))
    if tag:
        query = query.where(persons.c.tags.like(f'%"{tag}"%'))
    rows, nxt = page(conn, query, [persons.c.grid_code, persons.c.id], cursor, clamp_limit(limit))
    return {"items": [person_out(r, user) for r in rows], "next_cursor": nxt}


def person_search(q: str):
    """Name, phone or household number containing ``q``, or exactly this full ID number.

    A full ID number finds the person even though every non-admin is shown it masked; a part
    of one finds nothing, so the masked digits cannot be guessed by searching."""
    q = q.strip()
    if len(q) == 18 and is_valid_id_number(q.upper()):
        return persons.c.id_number == q.upper()
    in_household = select(households.c.id).where(contains(households.c.household_no, q))
    return or_(contains(persons.c.name, q), contains(persons.c.phone, q), persons.c.household_id.in_(in_household))


def get_person(conn, user, pid: str) -> dict:
    row = conn.execute(
        select(persons).where(persons.c.id == pid, scope_clause(persons.c.grid_code, user["scope"]))
    ).first()
    if row is None:
        raise not_found("person")
    return person_out(row, user)


def list_visits(conn, user, *, household=None, worker=None, since=None, cursor=None, limit=None):
    household, worker, since = params.text(household, "household"), params.text(worker, "worker"), params.since(since)
    query = select(visits).where(scope_clause(visits.c.grid_code, user["scope"]))
    if household:
        query = query.where(visits.c.household_id == household)
    if worker:
        query = query.where(visits.c.worker == worker)
    if since:
        query = query.where(visits.c.visited_at >= since)
    rows, nxt = page(conn, query, [visits.c.visited_at, visits.c.id], cursor, clamp_limit(limit), descending=True)
    return {"items": [visit_out(r) for r in rows], "next_cursor": nxt}


def list_cases(conn, user, *, status=None, level=None, grid=None, assignee=None, overdue=None, category=None, q=None,
               cursor=None, limit=None):
    status, level, assignee = params.statuses(status), params.level(level), params.text(assignee, "assignee")
    grid, q = params.division(grid, "grid"), params.text(q, "q")
    query = select(cases).where(case_scope(cases, user))
    if category:
        query = query.where(cases.c.category == category)
    if q:
        query = query.where(or_(*(contains(c, q) for c in (cases.c.title, cases.c.description, cases.c.serial,
                                                           cases.c.address))))
    if status:
        query = query.where(cases.c.status.in_(status))
    if level:
        query = query.where(cases.c.level == level)
    if grid:
        query = query.where(prefix_clause(cases.c.grid_code, grid))
    if assignee:
        query = query.where(cases.c.assignee == assignee)
    if overdue is not None:
        late = and_(cases.c.status.in_(UNFINISHED_STATUSES), cases.c.due_at < now_text())
        query = query.where(late if overdue else ~late)
    rows, nxt = page(conn, query, [cases.c.reported_at, cases.c.id], cursor, clamp_limit(limit), descending=True)
    return {"items": cases_out(conn, rows, user), "next_cursor": nxt}


def case_row(conn: Connection, user: dict, ref: str, *, lock: bool = False):
    """A case by UUID or serial, within scope; 404 otherwise. ``lock``: on PostgreSQL, hold the
    row until the transaction ends (SQLite's writer already holds the whole database)."""
    query = select(cases).where(or_(cases.c.id == ref, cases.c.serial == ref), case_scope(cases, user))
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=cases)
    row = conn.execute(query).first()
    if row is None:
        raise not_found("case")
    return row


def get_case(conn, user, ref: str) -> dict:
    row = case_row(conn, user, ref)
    return cases_out(conn, [row], user)[0]


# --- units and users (DESIGN §15) -----------------------------------------------------------

def unit_out(row) -> dict:
    return {"code": row.code, "name": row.name, "division": row.division, "kind": row.kind}


def _overlaps(code: str, scope: list[str]) -> bool:
    """A division code and a scope overlap: one lies within the other."""
    return any(code.startswith(s) or s.startswith(code) for s in scope)


def list_units(conn: Connection, user: dict, division: str | None = None, kind: str | None = None) -> list[dict]:
    """Units serving an area that overlaps the caller's scope; a unit user sees its own unit."""
    from server.db import units

    query = select(units).order_by(units.c.code)
    if user["role"] == "unit":
        query = query.where(units.c.code == (user.get("unit") or ""))
    if kind:
        query = query.where(units.c.kind == kind)
    out = []
    for row in conn.execute(query):
        if user["role"] != "unit" and not _overlaps(row.division, user["scope"]):
            continue
        if division and not _overlaps(row.division, [division]):
            continue
        out.append(unit_out(row))
    return out


def list_users(conn: Connection, user: dict, role: str | None = None, division: str | None = None) -> list[dict]:
    """Users who can be assigned within the caller's scope: their scope lies within it (or a
    unit user whose unit serves an area within it). A unit user sees nobody but itself."""
    from server.db import units, users

    unit_division = {r.code: r.division for r in conn.execute(select(units.c.code, units.c.division))}
    query = select(users.c.username, users.c.display_name, users.c.role, users.c.scope, users.c.unit)
    if role:
        query = query.where(users.c.role == role)
    out = []
    for row in conn.execute(query.order_by(users.c.username)):
        if user["role"] == "unit":
            if row.username != user["username"]:
                continue
        else:
            codes = [unit_division.get(row.unit, "")] if row.role == "unit" else json.loads(row.scope or "[]")
            codes = [c for c in codes if c]
            if not codes or not any(any(c.startswith(s) or s.startswith(c) for s in user["scope"]) for c in codes):
                continue
            if division and not any(c.startswith(division) or division.startswith(c) for c in codes):
                continue
        out.append({"username": row.username, "display_name": row.display_name, "role": row.role,
                    "scope": json.loads(row.scope or "[]"), "unit": row.unit})
    return out
