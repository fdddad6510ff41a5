"""Every command that prints data, in its three forms: a table at a terminal (headers, labels),
tab-separated lines when piped, and JSON — exact where the output is stable."""

from __future__ import annotations

import json
import sys

import pytest


@pytest.fixture()
def at_terminal(monkeypatch):
    """Make stdout look like a terminal for one call (capsys' stream is not one)."""

    def switch(on: bool) -> None:
        monkeypatch.setattr(sys.stdout, "isatty", lambda: on)

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    return switch


def test_settings_and_profile_commands_exactly(cli, login, live_server):
    login(live_server, "gw-001")
    url = live_server.url
    assert cli("profile", "list", "-o", "json").json() == [
        {"name": "default", "server": url, "username": "gw-001", "default": True}]
    assert cli("profile", "list").out == f"default\t{url}\tgw-001\t*\n"
    assert cli("profile", "show").out == f"Profile\tdefault\nServer\t{url}\nUsername\tgw-001\nDefault\t*\n"
    assert cli("config", "list", "-o", "json").json() == [
        {"key": "lang", "value": None}, {"key": "default_profile", "value": "default"},
        {"key": "sync.timeout", "value": 10.0}, {"key": "sync.batch_size", "value": 500}]
    assert cli("config", "set", "sync.timeout", "4").code == 0
    assert cli("config", "get", "sync.timeout").out == "4.0\n"
    assert cli("config", "list", "-o", "csv").out == (
        "key,value\nlang,\ndefault_profile,default\nsync.timeout,4.0\nsync.batch_size,500\n")
    r = cli("config", "set", "sync.timeout", "soon")
    assert r.code == 2 and "sync.timeout" in r.err
    status = cli("auth", "status", "-o", "json").json()
    assert status == {"profile": "default", "server": url, "username": "gw-001", "display_name": status["display_name"],
                      "role": "gridworker", "scope": ["610822100200001"], "logged_in": True, "online": True}
    assert cli("auth", "status").out.splitlines()[:3] == ["Profile\tdefault", f"Server\t{url}", "Username\tgw-001"]


def test_every_read_command_as_table_piped_and_json(cli, login, live_server, at_terminal):
    login(live_server, "gw-001")
    case = cli("case", "list", "-o", "json").json()[0]
    household = cli("household", "list", "-o", "json").json()[0]
    person = cli("household", "show", household["household_no"], "-o", "json").json()["persons"][0]
    queued = cli("--offline", "incident", "report", "--category", "other", "--title", "路灯不亮", "-o", "json").json()
    mutation = cli("outbox", "list", "-o", "json").json()[0]["id"]
    # Offline, so the shared server stays as seeded: a child left behind is due for a visit.
    child = cli("--offline", "person", "add", household["household_no"], "--name", "王小明", "--sex", "男",
                "--relation", "子", "--birth-date", "2016-03-01", "--tag", "留守儿童", "-o", "json")
    assert child.code == 0, child.err

    # (arguments, a header the terminal table shows, something the JSON must hold)
    commands = [
        (["auth", "status"], "Username", lambda j: j["username"] == "gw-001"),
        (["profile", "list"], "Profile", lambda j: j[0]["name"] == "default"),
        (["profile", "show"], "Server", lambda j: j["name"] == "default"),
        (["config", "list"], "Setting", lambda j: j[0]["key"] == "lang"),
        (["case", "list"], "Ref", lambda j: case["id"] in [c["id"] for c in j]),
        (["case", "show", case["serial"]], "Serial", lambda j: j["id"] == case["id"] and j["steps"]),
        (["visit", "list"], "Purpose", lambda j: all("purpose" in v for v in j)),
        (["visit", "due", "--within", "30"], "Name", lambda j: "王小明" in [d["name"] for d in j]),
        (["household", "list"], "Household no.", lambda j: j[0]["id"] == household["id"]),
        (["household", "show", household["household_no"]], "Household no.", lambda j: j["persons"]),
        (["person", "show", person["id"]], "Name", lambda j: j["name"] == person["name"]),
        (["sync", "status"], "Pending", lambda j: j["pending"] == 2),
        (["outbox", "list"], "State", lambda j: j[0]["id"] == mutation),
        (["outbox", "show", mutation], "State", lambda j: j["id"] == mutation and j["state"] == "pending"),
    ]
    for args, header, check in commands:
        at_terminal(True)
        table = cli("--offline", *args)
        assert table.code == 0, (args, table.err)
        assert header in table.out and "\t" not in table.out, (args, table.out)
        at_terminal(False)
        piped = cli("--offline", *args)
        assert piped.code == 0 and piped.out.strip(), args
        assert all("\t" in line for line in piped.out.splitlines() if line), (args, piped.out)
        as_json = cli("--offline", *args, "-o", "json")
        assert as_json.code == 0 and check(as_json.json()), (args, as_json.out)
    at_terminal(False)
    # The queued report shows in every list form with its sync state.
    shown = cli("--offline", "case", "show", queued["id"][:18], "-o", "jsonl")
    assert json.loads(shown.out)["sync"] == "pending"


def test_chinese_tables_keep_their_columns_aligned(cli, login, live_server, at_terminal):
    login(live_server, "gw-001")
    at_terminal(True)
    r = cli("--lang", "zh", "household", "list")
    assert r.code == 0
    from rich.cells import cell_len

    # Wide characters take two cells: the column rules sit at the same cells on every row.
    rows = [line for line in r.out.splitlines() if "│" in line]
    rule_cells = {tuple(cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│") for line in rows}
    assert len(rows) > 2 and len(rule_cells) == 1, r.out
    assert any(ch >= "\u4e00" for ch in "".join(rows[1:]))  # the rows do hold Chinese names
    assert "户号" in r.out and "户主" in r.out


def test_id_numbers_are_masked_in_every_form(cli, login, live_server, at_terminal):
    import re

    full_number = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
    login(live_server, "gw-001")
    household = cli("household", "list", "-o", "json").json()[0]["household_no"]
    persons = cli("household", "show", household, "-o", "json").json()["persons"]
    numbers = [p["id_number"] for p in persons if p.get("id_number")]
    assert numbers and all(re.fullmatch(r"\d{4}\*{10}[\dX]{4}", n) for n in numbers), numbers
    for terminal in (True, False):
        at_terminal(terminal)
        for args in (["household", "show", household], ["person", "show", persons[0]["id"]]):
            for output in ("table", "json", "jsonl", "csv"):
                r = cli(*args, "-o", output)
                assert r.code == 0 and not full_number.search(r.out), (args, output, r.out)
        assert numbers[0] in cli("household", "show", household).out
