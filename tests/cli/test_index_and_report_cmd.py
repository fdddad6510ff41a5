"""gridctl index and gridctl report against the real demo server: the ranking as a table, JSON
and CSV; the report as .xlsx (sheets, native charts, Chinese headers) and .html (inline SVG, A4)."""

from __future__ import annotations

import json
import zipfile

import pytest


@pytest.fixture()
def station(cli, login, live_server):
    login(live_server, "station-01")
    return cli


def test_index_json_matches_the_server(station, live_server, tokens):
    import httpx

    r = station("index", "--division", "610822100200", "--period", "quarter", "-o", "json")
    assert r.code == 0, r.err
    body = r.json()
    assert body["level"] == "grid" and body["period"] == "quarter" and len(body["items"]) == 5
    direct = httpx.get(live_server.url + "/api/v1/stats/index",
                       params={"division": "610822100200", "period": "quarter"},
                       headers={"Authorization": f"Bearer {tokens('station-01')}"}, timeout=30).json()
    assert [(i["code"], i["score"]) for i in body["items"]] == [(i["code"], i["score"]) for i in direct["items"]]


def test_index_table_and_csv(station):
    r = station("index", "--by", "worker", "--division", "610822100200", "-o", "csv")
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert lines[0].split(",")[:5] == ["rank", "rank_change", "code", "name", "score"]
    assert len(lines) == 6 and lines[1].split(",")[0] == "1"
    r = station("index", "--division", "610822100")
    assert r.code == 0, r.err
    assert "610822100200001" in r.out  # piped: one line per grid
    assert "Weights:" in r.err


@pytest.mark.parametrize("args, says, flag", [
    (["--at", "2026-02-30"], "is not a date", "--at"),
    (["--division", "61082"], "is not a division code", "--division"),
])
def test_index_bad_flags_name_the_flag(station, args, says, flag):
    r = station("index", *args)
    assert r.code == 2 and says in r.err and flag in r.err and "Traceback" not in r.err


def test_index_bad_choice_is_a_usage_error(station):
    r = station("index", "--by", "county")
    assert r.code == 2 and "--by" in r.err


def test_report_xlsx_has_sheets_and_native_charts(station, tmp_path):
    out = tmp_path / "月报.xlsx"
    r = station("--lang", "zh", "report", "monthly", "--division", "610822100", "--out", str(out))
    assert r.code == 0, r.err
    assert "已写入" in r.err
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        workbook = z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert sum(n.startswith("xl/charts/chart") for n in names) >= 5
    for sheet in ("主要指标", "每日趋势", "事件类别", "治理指数", "走访覆盖", "超期清单"):
        assert f'name="{sheet}"' in workbook
    assert "按期办结率" in strings and "基层化解率" in strings


def test_report_html_is_self_contained_and_prints_on_a4(station, tmp_path):
    out = tmp_path / "weekly.html"
    r = station("report", "weekly", "--division", "610822100", "--out", str(out))
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "@page { size: A4" in html and html.count("<svg") >= 4
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert "Governance index ranking by grid" in html
    # The server keeps alerts (DESIGN 16): the section has its figures, not the note leaving it out.
    assert "Alerts raised and cleared" in html and "Left out: the server keeps no alerts yet." not in html


def test_report_refuses_an_unknown_suffix(station, tmp_path):
    r = station("report", "monthly", "--out", str(tmp_path / "report.pdf"))
    assert r.code == 2 and "--out" in r.err and not (tmp_path / "report.pdf").exists()


def test_report_xlsx_figures_are_the_servers(station, live_server, tokens, tmp_path):
    import httpx
    from python_calamine import CalamineWorkbook

    out = tmp_path / "monthly.xlsx"
    assert station("report", "monthly", "--division", "610822100", "--out", str(out)).code == 0
    data = httpx.get(live_server.url + "/api/v1/stats/report", params={"division": "610822100", "period": "month"},
                     headers={"Authorization": f"Bearer {tokens('station-01')}"}, timeout=60).json()
    book = CalamineWorkbook.from_path(str(out))
    kpi = book.get_sheet_by_name("KPIs").to_python()
    rows = {r[0]: r[1:4] for r in kpi[3:] if r and r[0]}
    cur, prev = data["kpi"]["current"], data["kpi"]["previous"]
    assert rows["Cases reported"][:2] == [cur["reported"], prev["reported"]]
    assert rows["Cases closed"][:2] == [cur["closed"], prev["closed"]]
    assert rows["Open now"][0] == data["now"]["kpi"]["open"]
    index = book.get_sheet_by_name("Index").to_python()
    assert [r[2] for r in index[3:3 + len(data["index"]["items"])]] == [i["code"] for i in data["index"]["items"]]
    trend = book.get_sheet_by_name("Trend").to_python()
    assert sum(r[1] for r in trend[3:3 + len(data["trend"])]) == cur["reported"]
