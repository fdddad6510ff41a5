"""The demo county and the dashboard figures, checked against counts made another way."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from schemas.validators import is_valid_id_number
from schemas.workflow import OPEN_STATUSES, UNFINISHED_STATUSES
from server.app import create_app
from server.demo import ACCOUNTS, seed
from tests.conftest import TestDatabase
from tests.server.helpers import Api


def test_full_demo_county(test_db):
    app = create_app(test_db.url)
    start = time.perf_counter()
    summary = seed(app.state.engine, "full")
    # A guard against a pathological slowdown only: bench_server.py measures the seeding speed.
    assert time.perf_counter() - start < 180
    assert summary["households"] == 24000 and 55000 <= summary["persons"] <= 65000 and 3000 <= summary["cases"] <= 3100
    db = test_db.connect()
    levels = dict(db.execute("SELECT level, COUNT(*) FROM divisions GROUP BY level").fetchall())
    assert levels == {"county": 1, "town": 4, "village": 24, "grid": 120}
    ids = [r[0] for r in db.execute("SELECT id_number FROM persons")]
    assert len(ids) == len(set(ids)) and all(is_valid_id_number(i) for i in ids[::97])
    statuses = {s for (s,) in db.execute("SELECT DISTINCT status FROM cases")}
    assert statuses == {"reported", "accepted", "in_progress", "resolved", "closed", "rejected", "dispatched"}
    assert {lvl for (lvl,) in db.execute("SELECT DISTINCT level FROM cases")} == {"grid", "village", "town", "county"}
    now = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
    overdue = db.execute("SELECT COUNT(*) FROM cases WHERE status IN ('reported','accepted','in_progress') AND due_at < ?",
                         (now,)).fetchone()[0]
    assert overdue > 0
    oldest = db.execute("SELECT MIN(visited_at) FROM visits").fetchone()[0]
    assert oldest < (datetime.now(timezone.utc) - timedelta(days=80)).isoformat()
    for username, role, scope in ACCOUNTS:
        row = db.execute("SELECT role, scope FROM users WHERE username = ?", (username,)).fetchone()
        assert row == (role, json.dumps([scope]))
    assert seed(app.state.engine, "full")["seeded"] is False  # never twice


def test_overview_matches_counts_made_from_the_cases_themselves(live_server, tokens):
    station = Api(live_server.url, tokens("station-01"))
    stats = station.get("/stats/overview", division="610822100").json()
    cases, cursor = [], None
    while True:
        page = station.get("/cases", limit=500, **({"cursor": cursor} if cursor else {})).json()
        cases += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    open_cases = [c for c in cases if c["status"] in OPEN_STATUSES]
    assert stats["kpi"]["open"] == len(open_cases)
    for status in OPEN_STATUSES:
        for level in ("grid", "village", "town", "county"):
            expected = sum(1 for c in open_cases if c["status"] == status and c["level"] == level)
            assert stats["open_by_status_level"][status][level] == expected
    assert stats["kpi"]["overdue_unaccepted"] == sum(1 for c in cases if c["overdue"] and c["status"] == "reported")
    assert stats["kpi"]["overdue_unresolved"] == sum(
        1 for c in cases if c["overdue"] and c["status"] in ("accepted", "in_progress"))
    assert {c["id"] for c in stats["overdue"]} == {c["id"] for c in cases if c["overdue"]}
    week_ago = (datetime.now(timezone.utc) - timedelta(days=7)).astimezone(timezone(timedelta(hours=8))).isoformat()
    escalations = [s for c in cases for s in c["steps"] if s["action"] == "escalate" and s["at"] >= week_ago]
    assert stats["kpi"]["escalated_7d"] == len(escalations)
    assert sum(d["count"] for d in stats["reports_per_day"]) == sum(
        1 for c in cases if c["reported_at"][:10] >= stats["reports_per_day"][0]["date"])
    assert len(stats["reports_per_day"]) == 30
    ranking = {g["grid_code"]: g for g in stats["grid_ranking"]}
    assert len(ranking) == 30  # every grid of the town, also the quiet ones
    assert sum(g["open"] for g in ranking.values()) == len(open_cases)
    assert [g["rank"] for g in stats["grid_ranking"]] == list(range(1, 31))
    coverage = {c["tag"]: c for c in stats["visit_coverage"]}
    assert coverage["elderly_alone"]["every_days"] == 7
    assert all(c["visited"] <= c["people"] for c in coverage.values())
