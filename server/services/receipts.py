"""Import receipts: a repeated import request answers what its first attempt did.

Rows are upserts, so sending a batch twice never duplicates data; but the second answer would say
"unchanged" for the rows the first created, and a worker's import summary would then be wrong
after any lost answer (a cut connection, a timeout). A request carrying an ``Idempotency-Key``
claims the key first thing in its transaction and stores its answer before committing; a repeat
waits for the claim (SQLite's write lock, PostgreSQL's unique index) and is given the stored
answer. Dry runs roll back, so nothing of theirs is kept — repeating one is harmless anyway.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from schemas.validators import format_time
from server.db import import_receipts

KEEP = timedelta(days=7)


class Replay(Exception):
    """The key was claimed before: answer with the stored response."""


def claim(conn: Connection, user: dict, key: str, kind: str) -> None:
    """Claim ``key`` inside the request's transaction, or raise ``Replay`` if it is taken."""
    now = datetime.now(timezone.utc)
    try:
        with conn.begin_nested():
            conn.execute(insert(import_receipts).values(username=user["username"], key=key, kind=kind,
                                                        created_at=format_time(now)))
    except IntegrityError:
        raise Replay() from None
    # Old receipts go as new ones come: no sweeper to run.
    conn.execute(delete(import_receipts).where(import_receipts.c.created_at < format_time(now - KEEP)))


def store(conn: Connection, user: dict, key: str, response: dict) -> None:
    conn.execute(update(import_receipts)
                 .where(import_receipts.c.username == user["username"], import_receipts.c.key == key)
                 .values(response=json.dumps(response, ensure_ascii=False)))


def stored(engine: Engine, user: dict, key: str) -> dict | None:
    """The answer kept for ``key``; None if its request never committed one (it was a dry run)."""
    with engine.connect() as conn:
        text = conn.execute(select(import_receipts.c.response).where(
            import_receipts.c.username == user["username"], import_receipts.c.key == key)).scalar()
    return json.loads(text) if text else None
