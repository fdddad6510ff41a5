"""Migration 0012 (impspeed2): feed_txid_seq goes on SQLite, where txid is always 0 and pull reads
the feed in seq order, and stays on PostgreSQL, where pull reads in (txid, seq) order. A database
seeded at the revision before is upgraded and pulled from end to end, then goes back cleanly."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import inspect

from tests.conftest import PASSWORD, TestDatabase


def _revision():
    from alembic.script import ScriptDirectory

    from server import migrate

    # Found by what it drops, not by number (the lead renumbers at merge).
    return next(r for r in ScriptDirectory.from_config(migrate._config()).walk_revisions()
                if getattr(r.module, "INDEX", None) == "feed_txid_seq")


def _feed_indexes(db: TestDatabase) -> set[str]:
    engine = db.engine()
    try:
        return {i["name"] for i in inspect(engine).get_indexes("feed")}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_an_older_database_loses_the_index_on_sqlite_only_and_pulls_as_before(server_factory, tmp_path):
    from alembic import command

    from server import demo, migrate

    revision = _revision()
    db = TestDatabase(tmp_path / "before-0012.db")
    engine = db.engine()
    # Seeded by today's demo (which writes today's columns), then taken back to the revision
    # before: a database as that release left it, with data.
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "head")
    demo.seed(engine, "small")
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), revision.down_revision)
    engine.dispose()
    assert "feed_txid_seq" in _feed_indexes(db)
    rows_before = db.scalar("SELECT count(*) FROM feed")

    server = server_factory(scale=None, db=db)  # upgrades to the head at start
    assert db.scalar("SELECT version_num FROM alembic_version") == migrate.head()
    assert ("feed_txid_seq" in _feed_indexes(db)) == (db.dialect == "postgresql")

    # Pull pages through the whole feed of the upgraded database: each row once, none skipped.
    r = httpx.post(server.url + "/api/v1/auth/token", json={"username": "county-admin", "password": PASSWORD},
                   timeout=10)
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    seen, cursor = [], None
    for _ in range(1000):
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(server.url + "/api/v1/sync/pull", headers=headers, params=params, timeout=30).json()
        assert not page["reset"]
        seen += [(c["entity"], c["id"]) for c in page["changes"] if not c["deleted"]]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert len(seen) == len(set(seen))
    live = db.scalar("SELECT count(*) FROM feed WHERE deleted = :f", f=False)
    assert len(seen) == live and rows_before == db.scalar("SELECT count(*) FROM feed")
    server.stop()

    engine = db.engine()
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), revision.down_revision)
    engine.dispose()
    assert "feed_txid_seq" in _feed_indexes(db)
