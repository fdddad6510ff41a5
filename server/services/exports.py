"""``GET /export/{kind}``: the register in bulk, streamed, for ``gridctl export`` (DESIGN 7b).

The paged list endpoints answer a screen: a page of 1,000 validated models and a cursor. An export
of 200,000 people through them is 200 requests, 200,000 pydantic models and a second walk for the
households' numbers. This endpoint is one scoped query (the scope in the WHERE clause, as
everywhere), persons joined to their household's number and address, read in chunks and sent as
JSON lines: first ``{"columns": [...], "filters": [...]}`` (the list filters applied: q, tag,
household), then one line per chunk holding a list of rows (lists in the order of the columns);
last ``{"rows": n}``, so that a client can tell a whole export from a connection that broke.
Persons' rows are made as JSON text by the database itself (below); other kinds, and persons on
other databases, with one ``json.dumps`` per 2,000 rows.

Masking is decided here: ID numbers are masked for everyone but an admin, and for an admin too
unless ``reveal``; phones are masked unless ``reveal``; special-population data (DESIGN 17) are
left out unless ``reveal``. ``reveal`` is an admin's alone (403 otherwise).
"""

from __future__ import annotations

import json
from typing import Iterator

from sqlalchemy import JSON, Integer, String, and_, case, cast, func, literal, literal_column, null, or_, select
from sqlalchemy.engine import Engine

from schemas import population
from schemas.codes import KEY_PERSON_TYPES
from schemas.validators import mask_id_number, mask_phone
from server.db import divisions, households, persons
from server.scope import prefix_clause, scope_clause

KINDS = ("divisions", "grids", "households", "persons")
# The list endpoints' filters an export takes too (besides grid), as they filter there.
FILTERS = {"divisions": set(), "grids": set(), "households": {"q", "tag"}, "persons": {"q", "tag", "household"}}
CHUNK = 2000

COLUMNS = {
    "divisions": ["code", "name", "level", "parent"],
    "grids": ["code", "name", "kind", "parent"],
    "households": ["household_no", "grid_code", "address", "lat", "lon", "id", "head_person_id", "version"],
    "persons": ["household_no", "grid_code", "address", "name", "id_number", "sex", "birth_date",
                "relation_to_head", "phone", "tags", "residence", "care_level", "key_person_type", "id",
                "household_id", "version", "status", "moved_to", "status_date", "risk_level"],
}
# Special populations (GB/T 31000; DESIGN 17): sensitive, never exported without reveal.
SENSITIVE_TAGS = frozenset(KEY_PERSON_TYPES) | population.SENSITIVE_TAGS | {"severe_mental", "released_prisoner", "community_correction",
                                               "drug_user", "key_youth", "key_petitioner"}


def _filtered(q, kind: str, filters: dict):
    """``q`` narrowed by the list endpoints' own filters (``server.services.records``)."""
    from server.services.records import contains, person_search

    text, tag = filters.get("q"), filters.get("tag")
    tagged = persons.c.tags.like(f'%"{tag}"%') if tag else None
    if kind == "households":
        if text:
            q = q.where(or_(contains(households.c.household_no, text), contains(households.c.address, text)))
        if tag:
            q = q.where(households.c.id.in_(select(persons.c.household_id).where(tagged)))
    elif kind == "persons":
        if text:
            q = q.where(person_search(text))
        if tag:
            q = q.where(tagged)
        if filters.get("household"):
            q = q.where(persons.c.household_id == filters["household"])
    return q


def _query(kind: str, user: dict, grid: str | None):
    if kind in ("divisions", "grids"):
        table = divisions
        q = select(*(table.c[c] for c in COLUMNS[kind])).where(scope_clause(table.c.code, user["scope"]))
        q = q.where(table.c.level == "grid") if kind == "grids" else q.where(table.c.level != "grid")
        if grid:
            q = q.where(prefix_clause(table.c.code, grid))
        return q.order_by(table.c.code)
    if kind == "households":
        q = select(*(households.c[c] for c in COLUMNS[kind])).where(
            scope_clause(households.c.grid_code, user["scope"]))
        if grid:
            q = q.where(prefix_clause(households.c.grid_code, grid))
        return q.order_by(households.c.grid_code, households.c.id)
    cols = [households.c.household_no if c == "household_no" else households.c.address if c == "address"
            else persons.c[c] for c in COLUMNS[kind]]
    q = select(*cols).select_from(persons.join(households, households.c.id == persons.c.household_id)).where(
        scope_clause(persons.c.grid_code, user["scope"]))
    if grid:
        q = q.where(prefix_clause(persons.c.grid_code, grid))
    # (grid_code, id) is an index: the rows stream in its order without a sort.
    return q.order_by(persons.c.grid_code, persons.c.id)


# --- persons as JSON made by the database ------------------------------------------------------
# A person's wire row is built by the database itself (SQLite's json_array, PostgreSQL's
# json_build_array), masking included: the server then only joins texts, and 200,000 rows cost
# little more than the query. ``_person_rows`` below is the same rule in Python, for any other
# database; tests/importexport/test_export_sql.py holds the two to the same output.

STARS = "*" * 40  # longer than any masked stretch (id_number 18 and phone 20 characters at most)
MOBILE_GLOB = "1[3-9]" + "[0-9]" * 9  # schemas.validators._MOBILE, as SQLite's GLOB (whole string)
MOBILE_RE = "^1[3-9][0-9]{9}$"  # and as a PostgreSQL regular expression (whole string)


def _cat(*parts):
    """Text concatenation (``||`` on both databases; ``+`` on untyped SQL functions would add)."""
    out = parts[0]
    for part in parts[1:]:
        out = out.op("||")(part)
    return out


def _substr(x, *args):
    return func.substr(x, *args, type_=String)


def _mask_id_sql(x):
    """``schemas.validators.mask_id_number`` in SQL: 4 first, 4 last characters kept."""
    n = func.length(x, type_=Integer)
    return case((or_(x.is_(None), x == "", x.like("%*%"), n < 8), x),
                else_=_cat(_substr(x, 1, 4), _substr(literal(STARS, String), 1, n - 8), _substr(x, n - 3)))


def _mask_phone_sql(x, dialect: str):
    """``schemas.validators.mask_phone`` in SQL: mobiles 3 + **** + 4, other numbers 4 + stars + 4."""
    n = func.length(x, type_=Integer)
    mobile = x.op("GLOB")(MOBILE_GLOB) if dialect == "sqlite" else x.op("~")(MOBILE_RE)
    stars = literal(STARS, String)
    return case((or_(x.is_(None), x == "", x.like("%*%")), x),
                (mobile, _cat(_substr(x, 1, 3), literal("****", String), _substr(x, 8))),
                (n > 7, _cat(_substr(x, 1, 4), _substr(stars, 1, n - 8), _substr(x, n - 3))),
                else_=_substr(stars, 1, n))


def _tags_sql(dialect: str, reveal: bool):
    """The stored JSON list of tags as JSON, the special populations left out unless ``reveal``."""
    assert all(t.replace("_", "").isalpha() for t in SENSITIVE_TAGS)  # inlined below as literals
    hidden = ", ".join(f"'{t}'" for t in sorted(SENSITIVE_TAGS))
    if dialect == "sqlite":
        if reveal:
            return func.json(persons.c.tags)
        return literal_column(
            "CASE WHEN persons.tags = '[]' THEN json('[]') ELSE (SELECT json_group_array(value) FROM "
            f"json_each(persons.tags) WHERE value NOT IN ({hidden})) END")
    if reveal:
        return cast(persons.c.tags, JSON)
    return literal_column(
        "CASE WHEN persons.tags = '[]' THEN CAST('[]' AS JSON) ELSE (SELECT coalesce(json_agg(t.e ORDER BY t.n), "
        f"CAST('[]' AS JSON)) FROM json_array_elements_text(CAST(persons.tags AS JSON)) WITH ORDINALITY AS t(e, n) "
        f"WHERE t.e NOT IN ({hidden})) END")


def _person_json_query(dialect: str, user: dict, grid: str | None, reveal: bool):
    """(row as JSON text, id) of every person in scope, in (grid_code, id) order."""
    full_ids = reveal and user["role"] == "admin"
    p = persons.c
    values = []
    for c in COLUMNS["persons"]:
        if c in ("household_no", "address"):
            values.append(households.c[c])
        elif c == "id_number":
            values.append(p.id_number if full_ids else _mask_id_sql(p.id_number))
        elif c == "phone":
            values.append(p.phone if reveal else _mask_phone_sql(p.phone, dialect))
        elif c == "tags":
            values.append(_tags_sql(dialect, reveal))
        elif c in ("key_person_type", "risk_level") and not reveal:
            values.append(cast(null(), String))  # special-population attributes (DESIGN 17)
        else:
            values.append(p[c])
    row = func.json_array(*values) if dialect == "sqlite" else cast(func.json_build_array(*values), String)
    q = select(row, p.id).select_from(persons.join(households, households.c.id == p.household_id)).where(
        scope_clause(p.grid_code, user["scope"]))
    if grid:
        q = q.where(prefix_clause(p.grid_code, grid))
    return q.order_by(p.grid_code, p.id)


def _person_rows(user: dict, reveal: bool):
    """A function turning a chunk of person rows into wire rows, masked as ``user`` and ``reveal``
    say. Made once per export: 200,000 rows go through it, so everything that does not depend on
    the row (the indexes, what to mask) is settled here, and a row costs a few slices."""
    full_ids = reveal and user["role"] == "admin"
    i_id, i_phone, i_tags, i_kpt, i_risk = (COLUMNS["persons"].index(c) for c in
                                            ("id_number", "phone", "tags", "key_person_type", "risk_level"))
    # A register holds few distinct tag lists: each stored text is decoded (and filtered) once.
    tag_lists: dict[str, list[str]] = {}

    def tags_of(text: str) -> list[str]:
        tags = tag_lists.get(text)
        if tags is None:
            tags = json.loads(text)
            if not reveal:
                tags = [t for t in tags if t not in SENSITIVE_TAGS]
            if len(tag_lists) >= 10_000:  # an unusual register: keep the cache bounded
                tag_lists.clear()
            tag_lists[text] = tags
        return tags

    def rows_of(part) -> list[list]:
        out = []
        append = out.append
        for r in part:
            r = list(r)
            if not full_ids:
                v = r[i_id]
                # the common case inline (an 18-character number); anything else as the validator does
                r[i_id] = v[:4] + "**********" + v[14:] if v and len(v) == 18 and "*" not in v else mask_id_number(v)
            if not reveal:
                if r[i_phone]:
                    r[i_phone] = mask_phone(r[i_phone])
                r[i_kpt] = None
                r[i_risk] = None  # risk_level of a severe mental disorder (DESIGN 17)
            tags = r[i_tags]
            r[i_tags] = tags_of(tags) if tags and tags != "[]" else []
            append(r)
        return out

    return rows_of


def stream(engine: Engine, user: dict, kind: str, *, grid: str | None, reveal: bool,
           sent: list[str] | None = None, filters: dict | None = None) -> Iterator[bytes]:
    """JSON lines: the columns (and the filters applied), then chunks of rows. The connection
    lives as long as the stream. ``sent`` collects the ids (codes) of the rows sent, for the audit
    trail. ``filters``: q, tag, household as validated by the route (``FILTERS``)."""
    filters = filters or {}
    yield (json.dumps({"columns": COLUMNS[kind], "filters": sorted(filters)}) + "\n").encode()
    key = COLUMNS[kind].index("id" if "id" in COLUMNS[kind] else "code")
    if kind == "persons" and engine.dialect.name in JSON_DIALECTS:
        yield from _stream_json(engine, user, grid, reveal, sent, filters)
        return
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            _filtered(_query(kind, user, grid), kind, filters))
        n = 0
        convert = _person_rows(user, reveal) if kind == "persons" else (lambda part: [list(r) for r in part])
        for part in result.partitions(CHUNK):
            rows = convert(part)
            n += len(rows)
            if sent is not None:
                sent.extend(r[key] for r in rows)
            yield (json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    yield (json.dumps({"rows": n}) + "\n").encode()


JSON_DIALECTS = ("sqlite", "postgresql")


def _stream_json(engine: Engine, user: dict, grid: str | None, reveal: bool, sent: list[str] | None,
                 filters: dict) -> Iterator[bytes]:
    """``stream`` of persons with each row made by the database as JSON text (see above)."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            _filtered(_person_json_query(engine.dialect.name, user, grid, reveal), "persons", filters))
        n = 0
        for part in result.partitions(CHUNK):
            n += len(part)
            if sent is not None:
                sent.extend([r[1] for r in part])
            yield ("[" + ",".join([r[0] for r in part]) + "]\n").encode()
    yield (json.dumps({"rows": n}) + "\n").encode()
