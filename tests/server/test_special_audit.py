"""Every read of a special-population person is audited (DESIGN 14, 17): each response that
carries one — a person read, a list, a pull, a history — leaves exactly one audit row naming
them, whoever reads (grid worker, village, station, admin); an admin's read that also carries
full ID numbers is still one row. Reads of other people leave none."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.ids import uuid7
from schemas.validators import make_id_number
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, now_text


def _m(mtype: str, payload: dict) -> dict:
    return {"id": uuid7(), "type": mtype, "created_at": now_text(), "payload": payload}


@pytest.fixture()
def people(server_factory):
    server = server_factory()
    gw1 = Api(server.url, token_for(server.url, "gw-001"))
    hid, special, plain = uuid7(), uuid7(), uuid7()
    results = gw1.push(_m("household.upsert", {"id": hid, "household_no": "AUD-R17-1", "grid_code": GW1_GRID}),
                       _m("person.upsert", {"id": special, "household_id": hid, "name": "甲", "tags": ["drug_user"],
                                            "id_number": make_id_number("610822", date(1990, 1, 2), 57)}),
                       _m("person.upsert", {"id": plain, "household_id": hid, "name": "乙", "tags": ["veteran"]}))
    assert [r["status"] for r in results] == ["applied"] * 3
    return server, hid, special, plain


def _top(admin: Api) -> int:
    items = admin.get("/audit", limit=1).json()["items"]
    return items[0]["id"] if items else 0


def _rows_since(admin: Api, before: int) -> list[dict]:
    return [r for r in admin.get("/audit", limit=1000).json()["items"] if r["id"] > before]


@pytest.mark.parametrize("username", ["gw-001", "village-01", "station-01", "county-admin"])
def test_each_read_of_a_special_population_person_leaves_exactly_one_row(people, username):
    server, hid, special, plain = people
    admin = Api(server.url, token_for(server.url, "county-admin"))
    reader = Api(server.url, token_for(server.url, username))
    reads = [lambda: reader.get(f"/persons/{special}"), lambda: reader.get("/persons", household=hid),
             lambda: reader.get(f"/persons/{special}/history"), lambda: reader.get("/sync/pull", limit=5000)]
    for read in reads:
        before = _top(admin)
        assert read().status_code == 200
        rows = [r for r in _rows_since(admin, before) if r["username"] == username]
        assert len(rows) == 1, rows
        assert special in rows[0]["record_ids"]
        if username != "county-admin":
            # Masked reads: the row names special-population people alone (a pull carries the
            # demo's too), never 乙.
            assert plain not in rows[0]["record_ids"]
            assert rows[0]["action"].startswith("person.special.")
        elif read is reads[0]:
            # The admin's read carries 甲's full ID number too: still the one row, naming 甲 once.
            assert rows[0]["record_ids"] == [special] and rows[0]["action"] == "person.read_full_id"
    # A read of someone else (no special population, no ID number to reveal) leaves none.
    before = _top(admin)
    assert reader.get(f"/persons/{plain}").status_code == 200
    assert [r for r in _rows_since(admin, before) if r["username"] == username] == []


def test_a_unit_user_reads_none_of_them_and_leaves_no_row(people):
    server, hid, special, _plain = people
    admin = Api(server.url, token_for(server.url, "county-admin"))
    unit = Api(server.url, token_for(server.url, "unit-zjj"))
    before = _top(admin)
    assert unit.get(f"/persons/{special}").status_code == 404
    assert unit.get("/persons", household=hid).json()["items"] == []
    assert unit.get(f"/persons/{special}/history").status_code == 404
    assert not any(c["entity"] == "person" for c in unit.pull_all())
    assert [r for r in _rows_since(admin, before) if r["username"] == "unit-zjj"] == []
