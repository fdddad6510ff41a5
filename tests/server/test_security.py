"""DESIGN §14 against the real server: strict parameters, the body cap, text and date rules,
scoped and decoded photos, in-scope references, non-revealing refusals and the audit trail.

Login limits have their own file (test_login_limits.py): they need servers of their own.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from schemas.ids import uuid7
from schemas.validators import make_id_number
from tests.server.helpers import GW1_GRID, GW2_GRID, Api, image_bytes, now_text, report

ROLES = ("gw-001", "gw-002", "village-01", "station-01", "county-admin")


def _b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _mutation(mtype: str, payload: dict, **extra) -> dict:
    return {"id": uuid7(), "type": mtype, "created_at": now_text(), "payload": payload, **extra}


@pytest.fixture(scope="module")
def apis(live_server, tokens):
    return {u: Api(live_server.url, tokens(u)) for u in ROLES}


@pytest.fixture(scope="module")
def gw1_records(apis):
    """A household and a person of gw-001's grid (out of gw-002's scope)."""
    gw1 = apis["gw-001"]
    hh = gw1.get("/households", limit=1).json()["items"][0]
    person = gw1.get("/persons", household=hh["id"]).json()["items"][0]
    return hh, person


# --- strict parameters -----------------------------------------------------------------------

BAD_CURSORS = [
    _b64([{"a": 1}, "x"]), _b64([None, None]), _b64("[" * 5000 + "]" * 5000), _b64(10 ** 25),
    _b64([10 ** 25, "x"]), _b64(["a" * 65, "b"]), _b64(["\x00", "x"]), _b64(b"\xff\xfe not json"),
    "!!!", "²", "A" * 600, _b64({"a": 1}), _b64([]), _b64(["only-one"]),
]
LISTS = ("/cases", "/households", "/persons", "/visits")


CURSOR_IDS = ["dict-in-list", "nulls", "5000-deep", "26-digit", "26-digit-in-list", "long-string", "nul",
              "not-json", "bangs", "superscript", "600-chars", "object", "empty-list", "one-value"]


@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=CURSOR_IDS)
def test_malformed_cursors_answer_400_or_422_on_every_list_never_500(apis, cursor):
    for path in LISTS:
        r = apis["station-01"].get(path, cursor=cursor)
        assert r.status_code in (400, 422), (path, cursor[:40], r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
    r = apis["station-01"].get("/sync/pull", cursor=cursor)
    assert r.status_code in (200, 400, 422)  # a pull cursor it does not know answers reset
    if r.status_code == 200:
        assert r.json()["reset"] is True


@pytest.mark.parametrize("grid", ["²", "610822100200001²", "٦١٠٨٢٢", "61082210020000１", "abc", "6108221", "610822\n"])
def test_codes_with_non_ascii_digits_or_wrong_length_answer_422(apis, grid):
    for role in ROLES:
        for path in ("/cases", "/households"):
            r = apis[role].get(path, grid=grid)
            assert r.status_code in (400, 422), (role, path, grid, r.status_code)  # 400: a control character
            assert r.headers["content-type"].startswith("application/problem+json")
        assert apis[role].get("/divisions", parent=grid).status_code in (400, 422)
        assert apis[role].get("/stats/overview", division=grid).status_code in (400, 422)


@pytest.mark.parametrize("since", ["'", "yesterday", "2026-13-45", "9999-99-99", "2026-11-22T25:00"])
def test_bad_since_answers_422_not_everything(apis, since):
    r = apis["gw-001"].get("/visits", since=since)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "since"


def test_bad_choices_and_page_sizes_answer_422(apis):
    api = apis["county-admin"]
    assert api.get("/cases", status="open").status_code == 422
    assert api.get("/cases", level="province").status_code == 422
    assert api.get("/households", tag="vip").status_code == 422
    for limit in ("0", "-1", "1001", "1e3", "99999999999999999999999"):
        assert api.get("/cases", limit=limit).status_code == 422
    assert api.get("/sync/pull", limit="5001").status_code == 422


def test_control_characters_in_parameters_and_paths_answer_400(apis):
    api = apis["gw-001"]
    assert api.get("/persons", q="a\x00b").status_code == 400
    assert api.get("/cases", assignee="gw\x85").status_code == 400
    assert api.http.get("/cases/%00abc").status_code == 400
    assert api.get("/persons", q="a\u202eb").status_code == 422


# --- request bodies ----------------------------------------------------------------------------

def test_bodies_over_20_mb_are_refused_with_413_before_parsing(apis):
    api = apis["gw-001"]
    big = b'{"device_id": "x", "mutations": [' + b" " * (21 * 1024 * 1024) + b"]}"
    r = api.http.post("/sync/push", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")

    def chunks():  # no Content-Length: counted as it streams
        yield b'{"device_id": "x", "mutations": ['
        for _ in range(22):
            yield b" " * (1024 * 1024)
        yield b"]}"

    r = api.http.post("/sync/push", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    # Just under the cap is parsed as usual (and refused for what it says, not its size).
    assert api.http.post("/sync/push", json={"device_id": "x", "mutations": []}).status_code == 200


# --- text and dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["a\x00b", "abc\u202etxt.exe", "\u200b\u200b\u200b", "\u200b \ufeff", "bad\x85title",
                                   "x\x1b[31m", "line\nbreak", "\u2066isolate\u2069"])
def test_titles_with_controls_bidi_or_nothing_visible_are_rejected(apis, title):
    [r] = apis["gw-001"].push(report(title=title))
    assert r["status"] == "rejected" and r["problem"]["errors"][0]["field"].endswith("title"), r


def test_descriptions_may_have_newlines_and_tabs_but_not_nul(apis):
    ok = report(description="第一行\n\t第二行")
    assert apis["gw-001"].push(ok)[0]["status"] == "applied"
    [r] = apis["gw-001"].push(report(description="a\x00b"))
    assert r["status"] == "rejected"


def test_implausible_dates_are_rejected(apis, gw1_records):
    hh, person = gw1_records
    gw1 = apis["gw-001"]

    def visit(**extra):
        payload = {"id": uuid7(), "household_id": hh["id"], "visited_at": now_text(), "purpose": "routine", **extra}
        return _mutation("visit.log", payload)

    far = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(timespec="seconds")
    for bad in ({"visited_at": "1900-01-01T09:00:00+08:00"}, {"visited_at": "1999-12-31T09:00:00+08:00"},
                {"visited_at": far}, {"next_visit_due": "9999-12-31"},
                {"next_visit_due": (datetime.now().date() + timedelta(days=800)).isoformat()}):
        [r] = gw1.push(visit(**bad))
        assert r["status"] == "rejected", bad
    assert gw1.push(visit(next_visit_due=(datetime.now().date() + timedelta(days=700)).isoformat()))[0]["status"] == "applied"
    [r] = gw1.push(report(occurred_at="1999-06-01T08:00:00+08:00"))
    assert r["status"] == "rejected"
    new_person = {"id": uuid7(), "household_id": hh["id"], "name": "测试", "birth_date": "1899-12-31"}
    [r] = gw1.push(_mutation("person.upsert", new_person))
    assert r["status"] == "rejected" and "birth_date" in r["problem"]["detail"]


def test_a_naive_created_at_is_refused(apis):
    m = report()
    m["created_at"] = "2026-11-22T09:30:00"
    r = apis["gw-001"].http.post("/sync/push", json={"device_id": "d", "mutations": [m]})
    assert r.status_code == 422 and "offset" in r.text


def test_text_refusals_speak_chinese(apis):
    r = apis["gw-001"].http.post("/sync/push", headers={"Accept-Language": "zh-CN"},
                                 json={"device_id": "d", "mutations": [report(title="\u202e")]})
    assert "方向" in r.json()["results"][0]["problem"]["detail"]


# --- photos -----------------------------------------------------------------------------------

def _put(api: Api, data: bytes) -> tuple[str, int]:
    sha = hashlib.sha256(data).hexdigest()
    return sha, api.http.put(f"/blobs/{sha}", content=data).status_code


def test_photos_are_readable_only_by_uploader_and_by_scope_of_records_naming_them(apis):
    gw1, gw2 = apis["gw-001"], apis["gw-002"]
    sha, status = _put(gw1, image_bytes("scoped-photo"))
    assert status == 201
    # Uploaded, not yet named: the uploader alone.
    assert gw1.http.get(f"/blobs/{sha}").status_code == 200
    for role in ("gw-002", "village-01", "station-01", "county-admin"):
        assert apis[role].http.get(f"/blobs/{sha}").status_code == 404, role
        assert apis[role].http.head(f"/blobs/{sha}").status_code == 404, role
    assert gw1.push(report(photos=[sha]))[0]["status"] == "applied"
    # Named by a case in grid 1: everyone whose scope holds grid 1, and still not gw-002.
    for role in ("gw-001", "village-01", "station-01", "county-admin"):
        r = apis[role].http.get(f"/blobs/{sha}")
        assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff", role
    assert gw2.http.get(f"/blobs/{sha}").status_code == 404
    # Naming the hash in gw-002's own case does not grant it: rejected like an unknown photo.
    [r] = gw2.push(report(grid=GW2_GRID, photos=[sha]))
    assert r["status"] == "rejected" and r["problem"]["code"] == "photo.not_held"
    assert gw2.http.get(f"/blobs/{sha}").status_code == 404
    # Someone who holds the same photo may upload it too, and then read it.
    assert gw2.http.put(f"/blobs/{sha}", content=image_bytes("scoped-photo")).status_code == 200
    assert gw2.http.get(f"/blobs/{sha}").status_code == 200


def test_a_mutation_naming_a_photo_never_uploaded_is_rejected(apis, gw1_records):
    ghost = hashlib.sha256(b"never uploaded").hexdigest()
    [r] = apis["gw-001"].push(report(photos=[ghost]))
    assert r["status"] == "rejected" and r["problem"]["code"] == "photo.not_held"
    hh, _ = gw1_records
    [r] = apis["gw-001"].push(_mutation("visit.log", {"id": uuid7(), "household_id": hh["id"], "visited_at": now_text(),
                                                      "purpose": "routine", "photos": [ghost]}))
    assert r["status"] == "rejected" and r["problem"]["code"] == "photo.not_held"


@pytest.mark.parametrize("body", [
    b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    b"GIF89a<script>",
    image_bytes("truncated", "JPEG")[:-40],
])
def test_uploads_that_do_not_decode_as_images_are_refused(apis, body):
    sha, status = _put(apis["gw-001"], body)
    assert status == 415
    assert apis["gw-001"].http.get(f"/blobs/{sha}").status_code == 404


def test_every_response_carries_nosniff(live_server, apis):
    assert httpx.get(live_server.url + "/api/v1/health").headers["x-content-type-options"] == "nosniff"
    assert apis["gw-001"].get("/cases/nope").headers["x-content-type-options"] == "nosniff"


# --- references and uniqueness ------------------------------------------------------------------

def test_ids_outside_the_writers_scope_are_rejected_exactly_like_missing_ones(apis, gw1_records):
    hh, person = gw1_records
    gw2 = apis["gw-002"]
    gw2_hh = gw2.get("/households", limit=1).json()["items"][0]

    def problem(r):
        assert r["status"] == "rejected", r
        p = r["problem"]
        return p["code"], p["detail"].replace(hh["id"], "ID").replace(person["id"], "ID").replace("missing-id", "ID")

    # A case in gw-002's own grid naming gw-001's household, or a party who is gw-001's person.
    foreign = problem(gw2.push(report(grid=GW2_GRID, household_id=hh["id"]))[0])
    missing = problem(gw2.push(report(grid=GW2_GRID, household_id="missing-id"))[0])
    assert foreign == missing
    party = {"name": "张三", "person_id": person["id"]}
    foreign = problem(gw2.push(report(grid=GW2_GRID, parties=[party]))[0])
    missing = problem(gw2.push(report(grid=GW2_GRID, parties=[dict(party, person_id="missing-id")]))[0])
    assert foreign == missing
    # A visit in gw-002's household naming gw-001's person.
    def visit(pid):
        return _mutation("visit.log", {"id": uuid7(), "household_id": gw2_hh["id"], "visited_at": now_text(),
                                       "purpose": "routine", "person_ids": [pid]})
    assert problem(gw2.push(visit(person["id"]))[0]) == problem(gw2.push(visit("missing-id"))[0])
    # A person added to gw-001's household; a household headed by gw-001's person.
    p = {"id": uuid7(), "household_id": hh["id"], "name": "李四"}
    assert problem(gw2.push(_mutation("person.upsert", p))[0]) == \
        problem(gw2.push(_mutation("person.upsert", dict(p, household_id="missing-id")))[0])
    h = {"id": uuid7(), "household_no": f"S{uuid7()[-10:]}", "grid_code": GW2_GRID, "head_person_id": person["id"]}
    [r] = gw2.push(_mutation("household.upsert", h))
    assert r["status"] == "rejected" and r["problem"]["errors"][0]["field"] == "head_person_id"
    # Every id-taking read of the other grid's records: 404 like a missing one.
    for path in (f"/households/{hh['id']}", f"/persons/{person['id']}"):
        assert gw2.get(path).status_code == 404


def test_the_same_reference_inside_the_scope_is_accepted(apis, gw1_records):
    hh, person = gw1_records
    m = report(household_id=hh["id"], parties=[{"name": person["name"], "person_id": person["id"]}])
    assert apis["gw-001"].push(m)[0]["status"] == "applied"
    # A village worker above the grid may name them too.
    m = report(household_id=hh["id"])
    assert apis["village-01"].push(m)[0]["status"] == "applied"


def test_uniqueness_refusals_never_reveal_records_outside_the_scope(apis, gw1_records, live_server, tokens):
    hh, person = gw1_records
    admin, gw2 = apis["county-admin"], apis["gw-002"]
    full = admin.get(f"/persons/{person['id']}").json()["id_number"]
    gw2_hh = gw2.get("/households", limit=1).json()["items"][0]
    # gw-002 tries gw-001's resident's ID number, and a number not registered anywhere but
    # held by a record in its own grid: both answers are worded alike, naming no record.
    [r] = gw2.push(_mutation("person.upsert", {"id": uuid7(), "household_id": gw2_hh["id"], "name": "王五",
                                               "id_number": full}))
    assert r["status"] == "rejected"
    assert r["problem"]["code"] == "register.taken_id_number"
    assert "ask the station" in r["problem"]["detail"] and person["id"] not in json.dumps(r)
    [r] = gw2.push(_mutation("household.upsert", {"id": uuid7(), "household_no": hh["household_no"],
                                                  "grid_code": GW2_GRID}))
    assert r["status"] == "rejected" and r["problem"]["code"] == "register.taken_household_no"
    assert hh["id"] not in json.dumps(r) and "ask the station" in r["problem"]["detail"]
    zh = gw2.http.post("/sync/push", headers={"Accept-Language": "zh"}, json={"device_id": "d", "mutations": [
        _mutation("household.upsert", {"id": uuid7(), "household_no": hh["household_no"], "grid_code": GW2_GRID})]})
    assert "综治中心" in zh.json()["results"][0]["problem"]["detail"]


# --- audit trail -------------------------------------------------------------------------------

def _audit(api: Api, **params) -> list[dict]:
    r = api.get("/audit", **params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _new_rows(api: Api, before: int) -> list[dict]:
    return [row for row in _audit(api, limit=1000) if row["id"] > before]


def _top(api: Api) -> int:
    rows = _audit(api, limit=1)
    return rows[0]["id"] if rows else 0


def test_each_admin_read_carrying_full_id_numbers_leaves_exactly_one_row(apis, gw1_records):
    admin = apis["county-admin"]
    _, person = gw1_records
    before = _top(admin)
    assert admin.get(f"/persons/{person['id']}").json()["id_number"].count("*") == 0
    rows = _new_rows(admin, before)
    assert len(rows) == 1 and rows[0]["record_ids"] == [person["id"]]
    assert rows[0]["username"] == "county-admin" and rows[0]["action"] == "person.read_full_id"
    assert rows[0]["client"] == "127.0.0.1" and rows[0]["path"].endswith(person["id"])

    before = _top(admin)
    page = admin.get("/persons", limit=7).json()["items"]
    rows = _new_rows(admin, before)
    assert len(rows) == 1
    assert rows[0]["record_ids"] == [p["id"] for p in page if p["id_number"]]

    # A case whose party carries an ID number, read by the admin: one row naming the case.
    m = report(parties=[{"name": "赵六", "id_number": make_id_number("610822", datetime(1980, 5, 6).date(), 11)}])
    assert apis["gw-001"].push(m)[0]["status"] == "applied"
    before = _top(admin)
    admin.get(f"/cases/{m['payload']['id']}")
    rows = _new_rows(admin, before)
    assert len(rows) == 1 and rows[0]["record_ids"] == [m["payload"]["id"]]


def test_masked_reads_leave_no_row_and_only_admins_read_the_trail(apis, gw1_records):
    from schemas.population import is_sensitive

    admin = apis["county-admin"]
    _, person = gw1_records
    before = _top(admin)
    special = []  # DESIGN 17: a read of a special-population person is audited even masked
    for role in ("gw-001", "village-01", "station-01"):
        one = apis[role].get(f"/persons/{person['id']}").json()
        assert "*" in one["id_number"]
        page = apis[role].get("/persons", limit=20).json()["items"]
        changes = apis[role].get("/sync/pull", limit=50).json()["changes"]
        for people in ([one], page, [c["data"] for c in changes if c["entity"] == "person"]):
            named = [p["id"] for p in people if p and is_sensitive(p)]
            if named:
                special.append((role, named))
    rows = _new_rows(admin, before)
    assert sorted((r["username"], r["record_ids"]) for r in rows) == sorted(special)
    assert all(r["action"] == "person.special.read" for r in rows)
    for role in ("gw-001", "gw-002", "village-01", "station-01"):
        assert apis[role].get("/audit").status_code == 403
        assert apis[role].get("/persons", reveal="true").status_code == 403


def test_a_revealed_export_page_and_an_admin_pull_each_leave_one_row(apis):
    admin = apis["county-admin"]
    before = _top(admin)
    page = admin.get("/households", limit=5, reveal="true").json()["items"]
    rows = _new_rows(admin, before)
    assert len(rows) == 1 and rows[0]["action"] == "household.export_reveal"
    assert rows[0]["record_ids"] == [h["id"] for h in page]
    before = _top(admin)
    changes = admin.get("/sync/pull", limit=300).json()["changes"]
    rows = _new_rows(admin, before)
    carried = [c["id"] for c in changes if c["entity"] == "person" and c["data"] and c["data"]["id_number"]]
    assert carried and len(rows) == 1 and set(carried) <= set(rows[0]["record_ids"])


def test_audit_filters_by_user_and_since_and_pages(apis, gw1_records):
    admin = apis["county-admin"]
    _, person = gw1_records
    for _ in range(3):
        admin.get(f"/persons/{person['id']}")
    rows = _audit(admin, user="county-admin", limit=2)
    assert len(rows) == 2 and all(r["username"] == "county-admin" for r in rows)
    nxt = admin.get("/audit", user="county-admin", limit=2).json()["next_cursor"]
    older = admin.get("/audit", user="county-admin", limit=2, cursor=nxt).json()["items"]
    assert older and older[0]["id"] < rows[-1]["id"]
    assert _audit(admin, user="gw-001") == []
    assert _audit(admin, since="2999-01-01") == []
    assert admin.get("/audit", since="'").status_code == 422
    assert admin.get("/audit", cursor=_b64(["x"])).status_code == 400


def test_the_audit_hook_for_special_populations(tmp_path):
    """Other modules call audit(conn, user, action, ids, request): one row each."""
    from sqlalchemy import select

    from server import migrate
    from server.db import audit_log, make_engine
    from server.services.audit import audit

    engine = make_engine(f"sqlite:///{tmp_path}/a.db")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        audit(conn, {"username": "village-01"}, "person.special.read", ["p1", "p2"], None)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log)).all()
    assert len(rows) == 1 and json.loads(rows[0].record_ids) == ["p1", "p2"] and rows[0].username == "village-01"
