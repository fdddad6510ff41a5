"""A death or move out dated before the person was born was accepted (found by hand: 孙华, born
2004-06-12, recorded as deceased on 1950-01-01). The CLI refuses it naming --date, the worker
TUI through the same core operation, and the server refuses such a person.upsert from any client."""

from __future__ import annotations

import pytest

from schemas.ids import uuid7
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, now_text


@pytest.fixture()
def person(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    for args in (("household", "add", "--grid", GW1_GRID, "--household-no", "DATE-0001", "--address", "府兴路60号"),
                 ("person", "add", "DATE-0001", "--name", "孙华", "--relation", "head", "--birth-date", "2004-06-12")):
        r = cli(*args, "-o", "json")
        assert r.code == 0, r.err
    return server, r.json()


@pytest.mark.parametrize("command", [("decease",), ("move-out", "--to", "榆林市")])
def test_a_date_before_birth_is_refused_naming_the_flag(cli, person, command):
    server, p = person
    r = cli("person", *command, p["id"], "--date", "1950-01-01")
    assert r.code == 2, (r.code, r.out, r.err)
    assert "2004-06-12" in r.err and "--date" in r.err, r.err
    assert "Traceback" not in r.err
    on_server = Api(server.url, token_for(server.url, "gw-001")).get(f"/persons/{p['id']}").json()
    assert on_server["status"] == "active"
    r = cli("person", *command, p["id"], "--date", "2004-06-12", "-o", "json")  # the day of birth itself: possible
    assert r.code == 0, r.err


def test_the_server_refuses_a_status_date_before_birth(person):
    server, p = person
    api = Api(server.url, token_for(server.url, "gw-001"))
    stored = api.get(f"/persons/{p['id']}").json()
    results = api.push({"id": uuid7(), "type": "person.upsert", "created_at": now_text(), "base_version": stored["version"],
                        "payload": {"id": p["id"], "status": "deceased", "status_date": "1950-01-01"}})
    assert results[0]["status"] == "rejected", results
    assert "2004-06-12" in results[0]["problem"]["detail"], results[0]["problem"]
    assert api.get(f"/persons/{p['id']}").json()["status"] == "active"
