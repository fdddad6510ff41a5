"""The local store carries PRAGMA user_version and migrates in place on open, keeping the outbox;
a store from a newer gridctl is refused (exit 2) with a clear message (issue 9)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.core.conftest import server_rows

# The store as the previous release made it (gridctl/store.py at 27151e8): no user_version.
V0_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY, serial TEXT, grid_code TEXT, status TEXT, level TEXT, assignee TEXT,
    due_at TEXT, reported_at TEXT, version INTEGER, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_serial ON cases(serial);
CREATE INDEX IF NOT EXISTS cases_status ON cases(status);
CREATE TABLE IF NOT EXISTS households (
    id TEXT PRIMARY KEY, household_no TEXT, grid_code TEXT, version INTEGER, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS households_no ON households(household_no);
CREATE TABLE IF NOT EXISTS persons (
    id TEXT PRIMARY KEY, household_id TEXT, grid_code TEXT, name TEXT, tags TEXT, version INTEGER,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS persons_household ON persons(household_id);
CREATE TABLE IF NOT EXISTS visits (
    id TEXT PRIMARY KEY, household_id TEXT, worker TEXT, visited_at TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS visits_household ON visits(household_id);
CREATE TABLE IF NOT EXISTS divisions (code TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    base_version INTEGER,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT,
    updated_at TEXT);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, seq);
CREATE INDEX IF NOT EXISTS outbox_entity ON outbox(entity_id, state);
CREATE TABLE IF NOT EXISTS refetch (entity TEXT NOT NULL, id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, uploaded INTEGER NOT NULL DEFAULT 0);
"""


def _old_store(path, user: dict, device_id: str, person: dict, case_id: str, mutation_ids: list[str]) -> None:
    """What the previous release left on a laptop: a report and a person edit queued offline.
    Its person edit was the whole record, with the masked ID number it had been shown."""
    path.unlink()
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript(V0_SCHEMA)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("user", json.dumps(user)), ("device_id", json.dumps(device_id))])
    report = {"id": case_id, "title": "旧版本离线上报", "description": None, "category": "other", "subcategory": None,
              "scale": "individual", "urgent": False, "parties": [], "occurred_at": None,
              "reported_at": "2026-11-28T09:00:00+08:00", "grid_code": "610822100200001", "address": None,
              "lat": None, "lon": None, "source": "field", "household_id": None, "photos": []}
    edit = {k: person.get(k) for k in ("id", "household_id", "name", "id_number", "sex", "birth_date",
                                        "relation_to_head", "residence", "tags", "key_person_type", "care_level")}
    edit["phone"] = "13712345678"
    assert "*" in edit["id_number"]
    rows = [(mutation_ids[0], "case.report", "case", case_id, None, report),
            (mutation_ids[1], "person.upsert", "person", person["id"], person["version"], edit)]
    for mid, mtype, entity, eid, base, payload in rows:
        db.execute("INSERT INTO outbox(id, type, entity, entity_id, base_version, payload, created_at, state)"
                   " VALUES (?, ?, ?, ?, ?, ?, '2026-11-28T09:00:00+08:00', 'pending')",
                   (mid, mtype, entity, eid, base, json.dumps(payload, ensure_ascii=False)))
    db.execute("INSERT INTO persons(id, household_id, grid_code, name, tags, version, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (person["id"], person["household_id"], person["grid_code"], person["name"], "[]", person["version"],
                json.dumps({**person, "phone": "13712345678"}, ensure_ascii=False)))
    db.commit()
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()


def test_an_old_store_with_queued_writes_migrates_and_delivers_them_once(clients, server, dirs):
    from gridctl import ops, sync
    from gridctl.ids import uuid7
    from gridctl.store import SCHEMA_VERSION

    client = clients("old")
    user, device_id = client.store.get_meta("user"), client.device_id
    person = client.api.list("persons", limit=50)["items"]
    person = next(p for p in person if p.get("id_number"))
    stored_id = server_rows(server, "SELECT id_number FROM persons WHERE id = ?", person["id"])[0][0]
    path = client.store.path
    client.close()
    case_id, mutation_ids = uuid7(), [uuid7(), uuid7()]
    _old_store(path, user, device_id, person, case_id, mutation_ids)

    client = clients("old")  # opened by this release: migrated in place
    assert client.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    queued = {i["id"]: i for i in ops.outbox_list(client)}
    assert set(queued) == set(mutation_ids)
    assert "id_number" not in queued[mutation_ids[1]]["payload"]  # a masked value is never sent back
    report = sync.sync(client)
    assert (report.applied, report.rejected, report.conflict) == (2, 0, 0), report.problems
    assert server_rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", case_id) == [(1,)]
    assert server_rows(server, "SELECT phone, id_number FROM persons WHERE id = ?", person["id"]) == [
        ("13712345678", stored_id)]
    again = sync.sync(client)  # nothing goes twice
    assert again.pushed == 0
    assert server_rows(server, "SELECT COUNT(*) FROM applied_mutations WHERE id IN (?, ?)", *mutation_ids) == [(2,)]
    client.close()
    reopened = clients("old")  # a migrated store opens as it is
    assert reopened.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.mark.parametrize("lang, words", [("en", "newer gridctl"), ("zh", "更新版本")])
def test_a_store_from_a_newer_gridctl_is_refused_untouched(clients, dirs, capsys, monkeypatch, lang, words):
    from commands.main import run
    from gridctl.i18n import set_lang

    client = clients("new")
    path = client.store.path
    client.store.db.execute("PRAGMA user_version = 99")
    client.close()
    before = path.read_bytes()
    monkeypatch.setenv("GRIDCTL_LANG", lang)
    set_lang(None)
    with pytest.raises(SystemExit) as exc:
        run(["--profile", "new", "sync", "status"])
    set_lang("en")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert words in err and str(path) in err and "Traceback" not in err
    assert path.read_bytes() == before
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99
