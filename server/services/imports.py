"""``POST /import/{kind}``: validated upserts of up to 5,000 rows in one transaction.

Rows are validated again here with ``schemas.rows`` (the client did too, but the server trusts
no one). Lookups are set-based (one ``IN`` query per 500 keys) and writes use executemany, so a
request of 5,000 persons costs a handful of statements, not thousands. A re-run of the same rows
answers ``unchanged`` for each: imports are idempotent, so an interrupted one is simply run again.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Iterable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from schemas import rows as row_rules
from schemas.ids import uuid7
from schemas.validators import in_scope, level_of_code, parent_code
from server import auth, feed
from server.db import divisions, households, persons, users
from server.errors import ApiProblem

MAX_ROWS = 5000


class _Rollback(Exception):
    """Raised to undo a dry run after everything was checked."""


def _chunked(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(conn: Connection, column, keys: Iterable[str], *cols) -> dict[str, Any]:
    keys = list(dict.fromkeys(k for k in keys if k))
    found: dict[str, Any] = {}
    table = column.table
    for chunk in _chunked(keys):
        for row in conn.execute(select(*(cols or (table,))).where(column.in_(chunk))):
            found[row._mapping[column.name]] = row
    return found


class _Result:
    def __init__(self) -> None:
        self.created = self.updated = self.unchanged = self.rejected = 0
        self.errors: list[dict] = []
        self.created_indexes: list[int] = []
        self.feed: list[tuple[str, str, str, int]] = []
        self.passwords: dict[str, str] = {}

    def error(self, index: int, field: str | None, message: str) -> None:
        self.rejected += 1
        self.errors.append({"index": index, "field": field, "message": message})

    def as_dict(self, dry_run: bool) -> dict:
        out = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
               "rejected": self.rejected, "errors": self.errors, "dry_run": dry_run,
               "created_indexes": self.created_indexes}
        if self.passwords and not dry_run:
            out["passwords"] = self.passwords
        return out


def run(engine: Engine, user: dict, kind: str, rows: list[dict], dry_run: bool, lang: str = "en") -> dict:
    if kind not in row_rules.KINDS:
        raise ApiProblem(404, "Not Found", f"unknown import kind {kind!r}; use one of: {', '.join(row_rules.KINDS)}",
                         code="not_found")
    if len(rows) > MAX_ROWS:
        raise ApiProblem(413, "Payload Too Large", f"at most {MAX_ROWS} rows per request", code="too_many_rows",
                         errors=[{"field": "rows", "message": f"at most {MAX_ROWS} rows"}])
    result = _Result()
    good: list[tuple[int, dict]] = []
    for index, raw in enumerate(rows):
        if not isinstance(raw, dict):
            result.error(index, None, "a row must be an object")
            continue
        clean, problems = row_rules.validate_row(kind, {k: v for k, v in raw.items()}, lang)
        if problems:
            result.rejected += 1
            for field, message in problems:
                result.errors.append({"index": index, "field": field, "message": message})
            continue
        good.append((index, clean))
    try:
        with engine.begin() as conn:
            _IMPORTERS[kind](conn, user, good, result)
            feed.record_many(conn, result.feed)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result.as_dict(dry_run)


def _scope_error(result: _Result, index: int, field: str, code: str) -> None:
    result.error(index, field, f"{code} is outside your scope")


def _import_divisions(conn: Connection, user: dict, good: list, result: _Result, *, grids: bool = False) -> None:
    existing = _existing(conn, divisions.c.code, [c["code"] for _, c in good])
    parents = _existing(conn, divisions.c.code, [parent_code(c["code"]) for _, c in good])
    known = set(existing) | set(parents)
    inserts, updates = [], []
    for index, row in good:
        code = row["code"]
        level = level_of_code(code)
        parent = parent_code(code)
        if not (in_scope(code, user["scope"]) or any(s.startswith(code) for s in user["scope"])):
            _scope_error(result, index, "code", code)
            continue
        if parent and parent not in known:
            result.error(index, "code", f"parent division {parent} does not exist; import it first or earlier in the file")
            continue
        kind = row.get("kind") if grids else (existing[code].kind if code in existing else None)
        if code in existing:
            old = existing[code]
            if old.name == row["name"] and (not grids or old.kind == kind):
                result.unchanged += 1
                continue
            updates.append({"b_code": code, "name": row["name"], "kind": kind})
            result.updated += 1
        else:
            inserts.append({"code": code, "name": row["name"], "level": level, "parent": parent, "kind": kind})
            result.created += 1
            result.created_indexes.append(index)
        known.add(code)
        # Version 1 marks a new feed row; an update replaces the division's existing one.
        result.feed.append(("division", code, code, None if code in existing else 1))
    if inserts:
        conn.execute(insert(divisions), inserts)
    if updates:
        conn.execute(update(divisions).where(divisions.c.code == bindparam("b_code"))
                     .values(name=bindparam("name"), kind=bindparam("kind")), updates)


def _import_grids(conn, user, good, result) -> None:
    _import_divisions(conn, user, good, result, grids=True)


def _import_users(conn: Connection, user: dict, good: list, result: _Result) -> None:
    existing = _existing(conn, users.c.username, [r["username"] for _, r in good])
    scope_codes = {c for _, r in good for c in r["scope"]}
    known = set(_existing(conn, divisions.c.code, scope_codes))
    inserts, updates, seen = [], [], set()
    for index, row in good:
        missing = [c for c in row["scope"] if c not in known]
        if missing:
            result.error(index, "scope", f"division {missing[0]} does not exist")
            continue
        outside = [c for c in row["scope"] if not in_scope(c, user["scope"])]
        if outside:
            _scope_error(result, index, "scope", outside[0])
            continue
        if row["username"] in seen:
            result.error(index, "username", "the same username appears twice in this request")
            continue
        seen.add(row["username"])
        scope_json = json.dumps(row["scope"])
        old = existing.get(row["username"])
        if old is not None:
            if (old.display_name, old.role, old.scope, old.phone) == (row["display_name"], row["role"], scope_json, row["phone"]):
                result.unchanged += 1
            else:
                updates.append({"b_username": row["username"], "display_name": row["display_name"], "role": row["role"],
                                "scope": scope_json, "phone": row["phone"]})
                result.updated += 1
            continue  # an existing account keeps its password
        password = row.get("password") or secrets.token_urlsafe(9)
        if not row.get("password"):
            result.passwords[row["username"]] = password
        inserts.append({"username": row["username"], "display_name": row["display_name"], "role": row["role"],
                        "scope": scope_json, "phone": row["phone"], "password_hash": auth.hash_password(password),
                        "created_at": auth.format_time(auth.now())})
        result.created += 1
        result.created_indexes.append(index)
    if inserts:
        conn.execute(insert(users), inserts)
    if updates:
        conn.execute(update(users).where(users.c.username == bindparam("b_username")).values(
            display_name=bindparam("display_name"), role=bindparam("role"), scope=bindparam("scope"),
            phone=bindparam("phone")), updates)


def _grid_problem(code: str, grids_known: set[str], user: dict) -> str | None:
    if code not in grids_known:
        return f"grid {code} does not exist; import grids first"
    if not in_scope(code, user["scope"]):
        return f"{code} is outside your scope"
    return None


def _import_households(conn: Connection, user: dict, good: list, result: _Result) -> None:
    grids_known = set(_existing(conn, divisions.c.code, [r["grid_code"] for _, r in good], divisions.c.code))
    existing = _existing(conn, households.c.household_no, [r["household_no"] for _, r in good])
    inserts, updates, seen = [], [], set()
    for index, row in good:
        problem = _grid_problem(row["grid_code"], grids_known, user)
        if problem:
            result.error(index, "grid_code", problem)
            continue
        if row["household_no"] in seen:
            result.error(index, "household_no", "the same household number appears twice in this request")
            continue
        seen.add(row["household_no"])
        old = existing.get(row["household_no"])
        values = {"grid_code": row["grid_code"], "address": row["address"], "lat": row.get("lat"), "lon": row.get("lon")}
        if old is None:
            hid = uuid7()
            inserts.append({"id": hid, "household_no": row["household_no"], "version": 1, "head_person_id": None, **values})
            result.created += 1
            result.created_indexes.append(index)
            result.feed.append(("household", hid, row["grid_code"], 1))
            continue
        if not in_scope(old.grid_code, user["scope"]):
            result.error(index, "household_no", f"household {row['household_no']} belongs to another scope")
            continue
        if all(getattr(old, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        updates.append({"b_id": old.id, "version": old.version + 1, **values})
        result.updated += 1
        result.feed.append(("household", old.id, row["grid_code"], old.version + 1))
    if inserts:
        conn.execute(insert(households), inserts)
    if updates:
        conn.execute(update(households).where(households.c.id == bindparam("b_id")).values(
            grid_code=bindparam("grid_code"), address=bindparam("address"), lat=bindparam("lat"),
            lon=bindparam("lon"), version=bindparam("version")), updates)


PERSON_COLUMNS = ("name", "sex", "birth_date", "relation_to_head", "phone", "tags", "residence", "care_level")


def _import_persons(conn: Connection, user: dict, good: list, result: _Result) -> None:
    grids_known = set(_existing(conn, divisions.c.code, [r["grid_code"] for _, r in good], divisions.c.code))
    homes = _existing(conn, households.c.household_no, [r["household_no"] for _, r in good])
    people = _existing(conn, persons.c.id_number, [r["id_number"] for _, r in good])
    new_homes: dict[str, dict] = {}
    person_inserts, person_updates, seen = [], [], set()
    for index, row in good:
        problem = _grid_problem(row["grid_code"], grids_known, user)
        if problem:
            result.error(index, "grid_code", problem)
            continue
        if row["id_number"] in seen:
            result.error(index, "id_number", "the same ID number appears twice in this request")
            continue
        home = homes.get(row["household_no"]) or new_homes.get(row["household_no"])
        if home is None:
            home = {"id": uuid7(), "household_no": row["household_no"], "grid_code": row["grid_code"],
                    "address": row["address"], "lat": None, "lon": None, "head_person_id": None, "version": 1}
            new_homes[row["household_no"]] = home
            result.feed.append(("household", home["id"], row["grid_code"], 1))
        home_grid = home["grid_code"] if isinstance(home, dict) else home.grid_code
        home_id = home["id"] if isinstance(home, dict) else home.id
        if home_grid != row["grid_code"]:
            result.error(index, "grid_code",
                         f"household {row['household_no']} is in grid {home_grid}, not {row['grid_code']}: "
                         "one household cannot be split across two grids")
            continue
        seen.add(row["id_number"])
        values = {k: row.get(k) for k in PERSON_COLUMNS}
        values["tags"] = json.dumps(values["tags"] or [])
        old = people.get(row["id_number"])
        if old is None:
            pid = uuid7()
            person_inserts.append({"id": pid, "household_id": home_id, "grid_code": row["grid_code"],
                                   "id_number": row["id_number"], "key_person_type": None, "version": 1, **values})
            if isinstance(home, dict) and row.get("relation_to_head") == "head":
                home["head_person_id"] = pid
            result.created += 1
            result.created_indexes.append(index)
            result.feed.append(("person", pid, row["grid_code"], 1))
            continue
        if not in_scope(old.grid_code, user["scope"]):
            result.error(index, "id_number", "this person is registered outside your scope")
            continue
        if old.household_id == home_id and all(getattr(old, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        person_updates.append({"b_id": old.id, "household_id": home_id, "grid_code": row["grid_code"],
                               "version": old.version + 1, **values})
        result.updated += 1
        result.feed.append(("person", old.id, row["grid_code"], old.version + 1))
    if new_homes:
        conn.execute(insert(households), list(new_homes.values()))
    if person_inserts:
        conn.execute(insert(persons), person_inserts)
    if person_updates:
        conn.execute(update(persons).where(persons.c.id == bindparam("b_id")).values(
            household_id=bindparam("household_id"), grid_code=bindparam("grid_code"), version=bindparam("version"),
            **{k: bindparam(k) for k in PERSON_COLUMNS}), person_updates)


_IMPORTERS = {"divisions": _import_divisions, "grids": _import_grids, "users": _import_users,
              "households": _import_households, "persons": _import_persons}
