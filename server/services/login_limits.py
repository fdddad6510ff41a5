"""Login limits counted in the database (DESIGN §13, §14): they hold across server processes.

Two counters per attempt: one for (username, client address) and one for the client address.
An attempt *reserves* a failure on both before the password is checked, in a transaction that
locks the two rows (the first statement writes, which takes SQLite's write lock; PostgreSQL
locks the rows with FOR UPDATE). So under any number of concurrent requests at most ``limit``
attempts get past the counter; the rest answer 429 without touching the password. A correct
password gives its reservation back: the (user, address) counter is cleared, the address
counter loses the one failure it reserved.

Back-off is exponential: reaching the limit blocks the key for one window; every further
failure after a block ends doubles it (capped at a day). Keys name the address, so failures
from one address never block the rightful user at another.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import case, select, update
from sqlalchemy.engine import Engine

from schemas.validators import format_time, parse_time
from server.db import login_attempts
from server.errors import ApiProblem
from server.settings import Settings

MAX_BLOCK = timedelta(days=1)


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


def reserve(engine: Engine, username: str, address: str, settings: Settings, now: datetime | None = None) -> None:
    """Count this attempt as a failure in advance, or answer 429 when a key is blocked."""
    now = now or datetime.now(timezone.utc)
    keys = _keys(username, address, settings)
    names = [k for k, _ in keys]
    with engine.begin() as conn:
        _insert_missing(conn, names)  # a write first: it takes the lock the rest runs under
        query = select(login_attempts).where(login_attempts.c.key.in_(names))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        rows = {r.key: r for r in conn.execute(query)}
        wait = timedelta(0)
        plans = []
        for key, limit in keys:
            row = rows[key]
            failures = row.failures
            last = parse_time(row.last_at) if row.last_at else None
            until = parse_time(row.blocked_until) if row.blocked_until else None
            if until is not None and now < until:
                wait = max(wait, until - now)
                continue
            # A quiet window forgets failures below the limit; a day forgets everything.
            if last is not None and ((failures < limit and now - last > settings.login_window)
                                     or now - last > MAX_BLOCK):
                failures = 0
            failures += 1
            block = None
            if failures >= limit:
                block = min(settings.login_window * (2 ** min(failures - limit, 20)), MAX_BLOCK)
            plans.append((key, failures, block))
        if wait > timedelta(0):
            raise ApiProblem(
                429, "Too Many Requests", "too many failed logins; wait and try again", code="login_limited",
                headers={"Retry-After": str(max(1, math.ceil(wait.total_seconds())))},
            )
        for key, failures, block in plans:
            conn.execute(update(login_attempts).where(login_attempts.c.key == key).values(
                failures=failures, last_at=format_time(now),
                blocked_until=format_time(now + block) if block else None))


def release(engine: Engine, username: str, address: str, settings: Settings) -> None:
    """The password was right: give back the failure reserved for this attempt."""
    (user_key, _), (addr_key, addr_limit) = _keys(username, address, settings)
    with engine.begin() as conn:
        conn.execute(update(login_attempts).where(login_attempts.c.key == user_key)
                     .values(failures=0, blocked_until=None))
        conn.execute(update(login_attempts).where(login_attempts.c.key == addr_key).values(
            failures=case((login_attempts.c.failures > 0, login_attempts.c.failures - 1), else_=0),
            blocked_until=case((login_attempts.c.failures - 1 < addr_limit, None),
                               else_=login_attempts.c.blocked_until)))
