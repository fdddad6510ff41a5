"""Remembering which keys an import file already used, in constant memory.

Duplicate rows and households split across grids can only be found by comparing a row with every
earlier row of the file. A dict of a million ID numbers would cost ~150 MB, so the keys live in a
throw-away SQLite file instead and are checked a chunk of rows at a time.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

_IN_CHUNK = 500  # stays well below SQLite's bound-parameter limit


class SeenIndex:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="gridctl-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL, extra TEXT) WITHOUT ROWID;"
        )

    def lookup(self, keys: list[str]) -> dict[str, tuple[int, str | None]]:
        """The first line (and remembered extra value) of each key already added."""
        found: dict[str, tuple[int, str | None]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _IN_CHUNK):
            part = unique[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(part))
            for key, line, extra in self._db.execute(f"SELECT key, line, extra FROM seen WHERE key IN ({marks})", part):
                found[key] = (line, extra)
        return found

    def add(self, entries: list[tuple[str, int, str | None]]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO seen (key, line, extra) VALUES (?, ?, ?)", entries)

    def put(self, entries: list[tuple[str, int, str | None]]) -> None:
        """Add or replace: the latest value of a key wins (a household's current head)."""
        self._db.executemany("INSERT OR REPLACE INTO seen (key, line, extra) VALUES (?, ?, ?)", entries)

    def remove(self, keys: list[str]) -> None:
        self._db.executemany("DELETE FROM seen WHERE key = ?", [(k,) for k in keys])

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> "SeenIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
