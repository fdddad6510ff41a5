"""Every case verb of DESIGN §7 from the command line, by the role that may use it, checked
on the server afterwards."""

from __future__ import annotations

import httpx

from tests.conftest import token_for


def test_every_case_verb(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    login(server, "village-01", profile="village")
    login(server, "station-01", profile="station")
    token = token_for(server.url, "county-admin")

    def on_server(case_id: str) -> dict:
        return httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()

    def ok(*args: str) -> dict:
        r = cli(*args, "-o", "json")
        assert r.code == 0, (args, r.err)
        assert r.json()["sync"] == "synced", args
        return r.json()

    def report(title: str) -> str:
        return ok("incident", "report", "--category", "environment", "--title", title)["serial"]

    a = report("河道漂浮垃圾")
    ok("case", "accept", a)
    ok("case", "start", a)
    ok("case", "resolve", a, "--note", "已打捞")
    reopened = ok("--profile", "village", "case", "reopen", a, "--note", "仍有垃圾")
    assert reopened["status"] == "in_progress"
    ok("case", "resolve", a, "--note", "已全部清理")
    closed = ok("--profile", "village", "case", "close", a, "--note", "复核通过")
    assert closed["status"] == "closed"
    assert [s["action"] for s in on_server(closed["id"])["steps"]] == [
        "report", "accept", "start", "resolve", "reopen", "resolve", "close"]

    b = report("小区路灯损坏")
    assigned = ok("--profile", "village", "case", "assign", b, "--to", "gw-001")
    assert assigned["assignee"] == "gw-001"
    supervised = ok("--profile", "station", "case", "supervise", b, "--level", "yellow", "--note", "请三日内处理")
    assert supervised["supervision"] == "yellow"
    ok("case", "comment", b, "已联系物业")
    steps = on_server(assigned["id"])["steps"]
    assert [s["action"] for s in steps] == ["report", "assign", "supervise", "comment"]
    assert steps[-1]["note"] == "已联系物业"
    r = cli("case", "supervise", b, "--level", "red")
    assert r.code == 4  # a grid worker does not supervise

    c = report("邻里噪音投诉")
    ok("case", "escalate", c, "--reason", "多次调解无果", "--to", "town")
    rejected = ok("--profile", "station", "case", "reject", c, "--reason", "不属于受理范围")
    assert rejected["status"] == "rejected"
    d = report("占道经营")
    ok("case", "escalate", d, "--reason", "需村里协调")
    ok("--profile", "village", "case", "escalate", d, "--reason", "需城管执法", "--to", "town")
    returned = ok("--profile", "station", "case", "return", d, "--reason", "由村委会先行劝导")
    assert returned["level"] == "village"
    assert on_server(returned["id"])["level"] == "village"
