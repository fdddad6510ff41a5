"""Discarding a refused write of a record never hides the later writes of that record still waiting
in the outbox (DESIGN §12: nothing lost, nothing stuck unseen). After the discard the cache shows
the server's version with every still-unsent write of the record applied in order."""

from __future__ import annotations

from datetime import date

from schemas.validators import make_id_number


def _rows(server, sql: str, *params):
    with server.db.connect() as db:
        return db.execute(sql, params).fetchall()


def _household_with_members(cli, n: int = 2, profile: tuple[str, ...] = ()) -> dict:
    listing = cli(*profile, "household", "list", "-o", "json").json()
    hh = next(h for h in listing if h["members"] >= n)
    return cli(*profile, "household", "show", hh["id"], "-o", "json").json()


def _taken_id_number(seq: int) -> tuple[str, str]:
    number = make_id_number("610822", date(1961, 3, 9), 700 + seq)
    return number, "male" if int(number[16]) % 2 else "female"


def _other_care_level(person: dict) -> str:
    return next(c for c in ("high", "medium", "low") if c != person.get("care_level"))


def test_discarding_a_rejected_edit_keeps_the_waiting_edit_of_that_person_shown(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    hh = _household_with_members(cli)
    a, b = hh["persons"][:2]
    taken, sex = _taken_id_number(1)
    assert cli("person", "update", a["id"], "--id-number", taken, "--sex", sex, "--birth-date", "1961-03-09").code == 0
    # Edit 1 of b: refused by the server (the ID number is a's).
    refused = cli("person", "update", b["id"], "--id-number", taken, "--sex", sex, "--birth-date", "1961-03-09",
                  "-o", "json")
    assert refused.code == 3 and refused.json()["sync"] == "rejected"
    blocker = cli("outbox", "list", "-o", "json").json()[0]["id"]
    # Edit 2 of b: waits behind edit 1.
    waiting = cli("person", "update", b["id"], "--phone", "13911113333", "--name", "等着的名字", "-o", "json")
    assert waiting.code == 3 and waiting.json()["sync"] == "waiting"

    assert cli("outbox", "discard", blocker).code == 0
    # The server's b (its own ID number, never the refused one) with edit 2 on top, marked pending.
    for shown in (cli("person", "show", b["id"], "-o", "json").json(),
                  cli("--offline", "person", "show", b["id"], "-o", "json").json(),
                  next(p for p in cli("person", "list", "--household", hh["id"], "-o", "json").json()
                       if p["id"] == b["id"])):
        assert (shown["name"], shown["phone"]) == ("等着的名字", "13911113333"), shown
        assert shown["id_number"] == b["id_number"] and shown["sync"] == "pending"
    # And it goes at the next sync, as it was.
    assert cli("sync").code == 0
    assert _rows(server, "SELECT name, phone FROM persons WHERE id = ?", b["id"]) == [("等着的名字", "13911113333")]


def test_discarding_a_conflicting_edit_shows_the_server_with_the_waiting_edit(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001", profile="laptop")
    login(server, "gw-001", profile="tablet")
    person = _household_with_members(cli, profile=("--profile", "tablet"))["persons"][0]
    care = _other_care_level(person)
    # The tablet edits the person twice offline; meanwhile the laptop renames them.
    assert cli("--profile", "tablet", "--offline", "person", "update", person["id"], "--phone", "13800000001").code == 0
    assert cli("--profile", "tablet", "--offline", "person", "update", person["id"], "--care-level", care).code == 0
    assert cli("--profile", "laptop", "person", "update", person["id"], "--name", "另一台改的").code == 0
    assert cli("--profile", "tablet", "sync").code == 3
    items = cli("--profile", "tablet", "outbox", "list", "-o", "json").json()
    assert [i["state"] for i in items] == ["conflict", "waiting"]

    assert cli("--profile", "tablet", "outbox", "discard", items[0]["id"]).code == 0
    shown = cli("--profile", "tablet", "--offline", "person", "show", person["id"], "-o", "json").json()
    # The laptop's name (the server's version), the waiting care level, not the discarded phone.
    assert (shown["name"], shown["care_level"]) == ("另一台改的", care), shown
    assert shown["phone"] != "13800000001" and shown["sync"] == "pending"
    assert [i["id"] for i in cli("--profile", "tablet", "outbox", "list", "-o", "json").json()] == [items[1]["id"]]


def test_discarding_a_conflicting_household_edit_keeps_its_waiting_edit(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001", profile="laptop")
    login(server, "gw-001", profile="tablet")
    hh = _household_with_members(cli, profile=("--profile", "tablet"))
    assert cli("--profile", "tablet", "--offline", "household", "update", hh["id"], "--address", "平板一改").code == 0
    assert cli("--profile", "tablet", "--offline", "household", "update", hh["id"], "--lat", "34.25",
               "--lon", "109.05").code == 0
    assert cli("--profile", "laptop", "household", "update", hh["id"], "--address", "笔记本改的地址").code == 0
    assert cli("--profile", "tablet", "sync").code == 3
    items = cli("--profile", "tablet", "outbox", "list", "-o", "json").json()
    assert [i["state"] for i in items] == ["conflict", "waiting"]

    assert cli("--profile", "tablet", "outbox", "discard", items[0]["id"]).code == 0
    shown = cli("--profile", "tablet", "--offline", "household", "show", hh["id"], "-o", "json").json()
    assert (shown["address"], shown["lat"], shown["lon"]) == ("笔记本改的地址", 34.25, 109.05), shown
    assert _rows(server, "SELECT address FROM households WHERE id = ?", hh["id"]) == [("笔记本改的地址",)]


def test_discarding_a_conflicting_case_action_keeps_the_waiting_comment(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001", profile="a")
    login(server, "gw-001", profile="b")
    case = next(c for c in cli("--profile", "a", "case", "list", "-o", "json").json() if c["status"] == "accepted")
    cli("--profile", "b", "sync")
    assert cli("--profile", "b", "--offline", "case", "start", case["serial"]).code == 0
    assert cli("--profile", "b", "--offline", "case", "comment", case["serial"], "等着的备注").code == 0
    assert cli("--profile", "a", "case", "resolve", case["serial"], "--note", "已调解").code == 0
    assert cli("--profile", "b", "sync").code == 3
    items = cli("--profile", "b", "outbox", "list", "-o", "json").json()
    assert [i["state"] for i in items] == ["conflict", "waiting"]

    assert cli("--profile", "b", "outbox", "discard", items[0]["id"]).code == 0
    shown = cli("--profile", "b", "--offline", "case", "show", case["serial"], "-o", "json").json()
    # Resolved as the server has it (not the discarded start), with the waiting comment on top.
    assert shown["status"] == "resolved" and shown["sync"] == "pending", shown
    assert [(s["action"], s["note"]) for s in shown["steps"]][-2:] == [("resolve", "已调解"), ("comment", "等着的备注")]
    assert cli("--profile", "b", "sync").code == 0
    assert _rows(server, "SELECT status FROM cases WHERE id = ?", case["id"]) == [("resolved",)]


def test_discarding_offline_keeps_the_waiting_edit_and_the_server_copy_comes_back_after(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    hh = _household_with_members(cli)
    a, b = hh["persons"][:2]
    taken, sex = _taken_id_number(2)
    assert cli("person", "update", a["id"], "--id-number", taken, "--sex", sex, "--birth-date", "1961-03-09").code == 0
    assert cli("person", "update", b["id"], "--id-number", taken, "--sex", sex, "--birth-date", "1961-03-09").code == 3
    blocker = cli("outbox", "list", "-o", "json").json()[0]["id"]
    assert cli("--offline", "person", "update", b["id"], "--phone", "13911114444").code == 0

    # Offline there is no server copy to build on: the waiting edit stays shown, never hidden.
    assert cli("--offline", "outbox", "discard", blocker).code == 0
    shown = cli("--offline", "person", "show", b["id"], "-o", "json").json()
    assert shown["phone"] == "13911114444" and shown["sync"] == "pending"
    # Sent, and the server's record fetched back: the discarded ID number is gone from the cache.
    assert cli("sync").code == 0
    shown = cli("--offline", "person", "show", b["id"], "-o", "json").json()
    assert (shown["phone"], shown["id_number"], shown["sync"]) == ("13911114444", b["id_number"], "synced")
    assert _rows(server, "SELECT phone FROM persons WHERE id = ?", b["id"]) == [("13911114444",)]
