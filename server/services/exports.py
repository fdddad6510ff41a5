"""``GET /export/{kind}``: the register in bulk, streamed, for ``gridctl export`` (DESIGN 7b).

The paged list endpoints answer a screen: a page of 1,000 validated models and a cursor. An export
of 200,000 people through them is 200 requests, 200,000 pydantic models and a second walk for the
households' numbers. This endpoint is one scoped query (the scope in the WHERE clause, as
everywhere), persons joined to their household's number and address, read in chunks and sent as
JSON lines: first ``{"columns": [...]}``, then one line per chunk holding a list of rows (lists in
the order of the columns): one ``json.dumps`` per 2,000 rows instead of one per row; last
``{"rows": n}``, so that a client can tell a whole export from a connection that broke.

Masking is decided here: ID numbers are masked for everyone but an admin, and for an admin too
unless ``reveal``; phones are masked unless ``reveal``; special-population data (DESIGN 17) are
left out unless ``reveal``. ``reveal`` is an admin's alone (403 otherwise).
"""

from __future__ import annotations

import json
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine

from schemas import population
from schemas.codes import KEY_PERSON_TYPES
from schemas.validators import mask_id_number, mask_phone
from server.db import divisions, households, persons
from server.scope import prefix_clause, scope_clause

KINDS = ("divisions", "grids", "households", "persons")
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


def _person_rows(rows, user: dict, reveal: bool) -> list[list]:
    full_ids = reveal and user["role"] == "admin"
    out = []
    for r in rows:
        r = list(r)
        if not full_ids:
            r[4] = mask_id_number(r[4])
        if not reveal:
            r[8] = mask_phone(r[8]) if r[8] else r[8]
            r[12] = None
            r[19] = None  # risk_level of a severe mental disorder (DESIGN 17)
        tags = r[9]
        if tags and tags != "[]":
            tags = json.loads(tags)
            if not reveal:
                tags = [t for t in tags if t not in SENSITIVE_TAGS]
        else:
            tags = []
        r[9] = tags
        out.append(r)
    return out


def stream(engine: Engine, user: dict, kind: str, *, grid: str | None, reveal: bool,
           sent: list[str] | None = None) -> Iterator[bytes]:
    """JSON lines: the columns, then chunks of rows. The connection lives as long as the stream.
    ``sent`` collects the ids (codes) of the rows sent, for the audit trail."""
    yield (json.dumps({"columns": COLUMNS[kind]}) + "\n").encode()
    key = COLUMNS[kind].index("id" if "id" in COLUMNS[kind] else "code")
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(_query(kind, user, grid))
        n = 0
        for part in result.partitions(CHUNK):
            rows = _person_rows(part, user, reveal) if kind == "persons" else [list(r) for r in part]
            n += len(rows)
            if sent is not None:
                sent.extend(r[key] for r in rows)
            yield (json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    yield (json.dumps({"rows": n}) + "\n").encode()
