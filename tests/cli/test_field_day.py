"""A grid worker's day, end to end against the real server (DESIGN §7, issue 3)."""

from __future__ import annotations

import httpx

from tests.conftest import token_for
from tests.server.helpers import image_bytes

PNG = image_bytes("test_field_day")


def server_case(server, case_id: str, user: str = "county-admin") -> dict:
    token = token_for(server.url, user)
    return httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()


def test_login_report_work_and_escalate(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "gw-001")
    status = cli("auth", "status", "-o", "json")
    assert status.code == 0 and status.json()["username"] == "gw-001" and status.json()["online"] is True

    photo = tmp_path / "crack.png"
    photo.write_bytes(PNG)
    r = cli("incident", "report", "--category", "安全隐患", "--title", "公园墙体裂缝有落石",
            "--description", "东侧墙体裸露", "--address", "府兴路12号", "--party", "张三,13812345678",
            "--photo", str(photo), "-o", "json")
    assert r.code == 0, r.err
    made = r.json()
    assert made["sync"] == "synced" and made["serial"].startswith("610822-") and made["status"] == "reported"
    assert "Synced to the server." in r.err
    on_server = server_case(server, made["id"])
    assert on_server["title"] == "公园墙体裂缝有落石" and len(on_server["photos"]) == 1
    assert on_server["parties"][0]["phone"] == "13812345678"

    mine = cli("case", "list", "-o", "json")
    assert made["id"] in [c["id"] for c in mine.json()]

    serial = made["serial"]
    assert cli("case", "accept", serial).code == 0
    assert cli("case", "start", made["id"][:8]).code == 0
    r = cli("case", "resolve", serial)
    assert r.code == 2 and "--note" in r.err  # the fix is named
    r = cli("case", "resolve", serial, "--note", "已设置警示带并通知住建部门", "-o", "json")
    assert r.code == 0 and r.json()["status"] == "resolved"
    on_server = server_case(server, made["id"])
    assert [s["action"] for s in on_server["steps"]] == ["report", "accept", "start", "resolve"]
    assert on_server["version"] == 4

    second = cli("incident", "report", "--category", "dispute", "--subcategory", "0902",
                 "--title", "宅基地界限争议", "-o", "json").json()
    r = cli("case", "escalate", second["serial"], "--reason", "涉及两村土地，需镇里协调", "--to", "town", "-o", "json")
    assert r.code == 0 and r.json()["level"] == "town" and r.json()["sync"] == "synced"

    login(server, "station-01", profile="station")
    listed = cli("--profile", "station", "case", "list", "--level", "town", "-o", "json").json()
    assert second["id"] in [c["id"] for c in listed]
    r = cli("--profile", "station", "case", "accept", second["serial"])
    assert r.code == 0, r.err
    assert server_case(server, second["id"])["status"] == "accepted"


def test_table_and_json_of_the_same_list(cli, login, live_server):
    login(live_server, "gw-001")
    table = cli("case", "list", "--all", "--status", "closed")
    as_json = cli("case", "list", "--all", "--status", "closed", "-o", "json").json()
    assert table.code == 0 and as_json
    # Piped, a table is tab-separated lines without a header, one per case, in the same order.
    lines = table.out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [c["serial"] for c in as_json]
    assert all(line.split("\t")[1] == c["title"] and line.split("\t")[3] == "Closed" for line, c in zip(lines, as_json))
    lines = cli("case", "list", "--all", "--status", "closed", "-o", "jsonl").out.splitlines()
    assert [__import__("json").loads(x)["id"] for x in lines] == [c["id"] for c in as_json]
    csv = cli("case", "list", "--all", "--status", "closed", "-o", "csv").out.splitlines()
    assert csv[0] == "serial,title,category,status,level,grid_code,due_at,overdue,sync,urgent,supervision"
    assert len(csv) == len(as_json) + 1


def test_chinese_output(cli, login, live_server):
    login(live_server, "gw-001")
    r = cli("--lang", "zh", "case", "list", "--all", "--status", "closed")
    assert r.code == 0
    assert "已结案" in r.out and "Closed" not in r.out
    r = cli("--lang", "zh", "case", "resolve", "nonexistent-ref-123")
    assert r.code == 5 and r.err.startswith("错误：")
    r = cli("--lang", "zh", "visit", "log", "nonexistent-household", "--purpose", "走亲戚")
    assert r.code == 2 and "常规走访" in r.err and r.err.startswith("错误：")


def test_household_person_and_visit_commands(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    households = cli("household", "list", "-o", "json").json()
    assert households and all(h["grid_code"] == "610822100200001" for h in households)
    h = households[0]
    shown = cli("household", "show", h["household_no"], "-o", "json").json()
    person = shown["persons"][0]
    assert "*" in (person["id_number"] or "*")  # masked for a grid worker
    r = cli("person", "show", person["id"][:18])  # uuid7: the first 8 characters are the time
    assert r.code == 0 and person["name"] in r.out
    r = cli("visit", "log", h["household_no"], "--purpose", "关爱帮扶", "--note", "老人身体尚好", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "synced" and r.json()["purpose"] == "care"
    visits = cli("visit", "list", "--household", h["household_no"], "-o", "json").json()
    assert visits[0]["note"] == "老人身体尚好"
    r = cli("person", "add", h["household_no"], "--name", "李四", "--sex", "女", "--relation", "女",
            "--birth-date", "2015-06-01", "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["relation_to_head"] == "daughter"
    r = cli("person", "update", r.json()["id"], "--tag", "留守儿童", "-o", "json")
    assert r.code == 0 and r.json()["tags"] == ["left_behind_child"]
    due = cli("visit", "due", "--within", "30", "-o", "json")
    assert due.code == 0
    assert any(d["name"] == "李四" for d in due.json())
