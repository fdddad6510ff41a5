"""Push and pull over real HTTP: idempotency, conflicts, scope isolation (OWASP API1)."""

from __future__ import annotations

import concurrent.futures as cf

import pytest

from schemas import workflow as wf
from tests.server.helpers import GW1_GRID, GW2_GRID, Api, act, report


def _steps(server, case_id: str) -> int:
    return server.db.scalar("SELECT COUNT(*) FROM case_steps WHERE case_id = :c", c=case_id)


def _cases_with_id(server, case_id: str) -> int:
    return server.db.scalar("SELECT COUNT(*) FROM cases WHERE id = :c", c=case_id)


def test_report_escalate_and_station_sees_it(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report(title="公园墙体裂缝有落石")
    [r] = gw.push(m)
    assert r["status"] == "applied" and r["version"] == 1
    case_id = m["payload"]["id"]
    [r] = gw.push(act(case_id, "escalate", 1, reason="需住建部门处置", to_level="town"))
    assert (r["status"], r["version"]) == ("applied", 2)
    station = Api(live_server.url, tokens("station-01"))
    case = station.get(f"/cases/{case_id}").json()
    assert (case["status"], case["level"], case["version"]) == ("reported", "town", 2)
    assert case["serial"].startswith("610822-")
    [r] = station.push(act(case_id, "accept", 2))
    assert r["status"] == "applied"


def test_same_mutation_ten_times_in_sequence_has_one_effect(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report()
    results = [gw.push(m)[0] for _ in range(10)]
    assert [r["status"] for r in results] == ["applied"] + ["duplicate"] * 9
    assert {r["entity_id"] for r in results} == {m["payload"]["id"]}
    assert _cases_with_id(live_server, m["payload"]["id"]) == 1
    a = act(m["payload"]["id"], "accept", 1)
    assert [gw.push(a)[0]["status"] for _ in range(10)] == ["applied"] + ["duplicate"] * 9
    assert _steps(live_server, m["payload"]["id"]) == 2


def test_same_mutation_ten_times_concurrently_has_one_effect(live_server, tokens):
    token = tokens("gw-001")
    m = report()
    a = act(m["payload"]["id"], "accept", 1)

    def send(mutation):
        return Api(live_server.url, token).push(mutation)[0]["status"]

    with cf.ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(send, [m] * 10))
    assert sorted(statuses) == ["applied"] + ["duplicate"] * 9
    with cf.ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(send, [a] * 10))
    assert sorted(statuses) == ["applied"] + ["duplicate"] * 9
    assert _cases_with_id(live_server, m["payload"]["id"]) == 1
    assert _steps(live_server, m["payload"]["id"]) == 2


def test_two_clients_from_the_same_base_version_exactly_one_applies(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report()
    gw.push(m)
    case_id = m["payload"]["id"]
    first, second = act(case_id, "accept", 1), act(case_id, "accept", 1)
    other = Api(live_server.url, tokens("gw-001"))
    with cf.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda pair: pair[0].push(pair[1])[0], [(gw, first), (other, second)]))
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["applied", "conflict"]
    conflict = next(r for r in results if r["status"] == "conflict")
    assert conflict["current"]["status"] == "accepted" and conflict["current"]["version"] == 2
    # The conflicting mutation changed nothing and can be sent again once rebased (it no longer fits).
    assert _steps(live_server, case_id) == 2


def test_stale_base_version_that_still_fits_applies(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report()
    gw.push(m)
    case_id = m["payload"]["id"]
    gw.push(act(case_id, "comment", 1, note="现场已拍照"))
    [r] = gw.push(act(case_id, "accept", 1))
    assert r["status"] == "applied" and r["version"] == 3


def test_stale_assign_or_supervise_never_overwrites_a_later_one(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report()
    gw.push(m)
    case_id = m["payload"]["id"]
    village, station = Api(live_server.url, tokens("village-01")), Api(live_server.url, tokens("station-01"))
    assert village.push(act(case_id, "assign", 1, assignee="gw-001"))[0]["status"] == "applied"
    # station-01 saw version 1 (no assignee) and would silently replace village-01's choice.
    [r] = station.push(act(case_id, "assign", 1, assignee="gw-002"))
    assert r["status"] == "conflict" and r["current"]["assignee"] == "gw-001"
    assert "village-01" in r["problem"]["detail"]
    assert station.push(act(case_id, "supervise", 2, supervision="yellow"))[0]["status"] == "applied"
    [r] = station.push(act(case_id, "supervise", 2, supervision="normal"))
    assert r["status"] == "conflict" and r["current"]["supervision"] == "yellow"
    # From the current version both apply; a stale comment always does.
    assert station.push(act(case_id, "assign", 3, assignee="village-01"))[0]["status"] == "applied"
    assert gw.push(act(case_id, "comment", 1, note="已联系物业"))[0]["status"] == "applied"
    assert _steps(live_server, case_id) == 5


def test_a_rejected_mutation_does_not_block_the_ones_behind_it(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    bad = report(grid=GW2_GRID)
    good = report()
    results = gw.push(bad, good)
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["problem"]["errors"][0]["field"] == "grid_code"


def test_bad_payload_is_rejected_naming_the_field(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report(category="nonsense")
    m["payload"]["category"] = "nonsense"
    [r] = gw.push(m)
    assert r["status"] == "rejected"
    assert r["problem"]["errors"][0]["field"] == "category"
    m = report(occurred_at="2099-01-01T00:00:00+08:00")
    [r] = gw.push(m)
    assert r["status"] == "rejected" and r["problem"]["errors"][0]["field"] == "occurred_at"


class TestScopeIsolation:
    """gw-002 reaches nothing of gw-001's grid, by any door."""

    @pytest.fixture(scope="class")
    def gw1_case(self, live_server, tokens):
        gw1 = Api(live_server.url, tokens("gw-001"))
        m = report(title="gw-001 的私有事件")
        gw1.push(m)
        return gw1.get(f"/cases/{m['payload']['id']}").json()

    def test_by_uuid_and_serial(self, live_server, tokens, gw1_case):
        gw2 = Api(live_server.url, tokens("gw-002"))
        for ref in (gw1_case["id"], gw1_case["serial"]):
            r = gw2.get(f"/cases/{ref}")
            assert r.status_code == 404 and r.json()["title"] == "Not Found"

    def test_lists_and_filters(self, live_server, tokens, gw1_case):
        gw2 = Api(live_server.url, tokens("gw-002"))
        for path in ("/cases", "/households", "/persons", "/visits"):
            items = gw2.get(path, limit=1000).json()["items"]
            assert all(i["grid_code"] == GW2_GRID for i in items), path
        assert gw2.get("/cases", grid=GW1_GRID).json()["items"] == []
        assert gw2.get("/households", grid=GW1_GRID).json()["items"] == []
        assert gw2.get("/cases", grid="610822").json()["items"] != []  # own cases only
        assert all(c["grid_code"] == GW2_GRID for c in gw2.get("/cases", grid="610822").json()["items"])
        assert [d["code"] for d in gw2.get("/divisions").json()] == [GW2_GRID]

    def test_records_by_id(self, live_server, tokens):
        gw1 = Api(live_server.url, tokens("gw-001"))
        gw2 = Api(live_server.url, tokens("gw-002"))
        household = gw1.get("/households", limit=1).json()["items"][0]
        person = gw1.get("/persons", limit=1).json()["items"][0]
        assert gw2.get(f"/households/{household['id']}").status_code == 404
        assert gw2.get(f"/households/{household['household_no']}").status_code == 404
        assert gw2.get(f"/persons/{person['id']}").status_code == 404
        assert gw2.get("/persons", household=household["id"]).json()["items"] == []
        assert gw2.get("/visits", household=household["id"]).json()["items"] == []

    def test_pull_feed(self, live_server, tokens, gw1_case):
        gw2 = Api(live_server.url, tokens("gw-002"))
        changes = gw2.pull_all()
        assert changes
        ids = {c["id"] for c in changes}
        assert gw1_case["id"] not in ids
        assert all((c["data"] or {}).get("grid_code", GW2_GRID) == GW2_GRID for c in changes if c["entity"] != "division")

    def test_cannot_write_into_another_grid(self, live_server, tokens, gw1_case):
        gw2 = Api(live_server.url, tokens("gw-002"))
        [r] = gw2.push(report(grid=GW1_GRID))
        assert r["status"] == "rejected" and r["problem"]["code"] == "division.out_of_scope"
        [r] = gw2.push(act(gw1_case["id"], "comment", note="看看"))
        assert r["status"] == "rejected" and r["problem"]["status"] == 404
        gw1 = Api(live_server.url, tokens("gw-001"))
        household = gw1.get("/households", limit=1).json()["items"][0]
        from schemas.ids import uuid7
        from tests.server.helpers import now_text

        visit = {"id": uuid7(), "type": "visit.log", "created_at": now_text(),
                 "payload": {"id": uuid7(), "household_id": household["id"], "visited_at": now_text(), "purpose": "routine"}}
        [r] = gw2.push(visit)
        assert r["status"] == "rejected"

    def test_stats_of_another_division(self, live_server, tokens):
        gw2 = Api(live_server.url, tokens("gw-002"))
        assert gw2.get("/stats/overview", division=GW1_GRID).status_code == 404
        assert gw2.get("/stats/overview", division=GW2_GRID).status_code == 200


def test_pull_resets_on_unknown_cursor_or_changed_scope(live_server, tokens):
    gw1 = Api(live_server.url, tokens("gw-001"))
    page = gw1.http.get("/sync/pull").json()
    assert page["reset"] is False
    cursor = page["cursor"]
    again = gw1.http.get("/sync/pull", params={"cursor": cursor}).json()
    assert again["reset"] is False and all(c["id"] not in {x["id"] for x in page["changes"]} for c in again["changes"])
    gw2 = Api(live_server.url, tokens("gw-002"))
    other = gw2.http.get("/sync/pull", params={"cursor": cursor}).json()
    assert other["reset"] is True and other["changes"]
    assert gw1.http.get("/sync/pull", params={"cursor": "999999999.abc"}).json()["reset"] is True


# --- the workflow table over HTTP -------------------------------------------------------

ROLES = ["gw-001", "gw-002", "village-01", "station-01", "county-admin"]


def test_the_server_decides_exactly_as_the_workflow_table(server_factory):
    """For every demo case of gw-001's grid, every user and every action: the server refuses
    exactly what ``schemas.workflow`` refuses (refusals are checked by pushing them)."""
    from tests.conftest import token_for

    server = server_factory()
    apis = {u: Api(server.url, token_for(server.url, u)) for u in ROLES}
    users = {u: apis[u].get("/me").json() for u in ROLES}
    cases = apis["county-admin"].get("/cases", grid=GW1_GRID, limit=100).json()["items"]
    assert {c["status"] for c in cases} == set(wf.STATUSES)
    assert {c["level"] for c in cases} >= {"grid", "village", "town"}
    params = {"note": "说明", "reason": "理由", "assignee": "gw-001", "supervision": "yellow"}
    checked = 0
    for case in cases:
        for username in ROLES:
            allowed = set(wf.allowed_actions(case, users[username]))
            for action in wf.ACTIONS:
                if action in allowed:
                    continue
                [r] = apis[username].push(act(case["id"], action, case["version"], **params))
                assert r["status"] == "rejected", (case["status"], case["level"], username, action, r)
                checked += 1
    assert checked > 500
    # And the allowed ones apply: walk one reported grid case through the whole loop.
    c = next(c for c in cases if c["status"] == "reported" and c["level"] == "grid")
    gw, village = apis["gw-001"], apis["village-01"]
    for api, action, extra in [(gw, "accept", {}), (gw, "start", {}), (gw, "resolve", {"note": "已清理"}),
                               (village, "reopen", {"note": "现场仍有杂物"}), (gw, "resolve", {"note": "已全部清理"}),
                               (village, "close", {})]:
        before = api.get(f"/cases/{c['id']}").json()
        [r] = api.push(act(c["id"], action, before["version"], **extra))
        assert r["status"] == "applied", (action, r)
    final = gw.get(f"/cases/{c['id']}").json()
    assert final["status"] == "closed"
    assert [s["action"] for s in final["steps"]] == ["report", "accept", "start", "resolve", "reopen", "resolve", "close"]


def test_import_endpoint_admin_only_idempotent_and_in_the_feed(server_factory):
    from datetime import date

    from schemas.validators import make_id_number
    from tests.conftest import token_for

    server = server_factory()
    admin = Api(server.url, token_for(server.url, "county-admin"))
    rows = [{"code": "610822100200006", "name": "前进村第6网格"}]
    r = admin.http.post("/import/grids", json={"rows": rows}).json()
    assert (r["created"], r["rejected"]) == (1, 0)
    rows[0]["name"] = "前进村第六网格"
    assert admin.http.post("/import/grids", json={"rows": rows}).json()["updated"] == 1
    assert admin.http.post("/import/grids", json={"rows": rows}).json()["unchanged"] == 1
    person = {"household_no": "H-import-1", "grid_code": "610822100200001", "name": "钱大爷",
              "id_number": make_id_number("610822", date(1941, 5, 6), 31), "tags": "独居老人", "sex": "男"}
    bad = dict(person, id_number=person["id_number"][:-1] + ("0" if person["id_number"][-1] != "0" else "1"), name="错号")
    dry = admin.http.post("/import/persons", params={"dry_run": "true"}, json={"rows": [person, bad]}).json()
    assert (dry["created"], dry["rejected"], dry["dry_run"]) == (1, 1, True)
    assert dry["errors"][0]["index"] == 1 and dry["errors"][0]["field"] == "id_number"
    assert admin.get("/persons", q=person["id_number"]).json()["items"] == []  # dry run wrote nothing
    done = admin.http.post("/import/persons", json={"rows": [person, bad]}).json()
    assert (done["created"], done["rejected"]) == (1, 1)
    again = admin.http.post("/import/persons", json={"rows": [person]}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    gw = Api(server.url, token_for(server.url, "gw-001"))
    assert gw.http.post("/import/persons", json={"rows": [person]}).status_code == 403
    pulled = [c for c in gw.pull_all() if c["entity"] == "person" and (c["data"] or {}).get("name") == "钱大爷"]
    assert len(pulled) == 1 and pulled[0]["data"]["tags"] == ["elderly_alone"]
    too_many = admin.http.post("/import/persons", json={"rows": [person] * 5001})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "rows"


def test_problems_are_worded_in_the_requested_language(live_server, tokens):
    gw = Api(live_server.url, tokens("gw-001"))
    m = report(parties=[{"name": "张三", "id_number": "610822199001011234"}])
    zh = gw.http.post("/sync/push", json={"device_id": "d", "mutations": [m]}, headers={"Accept-Language": "zh-CN"})
    problem = zh.json()["results"][0]["problem"]
    assert problem["errors"][0]["field"] == "parties.0.id_number"
    assert "校验位" in problem["errors"][0]["message"]
    [en] = gw.push(m)
    assert "check character" in en["problem"]["errors"][0]["message"]
