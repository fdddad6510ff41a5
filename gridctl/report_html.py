"""The periodic report as one self-contained HTML file: inline SVG charts, no script, no external
file, and ``@page`` CSS so it prints on A4 (sections do not split across pages where avoidable)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from gridctl.i18n import t
from gridctl.report_model import Section, sections, title

COLOURS = ["#2f6fb3", "#3a9d5d", "#d9534f", "#f0ad4e", "#7a5195"]
CSS = """
@page { size: A4; margin: 15mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "WenQuanYi Micro Hei", sans-serif;
       color: #222; margin: 0 auto; max-width: 186mm; font-size: 10.5pt; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 2px solid #2f6fb3; padding-bottom: 1mm; }
p.meta, p.note { color: #555; font-size: 9pt; margin: 1mm 0; }
section { break-inside: avoid; page-break-inside: avoid; }
section.long { break-inside: auto; page-break-inside: auto; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; }
th { background: #ddebf7; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
td.none { color: #777; text-align: center; }
.up { color: #3a9d5d; } .down { color: #d9534f; }
svg { display: block; margin: 2mm 0; max-width: 100%; height: auto; }
svg text { font-size: 9px; fill: #333; }
"""


def write_html(data: dict, path: str | Path, lang: str) -> None:
    Path(path).write_text(render_html(data, lang), encoding="utf-8")


def render_html(data: dict, lang: str) -> str:
    heading = title(data, lang)
    parts = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{escape(heading)}</title><style>{CSS}</style></head><body>",
             f"<h1>{escape(heading)}</h1>",
             f'<p class="meta">{escape(_generated(data, lang))}</p>']
    for section in sections(data, lang):
        parts.append(_section(section))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _generated(data: dict, lang: str) -> str:
    return t("report.generated", lang=lang, at=data["generated_at"][:16].replace("T", " "))


def _cell(section: Section, r: int, c: int, value) -> str:
    if value is None:
        return '<td class="n">—</td>' if c else "<td></td>"
    percent = c in section.percent_columns or (section.key == "kpi" and r in section.percent_rows and c in (1, 2, 3))
    if isinstance(value, float) and percent:
        text = (f"{value * 100:+.1f}%" if section.key == "kpi" and c == 3 else f"{value * 100:.1f}%")
    elif isinstance(value, float):
        text = f"{value:.1f}" if section.key != "kpi" or c != 3 else f"{value:+g}"
    elif isinstance(value, int) and section.key == "kpi" and c == 3:
        text = f"{value:+d}"
    else:
        text = str(value)
    css = "n" if isinstance(value, (int, float)) else ""
    if isinstance(value, str) and value[:1] in "▲▼":
        css = "up" if value[0] == "▲" else "down"
    return f'<td class="{css}">{escape(text)}</td>' if css else f"<td>{escape(text)}</td>"


def _section(section: Section) -> str:
    long = len(section.rows) > 25
    out = [f'<section class="{"long" if long else ""}" id="{section.key}"><h2>{escape(section.title)}</h2>']
    if section.chart and section.rows:
        out.append(_svg(section))
    if section.headers:
        out.append("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in section.headers)
                   + "</tr></thead><tbody>")
        for r, row in enumerate(section.rows):
            out.append("<tr>" + "".join(_cell(section, r, c, v) for c, v in enumerate(row)) + "</tr>")
        if not section.rows:  # said, so an empty period does not look like a page that failed to fill
            out.append(f'<tr><td colspan="{len(section.headers)}" class="none">{escape(section.none)}</td></tr>')
        out.append("</tbody></table>")
    if section.note:
        out.append(f'<p class="note">{escape(section.note)}</p>')
    out.append("</section>")
    return "\n".join(out)


def _svg(section: Section) -> str:
    chart = section.chart
    rows = section.rows[: section.chart_rows or len(section.rows)]
    labels = [str(r[chart.categories]) for r in rows]
    series = [[r[c] for r in rows] for c in chart.values]  # None: nothing to count (drawn as —, not 0)
    names = [section.headers[c] for c in chart.values]
    if chart.kind == "line":
        return _line(labels, series, names)
    if chart.kind == "bar":
        return _bars(labels, series[0], chart.percent)
    return _columns(labels, [v or 0 for v in series[0]])


def _nice_max(values) -> float:
    top = max([v for v in values if isinstance(v, (int, float))] + [0])
    if top <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if top <= step * 5:
            return step * 5
    return top


def _line(labels: list[str], series: list[list[float]], names: list[str]) -> str:
    width, height, left, bottom, top = 680, 220, 40, 30, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    series = [[v or 0 for v in s] for s in series]
    high = _nice_max([v for s in series for v in s])
    n = max(len(labels) - 1, 1)
    x = [left + i * plot_w / n for i in range(len(labels))]
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for k in range(6):
        y = top + plot_h - k * plot_h / 5
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{high * k / 5:g}</text>')
    every = max(1, len(labels) // 10)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            out.append(f'<text x="{x[i]:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                       f'{escape(label[5:])}</text>')
    for s, values in enumerate(series):
        points = " ".join(f"{x[i]:.1f},{top + plot_h - v / high * plot_h:.1f}" for i, v in enumerate(values))
        out.append(f'<polyline fill="none" stroke="{COLOURS[s]}" stroke-width="2" points="{points}"/>')
        out.append(f'<rect x="{left + 10 + s * 110}" y="2" width="10" height="8" fill="{COLOURS[s]}"/>'
                   f'<text x="{left + 24 + s * 110}" y="10">{escape(names[s])}</text>')
    out.append("</svg>")
    return "".join(out)


def _text_width(text: str) -> float:
    """Roughly how wide ``text`` is at the charts' 9px font: a CJK character about 9px, others 5.2."""
    return sum(9.0 if ord(ch) > 0x2E7F else 5.2 for ch in text)


def _fit(text: str, room: float) -> str:
    """``text`` cut to ``room`` pixels, ending in … when cut (the table under the chart has it whole)."""
    if _text_width(text) <= room:
        return text
    while text and _text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _bars(labels: list[str], values: list[float | None], percent: bool) -> str:
    # The label column is as wide as the longest label (English group names run to 26 letters),
    # within a third of the chart.
    row_h, width = 18, 680
    left = int(min(width / 3, max([60.0] + [_text_width(label) + 12 for label in labels])))
    height = row_h * len(labels) + 10
    high = 1 if percent else _nice_max([v for v in values if v is not None])
    plot_w = width - left - 60
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (label, v) in enumerate(zip(labels, values)):
        y = 5 + i * row_h
        w = 0.0 if v is None else max(0.0, v / high * plot_w)
        text = "—" if v is None else (f"{v * 100:.0f}%" if percent else f"{v:g}")
        out.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{escape(_fit(label, left - 10))}</text>'
                   f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" fill="{COLOURS[0]}"/>'
                   f'<text x="{left + w + 4:.1f}" y="{y + 12}">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _columns(labels: list[str], values: list[float]) -> str:
    width, height, bottom, top = 680, 180, 24, 14
    high = _nice_max(values)
    slot = (width - 20) / max(len(labels), 1)
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (label, v) in enumerate(zip(labels, values)):
        h = v / high * (height - bottom - top)
        x = 10 + i * slot + slot * 0.2
        out.append(f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" '
                   f'fill="{COLOURS[1]}"/><text x="{x + slot * 0.3:.1f}" y="{height - bottom - h - 3:.1f}" '
                   f'text-anchor="middle">{v:g}</text><text x="{x + slot * 0.3:.1f}" y="{height - 8}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)
