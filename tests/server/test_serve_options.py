"""``gridctl serve`` for production (DESIGN 13): PostgreSQL URLs as operators write them, and
``--workers N`` processes answering on one port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ON_POSTGRES, ROOT, TestDatabase, _free_port, token_for


def test_postgresql_urls_go_through_psycopg():
    from server.db import normalize_url

    assert normalize_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


@pytest.mark.slow
def test_serve_with_workers_runs_that_many_processes_on_one_database(tmp_path):
    db = TestDatabase(tmp_path / "workers.db")
    # On PostgreSQL, the URL as an operator would write it (no +psycopg).
    url = db.url.replace("postgresql+psycopg://", "postgresql://") if ON_POSTGRES else db.url
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "serve", "--demo", "--db", url, "--port", str(port),
                             "--workers", "3"], cwd=ROOT, env={**os.environ, "GRIDCTL_LANG": "en"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # uvicorn's supervisor has one child per worker (plus, on some versions, a resource tracker).
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(proc.pid)) >= 3
        # Any worker answers any request: a token made by one works on the others.
        token = token_for(base, "gw-001")
        for _ in range(12):
            r = httpx.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        db.drop()


@pytest.mark.parametrize("url, words", [
    ("://not-a-url", "Could not parse"),  # a bare path is a SQLite file (gridctl serve --db)
    ("postgresql://nobody:secret@127.0.0.1:1/nothing", "127.0.0.1"),
    ("sqlite:////nonexistent-dir/x.db", "unable to open"),
])
@pytest.mark.parametrize("lang, says", [("en", "cannot open the database"), ("zh", "无法打开数据库")])
def test_a_database_that_cannot_be_opened_is_named_with_how_to_fix_it(url, words, lang, says):
    for cmd in ([sys.executable, "-m", "gridctl", "--lang", lang, "serve", "--db", url, "--port", str(_free_port())],
                [sys.executable, "-m", "server", "--db", url, "--port", str(_free_port())]):
        r = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "GRIDCTL_LANG": lang}, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 2, r.stderr
        assert says in r.stderr and words in r.stderr and "--db" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "secret" not in r.stderr
