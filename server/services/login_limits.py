"""Login limits counted in the database (DESIGN §13, §14): they hold across server processes.

Two counters per attempt: one for (username, client address) and one for the client address.
Each row holds the failures counted so far and the attempts in flight (``pending``): admitted,
password not yet checked. An attempt is admitted, in a transaction that locks the two rows (the
first statement writes, which takes SQLite's write lock; PostgreSQL locks the rows with FOR
UPDATE), only while failures + attempts in flight stay below the limit, so under any number of
concurrent requests at most ``limit`` attempts are answered other than 429. An attempt that
finds the room taken by attempts in flight waits for them (up to ``ADMIT_WAIT``) instead of
being refused: they may well be right passwords — thirty workers of one township office (one
address) logging in at once, or the devices of a load test — and then give their room back.
A wrong password turns its attempt into a failure; reaching the limit blocks the key.

Back-off is exponential: reaching the limit blocks the key for one window; after a block ends
attempts are let through one at a time, and every further failure doubles it (capped at a day).
Keys name the address, so failures from one address never block the rightful user at another.
An attempt in flight that never finished (its process died) is forgotten after a quiet window.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from schemas.validators import format_time, parse_time
from server.db import login_attempts
from server.errors import ApiProblem
from server.settings import Settings

MAX_BLOCK = timedelta(days=1)
# How long an attempt waits for attempts in flight to give the room back before it answers 429.
ADMIT_WAIT = 15.0


def _keys(username: str, address: str, settings: Settings) -> list[tuple[str, int]]:
    return [(f"user:{username}\x1f{address}"[:200], settings.login_max_failures),
            (f"addr:{address}"[:200], settings.login_max_failures_per_address)]


def _insert_missing(conn, keys: list[str]) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(login_attempts).values([{"key": k, "failures": 0} for k in keys])
                 .on_conflict_do_nothing(index_elements=["key"]))


def _admit(conn, keys: list[tuple[str, int]], settings: Settings, now: datetime) -> timedelta | None:
    """Admit one attempt (count it in flight) and return None, or the time to wait: blocked
    (a positive wait) or the room taken by attempts in flight (zero)."""
    names = [k for k, _ in keys]
    _insert_missing(conn, names)  # a write first: it takes the lock the rest runs under
    query = select(login_attempts).where(login_attempts.c.key.in_(names))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = {r.key: r for r in conn.execute(query)}
    blocked, busy, plans = timedelta(0), False, []
    for key, limit in keys:
        row = rows[key]
        failures, pending = row.failures, row.pending
        last = parse_time(row.last_at) if row.last_at else None
        until = parse_time(row.blocked_until) if row.blocked_until else None
        if until is not None and now < until:
            blocked = max(blocked, until - now)
            continue
        # A quiet window forgets failures below the limit (and attempts that never finished);
        # a day forgets everything.
        if last is not None and now - last > settings.login_window:
            pending = 0
            if failures < limit or now - last > MAX_BLOCK:
                failures = 0
        # Below the limit: as many in flight as could still fail without passing it. Past it
        # (a block ran out): one at a time, each failure blocks again.
        if (failures < limit and failures + pending >= limit) or (failures >= limit and pending > 0):
            busy = True
        plans.append((key, failures, pending + 1))
    if blocked > timedelta(0):
        return blocked
    if busy:
        return timedelta(0)
    for key, failures, pending in plans:
        conn.execute(update(login_attempts).where(login_attempts.c.key == key).values(
            failures=failures, pending=pending, last_at=format_time(now)))
    return None


def reserve(engine: Engine, username: str, address: str, settings: Settings, now: datetime | None = None) -> None:
    """Admit this attempt, waiting while attempts in flight hold the room; 429 when a key is
    blocked (or the room stays taken for ``ADMIT_WAIT``)."""
    keys = _keys(username, address, settings)
    deadline = time.monotonic() + ADMIT_WAIT
    pause = 0.02
    while True:
        with engine.begin() as conn:
            wait = _admit(conn, keys, settings, now or datetime.now(timezone.utc))
        if wait is None:
            return
        if wait > timedelta(0) or time.monotonic() >= deadline:
            raise ApiProblem(
                429, "Too Many Requests", "too many failed logins; wait and try again", code="login_limited",
                headers={"Retry-After": str(max(1, math.ceil(wait.total_seconds())))},
            )
        # Attempts in flight end within a password check (tens of milliseconds): poll, backing off.
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _settle(engine: Engine, username: str, address: str, settings: Settings, failed: bool) -> None:
    """The attempt admitted by ``reserve`` ended: out of flight, and counted when it failed."""
    keys = _keys(username, address, settings)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        names = [k for k, _ in keys]
        _insert_missing(conn, names)  # a write first, as in ``_admit``: no lost update on SQLite
        query = select(login_attempts).where(login_attempts.c.key.in_(names))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        rows = {r.key: r for r in conn.execute(query)}
        for n, (key, limit) in enumerate(keys):
            row = rows.get(key)
            if row is None:
                continue
            values = {"pending": max(row.pending - 1, 0)}
            if failed:
                failures = row.failures + 1
                values.update(failures=failures, last_at=format_time(now))
                if failures >= limit:
                    block = min(settings.login_window * (2 ** min(failures - limit, 20)), MAX_BLOCK)
                    values["blocked_until"] = format_time(now + block)
            elif n == 0:  # the right password: this user at this address starts afresh
                values.update(failures=0, blocked_until=None)
            conn.execute(update(login_attempts).where(login_attempts.c.key == key).values(**values))


def release(engine: Engine, username: str, address: str, settings: Settings) -> None:
    """The password was right: the attempt leaves the room it held."""
    _settle(engine, username, address, settings, failed=False)


def fail(engine: Engine, username: str, address: str, settings: Settings) -> None:
    """The password was wrong: the attempt counts as a failure, and may block its keys."""
    _settle(engine, username, address, settings, failed=True)
