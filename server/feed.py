"""The change feed behind /sync/pull: one live row per record, re-inserted on every change.

Deleting the old row and inserting a new one gives the record a fresh, larger ``seq``, so a
client that pulls ``seq > cursor`` sees each record once, at its latest version.

**Never skipping (DESIGN 13).** ``seq`` is taken when a row is inserted, not when its
transaction commits. On SQLite that is the same order (one writer at a time holds the database
until it commits). On PostgreSQL it is not: a transaction that took seq 5 may commit after one
that took seq 6, and a pull that saw 6 and moved its cursor past it would never see 5. So on
PostgreSQL every feed row records the transaction that wrote it (``txid``, the column default
``pg_current_xact_id()``) and a pull

- reads in (txid, seq) order from a cursor that is a (txid, seq) position, and
- reads only rows whose txid is below ``pg_snapshot_xmin(pg_current_snapshot())``, the oldest
  transaction still running: every transaction below it has ended, so no row can ever appear
  below that line later, and every transaction that writes later has a larger txid.

We chose this over numbering feed rows under an advisory lock held to commit because the lock
would put every writing transaction of every server process in one queue, across the last part
of the transaction and its commit (fsync included): exactly the serialisation that SQLite
already has and that many processes on PostgreSQL are meant to remove. The price of the xmin
line is latency, not loss: a change committed while an older transaction is still running is
handed out once that one ends (milliseconds for a push; a long import holds the feed back until
it commits). Transaction ids are 64-bit (xid8) and never wrap.

A record that moves to another grid (a household re-gridded, its members with it) leaves a
tombstone (``deleted``) under its old grid code: a worker whose scope covered only the old grid
learns to drop it, since pull filters rows by their grid code. Tombstones stay until the record
comes back to that grid. So per record there is one live row plus a tombstone per grid it left.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import BigInteger, Text, and_, cast, delete, func, insert, or_, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

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


# --- reading ------------------------------------------------------------------------------

Position = tuple[int, int]  # (txid, seq); txid is always 0 on SQLite


def format_position(pos: Position) -> str:
    """``seq`` alone when txid is 0 (all of SQLite, and rows older than migration 0002), else ``txid:seq``."""
    txid, seq = pos
    return f"{txid}:{seq}" if txid else str(seq)


def _is_number(text: str) -> bool:
    # ASCII digits only ('²'.isdigit() is True but int('²') fails) and within a BIGINT.
    return text.isascii() and text.isdigit() and len(text) <= 18


def parse_position(value: str) -> Position | None:
    txid, _, seq = value.rpartition(":")
    if not _is_number(seq) or (txid and not _is_number(txid)):
        return None
    return (int(txid or 0), int(seq))


def after(conn: Connection, pos: Position) -> ColumnElement:
    """Rows after ``pos`` that no running transaction can still add to (see the module docstring)."""
    if conn.dialect.name != "postgresql":
        return feed.c.seq > pos[1]
    xmin = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)
    return and_(tuple_(feed.c.txid, feed.c.seq) > tuple_(pos[0], pos[1]), feed.c.txid < xmin)


def order(conn: Connection):
    return (feed.c.seq,) if conn.dialect.name != "postgresql" else (feed.c.txid, feed.c.seq)


def last_position(conn: Connection) -> Position:
    """The largest position in the feed ((0, 0) when empty): a cursor beyond it is not ours."""
    row = conn.execute(select(feed.c.txid, feed.c.seq).order_by(*(c.desc() for c in order(conn))).limit(1)).first()
    return (int(row.txid or 0), int(row.seq)) if row else (0, 0)

