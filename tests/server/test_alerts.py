"""Early warning (DESIGN 16) against the real server: each condition constructed through pushed
mutations, seen by the right users only, acknowledged, carried by the pull feed, and cleared.

Clearing that needs the clock to move (an overdue case, a week passing) runs the server's own
sweep on its database file with a later ``now`` — the code path the server runs each minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from schemas.ids import uuid7
from schemas.validators import CST
from tests.conftest import LiveServer, token_for
from tests.server.helpers import GW1_GRID, GW2_GRID, Api, act, now_text, report

FREQ = {"elderly_alone": 7, "key_person": 30, "left_behind_elderly": 30, "left_behind_child": 30,
        "left_behind_woman": 30, "disabled": 90, "low_income": 90, "household": 365}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = LiveServer(tmp_path_factory.mktemp("alerts") / "server.db").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def api(server):
    made: dict[str, Api] = {}

    def get(user: str) -> Api:
        if user not in made:
            made[user] = Api(server.url, token_for(server.url, user))
        return made[user]

    return get


def engine_of(server):
    return server.db.engine()  # its SQLite file, or its PostgreSQL database (GRIDCTL_TEST_DB)


def sweep_at(server, **ahead) -> None:
    """The server's sweep as it will run when the clock has moved on by ``ahead``."""
    from server.services import alerts as service

    assert service.maybe_sweep(engine_of(server), FREQ, datetime.now(timezone.utc) + timedelta(**ahead), force=True)


def sweep_now(server) -> None:
    """Back to the real time, so that the server's own minute-by-minute sweeps carry on."""
    sweep_at(server)


def ago(**kw) -> str:
    return (datetime.now(timezone.utc) - timedelta(**kw)).isoformat(timespec="seconds")


def alerts_of(a: Api, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        r = a.get("/alerts", **params, **({"cursor": cursor} if cursor else {}), limit=50)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


def find(a: Api, kind: str, subject_id: str) -> dict | None:
    return next((x for x in alerts_of(a, kind=kind) if x["subject_id"] == subject_id), None)


def applied(results: list[dict]) -> list[dict]:
    assert [r["status"] for r in results] == ["applied"] * len(results), [r.get("problem") for r in results]
    return results


def id_number(seed: int) -> str:
    body = f"61082219800101{seed:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def new_household(a: Api, grid: str = GW1_GRID) -> str:
    hid = uuid7()
    applied(a.push({"id": uuid7(), "type": "household.upsert", "created_at": now_text(),
                    "payload": {"id": hid, "household_no": "A" + hid[-12:], "grid_code": grid, "address": "府兴路1号"}}))
    return hid


def test_three_cases_at_one_household_raise_repeat_for_station_village_and_worker(server, api):
    gw1 = api("gw-001")
    hid = new_household(gw1)
    applied(gw1.push(report(household_id=hid, category="dispute"), report(household_id=hid, category="dispute")))
    assert find(gw1, "repeat", hid) is None  # two are not yet a pattern
    applied(gw1.push(report(household_id=hid, category="dispute")))
    alert = find(gw1, "repeat", hid)
    assert alert and alert["state"] == "open" and alert["params"]["count"] == 3 and alert["grid_code"] == GW1_GRID
    assert "3" in alert["text"]["zh"] and "3 cases" in alert["text"]["en"]
    assert find(api("station-01"), "repeat", hid) and find(api("village-01"), "repeat", hid)
    assert find(api("gw-002"), "repeat", hid) is None  # another grid's worker
    # 31 days on the cases fall out of the window: the sweep clears the alert by itself.
    sweep_at(server, days=31)
    assert find(gw1, "repeat", hid)["state"] == "cleared"
    sweep_now(server)
    # Today a fourth case opens the same alert again.
    applied(gw1.push(report(household_id=hid, category="dispute")))
    again = find(gw1, "repeat", hid)
    assert again["id"] == alert["id"] and again["state"] == "open" and again["params"]["count"] == 4


def test_three_cases_naming_one_id_number_raise_repeat_with_the_number_masked(api):
    station = api("station-01")
    number = id_number(417)
    party = {"name": "王五", "id_number": number, "role": "party"}
    grids = [GW1_GRID, GW2_GRID, GW1_GRID]
    applied(station.push(*[report(grid=g, category="dispute", parties=[party]) for g in grids]))
    [alert] = [x for x in alerts_of(station, kind="repeat") if x["subject_type"] == "party"
               and x["params"]["count"] == 3 and x["params"]["id_number"] and x["params"]["id_number"][-4:] == number[-4:]]
    assert number not in str(alert)  # the number is masked, the subject a digest
    assert alert["params"]["id_number"] != number and "*" in alert["params"]["id_number"]


def test_a_grid_whose_disputes_jump_past_its_8_week_baseline_raises_spike(server, api):
    from server.services.alerts import week_start

    station = api("station-01")
    # A grid with no cases in the demo data: its baseline is what this test makes.
    grids = [d["code"] for d in station.get("/divisions", parent="610822100201").json() if d["level"] == "grid"]
    grid = grids[0]
    start = week_start(datetime.now(timezone.utc))
    baseline = [report(grid=grid, category="dispute", reported_at=(start - timedelta(weeks=w) + timedelta(days=2)).isoformat())
                for w in (1, 3, 5, 7)]  # 1, 0, 1, 0, ... a week: mean 0.5, sigma 0.5
    applied(station.push(*baseline))
    applied(station.push(*[report(grid=grid, category="dispute") for _ in range(4)]))
    subject = f"{grid}:dispute"
    assert find(station, "spike", subject) is None  # 4 is above mean + 3 sigma but below 5
    applied(station.push(report(grid=grid, category="dispute")))
    alert = find(station, "spike", subject)
    assert alert["state"] == "open" and alert["params"]["count"] == 5 and alert["params"]["mean"] == 0.5
    assert "矛盾纠纷" in alert["text"]["zh"]
    assert find(api("county-admin"), "spike", subject) is not None
    assert find(api("village-01"), "spike", subject) is None  # DESIGN 16: station and county
    # Another category in the same grid is another subject.
    assert find(station, "spike", f"{grid}:safety_hazard") is None
    sweep_at(server, days=14)
    assert find(station, "spike", subject)["state"] == "cleared"
    sweep_now(server)


def test_a_group_case_alerts_station_and_county_at_once_and_clears_when_rejected(api):
    gw1, station = api("gw-001"), api("station-01")
    m = report(scale="group", title="村民聚集讨薪", category="dispute")
    cid = m["payload"]["id"]
    applied(gw1.push(m))
    alert = find(station, "group", cid)
    assert alert["severity"] == "critical" and alert["state"] == "open"
    assert find(api("county-admin"), "group", cid)
    assert find(gw1, "group", cid) is None  # DESIGN 16: station and county
    applied(gw1.push(act(cid, "escalate", 1, reason="需镇综治中心协调", to_level="town")))
    applied(station.push(act(cid, "reject", 2, reason="已由信访部门受理")))
    assert find(station, "group", cid)["state"] == "cleared"


def test_a_key_person_8_days_late_for_a_visit_alerts_worker_and_village_then_a_visit_clears_it(server, api):
    gw1 = api("gw-001")
    hid = new_household(gw1)
    pid = uuid7()
    applied(gw1.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(),
                      "payload": {"id": pid, "household_id": hid, "name": "赵六", "tags": ["key_person"],
                                  "key_person_type": "released_prisoner"}}))
    assert find(gw1, "visit_overdue", pid) is None  # never visited: no due date yet

    def visit(**when) -> dict:
        return {"id": uuid7(), "type": "visit.log", "created_at": now_text(),
                "payload": {"id": uuid7(), "household_id": hid, "person_ids": [pid], "visited_at": ago(**when),
                            "method": "in_person", "purpose": "key_person", "met": True}}

    applied(gw1.push(visit(days=36)))  # due 6 days ago: late, but within the 7-day grace
    assert find(gw1, "visit_overdue", pid) is None
    applied(gw1.push(visit(days=38)))  # an older visit changes nothing: the last one counts
    assert find(gw1, "visit_overdue", pid) is None
    # Two days on, the clock alone makes it late: the sweep's timer for this person fires.
    sweep_at(server, days=2)
    assert find(gw1, "visit_overdue", pid)["params"]["days_late"] == 8
    sweep_now(server)
    # A person whose household was last visited 38 days ago: 8 days past the 30-day due date.
    hid2 = new_household(gw1)
    pid2 = uuid7()
    applied(gw1.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(),
                      "payload": {"id": pid2, "household_id": hid2, "name": "钱七", "tags": ["key_person"],
                                  "key_person_type": "released_prisoner"}}))
    applied(gw1.push({"id": uuid7(), "type": "visit.log", "created_at": now_text(),
                      "payload": {"id": uuid7(), "household_id": hid2, "person_ids": [pid2], "visited_at": ago(days=38),
                                  "method": "in_person", "purpose": "key_person", "met": True}}))
    alert = find(gw1, "visit_overdue", pid2)
    assert alert["state"] == "open" and alert["severity"] == "critical" and alert["params"]["days_late"] == 8
    assert "8" in alert["text"]["zh"] and "8 days late" in alert["text"]["en"]
    assert find(api("village-01"), "visit_overdue", pid2)
    assert find(api("station-01"), "visit_overdue", pid2) is None  # DESIGN 16: grid worker and village
    assert find(api("gw-002"), "visit_overdue", pid2) is None
    applied(gw1.push({"id": uuid7(), "type": "visit.log", "created_at": now_text(),
                      "payload": {"id": uuid7(), "household_id": hid2, "person_ids": [pid2], "visited_at": ago(minutes=5),
                                  "method": "in_person", "purpose": "key_person", "met": True}}))
    assert find(gw1, "visit_overdue", pid2)["state"] == "cleared"


def test_a_case_inside_20_percent_of_its_limit_is_due_soon_then_overdue_then_cleared_by_accepting(server, api):
    gw1 = api("gw-001")
    # Urgent: accept within 2 hours; reported 90 minutes ago it has 30 minutes left.
    m = report(urgent=True, reported_at=ago(minutes=90), title="燃气泄漏气味")
    cid = m["payload"]["id"]
    applied(gw1.push(m))
    soon = find(gw1, "due_soon", cid)
    assert soon["state"] == "open" and soon["severity"] == "warning"
    assert find(gw1, "overdue", cid) is None
    assert find(api("gw-002"), "due_soon", cid) is None
    sweep_at(server, hours=1)  # an hour on, the sweep sees it pass its due time
    assert find(gw1, "due_soon", cid)["state"] == "cleared"
    assert find(gw1, "overdue", cid)["state"] == "open"
    sweep_now(server)
    applied(gw1.push(act(cid, "accept", 1)))  # a new limit (resolve, 24 h urgent) from now
    assert find(gw1, "overdue", cid)["state"] == "cleared"
    assert find(gw1, "due_soon", cid)["state"] == "cleared"


def test_an_overdue_case_is_seen_by_station_acknowledged_offline_style_and_cleared(api):
    gw1, gw2, station = api("gw-001"), api("gw-002"), api("station-01")
    m = report(urgent=True, reported_at=ago(hours=3), title="路灯倒伏")
    cid = m["payload"]["id"]
    applied(gw1.push(m))
    alert = find(station, "overdue", cid)
    assert alert["severity"] == "critical" and alert["state"] == "open"
    assert find(gw1, "overdue", cid)["id"] == alert["id"]
    assert find(gw2, "overdue", cid) is None
    # gw-002 cannot see it, so cannot acknowledge it: 404 online, rejected through the outbox.
    assert gw2.http.post(f"/alerts/{alert['id']}/ack", json={}).status_code == 404
    ack = {"id": uuid7(), "type": "alert.ack", "created_at": now_text(), "payload": {"alert_id": alert["id"], "note": "已电话督办"}}
    [r] = gw2.push(ack)
    assert r["status"] == "rejected" and r["problem"]["status"] == 404
    # The station acknowledges through a mutation (what `gridctl alert ack` queues offline).
    [r] = station.push(ack)
    assert r["status"] == "applied" and r["entity"] == "alert"
    assert station.push(ack)[0]["status"] == "duplicate"
    seen = find(station, "overdue", cid)
    assert (seen["state"], seen["acked_by"], seen["ack_note"]) == ("acknowledged", "station-01", "已电话督办")
    assert alerts_of(station, kind="overdue", state="acknowledged")
    # Still overdue: stays acknowledged. Accepted: the condition ends, the alert clears.
    applied(gw1.push(act(cid, "accept", 1)))
    assert find(station, "overdue", cid)["state"] == "cleared"
    # Acknowledging a cleared alert records who saw it and leaves it cleared.
    r = station.http.post(f"/alerts/{alert['id']}/ack", json={"note": "x"})
    assert r.status_code == 200 and r.json()["state"] == "cleared"


def closed_by_unit(api) -> str:
    """A case of gw-001's grid handled by 城关镇综合执法队 (the closed loop, DESIGN 15), closed."""
    gw1, village, station, zf = api("gw-001"), api("village-01"), api("station-01"), api("unit-zf")
    m = report(category="dispute", title="商铺占道经营")
    cid = m["payload"]["id"]
    applied(gw1.push(m, act(cid, "escalate", 1, reason="需镇执法队处置")))
    applied(village.push(act(cid, "escalate", 2, reason="超出村级处置能力")))
    applied(station.push(act(cid, "accept", 3), act(cid, "dispatch", 4, unit="610822100-ZF", note="请执法队现场处置")))
    applied(zf.push(act(cid, "sign", 5), act(cid, "resolve", 6, note="已现场处置完毕")))
    applied(station.push(act(cid, "close", 7)))
    return cid


def version_of(api, cid: str) -> int:
    return api("station-01").get(f"/cases/{cid}").json()["version"]


def test_an_unsatisfied_follow_up_alerts_station_and_the_unit_until_a_later_follow_up_is_satisfied(server, api):
    station, zf = api("station-01"), api("unit-zf")
    cid = closed_by_unit(api)
    assert find(station, "unsatisfied", cid) is None
    applied(station.push(act(cid, "follow_up", version_of(api, cid), satisfaction="unsatisfied", method="phone",
                             note="问题反弹")))
    alert = find(station, "unsatisfied", cid)
    assert alert["state"] == "open" and alert["severity"] == "warning"
    assert "回访不满意" in alert["text"]["zh"] and alert["params"]["serial"] in alert["text"]["zh"]
    # DESIGN 16: station and unit; the unit is the case's own, and it gets it in its pull feed.
    assert find(zf, "unsatisfied", cid)["id"] == alert["id"]
    assert any(c["entity"] == "alert" and c["id"] == alert["id"] and not c["deleted"] for c in zf.pull_all())
    for other in ("gw-001", "village-01", "unit-zjj", "gw-002"):
        assert find(api(other), "unsatisfied", cid) is None, other
    # Reopened at the unit (in_progress again): resolved, closed, then followed up satisfied.
    assert zf.get(f"/cases/{cid}").json()["status"] == "in_progress"
    applied(zf.push(act(cid, "resolve", version_of(api, cid), note="再次整改到位")))
    applied(station.push(act(cid, "close", version_of(api, cid))))
    assert find(station, "unsatisfied", cid)["state"] == "open"  # until the next follow-up says otherwise
    applied(station.push(act(cid, "follow_up", version_of(api, cid), satisfaction="satisfied", method="in_person")))
    assert find(station, "unsatisfied", cid)["state"] == "cleared"
    assert find(zf, "unsatisfied", cid)["state"] == "cleared"


def test_a_case_closed_7_days_without_follow_up_alerts_village_and_station_then_a_follow_up_clears_it(server, api):
    gw1, village, station = api("gw-001"), api("village-01"), api("station-01")
    m = report(title="垃圾清运不及时")
    cid = m["payload"]["id"]
    applied(gw1.push(m, act(cid, "accept", 1), act(cid, "resolve", 2, note="已清运")))
    applied(village.push(act(cid, "close", 3)))
    assert find(village, "follow_up_due", cid) is None  # closed just now
    sweep_at(server, days=6, hours=23)
    assert find(village, "follow_up_due", cid) is None
    sweep_at(server, days=7, minutes=1)  # the timer set at closing fires
    alert = find(village, "follow_up_due", cid)
    assert alert["state"] == "open" and alert["severity"] == "info" and "尚未回访" in alert["text"]["zh"]
    assert find(station, "follow_up_due", cid)["id"] == alert["id"]
    for other in ("gw-001", "gw-002", "unit-zf"):
        assert find(api(other), "follow_up_due", cid) is None, other  # DESIGN 16: village and station
    sweep_now(server)
    applied(village.push(act(cid, "follow_up", 4, satisfaction="basic", method="phone")))
    assert find(village, "follow_up_due", cid)["state"] == "cleared"
    sweep_at(server, days=30)  # followed up: the clock raises nothing again
    assert find(village, "follow_up_due", cid)["state"] == "cleared"
    sweep_now(server)


def test_a_case_reopened_by_an_unsatisfied_follow_up_and_closed_again_needs_a_new_follow_up(server, api):
    station, zf = api("station-01"), api("unit-zf")
    cid = closed_by_unit(api)
    applied(station.push(act(cid, "follow_up", version_of(api, cid), satisfaction="unsatisfied", method="phone")))
    applied(zf.push(act(cid, "resolve", version_of(api, cid), note="再次整改到位")))
    applied(station.push(act(cid, "close", version_of(api, cid))))
    sweep_at(server, days=8)
    assert find(station, "follow_up_due", cid)["state"] == "open"  # the earlier follow-up was before this close
    sweep_now(server)
    applied(station.push(act(cid, "follow_up", version_of(api, cid), satisfaction="satisfied", method="phone")))
    assert find(station, "follow_up_due", cid)["state"] == "cleared"
    assert find(station, "unsatisfied", cid)["state"] == "cleared"


def test_the_pull_feed_delivers_alerts_in_scope_only(api):
    gw1, gw2 = api("gw-001"), api("gw-002")
    m = report(urgent=True, reported_at=ago(hours=4), title="井盖缺失")
    cid = m["payload"]["id"]
    applied(gw1.push(m))
    alert_id = find(gw1, "overdue", cid)["id"]
    mine = {c["id"]: c for c in gw1.pull_all() if c["entity"] == "alert"}
    assert alert_id in mine and mine[alert_id]["data"]["kind"] == "overdue" and not mine[alert_id]["deleted"]
    assert mine[alert_id]["data"]["text"]["zh"]
    theirs = {c["id"] for c in gw2.pull_all() if c["entity"] == "alert" and not c["deleted"]}
    assert alert_id not in theirs
    # Alerts for other roles in the same grid (group → station) come as nothing to keep.
    g = report(scale="major", title="山体滑坡多户受困", category="emergency")
    applied(gw1.push(g))
    group_id = find(api("station-01"), "group", g["payload"]["id"])["id"]
    kept = {c["id"] for c in gw1.pull_all() if c["entity"] == "alert" and not c["deleted"]}
    assert group_id not in kept


@pytest.mark.parametrize("params, field", [
    ({"kind": "late"}, "kind"), ({"state": "closed"}, "state"), ({"division": "61"}, "division"),
    ({"cursor": "nonsense"}, "cursor"), ({"limit": 0}, "limit"), ({"colour": "red"}, "colour"),
])
def test_bad_list_parameters_are_refused_naming_the_parameter(api, params, field):
    r = api("station-01").get("/alerts", **params)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"].split(".")[0] == field


def test_list_pages_critical_first_without_repeats(api):
    station = api("station-01")
    seen, cursor, ranks = [], None, []
    while True:
        page = station.get("/alerts", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [x["id"] for x in page["items"]]
        ranks += [{"critical": 0, "warning": 1, "info": 2}[x["severity"]] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) > 3
    assert ranks == sorted(ranks)
    divided = alerts_of(station, division=GW2_GRID)
    assert divided and all(x["grid_code"] == GW2_GRID for x in divided)


def test_an_unknown_alert_is_404(api):
    r = api("station-01").http.post("/alerts/nope/ack", json={})
    assert r.status_code == 404
    assert httpx.codes.NOT_FOUND == api("gw-001").get("/alerts/nope").status_code


def test_visit_overdue_counts_the_visits_that_met_the_person_and_the_risk_and_plan_they_carry(server, api):
    """DESIGN 17: a severe mental disorder at risk 3 or more is due every 14 days, and a visit
    counts for a person when it met them and names them or no one; a sooner planned next visit
    (``next_visit_due``) brings the due date forward."""
    gw1 = api("gw-001")
    hid = new_household(gw1)
    patient, father = uuid7(), uuid7()
    applied(gw1.push(*({"id": uuid7(), "type": "person.upsert", "created_at": now_text(),
                        "payload": {"id": pid, "household_id": hid, "name": name, **extra}}
                       for pid, name, extra in ((patient, "孙八", {"tags": ["severe_mental"], "risk_level": 4}),
                                                (father, "孙老汉", {"tags": ["elderly_alone"]})))))

    def visit(at: str, **fields) -> dict:
        return {"id": uuid7(), "type": "visit.log", "created_at": now_text(),
                "payload": {"id": uuid7(), "household_id": hid, "visited_at": at, "method": "in_person",
                            "purpose": "care", "met": True, "person_ids": [], **fields}}

    # The whole household met 22 days ago: the patient is 8 days past 14 days (not 90).
    applied(gw1.push(visit(ago(days=22))))
    alert = find(gw1, "visit_overdue", patient)
    assert alert["state"] == "open" and alert["params"]["days_late"] == 8
    assert alert["params"]["tags"] == ["severe_mental"]
    # A call that did not reach him, and a visit to his father, are no visits of him.
    applied(gw1.push(visit(ago(days=1), person_ids=[patient], met=False, method="phone"),
                     visit(ago(hours=3), person_ids=[father])))
    assert find(gw1, "visit_overdue", patient)["state"] == "open"
    assert find(gw1, "visit_overdue", father)["state"] == "cleared"
    # Seen at last, 20 days ago as the late log of a visit; it planned the next one 12 days on:
    # that day passed 8 days ago, so he is late again, though 14 days from the visit are not.
    planned = (datetime.now(CST).date() - timedelta(days=8)).isoformat()
    applied(gw1.push(visit(ago(days=20), person_ids=[patient], next_visit_due=planned)))
    alert = find(gw1, "visit_overdue", patient)
    assert (alert["state"], alert["params"]["due"], alert["params"]["days_late"]) == ("open", planned, 8)
    applied(gw1.push(visit(ago(minutes=5), person_ids=[patient])))
    assert find(gw1, "visit_overdue", patient)["state"] == "cleared"


def test_a_person_never_visited_is_late_one_frequency_and_the_grace_after_coming_to_be_followed(server, api):
    """A followed person nobody has visited raised no alert at all: their first visit is due one
    frequency after the day they came to be followed (``followed_since``), and 7 days past that
    they are late like anyone else. Untagging stops the clock; a new tag starts it again."""
    gw1 = api("gw-001")
    hid = new_household(gw1)
    pid = uuid7()
    today = datetime.now(CST).date()
    applied(gw1.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(),
                      "payload": {"id": pid, "household_id": hid, "name": "韩九", "tags": ["elderly_alone"]}}))
    person = gw1.get(f"/persons/{pid}").json()
    assert person["followed_since"] == today.isoformat()
    assert find(gw1, "visit_overdue", pid) is None
    # Due in 7 days, late after 7 more: not on the 14th day after today, but on the 16th.
    sweep_at(server, days=14)
    assert find(gw1, "visit_overdue", pid) is None
    sweep_at(server, days=16)
    alert = find(gw1, "visit_overdue", pid)
    assert alert["state"] == "open"
    assert (alert["params"]["due"], alert["params"]["days_late"]) == ((today + timedelta(days=7)).isoformat(), 9)
    assert find(api("village-01"), "visit_overdue", pid)["state"] == "open"
    sweep_now(server)
    # A visit that met the household clears it.
    applied(gw1.push({"id": uuid7(), "type": "visit.log", "created_at": now_text(),
                      "payload": {"id": uuid7(), "household_id": hid, "person_ids": [], "visited_at": ago(minutes=5),
                                  "method": "in_person", "purpose": "care", "met": True}}))
    assert find(gw1, "visit_overdue", pid)["state"] == "cleared"

    # The clock: kept while followed (another tag added), gone when no tag is left, new with a new tag.
    other, hid = uuid7(), new_household(gw1)  # (the visit above met everyone of the first household)
    applied(gw1.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(),
                      "payload": {"id": other, "household_id": hid, "name": "韩十", "tags": ["disabled"]}}))
    with engine_of(server).begin() as conn:
        from sqlalchemy import update

        from server.db import persons

        conn.execute(update(persons).where(persons.c.id == other).values(followed_since="2020-01-01"))

    def since(**payload) -> str | None:
        current = gw1.get(f"/persons/{other}").json()
        applied(gw1.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(), "base_version": current["version"],
                          "payload": {"id": other, "household_id": hid, "name": "韩十", **payload}}))
        return gw1.get(f"/persons/{other}").json()["followed_since"]

    assert since(tags=["disabled", "low_income"]) == "2020-01-01"
    # 2020 + 90 days is long past, and he was never visited: late (the clock was read again).
    assert find(gw1, "visit_overdue", other)["state"] == "open"
    assert since(tags=[]) is None
    assert find(gw1, "visit_overdue", other)["state"] == "cleared"
    assert since(tags=["disabled"]) == today.isoformat()
    # A unit never learns that someone is followed.
    assert api("unit-zf").get(f"/persons/{other}").status_code in (403, 404)
