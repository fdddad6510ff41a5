"""Full ID numbers never need argv (DESIGN §14): ``--id-number -`` and ``--party NAME,-,PHONE``
read them from standard input, one line each, --id-number first."""

from __future__ import annotations

from datetime import date

import httpx

from schemas.validators import make_id_number
from tests.conftest import token_for

GW1_HOUSEHOLD_GRID = "610822100200001"


def _household(server) -> str:
    token = token_for(server.url, "gw-001")
    r = httpx.get(server.url + "/api/v1/households", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"})
    return r.json()["items"][0]["id"]


def _admin_person(server, pid: str) -> dict:
    token = token_for(server.url, "county-admin")
    return httpx.get(f"{server.url}/api/v1/persons/{pid}", headers={"Authorization": f"Bearer {token}"}).json()


def test_person_add_and_update_read_the_id_number_from_stdin(cli, login, live_server):
    login(live_server, "gw-001")
    first = make_id_number("610822", date(1990, 3, 4), 135)
    r = cli("person", "add", _household(live_server), "--name", "钱七", "--id-number", "-", "--sex", "male",
            "-o", "json", input=first + "\n")
    assert r.code == 0, r.err
    pid = r.json()["id"]
    assert first not in r.out  # shown masked
    assert _admin_person(live_server, pid)["id_number"] == first
    second = make_id_number("610822", date(1990, 3, 4), 137)
    r = cli("person", "update", pid, "--id-number", "-", "-o", "json", input=second + "\n")
    assert r.code == 0, r.err
    assert _admin_person(live_server, pid)["id_number"] == second


def test_missing_stdin_line_is_a_usage_error_naming_the_flag(cli, login, live_server):
    login(live_server, "gw-001")
    r = cli("person", "add", _household(live_server), "--name", "孙八", "--id-number", "-", input="")
    assert r.code == 2 and "--id-number" in r.err


def test_parties_read_their_id_numbers_from_stdin_in_order(cli, login, live_server):
    login(live_server, "gw-001")
    a = make_id_number("610822", date(1970, 1, 2), 11)
    b = make_id_number("610822", date(1975, 6, 7), 22)
    r = cli("incident", "report", "--category", "dispute", "--title", "邻里纠纷",
            "--party", "张三,-,13812345678", "--party", "李四", "--party", "王五,-", "-o", "json",
            input=f"{a}\n{b}\n")
    assert r.code == 0, r.err
    case_id = r.json()["id"]
    token = token_for(live_server.url, "county-admin")
    case = httpx.get(f"{live_server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()
    parties = {p["name"]: p for p in case["parties"]}
    assert parties["张三"]["id_number"] == a and parties["张三"]["phone"] == "13812345678"
    assert parties["王五"]["id_number"] == b and not parties["李四"].get("id_number")


def test_the_help_says_how(cli):
    r = cli("incident", "report", "--help")
    assert "standard input" in " ".join(r.out.split())
    r = cli("person", "add", "--help")
    assert "standard input" in " ".join(r.out.split())
