"""The change feed behind /sync/pull: one row per record, re-inserted on every change.

Deleting the old row and inserting a new one gives the record a fresh, larger ``seq``, so a
client that pulls ``seq > cursor`` sees each record once, at its latest version. Deletions stay
as tombstones (``deleted``).
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import delete, insert, tuple_
from sqlalchemy.engine import Connection

from server.db import feed


def record(conn: Connection, entity: str, entity_id: str, grid_code: str, version: int | None, deleted: bool = False) -> None:
    conn.execute(delete(feed).where(feed.c.entity == entity, feed.c.entity_id == entity_id))
    conn.execute(
        insert(feed).values(entity=entity, entity_id=entity_id, grid_code=grid_code, version=version, deleted=deleted)
    )


def record_many(conn: Connection, rows: Iterable[tuple[str, str, str, int | None]]) -> None:
    """Bulk form for seeding and imports: rows of (entity, entity_id, grid_code, version).

    Records at version 1 are new and have no feed row yet, so only the others are deleted first.
    """
    rows = list(rows)
    if not rows:
        return
    changed = [(r[0], r[1]) for r in rows if r[3] != 1]
    for start in range(0, len(changed), 500):
        conn.execute(delete(feed).where(tuple_(feed.c.entity, feed.c.entity_id).in_(changed[start : start + 500])))
    conn.execute(
        insert(feed),
        [{"entity": e, "entity_id": i, "grid_code": g, "version": v, "deleted": False} for e, i, g, v in rows],
    )
