"""Every read of a special-population person is audited (DESIGN 14, 17): a person read, a list and
a pull that carry one each write an audit row naming them; reads of other people write none."""

from __future__ import annotations

import pytest

from schemas.ids import uuid7
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, now_text


def _m(mtype: str, payload: dict) -> dict:
    return {"id": uuid7(), "type": mtype, "created_at": now_text(), "payload": payload}


def test_reads_of_special_populations_are_audited(server_factory):
    try:
        import server.services.audit  # noqa: F401
    except ImportError:
        pytest.skip("the audit trail (DESIGN 14) is not in this tree yet")
    server = server_factory()
    gw1 = Api(server.url, token_for(server.url, "gw-001"))
    admin = Api(server.url, token_for(server.url, "county-admin"))
    hid, special, plain = uuid7(), uuid7(), uuid7()
    results = gw1.push(_m("household.upsert", {"id": hid, "household_no": "AUD-R17-1", "grid_code": GW1_GRID}),
                       _m("person.upsert", {"id": special, "household_id": hid, "name": "甲", "tags": ["drug_user"]}),
                       _m("person.upsert", {"id": plain, "household_id": hid, "name": "乙", "tags": ["veteran"]}))
    assert [r["status"] for r in results] == ["applied"] * 3

    def rows_naming(pid: str) -> list[dict]:
        items = admin.get("/audit", user="gw-001", limit=1000).json()["items"]
        return [i for i in items if pid in i["record_ids"]]

    before = len(rows_naming(special))
    assert gw1.get(f"/persons/{special}").status_code == 200
    assert gw1.get("/persons", household=hid).status_code == 200
    gw1.pull_all()
    after = rows_naming(special)
    assert len(after) - before == 3
    assert {r["action"] for r in after} >= {"person.special.read"}
    gw1.get(f"/persons/{plain}")
    assert rows_naming(plain) == []
