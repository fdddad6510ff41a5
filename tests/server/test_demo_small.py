"""The small demo (every test session's server): what server/demo.py's docstring promises."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from schemas.validators import birth_date_from_id, format_time, is_valid_id_number, sex_from_id
from schemas.workflow import UNFINISHED_STATUSES
from server.app import create_app
from server.demo import ACCOUNTS, seed
from tests.conftest import TestDatabase

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
GW1_GRID = "610822100200001"


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    database = TestDatabase(tmp_path_factory.mktemp("demo") / "small.db")
    app = create_app(database.url)
    start = time.perf_counter()
    summary = seed(app.state.engine, "small", now=NOW)
    elapsed = time.perf_counter() - start
    db = database.connect()
    yield app, db, summary, elapsed
    db.close()
    app.state.engine.dispose()
    database.drop()


def test_small_seed_is_fast_and_has_every_division_and_account(small_db):
    app, db, summary, elapsed = small_db
    assert summary["seeded"] is True and elapsed < 2
    levels = dict(db.execute("SELECT level, COUNT(*) FROM divisions GROUP BY level"))
    assert levels == {"county": 1, "town": 4, "village": 24, "grid": 120}
    assert db.execute("SELECT name FROM divisions WHERE code = '610822'").fetchone() == ("示范县",)
    for code in (GW1_GRID, "610822100200002"):
        assert db.execute("SELECT parent FROM divisions WHERE code = ?", (code,)).fetchone() == ("610822100200",)
    assert db.execute("SELECT parent FROM divisions WHERE code = '610822100200'").fetchone() == ("610822100",)
    for username, role, scope in ACCOUNTS:
        assert db.execute("SELECT role, scope FROM users WHERE username = ?", (username,)).fetchone() == (
            role, json.dumps([scope]))
    # A grid worker for every grid, a user for every village and town.
    roles = dict(db.execute("SELECT role, COUNT(*) FROM users GROUP BY role"))
    assert roles["gridworker"] == 120 and roles["village"] == 24 and roles["station"] == 4
    workers = {json.loads(s)[0] for (s,) in db.execute("SELECT scope FROM users WHERE role = 'gridworker'")}
    assert workers == {c for (c,) in db.execute("SELECT code FROM divisions WHERE level = 'grid'")}
    # scrypt is slow by design: one hash, made once, for every account.
    assert db.execute("SELECT COUNT(DISTINCT password_hash) FROM users").fetchone() == (1,)


def test_gw001_grid_holds_what_tests_rely_on(small_db):
    _app, db, _summary, _elapsed = small_db
    assert db.execute("SELECT COUNT(*) FROM households WHERE grid_code = ?", (GW1_GRID,)).fetchone()[0] >= 8
    assert db.execute("SELECT COUNT(*) FROM persons WHERE grid_code = ?", (GW1_GRID,)).fetchone()[0] >= 15
    statuses = {s for (s,) in db.execute("SELECT DISTINCT status FROM cases WHERE grid_code = ?", (GW1_GRID,))}
    assert statuses == {"reported", "accepted", "in_progress", "resolved", "closed", "rejected", "dispatched"}
    levels = {lvl for (lvl,) in db.execute("SELECT DISTINCT level FROM cases WHERE grid_code = ?", (GW1_GRID,))}
    assert {"grid", "village", "town"} <= levels
    # gw-001 has open grid-level cases to act on, and some cases are overdue.
    assert db.execute("SELECT COUNT(*) FROM cases WHERE grid_code = ? AND level = 'grid' AND status IN "
                      "('reported', 'accepted', 'in_progress')", (GW1_GRID,)).fetchone()[0] >= 3
    placeholders = ",".join("?" * len(UNFINISHED_STATUSES))
    overdue = db.execute(f"SELECT COUNT(*) FROM cases WHERE status IN ({placeholders}) AND due_at < ?",
                         (*UNFINISHED_STATUSES, format_time(NOW))).fetchone()[0]
    assert overdue >= 2
    assert db.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 72
    assert db.execute("SELECT COUNT(*) FROM visits WHERE grid_code = ?", (GW1_GRID,)).fetchone()[0] >= 1
    # Only the first village holds people; every other grid exists but is empty.
    assert {g for (g,) in db.execute("SELECT DISTINCT grid_code FROM persons")} == {
        f"610822100200{n:03d}" for n in range(1, 6)}


def test_people_have_valid_id_numbers_agreeing_with_sex_and_birth(small_db):
    _app, db, _summary, _elapsed = small_db
    people = db.execute("SELECT id_number, sex, birth_date, tags, care_level FROM persons").fetchall()
    assert len({p[0] for p in people}) == len(people)
    for id_number, sex, birth, tags, care in people:
        assert is_valid_id_number(id_number) and id_number.startswith("610822")
        assert sex_from_id(id_number) == sex and birth_date_from_id(id_number) == date.fromisoformat(birth)
        if json.loads(tags):
            assert care in ("high", "medium", "low")


def test_case_steps_follow_the_workflow(small_db):
    _app, db, _summary, _elapsed = small_db
    for case_id, status, level, version in db.execute("SELECT id, status, level, version FROM cases"):
        steps = db.execute("SELECT action, from_status, to_status, to_level FROM case_steps WHERE case_id = ? "
                           "ORDER BY id", (case_id,)).fetchall()
        assert steps[0][0] == "report" and version == len(steps)
        assert all(steps[i][2] == steps[i + 1][1] for i in range(len(steps) - 1) if steps[i + 1][1] is not None)
        assert steps[-1][2] == status or steps[-1][0] in ("supervise", "comment", "assign")
        assert [s[3] for s in steps if s[3]][-1] == level


def test_every_seeded_record_is_in_the_change_feed(small_db):
    _app, db, _summary, _elapsed = small_db
    fed = dict(db.execute("SELECT entity, COUNT(*) FROM feed GROUP BY entity"))
    for entity, table in (("division", "divisions"), ("household", "households"), ("person", "persons"),
                          ("visit", "visits"), ("case", "cases")):
        assert fed[entity] == db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM persons p JOIN feed f ON f.entity = 'person' AND f.entity_id = p.id "
                      "AND f.grid_code = p.grid_code").fetchone()[0] == fed["person"]


def test_deterministic_and_never_seeded_twice(small_db, tmp_path):
    app, db, _summary, _elapsed = small_db
    assert seed(app.state.engine, "small", now=NOW) == {"seeded": False, "reason": "the database is not empty"}
    assert db.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 72
    again = TestDatabase(tmp_path / "again.db")
    other = create_app(again.url)
    seed(other.state.engine, "small", now=NOW)
    query = "SELECT id, name, id_number FROM persons ORDER BY id"
    with again.connect() as copy:
        assert copy.execute(query).fetchall() == db.execute(query).fetchall()
    other.state.engine.dispose()
    with pytest.raises(ValueError):
        seed(other.state.engine, "huge")
    again.drop()


def test_demo_accounts_log_in_and_see_their_scope(live_server):
    for username, role, scope in [*ACCOUNTS, ("gw-120", "gridworker", None), ("village-24", "village", None)]:
        r = httpx.post(live_server.url + "/api/v1/auth/token", json={"username": username, "password": "demo-pass"})
        assert r.status_code == 200, r.text
        me = httpx.get(live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert me.json()["role"] == role
        if scope:
            assert me.json()["scope"] == [scope]
    wrong = httpx.post(live_server.url + "/api/v1/auth/token", json={"username": "gw-001", "password": "demo"})
    assert wrong.status_code == 401


def test_seeding_times_are_relative_to_now(small_db):
    _app, db, _summary, _elapsed = small_db
    newest = db.execute("SELECT MAX(at) FROM case_steps").fetchone()[0]
    oldest_visit = db.execute("SELECT MIN(visited_at) FROM visits").fetchone()[0]
    assert newest <= format_time(NOW) and oldest_visit >= format_time(NOW - timedelta(days=91))


def test_the_closed_loop_in_the_demo(small_db):
    """DESIGN §15's demo additions: the three units, the two unit accounts, cases in every new
    status, followed up (mostly satisfied) and mediated."""
    _app, db, _summary, _elapsed = small_db
    assert db.execute("SELECT code, name, division, kind FROM units ORDER BY code").fetchall() == [
        ("610822-ZJJ", "示范县住房和城乡建设局", "610822", "department"),
        ("610822100-TWH", "城关镇人民调解委员会", "610822100", "mediation"),
        ("610822100-ZF", "城关镇综合执法队", "610822100", "department"),
    ]
    assert db.execute("SELECT username, role, unit, scope FROM users WHERE role = 'unit' ORDER BY username").fetchall() == [
        ("unit-zf", "unit", "610822100-ZF", "[]"), ("unit-zjj", "unit", "610822-ZJJ", "[]")]
    per_unit = dict(db.execute("SELECT status, COUNT(*) FROM cases WHERE unit = '610822100-ZF' GROUP BY status"))
    assert set(per_unit) == {"dispatched", "in_progress", "resolved", "closed"}
    assert db.execute("SELECT COUNT(*) FROM cases WHERE unit = '610822-ZJJ' AND status = 'dispatched'").fetchone()[0] >= 1
    refused = db.execute("SELECT c.status, c.level, c.unit FROM cases c JOIN case_steps s ON s.case_id = c.id "
                         "WHERE s.action = 'refuse'").fetchall()
    assert refused and all(r == ("reported", "town", None) for r in refused)
    satisfaction = dict(db.execute("SELECT satisfaction, COUNT(*) FROM cases WHERE satisfaction IS NOT NULL "
                                   "GROUP BY satisfaction"))
    assert satisfaction["satisfied"] > satisfaction.get("basic", 0) + satisfaction.get("unsatisfied", 0)
    assert db.execute("SELECT status FROM cases WHERE satisfaction = 'unsatisfied'").fetchall() == [("in_progress",)]
    mediations = [json.loads(m) for (m,) in db.execute("SELECT mediations FROM cases WHERE mediations != '[]'")]
    results = {m["result"] for ms in mediations for m in ms}
    assert results == {"agreed", "failed"}
    assert all(m["agreement_no"] for ms in mediations for m in ms if m["result"] == "agreed")
    # Every unit a case was dispatched to is remembered for the unit's feed.
    assert db.execute("SELECT COUNT(*) FROM cases c WHERE unit IS NOT NULL AND NOT EXISTS "
                      "(SELECT 1 FROM case_units u WHERE u.case_id = c.id AND u.unit = c.unit)").fetchone()[0] == 0
