"""Issue 13's probe leftovers on the import side, through the real CLI and a real server (SQLite,
or PostgreSQL under GRIDCTL_TEST_DB): a cell over the csv module's limit costs its row alone."""

from __future__ import annotations

import csv
import json
import uuid

import pytest

from tests.conftest import token_for

from .test_import import endpoint, get  # noqa: F401  (the fixture)
from .test_import_neighbours import GRID, HEADER, People

LIMIT = csv.field_size_limit()


def persons_named(url: str, token: str, q: str) -> list[dict]:
    return get(url, token, "/persons", q=q, limit=500)["items"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_over_long_cell_refuses_its_row_and_the_rest_goes_on(gridctl, admin_env, ie_server, endpoint,
                                                                 tmp_path, lang):
    people, tag = People(), uuid.uuid4().hex[:6]
    house = f"{GRID}L{tag}"
    rows = [people.row(house, f"甲{tag}", "户主"), people.row(house, f"乙{tag}", "子")]
    long_plain = people.row(house, f"丙{tag}", "子")
    long_plain[2] = "路" * (LIMIT + 10)  # address: one line, unquoted
    long_quoted = people.row(house, f"丁{tag}", "子")
    long_quoted[2] = "a\n" * (LIMIT // 2) + "b,\"c\"\n" + "d" * 100  # quoted, over many lines
    after = [people.row(house, f"戊{tag}", "子"), people.row(house, f"己{tag}", "女"),
             people.row(house, f"庚{tag}", "女", grid="610822999999999")]  # refused by the server
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows + [long_plain, long_quoted] + after)
    quoted_line = 5  # header, two rows, the plain long row; the quoted one spans LIMIT//2 + 2 lines
    last_line = quoted_line + LIMIT // 2 + 1
    errors = tmp_path / "errors.csv"

    r = gridctl({**admin_env, "GRIDCTL_LANG": lang}, "import", "persons", str(path), "-o", "json",
                "--errors", str(errors))
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 4, "updated": 0, "unchanged": 0, "rejected": 3}
    assert "field larger" not in r.stderr and "Traceback" not in r.stderr
    length_plain, length_quoted = LIMIT + 10, len(long_quoted[2])
    if lang == "en":
        for line, length in ((4, length_plain), (quoted_line, length_quoted)):
            assert (f"row {line}, column 地址: this cell holds {length:,} characters, more than the {LIMIT:,} a "
                    "cell may hold; shorten it, or look for a quote (\") that opens in this row and is never "
                    "closed") in r.stderr
    else:
        assert f"第 4 行，地址 列：该单元格有 {length_plain:,} 个字符，超过单元格上限 {LIMIT:,} 个字符" in r.stderr
        assert f"第 {quoted_line} 行，地址 列：该单元格有 {length_quoted:,} 个字符" in r.stderr
    # The rows after the long ones are in; the long ones are not.
    token = token_for(ie_server.url, "county-admin")
    names = {p["name"] for p in persons_named(ie_server.url, token, house)}
    assert names == {f"甲{tag}", f"乙{tag}", f"戊{tag}", f"己{tag}"}
    # The errors file has the refused rows with their other cells, and line numbers of the file.
    with errors.open(encoding="utf-8-sig") as fh:
        refused = list(csv.DictReader(fh))
    # the row after the multi-line one is numbered by the file's lines
    assert [int(x["row"]) for x in refused] == [4, quoted_line, last_line + 3]
    assert [x["姓名"] for x in refused] == [f"丙{tag}", f"丁{tag}", f"庚{tag}"]
    assert [x["地址"] for x in refused[:2]] == ["", ""]
    assert last_line + 3 == sum(1 for _ in path.open(encoding="utf-8", newline=""))


# --- JSONL: errors name the column as the line named it -------------------------------------

ZH_KEYS = dict(zip(["household_no", "grid_code", "address", "name", "id_number", "sex", "birth_date",
                    "relation_to_head", "phone", "tags", "residence", "care_level"], HEADER))


def _jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_jsonl_errors_name_the_keys_the_file_used(gridctl, admin_env, ie_server, endpoint, tmp_path, lang):
    people, tag = People(), uuid.uuid4().hex[:6]
    house = f"{GRID}J{tag}"
    english = dict(zip(ZH_KEYS, people.row(house, f"甲{tag}", "户主")))
    chinese = {ZH_KEYS[k]: v for k, v in zip(ZH_KEYS, people.row(house, f"乙{tag}", "子"))}
    bad_id_zh = {**chinese, "身份证号": "61089919500101123"}              # 17 characters: checked here
    bad_grid_zh = {**{ZH_KEYS[k]: v for k, v in zip(ZH_KEYS, people.row(house + "x", f"丙{tag}", "户主"))},
                   "网格编码": "610822999999999"}                           # unknown grid: the server says so
    twice_zh = dict(chinese)                                                # the same person again: in-file check
    no_house_zh = {k: v for k, v in {ZH_KEYS[k]: v for k, v in zip(ZH_KEYS, people.row(
        house, f"丁{tag}", "子"))}.items() if k != "户号"}                   # a required key left out
    bad_id_en = {**dict(zip(ZH_KEYS, people.row(house, f"戊{tag}", "子"))), "id_number": "123"}
    path = tmp_path / "people.jsonl"
    _jsonl(path, [english, chinese, bad_id_zh, bad_grid_zh, twice_zh, no_house_zh, bad_id_en])

    r = gridctl({**admin_env, "GRIDCTL_LANG": lang}, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 5}
    col = "row {}, column {}: " if lang == "en" else "第 {} 行，{} 列："
    for line, column in ((3, "身份证号"), (4, "网格编码"), (5, "身份证号"), (6, "户号"), (7, "id_number")):
        assert col.format(line, column) in r.stderr, (line, r.stderr)
    for english_name in ("household_no", "grid_code"):
        assert col.format(4, english_name) not in r.stderr and col.format(6, english_name) not in r.stderr
    token = token_for(ie_server.url, "county-admin")
    assert {p["name"] for p in persons_named(ie_server.url, token, house)} == {f"甲{tag}", f"乙{tag}"}


# --- a date where an ID number belongs -------------------------------------------------------

DATE_EN = ("found a date ({}) where an ID number belongs: Excel may have formatted the column as a date, or the "
           "columns are shifted. Format the column as Text and type the 18-character ID number again")
DATE_ZH = "身份证号处是一个日期（{}），不是身份证号：Excel 可能把这一列设成了日期格式，或各列错位了。请把该列设置为“文本”格式"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_date_in_the_id_number_column_is_named_as_a_date(gridctl, admin_env, ie_server, endpoint, tmp_path,
                                                           kind, lang):
    from datetime import date, datetime

    people, tag = People(), uuid.uuid4().hex[:6]
    house = f"{GRID}D{tag}"
    good = people.row(house, f"甲{tag}", "户主")
    dated = people.row(house, f"乙{tag}", "子")
    timed = people.row(house, f"丙{tag}", "子")
    after = people.row(house, f"丁{tag}", "女")
    if kind == "xlsx":
        dated[4], timed[4] = date(2024, 1, 1), datetime(2024, 1, 1, 8, 30)  # real Excel date cells
        path = tmp_path / "dates.xlsx"
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path))
        ws = book.add_worksheet("人口")
        formats = {date: book.add_format({"num_format": "yyyy-mm-dd"}),
                   datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
        for r, row in enumerate([HEADER, good, dated, timed, after]):
            for c, value in enumerate(row):
                if isinstance(value, date):  # a datetime is a date too
                    stamp = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
                    ws.write_datetime(r, c, stamp, formats[type(value)])
                else:
                    ws.write(r, c, value)
        book.close()
        shown = ("2024-01-01", "2024-01-01 08:30:00")
    else:
        dated[4], timed[4] = "2024-01-01", "2024/1/1"
        path = tmp_path / "dates.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([HEADER, good, dated, timed, after])
        shown = ("2024-01-01", "2024/1/1")
    r = gridctl({**admin_env, "GRIDCTL_LANG": lang}, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    for line, value in zip((3, 4), shown):
        if lang == "en":
            assert f"row {line}, column 身份证号: " + DATE_EN.format(value) in r.stderr, r.stderr
        else:
            assert f"第 {line} 行，身份证号 列：" + DATE_ZH.format(value) in r.stderr, r.stderr
    assert "18 characters, this one has" not in r.stderr and "实际为" not in r.stderr
    token = token_for(ie_server.url, "county-admin")
    assert {p["name"] for p in persons_named(ie_server.url, token, house)} == {f"甲{tag}", f"丁{tag}"}


# --- a row identical to the stored person changes nothing ------------------------------------

def test_an_import_row_identical_to_a_person_added_by_command_is_unchanged(gridctl, admin_env, ie_server,
                                                                           endpoint, tmp_path):
    people, tag = People(), uuid.uuid4().hex[:6]
    house = f"{GRID}U{tag}"
    head = people.row(house, f"甲{tag}", "户主")
    path = tmp_path / "head.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, head])
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["created"] == 1, r.stderr
    child = people.row(house, f"乙{tag}", "子")
    child[8] = "13712345678"
    child[9] = "残疾人|留守儿童"  # the tags of the command below in the other order: the same tags
    added = gridctl(admin_env, "person", "add", house, "--name", child[3], "--id-number", child[4],
                    "--relation", "son", "--phone", child[8], "--tag", "left_behind_child", "--tag", "disabled",
                    "-o", "json")
    assert added.exit_code == 0, added.stderr
    token = token_for(ie_server.url, "county-admin")
    stored = {p["name"]: p["version"] for p in persons_named(ie_server.url, token, house)}
    assert stored == {f"甲{tag}": 1, f"乙{tag}": 1}

    both = tmp_path / "both.csv"
    with both.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, head, child])
    r = gridctl(admin_env, "import", "persons", str(both), "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert {p["name"]: p["version"] for p in persons_named(ie_server.url, token, house)} == stored
