"""`household update` repeating the stored values says "nothing changed" and exits 0, as `person
update` does (it used to be refused, exit 2): nothing is queued, no version is made. Real CLI,
real server (SQLite, or PostgreSQL under GRIDCTL_TEST_DB), as gw-001, in zh and en."""

from __future__ import annotations

import pytest


def _rows(server, sql: str, *params):
    with server.db.connect() as db:
        return db.execute(sql, params).fetchall()


@pytest.mark.parametrize("lang, words", [("en", "nothing changed"), ("zh", "没有变化")])
def test_household_update_with_the_stored_values_says_nothing_changed(cli, login, server_factory, lang, words):
    server = server_factory()
    login(server, "gw-001")
    hh = cli("household", "list", "-o", "json").json()[0]
    before = _rows(server, "SELECT version, address FROM households WHERE id = ?", hh["id"])

    for extra in ((), ("--offline",)):
        r = cli("--lang", lang, *extra, "household", "update", hh["id"], "--address", hh["address"])
        assert r.code == 0, r.err
        assert words in r.err and "saved" not in r.err and "已保存" not in r.err, r.err
    # Several fields, all as stored (the household number as a worker types it).
    r = cli("--lang", lang, "household", "update", hh["household_no"], "--household-no", hh["household_no"],
            "--address", hh["address"], "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["unchanged"] is True and r.json()["id"] == hh["id"] and r.json()["sync"] == "synced"
    # Nothing queued, nothing sent, no version.
    assert cli("outbox", "list", "--all", "-o", "json").json() == []
    assert _rows(server, "SELECT version, address FROM households WHERE id = ?", hh["id"]) == before

    # A real change still goes, once.
    r = cli("--lang", lang, "household", "update", hh["id"], "--address", hh["address"] + "（改）", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "synced" and not r.json().get("unchanged"), r.err
    assert _rows(server, "SELECT version FROM households WHERE id = ?", hh["id"]) == [(before[0][0] + 1,)]


@pytest.mark.parametrize("lang, words", [("en", "nothing changed"), ("zh", "没有变化")])
def test_person_tag_adding_a_tag_already_held_says_nothing_changed(cli, login, server_factory, lang, words):
    """Found on the way: `person tag --add T` for a tag the person has was refused (exit 2, "nothing
    to change") while `person update` with the same tags says "nothing changed" (exit 0)."""
    server = server_factory()
    login(server, "gw-001")
    person = cli("person", "list", "-o", "json").json()[0]
    assert cli("person", "tag", person["id"], "--add", "veteran").code == 0
    queued = len(cli("outbox", "list", "--all", "-o", "json").json())
    version = _rows(server, "SELECT version FROM persons WHERE id = ?", person["id"])
    r = cli("--lang", lang, "person", "tag", person["id"], "--add", "veteran")
    assert r.code == 0 and words in r.err, r.err
    assert len(cli("outbox", "list", "--all", "-o", "json").json()) == queued  # nothing queued
    assert _rows(server, "SELECT version FROM persons WHERE id = ?", person["id"]) == version
    # Removing a tag the person does not have is still refused: it names a mistake.
    assert cli("person", "tag", person["id"], "--remove", "drug_user").code == 2
