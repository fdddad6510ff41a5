"""POST /api/v1/import/{kind} on a real server: every kind, labels, errors, dry runs, re-runs.

One fresh small-demo server for the module (imports change the register, so not the session's).
"""

from __future__ import annotations

import time
from datetime import date

import httpx
import pytest

from schemas.validators import make_id_number
from tests.conftest import LiveServer, token_for

GRID_1 = "610822100200001"
GRID_2 = "610822100200002"


def idn(year: int, seq: int, month: int = 5, day: int = 6) -> str:
    return make_id_number("610822", date(year, month, day), seq)


class Admin:
    def __init__(self, server: LiveServer, username: str = "county-admin", password: str = "demo-pass") -> None:
        self.server = server
        token = token_for(server.url, username, password)
        self.http = httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {token}"},
                                 timeout=60)

    def post(self, kind: str, rows: list, dry_run: bool = False, **headers) -> httpx.Response:
        return self.http.post(f"/import/{kind}", params={"dry_run": "true"} if dry_run else {}, json={"rows": rows},
                              headers=headers)

    def ok(self, kind: str, rows: list, dry_run: bool = False, **headers) -> dict:
        r = self.post(kind, rows, dry_run, **headers)
        assert r.status_code == 200, r.text
        return r.json()

    def ok_body(self, kind: str, body: dict) -> dict:
        r = self.http.post(f"/import/{kind}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def count(self, sql: str, *params) -> int:
        with self.server.db.connect() as db:
            return db.execute(sql, params).fetchone()[0]


def summary(result: dict) -> tuple:
    return result["created"], result["updated"], result["unchanged"], result["rejected"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("imports") / "imports.db").start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def admin(server):
    return Admin(server)


def test_only_an_admin_may_import(server):
    for username in ("gw-001", "village-01", "station-01"):
        r = Admin(server, username).post("persons", [])
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "forbidden"
    assert httpx.post(server.url + "/api/v1/import/persons", json={"rows": []}).status_code == 401


def test_divisions_parent_must_exist_or_come_earlier(admin):
    rows = [{"code": "610822104", "name": "新建镇"},            # parent: the county, exists
            {"code": "610822104201", "name": "新村"},           # parent: the row above
            {"code": "610822104201001", "name": "新村第1网格"},
            {"code": "610822105001", "name": "孤儿社区"},       # parent town 610822105 exists nowhere
            {"code": "610822104202001", "name": "早到的网格"},  # parent comes later: an error
            {"code": "610822104202", "name": "后来的村"},
            {"code": "6108221", "name": "坏编码"},
            {"code": "610823", "name": "别的县"}]                # outside the admin's county
    r = admin.ok("divisions", rows)
    assert summary(r) == (4, 0, 0, 4)
    errors = {e["index"]: e for e in r["errors"]}
    assert errors[3]["code"] == "import.parent_missing" and "610822105" in errors[3]["message"]
    assert errors[4]["code"] == "import.parent_missing" and errors[4]["field"] == "code"
    assert errors[6]["field"] == "code" and "6, 9, 12 or 15" in errors[6]["message"]
    assert errors[7]["code"] == "import.outside_scope"
    assert r["created_indexes"] == [0, 1, 2, 5]
    assert admin.count("SELECT level FROM divisions WHERE code = '610822104201'") == "village"
    assert summary(admin.ok("divisions", rows[:3])) == (0, 0, 3, 0)
    renamed = admin.ok("divisions", [{"code": "610822104", "name": "新建街道"}])
    assert summary(renamed) == (0, 1, 0, 0)


def test_grids_with_kind_labels(admin):
    rows = [{"code": "610822100200006", "name": "前进村第6网格", "kind": "专属网格"},
            {"code": "610822100200007", "name": "前进村第7网格"},
            {"code": "610822100200", "name": "不是网格"},
            {"code": "610822100200008", "name": "前进村第8网格", "kind": "大网格"}]
    r = admin.ok("grids", rows)
    assert summary(r) == (2, 0, 0, 2)
    assert {e["index"]: e["field"] for e in r["errors"]} == {2: "code", 3: "kind"}
    assert "basic" in r["errors"][1]["message"]  # the choices are listed
    assert admin.count("SELECT kind FROM divisions WHERE code = '610822100200006'") == "dedicated"
    assert admin.count("SELECT kind FROM divisions WHERE code = '610822100200007'") == "basic"
    rows[1]["kind"] = "dedicated"
    assert summary(admin.ok("grids", rows[:2])) == (0, 1, 1, 0)


def test_users_get_an_initial_password_once(admin, server):
    rows = [{"username": "gw-new-1", "display_name": "新网格员", "role": "网格员", "scope": GRID_1, "phone": "13912345678"},
            {"username": "st-new", "display_name": "新站员", "role": "station", "scope": "610822100", "password": "given-pass-1"},
            {"username": "bad user", "display_name": "坏", "role": "gridworker", "scope": GRID_1},
            {"username": "gw-new-2", "display_name": "无区划", "role": "gridworker", "scope": "610822100299001"},
            {"username": "gw-new-3", "display_name": "坏角色", "role": "boss", "scope": GRID_1}]
    r = admin.ok("users", rows)
    assert summary(r) == (2, 0, 0, 3)
    assert set(r["passwords"]) == {"gw-new-1"}  # a given password is not echoed
    errors = {e["index"]: (e["field"], e["code"]) for e in r["errors"]}
    assert errors == {2: ("username", "row.username"), 3: ("scope", "import.division_unknown"),
                      4: ("role", "row.unknown_choice")}
    me = Admin(server, "gw-new-1", r["passwords"]["gw-new-1"]).http.get("/me").json()
    assert (me["role"], me["scope"]) == ("gridworker", [GRID_1])
    assert Admin(server, "st-new", "given-pass-1").http.get("/me").json()["role"] == "station"
    again = admin.ok("users", rows[:2])
    assert summary(again) == (0, 0, 2, 0) and "passwords" not in again
    moved = admin.ok("users", [dict(rows[0], scope=f"{GRID_1}|{GRID_2}")])
    assert summary(moved) == (0, 1, 0, 0)
    # The account keeps its password across the update.
    assert Admin(server, "gw-new-1", r["passwords"]["gw-new-1"]).http.get("/me").json()["scope"] == [GRID_1, GRID_2]


def test_households_created_matched_and_moved_with_their_people(admin):
    rows = [{"household_no": "HH-1", "grid_code": GRID_1, "address": "府兴路1号", "lat": "39.1", "lon": "111.2"},
            {"household_no": "HH-2", "grid_code": GRID_1, "address": "府兴路2号"},
            {"household_no": "HH-3", "grid_code": "610822100200099", "address": "不存在的网格"},
            {"household_no": "HH-4", "grid_code": GRID_1, "lat": "north"},
            {"household_no": "HH-1", "grid_code": GRID_1, "address": "重复"}]
    r = admin.ok("households", rows)
    assert summary(r) == (2, 0, 0, 3)
    assert [(e["index"], e["field"], e["code"]) for e in r["errors"]] == [
        (2, "grid_code", "import.grid_unknown"), (3, "lat", "row.number"), (4, "household_no", "import.duplicate")]
    person = {"household_no": "HH-2", "grid_code": GRID_1, "name": "住户甲", "id_number": idn(1980, 11)}
    assert summary(admin.ok("persons", [person])) == (1, 0, 0, 0)
    moved = admin.ok("households", [dict(rows[1], grid_code=GRID_2)])
    assert summary(moved) == (0, 1, 0, 0)
    assert admin.count("SELECT grid_code FROM persons WHERE id_number = ?", person["id_number"]) == GRID_2
    assert summary(admin.ok("households", [dict(rows[1], grid_code=GRID_2)])) == (0, 0, 1, 0)


def test_persons_with_chinese_labels_create_their_household(admin, server):
    head = {"household_no": "HP-1", "grid_code": GRID_1, "address": "河滨路8号", "name": "赵大爷",
            "id_number": idn(1942, 31), "sex": "男", "birth_date": "1942-05-06", "relation_to_head": "户主",
            "phone": "13812345678", "tags": "独居老人、低保户", "residence": "户籍", "care_level": "高"}
    spouse = dict(head, name="钱奶奶", id_number=idn(1945, 42), sex="女", birth_date="1945/05/06",
                  relation_to_head="配偶", tags="留守老人|残疾人", residence="流动", care_level="中")
    r = admin.ok("persons", [head, spouse])
    assert summary(r) == (2, 0, 0, 0)
    db = server.db.connect()
    home = db.execute("SELECT id, grid_code, address, head_person_id FROM households WHERE household_no = 'HP-1'").fetchone()
    people = db.execute("SELECT id, household_id, sex, birth_date, relation_to_head, tags, residence, care_level "
                        "FROM persons WHERE household_id = ? ORDER BY birth_date", (home[0],)).fetchall()
    db.close()
    assert home[1:3] == (GRID_1, "河滨路8号") and home[3] == people[0][0]
    assert [p[2:] for p in people] == [
        ("male", "1942-05-06", "head", '["elderly_alone", "low_income"]', "registered", "high"),
        ("female", "1945-05-06", "spouse", '["left_behind_elderly", "disabled"]', "floating", "medium")]
    assert summary(admin.ok("persons", [head, spouse])) == (0, 0, 2, 0)
    changed = admin.ok("persons", [dict(spouse, phone="13900001111")])
    assert summary(changed) == (0, 1, 0, 0)


def test_bad_person_rows_are_named_and_the_good_ones_kept(admin):
    good = {"household_no": "HB-1", "grid_code": GRID_1, "name": "孙好", "id_number": idn(1990, 13)}
    wrong_check = good["id_number"][:-1] + ("0" if good["id_number"][-1] != "0" else "1")
    rows = [good,
            dict(good, name="错校验", id_number=wrong_check),
            dict(good, name="性别不符", id_number=idn(1990, 15), sex="女"),
            dict(good, name="生日不符", id_number=idn(1990, 17), birth_date="1991-01-01"),
            dict(good, name="坏日期", id_number=make_id_number("610822", date(1990, 1, 1), 19)[:10] + "0230" + "0190"),
            dict(good, name="分户", id_number=idn(1990, 21), grid_code=GRID_2),     # HB-1 is in GRID_1
            dict(good, name="重复", id_number=good["id_number"]),
            dict(good, name="张" * 51, id_number=idn(1990, 23)),
            dict(good, id_number=idn(1990, 25), tags="外星人"),
            dict(good, id_number=idn(1990, 27), phone="12345")]
    r = admin.ok("persons", rows)
    assert summary(r) == (1, 0, 0, 9)
    fields = {e["index"]: (e["field"], e["code"]) for e in r["errors"]}
    assert fields[1][0] == "id_number" and fields[2][0] == "sex" and fields[3][0] == "birth_date"
    assert fields[4][0] == "id_number"
    assert fields[5] == ("grid_code", "import.household_split")
    assert fields[6] == ("id_number", "import.duplicate")
    assert fields[7] == ("name", "row.too_long") and fields[8][0] == "tags" and fields[9][0] == "phone"
    split = next(e for e in r["errors"] if e["index"] == 5)["message"]
    assert "HB-1" in split and GRID_1 in split and GRID_2 in split


def test_messages_in_the_language_asked_for(admin):
    row = {"household_no": "HZ-1", "grid_code": "610822100200099", "name": "李", "id_number": idn(1970, 1)}
    zh = admin.ok("persons", [row, {"household_no": "HZ-2"}], **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "网格" in zh["errors"][0]["message"] and zh["errors"][0]["code"] == "import.grid_unknown"
    assert any(e["message"] == "必填" for e in zh["errors"] if e["index"] == 1)
    en = admin.ok("persons", [row])
    assert en["errors"][0]["message"] == "grid 610822100200099 does not exist; import grids first"


def test_a_dry_run_checks_everything_and_writes_nothing(admin):
    rows = [{"household_no": f"HD-{i}", "grid_code": GRID_1, "name": f"试{i}", "id_number": idn(1960, 101 + 2 * i)}
            for i in range(20)]
    before = [admin.count(f"SELECT COUNT(*) FROM {t}") for t in ("persons", "households", "feed")]
    dry = admin.ok("persons", rows + [dict(rows[0], grid_code=GRID_2)], dry_run=True)
    assert summary(dry) == (20, 0, 0, 1) and dry["dry_run"] is True
    assert [admin.count(f"SELECT COUNT(*) FROM {t}") for t in ("persons", "households", "feed")] == before
    users = admin.ok("users", [{"username": "dry-user", "display_name": "试", "role": "village", "scope": "610822100200"}],
                     dry_run=True)
    assert summary(users) == (1, 0, 0, 0) and "passwords" not in users
    assert admin.count("SELECT COUNT(*) FROM users WHERE username = 'dry-user'") == 0


def test_limits_and_malformed_requests(admin):
    row = {"household_no": "HL-1", "grid_code": GRID_1, "name": "限", "id_number": idn(1975, 1)}
    too_many = admin.post("persons", [row] * 5001)
    assert too_many.status_code in (413, 422)
    assert too_many.headers["content-type"].startswith("application/problem+json")
    assert "5000" in too_many.text
    unknown = admin.post("vehicles", [row])
    assert unknown.status_code == 404 and "persons" in unknown.json()["detail"]
    # A row that is not an object is a malformed request, named by its place in it.
    not_rows = admin.post("persons", [row, "张三,6108..."])
    assert not_rows.status_code == 422 and not_rows.json()["errors"][0]["field"] == "rows.1"
    assert admin.http.post("/import/persons", json={"rows": "nope"}).status_code == 422


def test_imported_records_reach_the_grid_workers_feed(admin, server):
    person = {"household_no": "HF-1", "grid_code": GRID_2, "name": "冯阿姨", "id_number": idn(1950, 2),
              "tags": ["elderly_alone"]}
    admin.ok("persons", [person])
    gw2 = httpx.Client(base_url=server.url + "/api/v1", timeout=30,
                       headers={"Authorization": f"Bearer {token_for(server.url, 'gw-002')}"})
    changes, cursor = [], None
    while True:
        page = gw2.get("/sync/pull", params={"cursor": cursor} if cursor else {}).json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    people = [c for c in changes if c["entity"] == "person" and c["data"]["name"] == "冯阿姨"]
    homes = [c for c in changes if c["entity"] == "household" and c["data"]["household_no"] == "HF-1"]
    assert len(people) == 1 and len(homes) == 1
    assert people[0]["data"]["tags"] == ["elderly_alone"] and people[0]["data"]["id_number"].count("*") > 0
    # gw-001 sees none of it.
    gw1 = httpx.Client(base_url=server.url + "/api/v1", timeout=30,
                       headers={"Authorization": f"Bearer {token_for(server.url, 'gw-001')}"})
    assert gw1.get("/persons", params={"q": "冯阿姨"}).json()["items"] == []


def test_five_thousand_persons_commit_in_one_quick_request(admin):
    rows, seen = [], set()
    for i in range(5000):
        number = make_id_number("610822", date(1950 + i % 50, 1 + i % 12, 1 + i % 28), (i // 600) * 2 + 1)
        assert number not in seen
        seen.add(number)
        rows.append({"household_no": f"HBULK-{i // 3:05d}", "grid_code": GRID_1 if i % 2 else GRID_2,
                     "name": "批量", "id_number": number})
    # Households cannot span grids: make each household's rows share one grid.
    for row in rows:
        row["grid_code"] = GRID_1 if int(row["household_no"][-5:]) % 2 else GRID_2
    start = time.perf_counter()
    r = admin.ok("persons", rows)
    first = time.perf_counter() - start
    assert summary(r) == (5000, 0, 0, 0)
    start = time.perf_counter()
    assert summary(admin.ok("persons", rows)) == (0, 0, 5000, 0)
    assert first < 5 and time.perf_counter() - start < 5
    assert admin.count("SELECT COUNT(*) FROM households WHERE household_no LIKE 'HBULK-%'") == 1667


def test_rows_as_lists_of_values_in_the_order_of_columns(admin):
    """What gridctl sends: ``columns`` once, each row a list of values. The same checks and answers
    as rows of objects, in any column order; a row of the wrong width is that row's error."""
    columns = ["name", "id_number", "grid_code", "household_no", "relation_to_head", "phone", "unknown_column"]
    rows = [["列甲", idn(1961, 11), GRID_1, "HV-1", "户主", "13912345678", "x"],
            ["列乙", idn(1961, 12), GRID_1, "HV-1", "朋友", None, "x"],       # a relation no one knows
            ["列丙", idn(1961, 13), GRID_1, "HV-1"],                           # four values for seven columns
            ["列丁", idn(1961, 14), GRID_1, "HV-1", "子", "029-88888888", 5],  # a landline: the full checks
            "列戊"]
    r = admin.http.post("/import/persons", json={"columns": columns, "rows": rows})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows.4"
    result = admin.ok_body("persons", {"columns": columns, "rows": rows[:4]})
    assert summary(result) == (2, 0, 0, 2)
    assert [(e["index"], e["field"], e["code"]) for e in result["errors"]] == [
        (1, "relation_to_head", "row.unknown_choice"), (2, None, "row.width")]
    assert admin.count("SELECT phone FROM persons WHERE id_number = ?", idn(1961, 14)) == "029-88888888"
    again = admin.ok_body("persons", {"rows": [dict(zip(columns[:6], rows[0][:6]))]})
    assert summary(again) == (0, 0, 1, 0)  # the same person as an object: unchanged


def test_two_batches_at_once_share_their_new_households(admin, server):
    """Two batches sent together (gridctl keeps two of a file in flight; two admins may import at
    once) that both name households neither finds stored: each household is made once, both
    batches land whole, and neither fails on the household's unique number."""
    import threading

    def batch(part: int) -> list[dict]:
        return [{"household_no": f"HPAIR-{h:04d}", "grid_code": GRID_1 if h % 2 else GRID_2, "name": "并发",
                 "id_number": make_id_number("610822", date.fromordinal(date(1960, 1, 1).toordinal() + h), 2 * part + 301)}
                for h in range(2400)]

    batches = [batch(0), batch(1)]
    other = Admin(server)
    answers: list = [None, None]
    start = threading.Barrier(2)

    def send(i: int) -> None:
        start.wait()
        answers[i] = (admin if i == 0 else other).post("persons", batches[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
    assert sorted(summary(a.json()) for a in answers) == [(2400, 0, 0, 0), (2400, 0, 0, 0)]
    assert admin.count("SELECT COUNT(*) FROM households WHERE household_no LIKE 'HPAIR-%'") == 2400
    assert admin.count("SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id "
                       "WHERE h.household_no LIKE 'HPAIR-%'") == 4800
