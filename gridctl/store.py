"""The local store: one SQLite file per profile holding the cache, the outbox and sync state.

WAL and ``synchronous=FULL``: once a write's transaction commits, a crash or a kill -9 cannot
lose it. A local change and the outbox mutation that carries it to the server are committed in
the same transaction (``Store.write``), so there is never one without the other.

Outbox states: ``pending`` (to send), ``applied`` (acknowledged; kept for history),
``conflict`` and ``rejected`` (quarantined until the user retries or discards them).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from gridctl.errors import UsageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY, serial TEXT, grid_code TEXT, status TEXT, level TEXT, assignee TEXT,
    due_at TEXT, reported_at TEXT, version INTEGER, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_serial ON cases(serial);
CREATE INDEX IF NOT EXISTS cases_status ON cases(status);
CREATE TABLE IF NOT EXISTS households (
    id TEXT PRIMARY KEY, household_no TEXT, grid_code TEXT, version INTEGER, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS households_no ON households(household_no);
CREATE TABLE IF NOT EXISTS persons (
    id TEXT PRIMARY KEY, household_id TEXT, grid_code TEXT, name TEXT, tags TEXT, version INTEGER,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS persons_household ON persons(household_id);
CREATE TABLE IF NOT EXISTS visits (
    id TEXT PRIMARY KEY, household_id TEXT, worker TEXT, visited_at TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS visits_household ON visits(household_id);
CREATE TABLE IF NOT EXISTS divisions (code TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, kind TEXT, severity TEXT, state TEXT, grid_code TEXT, raised_at TEXT, version INTEGER,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    base_version INTEGER,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT,
    updated_at TEXT);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, seq);
CREATE INDEX IF NOT EXISTS outbox_entity ON outbox(entity_id, state);
CREATE TABLE IF NOT EXISTS refetch (entity TEXT NOT NULL, id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, uploaded INTEGER NOT NULL DEFAULT 0);
"""

# The store's schema version (PRAGMA user_version). Version 0 is every store made before
# versions were kept (the schema above, unchanged); each step of MIGRATIONS takes a store one
# version up, in place, in one transaction, keeping the outbox. Append steps; never edit one.
SCHEMA_VERSION = 1


def _v1_no_masked_values_in_outbox(conn: sqlite3.Connection) -> None:
    """Older releases sent a person edit as the whole record, with the masked ID number or phone
    they were shown; the server now refuses masked values, so queued edits drop them ("unchanged")."""
    rows = conn.execute("SELECT id, payload FROM outbox WHERE state != 'applied' AND type IN "
                        "('person.upsert', 'household.upsert')").fetchall()
    for row in rows:
        payload = json.loads(row[1])
        clean = {k: v for k, v in payload.items() if not (k in ("id_number", "phone") and isinstance(v, str) and "*" in v)}
        if clean != payload:
            conn.execute("UPDATE outbox SET payload = ? WHERE id = ?", (json.dumps(clean, ensure_ascii=False), row[0]))


MIGRATIONS = {1: _v1_no_masked_values_in_outbox}


class StoreTooNew(UsageError):
    """The store was written by a newer gridctl; opening it here could damage its outbox (exit 2)."""

    def __init__(self, path: Path, found: int, known: int) -> None:
        super().__init__("outbox.store_too_new", path=str(path), found=found, known=known)


# What each cached entity indexes besides its JSON.
ENTITY_COLUMNS = {
    "case": ("cases", ("id", "serial", "grid_code", "status", "level", "assignee", "due_at", "reported_at", "version")),
    "household": ("households", ("id", "household_no", "grid_code", "version")),
    "person": ("persons", ("id", "household_id", "grid_code", "name", "tags", "version")),
    "visit": ("visits", ("id", "household_id", "worker", "visited_at")),
    # The last known alerts of the user's scope (DESIGN 16), from the pull feed.
    "alert": ("alerts", ("id", "kind", "severity", "state", "grid_code", "raised_at", "version")),
}
UNSENT_STATES = ("pending", "conflict", "rejected")


def _fold(value):
    return value.lower() if isinstance(value, str) else value


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Rows:
    """A statement's rows, read while the connection was held (the cursor's own methods)."""

    __slots__ = ("_rows", "rowcount", "lastrowid")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._rows = cursor.fetchall()
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self):
        return iter(self.fetchall())


class _Shared:
    """The store's one connection as several threads use it (the worker TUI runs a search per
    keystroke, a background sync and a save in thread workers): one statement — or one whole
    transaction, see ``Store.transaction`` — at a time. Without it their transactions
    interleaved on the connection ("cannot start a transaction within a transaction"), a read saw
    another thread's unfinished writes, and one thread's ROLLBACK undid another's."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Rows:
        with self._lock:
            return _Rows(self._conn.execute(sql, tuple(params)))

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        with self._lock:
            self._conn.executemany(sql, rows)

    def executescript(self, script: str) -> None:
        with self._lock:
            self._conn.executescript(script)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        # Search folds every letter, not only ASCII (gridctl/ops/search.py lower_sql).
        conn.create_function("gridctl_lower", 1, _fold, deterministic=True)
        self.lock = threading.RLock()
        self.db = _Shared(conn, self.lock)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self._migrate(new)

    def _migrate(self, new: bool) -> None:
        found = self.db.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            self.db.close()
            raise StoreTooNew(self.path, found, SCHEMA_VERSION)
        if found == SCHEMA_VERSION:
            self.db.executescript(SCHEMA)  # IF NOT EXISTS: a no-op on a complete store
            return
        with self.transaction() as conn:
            # BEGIN IMMEDIATE: a second process opening the same old store waits, then finds
            # it migrated and does nothing.
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if not new:
                for version in range(found + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # Held from BEGIN to COMMIT: another thread's statements wait for the whole transaction.
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")

    # --- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_meta(self, key: str, value: Any, conn: sqlite3.Connection | None = None) -> None:
        (conn or self.db).execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    # --- cache ---------------------------------------------------------------------------

    def put(self, entity: str, record: dict, conn: sqlite3.Connection | None = None) -> None:
        if entity == "division":
            (conn or self.db).execute(
                "INSERT OR REPLACE INTO divisions(code, data) VALUES(?, ?)",
                (record["code"], json.dumps(record, ensure_ascii=False)),
            )
            return
        table, cols = ENTITY_COLUMNS[entity]
        values = [json.dumps(record.get(c), ensure_ascii=False) if c == "tags" else record.get(c) for c in cols]
        (conn or self.db).execute(
            f"INSERT OR REPLACE INTO {table}({', '.join(cols)}, data) VALUES({', '.join('?' * (len(cols) + 1))})",
            (*values, json.dumps(record, ensure_ascii=False)),
        )

    def delete(self, entity: str, record_id: str, conn: sqlite3.Connection | None = None) -> None:
        if entity == "division":
            (conn or self.db).execute("DELETE FROM divisions WHERE code = ?", (record_id,))
            return
        table, _ = ENTITY_COLUMNS[entity]
        (conn or self.db).execute(f"DELETE FROM {table} WHERE id = ?", (record_id,))

    def get(self, entity: str, record_id: str) -> dict | None:
        table, _ = ENTITY_COLUMNS[entity]
        row = self.db.execute(f"SELECT data FROM {table} WHERE id = ?", (record_id,)).fetchone()
        return json.loads(row["data"]) if row else None

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict]:
        """Rows of ``SELECT data ...`` decoded from JSON."""
        return [json.loads(r[0]) for r in self.db.execute(sql, tuple(params))]

    def clear_cache(self, conn: sqlite3.Connection, keep: Iterable[str] = ()) -> None:
        """Empty the cache, except the records in ``keep`` (those with unsent local changes)."""
        conn.execute("DELETE FROM divisions")
        conn.execute("DELETE FROM refetch")
        keep = list(keep)
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep_ids (id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM keep_ids")
        conn.executemany("INSERT OR IGNORE INTO keep_ids(id) VALUES (?)", [(k,) for k in keep])
        for table in ("cases", "households", "persons", "visits", "alerts"):
            conn.execute(f"DELETE FROM {table} WHERE id NOT IN (SELECT id FROM keep_ids)")

    # --- records the feed skipped while they had unsent changes -------------------------

    def mark_refetch(self, conn: sqlite3.Connection, entity: str, record_id: str) -> None:
        conn.execute("INSERT OR IGNORE INTO refetch(entity, id) VALUES (?, ?)", (entity, record_id))

    def refetch_due(self) -> list[tuple[str, str]]:
        """Skipped records whose local changes have all been delivered or dropped since."""
        rows = self.db.execute(
            f"SELECT entity, id FROM refetch WHERE id NOT IN (SELECT entity_id FROM outbox WHERE state IN "
            f"({', '.join('?' * len(UNSENT_STATES))}))", UNSENT_STATES)
        return [(r[0], r[1]) for r in rows]

    def refetched(self, conn: sqlite3.Connection, record_id: str) -> None:
        conn.execute("DELETE FROM refetch WHERE id = ?", (record_id,))

    # --- outbox --------------------------------------------------------------------------

    def write(self, entity: str, record: dict, mutation: dict) -> None:
        """Commit a local change and its outbox mutation together, durably."""
        with self.transaction() as conn:
            self.put(entity, record, conn)
            conn.execute(
                "INSERT INTO outbox(id, type, entity, entity_id, base_version, payload, created_at, state, updated_at)"
                " VALUES(?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (mutation["id"], mutation["type"], entity, record.get("id"), mutation.get("base_version"),
                 json.dumps(mutation["payload"], ensure_ascii=False), mutation["created_at"], utcnow()),
            )

    def outbox(self, states: Iterable[str] | None = None) -> list[dict]:
        sql = "SELECT * FROM outbox"
        params: tuple = ()
        if states:
            states = tuple(states)
            sql += f" WHERE state IN ({', '.join('?' * len(states))})"
            params = states
        return [self._outbox_row(r) for r in self.db.execute(sql + " ORDER BY seq", params)]

    def outbox_item(self, mutation_id: str) -> dict | None:
        # A prefix compare, not LIKE: a typed '%' or '_' must not match everything.
        rows = self.db.execute("SELECT * FROM outbox WHERE substr(id, 1, length(?1)) = ?1 ORDER BY seq",
                               (mutation_id,)).fetchall()
        if len(rows) != 1:
            return None if not rows else {"ambiguous": [r["id"] for r in rows]}
        return self._outbox_row(rows[0])

    @staticmethod
    def _outbox_row(row: sqlite3.Row) -> dict:
        item = dict(row)
        item["payload"] = json.loads(item["payload"])
        item["result"] = json.loads(item["result"]) if item["result"] else None
        return item

    def outbox_counts(self) -> dict[str, int]:
        return {r["state"]: r["n"] for r in self.db.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")}

    def unsent_entity_ids(self) -> set[str]:
        rows = self.db.execute(
            f"SELECT DISTINCT entity_id FROM outbox WHERE state IN ({', '.join('?' * len(UNSENT_STATES))})",
            UNSENT_STATES,
        )
        return {r[0] for r in rows}

    def set_outbox_state(self, conn: sqlite3.Connection, mutation_id: str, state: str, *,
                         result: dict | None = None, error: str | None = None, payload: dict | None = None,
                         base_version: int | None = None, count_attempt: bool = True) -> None:
        sets = ["state = ?", "updated_at = ?", "last_error = ?"]
        params: list[Any] = [state, utcnow(), error]
        if count_attempt:
            sets.append("attempts = attempts + 1")
        if result is not None:
            sets.append("result = ?")
            params.append(json.dumps(result, ensure_ascii=False))
        if payload is not None:
            sets.append("payload = ?")
            params.append(json.dumps(payload, ensure_ascii=False))
        if base_version is not None:
            sets.append("base_version = ?")
            params.append(base_version)
        conn.execute(f"UPDATE outbox SET {', '.join(sets)} WHERE id = ?", (*params, mutation_id))

    def base_version_of(self, mutation_id: str) -> int | None:
        row = self.db.execute("SELECT base_version FROM outbox WHERE id = ?", (mutation_id,)).fetchone()
        return row[0] if row else None

    def rebase_followers(self, conn: sqlite3.Connection, entity_id: str, after_seq: int, version: int) -> None:
        """The unsent edits of a record made after mutation ``after_seq`` were made on top of it:
        they now build on ``version`` (what the server returned for it), not on its old base."""
        conn.execute("UPDATE outbox SET base_version = ? WHERE entity_id = ? AND seq > ? AND state = 'pending'"
                     " AND base_version IS NOT NULL", (version, entity_id, after_seq))

    def remove_outbox(self, conn: sqlite3.Connection, mutation_id: str) -> None:
        conn.execute("DELETE FROM outbox WHERE id = ?", (mutation_id,))

    # --- blobs ---------------------------------------------------------------------------

    def add_blob(self, sha256: str, path: str, conn: sqlite3.Connection | None = None) -> None:
        (conn or self.db).execute("INSERT OR IGNORE INTO blobs(sha256, path) VALUES(?, ?)", (sha256, path))

    def blobs_to_upload(self, hashes: Iterable[str]) -> list[tuple[str, str]]:
        hashes = list(hashes)
        if not hashes:
            return []
        rows = self.db.execute(
            f"SELECT sha256, path FROM blobs WHERE uploaded = 0 AND sha256 IN ({', '.join('?' * len(hashes))})", hashes
        )
        return [(r["sha256"], r["path"]) for r in rows]

    def mark_uploaded(self, sha256: str) -> None:
        self.db.execute("UPDATE blobs SET uploaded = 1 WHERE sha256 = ?", (sha256,))

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
