"""A database upgraded from before early warning (migration 0009) gets the alerts its data calls
for (DESIGN 13 "upgrades lose nothing", DESIGN 16), on SQLite and PostgreSQL.

Alerts are derived as mutations arrive, and the clock's sweep only looks at subjects that have a
timer. Data older than the alert tables has neither, so before the fix an upgraded county never
heard of its overdue cases until someone happened to touch each one.
"""

from __future__ import annotations

import httpx

from tests.conftest import TestDatabase
from tests.server.test_migrations import _build_legacy


def test_an_overdue_case_of_an_upgraded_database_raises_its_alert(server_factory, tmp_path):
    from server import migrate

    db = TestDatabase(tmp_path / "legacy.db")
    _build_legacy(db)
    # The 0.1.0 case, accepted at grid level and due three days after it was reported: long past.
    db.execute("UPDATE cases SET status = 'accepted', due_at = '2026-03-05T09:00:00+08:00' WHERE id = 'c-old-1'")
    assert migrate.status(db.engine()).kind == "legacy"
    server = server_factory(scale=None, db=db)  # upgrades, then serves; nothing is pushed

    r = httpx.post(server.url + "/api/v1/auth/token", json={"username": "old-gw", "password": "old-pass-1"}, timeout=10)
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    alerts = httpx.get(server.url + "/api/v1/alerts", headers=headers, params={"kind": "overdue"}, timeout=30).json()
    assert [(a["subject_id"], a["state"]) for a in alerts["items"]] == [("c-old-1", "open")], alerts
    # ... and it reaches the laptops through the feed, like any alert.
    pulled = httpx.get(server.url + "/api/v1/sync/pull", headers=headers, timeout=10).json()
    assert [c["data"]["kind"] for c in pulled["changes"] if c["entity"] == "alert"] == ["overdue"]
