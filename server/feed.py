"""The change feed behind /sync/pull: one live row per record, re-inserted on every change.

Deleting the old row and inserting a new one gives the record a fresh, larger ``seq``, so a
client that pulls ``seq > cursor`` sees each record once, at its latest version.

A record that moves to another grid (a household re-gridded, its members with it) leaves a
tombstone (``deleted``) under its old grid code: a worker whose scope covered only the old grid
learns to drop it, since pull filters rows by their grid code. Tombstones stay until the record
comes back to that grid. So per record there is one live row plus a tombstone per grid it left.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import and_, delete, insert, or_, select, tuple_
from sqlalchemy.engine import Connection

from server.db import feed

_CHUNK = 500


def record(conn: Connection, entity: str, entity_id: str, grid_code: str, version: int | None, deleted: bool = False) -> None:
    """The record changed (or was deleted): its feed row moves to the end of the feed."""
    same = and_(feed.c.entity == entity, feed.c.entity_id == entity_id)
    left = [g for (g,) in conn.execute(select(feed.c.grid_code).where(same, feed.c.deleted.is_(False)))
            if g != grid_code]
    conn.execute(delete(feed).where(same, or_(feed.c.deleted.is_(False), feed.c.grid_code == grid_code)))
    rows = [{"entity": entity, "entity_id": entity_id, "grid_code": g, "version": version, "deleted": True} for g in left]
    rows.append({"entity": entity, "entity_id": entity_id, "grid_code": grid_code, "version": version, "deleted": deleted})
    conn.execute(insert(feed), rows)


def record_many(conn: Connection, rows: Iterable[tuple[str, str, str, int | None]]) -> None:
    """Bulk form for seeding and imports: rows of (entity, entity_id, grid_code, version).

    Records at version 1 are new and have no feed row yet, so only the others are looked up
    (and leave tombstones where they changed grid, as ``record`` does).
    """
    rows = list(rows)
    if not rows:
        return
    changed = [r for r in rows if r[3] != 1]
    tombstones = []
    for start in range(0, len(changed), _CHUNK):
        chunk = changed[start : start + _CHUNK]
        keys = [(e, i) for e, i, _, _ in chunk]
        new_grid = {(e, i): (g, v) for e, i, g, v in chunk}
        live = conn.execute(select(feed.c.entity, feed.c.entity_id, feed.c.grid_code).where(
            tuple_(feed.c.entity, feed.c.entity_id).in_(keys), feed.c.deleted.is_(False))).all()
        for e, i, g in live:
            target, version = new_grid[(e, i)]
            if g != target:
                tombstones.append({"entity": e, "entity_id": i, "grid_code": g, "version": version, "deleted": True})
        conn.execute(delete(feed).where(tuple_(feed.c.entity, feed.c.entity_id).in_(keys), feed.c.deleted.is_(False)))
        conn.execute(delete(feed).where(
            tuple_(feed.c.entity, feed.c.entity_id, feed.c.grid_code).in_([(e, i, g) for e, i, g, _ in chunk])))
    if tombstones:
        conn.execute(insert(feed), tombstones)
    conn.execute(
        insert(feed),
        [{"entity": e, "entity_id": i, "grid_code": g, "version": v, "deleted": False} for e, i, g, v in rows],
    )
