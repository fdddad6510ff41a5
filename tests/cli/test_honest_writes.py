"""DESIGN §12 through the real CLI and the real server: edits that apply, per-record dependencies,
rebased follow-ups, waiting that is visible, refused records marked everywhere."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.validators import make_id_number


def _rows(server, sql: str, *params):
    with server.db.connect() as db:
        return db.execute(sql, params).fetchall()


def _household_with_members(cli, n: int = 2) -> dict:
    listing = cli("household", "list", "-o", "json").json()
    hh = next(h for h in listing if h["members"] >= n)
    return cli("household", "show", hh["id"], "-o", "json").json()


def _new_id_number(seq: int) -> str:
    return make_id_number("610822", date(1961, 3, 9), 500 + seq)  # odd/even sequence: sex below


def _sex(id_number: str) -> str:
    return "male" if int(id_number[16]) % 2 else "female"


def test_a_worker_edits_a_phone_of_a_person_whose_id_number_is_masked(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    hh = _household_with_members(cli)
    person = next(p for p in hh["persons"] if p.get("id_number"))
    assert "*" in person["id_number"]  # a worker sees ID numbers masked
    (stored_id,) = _rows(server, "SELECT id_number FROM persons WHERE id = ?", person["id"])[0]

    result = cli("person", "update", person["id"], "--phone", "13700000000", "-o", "json")
    assert result.code == 0, result.err
    assert result.json()["sync"] == "synced"
    assert _rows(server, "SELECT phone, id_number, version FROM persons WHERE id = ?", person["id"]) == [
        ("13700000000", stored_id, person["version"] + 1)]
    # What went over the wire was a patch: the id, and the one field changed.
    item = cli("outbox", "list", "--all", "-o", "json").json()[-1]
    assert item["payload"] == {"id": person["id"], "phone": "13700000000"}

    # Typing the masked value back is refused here, naming the flag; nothing queued.
    refused = cli("person", "update", person["id"], "--id-number", person["id_number"])
    assert refused.code == 2 and "--id-number" in refused.err and "masked" in refused.err
    assert cli("outbox", "list", "-o", "json").json() == []


def test_the_server_refuses_a_masked_value_in_both_languages(server_factory, tokens):
    import httpx

    from gridctl.ids import uuid7

    server = server_factory()
    token = httpx.post(server.url + "/api/v1/auth/token", json={"username": "gw-001", "password": "demo-pass"}).json()
    pid, hid = _rows(server, "SELECT id, household_id FROM persons WHERE grid_code = '610822100200001' "
                             "AND id_number IS NOT NULL LIMIT 1")[0]
    for lang, words in (("zh-CN", "脱敏"), ("en", "masked")):
        body = {"device_id": "t", "mutations": [{"id": uuid7(), "type": "person.upsert", "base_version": None,
                                                 "created_at": "2026-11-22T09:30:00+08:00",
                                                 "payload": {"id": pid, "id_number": "6108**********2829"}}]}
        r = httpx.post(server.url + "/api/v1/sync/push", json=body, timeout=10,
                       headers={"Authorization": f"Bearer {token['access_token']}", "Accept-Language": lang})
        result = r.json()["results"][0]
        assert result["status"] == "rejected" and result["problem"]["code"] == "value.masked"
        assert words in result["problem"]["detail"]
    # A patch leaving a field out keeps it: name only.
    before = _rows(server, "SELECT id_number, phone, household_id FROM persons WHERE id = ?", pid)
    body["mutations"][0] = dict(body["mutations"][0], id=uuid7(), payload={"id": pid, "name": "改名测试"})
    r = httpx.post(server.url + "/api/v1/sync/push", json=body, timeout=10,
                   headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.json()["results"][0]["status"] == "applied"
    assert _rows(server, "SELECT id_number, phone, household_id FROM persons WHERE id = ?", pid) == before
    assert _rows(server, "SELECT name FROM persons WHERE id = ?", pid) == [("改名测试",)]


def test_one_refused_write_holds_back_only_what_builds_on_it(cli, login, server_factory):
    """The probe of issue 8 item 2: many offline writes to one household, one of them refused."""
    server = server_factory()
    login(server, "gw-001")
    hh = _household_with_members(cli, 3)
    taken = _new_id_number(1)
    first = cli("person", "add", hh["id"], "--name", "甲", "--id-number", taken, "--sex", _sex(taken))
    assert first.code == 0, first.err
    members = [p for p in hh["persons"]]

    # Offline: a person with the same ID number (the server will refuse it), follow-ups of that
    # person, and many unrelated writes to the same household.
    dup = cli("--offline", "person", "add", hh["id"], "--name", "乙", "--id-number", taken, "--sex", _sex(taken),
              "-o", "json").json()
    follow = cli("--offline", "person", "update", dup["id"], "--phone", "13900000001", "-o", "json").json()
    visit_dup = cli("--offline", "visit", "log", hh["id"], "--purpose", "routine", "--person", dup["id"],
                    "-o", "json").json()
    unrelated = 0
    for i, m in enumerate(members):
        assert cli("--offline", "person", "update", m["id"], "--phone", f"1370000{i:04d}").code == 0
        unrelated += 1
    for i in range(12):
        assert cli("--offline", "visit", "log", hh["id"], "--purpose", "routine", "--note", f"第{i}次").code == 0
        unrelated += 1
    # A refused *edit* of a member who exists on the server holds back nothing but its own record's
    # later edits: a visit naming that member goes.
    refused_edit = cli("--offline", "person", "update", members[0]["id"], "--id-number", taken,
                       "--sex", _sex(taken), "--birth-date", "1961-03-09", "-o", "json")
    assert refused_edit.code == 0, refused_edit.err
    assert cli("--offline", "visit", "log", hh["id"], "--purpose", "care", "--person", members[0]["id"]).code == 0
    unrelated += 1
    new_id = _new_id_number(2)
    assert cli("--offline", "person", "add", hh["id"], "--name", "丙", "--id-number", new_id,
               "--sex", _sex(new_id)).code == 0
    assert cli("--offline", "incident", "report", "--category", "other", "--title", "同户的上报",
               "--household", hh["id"]).code == 0
    unrelated += 2

    result = cli("sync")
    assert result.code == 3, result.err
    assert f"{unrelated} delivered" in result.err, result.err
    assert "2 rejected, 2 waiting" in result.err
    dup_mutation = cli("outbox", "list", "-o", "json").json()[0]
    assert dup_mutation["state"] == "rejected" and dup_mutation["entity_id"] == dup["id"]
    # Each waiting item is named with what it waits for and the command that frees it.
    waiting_lines = [ln for ln in result.err.splitlines() if "free it with" in ln]
    assert len(waiting_lines) == 2, result.err
    assert all(dup_mutation["id"] in ln and "outbox retry|discard" in ln for ln in waiting_lines)
    assert "this ID number is already registered" in result.err  # says nothing of who holds it (DESIGN 14)
    # Everything unrelated is on the server; nothing of the refused person.
    assert _rows(server, "SELECT COUNT(*) FROM visits WHERE household_id = ?", hh["id"])[0][0] >= 12
    assert _rows(server, "SELECT COUNT(*) FROM persons WHERE id = ?", dup["id"]) == [(0,)]
    assert _rows(server, "SELECT COUNT(*) FROM persons WHERE name = '丙'") == [(1,)]

    # Marked everywhere, never with its full ID number.
    shown = cli("household", "show", hh["id"], "-o", "json").json()
    marked = {p["id"]: p for p in shown["persons"]}
    assert marked[dup["id"]]["sync"] == "rejected" and marked[dup["id"]]["id_number"] != taken
    assert marked[members[0]["id"]]["sync"] == "rejected"  # its refused edit is what is shown
    assert all(p["sync"] == "synced" for pid, p in marked.items() if pid not in (dup["id"], members[0]["id"]))
    assert cli("person", "show", dup["id"], "-o", "json").json()["sync"] == "rejected"
    visits = {v["id"]: v for v in cli("visit", "list", "--household", hh["id"], "-o", "json").json()}
    assert visits[visit_dup["id"]]["sync"] == "waiting"
    table = cli("household", "show", hh["id"])
    assert taken not in table.out and "rejected" in table.out
    again = cli("sync")
    assert again.code == 3  # still left: exit 3 every time until handled

    # Discarding the refused person removes it from the cache, and with it (only when asked,
    # --yes when piped) the writes that cannot be sent without it: its edit and the visit naming it.
    refused_alone = cli("outbox", "discard", dup_mutation["id"])
    assert refused_alone.code == 2 and "--yes" in refused_alone.err
    assert "these 2 write(s)" in refused_alone.err and "person 乙" in refused_alone.err, refused_alone.err
    gone = cli("outbox", "discard", dup_mutation["id"], "--yes", "-o", "json")
    assert gone.code == 0, gone.err
    assert {d["entity_id"] for d in gone.json()["dependents"]} == {dup["id"], visit_dup["id"]}
    shown = cli("household", "show", hh["id"], "-o", "json").json()
    assert dup["id"] not in {p["id"] for p in shown["persons"]}
    assert visit_dup["id"] not in {v["id"] for v in cli("visit", "list", "--household", hh["id"], "-o", "json").json()}


def test_two_offline_edits_of_one_person_never_conflict(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    person = _household_with_members(cli)["persons"][0]
    assert cli("--offline", "person", "update", person["id"], "--phone", "13800000001").code == 0
    assert cli("--offline", "person", "update", person["id"], "--name", "新名字").code == 0
    assert cli("--offline", "person", "update", person["id"], "--phone", "13800000003").code == 0
    result = cli("sync")
    assert result.code == 0, result.err
    assert _rows(server, "SELECT name, phone, version FROM persons WHERE id = ?", person["id"]) == [
        ("新名字", "13800000003", person["version"] + 3)]
    assert cli("outbox", "list", "-o", "json").json() == []
    assert cli("person", "show", person["id"], "-o", "json").json()["version"] == person["version"] + 3


def test_case_actions_in_sequence_offline_all_apply(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    case = cli("incident", "report", "--category", "other", "--title", "离线连续处置", "-o", "json").json()
    for args in (("accept",), ("start",), ("comment", case["id"], "拍照"), ("resolve",)):
        verb = args[0]
        extra = list(args[1:]) if verb == "comment" else [case["id"]]
        if verb == "resolve":
            extra += ["--note", "已处理"]
        assert cli("--offline", "case", verb, *extra).code == 0
    result = cli("sync")
    assert result.code == 0, result.err
    assert _rows(server, "SELECT status, version FROM cases WHERE id = ?", case["id"]) == [("resolved", 5)]


def test_station_refused_assign_does_not_trap_later_actions(cli, login, server_factory):
    """Issue 8 item 3 as station-01. A refused case action changed nothing on the server, so the
    later actions on that case are judged by the server on the case as it is: they apply."""
    server = server_factory()
    login(server, "gw-001", profile="gw")
    case = cli("--profile", "gw", "incident", "report", "--category", "dispute", "--title", "邻里纠纷",
               "-o", "json").json()
    assert cli("--profile", "gw", "case", "escalate", case["id"], "--reason", "需镇里处理", "--to", "town").code == 0
    login(server, "station-01", profile="st")

    # Online, `--to` is checked against the server's user list first (exit 2); made offline with
    # no list cached, the bad assign reaches the server only at the sync, which refuses it.
    assert cli("--profile", "st", "sync").code == 0  # the case in the station's cache
    assert cli("--offline", "--profile", "st", "case", "assign", case["id"], "--to", "nobody").code == 0
    nobody = cli("--profile", "st", "sync")
    assert nobody.code == 3
    assert "nobody" in nobody.err and "outbox" in nobody.err
    assert cli("--profile", "st", "case", "assign", case["id"], "--to", "nobody").code == 2
    assigned = cli("--profile", "st", "case", "assign", case["id"], "--to", "village-01", "-o", "json")
    assert assigned.code == 0, assigned.err
    assert assigned.json()["sync"] == "synced"
    returned = cli("--profile", "st", "case", "return", case["id"], "--reason", "村里先调解", "-o", "json")
    assert returned.code == 0, returned.err
    assert _rows(server, "SELECT level, assignee FROM cases WHERE id = ?", case["id"]) == [("village", None)] or \
        _rows(server, "SELECT level FROM cases WHERE id = ?", case["id"]) == [("village",)]
    # The refused one stays visible with its reason, and sync says so with exit 3.
    result = cli("--profile", "st", "sync")
    assert result.code == 3 and "nobody" in result.err and "outbox retry|discard" in result.err


def test_an_online_write_queued_behind_a_refused_one_says_so(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    hh = _household_with_members(cli, 2)
    a, b = hh["persons"][:2]
    taken = _new_id_number(3)
    assert cli("person", "update", a["id"], "--id-number", taken, "--sex", _sex(taken),
               "--birth-date", "1961-03-09").code == 0
    refused = cli("person", "update", b["id"], "--id-number", taken, "--sex", _sex(taken),
                  "--birth-date", "1961-03-09", "-o", "json")
    assert refused.code == 3 and refused.json()["sync"] == "rejected"
    blocker = cli("outbox", "list", "-o", "json").json()[0]["id"]

    waiting = cli("person", "update", b["id"], "--phone", "13911112222", "-o", "json")
    assert waiting.code == 3
    assert waiting.json()["sync"] == "waiting" and waiting.json()["waits_for"] == blocker
    assert blocker in waiting.err and "outbox retry" in waiting.err
    table = cli("person", "update", b["id"], "--name", "又改")
    assert table.code == 3 and "waits behind" in table.err
    listed = {i["state"] for i in cli("outbox", "list", "-o", "json").json()}
    assert listed == {"rejected", "waiting"}

    assert cli("outbox", "discard", blocker).code == 0
    result = cli("sync")
    assert result.code == 0, result.err
    assert _rows(server, "SELECT name, phone FROM persons WHERE id = ?", b["id"]) == [("又改", "13911112222")]


def test_a_household_patch_keeps_what_it_leaves_out(server_factory):
    import httpx

    from gridctl.ids import uuid7

    server = server_factory()
    token = httpx.post(server.url + "/api/v1/auth/token", json={"username": "gw-001", "password": "demo-pass"}).json()
    hid, no, grid, version = _rows(server, "SELECT id, household_no, grid_code, version FROM households "
                                           "WHERE grid_code = '610822100200001' LIMIT 1")[0]
    body = {"device_id": "t", "mutations": [{"id": uuid7(), "type": "household.upsert", "base_version": version,
                                             "created_at": "2026-11-22T09:30:00+08:00",
                                             "payload": {"id": hid, "address": "新地址1号"}}]}
    r = httpx.post(server.url + "/api/v1/sync/push", json=body, timeout=10,
                   headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.json()["results"][0]["status"] == "applied", r.json()
    assert _rows(server, "SELECT household_no, grid_code, address, version FROM households WHERE id = ?", hid) == [
        (no, grid, "新地址1号", version + 1)]
