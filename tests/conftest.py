"""Fixtures shared by every part of the suite: the real reference server on loopback.

The server runs as a subprocess (``python -m server``) with a temporary SQLite file, seeded with
the small demo county (see ``server/demo.py`` for what it guarantees). Tests that need the
network to go away call ``live_server.stop()`` and ``live_server.start()`` (same port, same
database).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-pass"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, db_path: Path, scale: str = "small", env: dict[str, str] | None = None) -> None:
        self.db_path = db_path
        self.scale = scale
        self.env = env or {}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = db_path.with_suffix(".log")

    def start(self, timeout: float = 30.0) -> "LiveServer":
        if self.proc is not None and self.proc.poll() is None:
            return self
        cmd = [sys.executable, "-m", "server", "--db", f"sqlite:///{self.db_path}", "--port", str(self.port),
               "--demo", "--demo-scale", self.scale]
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
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("server") / "server.db").start()
    yield server
    server.stop()


@pytest.fixture()
def server_factory(tmp_path):
    """Fresh, separately seeded servers (each costs about a second to start).

    ``env`` adds environment variables for the server process, e.g. GRIDCTL_SERVER_SETTINGS.
    """
    made: list[LiveServer] = []

    def make(scale: str = "small", env: dict[str, str] | None = None) -> LiveServer:
        server = LiveServer(tmp_path / f"server{len(made)}.db", scale, env).start()
        made.append(server)
        return server

    yield make
    for s in made:
        s.stop()


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
