"""/stats/index (DESIGN §16) on a hand-made town whose ranking is known in advance, its period
boundaries, the worker level, strict parameters, and every score recomputed from its parts.

The small demo leaves town 610822101 河东镇 empty; this module writes cases, steps, households,
people and visits for October and September 2026 into it (straight into the running server's
database) and asks the real server over HTTP.
"""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from schemas.ids import uuid7
from server.services.index import DEFAULT_WEIGHTS, period_bounds, previous_period
from tests.conftest import LiveServer, token_for

TOWN = "610822101"
A, B, C, D = (f"610822101200{g:03d}" for g in range(1, 5))  # 前进村 grids 1-4: gw-031 … gw-034
GW = {A: "gw-031", B: "gw-032", C: "gw-033", D: "gw-034"}


def t(text: str) -> str:
    return text + "+08:00"


# (grid, category, level, status, reported, due, resolved, closed, accepted at)
CASES = [
    # A: every component perfect in October -> 100.
    (A, "dispute", "grid", "closed", "2026-10-02T09:00:00", "2026-10-06T09:00:00", "2026-10-03T10:00:00",
     "2026-10-04T10:00:00", "2026-10-02T10:00:00"),
    (A, "dispute", "village", "closed", "2026-10-10T09:00:00", "2026-10-16T09:00:00", "2026-10-12T10:00:00",
     "2026-10-13T10:00:00", "2026-10-10T12:00:00"),
    (A, "safety_hazard", "grid", "resolved", "2026-10-20T09:00:00", "2026-10-24T09:00:00", "2026-10-21T10:00:00",
     None, "2026-10-20T09:30:00"),
    (A, "safety_hazard", "grid", "in_progress", "2026-10-25T09:00:00", "2026-10-29T09:00:00", None, None,
     "2026-10-25T09:30:00"),
    # B: half of everything -> 50; in September one case resolved on time -> 100 and first.
    (B, "dispute", "grid", "closed", "2026-10-02T09:00:00", "2026-10-06T09:00:00", "2026-10-03T10:00:00",
     "2026-10-04T10:00:00", "2026-10-02T10:00:00"),
    (B, "dispute", "town", "closed", "2026-10-05T09:00:00", "2026-10-08T09:00:00", "2026-10-09T10:00:00",
     "2026-10-10T10:00:00", "2026-10-07T09:00:01"),  # accepted 48 h late, resolved late, closed at town
    (B, "other", "grid", "closed", "2026-09-10T09:00:00", "2026-09-14T09:00:00", "2026-09-11T10:00:00",
     "2026-09-12T10:00:00", "2026-09-10T10:00:00"),
    # C: one case on time, but a red card in October -> 95.
    (C, "other", "grid", "resolved", "2026-10-03T09:00:00", "2026-10-09T09:00:00", "2026-10-08T10:00:00",
     None, None),
    # D: week boundary: resolved late on Sunday 23:59:59, on time on Monday 00:00:00 (+08:00).
    (D, "other", "grid", "resolved", "2026-09-28T09:00:00", "2026-10-01T09:00:00", "2026-10-04T23:59:59",
     None, None),
    (D, "other", "grid", "resolved", "2026-10-01T09:00:00", "2026-10-06T09:00:00", "2026-10-05T00:00:00",
     None, None),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("index") / "index.db").start()
    db = server.db.connect()
    with db:
        for n, (grid, category, level, status, reported, due, resolved, closed, accepted) in enumerate(CASES):
            cid = uuid7()
            db.execute(
                "INSERT INTO cases (id, serial, title, description, category, scale, urgent, parties, reported_at, "
                "grid_code, source, reporter, status, level, due_at, level_entered_at, resolved_at, closed_at, "
                "supervision, version, photos) VALUES (?, ?, ?, '', ?, 'individual', false, '[]', ?, ?, 'field', ?, ?, ?, "
                "?, ?, ?, ?, 'none', 1, '[]')",
                (cid, f"610822-idx-{n:04d}", f"指数案件{n}", category, t(reported), grid, GW[grid], status, level,
                 t(due), t(reported), resolved and t(resolved), closed and t(closed)))
            if accepted:
                db.execute("INSERT INTO case_steps (case_id, action, actor, from_status, to_status, at) "
                           "VALUES (?, 'accept', ?, 'reported', 'accepted', ?)", (cid, GW[grid], t(accepted)))
            if grid == C:
                db.execute("INSERT INTO case_steps (case_id, action, actor, at, extra) VALUES "
                           "(?, 'supervise', 'county-01', ?, ?)", (cid, t("2026-10-08T15:00:00"),
                                                                   json.dumps({"supervision": "red"})))
        # A: 10 households; two elderly living alone visited 3 days before the month's end.
        for h in range(10):
            hid = uuid7()
            db.execute("INSERT INTO households (id, household_no, grid_code, version) VALUES (?, ?, ?, 1)",
                       (hid, f"idx-{h}", A))
            if h < 2:
                db.execute("INSERT INTO persons (id, household_id, grid_code, name, tags, version) "
                           "VALUES (?, ?, ?, ?, ?, 1)", (uuid7(), hid, A, f"老人{h}", '["elderly_alone"]'))
                db.execute("INSERT INTO visits (id, household_id, grid_code, person_ids, worker, visited_at, method, "
                           "purpose, met, photos, version) VALUES (?, ?, ?, '[]', 'gw-031', ?, 'in_person', 'care', "
                           "true, '[]', 1)", (uuid7(), hid, A, t("2026-10-28T10:00:00")))
    db.close()
    yield server
    server.stop()


def index(server, username="county-admin", **params):
    token = token_for(server.url, username)
    return httpx.get(server.url + "/api/v1/stats/index", params=params,
                     headers={"Authorization": f"Bearer {token}"}, timeout=30)


def ok(server, **params) -> dict:
    r = index(server, **params)
    assert r.status_code == 200, r.text
    return r.json()


def rows(body: dict) -> dict[str, dict]:
    return {r["code"]: r for r in body["items"]}


def assert_recomputable(body: dict) -> None:
    """Every score follows from its components, the weights and the penalty."""
    assert body["weights"] == DEFAULT_WEIGHTS or body["weights"]
    for r in body["items"]:
        present = {c: v for c, v in r["components"].items() if v is not None and body["weights"][c] > 0}
        assert set(r["weights_used"]) == set(present)
        if not present:
            assert r["score"] is None
            continue
        total = sum(body["weights"][c] for c in present)
        for c in present:
            assert r["weights_used"][c] == pytest.approx(body["weights"][c] / total, abs=1e-6)
            assert 0 <= present[c] <= 1
        raw = sum(v * body["weights"][c] for c, v in present.items()) / total
        assert r["score"] == pytest.approx(100 * max(0.0, raw - r["penalty"]), abs=0.01)
        assert r["penalty"] == pytest.approx(min(0.3, 0.02 * r["cards"]["yellow"] + 0.05 * r["cards"]["red"]))
    scores = [r["score"] for r in body["items"]]
    known = [s for s in scores if s is not None]
    assert known == sorted(known, reverse=True)
    assert scores[:len(known)] == known  # no-data units last
    assert [r["rank"] for r in body["items"]] == list(range(1, len(scores) + 1))


def test_the_hand_made_town_ranks_as_known(server):
    body = ok(server, division=TOWN, level="grid", period="month", at="2026-10-15")
    assert (body["start"], body["end"]) == ("2026-10-01", "2026-10-31")
    assert body["previous"] == {"start": "2026-09-01", "end": "2026-09-30"}
    assert body["weights"] == DEFAULT_WEIGHTS
    assert [r["code"] for r in body["items"][:4]] == [A, C, B, D]  # B and D tie at 50: code order
    g = rows(body)
    assert g[A]["components"] == {"on_time": 1.0, "accepted_on_time": 1.0, "satisfaction": None,
                                  "base_resolution": 1.0, "visit_coverage": 1.0, "discovery": 1.0}
    assert g[A]["score"] == 100.0
    assert g[B]["components"] == {"on_time": 0.5, "accepted_on_time": 0.5, "satisfaction": None,
                                  "base_resolution": 0.5, "visit_coverage": None, "discovery": None}
    assert g[B]["score"] == 50.0
    assert g[C]["cards"] == {"yellow": 0, "red": 1} and g[C]["score"] == 95.0
    assert g[D]["components"]["on_time"] == 0.5 and g[D]["score"] == 50.0
    assert len(body["items"]) == 30 and all(r["score"] is None for r in body["items"][4:])
    # September: only B had a case resolved (on time).
    assert g[B]["previous_rank"] == 1 and g[B]["previous_score"] == 100.0
    assert g[B]["rank_change"] == 1 - g[B]["rank"] and g[B]["score_change"] == -50.0
    # A's households were there in September too: no reports (discovery 0), no visits (coverage 0).
    assert g[A]["previous_score"] == 0.0 and g[A]["previous_rank"] == 2 and g[A]["rank_change"] == 1
    assert g[C]["previous_rank"] is None and g[C]["rank_change"] is None and g[C]["score_change"] is None
    assert_recomputable(body)


def test_villages_and_towns(server):
    body = ok(server, division=TOWN, level="village", period="month", at="2026-10-15")
    assert body["items"][0]["code"] == "610822101200" and body["items"][0]["score"] is not None
    assert len(body["items"]) == 6
    assert_recomputable(body)
    county = ok(server, division="610822", level="town", period="month", at="2026-10-15")
    assert {r["code"] for r in county["items"]} == {"610822100", "610822101", "610822102", "610822203"}
    assert_recomputable(county)


def test_worker_level(server):
    body = ok(server, division=TOWN, level="worker", period="month", at="2026-10-15")
    assert len(body["items"]) == 30  # the 30 grid workers of the town
    assert [r["code"] for r in body["items"][:4]] == ["gw-031", "gw-033", "gw-032", "gw-034"]
    assert rows(body)["gw-031"]["score"] == 100.0
    assert_recomputable(body)


def test_week_boundary_is_monday_in_field_time(server):
    sunday = rows(ok(server, division=TOWN, period="week", at="2026-10-04"))[D]
    monday = rows(ok(server, division=TOWN, period="week", at="2026-10-05"))[D]
    assert sunday["components"]["on_time"] == 0.0 and monday["components"]["on_time"] == 1.0
    body = ok(server, division=TOWN, period="week", at="2026-10-07")
    assert (body["start"], body["end"]) == ("2026-10-05", "2026-10-11")
    assert rows(body)[D]["previous_score"] == 0.0 and rows(body)[D]["score_change"] == 100.0


def test_quarter(server):
    body = ok(server, division=TOWN, period="quarter", at="2026-11-30")
    assert (body["start"], body["end"], body["previous"]["start"]) == ("2026-10-01", "2026-12-31", "2026-07-01")
    assert rows(body)[B]["previous_score"] == 100.0
    assert_recomputable(body)


def test_period_bounds():
    assert period_bounds("week", date(2026, 10, 11)) == (date(2026, 10, 5), date(2026, 10, 12))
    assert period_bounds("week", date(2026, 10, 12)) == (date(2026, 10, 12), date(2026, 10, 19))
    assert period_bounds("month", date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert period_bounds("quarter", date(2026, 12, 31)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert previous_period("quarter", date(2026, 1, 5)) == (date(2025, 10, 1), date(2026, 1, 1))
    assert previous_period("week", date(2026, 1, 1)) == (date(2025, 12, 22), date(2025, 12, 29))


def test_demo_scores_recompute(server):
    for level in ("grid", "village", "worker"):
        assert_recomputable(ok(server, division="610822100", level=level, period="quarter"))


@pytest.mark.parametrize("params, field", [
    ({"period": "year"}, "period"), ({"level": "county"}, "level"), ({"at": "2026-13-01"}, "at"),
    ({"levle": "grid"}, "levle"), ({"division": "61082"}, "division"),
    ({"division": "610822101200001", "level": "village"}, "level"),
])
def test_bad_parameters_are_problems(server, params, field):
    r = index(server, **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field


def test_scope_is_enforced(server):
    assert index(server, username="station-01", division=TOWN).status_code == 404
    assert index(server, username="station-02", division=TOWN).status_code == 200
    assert index(server, username="gw-031", division=A).status_code == 200
