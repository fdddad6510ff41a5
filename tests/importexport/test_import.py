"""gridctl import against the real server: exit codes, exact messages, and what the server holds.

The example files are in tests/data/import/ (see its README).
"""

from __future__ import annotations

import csv
import json
import os
import stat

import httpx
import pytest

from tests.conftest import token_for

from .conftest import DATA


@pytest.fixture(scope="session")
def endpoint(ie_server):
    token = token_for(ie_server.url, "county-admin")
    r = httpx.post(f"{ie_server.url}/api/v1/import/divisions", params={"dry_run": "true"}, json={"rows": []},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text  # a missing endpoint fails here, it is never skipped
    return token


def get(url: str, token: str, path: str, **params) -> dict | list:
    r = httpx.get(f"{url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return r.json()


def persons_by_id(url: str, token: str, id_number: str) -> list[dict]:
    return get(url, token, "/persons", q=id_number)["items"]


# --- files that cannot be imported at all: exit 2, one clear message, nothing sent ------------

def test_unknown_columns_are_named_with_the_expected_list(gridctl, admin_env):
    r = gridctl(admin_env, "import", "persons", str(DATA / "wrong_columns.csv"))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "unknown columns for persons: 民族. Expected columns (English or Chinese): household_no (户号), " \
           "grid_code (网格编码), address (地址), name (姓名), id_number (身份证号)" in r.stderr


def test_missing_columns(gridctl, admin_env):
    r = gridctl(admin_env, "import", "persons", str(DATA / "missing_columns.csv"))
    assert r.exit_code == 2
    assert "missing columns for persons: household_no, grid_code, id_number." in r.stderr


def test_empty_file(gridctl, admin_env):
    r = gridctl(admin_env, "import", "households", str(DATA / "empty.csv"))
    assert r.exit_code == 2
    assert "empty.csv is empty: an import file needs a header line and at least one row" in r.stderr


def test_broken_excel_file_is_named(gridctl, admin_env):
    # register.xlsx has the zip signature of a workbook and nothing else (Excel files are read: test_xlsx.py)
    r = gridctl(admin_env, "import", "persons", str(DATA / "register.xlsx"))
    assert r.exit_code == 2
    assert "register.xlsx cannot be read as an Excel workbook (" in r.stderr
    assert "open it in Excel and save it again as .xlsx, or save it as CSV (UTF-8) and import that" in r.stderr
    assert "Traceback" not in r.stderr


def test_excel_file_given_as_csv_is_named(gridctl, admin_env):
    r = gridctl(admin_env, "import", "persons", str(DATA / "register.xlsx"), "--format", "csv")
    assert r.exit_code == 2
    assert "is an Excel workbook (.xlsx), not CSV" in r.stderr


def test_wrong_encoding_suggests_gb18030(gridctl, admin_env):
    r = gridctl(admin_env, "import", "persons", str(DATA / "persons_gb18030.csv"), "--encoding", "utf-8")
    assert r.exit_code == 2
    assert "line 1 is not valid utf-8; the file is probably in another encoding. Run again with --encoding gb18030" \
        in r.stderr


def test_only_admin_may_import(gridctl, worker_env):
    r = gridctl(worker_env, "import", "households", str(DATA / "households_gb18030.csv"))
    assert r.exit_code == 4
    assert "only an admin may import; you are logged in as gw-001 (role gridworker)" in r.stderr


def test_chinese_messages(gridctl, admin_env):
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "persons", str(DATA / "missing_columns.csv"))
    assert r.exit_code == 2
    assert "persons 缺少列：household_no, grid_code, id_number。" in r.stderr


# --- rows: imported, rejected, re-run -----------------------------------------------------------

def test_register_in_order_and_rerun_changes_nothing(gridctl, admin_env, ie_server, endpoint, tmp_path):
    url = ie_server.url
    for kind, name in [("divisions", "divisions.csv"), ("grids", "grids.csv"),
                       ("households", "households_gb18030.csv"), ("persons", "persons_gb18030.csv"),
                       ("persons", "persons.jsonl")]:
        r = gridctl(admin_env, "import", kind, str(DATA / name), "-o", "json")
        assert r.exit_code == 0, (name, r.stderr)
        summary = json.loads(r.stdout)
        assert set(summary) == {"created", "updated", "unchanged", "rejected"}
        assert summary["rejected"] == 0 and summary["created"] > 0, (name, summary)
    # what the server holds
    divisions = {d["code"]: d for d in get(url, endpoint, "/divisions", parent="610822104")}
    assert set(divisions) >= {"610822104200", "610822104001"}
    grids = {d["code"]: d for d in get(url, endpoint, "/divisions", parent="610822104001")}
    assert grids["610822104001001"]["kind"] == "dedicated"
    wang = persons_by_id(url, endpoint, "610822194803120115")
    assert [(p["name"], p["sex"], p["relation_to_head"], sorted(p["tags"])) for p in wang] == \
        [("王德明", "male", "head", ["left_behind_elderly", "low_income"])]
    li = persons_by_id(url, endpoint, "61082219510702022X")[0]
    assert li["household_id"] == wang[0]["household_id"] and li["birth_date"] == "1951-07-02"
    chen = persons_by_id(url, endpoint, "610822194002290632")[0]
    assert chen["tags"] == ["elderly_alone"] and chen["grid_code"] == "610822101200003"

    # the same files again: nothing created or updated
    for kind, name in [("households", "households_gb18030.csv"), ("persons", "persons_gb18030.csv")]:
        r = gridctl(admin_env, "import", kind, str(DATA / name), "-o", "json")
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": 3 if kind == "households" else 5,
                                        "rejected": 0}


def test_broken_rows_are_reported_and_good_ones_imported(gridctl, admin_env, ie_server, endpoint, tmp_path):
    errors = tmp_path / "rejected.csv"
    r = gridctl(admin_env, "import", "persons", str(DATA / "persons_broken.csv"), "--errors", str(errors),
                "-o", "json")
    assert r.exit_code == 3, r.stderr
    summary = json.loads(r.stdout)
    assert summary["rejected"] == 8 and summary["created"] == 2
    lines = r.stderr.splitlines()
    for expected in [
        "row 3, column id_number: the ID number's check character is 6 but should be 5; check the number for a typo",
        "row 4, column birth_date: date '1990-02-30' does not exist",
        "row 5, column sex: sex male disagrees with the ID number, which says female",
        "row 6, column birth_date: birth date 2001-05-04 disagrees with the ID number, which says 2001-04-04",
        "row 8, column id_number: 610822199005202012 already appears in row 2 of this file; keep one of the two rows",
        "row 9, column grid_code: household H101200004-0001 is in grid 610822101200004 in row 2 but in grid "
        "610822101200005 here; one household belongs to one grid",
        "row 10, column name: too long: at most 50 characters",
    ]:
        assert expected in lines, (expected, lines)
    assert any(line.startswith("row 7, column grid_code: ") for line in lines), lines
    # the errors file: original columns + row + error, UTF-8 with BOM
    assert errors.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(errors.open(encoding="utf-8-sig")))
    assert [int(x["row"]) for x in rows] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert list(rows[0])[-2:] == ["row", "error"] and rows[0]["name"] == "周芳"
    # good rows made it, bad ones did not
    assert [p["name"] for p in persons_by_id(ie_server.url, endpoint, "610822198001012110")] == ["郑强"]
    assert persons_by_id(ie_server.url, endpoint, "610822196512022047") == []


def test_dry_run_writes_nothing(gridctl, admin_env, ie_server, endpoint, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("household_no,grid_code,name,id_number\nDRY-1,610822101200005,试运行,610822200104042056\n",
                    encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(path), "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("dry run, nothing written — persons: 1 would be created")
    assert persons_by_id(ie_server.url, endpoint, "610822200104042056") == []


def test_users_get_initial_passwords_in_a_private_file(gridctl, admin_env, ie_server, endpoint, tmp_path):
    import shutil

    users = tmp_path / "users.csv"
    shutil.copy(DATA / "users.csv", users)
    # the grids of these users come from the register test's files; make sure they exist
    for kind, name in [("divisions", "divisions.csv"), ("grids", "grids.csv")]:
        assert gridctl(admin_env, "import", kind, str(DATA / name)).exit_code == 0
    r = gridctl(admin_env, "import", "users", str(users), "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["created"] == 3
    secrets_file = tmp_path / "users.passwords.csv"
    assert stat.S_IMODE(os.stat(secrets_file).st_mode) == 0o600
    rows = list(csv.DictReader(secrets_file.open(encoding="utf-8-sig")))
    assert [x["username"] for x in rows] == ["imp-gw-01", "imp-gw-02", "imp-village-01"]
    assert token_for(ie_server.url, "imp-gw-01", rows[0]["password"])
    # a re-run creates nobody and hands out no new passwords
    r = gridctl(admin_env, "import", "users", str(users), "-o", "json")
    assert json.loads(r.stdout)["created"] == 0
    assert len(list(csv.DictReader(secrets_file.open(encoding="utf-8-sig")))) == 3
    assert token_for(ie_server.url, "imp-gw-01", rows[0]["password"])
