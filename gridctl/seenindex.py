"""Remembering which keys an import file already used, in bounded memory.

Duplicate rows, households split across grids and second heads can only be found by comparing a
row with every earlier row of the file. The keys live in a dict while they are few (a 200,000-row
register needs ~600,000 keys, ~60 MB): checking a batch then costs microseconds, and this check
sits between two server requests, where nothing else runs. Past ``MEMORY_KEYS`` they move to a
throw-away SQLite file, so a register of millions of rows still fits in memory.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

_IN_CHUNK = 500  # stays well below SQLite's bound-parameter limit
MEMORY_KEYS = 1_000_000


class SeenIndex:
    def __init__(self, memory_keys: int = MEMORY_KEYS) -> None:
        self._mem: dict[str, tuple[int, str | None]] | None = {}
        self._limit = memory_keys
        self._dir = None
        self._db = None

    def _spill(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="gridctl-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL, extra TEXT) WITHOUT ROWID;"
        )
        self._db.executemany("INSERT INTO seen (key, line, extra) VALUES (?, ?, ?)",
                             ((k, line, extra) for k, (line, extra) in self._mem.items()))
        self._mem = None

    def lookup(self, keys: list[str]) -> dict[str, tuple[int, str | None]]:
        """The first line (and remembered extra value) of each key already added."""
        if self._mem is not None:
            mem = self._mem
            return {k: mem[k] for k in keys if k in mem}
        found: dict[str, tuple[int, str | None]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _IN_CHUNK):
            part = unique[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(part))
            for key, line, extra in self._db.execute(f"SELECT key, line, extra FROM seen WHERE key IN ({marks})", part):
                found[key] = (line, extra)
        return found

    def add(self, entries: list[tuple[str, int, str | None]]) -> None:
        """Add keys not seen yet (the first line of a key is the one remembered)."""
        if self._mem is not None:
            mem = self._mem
            for key, line, extra in entries:
                if key not in mem:
                    mem[key] = (line, extra)
            if len(mem) > self._limit:
                self._spill()
            return
        self._db.executemany("INSERT OR IGNORE INTO seen (key, line, extra) VALUES (?, ?, ?)", entries)

    def put(self, entries: list[tuple[str, int, str | None]]) -> None:
        """Add or replace: the latest value of a key wins (a household's current head)."""
        if self._mem is not None:
            for key, line, extra in entries:
                self._mem[key] = (line, extra)
            if len(self._mem) > self._limit:
                self._spill()
            return
        self._db.executemany("INSERT OR REPLACE INTO seen (key, line, extra) VALUES (?, ?, ?)", entries)

    def remove(self, keys: list[str]) -> None:
        if self._mem is not None:
            for key in keys:
                self._mem.pop(key, None)
            return
        self._db.executemany("DELETE FROM seen WHERE key = ?", [(k,) for k in keys])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        if self._dir is not None:
            self._dir.cleanup()
        self._mem = None

    def __enter__(self) -> "SeenIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
