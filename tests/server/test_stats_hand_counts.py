"""/stats/overview against figures counted by hand on a small, hand-made town.

The small demo leaves town 610822101 河东镇 empty; this module writes ten cases, their
escalations, five tagged people and their visits into it (straight into the running server's
SQLite file), and checks every figure of the overview over HTTP against the counts below.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from schemas.ids import uuid7
from schemas.validators import CST, format_time
from tests.conftest import LiveServer, token_for

TOWN = "610822101"
GRID_A = "610822101200001"
GRID_B = "610822101200002"
NOW = datetime.now(timezone.utc)


def ago(**delta) -> str:
    return format_time(NOW - timedelta(**delta))


def ahead(**delta) -> str:
    return format_time(NOW + timedelta(**delta))


# name: (grid, status, level, reported, due, resolved, closed)
CASES = {
    "c1": (GRID_A, "reported", "grid", ago(days=2), ago(days=1), None, None),  # overdue, unaccepted
    "c2": (GRID_A, "reported", "village", ago(days=2, hours=1), ahead(hours=20), None, None),
    "c3": (GRID_B, "accepted", "grid", ago(days=5), ago(days=2), None, None),  # overdue, unresolved
    "c4": (GRID_B, "in_progress", "town", ago(days=4), ago(hours=3), None, None),  # overdue, unresolved
    "c5": (GRID_A, "in_progress", "grid", ago(days=1), ahead(days=2), None, None),
    "c6": (GRID_A, "resolved", "grid", ago(days=9), ago(days=6), ago(days=7), None),  # past due but resolved
    "c7": (GRID_A, "closed", "grid", ago(days=9), ago(days=6), ago(days=7), ago(days=3)),  # on time
    "c8": (GRID_B, "closed", "village", ago(days=20), ago(days=15), ago(days=12), ago(days=10)),  # late
    "c9": (GRID_B, "closed", "grid", ago(days=50), ago(days=47), ago(days=48), ago(days=40)),  # closed > 30 days ago
    "c10": (GRID_A, "rejected", "town", ago(days=2, hours=2), None, None, None),
    # A dispute the town resolved, long ago: not at the base (base_resolution_rate, DESIGN §15).
    "c11": (GRID_B, "closed", "town", ago(days=70), ago(days=60), ago(days=62), ago(days=61)),
}
# (case, at, from level, to level)
ESCALATIONS = [("c2", ago(days=2), "grid", "village"), ("c4", ago(days=3), "grid", "village"),
               ("c4", ago(days=1), "village", "town"), ("c8", ago(days=10), "grid", "village")]
# household: (visited how long ago or None, [tags of each member])
HOUSEHOLDS = {
    "H1": (timedelta(days=3), [["elderly_alone"], ["elderly_alone", "low_income"]]),
    "H2": (timedelta(days=10), [["elderly_alone"], ["left_behind_child"]]),
    "H3": (None, [["disabled"], []]),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("stats") / "stats.db").start()
    db = server.db.connect()
    ids = {}
    with db:
        for n, (name, (grid, status, level, reported, due, resolved, closed)) in enumerate(CASES.items()):
            ids[name] = uuid7()
            db.execute(
                "INSERT INTO cases (id, serial, title, description, category, scale, urgent, parties, reported_at, "
                "grid_code, source, reporter, status, level, due_at, level_entered_at, resolved_at, closed_at, "
                "supervision, version, photos) VALUES (?, ?, ?, '', 'dispute', 'individual', false, '[]', ?, ?, 'field', "
                "'gw-031', ?, ?, ?, ?, ?, ?, 'none', 1, '[]')",
                (ids[name], f"610822-hand-{n:04d}", f"手工案件{name}", reported, grid, status, level, due, reported,
                 resolved, closed))
        for name, at, from_level, to_level in ESCALATIONS:
            db.execute("INSERT INTO case_steps (case_id, action, actor, from_status, to_status, from_level, to_level, "
                       "note, at) VALUES (?, 'escalate', 'gw-031', 'reported', 'reported', ?, ?, '需上级协调', ?)",
                       (ids[name], from_level, to_level, at))
        for number, (visited, members) in HOUSEHOLDS.items():
            hid = uuid7()
            db.execute("INSERT INTO households (id, household_no, grid_code, version) VALUES (?, ?, ?, 1)",
                       (hid, f"hand-{number}", GRID_A))
            for i, tags in enumerate(members):
                db.execute("INSERT INTO persons (id, household_id, grid_code, name, tags, version) "
                           "VALUES (?, ?, ?, ?, ?, 1)", (uuid7(), hid, GRID_A, f"{number}成员{i}", json.dumps(tags)))
            if visited is not None:
                db.execute("INSERT INTO visits (id, household_id, grid_code, person_ids, worker, visited_at, method, "
                           "purpose, met, photos, version) VALUES (?, ?, ?, '[]', 'gw-031', ?, 'in_person', 'care', true, "
                           "'[]', 1)",
                           (uuid7(), hid, GRID_A, format_time(NOW - visited)))
    db.close()
    server.ids = ids
    yield server
    server.close()


def overview(server, username="county-admin", **params):
    token = token_for(server.url, username)
    return httpx.get(server.url + "/api/v1/stats/overview", params=params,
                     headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
def town(server):
    r = overview(server, division=TOWN)
    assert r.status_code == 200, r.text
    return r.json()


def test_kpis_and_status_by_level(town):
    assert town["division"] == {"code": TOWN, "name": "河东镇", "level": "town"}
    assert town["kpi"] == {"open": 6, "overdue_unaccepted": 1, "overdue_unresolved": 2, "escalated_7d": 3,
                           "closed_30d": 2, "on_time_rate": 0.5, "base_resolution_rate": 0.75}
    # closed disputes c7 (grid), c8 (village), c9 (grid) at the base, c11 (town) not: 3 / 4.
    assert town["base_resolution_rate"] == 0.75
    matrix = town["open_by_status_level"]
    nonzero = {(s, lvl): n for s, row in matrix.items() for lvl, n in row.items() if n}
    assert nonzero == {("reported", "grid"): 1, ("reported", "village"): 1, ("accepted", "grid"): 1,
                       ("in_progress", "town"): 1, ("in_progress", "grid"): 1, ("resolved", "grid"): 1}
    assert set(matrix) == {"reported", "accepted", "in_progress", "resolved", "dispatched"}


def test_overdue_list_oldest_due_first(town, server):
    assert [c["id"] for c in town["overdue"]] == [server.ids["c3"], server.ids["c1"], server.ids["c4"]]
    assert town["overdue"][0]["status"] == "accepted" and town["overdue"][0]["grid_code"] == GRID_B


def test_grid_ranking(town):
    ranking = {g["grid_code"]: g for g in town["grid_ranking"]}
    assert len(ranking) == 30  # 6 villages × 5 grids, the quiet ones too
    a, b = ranking[GRID_A], ranking[GRID_B]
    assert (a["open"], a["overdue"], a["closed_30d"], a["on_time_rate"], a["reports_30d"]) == (4, 1, 1, 1.0, 6)
    assert (b["open"], b["overdue"], b["closed_30d"], b["on_time_rate"], b["reports_30d"]) == (2, 2, 1, 0.0, 3)
    # Most overdue last; a grid with overdue cases ranks below every grid without.
    assert town["grid_ranking"][-1]["grid_code"] == GRID_B and town["grid_ranking"][-2]["grid_code"] == GRID_A
    assert [g["rank"] for g in town["grid_ranking"]] == list(range(1, 31))
    assert ranking["610822101003005"] == {"rank": ranking["610822101003005"]["rank"], "grid_code": "610822101003005",
                                          "name": "南关社区第5网格", "open": 0, "overdue": 0, "closed_30d": 0,
                                          "on_time_rate": None, "reports_30d": 0}


def test_reports_per_day(town):
    days = town["reports_per_day"]
    today = NOW.astimezone(CST).date()
    assert [d["date"] for d in days] == [(today - timedelta(days=i)).isoformat() for i in range(29, -1, -1)]
    expected: dict[str, int] = {}
    for _grid, _status, _level, reported, *_ in CASES.values():
        if reported >= ago(days=30):
            expected[reported[:10]] = expected.get(reported[:10], 0) + 1
    assert {d["date"]: d["count"] for d in days if d["count"]} == expected
    assert sum(d["count"] for d in days) == 9  # all but c9, reported 50 days ago


def test_visit_coverage(town):
    coverage = {c["tag"]: c for c in town["visit_coverage"]}
    got = {tag: (c["people"], c["visited"], c["ratio"]) for tag, c in coverage.items() if c["people"]}
    assert got == {"elderly_alone": (3, 2, 0.667), "low_income": (1, 1, 1.0), "left_behind_child": (1, 1, 1.0),
                   "disabled": (1, 0, 0.0)}
    assert coverage["key_person"] == {"tag": "key_person", "every_days": 30, "people": 0, "visited": 0, "ratio": None}
    assert coverage["elderly_alone"]["every_days"] == 7


def test_latest_escalations_newest_first(town, server):
    latest = town["latest_escalations"]
    assert [(e["case_id"], e["to_level"]) for e in latest] == [
        (server.ids["c4"], "town"), (server.ids["c2"], "village"), (server.ids["c4"], "village"),
        (server.ids["c8"], "village")]
    assert latest[0]["reason"] == "需上级协调" and latest[0]["actor"] == "gw-031" and latest[0]["title"] == "手工案件c4"


def test_a_grid_and_a_village_count_only_their_own(server):
    grid = overview(server, division=GRID_B).json()
    assert grid["kpi"]["open"] == 2 and grid["kpi"]["overdue_unresolved"] == 2 and grid["kpi"]["overdue_unaccepted"] == 0
    assert [g["grid_code"] for g in grid["grid_ranking"]] == [GRID_B]
    village = overview(server, division="610822101200").json()
    assert village["kpi"]["open"] == 6 and len(village["grid_ranking"]) == 5


def test_scope_default_and_bad_division(server):
    # Outside the caller's scope answers like a missing division.
    assert overview(server, "station-01", division=TOWN).status_code == 404
    assert overview(server, "gw-001", division="610822100").status_code == 404
    assert overview(server, "county-admin", division="610822999").status_code == 404
    assert overview(server, "station-01").json()["division"]["code"] == "610822100"
    bad = overview(server, division="61082x")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "division" and "6, 9, 12 or 15 digits" in bad.json()["detail"]
    assert httpx.get(server.url + "/api/v1/stats/overview").status_code == 401
