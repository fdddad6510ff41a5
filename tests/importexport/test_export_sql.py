"""The persons export builds each wire row in the database (JSON and masking in SQL, for speed);
other databases take the same rows from Python (``_person_rows``). Both must send exactly the same
rows, and the Python one masks with ``schemas.validators`` itself: so the SQL masking is held to
the validators here, on awkward values, on whichever database the suite runs (SQLite or PostgreSQL).
"""

from __future__ import annotations

import json

import pytest

from schemas.validators import mask_id_number, mask_phone
from server.services import exports
from tests.conftest import LiveServer

ODD = [
    # (id_number, phone, tags, key_person_type, risk_level, name, address)
    (None, None, "[]", None, None, "无号", None),
    ("", "", '["severe_mental"]', "mental_disorder", 4, "空号", ""),
    ("12345", "12345", '["left_behind_elderly","drug_user","disabled"]', "drug_user", None, 'A "quoted", name', "路\n1号"),
    ("6108**********123X", "138****5678", '["drug_user","key_youth"]', None, 2, "已遮", "地址,逗号"),
    ("610822900101123", "02912345678", '["low_income"]', None, None, "旧证", "x"),
    ("61082219900101123X", "0291234567", '["veteran","released_prisoner"]', "released_prisoner", None, "Ünï", "ü"),
    ("61082219900101124x", "12345678", '["elderly_alone"]', None, None, "tab\there", None),
    ("61082219900101125X", "12812345678", "[]", None, None, "n", None),
    ("61082219900101126X", "13812345678", '["extreme_poverty","community_correction","key_petitioner"]', None, 0,
     "m", None),
]


@pytest.fixture(scope="module")
def odd_db(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("export-sql") / "server.db").start()
    try:
        db = server.db
        ids = [r[0] for r in db.rows("SELECT id FROM persons ORDER BY grid_code, id LIMIT :n", n=len(ODD))]
        assert len(ids) == len(ODD)
        for pid, (idn, phone, tags, kpt, risk, name, address) in zip(ids, ODD):
            db.execute("UPDATE persons SET id_number = :idn, phone = :phone, tags = :tags, key_person_type = :kpt, "
                       "risk_level = :risk, name = :name WHERE id = :id", idn=idn, phone=phone, tags=tags, kpt=kpt,
                       risk=risk, name=name, id=pid)
            db.execute("UPDATE households SET address = :address WHERE id = (SELECT household_id FROM persons "
                       "WHERE id = :id)", address=address, id=pid)
        yield db
    finally:
        server.close()


def _export(db, user: dict, reveal: bool, in_sql: bool, grid: str | None = None, **filters):
    saved = exports.JSON_DIALECTS
    exports.JSON_DIALECTS = saved if in_sql else ()
    try:
        sent: list[str] = []
        lines = list(exports.stream(db.engine(), user, "persons", grid=grid, reveal=reveal, sent=sent,
                                    filters=filters))
    finally:
        exports.JSON_DIALECTS = saved
    head, *chunks, tail = [json.loads(line) for line in lines]
    rows = [row for chunk in chunks for row in chunk]
    assert head == {"columns": exports.COLUMNS["persons"], "filters": sorted(filters)}
    assert tail == {"rows": len(rows)}
    return rows, sent


ADMIN = {"role": "admin", "scope": ["610822"], "username": "county-admin"}
STATION = {"role": "station", "scope": ["610822100"], "username": "station-01"}


@pytest.mark.parametrize("user,reveal", [(ADMIN, True), (ADMIN, False), (STATION, False)],
                         ids=["admin-reveal", "admin-masked", "station"])
def test_rows_made_in_sql_equal_the_python_rows(odd_db, user, reveal):
    assert odd_db.engine().dialect.name in exports.JSON_DIALECTS
    in_sql, sent = _export(odd_db, user, reveal, in_sql=True)
    in_python, sent_python = _export(odd_db, user, reveal, in_sql=False)
    assert len(in_sql) > len(ODD)
    assert in_sql == in_python
    assert sent == sent_python == [row[exports.COLUMNS["persons"].index("id")] for row in in_sql]


def test_the_odd_values_are_masked_as_the_validators_say(odd_db):
    rows, _ = _export(odd_db, ADMIN, reveal=False, in_sql=True)
    cols = exports.COLUMNS["persons"]
    col = {c: cols.index(c) for c in cols}
    by_name = {row[col["name"]]: row for row in rows}
    for idn, phone, tags, _kpt, _risk, name, _address in ODD:
        row = by_name[name]
        assert row[col["id_number"]] == mask_id_number(idn)
        assert row[col["phone"]] == (mask_phone(phone) if phone else phone)
        assert row[col["tags"]] == [t for t in json.loads(tags) if t not in exports.SENSITIVE_TAGS]
        assert row[col["key_person_type"]] is None and row[col["risk_level"]] is None
    # spot checks, so that the rule itself is pinned and not only the agreement of two copies
    assert by_name["旧证"][col["id_number"]] == "6108*******1123"
    assert by_name["旧证"][col["phone"]] == "0291***5678"
    assert by_name["m"][col["phone"]] == "138****5678"
    assert by_name["n"][col["phone"]] == "1281***5678"
    assert by_name['A "quoted", name'][col["phone"]] == "*****"
    assert by_name['A "quoted", name'][col["tags"]] == ["left_behind_elderly", "disabled"]
    assert by_name["空号"][col["tags"]] == []
    # households share addresses: the last one written to each stands (quotes, newlines, commas)
    assert {"路\n1号", "地址,逗号"} & {row[col["address"]] for row in rows}


def test_revealed_rows_carry_everything(odd_db):
    rows, _ = _export(odd_db, ADMIN, reveal=True, in_sql=True)
    cols = exports.COLUMNS["persons"]
    col = {c: cols.index(c) for c in cols}
    by_name = {row[col["name"]]: row for row in rows}
    for idn, phone, tags, kpt, risk, name, _address in ODD:
        row = by_name[name]
        assert (row[col["id_number"]], row[col["phone"]]) == (idn, phone)
        assert row[col["tags"]] == json.loads(tags)
        assert (row[col["key_person_type"]], row[col["risk_level"]]) == (kpt, risk)


def test_a_grid_filter_and_a_scope_narrow_the_rows_alike(odd_db):
    grid = "610822100200001"
    in_sql, _ = _export(odd_db, STATION, False, in_sql=True, grid=grid)
    in_python, _ = _export(odd_db, STATION, False, in_sql=False, grid=grid)
    assert in_sql == in_python and in_sql
    assert {row[1] for row in in_sql} == {grid}
    outside, _ = _export(odd_db, {"role": "gridworker", "scope": ["610822203"]}, False, in_sql=True, grid=grid)
    assert outside == []


def test_the_list_filters_narrow_both_ways_alike(odd_db):
    col = exports.COLUMNS["persons"]
    everyone, _ = _export(odd_db, ADMIN, True, in_sql=True)
    for filters in ({"q": "quoted"}, {"tag": "drug_user"}, {"q": "6108", "tag": "veteran"},
                    {"household": everyone[3][col.index("household_id")]}):
        in_sql, _ = _export(odd_db, ADMIN, True, in_sql=True, **filters)
        in_python, _ = _export(odd_db, ADMIN, True, in_sql=False, **filters)
        assert in_sql == in_python, filters
        assert 0 < len(in_sql) < len(everyone), filters
    tagged, _ = _export(odd_db, ADMIN, True, in_sql=True, tag="drug_user")
    assert {row[col.index("name")] for row in tagged} == {'A "quoted", name', "已遮"}
