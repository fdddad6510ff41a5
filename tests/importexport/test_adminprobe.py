"""The county admin's bulk day tried from outside (adminprobe): registers as counties keep them in
Excel and CSV, and exports that go back to Excel. Each test names the defect it found."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import httpx
import pytest

from schemas.validators import make_id_number
from tests.conftest import token_for

from .test_import import endpoint, get  # noqa: F401  (the fixture)
from .test_import_neighbours import members

GRID = "610822100200004"


def ids(n: int, area: str = "610897") -> list[tuple[str, date]]:
    birth = date(1950, 1, 1) + timedelta(days=uuid.uuid4().int % 20000)
    return [(make_id_number(area, birth + timedelta(days=i), 100 + i), birth + timedelta(days=i)) for i in range(n)]


def county_register(path, sheets: dict[str, list[list]], hidden_first: bool = False) -> None:
    """A workbook as a village keeps it: a merged title, a 填报单位/填报日期 line of two cells, a
    header with 序号, *户号, （必填） marks and a 年龄 formula, dates as date cells."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    if hidden_first:
        notes = book.add_worksheet("填表说明")
        notes.write(0, 0, "填表说明")
        notes.write(1, 0, "身份证号列请设为文本格式")
        notes.hide()
    header = ["序号", "*户号", "网格编码", "地址", "姓名（必填）", "身份证号(必填)", "出生日期", "与户主关系", "年龄"]
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        if hidden_first and name == next(iter(sheets)):
            ws.activate()
        ws.merge_range(0, 0, 0, len(header) - 1, f"{name}人口信息登记表")
        ws.write(1, 0, f"填报单位：{name}村委会")
        ws.write(1, 6, "填报日期：2026年11月30日")
        ws.write_row(2, 0, header)
        for r, (no, address, person, id_number, birth, relation) in enumerate(rows, start=3):
            ws.write_number(r, 0, r - 2)
            ws.write_string(r, 1, no)
            ws.write_string(r, 2, GRID)
            ws.write_string(r, 3, address)
            ws.write_string(r, 4, person)
            ws.write_string(r, 5, id_number)
            ws.write_datetime(r, 6, datetime(birth.year, birth.month, birth.day), date_format)
            ws.write_string(r, 7, relation)
            ws.write_formula(r, 8, f"=2026-YEAR(G{r + 1})", None, 2026 - birth.year)
        ws.write_blank(len(rows) + 8, 12, None, date_format)  # a formatted cell far below and right
    book.close()


def test_header_below_a_title_and_a_filled_in_by_line(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """Defect: the 填报单位：… / 填报日期：… line (two cells) above the header was taken for the
    header, and 序号, 年龄 and *户号 were refused as unknown columns: no village register went in."""
    tag = uuid.uuid4().hex[:6]
    (id1, b1), (id2, b2), (id3, b3) = ids(3)
    no = f"{GRID}AP{tag}1"
    rows = {"前进村": [(no, "前进村人民路1号", "张三", id1, b1, "户主"),
                       (no, "前进村人民路1号", "李四", id2, b2, "配偶"),
                       (no, "前进村人民路1号", "王五", id3, b3, "子女")],  # 子女 is no relation code
            "胜利村": [(f"{GRID}AP{tag}2", "胜利村1号", "赵六", make_id_number("610897", date(1970, 1, 1), 501),
                        date(1970, 1, 1), "户主")]}
    path = tmp_path / "村人口登记.xlsx"
    county_register(path, rows)

    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    # the sheet's own row number (title, filled-in-by line, header above), the file's column name
    assert "row 6, column 与户主关系: '子女' is not valid" in r.stderr
    token = token_for(ie_server.url, "county-admin")
    _home, people = members(ie_server.url, token, no)
    assert {p["name"]: p["birth_date"] for p in people} == {"张三": b1.isoformat(), "李四": b2.isoformat()}

    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "persons", str(path), "--sheet", "胜利村", "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["created"] == 1
    r = gridctl(admin_env, "import", "persons", str(path), "--sheet", "胜利村", "-o", "json")
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}


def test_the_first_visible_sheet_is_read_when_a_hidden_one_comes_first(gridctl, admin_env, endpoint, tmp_path):
    """Defect: a hidden 填表说明 sheet in front made every import without --sheet fail on the
    notes; the sheet Excel opens on is the first visible one."""
    (id1, b1), = ids(1)
    path = tmp_path / "hidden.xlsx"
    county_register(path, {"前进村": [(f"{GRID}AP{uuid.uuid4().hex[:6]}", "路1号", "孙七", id1, b1, "户主")]},
                    hidden_first=True)
    r = gridctl(admin_env, "import", "persons", str(path), "--dry-run", "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["created"] == 1


def test_full_width_codes_from_a_gbk_csv_are_the_same_codes(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """Defect: codes typed with a Chinese input method (６１０８２２…, a U+3000 space) were refused
    as 'must be 6, 9, 12 or 15 digits', though they are 15 digits to the reader."""
    tag = uuid.uuid4().int % 900 + 100
    code = f"610822100200{tag}"
    wide = code.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    path = tmp_path / "grids.csv"
    path.write_bytes(f"网格编码,网格名称,网格类型\r\n{wide}\u3000,全角网格{tag} ,基础网格\r\n".encode("gbk"))
    r = gridctl(admin_env, "import", "grids", str(path), "-o", "json")
    assert r.exit_code == 0, r.stderr + r.stdout
    assert json.loads(r.stdout)["created"] == 1
    r = gridctl(admin_env, "import", "grids", str(path), "-o", "json")
    assert json.loads(r.stdout)["unchanged"] == 1
    token = token_for(ie_server.url, "county-admin")

    (id1, _b), = ids(1)
    no = f"{code}AP{uuid.uuid4().hex[:6]}"
    persons = tmp_path / "persons.csv"
    persons.write_text(f"户号,网格编码,地址,姓名,身份证号,与户主关系\r\n{no},{wide},地址,周八,{id1},户主\r\n"
                       f"{no},{code},地址,吴九,{make_id_number('610897', date(1990, 1, 1), 7)},配偶\r\n",
                       encoding="utf-8-sig")
    r = gridctl(admin_env, "import", "persons", str(persons), "-o", "json")
    assert r.exit_code == 0, r.stderr
    home, people = members(ie_server.url, token, no)
    assert home["grid_code"] == code and {p["name"] for p in people} == {"周八", "吴九"}


def test_csv_export_defuses_formulas_and_goes_back_in_unchanged(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """Defect: a name or address like =HYPERLINK(...) or =cmd|... was written to the CSV export as
    it is, and Excel runs such a cell as a formula when the export is opened (CSV injection)."""
    (id1, _b), = ids(1)
    no = f"{GRID}AP{uuid.uuid4().hex[:6]}"
    hostile = tmp_path / "hostile.csv"
    hostile.write_text('户号,网格编码,地址,姓名,身份证号,与户主关系\n'
                       f'{no},{GRID},"=HYPERLINK(""http://evil.example"",""点击"")",=cmd|calc,{id1},户主\n',
                       encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(hostile), "-o", "json")
    assert r.exit_code == 0, r.stderr

    for lang in ("en", "zh"):
        out = tmp_path / f"persons-{lang}.csv"
        r = gridctl(admin_env, "export", "persons", "--format", "csv", "--reveal", "--lang", lang, "--out", str(out))
        assert r.exit_code == 0, r.stderr
        text = out.read_text(encoding="utf-8-sig")
        line = next(x for x in text.splitlines() if id1 in x)
        assert "'=cmd|calc" in line and "\"'=HYPERLINK(" in line, line
        assert not any(cell.startswith(("=", "+", "@")) for row in text.splitlines() for cell in row.split(","))
        r = gridctl(admin_env, "import", "persons", str(out), "-o", "json")
        assert r.exit_code == 0, r.stderr
        summary = json.loads(r.stdout)
        assert summary["created"] == summary["updated"] == summary["rejected"] == 0, summary

    token = token_for(ie_server.url, "county-admin")
    _home, people = members(ie_server.url, token, no)
    assert [p["name"] for p in people] == ["=cmd|calc"]  # kept as typed; only the CSV cell is defused
    r = httpx.get(f"{ie_server.url}/api/v1/households", params={"q": no},
                  headers={"Authorization": f"Bearer {token}"})
    assert [h["address"] for h in r.json()["items"]] == ['=HYPERLINK("http://evil.example","点击")']


def _far_cell_workbook(path, rows: int, far: tuple[int, int] | None) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("网格")
    ws.write_row(0, 0, ["网格编码", "网格名称", "网格类型"])
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [f"610822100200{r % 1000:03d}", f"网格{r}", "基础网格"])
    if far:
        ws.write_string(far[0], far[1], "x")
    book.close()


def test_a_sheet_with_a_stray_far_cell_is_refused_not_a_crash(gridctl, admin_env, tmp_path):
    """Defect: one value at XFD1048576 made python-calamine ask for a 512 GB grid and abort the
    process (SIGABRT, a Rust backtrace, exit 134) instead of an error naming the cell."""
    path = tmp_path / "far.xlsx"
    _far_cell_workbook(path, 3, (1048575, 16383))
    r = gridctl(admin_env, "import", "grids", str(path), "--dry-run")
    assert r.exit_code == 2
    assert "far.xlsx [网格]: the sheet reaches cell XFD1048576 (16384 columns × 1048576 rows" in r.stderr
    assert "Ctrl+End" in r.stderr
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "grids", str(path), "--dry-run")
    assert r.exit_code == 2 and "工作表延伸到单元格 XFD1048576" in r.stderr


def test_sheet_extent_finds_the_far_cell_across_chunk_boundaries(tmp_path, monkeypatch):
    from gridctl import xlsxextent

    monkeypatch.setattr(xlsxextent, "_CHUNK", 997)  # cell tags cut in two over and over
    for far, expected in [(None, (3, 301)), ((150, 700), (701, 301)), ((5, 2), (3, 301)),
                          ((1_999_999 // 2, 0), (3, 999_999 + 1))]:
        path = tmp_path / f"e{far}.xlsx"
        _far_cell_workbook(path, 300, far)
        assert xlsxextent.sheet_extent(path, "网格") == expected, far
    assert xlsxextent.sheet_extent(tmp_path / "none.xlsx", "网格") is None


def test_the_errors_file_fixed_goes_back_in_and_runs_no_formula(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """Defects: the rejected rows that --errors FILE wrote could not be imported again once fixed
    ('unknown columns for persons: row, error'), and their cells were written back as they were,
    so a =HYPERLINK(...) cell ran as a formula when the admin opened the file in Excel to fix it."""
    (good, _b), (bad, _b2) = ids(2)
    no = f"{GRID}AP{uuid.uuid4().hex[:6]}"
    wrong = bad[:17] + ("1" if bad[17] == "0" else "0")  # a check digit that is not bad's own
    src = tmp_path / "in.csv"
    src.write_text("户号,网格编码,地址,姓名,身份证号,与户主关系\r\n"
                   f"{no},{GRID},路1号,郑一,{good},户主\r\n"
                   f'{no},{GRID},"=HYPERLINK(""http://evil.example"")",王二,{wrong},配偶\r\n',
                   encoding="utf-8-sig")
    errors = tmp_path / "rejected.csv"
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "persons", str(src), "--errors", str(errors), "-o", "json")
    assert r.exit_code == 3, r.stderr
    text = errors.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "户号,网格编码,地址,姓名,身份证号,与户主关系,row,error"
    assert "\"'=HYPERLINK(" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
    assert "身份证号" in text.splitlines()[1] and "校验" in text  # what is wrong, in the reader's language

    fixed = errors.with_name("fixed.csv")
    fixed.write_text(text.replace(wrong, bad).replace("\"'=HYPERLINK(\"\"http://evil.example\"\")\"", "路1号"),
                     encoding="utf-8-sig")
    r = gridctl(admin_env, "import", "persons", str(fixed), "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    _home, people = members(ie_server.url, token_for(ie_server.url, "county-admin"), no)
    assert {p["name"] for p in people} == {"郑一", "王二"}


def test_thousands_of_stray_columns_are_named_by_the_first_few(gridctl, admin_env, tmp_path):
    """Defect: a header with 6,000 stray columns printed all 6,000 names (40 KB) in one error."""
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["网格编码", "网格名称"] + [f"c{i}" for i in range(6000)]) + "\n"
                    + ",".join(["610822100200001", "x"] + [""] * 6000) + "\n", encoding="utf-8")
    r = gridctl(admin_env, "import", "grids", str(path))
    assert r.exit_code == 2
    assert "unknown columns for grids: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 and 5988 more. " \
           "Expected columns" in r.stderr
    assert len(r.stderr) < 2000
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "grids", str(path))
    assert "c11 等另外 5988 列" in r.stderr


def test_a_person_moved_to_another_household_by_file(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """Defect: a file moving a person to another household (迁入另一户) answered HTTP 500: the
    set of re-headed households took the name of the list of changed people, whose history the
    import then tried to write from it."""
    (head, _b), (moving, _b2), (other, _b3) = ids(3)
    tag = uuid.uuid4().hex[:6]
    first, second = f"{GRID}AP{tag}A", f"{GRID}AP{tag}B"
    before = tmp_path / "before.csv"
    before.write_text("户号,网格编码,地址,姓名,身份证号,与户主关系\n"
                      f"{first},{GRID},甲路1号,钱一,{head},户主\n{first},{GRID},甲路1号,钱二,{moving},子\n"
                      f"{second},{GRID},乙路2号,孙三,{other},户主\n", encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(before), "-o", "json")
    assert r.exit_code == 0, r.stderr
    after = tmp_path / "after.csv"
    # 钱二 moves in and becomes the head; 孙三 hands the headship over in the same file
    after.write_text("户号,网格编码,地址,姓名,身份证号,与户主关系\n"
                     f"{second},{GRID},乙路2号,孙三,{other},其他\n{second},{GRID},乙路2号,钱二,{moving},户主\n",
                     encoding="utf-8")
    for lang in ("en", "zh"):
        r = gridctl({**admin_env, "GRIDCTL_LANG": lang}, "import", "persons", str(after), "-o", "json")
        assert r.exit_code == 0, r.stderr
    assert "500" not in r.stderr
    token = token_for(ie_server.url, "county-admin")
    assert {p["name"] for p in members(ie_server.url, token, first)[1]} == {"钱一"}
    home, people = members(ie_server.url, token, second)
    assert {p["name"]: p["relation_to_head"] for p in people} == {"孙三": "other", "钱二": "head"}
    assert home["head_person_id"] == next(p["id"] for p in people if p["name"] == "钱二")
    # and the head who moves leaves the old household without a head, not pointing at him
    move_head = tmp_path / "head.csv"
    move_head.write_text("户号,网格编码,地址,姓名,身份证号,与户主关系\n"
                         f"{second},{GRID},乙路2号,钱一,{head},其他\n", encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(move_head), "-o", "json")
    assert r.exit_code == 0, r.stderr
    home, people = members(ie_server.url, token, first)
    assert people == [] and home["head_person_id"] is None


def test_a_register_saved_as_csv_keeps_its_title_lines(gridctl, admin_env, ie_server, endpoint, tmp_path):
    """Defect: Excel's "Save as CSV" of a titled register keeps the title and the 填报单位：… line
    as rows of commas; the title was taken for the header and the whole file refused."""
    (id1, _b), (id2, _b2) = ids(2)
    no = f"{GRID}AP{uuid.uuid4().hex[:6]}"
    lines = ["前进村人口信息登记表,,,,,", "填报单位：前进村,,,填报日期：2026年11月,,", ",,,,,",
             "序号,*户号,网格编码,地址,姓名（必填）,身份证号", f"1,{no},{GRID},路1号,冯一,{id1}",
             f"2,{no},{GRID},路1号,冯二,{id2[:17]}{'0' if id2[17] != '0' else '1'}"]
    path = tmp_path / "title.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("gb18030"))
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "row 6, column 身份证号: the ID number's check character" in r.stderr
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert json.loads(r.stdout)["unchanged"] == 1

    # A file with no header at all is still refused for its first line, as before.
    bad = tmp_path / "noheader.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(bad))
    assert r.exit_code == 2 and "unknown columns for persons: 甲, 乙" in r.stderr


def test_a_date_saved_with_a_midnight_time(gridctl, admin_env, endpoint, tmp_path):
    """Defect: a date cell formatted with a time is saved by Excel in a CSV as 1980/1/2 0:00,
    which was refused though it names the day."""
    birth = date(1980, 1, 2)
    idn = make_id_number("610897", birth, 101)
    path = tmp_path / "dates.csv"
    path.write_text("户号,网格编码,姓名,身份证号,出生日期\n"
                    f"{GRID}AP{uuid.uuid4().hex[:6]},{GRID},褚一,{idn},1980/1/2 0:00\n", encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(path), "--dry-run", "-o", "json")
    assert r.exit_code == 0, r.stderr
    path.write_text(path.read_text(encoding="utf-8").replace("1980/1/2 0:00", "1980/1/2 8:30"), encoding="utf-8")
    r = gridctl(admin_env, "import", "persons", str(path), "--dry-run")
    assert r.exit_code == 3 and "row 2, column 出生日期: date '1980/1/2 8:30' is not valid" in r.stderr


@pytest.mark.parametrize("kind,header,row,key", [
    ("divisions", "code,name", "610822100{n:03d},测试镇", "610822100{n:03d}"),
    ("grids", "code,name,kind", "610822100200{n:03d},测试网格,basic", "610822100200{n:03d}"),
    ("users", "username,display_name,role,scope", "ap-dup-{n},测试,gridworker,610822100200001", "ap-dup-{n}"),
    ("households", "household_no,grid_code", GRID + "APD{n}," + GRID, GRID + "APD{n}"),
    ("units", "code,name,division,kind", "610822100-APD{a},测试单位,610822100,其他", "610822100-APD{a}"),
], ids=lambda v: v if v in ("divisions", "grids", "users", "households", "units") else "")
def test_a_key_twice_in_one_file_names_the_first_row(gridctl, admin_env, endpoint, tmp_path, kind, header, row, key):
    """Defect: for every kind but persons, a key given twice in one file was 'DUPH1 appears twice
    in this request' (the server's word), naming neither the file nor the row it repeats."""
    n = uuid.uuid4().int % 1000
    a = "".join(chr(65 + int(d)) for d in f"{n:03d}")
    line = row.format(n=n, a=a)
    path = tmp_path / f"{kind}.csv"
    path.write_text(f"{header}\n{line}\n{line}\n", encoding="utf-8")
    r = gridctl(admin_env, "import", kind, str(path), "--dry-run")
    assert r.exit_code == 3, r.stderr + r.stdout
    assert f"row 3, column {header.split(',')[0]}: {key.format(n=n, a=a)} already appears in row 2 of this file; " \
           "keep one of the two rows" in r.stderr


def test_an_import_killed_half_way_is_finished_by_running_it_again(admin_env, ie_server, endpoint, tmp_path):
    """Held: the client killed (SIGKILL) once the server has applied a batch, then run again:
    every row lands once, none twice (each row is an upsert by its key)."""
    import os
    import subprocess
    import sys
    import time

    from .conftest import ROOT, run_subprocess

    tag = uuid.uuid4().hex[:6]
    prefix = f"{GRID}K{tag}"
    n = 16_000  # four batches of 5,000 or less
    base, seq = date(1940, 1, 1), 200 + uuid.uuid4().int % 700  # ID numbers of this run alone
    lines = ["户号,网格编码,地址,姓名,身份证号,与户主关系"]
    for i in range(n):
        idn = make_id_number("610896", base + timedelta(days=i), seq)
        lines.append(f"{prefix}-{i // 2},{GRID},续传路{i // 2}号,断点{i},{idn},{'户主' if i % 2 == 0 else '配偶'}")
    path = tmp_path / "kill.csv"
    path.write_bytes("\n".join(lines).encode("gb18030") + b"\n")

    def landed() -> int:
        return ie_server.db.scalar("SELECT count(*) FROM persons p JOIN households h ON p.household_id = h.id "
                                   "WHERE h.household_no LIKE :p", p=prefix + "-%")

    env = {**os.environ, **admin_env, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "import", "persons", str(path), "-o", "json"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    try:
        while landed() == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    first = landed()
    assert 0 < first < n, first  # killed with some batches in and some not

    r = run_subprocess(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["rejected"] == 0 and summary["created"] + summary["unchanged"] + summary["updated"] == n
    assert summary["created"] <= n - first
    assert landed() == n
    assert ie_server.db.scalar("SELECT count(*) FROM households WHERE household_no LIKE :p", p=prefix + "-%") == n // 2


def test_failed_formulas_are_named_and_rows_of_formulas_alone_are_blank(gridctl, admin_env, ie_server, endpoint,
                                                                        tmp_path):
    """Defects: a cell whose formula failed (#N/A of a VLOOKUP, #DIV/0!) was read as empty: in the
    ID column the row was 'required', in an optional column the value vanished without a word.
    And rows below the register holding only a 序号 or a 年龄 formula dragged down were taken for
    people and refused as 'required'."""
    import xlsxwriter

    (id1, b1), (id2, b2), (id3, b3) = ids(3)
    no = f"{GRID}AP{uuid.uuid4().hex[:6]}"
    path = tmp_path / "formulas.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("登记表")
    ws.write_row(0, 0, ["序号", "户号", "网格编码", "姓名", "身份证号", "联系电话", "年龄"])
    ws.write_row(1, 0, [1, no, GRID, "蒋一", id1])
    ws.write_formula(1, 5, "=1/0", None, "#DIV/0!")  # the phone column: a failed formula
    ws.write_row(2, 0, [2, no, GRID, "蒋二"])
    ws.write_formula(2, 4, "=VLOOKUP(D3,Sheet2!A:B,2,0)", None, "#N/A")
    ws.write_row(3, 0, [3, no, GRID, "蒋三", id3])
    for r in range(1, 30):  # 年龄 dragged down to row 30; 序号 numbered as far
        ws.write_formula(r, 6, f"=IF(E{r + 1}=\"\",\"\",2026-MID(E{r + 1},7,4))", None,
                         "#VALUE!" if r == 2 or r > 3 else 40)
        if r > 3:
            ws.write_number(r, 0, r)
    book.close()

    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 3, r.stderr
    assert json.loads(r.stdout) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert "row 2, column 联系电话: Excel shows #DIV/0! here: the cell's formula failed" in r.stderr
    assert "row 3, column 身份证号: Excel shows #N/A here: the cell's formula failed" in r.stderr
    assert "row 5" not in r.stderr and "required" not in r.stderr
    _home, people = members(ie_server.url, token_for(ie_server.url, "county-admin"), no)
    assert [p["name"] for p in people] == ["蒋三"]
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "import", "persons", str(path), "--dry-run")
    assert "第 3 行，身份证号 列：Excel 在此处显示 #N/A" in r.stderr


def test_a_revealed_export_redirected_to_a_file_is_made_private(admin_env, endpoint, tmp_path):
    """Defect: `gridctl export persons --reveal > persons.jsonl` left every full ID number in a
    file the shell created readable by all (0644); a revealed export is its owner's alone (0600)."""
    import os
    import stat
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, **admin_env, "NO_COLOR": "1"}
    for reveal, mode in ((True, 0o600), (False, 0o644)):
        path = tmp_path / f"out-{reveal}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w") as fh:
            args = ["export", "households", "--format", "jsonl"] + (["--reveal"] if reveal else [])
            r = subprocess.run([sys.executable, "-m", "gridctl", *args], cwd=ROOT, env=env, stdout=fh,
                               stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.stderr
        assert path.stat().st_size > 0 and stat.S_IMODE(path.stat().st_mode) == mode, (reveal, oct(path.stat().st_mode))
    # a pipe is left alone and still gets the rows
    r = subprocess.run([sys.executable, "-m", "gridctl", "export", "households", "--format", "jsonl", "--reveal"],
                       cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.count("\n") > 0


def test_errors_file_naming_the_file_being_imported_is_refused(gridctl, admin_env, endpoint, tmp_path):
    """Defect: `import persons rejected.csv --errors rejected.csv` (the fixed rejected rows run again
    with the same command) emptied the file being read: the register was overwritten by its own
    rejected rows, and a file longer than the reader's buffer lost the rest of its rows."""
    (id1, _b), = ids(1)
    path = tmp_path / "rejected.csv"
    text = f"户号,网格编码,姓名,身份证号\n{GRID}APS1,{GRID},沈一,{id1}\n{GRID}APS1,{GRID},沈二,123\n"
    path.write_text(text, encoding="utf-8")
    same = str(path.parent / "." / "rejected.csv")  # the same file, spelt another way
    for lang, expected in (("en", f"--errors {same} is the file being imported, and writing it would empty it; "
                                  "name another file"), ("zh", f"--errors {same} 就是正在导入的文件")):
        r = gridctl({**admin_env, "GRIDCTL_LANG": lang}, "import", "persons", str(path), "--errors", same)
        assert r.exit_code == 2, r.stderr
        assert expected in r.stderr
    assert path.read_text(encoding="utf-8") == text


def test_a_csv_given_as_jsonl_is_one_refusal_naming_the_flag(gridctl, admin_env, endpoint, tmp_path):
    """Defect: `import grids grids.csv --format jsonl` answered 'not valid JSON' for every line of
    the register (exit 3) instead of saying once that the file is CSV."""
    path = tmp_path / "grids.csv"
    path.write_text("\ufeff网格编码,网格名称\n" + "".join(f"610822100200{i:03d},网格{i}\n" for i in range(50)),
                    encoding="utf-8")
    r = gridctl(admin_env, "import", "grids", str(path), "--format", "jsonl", "--dry-run")
    assert r.exit_code == 2, r.stderr
    assert r.stderr.count("\n") <= 3
    assert "grids.csv: line 1 is a CSV header, not JSON; the file is CSV: leave out --format jsonl" in r.stderr
    # a JSONL file with a broken line among good ones still keeps its good lines
    good = tmp_path / "grids.jsonl"
    good.write_text('{"code": "610822100200001", "name": "x"}\nnot json, at all\n', encoding="utf-8")
    r = gridctl(admin_env, "import", "grids", str(good), "--dry-run", "-o", "json")
    assert r.exit_code == 3 and json.loads(r.stdout)["rejected"] == 1
