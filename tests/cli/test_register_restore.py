"""A move out or death recorded by mistake could not be undone: every command answered "no
longer in the register; nothing to change" (found by hand, when a death went to the wrong
member). `person restore` puts the person back, through the core the worker TUI uses too; the
server clears where to and since when, and the history keeps both changes."""

from __future__ import annotations

import pytest

from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api


@pytest.fixture()
def household(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")

    def ok(*args: str) -> dict:
        r = cli(*args, "-o", "json")
        assert r.code == 0, (args, r.err)
        return r.json()

    ok("household", "add", "--grid", GW1_GRID, "--household-no", "BACK-0001", "--address", "府兴路61号")
    head = ok("person", "add", "BACK-0001", "--name", "段华", "--relation", "head")
    wife = ok("person", "add", "BACK-0001", "--name", "汪凤欣", "--relation", "spouse")
    return Api(server.url, token_for(server.url, "gw-001")), ok, head, wife


def test_restore_undoes_a_mistaken_move_out(cli, household):
    api, ok, head, wife = household
    ok("person", "move-out", wife["id"], "--to", "西安市")
    restored = ok("person", "restore", wife["id"])
    assert restored["sync"] == "synced"
    on_server = api.get(f"/persons/{wife['id']}").json()
    assert (on_server["status"], on_server.get("moved_to"), on_server.get("status_date")) == ("active", None, None)
    r = cli("person", "restore", wife["id"])
    assert r.code == 2 and "汪凤欣" in r.err and "already" in r.err, r.err
    history = ok("person", "history", wife["id"])
    assert len(history) >= 2


def test_a_former_head_is_not_restored_over_the_new_head(cli, household):
    api, ok, head, wife = household
    ok("person", "decease", head["id"])
    ok("person", "update", wife["id"], "--relation", "head")
    r = cli("person", "restore", head["id"])
    assert r.code == 2, (r.code, r.err)
    assert "汪凤欣" in r.err and "--relation" in r.err, r.err
    assert api.get(f"/persons/{head['id']}").json()["status"] == "deceased"
