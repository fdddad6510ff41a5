"""Exports under --lang zh speak Chinese in every format, and import takes them back unchanged
(DESIGN 17): one round trip per kind and format, through the real CLI and server."""

from __future__ import annotations

import csv
import json
import os
import stat

import pytest

from .test_import import endpoint  # noqa: F401  (the fixture)

GRID = "610822100200001"  # gw-001's grid in the small demo


def read_back(path, fmt: str) -> tuple[list[str], list[dict]]:
    """(headers, rows as text) of an exported file."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            return list(reader.fieldnames or []), list(reader)
    if fmt == "jsonl":
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return (list(items[0]) if items else []), items
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return list(rows[0]), [dict(zip(rows[0], r)) for r in rows[1:]]


KINDS = {
    # kind: (export filters, Chinese headers that must be there, a label that must be there)
    "divisions": ((), ["编码", "名称", "层级", "上级编码"], ("层级", "乡镇/街道")),
    "grids": (("--grid", "610822100200"), ["网格编码", "网格名称", "网格类型", "上级编码"], ("网格类型", "基础网格")),
    "households": (("--grid", GRID), ["户号", "网格编码", "地址", "纬度", "经度", "系统编号", "户主系统编号", "版本"], None),
    "persons": (("--grid", GRID, "--reveal"),
                ["户号", "网格编码", "地址", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "联系电话", "人员标签",
                 "户籍类型", "关注程度", "重点人员类别", "系统编号", "户系统编号", "版本",
                 "人员状态", "迁往", "状态变更日期", "风险等级"], ("与户主关系", "户主")),
}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_chinese_export_goes_back_unchanged(gridctl, admin_env, endpoint, tmp_path, kind, fmt):
    filters, headers, label = KINDS[kind]
    zh = {**admin_env, "GRIDCTL_LANG": "zh"}
    out = tmp_path / f"{kind}.{fmt}"
    r = gridctl(zh, "export", kind, "--format", fmt, "--out", str(out), *filters)
    assert r.exit_code == 0, r.stderr
    got_headers, rows = read_back(out, fmt)
    assert got_headers == headers
    assert rows, "nothing exported"
    if label:
        column, text = label
        assert any(row[column] == text for row in rows), [row[column] for row in rows][:5]
    if kind == "persons":
        assert {row["性别"] for row in rows} <= {"男", "女"}
        assert {row["人员状态"] for row in rows} == {"在册"}  # DESIGN 17: the status, labelled
        assert all("*" not in str(row["身份证号"]) for row in rows)  # --reveal
        assert all(isinstance(row["身份证号"], str) for row in rows)  # text, never an Excel number
        assert "male" not in out.read_bytes().decode("utf-8", "ignore")
    if fmt == "xlsx":  # the sheet is named in Chinese too, and import reads it by that name
        from python_calamine import CalamineWorkbook

        sheet = {"divisions": "行政区划", "grids": "网格", "households": "户籍信息", "persons": "人口信息"}[kind]
        assert CalamineWorkbook.from_path(str(out)).sheet_names == [sheet]

    r = gridctl(zh, "import", kind, str(out), "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": len(rows), "rejected": 0}


def test_english_export_keeps_codes_and_goes_back_unchanged(gridctl, admin_env, endpoint, tmp_path):
    out = tmp_path / "p.csv"
    r = gridctl(admin_env, "export", "persons", "--grid", GRID, "--reveal", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    headers, rows = read_back(out, "csv")
    assert headers[:5] == ["household_no", "grid_code", "address", "name", "id_number"]
    assert {row["sex"] for row in rows} <= {"male", "female"}
    r = gridctl(admin_env, "import", "persons", str(out), "-o", "json")
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": len(rows), "rejected": 0}


@pytest.mark.parametrize("kind", ["cases", "visits"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_cases_and_visits_in_chinese(gridctl, admin_env, tmp_path, kind, fmt):
    out = tmp_path / f"{kind}.{fmt}"
    r = gridctl({**admin_env, "GRIDCTL_LANG": "zh"}, "export", kind, "--format", fmt, "--out", str(out),
                *(("--grid", GRID) if kind == "cases" else ()))
    assert r.exit_code == 0, r.stderr
    headers, rows = read_back(out, fmt)
    assert rows
    if kind == "cases":
        assert headers[:4] == ["编号", "系统编号", "标题", "类别"]
        assert {row["加急"] for row in rows} <= {"是", "否"}
        assert {row["状态"] for row in rows} <= {"待受理", "已受理", "处置中", "已办结", "已结案", "已退回", "已驳回",
                                                "已上报"} | {row["状态"] for row in rows if not str(row["状态"]).isascii()}
        assert all(not str(row["状态"]).isascii() for row in rows)
        assert all(not str(row["类别"]).isascii() for row in rows)
    else:
        assert headers[:4] == ["系统编号", "户号", "户系统编号", "网格编码"]
        assert all(not str(row["走访方式"]).isascii() and not str(row["走访目的"]).isascii() for row in rows)
        assert {row["见到本人"] for row in rows} <= {"是", "否"}


def test_revealed_export_is_private_and_masked_one_is_not(gridctl, admin_env, tmp_path):
    for fmt in ("csv", "jsonl", "xlsx"):
        out = tmp_path / f"secret.{fmt}"
        r = gridctl(admin_env, "export", "persons", "--grid", GRID, "--reveal", "--format", fmt, "--out", str(out))
        assert r.exit_code == 0, r.stderr
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, fmt
    out = tmp_path / "masked.xlsx"
    r = gridctl(admin_env, "export", "persons", "--grid", GRID, "--format", "xlsx", "--out", str(out))
    assert r.exit_code == 0
    _h, rows = read_back(out, "xlsx")
    assert all("**********" in row["id_number"] for row in rows)
    assert all(not row["key_person_type"] for row in rows)


def test_grid_worker_exports_masked_and_may_not_reveal(gridctl, worker_env, tmp_path):
    out = tmp_path / "w.xlsx"
    r = gridctl(worker_env, "export", "persons", "--format", "xlsx", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    _h, rows = read_back(out, "xlsx")
    assert rows and {row["grid_code"] for row in rows} == {GRID}
    assert all("**********" in row["id_number"] for row in rows)
    r = gridctl(worker_env, "export", "persons", "--format", "xlsx", "--reveal", "--out", str(out))
    assert r.exit_code == 4 and "for admins only" in r.stderr


def test_excel_export_needs_a_file(gridctl, admin_env):
    r = gridctl(admin_env, "export", "persons", "--format", "xlsx")
    assert r.exit_code == 2 and "an Excel export needs a file: add --out FILE.xlsx" in r.stderr


def test_export_endpoint_scope_masking_and_reveal(ie_server):
    import httpx

    from tests.conftest import token_for

    def get(user: str, kind: str, **params):
        token = token_for(ie_server.url, user)
        return httpx.get(f"{ie_server.url}/api/v1/export/{kind}", params=params,
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)

    r = get("gw-001", "persons")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    columns, chunks, end = lines[0]["columns"], lines[1:-1], lines[-1]
    rows = [dict(zip(columns, row)) for chunk in chunks for row in chunk]
    assert end == {"rows": len(rows)} and rows
    assert {row["grid_code"] for row in rows} == {GRID}  # the worker's scope, in the SQL
    assert all("**********" in row["id_number"] for row in rows)
    assert get("gw-001", "persons", reveal="true").status_code == 403
    unknown = get("county-admin", "vehicles")  # the path is typed: the refusal names the kinds there are
    assert unknown.status_code == 422 and "persons" in unknown.text, unknown.text
    assert get("county-admin", "persons", grid="61082x").status_code == 422
    admin = get("county-admin", "persons", grid=GRID, reveal="true")
    assert all("*" not in row[columns.index("id_number")] for chunk in
               [json.loads(line) for line in admin.text.splitlines()[1:-1]] for row in chunk)


def test_a_cut_export_stream_is_not_taken_for_a_whole_one():
    """The server ends every export with {"rows": n}; a stream that stops before it (a dropped
    connection) fails the export instead of leaving a short file that looks complete."""
    from gridctl.errors import Unreachable
    from gridctl.exporter import _bulk_chunks

    class Api:
        base_url = "http://127.0.0.1:9"

        def export_lines(self, kind, **params):
            yield '{"columns": ["code", "name"]}'
            yield '[["610822", "示范县"]]'

    columns, chunks = _bulk_chunks(Api(), "divisions", False, {})
    assert columns == ["code", "name"]
    with pytest.raises(Unreachable):
        list(chunks)
