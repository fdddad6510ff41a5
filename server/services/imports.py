"""``POST /import/{kind}``: validated upserts of up to 5,000 rows in one transaction.

Rows are validated again here with ``schemas.rows`` (the client did too, but the server trusts
no one), then checked against the database: parents and grids that must exist, scope, one
household in one grid, duplicates inside the request. Lookups are set-based (one ``IN`` query
per 500 keys) and writes use executemany, so a request of 5,000 persons costs a handful of
statements, not thousands. A re-run of the same rows answers ``unchanged`` for each: imports are
idempotent, so an interrupted one is simply run again. Every record created or changed goes into
the change feed in the same transaction.

Each error is ``{index, field, code, message}``: ``index`` into the request's rows, ``code`` a
stable key (``schemas.rows.row_message`` / ``schemas.messages``) so a client can say it in its own
language, ``message`` already in the language the request asked for.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Float, Integer, String, bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from schemas import population
from schemas import rows as row_rules
from schemas.collector import collector_held
from schemas.ids import uuid7
from schemas.validators import CST, in_scope, level_of_code, parent_code
from server import auth, feed
from server.db import divisions, households, persons, units, users
from server.db import feed as feed_table
from server.errors import ApiProblem
from server.services import receipts

MAX_ROWS = 5000
_CHUNK = 500  # keys per IN (...): well under SQLite's and PostgreSQL's parameter limits


# One import transaction at a time. A batch reads what is stored (households by number, persons by
# ID number) and then writes what is missing: two batches doing so at once would both find a
# household missing and both insert it, and the second would fail on the unique number. gridctl
# keeps two batches of one file in flight (the next is parsed and checked while this one
# writes), and two admins may import at once. In a process a lock orders them; on PostgreSQL,
# with many server processes, a transaction-level advisory lock does (``_serialise``).
_one_import_at_a_time = threading.Lock()
_IMPORT_LOCK_KEY = 7_405_713_211  # pg_advisory_xact_lock key for imports (arbitrary, fixed; migrations use ...210)


def _serialise(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_IMPORT_LOCK_KEY})")


class _Rollback(Exception):
    """Raised to undo a dry run after everything was checked."""


def _chunked(items: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(conn: Connection, column, keys: Iterable[str | None], *cols) -> dict[str, Any]:
    """Rows whose ``column`` is one of ``keys``, by that key.

    Written as SQL for the driver when every column read is text or a number (no type of
    SQLAlchemy's to convert it): compiling an ``IN`` of 500 parameters costs more than running it.
    """
    keys = list(dict.fromkeys(k for k in keys if k))
    found: dict[str, Any] = {}
    table = column.table
    read = list(cols or table.columns)
    if not all(isinstance(c.type, _PLAIN) for c in read):
        for chunk in _chunked(keys):
            for row in conn.execute(select(*read).where(column.in_(chunk))):
                found[row._mapping[column.name]] = row
        return found
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    at = [c.name for c in read].index(column.name)
    head = f"SELECT {', '.join(c.name for c in read)} FROM {table.name} WHERE {column.name} IN "
    for chunk in _chunked(keys):
        for row in conn.exec_driver_sql(head + f"({', '.join([mark] * len(chunk))})", tuple(chunk)):
            found[row[at]] = row
    return found


_PLAIN = (String, Integer, Float)  # Text is a String


def _insert_many(conn: Connection, table, rows: list[dict]) -> None:
    """``INSERT`` of many rows through the driver's own executemany.

    SQLAlchemy's executemany processes every parameter of every row in Python (a third of an
    import's server time for 200,000 people); the driver binds tuples in C. Columns the rows do
    not name get their scalar default, as ``insert(table)`` would give them; a table with a
    computed default falls back to SQLAlchemy.
    """
    if rows:
        names = tuple(rows[0])
        _insert_rows(conn, table, names, [tuple(r[n] for n in names) for r in rows])


def _insert_rows(conn: Connection, table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """As ``_insert_many``, of tuples in the order of ``names``; on PostgreSQL through ``COPY``
    (an import of 50,000 people: 2.1 s of server CPU with executemany, 1.0 s with COPY)."""
    if not rows:
        return
    extra = []
    for col in table.columns:
        if col.name in names or col.default is None:
            continue
        if not col.default.is_scalar:
            conn.execute(insert(table), [dict(zip(names, r)) for r in rows])
            return
        extra.append((col.name, col.default.arg))
    columns = list(names) + [n for n, _ in extra]
    if extra:
        tail = tuple(v for _, v in extra)
        rows = [r + tail for r in rows]
    if conn.dialect.name == "postgresql":
        # COPY: the rows stream to the server as one command, not an INSERT each.
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)


class _big_cache:
    """SQLite's page cache raised to 64 MB for one import request, then put back. The default 2 MB
    cannot hold the persons indexes a batch touches, so every insert would reread pages of them;
    measured on 50,000 people: a quarter less database time."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.old = None

    def __enter__(self):
        if self.conn.dialect.name == "sqlite":
            self.old = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
            self.conn.exec_driver_sql("PRAGMA cache_size=-65536")
        return self

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            try:
                self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self.old)}")
            except Exception:  # the transaction is going down anyway; the pool resets the connection
                pass


def _uuid7s(n: int) -> list[str]:
    """``n`` UUIDv7 strings (as ``schemas.ids.uuid7``) for one request: one clock read and one
    call for randomness, then slicing text only (the 74 random bits are hex digits already)."""
    ms = f"{int(time.time() * 1000) & ((1 << 48) - 1):012x}"
    head = f"{ms[:8]}-{ms[8:]}-7"
    rand = os.urandom(10 * n).hex()
    variant = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}  # the top two bits are 10
    return [f"{head}{rand[i:i + 3]}-{variant[rand[i + 3]]}{rand[i + 4:i + 7]}-{rand[i + 7:i + 19]}"
            for i in range(0, 20 * n, 20)]


def _tags_json(tags: list[str] | None) -> str:
    # json.dumps's own text for a list of codes (plain identifiers: nothing to escape), built
    # without it; most rows have no tags at all.
    return '["' + '", "'.join(tags) + '"]' if tags else "[]"


class _Result:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.created = self.updated = self.unchanged = self.rejected = 0
        self.errors: list[dict] = []
        self.created_indexes: list[int] = []
        self.feed: list[tuple[str, str, str, int | None]] = []
        self.passwords: dict[str, str] = {}
        self.timings: dict[str, float] = {}

    def reject(self, index: int, problems: list[tuple[str | None, str, str]]) -> None:
        """One rejected row with one or more (field, code, message) problems."""
        self.rejected += 1
        self.errors += [{"index": index, "field": f, "code": c, "message": m} for f, c, m in problems]

    def error(self, index: int, field: str | None, message_code: str, /, clash: int | None = None,
              **params: Any) -> None:
        """``clash``: the index of the row of this request this one clashes with (a client that
        knows the rows' lines in its file names that line)."""
        self.reject(index, [(field, message_code, row_rules.row_message(message_code, self.lang, **params))])
        if clash is not None:
            self.errors[-1]["other"] = clash

    def created_row(self, index: int) -> None:
        self.created += 1
        self.created_indexes.append(index)

    def as_dict(self, dry_run: bool) -> dict:
        out = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
               "rejected": self.rejected, "errors": self.errors, "dry_run": dry_run,
               "created_indexes": self.created_indexes, "timings": self.timings}
        if self.passwords and not dry_run:
            out["passwords"] = self.passwords
        return out


def run(engine: Engine, user: dict, kind: str, rows: list[Any], dry_run: bool, lang: str = "en",
        key: str | None = None, columns: list[str] | None = None) -> dict:
    """Validated upserts of ``rows`` in one transaction: objects of column: value, or lists of values
    in the order of ``columns``. With ``key`` (the request's Idempotency-Key) a repeat of a
    committed request answers as the first did (server/services/receipts.py)."""
    if kind == "users":
        # Its answer may hold generated initial passwords, which are never kept at rest: no receipt.
        key = None
    try:
        with collector_held():  # a batch's rows make no reference cycles (schemas/collector.py)
            return _run(engine, user, kind, rows, dry_run, lang, key, columns)
    except receipts.Replay:
        answer = receipts.stored(engine, user, key)
        if answer is None:  # the first was a dry run: nothing was kept, and doing it again is harmless
            return _run(engine, user, kind, rows, dry_run, lang, None, columns)
        return answer


def _timings(started: float, validated: float, waited: float = 0.0) -> dict:
    """Where the request's time went (the client's bench adds them up): validation, waiting for the
    import before it to commit, database."""
    return {"validate": round(validated - started, 4), "wait": round(waited, 4),
            "database": round(time.perf_counter() - validated - waited, 4)}


def _run(engine: Engine, user: dict, kind: str, rows: list[Any], dry_run: bool, lang: str, key: str | None,
         columns: list[str] | None) -> dict:
    if kind not in row_rules.KINDS:
        raise ApiProblem(404, "Not Found", f"unknown import kind {kind!r}; use one of: {', '.join(row_rules.KINDS)}",
                         code="not_found")
    if len(rows) > MAX_ROWS:
        raise ApiProblem(413, "Payload Too Large", f"at most {MAX_ROWS} rows per request; send the rest in further requests",
                         code="too_many_rows", errors=[{"field": "rows", "message": f"at most {MAX_ROWS} rows"}])
    started = time.perf_counter()
    result = _Result(lang)
    good: list[tuple[int, dict]] = []
    by_values = row_rules.values_checker(kind, columns, lang) if columns is not None else None
    width = len(columns) if columns is not None else 0
    for index, raw in enumerate(rows):
        if type(raw) is list and by_values is not None:
            if len(raw) != width:
                result.error(index, None, "row.width", count=len(raw), expected=width)
                continue
            clean, problems = by_values(raw)
        elif not isinstance(raw, dict):
            result.error(index, None, "row.not_object")
            continue
        else:
            clean, problems = row_rules.validate_row_coded(kind, raw, lang)
        if problems:
            result.reject(index, problems)
            continue
        good.append((index, clean))
    validated = time.perf_counter()
    prepared = _PREPARE.get(kind, lambda *_: None)(engine, good, result, dry_run)
    waited, queued = 0.0, time.perf_counter()
    try:
        with _one_import_at_a_time, engine.begin() as conn, _big_cache(conn):
            _serialise(conn)
            waited = time.perf_counter() - queued
            if key and not dry_run:
                receipts.claim(conn, user, key, kind)  # first: a repeat waits here for this one
            _IMPORTERS[kind](conn, user, good, result, prepared)
            # New records (version 1) have no feed row yet: a plain insert, as feed.record_many
            # would do; records that changed go through it for their tombstones.
            _insert_rows(conn, feed_table, ("entity", "entity_id", "grid_code", "version", "deleted"),
                         [(e, i, g, 1, False) for e, i, g, v in result.feed if v == 1])
            feed.record_many(conn, [f for f in result.feed if f[3] != 1])
            if dry_run:
                raise _Rollback
            result.errors.sort(key=lambda e: e["index"])
            if key:  # its answer, timings included, is the one a repeat is given
                result.timings = _timings(started, validated, waited)
                receipts.store(conn, user, key, result.as_dict(dry_run))
    except _Rollback:
        pass
    if not result.timings:
        result.timings = _timings(started, validated, waited)
    result.errors.sort(key=lambda e: e["index"])
    return result.as_dict(dry_run)


# --- divisions and grids -----------------------------------------------------------------------

def _import_divisions(conn: Connection, user: dict, good: list, result: _Result, _prepared=None, *,
                      grids: bool = False) -> None:
    existing = _existing(conn, divisions.c.code, [c["code"] for _, c in good])
    known = set(existing) | set(_existing(conn, divisions.c.code, [parent_code(c["code"]) for _, c in good],
                                          divisions.c.code))
    inserts, updates, seen = [], [], {}  # key -> its row's index: a duplicate names the first
    for index, row in good:
        code = row["code"]
        parent = parent_code(code)
        # An admin may also name the divisions above their scope (the county's own code, say).
        if not (in_scope(code, user["scope"]) or any(s.startswith(code) for s in user["scope"])):
            result.error(index, "code", "import.outside_scope", code=code)
            continue
        if code in seen:
            result.error(index, "code", "import.duplicate", clash=seen[code], value=code)
            continue
        if parent and parent not in known:
            result.error(index, "code", "import.parent_missing", parent=parent)
            continue
        seen[code] = index
        known.add(code)
        old = existing.get(code)
        kind = row["kind"] if grids else (old.kind if old is not None else None)
        if old is None:
            inserts.append({"code": code, "name": row["name"], "level": level_of_code(code), "parent": parent,
                            "kind": kind})
            result.created_row(index)
            result.feed.append(("division", code, code, 1))  # version 1: a new feed row
            continue
        if old.name == row["name"] and old.kind == kind:
            result.unchanged += 1
            continue
        updates.append({"b_code": code, "name": row["name"], "kind": kind})
        result.updated += 1
        result.feed.append(("division", code, code, None))  # replaces the division's feed row
    if inserts:
        conn.execute(insert(divisions), inserts)
    if updates:
        conn.execute(update(divisions).where(divisions.c.code == bindparam("b_code"))
                     .values(name=bindparam("name"), kind=bindparam("kind")), updates)


def _import_grids(conn, user, good, result, prepared=None) -> None:
    _import_divisions(conn, user, good, result, grids=True)


# --- users -------------------------------------------------------------------------------------

def _prepare_users(engine: Engine, good: list, result: _Result, dry_run: bool) -> dict[str, tuple[str | None, str]]:
    """Password hashes of the accounts the request will create, made before the write transaction.

    scrypt costs ~30 ms a hash by design; hashing in threads (hashlib releases the GIL) on every
    core and outside the transaction keeps the database free for others meanwhile. A dry run
    hashes nothing.
    """
    if dry_run:
        return {}
    with engine.connect() as conn:
        existing = set(_existing(conn, users.c.username, [r["username"] for _, r in good], users.c.username))
    new = {r["username"]: r.get("password") for _, r in good if r["username"] not in existing}
    plain = {name: given or secrets.token_urlsafe(9) for name, given in new.items()}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = dict(zip(plain, pool.map(auth.hash_password, plain.values())))
    return {name: (None if new[name] else plain[name], hashes[name]) for name in plain}


def _import_users(conn: Connection, user: dict, good: list, result: _Result, prepared: dict) -> None:
    existing = _existing(conn, users.c.username, [r["username"] for _, r in good])
    known = set(_existing(conn, divisions.c.code, {c for _, r in good for c in r["scope"]}, divisions.c.code))
    unit_division = dict(conn.execute(select(units.c.code, units.c.division)
                                      .where(units.c.code.in_({r["unit"] for _, r in good if r.get("unit")}))).all())
    inserts, updates, seen = [], [], {}  # key -> its row's index: a duplicate names the first
    created_at = auth.format_time(auth.now())
    for index, row in good:
        missing = [c for c in row["scope"] if c not in known]
        if missing:
            result.error(index, "scope", "import.division_unknown", code=missing[0])
            continue
        if row.get("unit"):
            if row["unit"] not in unit_division:
                result.error(index, "unit", "import.unit_unknown", code=row["unit"])
                continue
            if not in_scope(unit_division[row["unit"]], user["scope"]):
                result.error(index, "unit", "import.outside_scope", code=row["unit"])
                continue
        outside = [c for c in row["scope"] if not in_scope(c, user["scope"])]
        if outside:
            result.error(index, "scope", "import.outside_scope", code=outside[0])
            continue
        if row["username"] in seen:
            result.error(index, "username", "import.duplicate", clash=seen[row["username"]], value=row["username"])
            continue
        seen[row["username"]] = index
        scope_json = json.dumps(row["scope"])
        old = existing.get(row["username"])
        if old is not None:
            # An existing account keeps its password: a re-run must not lock its owner out.
            if (old.display_name, old.role, old.scope, old.phone, old.unit) == (
                    row["display_name"], row["role"], scope_json, row["phone"], row.get("unit")):
                result.unchanged += 1
            else:
                updates.append({"b_username": row["username"], "display_name": row["display_name"], "role": row["role"],
                                "scope": scope_json, "phone": row["phone"], "unit": row.get("unit")})
                result.updated += 1
            continue
        shown, password_hash = prepared.get(row["username"]) or (None, "!dry-run")
        if shown:
            result.passwords[row["username"]] = shown
        inserts.append({"username": row["username"], "display_name": row["display_name"], "role": row["role"],
                        "scope": scope_json, "phone": row["phone"], "password_hash": password_hash,
                        "created_at": created_at, "unit": row.get("unit")})
        result.created_row(index)
    if inserts:
        conn.execute(insert(users), inserts)
    if updates:
        conn.execute(update(users).where(users.c.username == bindparam("b_username")).values(
            display_name=bindparam("display_name"), role=bindparam("role"), scope=bindparam("scope"),
            phone=bindparam("phone"), unit=bindparam("unit")), updates)


def _import_units(conn: Connection, user: dict, good: list, result: _Result, _prepared=None) -> None:
    """Units (DESIGN §15): their division must exist and lie in the importer's scope."""
    existing = _existing(conn, units.c.code, [r["code"] for _, r in good])
    known = set(_existing(conn, divisions.c.code, {r["division"] for _, r in good}, divisions.c.code))
    inserts, updates, seen = [], [], {}  # key -> its row's index: a duplicate names the first
    for index, row in good:
        if row["division"] not in known:
            result.error(index, "division", "import.division_unknown", code=row["division"])
            continue
        if not in_scope(row["division"], user["scope"]):
            result.error(index, "division", "import.outside_scope", code=row["division"])
            continue
        if row["code"] in seen:
            result.error(index, "code", "import.duplicate", clash=seen[row["code"]], value=row["code"])
            continue
        seen[row["code"]] = index
        old = existing.get(row["code"])
        values = {"name": row["name"], "division": row["division"], "kind": row["kind"]}
        if old is None:
            inserts.append({"code": row["code"], **values})
            result.created_row(index)
        elif (old.name, old.division, old.kind) == (row["name"], row["division"], row["kind"]):
            result.unchanged += 1
        else:
            updates.append({"b_code": row["code"], **values})
            result.updated += 1
    if inserts:
        conn.execute(insert(units), inserts)
    if updates:
        conn.execute(update(units).where(units.c.code == bindparam("b_code")).values(
            name=bindparam("name"), division=bindparam("division"), kind=bindparam("kind")), updates)


# --- households and persons --------------------------------------------------------------------

def _grid_problem(result: _Result, index: int, code: str, grids_known: set[str], user: dict) -> bool:
    if code not in grids_known:
        result.error(index, "grid_code", "import.grid_unknown", code=code)
        return True
    if not in_scope(code, user["scope"]):
        result.error(index, "grid_code", "import.outside_scope", code=code)
        return True
    return False


def _known_grids(conn: Connection, good: list) -> set[str]:
    found = _existing(conn, divisions.c.code, [r["grid_code"] for _, r in good], divisions.c.code, divisions.c.level)
    return {code for code, row in found.items() if row.level == "grid"}


def _import_households(conn: Connection, user: dict, good: list, result: _Result, _prepared=None) -> None:
    grids_known = _known_grids(conn, good)
    existing = _existing(conn, households.c.household_no, [r["household_no"] for _, r in good])
    inserts, updates, moved, seen = [], [], {}, {}
    for index, row in good:
        if _grid_problem(result, index, row["grid_code"], grids_known, user):
            continue
        if row["household_no"] in seen:
            result.error(index, "household_no", "import.duplicate", clash=seen[row["household_no"]], value=row["household_no"])
            continue
        seen[row["household_no"]] = index
        old = existing.get(row["household_no"])
        values = {"grid_code": row["grid_code"], "address": row["address"], "lat": row.get("lat"), "lon": row.get("lon")}
        if old is None:
            hid = uuid7()
            inserts.append({"id": hid, "household_no": row["household_no"], "version": 1, "head_person_id": None, **values})
            result.created_row(index)
            result.feed.append(("household", hid, row["grid_code"], 1))
            continue
        if not in_scope(old.grid_code, user["scope"]):
            result.error(index, "household_no", "import.household_elsewhere", household_no=row["household_no"])
            continue
        if all(getattr(old, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        updates.append({"b_id": old.id, "version": old.version + 1, **values})
        result.updated += 1
        result.feed.append(("household", old.id, row["grid_code"], old.version + 1))
        if old.grid_code != row["grid_code"]:
            moved[old.id] = row["grid_code"]
    if inserts:
        conn.execute(insert(households), inserts)
    if updates:
        conn.execute(update(households).where(households.c.id == bindparam("b_id")).values(
            grid_code=bindparam("grid_code"), address=bindparam("address"), lat=bindparam("lat"),
            lon=bindparam("lon"), version=bindparam("version")), updates)
    if moved:
        _move_members(conn, moved, result)


def _move_members(conn: Connection, moved: dict[str, str], result: _Result) -> None:
    """People follow their household into its new grid: scope is decided by a record's own grid
    code, so a member left behind would stay visible to the old grid's worker only."""
    members = []
    for chunk in _chunked(list(moved)):
        members += conn.execute(select(persons.c.id, persons.c.household_id, persons.c.version)
                                .where(persons.c.household_id.in_(chunk))).all()
    if not members:
        return
    conn.execute(update(persons).where(persons.c.id == bindparam("b_id")).values(
        grid_code=bindparam("grid_code"), version=bindparam("version")),
        [{"b_id": m.id, "grid_code": moved[m.household_id], "version": m.version + 1} for m in members])
    result.feed += [("person", m.id, moved[m.household_id], m.version + 1) for m in members]


PERSON_COLUMNS = ("name", "sex", "birth_date", "relation_to_head", "phone", "tags", "residence", "care_level")
# DESIGN 17 columns: an empty cell keeps what is stored (a register from elsewhere has none of
# them), a filled one sets it; the risk level goes when the severe_mental tag goes.
LIFE_COLUMNS = ("key_person_type", "status", "moved_to", "status_date", "risk_level")
# The columns of a new person's and a new household's insert, every one given: the rows go to
# the driver as they are built, without a tuple more per row for a default.
_NEW_PERSON_NAMES = ("id", "household_id", "grid_code", "id_number", "version") + PERSON_COLUMNS + LIFE_COLUMNS \
    + ("followed_since",)
_HOME_NAMES = ("id", "household_no", "grid_code", "address", "lat", "lon", "head_person_id", "version")


def _life_values(row: dict, old) -> dict:
    values = {k: row.get(k) if row.get(k) is not None else (getattr(old, k) if old is not None else None)
              for k in LIFE_COLUMNS}
    values["status"] = values["status"] or "active"
    if "severe_mental" not in (row.get("tags") or []):
        values["risk_level"] = None
    return values


def _import_persons(conn: Connection, user: dict, good: list, result: _Result, _prepared=None) -> None:
    """Persons make or match their household by number. A row is judged against rows that were
    valid themselves: an unknown grid rejects its own row and never claims the household for the
    rows of it that are good (issue 8 item 9). One head per household (DESIGN 17): a second head
    is refused unless the old head's relation changes in the same request."""
    grids_known = _known_grids(conn, good)
    homes = _existing(conn, households.c.household_no, [r["household_no"] for _, r in good])
    people = _existing(conn, persons.c.id_number, [r["id_number"] for _, r in good])
    stored_heads = _existing(conn, persons.c.id, [h.head_person_id for h in homes.values()],
                             persons.c.id, persons.c.id_number, persons.c.name)
    # Each grid once: unknown, outside the scope, or fine (None).
    grid_problem = {g: ("import.grid_unknown" if g not in grids_known else
                        None if in_scope(g, user["scope"]) else "import.outside_scope")
                    for g in {r["grid_code"] for _, r in good}}
    # Rows that may stand: their grid exists and is ours. Their relation decides who is demoted.
    fit = [(i, r) for i, r in good if grid_problem[r["grid_code"]] is None]
    demoted = {r["id_number"] for _, r in fit
               if r.get("relation_to_head") != "head" or (r.get("status") or "active") != "active"}
    # household_no -> (head's id number, index of its row here or None when stored) or None
    head_of: dict[str, tuple[str, int | None] | None] = {}
    for number, home in homes.items():
        head = stored_heads.get(home.head_person_id) if home.head_person_id else None
        head_of[number] = (head.id_number, None) if head is not None and head.id_number not in demoted else None
    pid_of: dict[str, str] = {p.id_number: p.id for p in stored_heads.values()}
    # household_no -> a new household as the list of its insert's values (_HOME_NAMES): its head
    # is filled in at the end.
    new_homes: dict[str, list] = {}
    first_row: dict[str, int] = {}  # household_no -> index of its first accepted row
    left: dict[str, str] = {}  # person id -> household id they left (they may have been its head)
    person_inserts, person_updates, seen = [], [], {}
    changed: list[tuple] = []  # (person id, grid, stored row, new values, household id): their history
    new_ids = iter(_uuid7s(len(good) + len({r["household_no"] for _, r in good})))
    today = datetime.now(CST).date()
    since_today, followed = today.isoformat(), population.FOLLOWED_TAGS
    for index, row in good:
        grid, number, idn = row["grid_code"], row["household_no"], row["id_number"]
        problem = grid_problem[grid]
        if problem is not None:
            result.error(index, "grid_code", problem, code=grid)
            continue
        if idn in seen:
            result.error(index, "id_number", "import.duplicate", clash=seen[idn], value=idn)
            continue
        home = homes.get(number)
        new_home = new_homes.get(number)
        home_grid = new_home[2] if new_home else home.grid_code if home else grid
        if home_grid != grid:
            result.error(index, "grid_code", "import.household_split", clash=first_row.get(number),
                         household_no=number, grid=home_grid, other=grid)
            continue
        old = people.get(idn)
        if old is not None and not in_scope(old.grid_code, user["scope"]):
            result.error(index, "id_number", "import.person_elsewhere")
            continue
        head = head_of.get(number)
        # Someone who died or moved out (DESIGN 17) keeps the relation they had and claims no
        # headship: an export that carries them goes back in unchanged.
        life = _life_values(row, old)
        is_head = row.get("relation_to_head") == "head" and life["status"] == "active"
        if is_head and head is not None and head[0] != idn:
            result.error(index, "relation_to_head", "import.second_head", clash=head[1], household_no=number)
            continue
        if is_head:
            head_of[number] = (idn, index)
        elif head is not None and head[0] == idn:
            head_of[number] = None
        seen[idn] = index
        first_row.setdefault(number, index)
        if home is None and new_home is None:
            new_home = new_homes[number] = [next(new_ids), number, grid, row["address"], None, None, None, 1]
        home_id = new_home[0] if new_home else home.id
        if old is None:
            # A new person: straight to the insert's tuple (the commonest row of a big import).
            pid = next(new_ids)
            person_inserts.append((pid, home_id, grid, idn, 1, row["name"], row["sex"], row["birth_date"],
                                   row["relation_to_head"], row["phone"], _tags_json(row["tags"]),
                                   row["residence"], row["care_level"], life["key_person_type"], life["status"],
                                   life["moved_to"], life["status_date"], life["risk_level"],
                                   # population.followed_since for a new person, without a
                                   # call per row of the commonest row of a big import
                                   None if followed.isdisjoint(row["tags"] or ()) else since_today))
            result.created_row(index)
            result.feed.append(("person", pid, grid, 1))
            pid_of[idn] = pid
            continue
        values = {k: row.get(k) for k in PERSON_COLUMNS}
        values["tags"] = _tags_json(values["tags"])
        values.update(life)
        values["followed_since"] = population.followed_since(json.loads(old.tags or "[]"), row["tags"] or (),
                                                             old.followed_since, today)
        if old.household_id == home_id and old.grid_code == grid and all(
                _same(k, getattr(old, k), v) for k, v in values.items()):
            pid = old.id
            result.unchanged += 1
        else:
            pid = old.id
            if old.household_id != home_id:
                left[pid] = old.household_id
            person_updates.append({"b_id": old.id, "household_id": home_id, "grid_code": grid,
                                   "version": old.version + 1, **values})
            changed.append((old.id, grid, old, values, home_id))
            result.updated += 1
            result.feed.append(("person", old.id, grid, old.version + 1))
        pid_of[idn] = pid
    # Each household's head as the request leaves it.
    head_updates = []
    for number, head in head_of.items():
        head_id = pid_of.get(head[0]) if head else None
        if number in new_homes:
            new_homes[number][6] = head_id
        elif number in homes and homes[number].head_person_id != head_id:
            home = homes[number]
            head_updates.append({"b_id": home.id, "head": head_id, "version": home.version + 1})
            result.feed.append(("household", home.id, home.grid_code, home.version + 1))
    for home in new_homes.values():
        result.feed.append(("household", home[0], home[2], 1))
    if left:
        # A head who moved to another household leaves the old one without a head.
        # (its own name: ``changed`` above holds the people whose history is written below)
        reheaded = {u["b_id"] for u in head_updates}
        for chunk in _chunked(list(left)):
            for h in conn.execute(select(households.c.id, households.c.version, households.c.grid_code,
                                         households.c.head_person_id).where(households.c.head_person_id.in_(chunk))):
                if h.id == left.get(h.head_person_id) and h.id not in reheaded:
                    head_updates.append({"b_id": h.id, "head": None, "version": h.version + 1})
                    result.feed.append(("household", h.id, h.grid_code, h.version + 1))
    _insert_rows(conn, households, _HOME_NAMES, list(map(tuple, new_homes.values())))
    if head_updates:
        conn.execute(update(households).where(households.c.id == bindparam("b_id")).values(
            head_person_id=bindparam("head"), version=bindparam("version")), head_updates)
    _insert_rows(conn, persons, _NEW_PERSON_NAMES, person_inserts)
    if person_updates:
        conn.execute(update(persons).where(persons.c.id == bindparam("b_id")).values(
            household_id=bindparam("household_id"), grid_code=bindparam("grid_code"), version=bindparam("version"),
            **{k: bindparam(k) for k in PERSON_COLUMNS + LIFE_COLUMNS + ("followed_since",)}), person_updates)
        # DESIGN 17: who changed whom, and what, whether by command or by file (probe13: a death
        # recorded by import left no history). Only changed people: an import of new ones adds none.
        from server.services import lifecycle

        lifecycle.record_many(conn, user, [
            (pid, grid, dict(old._mapping), {**old._mapping, **values, "household_id": home_id})
            for pid, grid, old, values, home_id in changed])


def _same(column: str, stored: Any, value: Any) -> bool:
    if stored == value:
        return True
    if column == "tags" and stored:
        # Tags written by other paths may be JSON with other spacing, or in another order (a
        # command's --tag flags, a file's 残疾人|留守儿童): the same tags are no change.
        from server.services.lifecycle import same_tags

        return same_tags(stored, value)
    return False


_PREPARE = {"users": _prepare_users}
_IMPORTERS = {"divisions": _import_divisions, "grids": _import_grids, "users": _import_users,
              "households": _import_households, "persons": _import_persons, "units": _import_units}
