"""The register over time on the server (DESIGN 17), over HTTP: person.upsert carrying a status
keeps the record and writes its history; visit coverage counts active people only and severe
mental disorder by risk level; the history of someone outside one's scope is not found."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from schemas.ids import uuid7
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, now_text


def _m(mtype: str, payload: dict, base_version: int | None = None) -> dict:
    return {"id": uuid7(), "type": mtype, "created_at": now_text(), "base_version": base_version, "payload": payload}


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    from tests.conftest import LiveServer

    server = LiveServer(tmp_path_factory.mktemp("register") / "register.db").start()
    yield server
    server.stop()


def _coverage(api: Api, tag: str) -> dict:
    overview = api.get("/stats/overview", division=GW1_GRID[:9]).json()
    return next(c for c in overview["visit_coverage"] if c["tag"] == tag)


def _index_coverage(api: Api) -> list[int]:
    """[visited, people] of the visit-coverage component of gw-001's grid in this month's index."""
    body = api.get("/stats/index", division=GW1_GRID[:9], level="grid").json()
    row = next(r for r in body["items"] if r["code"] == GW1_GRID)
    counts = row["counts"].get("visit_coverage", {"numerator": 0, "denominator": 0})
    return [counts["numerator"], counts["denominator"]]


def test_coverage_counts_active_people_and_severe_mental_by_risk(town):
    gw1 = Api(town.url, token_for(town.url, "gw-001"))
    station = Api(town.url, token_for(town.url, "station-01"))
    before = _coverage(station, "severe_mental")
    index_before = _index_coverage(station)
    hid = uuid7()
    assert gw1.push(_m("household.upsert", {"id": hid, "household_no": "SRV-R17-1", "grid_code": GW1_GRID,
                                            "address": "府兴路40号"}))[0]["status"] == "applied"
    people = {name: uuid7() for name in ("high", "low", "gone")}
    for name, risk in (("high", 4), ("low", 1), ("gone", 1)):
        r = gw1.push(_m("person.upsert", {"id": people[name], "household_id": hid, "name": f"测试{name}",
                                          "tags": ["severe_mental"], "risk_level": risk}))[0]
        assert r["status"] == "applied", r
    r = gw1.push(_m("person.upsert", {"id": people["gone"], "household_id": hid, "name": "测试gone",
                                      "tags": ["severe_mental"], "status": "moved_out", "moved_to": "榆林市",
                                      "status_date": "2026-11-01"}, base_version=1))[0]
    assert r["status"] == "applied", r
    visited = (datetime.now(timezone.utc) - timedelta(days=20)).isoformat(timespec="seconds")
    r = gw1.push(_m("visit.log", {"id": uuid7(), "household_id": hid, "visited_at": visited, "purpose": "key_person"}))[0]
    assert r["status"] == "applied", r

    after = _coverage(station, "severe_mental")
    # Two active people (the one who moved out is not counted); visited 20 days ago covers the
    # quarterly low-risk person, not the high-risk one due every 14 days.
    assert after["people"] - before["people"] == 2
    assert after["visited"] - before["visited"] == 1
    # The governance index counts them by the same rule as the overview.
    index_after = _index_coverage(station)
    assert [a - b for a, b in zip(index_after, index_before)] == [1, 2]

    gone = gw1.get(f"/persons/{people['gone']}").json()
    assert (gone["status"], gone["moved_to"], gone["status_date"], gone["risk_level"]) == (
        "moved_out", "榆林市", "2026-11-01", 1)
    history = gw1.get(f"/persons/{people['gone']}/history").json()
    assert [h["kind"] for h in history] == ["created", "moved_out"]
    assert history[1]["changes"]["status"] == ["active", "moved_out"]

    # Outside one's scope the history is not found, exactly like a missing person.
    gw2 = Api(town.url, token_for(town.url, "gw-002"))
    assert gw2.get(f"/persons/{people['gone']}/history").status_code == 404
    assert gw2.get(f"/persons/{uuid7()}/history").status_code == 404


def test_bad_life_fields_are_refused_with_the_field_named(town):
    gw1 = Api(town.url, token_for(town.url, "gw-001"))
    hid = uuid7()
    gw1.push(_m("household.upsert", {"id": hid, "household_no": "SRV-R17-2", "grid_code": GW1_GRID, "address": "x"}))
    cases = [({"status": "moved_out"}, "moved_to"), ({"status": "gone"}, "status"),
             ({"tags": ["severe_mental"], "risk_level": 6}, "risk_level"),
             # DESIGN 14's text and date rules hold for the life fields too.
             ({"status": "moved_out", "moved_to": "榆林\u202e市"}, "moved_to"),
             ({"status": "deceased", "status_date": "1850-01-01"}, "status_date"),
             ({"status": "deceased", "status_date": "2999-01-01"}, "status_date")]
    for extra, field in cases:
        r = gw1.push(_m("person.upsert", {"id": uuid7(), "household_id": hid, "name": "某人", **extra}))[0]
        assert r["status"] == "rejected", (extra, r)
        assert field in r["problem"]["detail"], (extra, r["problem"])
