"""household.upsert / person.upsert over real HTTP: create, update with base_version, scope, and a
household moving to another grid — its people follow and the old grid's feed says goodbye."""

from __future__ import annotations

from schemas.ids import uuid7
from tests.server.helpers import GW1_GRID, GW2_GRID, Api, now_text


def _upsert(kind: str, payload: dict, base_version: int | None = None) -> dict:
    return {"id": uuid7(), "type": f"{kind}.upsert", "created_at": now_text(), "base_version": base_version,
            "payload": payload}


def _pull_from(api: Api, cursor: str) -> tuple[list[dict], str]:
    changes = []
    while True:
        page = api.get("/sync/pull", cursor=cursor, limit=1000).json()
        assert not page["reset"]
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


def _latest(changes: list[dict]) -> dict[tuple[str, str], dict]:
    out = {}
    for c in changes:  # server order: a later change of the same record wins
        out[(c["entity"], c["id"])] = c
    return out


def test_household_moving_grid_takes_its_people_and_tombstones_the_old_grid(live_server, tokens):
    village = Api(live_server.url, tokens("village-01"))
    gw1, gw2 = Api(live_server.url, tokens("gw-001")), Api(live_server.url, tokens("gw-002"))
    hh = {"id": uuid7(), "household_no": f"T{uuid7()[-12:]}", "grid_code": GW1_GRID, "address": "府兴路3号"}
    person = {"id": uuid7(), "household_id": hh["id"], "name": "王秀英", "sex": "female", "tags": ["elderly_alone"]}
    assert [r["status"] for r in village.push(_upsert("household", hh), _upsert("person", person))] == ["applied"] * 2

    cursors = {}
    for name, api in (("gw1", gw1), ("gw2", gw2), ("village", village)):
        cursors[name] = api.get("/sync/pull", limit=1).json()["cursor"]
    gw1_before = _latest(_pull_from(gw1, "0." + cursors["gw1"].partition(".")[2])[0])
    assert not gw1_before[("household", hh["id"])]["deleted"] and not gw1_before[("person", person["id"])]["deleted"]

    # Stale base version: conflict with the current household, nothing changed.
    [r] = village.push(_upsert("household", {**hh, "address": "旧地址"}, base_version=7))
    assert r["status"] == "conflict" and r["current"]["address"] == "府兴路3号"

    [r] = village.push(_upsert("household", {**hh, "grid_code": GW2_GRID}, base_version=1))
    assert (r["status"], r["version"]) == ("applied", 2)

    seen = {name: _latest(_pull_from(api, cursors[name])[0])
            for name, api in (("gw1", gw1), ("gw2", gw2), ("village", village))}
    # gw-001 covers only the old grid: both records arrive as tombstones.
    assert seen["gw1"][("household", hh["id"])]["deleted"] and seen["gw1"][("person", person["id"])]["deleted"]
    # gw-002 and village-01 see both records live in the new grid, the person at a new version.
    for name in ("gw2", "village"):
        h, p = seen[name][("household", hh["id"])], seen[name][("person", person["id"])]
        assert not h["deleted"] and h["data"]["grid_code"] == GW2_GRID
        assert not p["deleted"] and p["data"]["grid_code"] == GW2_GRID and p["version"] == 2
    assert gw1.get(f"/households/{hh['id']}").status_code == 404
    assert gw1.get(f"/persons/{person['id']}").status_code == 404
    assert gw2.get(f"/persons/{person['id']}").json()["name"] == "王秀英"

    # Moving back removes the tombstone under GW1 and leaves one under GW2.
    [r] = village.push(_upsert("household", {**hh, "grid_code": GW1_GRID}, base_version=2))
    assert r["status"] == "applied"
    latest_gw2 = _latest(_pull_from(gw2, cursors["gw2"])[0])
    assert latest_gw2[("household", hh["id"])]["deleted"]
    latest_gw1 = _latest(_pull_from(gw1, "0." + cursors["gw1"].partition(".")[2])[0])
    assert not latest_gw1[("household", hh["id"])]["deleted"]
    assert latest_gw1[("person", person["id"])]["data"]["version"] == 3


def test_a_gridworker_cannot_write_the_register_of_another_grid(live_server, tokens):
    gw1, gw2 = Api(live_server.url, tokens("gw-001")), Api(live_server.url, tokens("gw-002"))
    hh = {"id": uuid7(), "household_no": f"T{uuid7()[-12:]}", "grid_code": GW1_GRID}
    assert gw1.push(_upsert("household", hh))[0]["status"] == "applied"
    # Into a grid outside the scope: rejected, naming grid_code.
    [r] = gw2.push(_upsert("household", {**hh, "id": uuid7(), "household_no": "X" + hh["household_no"],
                                          "grid_code": GW1_GRID}))
    assert r["status"] == "rejected" and r["problem"]["errors"][0]["field"] == "grid_code"
    # Taking gw-001's household into gw-002's grid: answered like a missing household.
    [r] = gw2.push(_upsert("household", {**hh, "grid_code": GW2_GRID}))
    assert r["status"] == "rejected" and r["problem"]["status"] == 404
    # A person into gw-001's household.
    [r] = gw2.push(_upsert("person", {"id": uuid7(), "household_id": hh["id"], "name": "李四"}))
    assert r["status"] == "rejected" and r["problem"]["errors"][0]["field"] == "household_id"
    assert gw1.get(f"/households/{hh['id']}").json()["grid_code"] == GW1_GRID
