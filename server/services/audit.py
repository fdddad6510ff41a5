"""The audit trail of access to sensitive data (DESIGN §14, PIPL).

One row per response that carried sensitive data, naming the records it carried: every response
with a full ID number (admin reads of persons and cases, admin pulls), every export with
``reveal``, and — for other modules to call — every read of a special-population person::

    from server.services.audit import audit
    audit(conn, user, "person.special.read", [person_id], request)

``conn`` is a connection inside a transaction (``engine.begin()``); the row commits with it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from schemas.validators import format_time, is_masked
from server.db import audit_log
from server.services.records import _bad_cursor, clamp_limit, decode_cursor, encode_cursor

MAX_IDS = 5000  # a page is at most 1,000 records, a pull 5,000


def audit(conn: Connection, user: dict, action: str, record_ids: Iterable[str], request: Any = None, *,
          cap: int | None = MAX_IDS) -> None:
    """Write one audit row: who (``user["username"]``), when (now), ``action``, which records, from where.
    ``cap=None`` names every record (a bulk export may carry a whole county)."""
    ids = [str(i) for i in record_ids]
    if cap is not None:
        ids = ids[:cap]
    client = getattr(getattr(request, "client", None), "host", None)
    path = getattr(getattr(request, "url", None), "path", None)
    conn.execute(insert(audit_log).values(
        at=format_time(datetime.now(timezone.utc)), username=user["username"], action=action[:40],
        record_ids=json.dumps(ids), client=(client or "")[:64] or None, path=(path or "")[:200] or None,
    ))


def carries_full_id(entity: str, record: dict | None) -> bool:
    """Does this record, as it goes out, hold an unmasked ID number?"""
    if not record:
        return False
    if entity == "person":
        return bool(record.get("id_number")) and not is_masked(record["id_number"])
    if entity == "case":
        return any(p.get("id_number") and not is_masked(p["id_number"]) for p in record.get("parties") or [])
    return False


def row_out(row) -> dict:
    return {"id": row.id, "at": row.at, "username": row.username, "action": row.action,
            "record_ids": json.loads(row.record_ids or "[]"), "client": row.client, "path": row.path}


def list_rows(conn: Connection, *, user: str | None = None, since: str | None = None, cursor: str | None = None,
              limit: int | None = None) -> dict:
    """Newest first; ``since`` is stored time text (see ``server.params.since``)."""
    limit = clamp_limit(limit)
    query = select(audit_log)
    if user:
        query = query.where(audit_log.c.username == user)
    if since:
        query = query.where(audit_log.c.at >= since)
    after = decode_cursor(cursor)
    if after is not None:
        if len(after) != 1 or not (after[0].isascii() and after[0].isdigit() and len(after[0]) <= 18):
            raise _bad_cursor()
        query = query.where(audit_log.c.id < int(after[0]))
    rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit + 1)).all()
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor([str(rows[-1].id)])
    return {"items": [row_out(r) for r in rows], "next_cursor": nxt}
