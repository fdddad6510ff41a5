"""Issue 13 leftover: a write that repeats the stored values changes nothing — no new version, no
feed row, no history row — and says so (exit 0); the mutation is still applied exactly once, and
a repeat of it answers the same (DESIGN 6, 12). Real CLI, real server (SQLite, or PostgreSQL
under GRIDCTL_TEST_DB)."""

from __future__ import annotations

import httpx

from tests.conftest import token_for


def _rows(server, sql: str, *params):
    with server.db.connect() as db:
        return db.execute(sql, params).fetchall()


def _state(server, record_id: str, table: str = "persons") -> tuple:
    version = _rows(server, f"SELECT version FROM {table} WHERE id = ?", record_id)
    feed = _rows(server, "SELECT seq, version FROM feed WHERE entity_id = ? ORDER BY seq", record_id)
    history = _rows(server, "SELECT COUNT(*) FROM person_history WHERE person_id = ?", record_id)
    return version, feed, history


def test_an_update_with_the_stored_values_makes_no_version(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    listing = cli("household", "list", "-o", "json").json()
    hh = cli("household", "show", next(h for h in listing if h["members"] >= 1)["id"], "-o", "json").json()
    pid = hh["persons"][0]["id"]
    first = cli("person", "update", pid, "--phone", "13712345678", "-o", "json")
    assert first.code == 0 and first.json()["sync"] == "synced", first.err
    before = _state(server, pid)
    (version,), = before[0]

    for lang, words in (("en", ": nothing changed — the server already holds these values (no new version)"),
                        ("zh", "：没有变化——服务器上已是这些值（未产生新版本）")):
        again = cli("--lang", lang, "person", "update", pid, "--phone", "13712345678")
        assert again.code == 0, again.err
        assert again.err.startswith(pid[:8]) and words in again.err and "saved" not in again.err and "已保存" not in again.err
        assert _state(server, pid) == before  # no version, no feed row, no history row
    as_json = cli("person", "update", pid, "--phone", "13712345678", "-o", "json")
    assert as_json.code == 0 and as_json.json()["unchanged"] is True and as_json.json()["version"] == version
    assert _state(server, pid) == before

    # Each mutation was applied once and is done with; a repeat of one answers the same.
    items = cli("outbox", "list", "--all", "-o", "json").json()
    last = items[-1]
    assert [i["state"] for i in items[-3:]] == ["applied"] * 3
    assert cli("outbox", "list", "-o", "json").json() == []
    assert _rows(server, "SELECT COUNT(*) FROM applied_mutations WHERE id = ?", last["id"]) == [(1,)]
    token = token_for(server.url, "gw-001")
    body = {"device_id": "again", "mutations": [{"id": last["id"], "type": "person.upsert",
                                                  "base_version": last["base_version"],
                                                  "created_at": last["created_at"], "payload": last["payload"]}]}
    repeat = httpx.post(server.url + "/api/v1/sync/push", json=body, timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).json()["results"][0]
    assert (repeat["status"], repeat["version"], repeat["unchanged"]) == ("duplicate", version, True)
    assert _state(server, pid) == before

    # The next real change builds on the same version: applied, one version up, no conflict.
    changed = cli("person", "update", pid, "--phone", "13712345679", "-o", "json")
    assert changed.code == 0 and changed.json()["sync"] == "synced", changed.err
    assert _rows(server, "SELECT version, phone FROM persons WHERE id = ?", pid) == [(version + 1, "13712345679")]
    assert _state(server, pid)[2] == [(before[2][0][0] + 1,)]


def test_a_household_write_with_the_stored_values_makes_no_version(cli, login, server_factory):
    """The CLI answers a household update that gives the stored values with "nothing changed"
    before queueing anything (exit 0, tests/cli/test_household_unchanged.py); the server says "unchanged" to a client that
    sends one all the same (an offline edit made on a cache the server has since caught up with)."""
    from gridctl.ids import uuid7

    server = server_factory()
    login(server, "gw-001")
    hh = cli("household", "list", "-o", "json").json()[0]
    before = _state(server, hh["id"], "households")[:2]
    token = token_for(server.url, "gw-001")

    def push(mutation_id: str, address: str) -> dict:
        body = {"device_id": "t", "mutations": [{"id": mutation_id, "type": "household.upsert",
                                                  "base_version": hh["version"], "created_at": "2026-11-22T09:30:00+08:00",
                                                  "payload": {"id": hh["id"], "address": address}}]}
        return httpx.post(server.url + "/api/v1/sync/push", json=body, timeout=10,
                          headers={"Authorization": f"Bearer {token}"}).json()["results"][0]

    same = uuid7()
    result = push(same, hh["address"])
    assert (result["status"], result["version"], result["unchanged"]) == ("applied", hh["version"], True)
    assert _state(server, hh["id"], "households")[:2] == before
    assert push(same, hh["address"])["status"] == "duplicate"
    assert _rows(server, "SELECT COUNT(*) FROM applied_mutations WHERE id = ?", same) == [(1,)]
    moved = push(uuid7(), hh["address"] + "（新）")
    assert (moved["status"], moved["version"], moved["unchanged"]) == ("applied", hh["version"] + 1, None)


def test_an_offline_repeat_is_applied_once_and_unchanged(cli, login, server_factory):
    """Made offline, sent by sync: the same; and the cache keeps the server's version."""
    server = server_factory()
    login(server, "gw-001")
    listing = cli("household", "list", "-o", "json").json()
    hh = cli("household", "show", next(h for h in listing if h["members"] >= 1)["id"], "-o", "json").json()
    pid = hh["persons"][0]["id"]
    assert cli("person", "update", pid, "--phone", "13712340000").code == 0
    before = _state(server, pid)
    assert cli("--offline", "person", "update", pid, "--phone", "13712340000").code == 0
    synced = cli("sync")
    assert synced.code == 0, synced.err
    assert _state(server, pid) == before
    assert cli("person", "show", pid, "-o", "json").json()["version"] == before[0][0][0]
    assert cli("outbox", "list", "-o", "json").json() == []
