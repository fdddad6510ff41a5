"""Faults found by probing the real CLI against the real server as each role would use it
(grid worker, station, unit, admin): each test failed before its fix."""

from __future__ import annotations

import json

from schemas import workflow as wf
from tests.cli.test_closed_loop import _report_to_town


def test_every_case_action_has_its_words_in_both_languages():
    # The closed-loop actions printed "case X: cli.case.action.dispatch." (a catalogue key).
    for lang in ("en", "zh"):
        words = json.loads((__import__("pathlib").Path(__file__).resolve().parents[2]
                            / "gridctl" / "locales" / lang / "cli.json").read_text(encoding="utf-8"))
        missing = [a for a in wf.ACTIONS if f"cli.case.action.{a}" not in words]
        assert not missing, (lang, missing)


def test_closed_loop_verbs_say_what_they_did(cli, login, server_factory):
    server = server_factory()
    made = _report_to_town(cli, login, server, "占道经营")
    st = ("--profile", "station")
    r = cli(*st, "case", "dispatch", made["serial"], "--to", "610822100-ZF")
    assert r.code == 0 and "dispatched" in r.err and "cli.case" not in r.err, r.err
    login(server, "unit-zf", profile="zf")
    r = cli("--profile", "zf", "--lang", "zh", "case", "sign", made["serial"])
    assert r.code == 0 and "已签收" in r.err and "cli.case" not in r.err, r.err
    r = cli("--profile", "zf", "case", "mediate", made["serial"], "--result", "failed", "--participant", "王某")
    assert r.code == 0 and "mediat" in r.err and "cli.case" not in r.err, r.err


def test_a_retry_the_server_refuses_again_says_so_and_exits_3(cli, login, server_factory):
    # `outbox retry` of a write the server refused again printed "saved here; queued to sync"
    # and exited 0 while the server was up.
    server = server_factory()
    login(server, "gw-001")
    person = cli("person", "list", "-o", "json").json()[0]
    wrong = "female" if person["sex"] == "male" else "male"
    r = cli("person", "update", person["id"], "--sex", wrong, "-o", "json")
    assert r.code == 3 and r.json()["sync"] == "rejected", r.err
    [item] = cli("outbox", "list", "-o", "json").json()
    r = cli("outbox", "retry", item["id"], "-o", "json")
    assert r.code == 3, (r.out, r.err)
    assert r.json()["sync"] == "rejected"
    assert "queued" not in r.err and "ID number" in r.err, r.err
    assert "payload:" not in r.err, r.err  # no internal name in front of a whole-record check
    r = cli("--lang", "zh", "outbox", "retry", item["id"])
    assert r.code == 3 and "身份证号" in r.err and "待联网" not in r.err, r.err
    assert [i["state"] for i in cli("outbox", "list", "-o", "json").json()] == ["rejected"]


def test_a_unit_user_given_a_grid_can_neither_read_nor_write_the_register(cli, login, server_factory):
    # DESIGN 15: a unit user sees and acts on its unit's cases alone. An account of role unit that
    # carries division codes (given a grid) read the register and wrote people and visits.
    import uuid
    from datetime import datetime, timezone

    import httpx

    from tests.conftest import token_for

    server = server_factory()
    server.db.execute("UPDATE users SET scope = :s WHERE username = 'unit-zf'", s='["610822100200001"]')
    gw = {"Authorization": f"Bearer {token_for(server.url, 'gw-001')}"}
    person = httpx.get(f"{server.url}/api/v1/persons?limit=1", headers=gw, timeout=30).json()["items"][0]
    unit = {"Authorization": f"Bearer {token_for(server.url, 'unit-zf')}"}
    assert httpx.get(f"{server.url}/api/v1/me", headers=unit, timeout=30).json()["scope"] == []
    assert httpx.get(f"{server.url}/api/v1/persons?limit=5", headers=unit, timeout=30).json()["items"] == []
    now = datetime.now(timezone.utc).isoformat()
    mutations = [
        {"id": str(uuid.uuid4()), "type": "person.upsert", "base_version": person["version"], "created_at": now,
         "payload": {"id": person["id"], "phone": "13912345678"}},
        {"id": str(uuid.uuid4()), "type": "visit.log", "created_at": now,
         "payload": {"id": str(uuid.uuid4()), "household_id": person["household_id"], "visited_at": now,
                     "method": "phone", "purpose": "routine", "met": True}},
    ]
    for lang, words in (("en", "may not read or change the register"), ("zh", "不能查看或修改人口")):
        body = {"device_id": "probe", "mutations": [dict(m, id=str(uuid.uuid4())) for m in mutations]}
        results = httpx.post(f"{server.url}/api/v1/sync/push", json=body, timeout=30,
                             headers={**unit, "Accept-Language": lang}).json()["results"]
        assert [r["status"] for r in results] == ["rejected", "rejected"], results
        assert all(r["problem"]["code"] == "register.unit_no_register" and words in r["problem"]["detail"]
                   for r in results), results
    after = httpx.get(f"{server.url}/api/v1/persons/{person['id']}", headers=gw, timeout=30).json()
    assert (after["phone"], after["version"]) == (person["phone"], person["version"])

    login(server, "unit-zf", profile="zf")
    zf = ("--profile", "zf")
    for args in (("person", "update", person["id"], "--phone", "13912345678"),
                 ("visit", "log", person["household_id"], "--purpose", "routine"),
                 ("person", "add", person["household_id"], "--name", "某某", "--relation", "other"),
                 ("household", "update", person["household_id"], "--address", "某路1号")):
        r = cli(*zf, *args)
        assert r.code == 4 and "may not change the register" in r.err, (args, r.err)
    r = cli(*zf, "--lang", "zh", "person", "move-out", person["id"], "--to", "外地")
    assert r.code == 4 and "不能修改人口" in r.err, r.err
    assert cli(*zf, "outbox", "list", "-o", "json").json() == []


GW1_GRID = "610822100200001"


def test_an_admin_export_with_risk_levels_and_statuses_comes_back_into_a_fresh_server(cli, login, server_factory,
                                                                                       tmp_path):
    # import persons read past status, moved_to and risk_level although export --reveal writes them:
    # a severe-mental person's risk level could not come in from a file.
    import csv as csvmod

    source = server_factory()
    login(source, "gw-001")
    people = [p for p in cli("person", "list", "-o", "json").json() if p["relation_to_head"] != "head"]
    ill, gone, dead = people[0], people[1], people[2]
    assert cli("person", "tag", ill["id"], "--add", "severe_mental", "--risk-level", "4").code == 0
    assert cli("person", "move-out", gone["id"], "--to", "西安市雁塔区", "--date", "2026-11-20").code == 0
    assert cli("person", "decease", dead["id"], "--date", "2026-11-21").code == 0
    login(source, "county-admin", profile="admin")
    out = tmp_path / "persons.csv"
    r = cli("--profile", "admin", "export", "persons", "--grid", GW1_GRID, "--reveal", "--out", str(out))
    assert r.code == 0, r.err
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csvmod.DictReader(fh))
    by_name = {row["name"]: row for row in rows}
    assert by_name[ill["name"]]["risk_level"] == "4"

    fresh = server_factory()
    # Fresh for this grid: its households and people are not there yet.
    fresh.db.execute("DELETE FROM persons WHERE grid_code = :g", g=GW1_GRID)
    fresh.db.execute("DELETE FROM households WHERE grid_code = :g", g=GW1_GRID)
    login(fresh, "county-admin", profile="fresh")
    r = cli("--profile", "fresh", "import", "persons", str(out), "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["created"] == len(rows) and r.json()["rejected"] == 0
    got = {row[0]: row[1:] for row in fresh.db.rows(
        "SELECT name, status, moved_to, status_date, risk_level, tags FROM persons WHERE grid_code = :g", g=GW1_GRID)}
    assert got[ill["name"]][0] == "active" and got[ill["name"]][3] == 4 and "severe_mental" in got[ill["name"]][4]
    assert got[gone["name"]][:3] == ("moved_out", "西安市雁塔区", "2026-11-20")
    assert got[dead["name"]][0] == "deceased" and got[dead["name"]][2] == "2026-11-21"
    # The same file again changes nothing; under zh the labels come back too.
    r = cli("--profile", "fresh", "import", "persons", str(out), "-o", "json")
    assert r.json() == {"created": 0, "updated": 0, "unchanged": len(rows), "rejected": 0}, r.out
    zh = tmp_path / "persons-zh.csv"
    assert cli("--profile", "fresh", "--lang", "zh", "export", "persons", "--grid", GW1_GRID, "--reveal",
               "--out", str(zh)).code == 0
    r = cli("--profile", "fresh", "--lang", "zh", "import", "persons", str(zh), "-o", "json")
    assert r.json()["unchanged"] == len(rows), (r.out, r.err)


def test_import_checks_the_register_columns_like_the_person_commands(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "county-admin", profile="admin")
    person = cli("--profile", "admin", "person", "list", "--grid", GW1_GRID, "-o", "json").json()[0]
    head = "household_no,grid_code,name,id_number,tags,status,moved_to,status_date,risk_level\n"
    base = f"{person['household_no']},{GW1_GRID},{person['name']},{person['id_number']}"
    bad = tmp_path / "bad.csv"
    bad.write_text(head + f"{base},,,,,3\n" + f"{base},severe_mental,,,,9\n" + f"{base},,moved_out,,,\n"
                   + f"{base},,gone,,,\n" + f"{base},,,,2099-01-01,\n", encoding="utf-8")
    r = cli("--profile", "admin", "import", "persons", str(bad), "-o", "json")
    assert r.code == 3 and r.json()["rejected"] == 5, (r.out, r.err)
    for line, column in ((2, "risk_level"), (3, "risk_level"), (4, "moved_to"), (5, "status"), (6, "status_date")):
        assert f"row {line}, column {column}" in r.err, (line, column, r.err)
    assert "severe_mental" in r.err and "0 to 5" in r.err
    stored = server.db.rows("SELECT status, risk_level FROM persons WHERE id = :i", i=person["id"])
    assert stored == [("active", None)]


def test_queues_put_running_limits_before_resolved_cases(cli, login, server_factory):
    # station-01's todo had a case escalated to the town a moment ago at row ~120, behind a
    # hundred resolved grid cases sorted by the due time of a limit long over; a unit's queue
    # listed its closed cases before the one it had to work on.
    server = server_factory()
    made = _report_to_town(cli, login, server, "楼道堆放杂物")
    st = ("--profile", "station")
    todo = cli(*st, "case", "list", "--limit", "1000", "-o", "json").json()
    statuses = [c["status"] for c in todo]
    assert "resolved" in statuses, statuses  # the small demo has cases for the station to verify
    first_done = next(i for i, s in enumerate(statuses) if s not in wf.UNFINISHED_STATUSES)
    assert all(s not in wf.UNFINISHED_STATUSES for s in statuses[first_done:]), statuses
    assert made["id"] in [c["id"] for c in todo[:first_done]]
    assert cli(*st, "case", "dispatch", made["serial"], "--to", "610822100-ZF").code == 0
    login(server, "unit-zf", profile="zf")
    unit = cli("--profile", "zf", "case", "list", "--queue", "unit", "--limit", "1000", "-o", "json").json()
    assert unit[0]["status"] in wf.UNFINISHED_STATUSES, [c["status"] for c in unit]
    running = [c for c in unit if c["status"] in wf.UNFINISHED_STATUSES]
    assert unit[:len(running)] == running
    keys = [(not c["urgent"], c["due_at"] or "~") for c in running]
    assert keys == sorted(keys)


def test_an_edit_left_behind_by_a_discarded_add_says_the_person_is_not_there(cli, login, server_factory):
    # After `outbox discard` of a refused add, the later edit of that person went out and came
    # back "household_id: Field required; name: Field required" ("Field required；Field required"
    # under --lang zh).
    server = server_factory()
    login(server, "gw-001")
    login(server, "county-admin", profile="admin")
    taken = cli("--profile", "admin", "person", "list", "--grid", GW1_GRID, "-o", "json").json()[0]
    assert cli("sync").code == 0
    r = cli("--offline", "person", "add", taken["household_no"], "--name", "重复人", "--id-number",
            taken["id_number"], "--relation", "other", "-o", "json")
    assert r.code == 0, r.err
    added = r.json()
    assert cli("--offline", "person", "update", added["id"], "--phone", "13911112222").code == 0
    assert cli("sync").code == 3
    refused = [i for i in cli("outbox", "list", "-o", "json").json() if i["state"] == "rejected"]
    assert len(refused) == 1
    # Since leftfix the edit is no longer left behind to be refused: the discard names it and
    # takes it along when asked (--yes when piped; tests/cli/test_discard_dependents.py).
    r = cli("--lang", "zh", "outbox", "discard", refused[0]["id"])
    assert r.code == 2 and "--yes" in r.err and "重复人" in r.err, r.err
    assert cli("outbox", "discard", refused[0]["id"], "--yes").code == 0
    r = cli("--lang", "zh", "sync")
    assert r.code == 0 and "Field required" not in r.err, r.err
    assert cli("outbox", "list", "-o", "json").json() == []


def test_household_show_lists_its_visits_by_household_number(cli, login, server_factory):
    # `household show` listed the household's visits under its UUID ("019fc053-b86a-7802").
    server = server_factory()
    login(server, "gw-001")
    person = cli("person", "list", "-o", "json").json()[0]
    assert cli("visit", "log", person["household_no"], "--purpose", "routine", "--note", "看望").code == 0
    shown = cli("household", "show", person["household_no"])
    visit_lines = [line for line in shown.out.splitlines() if "看望" in line]
    assert visit_lines and all(person["household_no"] in line for line in visit_lines), shown.out
    assert person["household_id"][:18] not in "\n".join(visit_lines)
    data = cli("household", "show", person["household_no"], "-o", "json").json()
    assert all(v["household_no"] == person["household_no"] for v in data["visits"])
