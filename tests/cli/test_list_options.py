"""CLI consistency of issue 8 items 13-14: `case comment --note`, `visit list --limit`,
`case list --category/--search`, the flags explained (help, a legend at a terminal, their own
CSV columns), the assignee in `case show`, household numbers where UUIDs showed."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import httpx
import pytest

from tests.cli.test_terminal_output import run_in_terminal
from tests.conftest import ROOT, token_for


@pytest.fixture()
def server(server_factory):
    return server_factory()


def on_server(server, case_id: str) -> dict:
    token = token_for(server.url, "county-admin")
    return httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()


def report(cli, title: str, category: str = "environment", **extra: str) -> dict:
    args = ["incident", "report", "--category", category, "--title", title]
    for flag, value in extra.items():
        args += [f"--{flag}", value]
    r = cli(*args, "-o", "json")
    assert r.code == 0, r.err
    return r.json()


@pytest.mark.parametrize("how", ["note", "positional"])
def test_case_comment_takes_note_like_every_verb(server, cli, login, how):
    login(server, "gw-001")
    case = report(cli, "井盖缺失")
    args = ["--note", "已设置警示"] if how == "note" else ["已设置警示"]
    r = cli("case", "comment", case["serial"], *args, "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["sync"] == "synced"
    steps = on_server(server, case["id"])["steps"]
    assert (steps[-1]["action"], steps[-1]["note"]) == ("comment", "已设置警示")


@pytest.mark.parametrize("args, says", [(["a", "--note", "b"], "--note"), ([], "--note"), (["--note", " "], "--note")])
def test_case_comment_refuses_two_or_no_texts(server, cli, login, args, says):
    login(server, "gw-001")
    case = report(cli, "路面塌陷")
    r = cli("case", "comment", case["serial"], *args)
    assert r.code == 2 and says in r.err and "Traceback" not in r.err
    assert [s["action"] for s in on_server(server, case["id"])["steps"]] == ["report"]


def test_case_list_filters_by_category_and_literal_search(server, cli, login):
    login(server, "gw-001")
    mine = report(cli, "Sewer 50%_Full", description="在幸福路口")
    other = report(cli, "Sewer 50xx full", category="dispute")
    serials = lambda *a: [c["serial"] for c in cli("case", "list", "--all", *a, "-o", "json").json()]  # noqa: E731
    assert serials("--search", "sewer 50%_") == [mine["serial"]]
    assert serials("--search", "幸福路") == [mine["serial"]]
    assert serials("--search", mine["serial"][-6:]) == [mine["serial"]]
    assert other["serial"] in serials("--category", "dispute", "--search", "SEWER")
    assert serials("--category", "矛盾纠纷", "--search", "sewer") == [other["serial"]]  # a Chinese label works
    assert mine["serial"] not in serials("--category", "dispute")
    offline = cli("--offline", "case", "list", "--all", "--search", "50%", "-o", "json")
    assert offline.code == 0 and [c["serial"] for c in offline.json()] == [mine["serial"]]
    bad = cli("case", "list", "--category", "nonsense")
    assert bad.code == 2 and "--category" in bad.err


def test_case_list_csv_keeps_flags_as_columns(server, cli, login):
    login(server, "station-01")
    r = cli("case", "list", "--all", "--limit", "200", "-o", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert rows and {"overdue", "urgent", "supervision"} <= set(rows[0])
    assert {row["overdue"] for row in rows} <= {"true", "false"} and {row["urgent"] for row in rows} <= {"true", "false"}
    assert any(row["overdue"] == "true" for row in rows)
    assert {row["supervision"] for row in rows} <= {"none", "normal", "yellow", "red"}


def test_case_list_help_explains_the_flags(cli):
    r = cli("case", "list", "--help")
    assert r.code == 0 and "! overdue" in r.out and "U urgent" in r.out
    zh = cli("--lang", "zh", "case", "list", "--help")
    assert "已超期" in zh.out and "紧急" in zh.out


def test_flags_legend_at_a_terminal_not_when_piped(server, tmp_path):
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"),
           "GRIDCTL_LANG": "en", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    login = subprocess.run([sys.executable, "-m", "gridctl", "auth", "login", "--server", server.url,
                            "--username", "gw-001", "--password-stdin"], input="demo-pass\n", text=True,
                           capture_output=True, cwd=ROOT, env=env)
    assert login.returncode == 0, login.stderr
    code, screen = run_in_terminal(["case", "list", "--all", "--overdue"], env)
    assert code == 0 and "Flags: ! overdue" in screen
    piped = subprocess.run([sys.executable, "-m", "gridctl", "case", "list", "--all", "--overdue"],
                           capture_output=True, text=True, cwd=ROOT, env=env)
    assert piped.returncode == 0 and piped.stdout and "Flags:" not in piped.stdout + piped.stderr


def test_case_show_names_the_assignee_or_who_holds_it(server, cli, login):
    login(server, "gw-001")
    login(server, "station-01", profile="station")
    case = report(cli, "违章搭建")
    unassigned = cli("case", "show", case["serial"])
    assert "Assignee\tnot assigned (anyone at Grid level)" in unassigned.out
    assert cli("--profile", "station", "case", "assign", case["serial"], "--to", "village-01").code == 0
    assert on_server(server, case["id"])["assignee"] == "village-01"
    assigned = cli("--profile", "station", "case", "show", case["serial"])
    assert "Assignee\tvillage-01" in assigned.out
    assert cli("--profile", "station", "case", "show", case["serial"], "-o", "json").json()["assignee"] == "village-01"


def test_visit_list_limit_and_household_numbers(server, cli, login):
    login(server, "gw-001")
    everything = cli("visit", "list", "-o", "json").json()
    assert len(everything) > 3
    r = cli("visit", "list", "--limit", "3")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert len(lines) == 3
    numbers = [line.split("\t")[1] for line in lines]
    assert numbers == [v["household_no"] for v in everything[:3]] and all(n.isdigit() and len(n) > 15 for n in numbers)
    limited = cli("visit", "list", "--limit", "2", "-o", "csv").out.splitlines()
    assert len(limited) == 3 and "household_no" in limited[0] and "household_id" in limited[0]
    assert cli("visit", "list", "--limit", "0").code == 2


def test_household_list_limit_takes_the_first_rows_in_household_number_order(server, cli, login):
    login(server, "gw-001")
    everything = cli("household", "list", "-o", "json").json()
    assert len(everything) > 3
    first = cli("household", "list", "--limit", "3", "-o", "json")
    assert first.code == 0, first.err
    assert [h["household_no"] for h in first.json()] == [h["household_no"] for h in everything[:3]]
    assert len(cli("household", "list", "--limit", "2").out.splitlines()) == 2
    refused = cli("household", "list", "--limit", "0")
    assert refused.code == 2 and "--limit" in refused.err
