"""Fixtures of the core tests: private config/data folders and one seeded server for the module."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer


@pytest.fixture()
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDCTL_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("GRIDCTL_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("GRIDCTL_PROFILE", raising=False)
    # The core's language is a process global: a CLI test run before (--lang zh) must not leave
    # these tests, which read English texts, in Chinese.
    from gridctl.i18n import set_lang

    monkeypatch.setenv("GRIDCTL_LANG", "en")
    set_lang(None)
    return tmp_path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: its tests stop and start it, and count rows in its database."""
    live = LiveServer(tmp_path_factory.mktemp("core-server") / "server.db").start()
    yield live
    live.close()


@pytest.fixture()
def clients(dirs, server):
    """``open(profile, username)``: log a profile in and open its client; all closed afterwards."""
    from gridctl import ops

    opened = []

    def open_(profile: str, username: str = "gw-001", *, offline: bool = False):
        from gridctl import config

        if profile not in config.load_config().profiles:
            ops.login(server.url, username, "demo-pass", profile=profile)
        client = ops.Client.open(profile, offline=offline)
        opened.append(client)
        return client

    yield open_
    for c in opened:
        c.close()


def server_rows(server, sql: str, *params):
    with server.db.connect() as db:  # the server's database, SQLite or PostgreSQL
        return db.execute(sql, params).fetchall()
