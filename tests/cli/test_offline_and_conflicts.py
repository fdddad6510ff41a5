"""Offline work queues and syncs exactly once; conflicts are shown, retried or discarded."""

from __future__ import annotations


import httpx

from tests.conftest import token_for


def _server_count(server, sql: str, *params) -> int:
    with server.db.connect() as db:
        return db.execute(sql, params).fetchone()[0]


def test_offline_writes_queue_and_sync_delivers_them_once(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    cases = cli("case", "list", "-o", "json").json()
    target = next(c for c in cases if c["status"] == "reported" and c["level"] == "grid")
    household = cli("household", "list", "-o", "json").json()[0]
    server.stop()

    r = cli("incident", "report", "--category", "environment", "--title", "北侧垃圾点三天未清运", "-o", "json")
    assert r.code == 0, r.err
    report = r.json()
    assert report["sync"] == "pending" and report["serial"] is None
    assert "queued to sync" in r.err
    r = cli("visit", "log", household["household_no"], "--purpose", "routine", "--note", "停电未见到", "--not-met", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "pending"
    r = cli("case", "escalate", target["serial"], "--reason", "需村里协调", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "pending" and r.json()["level"] == "village"

    listed = cli("case", "list", "--all")
    assert listed.code == 0 and "server unreachable: showing the local cache" in listed.err
    shown = cli("case", "show", report["id"], "-o", "json")
    assert shown.code == 0 and shown.json()["title"] == "北侧垃圾点三天未清运" and shown.json()["sync"] == "pending"
    status = cli("sync", "status", "-o", "json").json()
    assert status["pending"] == 3
    assert cli("sync").code == 8  # the server is needed for this one

    server.start()
    r = cli("sync", "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["applied"] == 3 and r.json()["conflict"] == 0
    assert _server_count(server, "SELECT COUNT(*) FROM cases WHERE id = ?", report["id"]) == 1
    assert _server_count(server, "SELECT COUNT(*) FROM visits WHERE note = ?", "停电未见到") == 1
    with server.db.connect() as db:
        assert db.execute("SELECT level FROM cases WHERE id = ?", (target["id"],)).fetchone()[0] == "village"
    again = cli("sync", "-o", "json").json()
    assert again["pushed"] == 0 and again["applied"] == 0
    assert _server_count(server, "SELECT COUNT(*) FROM cases WHERE title = ?", "北侧垃圾点三天未清运") == 1
    shown = cli("case", "show", report["id"], "-o", "json").json()
    assert shown["serial"] and shown["sync"] == "synced"


def test_offline_flag_never_touches_the_network(cli, login, live_server):
    login(live_server, "gw-001")
    r = cli("--offline", "case", "list", "--all")
    assert r.code == 0 and "nothing cached yet: run `gridctl sync` while online" in r.err
    assert cli("sync", "--pull-only").code == 0
    r = cli("--offline", "incident", "report", "--category", "other", "--title", "离线测试", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "pending"
    r = cli("--offline", "case", "list", "--all")
    assert r.code == 0 and "offline: showing the local cache" in r.err
    assert cli("outbox", "list", "-o", "json").json()[0]["state"] == "pending"


def test_conflict_between_two_devices(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001", profile="laptop")
    login(server, "gw-001", profile="tablet")
    login(server, "village-01", profile="village")
    case = next(c for c in cli("--profile", "laptop", "case", "list", "-o", "json").json()
                if c["status"] == "reported" and c["level"] == "grid")
    cli("--profile", "tablet", "sync")
    assert cli("--profile", "tablet", "--offline", "case", "accept", case["serial"]).code == 0
    assert cli("--profile", "laptop", "case", "escalate", case["serial"], "--reason", "需村里协调").code == 0

    r = cli("--profile", "tablet", "sync")
    assert r.code == 3
    assert "1 conflicts" in r.err and "gridctl outbox list" in r.err
    items = cli("--profile", "tablet", "outbox", "list", "-o", "json").json()
    assert [i["state"] for i in items] == ["conflict"]
    assert items[0]["server"]["level"] == "village"
    assert cli("--profile", "tablet", "sync", "status", "-o", "json").json()["conflict"] == 1
    shown = cli("--profile", "tablet", "outbox", "show", items[0]["id"][:13])
    assert shown.code == 0 and "the server's now" in shown.out
    # Nothing was overwritten on the server.
    token = token_for(server.url, "county-admin")
    get = lambda: httpx.get(f"{server.url}/api/v1/cases/{case['id']}", headers={"Authorization": f"Bearer {token}"}).json()
    assert (get()["status"], get()["level"]) == ("reported", "village")
    # The village sends it back down; now the tablet's accept fits again and a retry applies it.
    assert cli("--profile", "village", "case", "return", case["serial"], "--reason", "属网格职责").code == 0
    r = cli("--profile", "tablet", "outbox", "retry", items[0]["id"], "-o", "json")
    assert r.code == 0, r.err
    assert (get()["status"], get()["level"]) == ("accepted", "grid")
    assert [s["action"] for s in get()["steps"]][-3:] == ["escalate", "return", "accept"]


def test_discarding_a_conflict_restores_the_servers_version(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001", profile="a")
    login(server, "gw-001", profile="b")
    case = next(c for c in cli("--profile", "a", "case", "list", "-o", "json").json() if c["status"] == "accepted")
    cli("--profile", "b", "sync")
    assert cli("--profile", "b", "--offline", "case", "start", case["serial"]).code == 0
    assert cli("--profile", "a", "case", "resolve", case["serial"], "--note", "已调解").code == 0
    assert cli("--profile", "b", "sync").code == 3
    item = cli("--profile", "b", "outbox", "list", "-o", "json").json()[0]
    r = cli("--profile", "b", "outbox", "retry", item["id"])
    assert r.code == 2 and "resolved" in r.err.lower()  # it no longer fits: said, not applied
    assert cli("--profile", "b", "outbox", "discard", item["id"]).code == 0
    assert cli("--profile", "b", "outbox", "list", "-o", "json").json() == []
    shown = cli("--profile", "b", "--offline", "case", "show", case["serial"], "-o", "json").json()
    assert shown["status"] == "resolved"
