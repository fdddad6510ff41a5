"""The HTML report rendered in a real headless Chromium: it lays out (a tall page, charts drawn
in colour, CJK text) rather than showing a blank or broken page. Skipped without Chromium.

``GRIDCTL_REPORT_PNG=docs/report-example.png`` keeps the picture (how docs/report-example.png
was made)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to render the report in")
def test_html_report_renders_in_chromium(cli, login, live_server, tmp_path):
    from PIL import Image

    login(live_server, "station-01")
    html = tmp_path / "月报.html"
    r = cli("--lang", "zh", "report", "monthly", "--division", "610822100", "--out", str(html))
    assert r.code == 0, r.err
    png = tmp_path / "report.png"
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          f"--user-data-dir={tmp_path / 'chromium'}", f"--screenshot={png}", "--window-size=820,3000",
                          html.as_uri()], capture_output=True, text=True, timeout=120)
    assert png.exists(), run.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (820, 3000)
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text, tables and charts, not a blank page
    chart_blue = sum(n for n, rgb in colours if rgb == (0x2F, 0x6F, 0xB3))
    assert chart_blue > 1000  # the bars and heading rules are drawn
    keep = os.environ.get("GRIDCTL_REPORT_PNG")
    if keep:
        shutil.copyfile(png, keep)
