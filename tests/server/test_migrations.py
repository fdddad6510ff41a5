"""Server schema versions (DESIGN 13, "Upgrades lose nothing"), on SQLite and (GRIDCTL_TEST_DB)
PostgreSQL: the migrations end where server/db.py is, a database made by gridctl 0.1.0 (before
migrations) is upgraded in place with its data and served, and ``--no-migrate`` refuses an old one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, TestDatabase, _free_port
from tests.server.helpers import Api, report

LEGACY_SQL = ROOT / "tests" / "data" / "schema-0.1.0"
T = "2026-03-02T09:00:00+08:00"


def _build_legacy(db: TestDatabase) -> None:
    """A database as gridctl 0.1.0 left it: its tables (no alembic_version) and some records."""
    from server.auth import hash_password

    script = (LEGACY_SQL / f"{db.dialect}.sql").read_text(encoding="utf-8")
    script = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in script.split(";") if s.strip()]
    with db.engine().begin() as conn:
        for stmt in statements:
            conn.exec_driver_sql(stmt)
    for code, name, level, parent in (("610822", "府谷县", "county", None), ("610822100", "府谷镇", "town", "610822"),
                                      ("610822100200", "一村", "village", "610822100"),
                                      ("610822100200001", "一村第一网格", "grid", "610822100200")):
        db.execute("INSERT INTO divisions (code, name, level, parent, kind) VALUES (:c, :n, :l, :p, :k)",
                   c=code, n=name, l=level, p=parent, k="rural" if level == "grid" else None)
    db.execute("INSERT INTO users (username, display_name, phone, role, scope, password_hash, created_at) "
               "VALUES ('old-gw', '老网格员', NULL, 'gridworker', :scope, :h, :t)",
               scope=json.dumps(["610822100200001"]), h=hash_password("old-pass-1"), t=T)
    db.execute("INSERT INTO households (id, household_no, grid_code, address, lat, lon, head_person_id, version) "
               "VALUES ('h-old-1', 'HP-OLD-1', '610822100200001', '一村1号', NULL, NULL, NULL, 3)")
    db.execute("INSERT INTO cases (id, serial, title, description, category, subcategory, scale, urgent, parties, "
               "occurred_at, reported_at, grid_code, address, lat, lon, source, reporter, household_id, status, level, "
               "assignee, due_at, level_entered_at, resolved_at, closed_at, supervision, version, photos) VALUES "
               "('c-old-1', '610822-20260302-0001', '旧事件', NULL, 'dispute', NULL, 'small', :f, '[]', NULL, :t, "
               "'610822100200001', NULL, NULL, NULL, 'worker', 'old-gw', NULL, 'reported', 'grid', NULL, NULL, :t, "
               "NULL, NULL, 'none', 1, '[]')", f=False, t=T)
    db.execute("INSERT INTO serial_counters (prefix, last) VALUES ('610822-20260302', 1)")
    for entity, eid, version in (("household", "h-old-1", 3), ("case", "c-old-1", 1)):
        db.execute("INSERT INTO feed (entity, entity_id, grid_code, version, deleted) VALUES (:e, :i, '610822100200001', :v, :d)",
                   e=entity, i=eid, v=version, d=False)


def test_the_migrations_have_one_head():
    from server import migrate

    assert migrate.head()  # raises on two heads


def test_the_head_of_the_migrations_is_server_db(test_db):
    """Upgrading an empty database revision by revision gives exactly the tables of server/db.py
    (what a fresh database gets from create_all), so both paths end in the same schema."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server import migrate
    from server.db import include_object_for, metadata

    engine = test_db.engine()
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "head")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": include_object_for(conn.dialect.name)})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert migrate.status(engine).kind == "current"


def test_a_fresh_database_is_made_at_the_head(test_db):
    from server import migrate
    from server.app import create_app

    app = create_app(test_db.url)
    st = migrate.status(app.state.engine)
    assert (st.kind, st.current) == ("current", migrate.head())
    app.state.engine.dispose()


@pytest.mark.slow
def test_a_database_of_0_1_0_is_upgraded_with_its_data_and_served(server_factory, tmp_path):
    from server import migrate

    db = TestDatabase(tmp_path / "legacy.db")
    _build_legacy(db)
    assert migrate.status(db.engine()).kind == "legacy"
    server = server_factory(scale=None, db=db)
    assert db.scalar("SELECT version_num FROM alembic_version") == migrate.head()
    assert db.scalar("SELECT count(*) FROM cases") == 1

    r = httpx.post(server.url + "/api/v1/auth/token", json={"username": "old-gw", "password": "old-pass-1"}, timeout=10)
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    pulled = httpx.get(server.url + "/api/v1/sync/pull", headers=headers, timeout=10).json()
    got = {(c["entity"], c["id"]): c for c in pulled["changes"]}
    assert got[("household", "h-old-1")]["data"]["household_no"] == "HP-OLD-1"
    assert got[("household", "h-old-1")]["version"] == 3
    assert got[("case", "c-old-1")]["data"]["serial"] == "610822-20260302-0001"

    # New writes go on from the old data: the next serial of that day follows the stored counter,
    # and a cursor handed out before the upgrade goes on from where it was.
    mutation = report(title="升级后上报", reported_at=T)
    [result] = Api(server.url, r.json()["access_token"]).push(mutation)
    assert result["status"] == "applied", result
    assert db.scalar("SELECT serial FROM cases WHERE id = :i", i=mutation["payload"]["id"]) == "610822-20260302-0002"
    after = httpx.get(server.url + "/api/v1/sync/pull", headers=headers, timeout=10,
                      params={"cursor": pulled["cursor"]}).json()
    # (The case, reported long ago, is overdue: its alert travels in the feed too, DESIGN 16.)
    assert [(c["entity"], c["id"]) for c in after["changes"] if c["entity"] != "alert"] == [
        ("case", mutation["payload"]["id"])]


@pytest.mark.parametrize("lang, words", [("en", "start without --no-migrate"), ("zh", "去掉 --no-migrate")])
def test_no_migrate_refuses_an_old_database(tmp_path, lang, words):
    db = TestDatabase(tmp_path / "legacy.db")
    try:
        _build_legacy(db)
        env = {**os.environ, "GRIDCTL_LANG": lang}
        for cmd in ([sys.executable, "-m", "server", "--db", db.url, "--no-migrate", "--port", str(_free_port())],
                    [sys.executable, "-m", "gridctl", "--lang", lang, "serve", "--db", db.url, "--no-migrate",
                     "--port", str(_free_port())]):
            r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
            assert r.returncode == 2, (cmd, r.stdout, r.stderr)
            assert words in r.stderr and "Traceback" not in r.stderr, r.stderr
        # Refusing changed nothing: still the old schema, still its data.
        assert db.scalar("SELECT count(*) FROM cases") == 1
        from sqlalchemy import inspect

        assert "alembic_version" not in inspect(db.engine()).get_table_names()
    finally:
        db.drop()


def test_no_migrate_serves_a_current_database(server_factory):
    server = server_factory()  # makes the tables
    server.stop()
    server.args = ["--no-migrate"]
    server.start()
    assert httpx.get(server.url + "/api/v1/health", timeout=10).status_code == 200


def test_the_overdue_index_names_the_unfinished_statuses():
    from schemas.workflow import UNFINISHED_STATUSES
    from server.db import UNFINISHED_PREDICATE

    assert UNFINISHED_PREDICATE == "status IN (" + ", ".join(f"'{s}'" for s in UNFINISHED_STATUSES) + ")"


def _png(seed: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (seed % 256, 40, 90)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.slow
def test_photos_of_a_0003_database_stay_readable_in_scope_after_the_upgrade(server_factory, tmp_path):
    """Migration 0006 fills blob_refs from the photos records already name: after the upgrade a
    case's and a visit's photos are readable by a worker of that grid, and by no one else."""
    import hashlib

    from alembic import command

    from server import migrate
    from server.auth import hash_password

    db = TestDatabase(tmp_path / "at-0003.db")
    with db.engine().begin() as conn:
        command.upgrade(migrate._config(conn), "0003")
    grid1, grid2 = "610822100200001", "610822100200002"
    for code, name, level, parent in (("610822", "府谷县", "county", None), ("610822100", "府谷镇", "town", "610822"),
                                      ("610822100200", "一村", "village", "610822100"),
                                      (grid1, "一村第一网格", "grid", "610822100200"),
                                      (grid2, "一村第二网格", "grid", "610822100200")):
        db.execute("INSERT INTO divisions (code, name, level, parent, kind) VALUES (:c, :n, :l, :p, :k)",
                   c=code, n=name, l=level, p=parent, k="rural" if level == "grid" else None)
    for username, grid in (("gw-one", grid1), ("gw-two", grid2)):
        db.execute("INSERT INTO users (username, display_name, phone, role, scope, password_hash, created_at) "
                   "VALUES (:u, :u, NULL, 'gridworker', :scope, :h, :t)",
                   u=username, scope=json.dumps([grid]), h=hash_password("old-pass-1"), t=T)
    case_photo, visit_photo = _png(1), _png(2)
    case_sha, visit_sha = (hashlib.sha256(b).hexdigest() for b in (case_photo, visit_photo))
    for sha, data in ((case_sha, case_photo), (visit_sha, visit_photo)):
        db.execute("INSERT INTO blobs (sha256, content_type, size, data, created_at) VALUES (:s, 'image/png', :n, :d, :t)",
                   s=sha, n=len(data), d=data, t=T)
    db.execute("INSERT INTO cases (id, serial, title, description, category, subcategory, scale, urgent, parties, "
               "occurred_at, reported_at, grid_code, address, lat, lon, source, reporter, household_id, status, level, "
               "assignee, due_at, level_entered_at, resolved_at, closed_at, supervision, version, photos) VALUES "
               "('c-old-1', '610822-20260302-0001', '旧事件', NULL, 'dispute', NULL, 'small', :f, '[]', NULL, :t, "
               ":g, NULL, NULL, NULL, 'worker', 'gw-one', NULL, 'reported', 'grid', NULL, NULL, :t, "
               "NULL, NULL, 'none', 1, :p)", f=False, t=T, g=grid1, p=json.dumps([case_sha]))
    db.execute("INSERT INTO visits (id, household_id, grid_code, person_ids, worker, visited_at, method, purpose, met, "
               "photos, version) VALUES ('v-old-1', 'h-old-1', :g, '[]', 'gw-one', :t, 'home', 'routine', :m, :p, 1)",
               g=grid1, t=T, m=True, p=json.dumps([visit_sha, "not-a-hash"]))
    assert migrate.status(db.engine()).current == "0003"

    server = server_factory(scale=None, db=db)
    assert db.scalar("SELECT version_num FROM alembic_version") == migrate.head()
    assert sorted(db.rows("SELECT entity, entity_id, grid_code FROM blob_refs")) == [
        ("case", "c-old-1", grid1), ("visit", "v-old-1", grid1)]

    def get(username: str, sha: str) -> httpx.Response:
        r = httpx.post(server.url + "/api/v1/auth/token", json={"username": username, "password": "old-pass-1"},
                       timeout=10)
        assert r.status_code == 200, r.text
        return httpx.get(f"{server.url}/api/v1/blobs/{sha}", timeout=10,
                         headers={"Authorization": f"Bearer {r.json()['access_token']}"})

    for sha, data in ((case_sha, case_photo), (visit_sha, visit_photo)):
        mine = get("gw-one", sha)
        assert mine.status_code == 200 and mine.content == data
        assert get("gw-two", sha).status_code == 404  # another grid: answered like a missing photo


def test_people_followed_before_0014_start_their_first_visit_clock_at_the_upgrade(tmp_path):
    """Migration 0014 stamps ``followed_since`` with the upgrade's day for the people a visit
    frequency follows (the day they came to be followed is not known: an import leaves no history),
    and leaves it empty for everyone else; a tag inside another word is no tag."""
    from datetime import datetime

    from alembic import command

    from schemas.validators import CST
    from server import migrate

    db = TestDatabase(tmp_path / "at-0013.db")
    with db.engine().begin() as conn:
        command.upgrade(migrate._config(conn), "0013")
    db.execute("INSERT INTO households (id, household_no, grid_code, version) VALUES ('h1', 'H-1', '610822100200001', 1)")
    for pid, tags in (("p-care", '["elderly_alone"]'), ("p-two", '["low_income", "disabled"]'),
                      ("p-none", "[]"), ("p-mental", '["severe_mental"]'), ("p-other", '["not_elderly_alone_x"]')):
        db.execute("INSERT INTO persons (id, household_id, grid_code, name, tags, version, status) "
                   "VALUES (:i, 'h1', '610822100200001', '某', :t, 1, 'active')", i=pid, t=tags)
    with db.engine().begin() as conn:
        command.upgrade(migrate._config(conn), "0014")
    today = datetime.now(CST).date().isoformat()
    assert dict(db.rows("SELECT id, followed_since FROM persons")) == {
        "p-care": today, "p-two": today, "p-mental": today, "p-none": None, "p-other": None}
    with db.engine().begin() as conn:
        command.downgrade(migrate._config(conn), "0013")
    assert db.scalar("SELECT count(*) FROM persons") == 5
