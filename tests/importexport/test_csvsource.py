"""Reading import files: encodings, line numbers, and files that are not what they claim."""

from __future__ import annotations

import codecs
import tracemalloc

import pytest

from gridctl.csvsource import count_lines, open_source
from gridctl.errors import InvalidInput
from gridctl.i18n import t

from .conftest import DATA


def records(path, **kw):
    with open_source(path, **kw) as src:
        rows = [(r.line, r.values) for r in src if r.line > 1 or r.values]
        return src, rows


def message(exc: InvalidInput) -> str:
    return t(exc.key, lang="en", **exc.params)


def test_gb18030_is_detected_and_chinese_headers_kept():
    src, rows = records(DATA / "persons_gb18030.csv")
    assert src.encoding == "gb18030"
    assert src.header[:4] == ["户号", "网格编码", "地址", "姓名"]
    assert [line for line, _ in rows] == [2, 3, 4, 5, 6]
    assert rows[0][1]["姓名"] == "王德明"
    assert rows[0][1]["人员标签"] == "留守老人、低保户"


def test_utf8_bom_is_stripped_from_the_first_header():
    src, rows = records(DATA / "grids.csv")
    assert src.encoding == "utf-8-sig"
    assert src.header == ["网格编码", "网格名称", "网格类型"]
    assert rows[0] == (2, {"网格编码": "610822104200001", "网格名称": "试点村第1网格", "网格类型": "基础网格"})


def test_plain_utf8(tmp_path):
    src, rows = records(DATA / "divisions.csv")
    assert src.encoding == "utf-8"
    assert [v["name"] for _, v in rows] == ["试验镇", "试点村", "新城社区"]


def test_line_numbers_count_physical_lines_and_skip_blank_ones(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('code,name\n610822104,"two\nlines"\n\n610822105,after\n', encoding="utf-8")
    _, rows = records(path)
    assert [line for line, _ in rows] == [2, 5]


def test_gb18030_read_as_utf8_names_the_line_and_the_fix(tmp_path):
    with pytest.raises(InvalidInput) as info:
        records(DATA / "persons_gb18030.csv", encoding="utf-8")
    text = message(info.value)
    assert "line 1 is not valid utf-8" in text
    assert "--encoding gb18030" in text
    assert info.value.exit_code == 2


def test_wrong_encoding_deep_in_the_file_is_caught_with_its_line(tmp_path):
    # The sniffed head is clean UTF-8; the GB18030 bytes come after it.
    path = tmp_path / "mixed.csv"
    head = "code,name\n" + "".join(f"6108221{i:02d},town\n" for i in range(10000))
    path.write_bytes(head.encode() + "610822199,河东镇\n".encode("gb18030"))
    with pytest.raises(InvalidInput) as info:
        records(path)
    assert "line 10002 is not valid utf-8" in message(info.value)


def test_unknown_encoding_name():
    with pytest.raises(InvalidInput) as info:
        records(DATA / "divisions.csv", encoding="klingon")
    assert message(info.value) == 'unknown encoding "klingon"; use e.g. --encoding utf-8 or --encoding gb18030'


def test_empty_file():
    with pytest.raises(InvalidInput) as info:
        records(DATA / "empty.csv")
    assert message(info.value).endswith("empty.csv is empty: an import file needs a header line and at least one row")


def test_bom_only_file_is_empty(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"\r\n")
    with pytest.raises(InvalidInput) as info:
        records(path)
    assert info.value.key == "importer.error.empty"


def test_excel_workbook_is_read_as_one_and_a_broken_one_named():
    # register.xlsx has a workbook's zip signature and nothing else
    with pytest.raises(InvalidInput) as info:
        records(DATA / "register.xlsx")
    assert "cannot be read as an Excel workbook" in message(info.value)


def test_workbook_under_a_csv_name_is_read_as_a_workbook(tmp_path):
    import xlsxwriter

    path = tmp_path / "saved-as.csv"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("S").write_row(0, 0, ["code", "name"])
    book.close()
    from gridctl.csvsource import open_source

    with open_source(path) as source:
        assert (source.format, source.header, source.sheet) == ("xlsx", ["code", "name"], "S")


def test_binary_file(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InvalidInput) as info:
        records(path)
    assert "is not a text file" in message(info.value)


def test_unclosed_quote_is_a_syntax_error_with_its_line():
    with pytest.raises(InvalidInput) as info:
        records(DATA / "unclosed_quote.csv")
    assert "the CSV is broken at line 2" in message(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InvalidInput) as info:
        records(tmp_path / "nope.csv")
    assert info.value.key == "importer.error.no_file"
    with pytest.raises(InvalidInput) as info:
        records(tmp_path)
    assert info.value.key == "importer.error.is_dir"


def test_tab_separated_utf16_excel_text(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_text("code\tname\r\n610822104\t试验镇\r\n", encoding="utf-16")
    src, rows = records(path)
    assert src.encoding == "utf-16"
    assert rows == [(2, {"code": "610822104", "name": "试验镇"})]


def test_jsonl_lines_and_bad_lines(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"code": "610822104", "name": "a"}\n\n[1, 2]\n{broken\n{"code": "610822105"}\n', encoding="utf-8")
    with open_source(path) as src:
        recs = list(src)
    assert [(r.line, r.error) for r in recs] == [(1, None), (3, "not_object"), (4, "json"), (5, None)]
    assert src.header == ["code", "name"]


def test_count_lines(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("a\n1\n2", encoding="utf-8")
    assert count_lines(path) == 3


@pytest.mark.slow
def test_reading_is_streamed_memory_stays_flat(tmp_path):
    """A 30 MB file and a 3 MB file cost the same memory to read: nothing accumulates per row."""

    def peak(rows: int) -> int:
        path = tmp_path / f"big{rows}.csv"
        line = "H101200001-0001,610822101200001,河东镇前进村一组12号,王德明,610822194803120115,男,1948-03-12,户主\n"
        with path.open("w", encoding="gb18030") as fh:
            fh.write("户号,网格编码,地址,姓名,身份证号,性别,出生日期,与户主关系\n")
            for _ in range(rows // 1000):
                fh.write(line * 1000)
        tracemalloc.start()
        n = 0
        with open_source(path) as src:
            for _ in src:
                n += 1
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert n == rows
        return top

    small, large = peak(30_000), peak(300_000)
    assert large < small * 1.5 + 200_000, (small, large)
