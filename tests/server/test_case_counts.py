"""The daily case counts (server/case_counts.py, table ``case_day_counts``) that the index, the
dashboard and the report read stay equal to a recount of the case rows after every kind of write:
every workflow action over HTTP, plain SQL inserts, updates of every counted column, moves to
another grid or reporter, deletions, concurrent writers, and the migration that adds them to a
database that already holds cases — on SQLite and (GRIDCTL_TEST_DB) PostgreSQL.

The recount here is Python over the rows, written from the figures' definitions, not from the
triggers' SQL.
"""

from __future__ import annotations

import random
import threading

import pytest

from schemas import workflow as wf
from schemas.ids import uuid7
from tests.server.helpers import Api, act, report

COLUMNS = ("reported", "field_reported", "resolved", "resolved_on_time", "closed", "closed_on_time",
           "closed_disputes", "closed_disputes_base", "followed_up", "satisfied", "basic")
CASE_COLUMNS = ("grid_code", "reporter", "reported_at", "source", "resolved_at", "due_at", "status", "closed_at",
                "category", "level", "followed_up_at", "satisfaction")


def recount(db) -> dict[tuple, dict[str, int]]:
    """(day, grid, reporter) → the figures, counted from the case rows in Python."""
    out: dict[tuple, dict[str, int]] = {}

    def add(time: str | None, row: dict, **figures: int) -> None:
        if time is None:
            return
        counts = out.setdefault((time[:10], row["grid_code"], row["reporter"]), dict.fromkeys(COLUMNS, 0))
        for name, n in figures.items():
            counts[name] += n

    for values in db.rows(f"SELECT {', '.join(CASE_COLUMNS)} FROM cases"):
        r = dict(zip(CASE_COLUMNS, values))
        on_time = int(r["resolved_at"] is not None and r["due_at"] is not None and r["resolved_at"] <= r["due_at"])
        dispute = int(r["category"] == "dispute")
        add(r["reported_at"], r, reported=1, field_reported=int(r["source"] in ("field", "visit")))
        add(r["resolved_at"], r, resolved=1, resolved_on_time=on_time)
        if r["status"] == "closed":
            add(r["closed_at"], r, closed=1, closed_on_time=on_time, closed_disputes=dispute,
                closed_disputes_base=dispute * int(r["level"] in ("grid", "village")))
        if r["satisfaction"] is not None:
            add(r["followed_up_at"], r, followed_up=1, satisfied=int(r["satisfaction"] == "satisfied"),
                basic=int(r["satisfaction"] == "basic"))
    return {k: v for k, v in out.items() if any(v.values())}


def stored(db) -> dict[tuple, dict[str, int]]:
    rows = db.rows(f"SELECT day, grid_code, reporter, {', '.join(COLUMNS)} FROM case_day_counts")
    return {tuple(r[:3]): dict(zip(COLUMNS, r[3:])) for r in rows if any(r[3:])}


def assert_counts_kept(db, what: str = "") -> None:
    expected, actual = recount(db), stored(db)
    wrong = {k: (actual.get(k), expected.get(k)) for k in set(expected) | set(actual) if actual.get(k) != expected.get(k)}
    assert not wrong, f"after {what}: (stored, recounted) differ for {dict(list(wrong.items())[:5])}"


# --- every workflow action over HTTP --------------------------------------------------------------

USERS = ["gw-001", "village-01", "station-01", "county-admin", "unit-zf", "unit-zjj"]
PARAMS = {
    "resolve": {"note": "已处置"}, "reopen": {"note": "核查未通过"}, "comment": {"note": "备注"},
    "escalate": {"reason": "理由"}, "return": {"reason": "理由"}, "reject": {"reason": "理由"},
    "refuse": {"reason": "不属于本单位职责"}, "assign": {"assignee": "village-01"}, "supervise": {"supervision": "red"},
    "dispatch": {"unit": "610822-ZJJ"}, "follow_up": {"satisfaction": "basic", "method": "phone"},
    "mediate": {"result": "success", "method": "people", "participants": ["当事人"]},
}


def test_every_workflow_action_over_http_keeps_the_counts(server_factory):
    from tests.conftest import token_for

    server = server_factory()
    db = server.db
    assert_counts_kept(db, "the demo seed")
    apis = {u: Api(server.url, token_for(server.url, u)) for u in USERS}
    users = {u: apis[u].get("/me").json() for u in USERS}
    admin = apis["county-admin"]
    # New reports too, a dispute among them (base resolution) and one from a hotline (not a field report).
    new = [report(category="dispute"), report(source="hotline"), report()]
    assert all(r["status"] == "applied" for r in apis["gw-001"].push(*new)), "reports refused"
    assert_counts_kept(db, "three new reports")
    ids = [c["id"] for c in admin.get("/cases", grid="610822100200", limit=1000).json()["items"]]
    seen: set[tuple] = set()
    done: set[str] = set()
    applied = 0
    for _round in range(3):  # a case moves on each round: reported → accepted → resolved → closed …
        for case_id in ids:
            for username in USERS:
                case = apis[username].get(f"/cases/{case_id}")
                if case.status_code != 200:
                    continue
                case = case.json()
                allowed = [a for a in wf.allowed_actions(case, users[username]) if a != "comment"]
                fresh = [a for a in allowed if (a, case["status"], case["level"]) not in seen]
                if not fresh:
                    continue
                action = fresh[0]
                seen.add((action, case["status"], case["level"]))
                [x] = apis[username].push(act(case_id, action, case["version"], **PARAMS.get(action, {})))
                assert_counts_kept(db, f"{action} by {username} on a {case['status']} case ({x['status']})")
                if x["status"] != "applied":  # e.g. mediating a case that is not a dispute
                    continue
                done.add(action)
                applied += 1
                break
    assert {"accept", "resolve", "close", "escalate", "reject", "follow_up", "reopen"} <= done, done
    assert applied > 20


# --- plain SQL: inserts, updates of every counted column, moves, deletions ------------------------

GRIDS = ["610822100200001", "610822100200002", "610822101200001"]
REPORTERS = ["gw-001", "gw-002", "station-01"]
DAYS = ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]
STATUSES = ["reported", "accepted", "in_progress", "dispatched", "resolved", "closed", "rejected"]


def _time(rng: random.Random) -> str:
    # Midnight and the last second of a day are the edges a day bucket must get right.
    clock = rng.choice(["00:00:00", "09:30:00", "23:59:59"])
    return f"{rng.choice(DAYS)}T{clock}+08:00"


def _value(rng: random.Random, column: str):
    maybe_null = rng.random() < 0.25
    if column == "grid_code":
        return rng.choice(GRIDS)
    if column == "reporter":
        return rng.choice(REPORTERS)
    if column == "reported_at":
        return _time(rng)
    if column == "source":
        return rng.choice(["field", "visit", "hotline", "walk_in"])
    if column in ("resolved_at", "due_at", "closed_at", "followed_up_at"):
        return None if maybe_null else _time(rng)
    if column == "status":
        return rng.choice(STATUSES)
    if column == "category":
        return rng.choice(["dispute", "dispute", "safety_hazard", "other"])
    if column == "level":
        return rng.choice(["grid", "village", "town", "county"])
    if column == "satisfaction":
        return None if maybe_null else rng.choice(["satisfied", "basic", "unsatisfied"])
    raise AssertionError(column)


def _insert(db, rng: random.Random) -> str:
    case_id = uuid7()
    row = {c: _value(rng, c) for c in CASE_COLUMNS}
    row.update(id=case_id, title="计数", scale="small", level_entered_at=row["reported_at"])
    names = ", ".join(row)
    db.execute(f"INSERT INTO cases ({names}, urgent, parties, supervision, version, photos) "
               f"VALUES ({', '.join(':' + c for c in row)}, :urgent, '[]', 'none', 1, '[]')", urgent=False, **row)
    return case_id


@pytest.fixture()
def fresh_db(test_db):
    from server import migrate

    migrate.upgrade(test_db.engine())
    return test_db


def test_plain_sql_inserts_updates_moves_and_deletes_keep_the_counts(fresh_db):
    db = fresh_db
    rng = random.Random(20261129)
    ids = [_insert(db, rng) for _ in range(30)]
    assert_counts_kept(db, "30 inserts")
    for step in range(150):
        kind = rng.random()
        if kind < 0.1:
            ids.append(_insert(db, rng))
            what = "an insert"
        elif kind < 0.2 and ids:
            victim = ids.pop(rng.randrange(len(ids)))
            db.execute("DELETE FROM cases WHERE id = :id", id=victim)
            what = "a delete"
        else:
            columns = rng.sample(CASE_COLUMNS, rng.choice([1, 1, 2, 3]))
            values = {c: _value(rng, c) for c in columns}
            sets = ", ".join(f"{c} = :{c}" for c in columns)
            db.execute(f"UPDATE cases SET {sets}, version = version + 1 WHERE id = :id", id=rng.choice(ids), **values)
            what = f"an update of {', '.join(columns)}"
        assert_counts_kept(db, f"step {step}, {what}")
    # An update that changes nothing counted (title, version) leaves every row alone.
    before = db.rows("SELECT * FROM case_day_counts ORDER BY day, grid_code, reporter")
    db.execute("UPDATE cases SET title = '改名', version = version + 1")
    assert db.rows("SELECT * FROM case_day_counts ORDER BY day, grid_code, reporter") == before
    # Everything deleted: nothing left to count.
    db.execute("DELETE FROM cases")
    assert stored(db) == {}


def test_a_case_moved_to_another_grid_is_counted_there_only(fresh_db):
    db = fresh_db
    rng = random.Random(7)
    case_id = _insert(db, rng)
    db.execute("UPDATE cases SET grid_code = :g, reporter = 'gw-001', status = 'closed', closed_at = :t, "
               "resolved_at = :t, due_at = :due, category = 'dispute', level = 'grid' WHERE id = :id",
               g=GRIDS[0], t="2026-11-01T10:00:00+08:00", due="2026-11-02T10:00:00+08:00", id=case_id)
    db.execute("UPDATE cases SET grid_code = :g WHERE id = :id", g=GRIDS[2], id=case_id)
    counts = stored(db)
    assert {k[1] for k in counts} == {GRIDS[2]}
    assert counts[("2026-11-01", GRIDS[2], "gw-001")]["closed_disputes_base"] == 1
    assert_counts_kept(db, "a move")


def test_concurrent_writers_keep_the_counts(fresh_db):
    """Eight threads change cases of two grids and four days at once, each change its own
    transaction: on PostgreSQL they contend for the same counter rows (row locks, no lost update)
    and must take them in one order, or two of them deadlock and a change is refused."""
    db = fresh_db
    rng = random.Random(3)
    ids = [_insert(db, rng) for _ in range(40)]
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        r = random.Random(seed)
        try:
            for _ in range(40):
                # Resolved and closed on different days, in one of two grids: one update takes back
                # and adds to several counter rows that other updates take too.
                db.execute("UPDATE cases SET status = :s, closed_at = :c, resolved_at = :t, grid_code = :g, "
                           "version = version + 1 WHERE id = :id", s=r.choice(["resolved", "closed"]),
                           t=f"{r.choice(DAYS)}T12:00:00+08:00", c=f"{r.choice(DAYS)}T18:00:00+08:00",
                           g=r.choice(GRIDS[:2]), id=r.choice(ids))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[:3]
    assert_counts_kept(db, "concurrent updates")


# --- the migration fills the counts from the cases already there ----------------------------------

def test_the_migration_counts_the_cases_already_there_and_goes_back_cleanly(test_db):
    from alembic import command

    from server import migrate

    from alembic.script import ScriptDirectory

    # The revision that adds the counts, found by what it imports (the lead renumbers at merge).
    added = next(r for r in ScriptDirectory.from_config(migrate._config()).walk_revisions()
                 if getattr(r.module, "case_counts", None) is not None)
    engine = test_db.engine()
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), added.down_revision)
    rng = random.Random(11)
    for _ in range(40):
        _insert(test_db, rng)
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), added.revision)
    assert stored(test_db), "nothing counted"
    assert_counts_kept(test_db, "the upgrade")
    _insert(test_db, rng)
    assert_counts_kept(test_db, "an insert after the upgrade")
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), added.down_revision)
    _insert(test_db, rng)  # no trigger left behind that names the dropped table
    test_db.execute("UPDATE cases SET status = 'closed'")
    test_db.execute("DELETE FROM cases")
