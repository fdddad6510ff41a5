"""The periodic report as a county centre reads it: a town just set up (no grids, no cases) and a
busy one, in English, where group names run long; rendered in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.cli.test_report_screenshot import CHROMIUM


def svg_texts(html: str, section: str) -> list[str]:
    part = html[html.index(f'id="{section}"'):]
    part = part[:part.index("</section>")]
    svg = part[part.index("<svg"):part.index("</svg>")]
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_an_empty_town_says_none_and_draws_no_zero_coverage(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "county-admin")
    divisions = tmp_path / "divisions.csv"
    divisions.write_text("code,name\n610822109,空白镇\n", encoding="utf-8")
    assert cli("import", "divisions", str(divisions)).code == 0
    out = tmp_path / "empty.html"
    r = cli("report", "monthly", "--division", "610822109", "--out", str(out))
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    for section in ("category", "index", "overdue"):
        part = html[html.index(f'id="{section}"'):]
        assert 'class="none">None in this period<' in part[:part.index("</section>")], section
    # Nobody to visit is not 0 % visited: the chart says — as the table does.
    texts = svg_texts(html, "coverage")
    assert "—" in texts and "0%" not in texts
    zh = tmp_path / "空.html"
    assert cli("--lang", "zh", "report", "weekly", "--division", "610822109", "--out", str(zh)).code == 0
    assert 'class="none">本期无<' in zh.read_text(encoding="utf-8")
    if CHROMIUM:
        from PIL import Image

        png = tmp_path / "empty.png"
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp_path / 'chromium'}", f"--screenshot={png}", "--window-size=820,2400",
                        out.as_uri()], capture_output=True, text=True, timeout=120)
        colours = Image.open(png).convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50


def test_english_group_names_are_drawn_whole(cli, login, live_server, tmp_path):
    login(live_server, "station-01")
    out = tmp_path / "report.html"
    assert cli("report", "monthly", "--out", str(out)).code == 0
    html = out.read_text(encoding="utf-8")
    texts = svg_texts(html, "coverage")
    for name in ("Elderly living alone", "Under community correction", "Severe mental disorder", "Released prisoner"):
        assert name in texts, (name, texts[:12])
    assert not any(t.endswith("…") for t in texts)
