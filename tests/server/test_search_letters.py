"""Search ignores case for every letter, not only ASCII (DESIGN 13), on SQLite and PostgreSQL.

Chinese addresses are full of full-width Latin letters (３号楼Ａ座), and names of foreign
residents carry accents. SQLite's lower() folds ASCII only, so before the fix a search for the
very text stored (Ａ座, ÉMILE) found nothing on SQLite, while PostgreSQL found it.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from schemas.validators import make_id_number

from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api, report

GRID = GW1_GRID


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.conftest import LiveServer

    live = LiveServer(tmp_path_factory.mktemp("letters") / "server.db").start()
    token = token_for(live.url, "county-admin")
    rows = [
        {"household_no": "ＨＰ-9", "grid_code": GRID, "address": "和平路３号楼Ａ座", "name": "Émile Zola",
         "relation_to_head": "户主", "id_number": make_id_number("610822", date(1980, 5, 1), 13)},
        {"household_no": "Ω-7", "grid_code": GRID, "address": "和平路４号楼Ｂ座", "name": "Ωmega Ōno",
         "relation_to_head": "户主", "id_number": make_id_number("610822", date(1981, 6, 2), 15)},
    ]
    r = httpx.post(f"{live.url}/api/v1/import/persons", json={"rows": rows},
                   headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    [made] = Api(live.url, token_for(live.url, "gw-001")).push(report(title="３号楼Ａ座楼道堆物 Éclair"))
    assert made["status"] == "applied", made
    yield live
    live.close()


def items(server, path: str, **params) -> list[dict]:
    r = Api(server.url, token_for(server.url, "gw-001")).get(path, **params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


@pytest.mark.parametrize("q", ["３号楼Ａ座", "３号楼ａ座", "ａ座", "ＨＰ-9", "ｈｐ-9"])
def test_households_by_full_width_letters_in_either_case(server, q):
    assert [h["household_no"] for h in items(server, "/households", q=q)] == ["ＨＰ-9"]


@pytest.mark.parametrize("q, name", [("Émile", "Émile Zola"), ("émile", "Émile Zola"), ("ÉMILE ZOLA", "Émile Zola"),
                                     ("ωMEGA", "Ωmega Ōno"), ("ōno", "Ωmega Ōno"), ("ω-7", "Ωmega Ōno")])
def test_persons_by_accented_and_greek_letters_in_either_case(server, q, name):
    assert [p["name"] for p in items(server, "/persons", q=q)] == [name]


@pytest.mark.parametrize("q", ["３号楼Ａ座", "ａ座楼道", "éCLAIR"])
def test_cases_by_letters_outside_ascii_in_either_case(server, q):
    assert [c["title"] for c in items(server, "/cases", q=q)] == ["３号楼Ａ座楼道堆物 Éclair"]


def test_chinese_and_ascii_searches_still_find_what_they_did(server):
    assert [h["household_no"] for h in items(server, "/households", q="和平路４号")] == ["Ω-7"]
    assert [p["name"] for p in items(server, "/persons", q="zola")] == ["Émile Zola"]
    assert items(server, "/households", q="%Ａ") == []  # still literal
