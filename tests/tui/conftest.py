"""Fixtures of the worker app tests: an isolated profile logged in to the real test server."""

from __future__ import annotations

import pytest

PASSWORD = "demo-pass"


def _core():
    from gridctl import ops

    return ops


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Config and data dirs of this test alone, English unless a test says otherwise."""
    monkeypatch.setenv("GRIDCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GRIDCTL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GRIDCTL_LANG", "en")
    monkeypatch.delenv("GRIDCTL_PROFILE", raising=False)
    yield tmp_path
    from gridctl import i18n

    i18n.set_lang(None)


@pytest.fixture
def server(live_server):
    return live_server


@pytest.fixture
def ops_module():
    return _core()


@pytest.fixture
def worker_client(isolated, server, ops_module):
    """A Client of gw-001 on the live server, with its own fresh store."""
    ops_module.login(server.url, "gw-001", PASSWORD, profile="tui")
    return ops_module.Client.open("tui")


@pytest.fixture
def server_get(server, tokens):
    """GET on the server as gw-001, straight over HTTP: the server's word, not the cache's."""
    import httpx

    token = tokens("gw-001")

    def get(path: str, **params):
        response = httpx.get(f"{server.url}/api/v1{path}", params=params,
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
        response.raise_for_status()
        return response.json()

    return get
