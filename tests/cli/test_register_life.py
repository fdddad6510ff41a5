"""The register over time (DESIGN 17) from the command line, against the real server: households
added and changed, people moving out, dying and moving house, tags with special populations,
one head per household — as gw-001 in its grid, gw-002 outside it, and station-01 above it;
each result checked on the server afterwards."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from schemas.ids import uuid7
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, now_text

GW2_GRID = "610822100200002"


@pytest.fixture()
def world(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    login(server, "gw-002", profile="gw2")
    login(server, "station-01", profile="station")
    admin = Api(server.url, token_for(server.url, "county-admin"))

    def ok(*args: str) -> dict:
        r = cli(*args, "-o", "json")
        assert r.code == 0, (args, r.err)
        assert r.json()["sync"] == "synced", (args, r.json())
        return r.json()

    return server, admin, ok


def _household_with_head(ok, no: str) -> tuple[dict, dict]:
    household = ok("household", "add", "--grid", GW1_GRID, "--household-no", no, "--address", "府兴路12号")
    head = ok("person", "add", no, "--name", "王建国", "--relation", "head")
    return household, head


def test_household_add_and_update_patch(cli, world, tmp_path):
    server, admin, ok = world
    household = ok("household", "add", "--grid", GW1_GRID, "--household-no", "R17-0001", "--address", "府兴路1号",
                   "--lat", "38.28", "--lon", "109.73")
    on_server = admin.get(f"/households/{household['id']}").json()
    assert (on_server["household_no"], on_server["address"], on_server["lat"]) == ("R17-0001", "府兴路1号", 38.28)

    changed = ok("household", "update", "R17-0001", "--address", "府兴路1号院2单元")
    assert changed["version"] == 2
    on_server = admin.get(f"/households/{household['id']}").json()
    # Only the address was sent; the rest stayed as stored.
    assert (on_server["address"], on_server["lat"], on_server["lon"]) == ("府兴路1号院2单元", 38.28, 109.73)

    # The mutation sent was a patch: the id and the changed field, nothing else.
    store = sqlite3.connect(tmp_path / "data" / "profiles" / "default" / "store.sqlite3")
    try:
        payloads = [json.loads(p) for (p,) in store.execute(
            "SELECT payload FROM outbox WHERE type = 'household.upsert' AND entity_id = ? ORDER BY seq",
            [household["id"]])]
    finally:
        store.close()
    assert payloads[-1] == {"id": household["id"], "address": "府兴路1号院2单元"}

    r = cli("household", "add", "--grid", GW1_GRID, "--household-no", "R17-0001", "--address", "x")
    assert r.code == 2 and "R17-0001" in r.err and "--household-no" in r.err
    # The stored values again: nothing changed, exit 0, nothing queued (as `person update`).
    r = cli("household", "update", "R17-0001", "--address", "府兴路1号院2单元")
    assert r.code == 0 and "nothing changed" in r.err, r.err


def test_gw002_is_refused_outside_its_grid(cli, world):
    server, admin, ok = world
    _, head = _household_with_head(ok, "R17-0002")
    r = cli("--profile", "gw2", "household", "add", "--grid", GW1_GRID, "--household-no", "R17-9002", "--address", "x")
    assert r.code == 2 and GW1_GRID in r.err and "--grid" in r.err
    r = cli("--profile", "gw2", "person", "move-out", head["id"], "--to", "榆林市")
    assert r.code == 5
    r = cli("--profile", "gw2", "person", "tag", head["id"], "--add", "veteran")
    assert r.code == 5
    assert admin.get(f"/persons/{head['id']}").json()["status"] == "active"
    # The server refuses too, whatever a client checks: a hand-made mutation from gw-002.
    gw2 = Api(server.url, token_for(server.url, "gw-002"))
    result = gw2.push({"id": _uuid(), "type": "person.upsert", "created_at": now_text(),
                       "payload": {"id": head["id"], "household_id": head["household_id"], "name": "王建国",
                                   "status": "deceased"}})[0]
    assert result["status"] == "rejected"
    assert admin.get(f"/persons/{head['id']}").json()["status"] == "active"


def _uuid() -> str:
    from schemas.ids import uuid7

    return uuid7()


def test_a_second_head_is_refused_unless_the_old_head_changes_in_the_same_command(cli, world):
    server, admin, ok = world
    household, head = _household_with_head(ok, "R17-0003")
    r = cli("person", "add", "R17-0003", "--name", "王小军", "--relation", "head")
    assert r.code == 2 and "王建国" in r.err and "--previous-head-becomes" in r.err
    r = cli("person", "add", "R17-0003", "--name", "王小军", "--relation", "son", "-o", "json")
    son = r.json()
    r = cli("person", "update", son["id"], "--relation", "head")
    assert r.code == 2 and "王建国" in r.err

    # The server refuses a second head whatever the client checked (a hand-made mutation).
    gw1 = Api(server.url, token_for(server.url, "gw-001"))
    result = gw1.push({"id": _uuid(), "type": "person.upsert", "created_at": now_text(),
                       "payload": {"id": _uuid(), "household_id": household["id"], "name": "赵六",
                                   "relation_to_head": "head"}})[0]
    assert result["status"] == "rejected"
    assert result["problem"]["errors"][0]["code"] == "register.second_head"

    new_head = ok("person", "update", son["id"], "--relation", "head", "--previous-head-becomes", "father")
    assert new_head["relation_to_head"] == "head"
    members = admin.get("/persons", household=household["id"]).json()["items"]
    assert sorted((p["name"], p["relation_to_head"]) for p in members) == [("王小军", "head"), ("王建国", "father")]
    assert admin.get(f"/households/{household['id']}").json()["head_person_id"] == son["id"]


def test_move_out_keeps_the_record_leaves_the_lists_and_the_visits_due(cli, world):
    server, admin, ok = world
    household, head = _household_with_head(ok, "R17-0004")
    wife = ok("person", "add", "R17-0004", "--name", "李秀英", "--relation", "spouse", "--tag", "elderly_alone")
    due = cli("visit", "due", "--within", "7", "-o", "json").json()  # her first visit: within the week
    assert wife["id"] in [i["person_id"] for i in due]

    moved = ok("person", "move-out", wife["id"], "--to", "西安市雁塔区", "--date", "2026-11-01")
    assert (moved["status"], moved["moved_to"], moved["status_date"]) == ("moved_out", "西安市雁塔区", "2026-11-01")
    assert wife["id"] not in [i["person_id"] for i in cli("visit", "due", "--within", "7", "-o", "json").json()]
    shown = cli("household", "show", "R17-0004", "-o", "json").json()
    assert [p["name"] for p in shown["persons"]] == ["王建国"]
    everyone = cli("household", "show", "R17-0004", "--all", "-o", "json").json()
    assert {p["name"]: p["status"] for p in everyone["persons"]} == {"王建国": "active", "李秀英": "moved_out"}
    people = cli("person", "list", "--household", "R17-0004", "-o", "json").json()
    assert [p["name"] for p in people] == ["王建国"]
    people = cli("person", "list", "--household", "R17-0004", "--all", "-o", "json").json()
    assert {p["name"]: p["status"] for p in people} == {"王建国": "active", "李秀英": "moved_out"}
    table = cli("person", "list", "--household", "R17-0004", "--all")
    assert "Moved out" in table.out
    listed = [h for h in cli("household", "list", "-o", "json").json() if h["household_no"] == "R17-0004"]
    assert listed[0]["members"] == 1

    on_server = admin.get(f"/persons/{wife['id']}").json()
    assert (on_server["status"], on_server["moved_to"]) == ("moved_out", "西安市雁塔区")
    history = admin.get(f"/persons/{wife['id']}/history").json()
    assert [h["kind"] for h in history] == ["created", "moved_out"]
    assert history[-1]["actor"] == "gw-001"
    assert history[-1]["changes"]["status"] == ["active", "moved_out"]
    assert history[-1]["changes"]["moved_to"] == [None, "西安市雁塔区"]

    r = cli("person", "move-out", wife["id"], "--to", "别处")
    assert r.code == 2 and "no longer in the register" in r.err
    r = cli("person", "decease", head["id"], "--date", "2099-01-01")
    assert r.code == 2 and "future" in r.err and "--date" in r.err
    r = cli("person", "move-out", head["id"], "--to", "")
    assert r.code == 2


def test_decease_clears_the_head_and_frees_the_place(cli, world):
    server, admin, ok = world
    household, head = _household_with_head(ok, "R17-0005")
    dead = ok("person", "decease", head["id"], "--date", "2026-10-30")
    assert (dead["status"], dead["status_date"]) == ("deceased", "2026-10-30")
    assert admin.get(f"/households/{household['id']}").json()["head_person_id"] is None
    # With the old head deceased, a new head needs no change of anyone else.
    son = ok("person", "add", "R17-0005", "--name", "王小明", "--relation", "head")
    assert admin.get(f"/households/{household['id']}").json()["head_person_id"] == son["id"]
    text = cli("person", "history", head["id"])
    assert text.code == 0 and "deceased" in text.out


def test_move_to_another_household_and_station_edits(cli, world):
    server, admin, ok = world
    _, head_a = _household_with_head(ok, "R17-0006")
    daughter = ok("person", "add", "R17-0006", "--name", "王丽", "--relation", "daughter")
    b = ok("household", "add", "--grid", GW1_GRID, "--household-no", "R17-0007", "--address", "府兴路14号")
    r = cli("person", "move", daughter["id"], "--household", "R17-0006")
    assert r.code == 2 and "already in household" in r.err
    moved = ok("person", "move", daughter["id"], "--household", "R17-0007", "--relation", "head")
    assert (moved["household_id"], moved["relation_to_head"]) == (b["id"], "head")
    assert admin.get(f"/households/{b['id']}").json()["head_person_id"] == daughter["id"]
    kinds = [h["kind"] for h in admin.get(f"/persons/{daughter['id']}/history").json()]
    assert kinds == ["created", "moved"]
    # The worker reads the move by household number, not by the households' ids.
    shown = cli("person", "history", daughter["id"])
    assert shown.code == 0 and "R17-0006 → R17-0007" in shown.out, shown.out
    assert b["id"] not in shown.out
    history = cli("person", "history", daughter["id"], "-o", "json").json()
    assert history[-1]["changes"]["household_no"] == ["R17-0006", "R17-0007"]

    # station-01 keeps the register of its town too; the history names who did it.
    tagged = ok("--profile", "station", "person", "tag", head_a["id"], "--add", "veteran")
    assert tagged["tags"] == ["veteran"]
    assert admin.get(f"/persons/{head_a['id']}/history").json()[-1]["actor"] == "station-01"


def test_tags_special_populations_and_visit_frequency_by_risk(cli, world):
    server, admin, ok = world
    _, head = _household_with_head(ok, "R17-0008")
    r = cli("person", "tag", head["id"], "--add", "severe_mental", "--risk-level", "4", "-o", "json")
    assert r.code == 0, r.err
    assert (r.json()["tags"], r.json()["risk_level"]) == (["severe_mental"], 4)

    def due_every() -> int | None:
        items = [i for i in cli("visit", "due", "--within", "90", "-o", "json").json() if i["person_id"] == head["id"]]
        return items[0]["every_days"] if items else None

    assert due_every() == 14
    ok("person", "tag", head["id"], "--risk-level", "2")
    assert due_every() == 90
    ok("person", "tag", head["id"], "--add", "刑满释放人员", "--add", "extreme_poverty")
    assert due_every() == 30  # the special populations monthly; the shortest frequency wins
    assert sorted(admin.get(f"/persons/{head['id']}").json()["tags"]) == [
        "extreme_poverty", "released_prisoner", "severe_mental"]

    ok("person", "tag", head["id"], "--remove", "severe_mental", "--remove", "released_prisoner")
    on_server = admin.get(f"/persons/{head['id']}").json()
    assert (on_server["tags"], on_server["risk_level"]) == (["extreme_poverty"], None)

    r = cli("person", "tag", head["id"], "--risk-level", "3")
    assert r.code == 2 and "severe_mental" in r.err and "--risk-level" in r.err
    r = cli("person", "tag", head["id"], "--add", "severe_mental", "--risk-level", "9")
    assert r.code == 2 and "--risk-level" in r.err
    r = cli("person", "tag", head["id"], "--add", "no_such_tag")
    assert r.code == 2 and "--add" in r.err
    r = cli("person", "tag", head["id"], "--remove", "veteran")
    assert r.code == 2 and "veteran" in r.err
    r = cli("person", "tag", head["id"], "--add", "veteran", "--remove", "veteran")
    assert r.code == 2


def _add_unit_user(server, username: str = "unit-test") -> None:
    """A user of role ``unit`` (DESIGN 15) given a grid of scope — which the demo's unit users,
    scoped to their unit's cases alone, do not have: the worst case for what a unit user sees."""
    db = server.db
    password_hash, created_at = db.rows("SELECT password_hash, created_at FROM users WHERE username = 'gw-001'")[0]
    values = {"username": username, "display_name": "住建局", "phone": None, "role": "unit",
              "scope": json.dumps([GW1_GRID]), "password_hash": password_hash, "created_at": created_at,
              "unit": "610822-ZJJ"}
    db.execute(f"INSERT INTO users ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})", **values)


def _carries_special(text: str) -> bool:
    return any(t in text for t in ("drug_user", "severe_mental", '"risk_level": 3', '"risk_level":3'))


def test_special_populations_are_hidden_from_a_unit_user(cli, world):
    server, admin, ok = world
    _, head = _household_with_head(ok, "R17-0009")
    ok("person", "tag", head["id"], "--add", "drug_user", "--add", "severe_mental", "--risk-level", "3")
    # The demo's unit user reads its unit's cases and nothing of the register.
    zjj = Api(server.url, token_for(server.url, "unit-zjj"))
    assert zjj.get(f"/persons/{head['id']}").status_code == 404
    assert zjj.get("/persons", q="王建国").json()["items"] == []
    assert not any(c["entity"] == "person" for c in zjj.pull_all())
    # A unit user given a grid (DESIGN 15: its scope is its unit's cases, never the register)
    # sees nothing of the register either, special or not, and its edits are refused.
    _add_unit_user(server)
    unit = Api(server.url, token_for(server.url, "unit-test"))
    assert unit.get(f"/persons/{head['id']}").status_code == 404
    assert unit.get("/persons", q="王建国").json()["items"] == []
    for response in (unit.get("/sync/pull"), unit.get(f"/persons/{head['id']}/history")):
        assert not _carries_special(response.text) and head["id"] not in response.text, response.text
    result = unit.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(), "base_version": head["version"],
                        "payload": {"id": head["id"], "tags": ["veteran"]}})[0]
    assert result["status"] == "rejected" and result["problem"]["code"] == "register.unit_no_register", result
    ok("person", "tag", head["id"], "--add", "veteran")
    # The grid worker, the station and the admin see them all.
    for username in ("gw-001", "station-01", "county-admin"):
        mine = Api(server.url, token_for(server.url, username)).get(f"/persons/{head['id']}").json()
        assert set(mine["tags"]) == {"drug_user", "severe_mental", "veteran"} and mine["risk_level"] == 3


def test_special_populations_leave_exports_only_with_reveal(cli, login, world, tmp_path):
    server, admin, ok = world
    _, head = _household_with_head(ok, "R17-0010")
    ok("person", "tag", head["id"], "--add", "community_correction", "--add", "severe_mental", "--risk-level", "5",
       "--add", "veteran")
    login(server, "county-admin", profile="admin")
    plain, revealed = tmp_path / "plain.jsonl", tmp_path / "revealed.jsonl"
    r = cli("export", "persons", "--grid", GW1_GRID, "--format", "jsonl", "--out", str(plain))
    assert r.code == 0, r.err
    mine = [json.loads(line) for line in plain.read_text(encoding="utf-8").splitlines()]
    row = next(p for p in mine if p["id"] == head["id"])
    assert row["tags"] == ["veteran"] and row["risk_level"] is None and row["status"] == "active"
    r = cli("--profile", "admin", "export", "persons", "--grid", GW1_GRID, "--format", "jsonl", "--reveal",
            "--out", str(revealed))
    assert r.code == 0, r.err
    row = next(json.loads(line) for line in revealed.read_text(encoding="utf-8").splitlines()
               if json.loads(line)["id"] == head["id"])
    assert set(row["tags"]) == {"community_correction", "severe_mental", "veteran"} and row["risk_level"] == 5


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_people_who_left_goes_back_unchanged(cli, login, world, tmp_path, fmt):
    """DESIGN 17: an export under --lang zh carries the dead and the moved out (人员状态, 迁往,
    状态变更日期) and goes back in unchanged: a former head who died or left claims no headship."""
    from datetime import date

    from schemas.validators import make_id_number

    server, admin, ok = world
    no = f"R17-0012-{fmt}"
    ok("household", "add", "--grid", GW1_GRID, "--household-no", no, "--address", "府兴路16号")
    ids = [make_id_number("610822", date(1950 + n, 3, 4), 31 + 2 * n + (10 if fmt == "xlsx" else 0)) for n in range(3)]
    # Sex and birth date given as the ID numbers say (an import fills them from the number).
    born = ["--sex", "male", "--birth-date"]
    old = ok("person", "add", no, "--name", "王老汉", "--relation", "head", "--id-number", ids[0], *born, "1950-03-04")
    ok("person", "decease", old["id"], "--date", "2026-10-01")
    new = ok("person", "add", no, "--name", "王大宝", "--relation", "head", "--id-number", ids[1], *born, "1951-03-04")
    gone = ok("person", "add", no, "--name", "王二宝", "--relation", "son", "--id-number", ids[2], *born, "1952-03-04")
    ok("person", "move-out", gone["id"], "--to", "榆林市榆阳区", "--date", "2026-11-01")
    login(server, "county-admin", profile="admin")
    out = tmp_path / f"persons.{fmt}"
    r = cli("--profile", "admin", "--lang", "zh", "export", "persons", "--grid", GW1_GRID, "--reveal",
            "--format", fmt, "--out", str(out))
    assert r.code == 0, r.err
    from tests.importexport.test_roundtrip import read_back

    headers, rows = read_back(out, fmt)
    assert {"人员状态", "迁往", "状态变更日期"} <= set(headers)
    mine = {row["姓名"]: row for row in rows if row["户号"] == no}
    assert (mine["王老汉"]["人员状态"], mine["王老汉"]["状态变更日期"]) == ("已死亡", "2026-10-01")
    assert (mine["王二宝"]["人员状态"], mine["王二宝"]["迁往"]) == ("已迁出", "榆林市榆阳区")
    r = cli("--profile", "admin", "--lang", "zh", "import", "persons", str(out), "-o", "json")
    assert r.code == 0, r.err
    assert r.json() == {"created": 0, "updated": 0, "unchanged": len(rows), "rejected": 0}
    household = next(h for h in admin.get("/households", grid=GW1_GRID, limit=1000).json()["items"]
                     if h["household_no"] == no)
    assert household["head_person_id"] == new["id"]
    assert admin.get(f"/persons/{old['id']}").json()["status"] == "deceased"


def test_county_admin_and_the_village_keep_the_register_of_their_area(cli, login, world):
    server, admin, ok = world
    household, head = _household_with_head(ok, "R17-0013")
    ok("person", "tag", head["id"], "--add", "key_youth")
    login(server, "county-admin", profile="admin")
    login(server, "village-01", profile="village")
    moved = ok("--profile", "admin", "person", "move-out", head["id"], "--to", "西安市", "--date", "2026-11-02")
    assert (moved["status"], moved["moved_to"]) == ("moved_out", "西安市")
    assert admin.get(f"/households/{household['id']}").json()["head_person_id"] is None
    back = ok("--profile", "village", "person", "show", head["id"])
    assert back["status"] == "moved_out" and back["tags"] == ["key_youth"]  # the village follows them too
    history = admin.get(f"/persons/{head['id']}/history").json()
    assert history[-1]["actor"] == "county-admin" and history[-1]["kind"] == "moved_out"
    assert history[-1]["changes"]["status"] == ["active", "moved_out"]
    # The admin's edit and the worker's later one are both kept: the worker's cache learns of it.
    ok("person", "update", head["id"], "--phone", "13800000013")
    assert [h["actor"] for h in admin.get(f"/persons/{head['id']}/history").json()][-2:] == ["county-admin", "gw-001"]
