"""gridctl import KIND FILE.xlsx [--sheet NAME] (DESIGN 17): the CSV's headers and checks, Excel's
cells (real dates, dates as numbers, numbers that lost digits), the sheet's own row numbers."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import pytest

from schemas.validators import make_id_number
from tests.conftest import token_for

from .test_import import endpoint, get  # noqa: F401  (the fixture)
from .test_import_neighbours import members

GRID = "610822100200004"
HEADER = ["户号", "网格编码", "地址", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "联系电话", "人员标签",
          "户籍类型", "关注程度"]


def workbook(path, sheets: dict[str, list[list]], title: str | None = None) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        start = 0
        if title:
            ws.merge_range(0, 0, 0, len(HEADER) - 1, title)
            start = 1
        for r, row in enumerate(rows, start=start):
            for c, value in enumerate(row):
                if isinstance(value, (date, datetime)):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
                elif value is not None:
                    ws.write(r, c, value)
    book.close()


def ids(n: int) -> list[tuple[str, date]]:
    birth = date(1950, 1, 1) + timedelta(days=uuid.uuid4().int % 20000)
    return [(make_id_number("610898", birth, 100 + i), birth) for i in range(n)]  # an area of its own


def test_persons_from_a_sheet_with_a_title_row(gridctl, admin_env, ie_server, endpoint, tmp_path):
    tag = uuid.uuid4().hex[:6]
    no = f"{GRID}X{tag}"
    (id1, b1), (id2, b2), (id3, _b3), (id4, _b4) = ids(4)
    rows = [
        HEADER,
        # a real Excel date and a phone stored as a number
        [no, GRID, "测试路9号", "张三", id1, None, b1, "户主", 13912345678, "独居老人、低保户", "户籍", "高"],
        # a date typed as the number 19800101 and a grid code stored as a number (15 digits: exact)
        [no, int(GRID), "测试路9号", "李四", id2, None, int(b2.strftime("%Y%m%d")), "配偶", None, None, None, None],
        # an ID number Excel turned into a number: its last digits are gone
        [no, GRID, "测试路9号", "王五", int(id3[:17]) * 10 + 1, None, None, "子", None, None, None, None],
        [],  # a blank row keeps its number
        # an unknown grid: the server says so, for this sheet row
        [no + "B", "610822999999999", "测试路9号", "赵六", id4, None, None, "户主", None, None, None, None],
    ]
    path = tmp_path / "register.xlsx"
    workbook(path, {"人口信息": rows}, title="示范县前进村人口信息表")

    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert "row 5, column 身份证号: Excel stored this value as a number and kept only 15 digits (6.10898E+17), " \
           "so the value is lost; format the column as Text" in r.stderr
    assert "row 7, column 网格编码: grid 610822999999999 does not exist; import grids first" in r.stderr

    token = token_for(ie_server.url, "county-admin")
    _home, members_ = members(ie_server.url, token, no)
    people = {p["name"]: p for p in members_}
    assert set(people) == {"张三", "李四"}
    assert people["张三"]["birth_date"] == b1.isoformat() and people["张三"]["phone"] == "13912345678"
    assert people["张三"]["tags"] == ["elderly_alone", "low_income"] and people["张三"]["care_level"] == "high"
    assert people["李四"]["birth_date"] == b2.isoformat() and people["李四"]["relation_to_head"] == "spouse"

    # Running it again changes nothing.
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 2}


def test_named_sheet_and_unknown_sheet(gridctl, admin_env, endpoint, tmp_path):
    tag = uuid.uuid4().hex[:6]
    (id1, _b), = ids(1)
    path = tmp_path / "book.xlsx"
    workbook(path, {"说明": [["本工作簿说明"], ["第二页是户籍人口"]],
                    "户籍人口": [HEADER, [f"{GRID}S{tag}", GRID, "路", "孙七", id1, "", "", "户主"]]})
    r = gridctl(admin_env, "import", "persons", str(path), "--sheet", "户籍人口", "-o", "json", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["created"] == 1

    r = gridctl(admin_env, "import", "persons", str(path), "--sheet", "人口")
    assert r.exit_code == 2
    assert 'book.xlsx has no sheet named "人口"; its sheets are: 说明, 户籍人口. Name one with --sheet' in r.stderr

    # The first sheet is the default: here it holds no header of persons.
    r = gridctl(admin_env, "import", "persons", str(path))
    assert r.exit_code == 2 and "book.xlsx [说明]: unknown columns for persons: 本工作簿说明." in r.stderr


def test_chinese_messages_and_sheet_on_a_csv(gridctl, admin_env, tmp_path):
    (id1, _b), = ids(1)
    path = tmp_path / "zh.xlsx"
    workbook(path, {"Sheet1": [HEADER, ["Z1", GRID, "路", "周八", int(id1[:17] + "1"), "", "", "户主"]]})
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "persons", str(path), "--dry-run")
    assert r.exit_code == 3
    assert "Excel 将此值存成了数字，只保留 15 位有效数字（6.10898E+17）" in r.stderr

    csv_path = tmp_path / "a.csv"
    csv_path.write_text("code,name\n610822,示范县\n", encoding="utf-8")
    r = gridctl(admin_env, "import", "divisions", str(csv_path), "--sheet", "x")
    assert r.exit_code == 2 and "--sheet applies to Excel workbooks only" in r.stderr


def test_a_grid_worker_may_not_import_a_workbook(gridctl, worker_env, tmp_path):
    path = tmp_path / "w.xlsx"
    workbook(path, {"Sheet1": [HEADER]})
    r = gridctl(worker_env, "import", "persons", str(path))
    assert r.exit_code == 4
    assert "only an admin may import" in r.stderr


@pytest.mark.parametrize("value,text", [(19800101.0, "19800101"), (34.25, "34.25"), (True, "true"),
                                        (datetime(1980, 1, 2), "1980-01-02"), (date(1980, 1, 2), "1980-01-02"),
                                        (datetime(2026, 1, 2, 8, 30), "2026-01-02 08:30:00"),
                                        (6.108221980010112e17, None), (1234567890123456, None)])
def test_cell_text(value, text):
    from gridctl.xlsxsource import PRECISION_LOST, cell_text

    assert cell_text(value) == (PRECISION_LOST if text is None else text)
