"""Fixtures shared by every part of the suite: the real reference server on loopback.

The server runs as a subprocess (``python -m server``) with a temporary SQLite file, seeded with
the small demo county (see ``server/demo.py`` for what it guarantees). Tests that need the
network to go away call ``live_server.stop()`` and ``live_server.start()`` (same port, same
database).

``GRIDCTL_TEST_DB=postgresql+psycopg://user@host:port/`` runs every server on PostgreSQL
instead: each server gets a fresh database of its own there (created when the server is made,
dropped when its fixture ends). Tests reach a server's database through ``server.db``
(a ``TestDatabase``), which works on both; ``.ci/run`` runs the suite both ways.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

# A non-interactive shell starts background jobs with SIGINT ignored, and a child inherits that:
# `gridctl demo`/`serve` started by these tests would then never see the Ctrl-C the tests send
# (CI runs the SQLite and PostgreSQL suites as two background jobs). A handled signal is reset
# to its default in every child at exec, so installing Python's own handler here is enough.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-pass"
TEST_DB = os.environ.get("GRIDCTL_TEST_DB", "").strip()
ON_POSTGRES = TEST_DB.startswith(("postgresql", "postgres:"))
# Marks a test that only means something on SQLite (say why in the reason).
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="needs the SQLite file of the server")


def _admin_conninfo() -> str:
    from sqlalchemy.engine import make_url

    url = make_url(TEST_DB).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


class TestDatabase:
    """The database behind one test server: a SQLite file, or (GRIDCTL_TEST_DB) a fresh PostgreSQL
    database of its own. ``rows``/``execute`` run SQL with ``:name`` parameters on either."""

    __test__ = False  # not a test class

    def __init__(self, sqlite_path: Path) -> None:
        self.sqlite_path = sqlite_path
        self._engine = None
        if ON_POSTGRES:
            import psycopg

            self.name = f"gt_{os.getpid()}_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            base = TEST_DB if TEST_DB.endswith("/") else TEST_DB + "/"
            self.url = base + self.name
        else:
            self.name = None
            self.url = f"sqlite:///{sqlite_path}"

    @property
    def dialect(self) -> str:
        return "postgresql" if self.name else "sqlite"

    def engine(self):
        if self._engine is None:
            from server.db import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def rows(self, sql: str, **params) -> list[tuple]:
        from sqlalchemy import text

        with self.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]

    def scalar(self, sql: str, **params):
        rows = self.rows(sql, **params)
        return rows[0][0] if rows else None

    def execute(self, sql: str, **params) -> None:
        from sqlalchemy import text

        with self.engine().begin() as conn:
            conn.execute(text(sql), params)

    def connect(self) -> "DbapiConnection":
        """A plain DB-API connection taking ``?`` placeholders on both databases (autocommit), for
        tests written against ``sqlite3.connect(path)``; close it, or use it in a ``with``."""
        return DbapiConnection(self)

    def drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.name:
            import psycopg

            with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DbapiConnection:
    """``execute(sql, params)`` with sqlite3's ``?`` placeholders on SQLite and PostgreSQL; returns
    a cursor (``fetchone``, ``fetchall``, iteration)."""

    def __init__(self, db: TestDatabase) -> None:
        self.dialect = db.dialect
        if db.dialect == "postgresql":
            import psycopg
            from sqlalchemy.engine import make_url

            self._conn = psycopg.connect(make_url(db.url).set(drivername="postgresql")
                                         .render_as_string(hide_password=False), autocommit=True)
        else:
            import sqlite3

            self._conn = sqlite3.connect(db.sqlite_path, timeout=30, isolation_level=None)

    def execute(self, sql: str, params=()):
        if self.dialect == "postgresql":
            return self._conn.execute(sql.replace("?", "%s") if params else sql, tuple(params) or None)
        return self._conn.execute(sql, tuple(params))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "DbapiConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LiveServer:
    """``python -m server`` on loopback. ``scale=None`` seeds nothing; ``workers`` > 1 runs that many
    server processes (``--workers``); ``db`` is a ``TestDatabase`` (a new one by default)."""

    def __init__(self, db_path: Path, scale: str | None = "small", env: dict[str, str] | None = None,
                 workers: int = 1, db: TestDatabase | None = None, args: list[str] | None = None) -> None:
        self.db_path = db_path
        self.db = db or TestDatabase(db_path)
        self.scale = scale
        self.env = env or {}
        self.workers = workers
        self.args = args or []
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = db_path.with_suffix(".log")

    def start(self, timeout: float | None = None) -> "LiveServer":
        if self.proc is not None and self.proc.poll() is None:
            return self
        # Seeding the demo on PostgreSQL took over 30 s on a machine at load 13, and several worker
        # processes each import the whole server: a generous limit costs nothing, it is polled.
        timeout = timeout or (90.0 if self.workers == 1 else 180.0)
        cmd = [sys.executable, "-m", "server", "--db", self.db.url, "--port", str(self.port), *self.args]
        if self.scale:
            cmd += ["--demo", "--demo-scale", self.scale]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        deadline = time.monotonic() + timeout
        import httpx

        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        """Stop, and drop the database (PostgreSQL) — the end of a fixture."""
        self.stop()
        self.db.drop()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("server") / "server.db").start()
    yield server
    server.close()


@pytest.fixture()
def server_factory(tmp_path):
    """Fresh, separately seeded servers (each costs about a second to start).

    ``env`` adds environment variables for the server process, e.g. GRIDCTL_SERVER_SETTINGS.
    """
    made: list[LiveServer] = []

    def make(scale: str | None = "small", env: dict[str, str] | None = None, workers: int = 1,
             db: TestDatabase | None = None, args: list[str] | None = None) -> LiveServer:
        server = LiveServer(tmp_path / f"server{len(made)}.db", scale, env, workers, db, args)
        made.append(server)  # closed (its database dropped) even if it fails to start
        return server.start()

    yield make
    for s in made:
        s.close()


@pytest.fixture()
def test_db(tmp_path):
    """A fresh empty database (SQLite file or PostgreSQL database), dropped afterwards."""
    db = TestDatabase(tmp_path / "fresh.db")
    yield db
    db.drop()


def token_for(url: str, username: str, password: str = PASSWORD) -> str:
    import httpx

    r = httpx.post(url + "/api/v1/auth/token", json={"username": username, "password": password}, timeout=10)
    r.raise_for_status()
    return r.json()["access_token"]


@pytest.fixture(scope="session")
def tokens(live_server):
    """Bearer tokens of the five demo accounts, made once per session."""
    cache: dict[str, str] = {}

    def get(username: str) -> str:
        if username not in cache:
            cache[username] = token_for(live_server.url, username)
        return cache[username]

    return get
