"""Finding people (issue 8 item 8, DESIGN 12/13): `person list --search` by name, phone,
household number and full ID number, `person show <ID number>`, `export persons --search`, and
the server's `q=` — case-insensitive and literal (`%`, `_` are characters) — over HTTP.

The tests go through HTTP and the CLI only, so they hold on any database the server runs on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import httpx
import pytest

from schemas.validators import make_id_number
from tests.cli.test_terminal_output import run_in_terminal
from tests.conftest import ROOT, LiveServer, token_for

GRID = "610822100200001"
# An ID number ending in X (checked below in lower case) and one for each odd household.
HP_ID = next(n for n in (make_id_number("610822", date(1990, 3, 7), s) for s in range(11, 999, 2)) if n.endswith("X"))
PCT_ID = make_id_number("610822", date(1985, 1, 2), 21)
UND_ID = make_id_number("610822", date(1986, 1, 2), 31)
CTL_ID = make_id_number("610822", date(1987, 1, 2), 41)
LT_ID = make_id_number("610822", date(1988, 1, 2), 51)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A small demo county plus households whose numbers hold letters, `%` and `_`."""
    live = LiveServer(tmp_path_factory.mktemp("search") / "server.db").start()
    token = token_for(live.url, "county-admin")
    headers = {"Authorization": f"Bearer {token}"}
    rows = [
        {"household_no": "HP-1", "grid_code": GRID, "address": "河畔路1号", "name": "Hp Tester", "id_number": HP_ID,
         "relation_to_head": "户主", "phone": "13900001111", "tags": "独居老人"},
        {"household_no": "50%off", "grid_code": GRID, "address": "河畔路2号", "name": "百分号", "id_number": PCT_ID,
         "relation_to_head": "户主"},
        {"household_no": "5_x", "grid_code": GRID, "address": "河畔路3号", "name": "下划线", "id_number": UND_ID,
         "relation_to_head": "户主"},
        {"household_no": "5ax", "grid_code": GRID, "address": "河畔路4号", "name": "对照", "id_number": CTL_ID,
         "relation_to_head": "户主"},
        {"household_no": "LT-1", "grid_code": GRID, "address": "和平路３号楼Ａ座", "name": "Émile Zola", "id_number": LT_ID,
         "relation_to_head": "户主"},
    ]
    r = httpx.post(f"{live.url}/api/v1/import/persons", json={"rows": rows}, headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    yield live
    live.stop()


def get(server, username: str, path: str, **params) -> list[dict]:
    token = token_for(server.url, username)
    r = httpx.get(f"{server.url}/api/v1/{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["items"]


# --- the server's q= over HTTP ------------------------------------------------------------

def test_household_search_ignores_case(server):
    assert [h["household_no"] for h in get(server, "gw-001", "households", q="hp")] == ["HP-1"]
    assert [h["household_no"] for h in get(server, "gw-001", "households", q="hP-")] == ["HP-1"]


@pytest.mark.parametrize("q, expected", [("%", ["50%off"]), ("0%o", ["50%off"]), ("5_x", ["5_x"]), ("_", ["5_x"])])
def test_household_search_takes_wildcards_literally(server, q, expected):
    assert sorted(h["household_no"] for h in get(server, "county-admin", "households", q=q)) == expected


def test_person_search_by_name_phone_and_household_number(server):
    by = {q: [p["name"] for p in get(server, "gw-001", "persons", q=q)] for q in
          ("hp tester", "HP TESTER", "00001111", "hp-1", "%", "5_x", "\\")}
    assert by["hp tester"] == by["HP TESTER"] == by["00001111"] == by["hp-1"] == ["Hp Tester"]
    assert by["%"] == ["百分号"]
    assert by["5_x"] == ["下划线"]  # not 对照 of household 5ax
    assert by["\\"] == []


@pytest.mark.parametrize("username, visible", [("gw-001", False), ("station-01", False), ("county-admin", True)])
def test_a_full_id_number_finds_the_person_shown_masked_to_non_admins(server, username, visible):
    found = get(server, username, "persons", q=HP_ID.lower())  # a lower-case x is the same number
    assert [p["name"] for p in found] == ["Hp Tester"]
    assert (found[0]["id_number"] == HP_ID) is visible
    assert visible or "*" in found[0]["id_number"]


def test_part_of_an_id_number_or_another_grid_finds_nothing(server):
    assert get(server, "gw-001", "persons", q=HP_ID[6:14]) == []  # the masked digits cannot be probed
    assert get(server, "gw-002", "persons", q=HP_ID) == []  # outside gw-002's grid


def test_case_search_is_literal_and_ignores_case(server, cli, login):
    login(server, "gw-001")
    made = cli("incident", "report", "--category", "environment", "--title", "Drain 100%_Blocked", "-o", "json")
    assert made.code == 0, made.err
    serial = made.json()["serial"]
    for q in ("drain 100%_b", "%_", serial.lower()):
        assert serial in [c["serial"] for c in get(server, "station-01", "cases", q=q)], q
    percent = get(server, "county-admin", "cases", q="%", limit=1000)
    assert serial in [c["serial"] for c in percent]
    assert all("%" in " ".join(str(c.get(k) or "") for k in ("title", "description", "serial", "address"))
               for c in percent)
    assert [c["serial"] for c in get(server, "county-admin", "cases", q="drain 100x_blocked")] == []


# --- the CLI ------------------------------------------------------------------------------

@pytest.mark.parametrize("search", ["hp tester", "HP-1", "13900001111", HP_ID.lower()])
def test_person_list_search_finds_by_each_key_as_a_grid_worker(server, cli, login, search):
    login(server, "gw-001")
    r = cli("person", "list", "--search", search, "-o", "json")
    assert r.code == 0, r.err
    assert [(p["name"], p["household_no"]) for p in r.json()] == [("Hp Tester", "HP-1")]
    assert "*" in r.json()[0]["id_number"]


@pytest.mark.parametrize("username, full", [("station-01", False), ("county-admin", True)])
def test_person_list_by_id_number_as_station_and_admin(server, cli, login, username, full):
    login(server, username)
    r = cli("person", "list", "--search", HP_ID, "-o", "json")
    assert r.code == 0, r.err
    assert [p["name"] for p in r.json()] == ["Hp Tester"]
    assert (r.json()[0]["id_number"] == HP_ID) is full


def test_person_list_piped_is_tab_separated_and_wildcards_are_literal(server, cli, login):
    login(server, "gw-001")
    r = cli("person", "list", "--search", "%")
    assert r.code == 0, r.err
    assert [line.split("\t")[:2] for line in r.out.splitlines()] == [["百分号", "50%off"]]
    none = cli("person", "list", "--search", "no such name at all")
    assert none.code == 0 and none.out == "" and "No people match" in none.err


def test_person_list_filters_household_tag_grid_and_limit(server, cli, login):
    login(server, "station-01")
    assert [p["name"] for p in cli("person", "list", "--household", "HP-1", "-o", "json").json()] == ["Hp Tester"]
    tagged = cli("person", "list", "--tag", "elderly_alone", "--grid", GRID, "-o", "json").json()
    assert "Hp Tester" in [p["name"] for p in tagged]
    assert all("elderly_alone" in p["tags"] and p["grid_code"] == GRID for p in tagged)
    assert len(cli("person", "list", "--limit", "2", "-o", "json").json()) == 2
    assert len(cli("person", "list", "--search", "河", "--limit", "1", "-o", "json").json()) <= 1
    bad = cli("person", "list", "--tag", "nonsense")
    assert bad.code == 2 and "--tag" in bad.err


def test_person_list_offline_searches_the_cache(server, cli, login):
    login(server, "gw-001")
    assert cli("sync").code == 0
    r = cli("--offline", "person", "list", "--search", "hp-1", "-o", "json")
    assert r.code == 0 and [p["name"] for p in r.json()] == ["Hp Tester"]
    assert "offline" in r.err
    # Offline, a grid worker's cache holds ID numbers masked: a full number cannot match there.
    masked = cli("--offline", "person", "list", "--search", HP_ID, "-o", "json")
    assert masked.code == 0 and masked.json() == []
    assert "only be found online" in masked.err


def test_person_list_offline_as_admin_matches_full_id_numbers(server, cli, login):
    login(server, "county-admin")
    assert cli("sync").code == 0
    r = cli("--offline", "person", "list", "--search", HP_ID.lower(), "-o", "json")
    assert r.code == 0 and [(p["name"], p["id_number"]) for p in r.json()] == [("Hp Tester", HP_ID)]


def test_household_list_search_is_literal_in_the_cache_too(server, cli, login):
    login(server, "gw-001")
    for online in ((), ("--offline",)):
        found = cli(*online, "household", "list", "--search", "%", "-o", "json")
        assert found.code == 0 and [h["household_no"] for h in found.json()] == ["50%off"], online
        found = cli(*online, "household", "list", "--search", "5_X", "-o", "json")
        assert [h["household_no"] for h in found.json()] == ["5_x"], online


@pytest.mark.parametrize("username", ["gw-001", "station-01", "county-admin"])
def test_person_show_takes_a_full_id_number(server, cli, login, username):
    login(server, username)
    r = cli("person", "show", HP_ID, "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["name"] == "Hp Tester" and r.json()["household_no"] == "HP-1"
    piped = cli("person", "show", HP_ID)
    assert "Household\tHP-1" in piped.out  # the household's number, not its UUID
    missing = cli("person", "show", make_id_number("610822", date(1970, 1, 1), 1))
    assert missing.code == 5


def test_export_persons_search_by_household_number(server, cli, login):
    login(server, "gw-001")
    r = cli("export", "persons", "--search", "hp-1")
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert len(lines) == 2 and "Hp Tester" in lines[1] and "HP-1" in lines[1]


def test_person_list_at_a_terminal_is_a_table_in_chinese(server, tmp_path):
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"),
           "GRIDCTL_LANG": "zh", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    login = subprocess.run([sys.executable, "-m", "gridctl", "auth", "login", "--server", server.url,
                            "--username", "gw-001", "--password-stdin"], input="demo-pass\n", text=True,
                           capture_output=True, cwd=ROOT, env=env)
    assert login.returncode == 0, login.stderr
    code, screen = run_in_terminal(["person", "list", "--search", "hp"], env)
    assert code == 0, screen
    assert "姓名" in screen and "户号" in screen and "Hp Tester" in screen and "HP-1" in screen
    piped = subprocess.run([sys.executable, "-m", "gridctl", "person", "list", "--search", "hp", "-o", "jsonl"],
                           capture_output=True, text=True, cwd=ROOT, env=env)
    assert piped.returncode == 0 and json.loads(piped.stdout)["name"] == "Hp Tester"


def test_search_folds_every_letter_online_and_in_the_cache(server, cli, login):
    """Full-width letters of addresses and accented names match whatever their case, offline too:
    SQLite's own lower() folds ASCII only."""
    login(server, "gw-001")
    assert cli("sync").code == 0
    for online in ((), ("--offline",)):
        homes = cli(*online, "household", "list", "--search", "３号楼ａ座", "-o", "json")
        assert homes.code == 0 and [h["household_no"] for h in homes.json()] == ["LT-1"], online
        people = cli(*online, "person", "list", "--search", "émile", "-o", "json")
        assert people.code == 0 and [p["name"] for p in people.json()] == ["Émile Zola"], online
        assert [h["household_no"] for h in cli(*online, "household", "list", "--search", "ÉMILE",
                                                   "-o", "json").json()] == ["LT-1"], online
