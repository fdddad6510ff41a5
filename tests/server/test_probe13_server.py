"""Issue 13 probed from outside (probe13), server side, on SQLite and PostgreSQL:

- an import row whose name or address held NUL, a line break or a direction override took the
  fast path of a good row unchecked: stored as is on SQLite, an HTTP 500 on PostgreSQL (whose
  text cannot hold NUL) that took the good rows of the batch down with it;
- a push whose person.upsert conflicts answers with the person as stored — a special-population
  person, or (for an admin) a full ID number — and left no audit row (DESIGN 14, 17).
"""

from __future__ import annotations

from datetime import date

import httpx

from schemas.ids import uuid7
from schemas.validators import make_id_number
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, now_text


def _m(mtype: str, payload: dict, base_version: int | None = None) -> dict:
    m = {"id": uuid7(), "type": mtype, "created_at": now_text(), "payload": payload}
    if base_version is not None:
        m["base_version"] = base_version
    return m


def test_import_rows_with_hidden_characters_are_refused_by_row_and_the_good_ones_kept(server_factory):
    server = server_factory()
    http = httpx.Client(base_url=server.url + "/api/v1", timeout=60,
                        headers={"Authorization": f"Bearer {token_for(server.url, 'county-admin')}"})
    idn = lambda seq: make_id_number("610822", date(1960, 1, 1), seq)  # noqa: E731
    rows = [{"household_no": "P13-N1", "grid_code": GW1_GRID, "address": "前进村", "name": "甲\x00乙", "id_number": idn(301)},
            {"household_no": "P13-N2", "grid_code": GW1_GRID, "address": "前进村", "name": "甲\u202e乙", "id_number": idn(302)},
            {"household_no": "P13-N3", "grid_code": GW1_GRID, "address": "前进村\n2号", "name": "丙", "id_number": idn(303)},
            {"household_no": "P13-N4", "grid_code": GW1_GRID, "address": "前进村4号", "name": "好人", "id_number": idn(304)}]
    r = http.post("/import/persons", json={"rows": rows})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["rejected"]) == (1, 3), body
    assert {e["field"] for e in body["errors"]} >= {"name", "address"}, body["errors"]
    with server.db.connect() as db:
        names = [n for (n,) in db.execute("SELECT name FROM persons WHERE household_id IN "
                                          "(SELECT id FROM households WHERE household_no LIKE 'P13-N%')").fetchall()]
    assert names == ["好人"]


def test_a_conflicting_person_upsert_that_answers_with_the_person_is_audited(server_factory):
    server = server_factory()
    gw1 = Api(server.url, token_for(server.url, "gw-001"))
    village = Api(server.url, token_for(server.url, "village-01"))
    admin = Api(server.url, token_for(server.url, "county-admin"))
    hid, special, plain = uuid7(), uuid7(), uuid7()
    number = make_id_number("610822", date(1990, 1, 2), 57)
    results = gw1.push(_m("household.upsert", {"id": hid, "household_no": "P13-AUD", "grid_code": GW1_GRID}),
                       _m("person.upsert", {"id": special, "household_id": hid, "name": "甲", "tags": ["drug_user"],
                                            "id_number": number}),
                       _m("person.upsert", {"id": plain, "household_id": hid, "name": "乙", "tags": ["veteran"]}))
    assert [r["status"] for r in results] == ["applied"] * 3
    # village-01 edits both; a grid worker's edits made on version 1 then conflict.
    for pid in (special, plain):
        assert village.push(_m("person.upsert", {"id": pid, "phone": "13800138000"}, 1))[0]["status"] == "applied"

    def top() -> int:
        items = admin.get("/audit", limit=1).json()["items"]
        return items[0]["id"] if items else 0

    before = top()
    answers = gw1.push(_m("person.upsert", {"id": special, "name": "甲甲"}, 1),
                       _m("person.upsert", {"id": plain, "name": "乙乙"}, 1))
    assert [a["status"] for a in answers] == ["conflict", "conflict"]
    assert answers[0]["current"]["tags"] == ["drug_user"]
    rows = [r for r in admin.get("/audit", limit=1000).json()["items"] if r["id"] > before]
    assert len(rows) == 1, rows
    assert rows[0]["username"] == "gw-001" and rows[0]["record_ids"] == [special]

    # An admin's conflict carries the full ID number: audited too, naming the records it carried.
    assert village.push(_m("person.upsert", {"id": plain, "phone": "13900139000"}, 2))[0]["status"] == "applied"
    before = top()
    answers = admin.push(_m("person.upsert", {"id": special, "name": "甲乙"}, 1))
    assert answers[0]["status"] == "conflict" and answers[0]["current"]["id_number"] == number
    rows = [r for r in admin.get("/audit", limit=1000).json()["items"] if r["id"] > before]
    assert [(r["username"], r["record_ids"]) for r in rows if r["action"] != "audit.read"] == \
        [("county-admin", [special])], rows

    # A conflict on a plain person with a masked number leaves none.
    before = top()
    assert gw1.push(_m("person.upsert", {"id": plain, "name": "乙丙"}, 1))[0]["status"] == "conflict"
    assert [r for r in admin.get("/audit", limit=1000).json()["items"] if r["id"] > before
            and r["username"] == "gw-001"] == []


def test_a_conflict_is_worded_in_the_language_of_the_push(server_factory):
    server = server_factory()
    gw1 = Api(server.url, token_for(server.url, "gw-001"))
    village = Api(server.url, token_for(server.url, "village-01"))
    hid, pid = uuid7(), uuid7()
    assert [r["status"] for r in gw1.push(
        _m("household.upsert", {"id": hid, "household_no": "P13-ZH", "grid_code": GW1_GRID}),
        _m("person.upsert", {"id": pid, "household_id": hid, "name": "甲"}))] == ["applied", "applied"]
    assert village.push(_m("person.upsert", {"id": pid, "name": "甲乙"}, 1),
                        _m("household.upsert", {"id": hid, "address": "前进村1号"}, 1))[0]["status"] == "applied"
    r = gw1.http.post("/sync/push", headers={"Accept-Language": "zh-CN"}, json={"device_id": "d", "mutations": [
        _m("person.upsert", {"id": pid, "phone": "13800138000"}, 1),
        _m("household.upsert", {"id": hid, "address": "前进村2号"}, 1)]})
    assert r.status_code == 200, r.text
    details = [x["problem"]["detail"] for x in r.json()["results"]]
    assert details == ["该人员信息在此期间已被他人修改", "该户在此期间已被他人修改"], details
    r = gw1.http.post("/sync/push", json={"device_id": "d", "mutations": [
        _m("person.upsert", {"id": pid, "phone": "13800138000"}, 1)]})
    assert r.json()["results"][0]["problem"]["detail"] == "the person changed meanwhile"


def test_a_change_made_by_import_is_in_the_persons_history(server_factory):
    server = server_factory()
    gw1 = Api(server.url, token_for(server.url, "gw-001"))
    admin = Api(server.url, token_for(server.url, "county-admin"))
    hid, pid = uuid7(), uuid7()
    number = make_id_number("610822", date(1950, 6, 7), 11)
    assert [r["status"] for r in gw1.push(
        _m("household.upsert", {"id": hid, "household_no": "P13-HIS", "grid_code": GW1_GRID}),
        _m("person.upsert", {"id": pid, "household_id": hid, "name": "甲", "id_number": number,
                             "relation_to_head": "head"}))] == ["applied", "applied"]
    row = {"household_no": "P13-HIS", "grid_code": GW1_GRID, "name": "甲", "id_number": number,
           "relation_to_head": "head", "status": "deceased", "status_date": "2026-01-05"}
    for dry_run in (True, False):
        r = admin.http.post("/import/persons", params={"dry_run": str(dry_run).lower()}, json={"rows": [row]})
        assert r.status_code == 200 and r.json()["updated"] == 1, r.text
    history = gw1.get(f"/persons/{pid}/history").json()
    assert [h["kind"] for h in history] == ["created", "deceased"], history  # one for the real run alone
    assert history[-1]["actor"] == "county-admin"
    assert history[-1]["changes"]["status"] == ["active", "deceased"]
    # The same file again changes nothing and adds nothing.
    assert admin.http.post("/import/persons", json={"rows": [row]}).json()["unchanged"] == 1
    assert len(gw1.get(f"/persons/{pid}/history").json()) == 2
