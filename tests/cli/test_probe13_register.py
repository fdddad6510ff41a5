"""Issue 13 probed from outside (probe13): what a grid worker and an admin met on the register's
command line, each against the real server on loopback.

- ``person add|update --risk-level`` without the severe_mental tag was dropped without a word
  (the schema clears a risk level without the tag) and the command said "saved";
- ``person update ID`` with nothing to change queued an empty patch that bumped the version;
  ``household update ID`` with nothing said "every value given..." and named --address;
- a person added with only an ID number had no sex and birth date, which the same person
  imported gets from the number: a zh export of the register imported back "updated" them;
- a lone --lat said "值无效" in Chinese and named no flag; a too-long address was "200 items";
  a line break in a one-line field was a "control character (NUL, backspace...)";
- ``import persons`` of a missing .xlsx said "cannot be read as an Excel workbook (os error
  2)"; a CSV named .xlsx said to repair it in Excel, not to give --format csv.
"""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from schemas.validators import make_id_number
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api


@pytest.fixture()
def gw1(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    login(server, "county-admin", profile="admin")
    admin = Api(server.url, token_for(server.url, "county-admin"))

    def ok(*args: str) -> dict:
        r = cli(*args, "-o", "json")
        assert r.code == 0, (args, r.err)
        assert r.json()["sync"] == "synced", (args, r.json())
        return r.json()

    ok("household", "add", "--grid", GW1_GRID, "--household-no", "P13-0001", "--address", "前进村测试路1号")
    return server, admin, ok


def test_a_risk_level_without_the_tag_is_refused_not_dropped(cli, gw1):
    server, admin, ok = gw1
    for lang, words in (("en", "severe_mental"), ("zh", "严重精神障碍患者")):
        r = cli("--lang", lang, "person", "add", "P13-0001", "--name", "王五", "--relation", "son", "--risk-level", "3")
        assert r.code == 2, r
        assert words in r.err and "--risk-level" in r.err
    # Nothing was saved: the household has no one.
    hid = ok("household", "show", "P13-0001")["id"]
    assert admin.get("/persons", household=hid).json()["items"] == []

    person = ok("person", "add", "P13-0001", "--name", "王五", "--relation", "son")
    r = cli("person", "update", person["id"], "--risk-level", "4")
    assert r.code == 2 and "--risk-level" in r.err, r
    assert admin.get(f"/persons/{person['id']}").json()["version"] == 1

    # With the tag it is kept, on add and on update.
    tagged = ok("person", "add", "P13-0001", "--name", "赵六", "--relation", "son", "--tag", "severe_mental",
                "--risk-level", "3")
    assert admin.get(f"/persons/{tagged['id']}").json()["risk_level"] == 3
    ok("person", "update", tagged["id"], "--risk-level", "4")
    assert admin.get(f"/persons/{tagged['id']}").json()["risk_level"] == 4
    r = cli("person", "add", "P13-0001", "--name", "钱七", "--tag", "severe_mental", "--risk-level", "9")
    assert r.code == 2 and "--risk-level" in r.err


def test_an_update_with_nothing_to_change_is_refused_and_says_what_to_give(cli, gw1):
    server, admin, ok = gw1
    person = ok("person", "add", "P13-0001", "--name", "王五", "--relation", "head")
    for lang in ("en", "zh"):
        r = cli("--lang", lang, "person", "update", person["id"])
        assert r.code == 2, r
        assert "--name" in r.err and "--risk-level" in r.err
        r = cli("--lang", lang, "household", "update", "P13-0001")
        assert r.code == 2, r
        assert "--address" in r.err and "--household-no" in r.err and "--grid" in r.err
    assert admin.get(f"/persons/{person['id']}").json()["version"] == 1
    pending = cli("outbox", "list", "-o", "json")
    assert pending.code == 0 and pending.json() == []
    # Giving the value the record holds changes nothing and says so (exit 0, as `person update`).
    queued = len(cli("outbox", "list", "--all", "-o", "json").json())
    r = cli("household", "update", "P13-0001", "--household-no", "P13-0001")
    assert r.code == 0 and "nothing changed" in r.err, r.err
    assert len(cli("outbox", "list", "--all", "-o", "json").json()) == queued  # nothing queued


def test_the_id_number_gives_sex_and_birth_date_so_an_export_imports_back_unchanged(cli, gw1, tmp_path):
    server, admin, ok = gw1
    number = make_id_number("610822", date(1990, 3, 4), 77)  # odd sequence: male
    person = ok("person", "add", "P13-0001", "--name", "王五", "--relation", "head", "--id-number", number)
    stored = admin.get(f"/persons/{person['id']}").json()
    assert (stored["sex"], stored["birth_date"]) == ("male", "1990-03-04")

    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"persons.{fmt}"
        r = cli("--lang", "zh", "--profile", "admin", "export", "persons", "--reveal", "--format", fmt,
                "--out", str(out))
        assert r.code == 0, r.err
        r = cli("--lang", "zh", "--profile", "admin", "import", "persons", str(out), "-o", "json")
        summary = r.json()
        # Every exported person comes back unchanged (rows without an ID number cannot be matched
        # and are refused as such; none of them is "updated").
        assert summary["updated"] == 0 and summary["created"] == 0, (fmt, summary, r.err)
        assert summary["unchanged"] >= 1
    assert admin.get(f"/persons/{person['id']}").json()["version"] == 1


def test_location_length_and_line_break_say_what_and_which_flag_in_both_languages(cli, gw1):
    server, admin, ok = gw1
    r = cli("--lang", "zh", "household", "update", "P13-0001", "--lat", "38.2")
    assert r.code == 2
    assert "值无效" not in r.err and "纬度和经度" in r.err and "--lon" in r.err
    r = cli("--lang", "en", "household", "update", "P13-0001", "--lon", "109.7")
    assert r.code == 2 and "latitude and longitude" in r.err and "--lat" in r.err
    r = cli("household", "update", "P13-0001", "--address", "长" * 201)
    assert r.code == 2 and "200 character" in r.err and "items" not in r.err and "--address" in r.err
    r = cli("--lang", "zh", "household", "update", "P13-0001", "--address", "前进村\n2号")
    assert r.code == 2 and "换行" in r.err and "控制字符" not in r.err and "--address" in r.err
    r = cli("person", "add", "P13-0001", "--name", "名" * 51)
    assert r.code == 2 and "--name" in r.err


def test_a_line_break_in_an_import_cell_is_called_a_line_break(cli, gw1, tmp_path):
    server, admin, ok = gw1
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["户号", "网格编码", "地址", "姓名", "身份证号"])
        writer.writerow(["P13-0002", GW1_GRID, "前进村\n多行地址", "甲", make_id_number("610822", date(1960, 1, 1), 201)])
        writer.writerow(["P13-0003", GW1_GRID, "前进村3号", "乙", make_id_number("610822", date(1960, 1, 1), 202)])
    r = cli("--profile", "admin", "import", "persons", str(path), "-o", "json")
    assert r.code == 3, r.err
    assert r.json()["created"] == 1 and r.json()["rejected"] == 1
    assert "row 2, column 地址" in r.err and "line break" in r.err and "control characters" not in r.err


def test_a_missing_or_textual_xlsx_says_so_and_names_the_flag(cli, gw1, tmp_path):
    server, admin, ok = gw1
    missing = tmp_path / "nope.xlsx"
    for lang, words in (("en", "no such file"), ("zh", "文件不存在")):
        r = cli("--lang", lang, "--profile", "admin", "import", "persons", str(missing))
        assert r.code == 2 and words in r.err and "Excel" not in r.err, r
    fake = tmp_path / "register.xlsx"
    fake.write_text("户号,网格编码,地址,姓名,身份证号\r\n"
                    f"P13-0004,{GW1_GRID},前进村4号,丙,{make_id_number('610822', date(1961, 1, 1), 203)}\r\n",
                    encoding="gb18030")
    for lang in ("en", "zh"):
        r = cli("--lang", lang, "--profile", "admin", "import", "persons", str(fake))
        assert r.code == 2 and "--format csv" in r.err, r
    # And that flag does read it.
    r = cli("--profile", "admin", "import", "persons", str(fake), "--format", "csv", "-o", "json")
    assert r.code == 0 and json.loads(r.out)["created"] == 1, r.err


def test_a_masked_export_imported_back_says_the_values_are_masked(cli, gw1, tmp_path):
    server, admin, ok = gw1
    number = make_id_number("610822", date(1990, 3, 4), 77)
    ok("person", "add", "P13-0001", "--name", "王五", "--relation", "head", "--id-number", number,
       "--phone", "13800138000")
    out = tmp_path / "masked.csv"
    assert cli("--lang", "zh", "--profile", "admin", "export", "persons", "--grid", GW1_GRID, "--out", str(out)).code == 0
    for lang, words in (("en", "masked value"), ("zh", "脱敏")):
        r = cli("--lang", lang, "--profile", "admin", "import", "persons", str(out), "--dry-run")
        assert r.code == 3, r.err
        lines = [line for line in r.err.splitlines() if "138****8000" in line or number[-4:] in line]
        assert len(lines) == 2 and all(words in line and "--reveal" in line for line in lines), r.err


def test_update_tag_that_would_take_away_a_special_population_is_refused(cli, gw1):
    server, admin, ok = gw1
    person = ok("person", "add", "P13-0001", "--name", "赵六", "--relation", "head", "--tag", "severe_mental",
                "--risk-level", "4")
    for lang, words in (("en", "Severe mental disorder"), ("zh", "严重精神障碍患者")):
        r = cli("--lang", lang, "person", "update", person["id"], "--tag", "退役军人")
        assert r.code == 2, r
        assert words in r.err and "person tag" in r.err and "--add veteran" in r.err
    stored = admin.get(f"/persons/{person['id']}").json()
    assert (stored["tags"], stored["risk_level"], stored["version"]) == (["severe_mental"], 4, 1)
    # Every tag kept, one added: fine; and `person tag --add` does the same in one flag.
    ok("person", "update", person["id"], "--tag", "severe_mental", "--tag", "veteran")
    stored = admin.get(f"/persons/{person['id']}").json()
    assert (sorted(stored["tags"]), stored["risk_level"]) == (["severe_mental", "veteran"], 4)


def test_when_the_head_dies_or_moves_out_the_command_says_the_household_has_no_head(cli, gw1):
    server, admin, ok = gw1
    head = ok("person", "add", "P13-0001", "--name", "王建国", "--relation", "head")
    spouse = ok("person", "add", "P13-0001", "--name", "李秀英", "--relation", "spouse")
    r = cli("person", "decease", spouse["id"])
    assert r.code == 0 and "no head" not in r.err  # not the head: nothing to say
    r = cli("--lang", "zh", "person", "decease", head["id"], "--date", "2026-01-02")
    assert r.code == 0, r.err
    assert "户P13-0001现在没有户主" in r.err and "--relation head" in r.err
    hid = admin.get(f"/persons/{head['id']}").json()["household_id"]
    assert admin.get(f"/households/{hid}").json()["head_person_id"] is None
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "P13-0009", "--address", "前进村9号")
    other = ok("person", "add", "P13-0009", "--name", "赵四", "--relation", "head")
    r = cli("person", "move-out", other["id"], "--to", "榆林市")
    assert r.code == 0 and "household P13-0009 has no head now" in r.err, r.err
