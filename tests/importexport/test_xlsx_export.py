""".xlsx exports are written by ``gridctl.xlsxwrite`` (a row at a time as one string, for speed)
instead of XlsxWriter: the same awkward cells written both ways must read back the same through
python-calamine (what ``gridctl import`` reads with), and every part must be well-formed XML."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

import pytest

from gridctl.xlsxwrite import SheetWriter, column_letters

HEADERS = ["text", "number", "more", "  blank-ended header "]
AWKWARD = [
    ["plain", 1, "三", "x"],
    ["a & b < c > d", 2.5, '"quoted"', "'single'"],
    [" leading", -3, "trailing ", "\u3000全角空格\u3000"],
    ["line\nbreak", 0, "tab\there", "cr\rhere"],
    ["ctrl \x01 \x1f \x07", 10**15, "_x0041_ looks escaped", "_x00"],
    ["", None, "", "after blanks"],
    ["x" * 40000, 1e-7, "\ufffe", "end"],
    ["sep\x1fin text", 7, "ok", " "],
    ["6108**********123X", 123456789012, "610822199001011234", "001"],
]


def _read(path):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def _xlsxwriter(path, rows):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("persons")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, bold)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if isinstance(v, str):
                if v:
                    sheet.write_string(r, c, v)
            elif v is not None:
                sheet.write_number(r, c, v)
    book.close()


def test_cells_read_back_as_xlsxwriter_s_do(tmp_path):
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    with SheetWriter(ours, "persons", HEADERS, [12] * len(HEADERS)) as sheet:
        assert sheet.write_rows(AWKWARD[:4]) == 4
        assert sheet.write_rows(AWKWARD[4:]) == len(AWKWARD) - 4
    _xlsxwriter(theirs, AWKWARD)
    got, expected = _read(ours), _read(theirs)
    assert got == expected
    assert got[0] == HEADERS and got[1][:2] == ["plain", 1]
    assert got[2][0] == "a & b < c > d" and got[3][0] == " leading" and got[3][2] == "trailing "
    assert len(got[7][0]) == 32767  # Excel's limit, as XlsxWriter cuts


def test_every_part_is_well_formed_and_the_header_is_bold_and_frozen(tmp_path):
    path = tmp_path / "out.xlsx"
    with SheetWriter(path, "人口[1]/2", HEADERS, [20, 12, 12, 38]) as sheet:
        sheet.write_rows(AWKWARD)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= names
        for name in names:
            ElementTree.fromstring(z.read(name))
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert 'state="frozen"' in sheet_xml and '<c r="A1" s="1" t="inlineStr">' in sheet_xml
        assert 'width="20.7109375"' in sheet_xml
        assert 'name="人口_1__2"' in z.read("xl/workbook.xml").decode()


@pytest.mark.parametrize("n,expected", [(1, ["A"]), (3, ["A", "B", "C"])])
def test_column_letters(n, expected):
    assert column_letters(n) == expected


def test_column_letters_past_z():
    letters = column_letters(800)
    assert letters[25:28] == ["Z", "AA", "AB"] and letters[701:703] == ["ZZ", "AAA"]
