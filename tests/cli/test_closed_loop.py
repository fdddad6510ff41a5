"""The closed loop of DESIGN §15 through the CLI, against the real server and its small demo:
a station dispatches, a unit signs and resolves, the station verifies, the village follows up."""

from __future__ import annotations

import httpx

from tests.conftest import token_for


def server_case(server, case_id: str, user: str = "county-admin") -> httpx.Response:
    token = token_for(server.url, user)
    return httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _report_to_town(cli, login, server, title="违章搭建占用消防通道"):
    login(server, "gw-001")
    made = cli("incident", "report", "--category", "city_management", "--title", title, "-o", "json").json()
    assert cli("case", "escalate", made["serial"], "--reason", "需镇执法队处置", "--to", "town").code == 0
    login(server, "station-01", profile="station")
    return made


def test_dispatched_case_from_report_to_satisfied_follow_up(cli, login, server_factory):
    server = server_factory()
    made = _report_to_town(cli, login, server)
    st = ("--profile", "station")
    # The station learns where it can dispatch, then dispatches; a bad unit is refused at once.
    units = cli(*st, "unit", "list", "-o", "json").json()
    assert {u["code"] for u in units} == {"610822-ZJJ", "610822100-ZF", "610822100-TWH"}
    r = cli(*st, "case", "dispatch", made["serial"], "--to", "610822101-ZF")
    assert r.code == 2 and "unit list" in r.err and "610822101-ZF" in r.err
    r = cli(*st, "case", "dispatch", made["serial"], "--to", "zf")
    assert r.code == 2 and "--to" in r.err
    # The lead unit named again as a helper would be dropped from the helpers unseen: refused.
    r = cli(*st, "case", "dispatch", made["serial"], "--to", "610822100-ZF", "--co", "610822100-ZF")
    assert r.code == 2 and "unit 610822100-ZF leads the case and cannot also assist it" in r.err, r.err
    r = cli(*st, "--lang", "zh", "case", "dispatch", made["serial"], "--to", "610822100-ZF", "--co", "610822100-ZF")
    assert r.code == 2 and "不能同时作为协办单位" in r.err, r.err
    todo = [c["id"] for c in cli(*st, "case", "list", "-o", "json").json()]
    assert made["id"] in todo  # reported at town: the station's to act on
    r = cli(*st, "case", "dispatch", made["serial"], "--to", "610822100-ZF", "--co", "610822100-TWH",
            "--note", "请执法队现场处置", "-o", "json")
    assert r.code == 0, r.err
    assert (r.json()["status"], r.json()["unit"], r.json()["co_units"]) == ("dispatched", "610822100-ZF", ["610822100-TWH"])
    assert made["id"] not in [c["id"] for c in cli(*st, "case", "list", "-o", "json").json()]
    assert made["id"] in [c["id"] for c in cli(*st, "case", "list", "--queue", "dispatched", "-o", "json").json()]

    login(server, "unit-zf", profile="zf")
    zf = ("--profile", "zf")
    queue = cli(*zf, "case", "list", "--queue", "unit", "-o", "json").json()
    assert made["id"] in [c["id"] for c in queue]
    assert made["id"] in [c["id"] for c in cli(*zf, "case", "list", "-o", "json").json()]  # todo: to sign
    assert cli(*zf, "case", "sign", made["serial"]).code == 0
    r = cli(*zf, "case", "resolve", made["serial"], "--note", "已拆除违章搭建", "-o", "json")
    assert r.code == 0 and r.json()["status"] == "resolved", r.err
    r = cli(*zf, "case", "close", made["serial"])
    assert r.code == 4  # a unit does not verify its own work

    assert made["id"] in [c["id"] for c in cli(*st, "case", "list", "--queue", "verify", "-o", "json").json()]
    assert cli(*st, "case", "close", made["serial"]).code == 0

    login(server, "village-01", profile="village")
    vi = ("--profile", "village")
    assert made["id"] in [c["id"] for c in cli(*vi, "case", "list", "--queue", "follow-up", "-o", "json").json()]
    r = cli(*vi, "case", "follow-up", made["serial"], "--satisfaction", "satisfied", "--method", "phone",
            "--note", "群众满意", "-o", "json")
    assert r.code == 0, r.err
    final = server_case(server, made["id"]).json()
    assert (final["status"], final["satisfaction"], final["unit"]) == ("closed", "satisfied", "610822100-ZF")
    assert [s["action"] for s in final["steps"]] == ["report", "escalate", "dispatch", "sign", "resolve", "close",
                                                      "follow_up"]
    assert made["id"] not in [c["id"] for c in cli(*vi, "case", "list", "--queue", "follow-up", "-o", "json").json()]
    shown = cli(*vi, "case", "show", made["serial"])
    assert "610822100-ZF" in shown.out and "Satisfied" in shown.out


def test_unsatisfied_follow_up_reopens_at_the_unit_and_a_refusal_goes_back(cli, login, server_factory):
    server = server_factory()
    made = _report_to_town(cli, login, server, "噪声扰民")
    other = cli("incident", "report", "--category", "environment", "--title", "河道漂浮垃圾", "-o", "json").json()
    assert cli("case", "escalate", other["serial"], "--reason", "需镇里处置", "--to", "town").code == 0
    st, zf = ("--profile", "station"), ("--profile", "zf")
    for case in (made, other):
        assert cli(*st, "case", "dispatch", case["serial"], "--to", "610822100-ZF").code == 0
    login(server, "unit-zf", profile="zf")
    r = cli(*zf, "case", "refuse", other["serial"], "--reason", "不属于本单位职责", "-o", "json")
    assert r.code == 0 and r.json()["status"] == "reported" and r.json()["unit"] is None, r.err
    back = server_case(server, other["id"]).json()
    assert (back["status"], back["level"], back["unit"]) == ("reported", "town", None)
    assert server_case(server, other["id"], "unit-zf").status_code == 404  # no longer the unit's
    cli(*zf, "sync")
    assert other["id"] not in [c["id"] for c in cli(*zf, "case", "list", "--queue", "unit", "-o", "json").json()]
    assert other["id"] in [c["id"] for c in cli(*st, "case", "list", "-o", "json").json()]

    assert cli(*zf, "case", "sign", made["serial"]).code == 0
    assert cli(*zf, "case", "resolve", made["serial"], "--note", "已处置").code == 0
    assert cli(*st, "case", "close", made["serial"]).code == 0
    r = cli(*st, "case", "follow-up", made["serial"], "--satisfaction", "unsatisfied", "--method", "in_person",
            "-o", "json")
    assert r.code == 0, r.err
    again = server_case(server, made["id"]).json()
    assert (again["status"], again["level"], again["unit"], again["satisfaction"]) == (
        "in_progress", "town", "610822100-ZF", "unsatisfied")
    assert made["id"] in [c["id"] for c in cli(*zf, "case", "list", "-o", "json").json()]  # the unit's to do again
    assert cli(*zf, "case", "resolve", made["serial"], "--note", "再次处置完毕").code == 0


def test_a_unit_user_sees_its_unit_alone(cli, login, server_factory):
    server = server_factory()
    token = token_for(server.url, "unit-zf")
    api = httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    cases = api.get("/cases", params={"limit": 1000}).json()["items"]
    assert cases and all("610822100-ZF" in [c["unit"], *c["co_units"]] for c in cases)
    everything = httpx.get(f"{server.url}/api/v1/cases", params={"limit": 1000},
                           headers={"Authorization": f"Bearer {token_for(server.url, 'county-admin')}"}).json()["items"]
    foreign = next(c for c in everything if c["unit"] is None)
    assert api.get(f"/cases/{foreign['id']}").status_code == 404
    assert api.get(f"/cases/{foreign['serial']}").status_code == 404
    assert api.get("/households").json()["items"] == [] and api.get("/persons").json()["items"] == []
    assert api.get("/visits").json()["items"] == [] and api.get("/divisions").json() == []
    pulled = api.get("/sync/pull").json()["changes"]
    # Its cases, and the alerts about them that are meant for units (DESIGN 16): nothing else.
    assert pulled and {c["entity"] for c in pulled} <= {"case", "alert"}
    assert {c["id"] for c in pulled if not c["deleted"] and c["entity"] == "case"} == {c["id"] for c in cases}
    assert all(c["data"]["subject_id"] in {x["id"] for x in cases} and c["data"]["kind"] in ("due_soon", "overdue", "unsatisfied")
               for c in pulled if c["entity"] == "alert" and not c["deleted"])
    assert [u["code"] for u in api.get("/units").json()] == ["610822100-ZF"]
    assert [u["username"] for u in api.get("/users").json()] == ["unit-zf"]
    # Acting on a case outside the unit is refused exactly like a missing one.
    r = api.post("/sync/push", json={"device_id": "d", "mutations": [{
        "id": "0193a5c2-7b1e-7c4d-9a10-3f2b8e61d0f1", "type": "case.act", "base_version": foreign["version"],
        "created_at": "2026-11-22T09:31:00+08:00",
        "payload": {"case_id": foreign["id"], "action": "comment", "note": "x"}}]}).json()["results"][0]
    assert r["status"] == "rejected" and r["problem"]["status"] == 404
    login(server, "unit-zf")
    r = cli("household", "list", "-o", "json")
    assert r.code == 0 and r.json() == []


def test_import_units_and_unit_users(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "county-admin")
    units = tmp_path / "units.csv"
    units.write_text("编码,名称,所属区划,类型\n610822101-ZF,河东镇综合执法队,610822101,职能部门\n"
                     "610822101-PCS,河东派出所,610822101,公安\n610822101-X,坏单位,610822100,其他\n"
                     "610822-SFJ,示范县司法局,610822,调解组织\n", encoding="utf-8")
    r = cli("import", "units", str(units), "-o", "json")
    assert r.code == 3, r.err  # one row refused
    assert r.json()["created"] == 3 and r.json()["rejected"] == 1
    assert "row 4" in r.err and "610822100" in r.err
    again = cli("import", "units", str(units), "-o", "json")
    assert again.json()["unchanged"] == 3 and again.json()["created"] == 0
    listed = {u["code"]: u for u in cli("unit", "list", "-o", "json").json()}
    assert listed["610822101-PCS"]["kind"] == "police" and listed["610822-SFJ"]["kind"] == "mediation"
    assert {u["code"] for u in cli("unit", "list", "--division", "610822101", "-o", "json").json()} == {
        "610822101-ZF", "610822101-PCS", "610822-SFJ", "610822-ZJJ"}
    users = tmp_path / "users.csv"
    users.write_text("username,display_name,role,scope,unit,password\nunit-hd,河东执法队员,unit,,610822101-ZF,pass-1234\n"
                     "unit-bad,无单位,unit,,,\nunit-nx,不存在,unit,,610822101-NOPE,\ngw-x,网格员,gridworker,,610822101-ZF,\n",
                     encoding="utf-8")
    r = cli("import", "users", str(users), "-o", "json")
    assert r.code == 3 and r.json()["created"] == 1 and r.json()["rejected"] == 3, (r.out, r.err)
    assert "unit" in r.err and "610822101-NOPE" in r.err
    mine = {u["username"]: u for u in cli("user", "list", "--role", "unit", "-o", "json").json()}
    assert mine["unit-hd"]["unit"] == "610822101-ZF" and {"unit-zf", "unit-zjj"} <= set(mine)
    assert {u["username"] for u in cli("user", "list", "--division", "610822101", "--role", "unit", "-o", "json").json()} == {
        "unit-hd", "unit-zjj"}
    r = cli("user", "list", "--role", "chief")
    assert r.code == 2 and "--role" in r.err
    r = cli("--lang", "zh", "user", "list", "--division", "61x")
    assert r.code == 2 and "区划代码" in r.err
