"""Issue 8 item 9 and DESIGN 17: a bad row never costs its household's good rows, and one head per
household — through the real CLI and server, across batch boundaries, in both row orders."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import date, timedelta

import pytest

from schemas.validators import make_id_number
from tests.conftest import token_for

from .test_import import endpoint, get  # noqa: F401  (the fixture)

GRID = "610822100200005"
UNKNOWN_GRID = "610822999999999"
HEADER = ["户号", "网格编码", "地址", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "联系电话", "人员标签",
          "户籍类型", "关注程度"]


class People:
    """Valid ID numbers no other People of this run gives out: each takes the next 20 birth days
    (20,000 numbers) after a random start for the run. With a random start per People, two tests
    could share a number, and so one person."""

    _next = date(1950, 1, 1) + timedelta(days=uuid.uuid4().int % 10000)

    def __init__(self) -> None:
        self.birth, People._next = People._next, People._next + timedelta(days=20)
        self.seq = 0

    def row(self, house: str, name: str, relation: str = "子", grid: str = GRID) -> list[str]:
        self.seq += 1
        if self.seq == 1000:
            self.birth, self.seq = self.birth + timedelta(days=1), 1
        idn = make_id_number("610899", self.birth, self.seq)  # an area no other test or demo uses
        return [house, grid, "测试路1号", name, idn, "", "", relation, "", "", "户籍", ""]


def write(path, rows) -> None:
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)


def members(url: str, token: str, household_no: str) -> tuple[dict, list[dict]]:
    homes = [h for h in get(url, token, "/households", q=household_no, limit=50)["items"]
             if h["household_no"] == household_no]
    assert len(homes) == 1, household_no
    people = get(url, token, "/persons", household=homes[0]["id"], limit=500)["items"]
    return homes[0], people


def test_bad_row_never_rejects_the_good_rows_of_its_household(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """The shape of the 200,000-row check scaled to 11,000 rows (three batches of 5,000): rows with
    an unknown grid for a household placed after its good rows, before them, alone in the batch
    before them, and in the middle; every good row is imported, every bad row says why."""
    people, tag = People(), uuid.uuid4().hex[:6]
    rows: list[list[str]] = []
    bad_lines: dict[int, str] = {}

    def house(n: int) -> str:
        return f"{GRID}N{tag}{n:05d}"

    def add_bad(n: int) -> None:
        rows.append(people.row(house(n), f"坏{n}", "子", grid=UNKNOWN_GRID))
        bad_lines[len(rows) + 1] = house(n)

    n = 0
    while len(rows) < 11_000:
        n += 1
        size = 3
        if n == 7:  # bad row AFTER the household's good rows
            rows += [people.row(house(n), f"甲{n}", "户主"), people.row(house(n), f"乙{n}", "配偶")]
            add_bad(n)
            continue
        if n == 8:  # bad row BEFORE the household's good rows
            add_bad(n)
        if n == 9:  # a bad head first: the good head after it is the household's head
            rows.append(people.row(house(n), f"坏头{n}", "户主", grid=UNKNOWN_GRID))
            bad_lines[len(rows) + 1] = house(n)
        if len(rows) == 4_999 and n not in (7, 8, 9):  # the bad row closes batch 1, its household opens batch 2
            add_bad(n)
        rows.append(people.row(house(n), f"户主{n}", "户主"))
        rows += [people.row(house(n), f"成员{n}-{i}", "子") for i in range(size - 1)]
        if n == 2000:  # and one in the middle of its household
            add_bad(n)
            rows.append(people.row(house(n), f"成员{n}-x", "女"))
    path = tmp_path / "big.csv"
    write(path, rows)
    errors = tmp_path / "errors.csv"

    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json", "--errors", str(errors))
    assert r.exit_code == 3, r.stderr
    summary = json.loads(r.stdout)
    assert summary == {"created": len(rows) - len(bad_lines), "updated": 0, "unchanged": 0,
                       "rejected": len(bad_lines)}
    assert "household" not in r.stderr.replace("import grids first", "")  # no row blamed on a neighbour
    for line in bad_lines:
        assert f"row {line}, column 网格编码: grid {UNKNOWN_GRID} does not exist; import grids first" in r.stderr
    with errors.open(encoding="utf-8-sig") as fh:
        assert sorted(int(row["row"]) for row in csv.DictReader(fh)) == sorted(bad_lines)

    token = token_for(ie_server.url, "county-admin")
    for h in sorted(set(bad_lines.values())):
        home, people_in = members(ie_server.url, token, h)
        assert home["grid_code"] == GRID
        assert not any(p["name"].startswith("坏") for p in people_in)
        heads = [p for p in people_in if p["relation_to_head"] == "head"]
        assert len(heads) == 1 and home["head_person_id"] == heads[0]["id"]

    # The same file again: nothing changes, the same rows are rejected for the same reason.
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": len(rows) - len(bad_lines),
                                    "rejected": len(bad_lines)}


@pytest.mark.parametrize("batch", [5000, 2])
def test_a_second_head_is_refused_row_by_row(admin_api, ie_server, endpoint, tmp_path, batch):
    """100 rows marked 户主 for one household: the first is the head, each other one is refused with
    the row of the head; in one request and across requests (batch 2) alike, dry run included."""
    from gridctl.importer import run_import

    people, tag = People(), uuid.uuid4().hex[:6]
    no = f"{GRID}H{tag}"
    rows = [people.row(no, f"户主{i}", "户主") for i in range(100)]
    path = tmp_path / "heads.csv"
    write(path, rows)
    for dry in (True, False):
        report = run_import(admin_api, "persons", path, batch_size=batch, dry_run=dry, lang="en")
        assert (report.created, report.rejected) == (1, 99)
        assert [e.line for e in report.errors] == list(range(3, 102))
        assert all(e.column == "与户主关系" for e in report.errors)
        assert report.errors[0].message == (
            f"household {no} already has a head (row 2); one head per household. To change the head, change the "
            "old head's relation_to_head in the same file; otherwise give this person another relation")
    token = token_for(ie_server.url, "county-admin")
    home, people_in = members(ie_server.url, token, no)
    assert [p["name"] for p in people_in] == ["户主0"]
    assert home["head_person_id"] == people_in[0]["id"]


@pytest.mark.parametrize("demote_first", [True, False])
def test_the_head_changes_when_the_old_head_changes_in_the_same_file(admin_api, ie_server, endpoint, tmp_path,
                                                                      demote_first):
    from gridctl.importer import run_import

    people, tag = People(), uuid.uuid4().hex[:6]
    no = f"{GRID}C{tag}"
    old_head, son = people.row(no, "老户主", "户主"), people.row(no, "儿子", "子")
    write(tmp_path / "first.csv", [old_head, son])
    assert run_import(admin_api, "persons", tmp_path / "first.csv", lang="en").created == 2

    # Without the old head's change, the son cannot become head.
    write(tmp_path / "refused.csv", [son[:7] + ["户主"] + son[8:]])
    report = run_import(admin_api, "persons", tmp_path / "refused.csv", lang="en")
    assert report.rejected == 1 and "already has a head" in report.errors[0].message

    new_son = son[:7] + ["户主"] + son[8:]
    demoted = old_head[:7] + ["父亲"] + old_head[8:]
    write(tmp_path / "change.csv", [demoted, new_son] if demote_first else [new_son, demoted])
    report = run_import(admin_api, "persons", tmp_path / "change.csv", lang="en")
    assert (report.updated, report.rejected) == (2, 0), report.errors
    token = token_for(ie_server.url, "county-admin")
    home, people_in = members(ie_server.url, token, no)
    by_name = {p["name"]: p for p in people_in}
    assert by_name["儿子"]["relation_to_head"] == "head" and by_name["老户主"]["relation_to_head"] == "father"
    assert home["head_person_id"] == by_name["儿子"]["id"]


def test_the_endpoint_names_the_clashing_row(ie_server, endpoint):
    """Within one request the server says which row a duplicate or second head clashes with."""
    import httpx

    people, tag = People(), uuid.uuid4().hex[:6]
    no = f"{GRID}E{tag}"
    a, b = people.row(no, "甲", "户主"), people.row(no, "乙", "户主")
    keys = ["household_no", "grid_code", "address", "name", "id_number", "sex", "birth_date", "relation_to_head",
            "phone", "tags", "residence", "care_level"]
    body = {"rows": [dict(zip(keys, a)), dict(zip(keys, [UNKNOWN_GRID if k == "grid_code" else v
                                                          for k, v in zip(keys, b)])),
                     dict(zip(keys, b)), dict(zip(keys, a))]}
    r = httpx.post(f"{ie_server.url}/api/v1/import/persons", params={"dry_run": "true"}, json=body,
                   headers={"Authorization": f"Bearer {endpoint}"})
    assert r.status_code == 200
    errors = {e["index"]: e for e in r.json()["errors"]}
    assert errors[1]["code"] == "import.grid_unknown"
    assert errors[2]["code"] == "import.second_head" and errors[2]["other"] == 0
    assert errors[3]["code"] == "import.duplicate" and errors[3]["other"] == 0
