"""The periodic report as an Excel workbook (XlsxWriter): one sheet per section, native charts.

XlsxWriter is imported only when a report is written (``gridctl --help`` stays light)."""

from __future__ import annotations

from pathlib import Path

from gridctl.i18n import t
from gridctl.report_model import Section, sections, title

def write_xlsx(data: dict, path: str | Path, lang: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "valign": "top"})
        head = book.add_format({"bold": True, "font_size": 14})
        note = book.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})
        pct = book.add_format({"num_format": "0.0%"})
        pct_change = book.add_format({"num_format": "+0.0%;-0.0%;0.0%"})
        change = book.add_format({"num_format": "+0;-0;0"})
        for section in sections(data, lang):
            sheet = book.add_worksheet(t(f"report.sheet.{section.key}", lang=lang)[:31])
            sheet.write(0, 0, title(data, lang) if section.key == "kpi" else section.title, head)
            row0 = 2
            if section.key == "kpi":
                sheet.write(1, 0, section.title)
                made = data["generated_at"][:16].replace("T", " ")
                sheet.write(1, 4, t("report.generated", lang=lang, at=made), note)
            for c, header in enumerate(section.headers):
                sheet.write(row0, c, header, bold)
            for r, values in enumerate(section.rows):
                for c, value in enumerate(values):
                    fmt = None
                    if section.key == "kpi" and r in section.percent_rows and c in (1, 2):
                        fmt = pct
                    elif section.key == "kpi" and c == 3:
                        fmt = pct_change if r in section.percent_rows else change
                    elif c in section.percent_columns:
                        fmt = pct
                    if value is None:
                        sheet.write_blank(row0 + 1 + r, c, None, fmt)
                    else:
                        sheet.write(row0 + 1 + r, c, value, fmt)
            for c, header in enumerate(section.headers):  # a CJK character is about two columns wide
                sheet.set_column(c, c, min(max(len(str(header)) * 2, 10), 40))
            last = row0 + 1 + len(section.rows)
            if section.note:
                sheet.write(last + 1, 0, section.note, note)
            if section.chart and section.rows:
                _chart(book, sheet, section, row0, len(section.headers) + 1)
        book.close()
    except BaseException:
        try:
            book.close()
        finally:
            Path(path).unlink(missing_ok=True)  # never leave half a workbook behind
        raise


def _chart(book, sheet, section: Section, row0: int, at_column: int) -> None:
    chart = book.add_chart({"type": section.chart.kind})
    n = section.chart_rows or len(section.rows)
    first, last = row0 + 1, row0 + n
    for c in section.chart.values:
        chart.add_series({
            "name": [sheet.name, row0, c],
            "categories": [sheet.name, first, section.chart.categories, last, section.chart.categories],
            "values": [sheet.name, first, c, last, c],
        })
    chart.set_title({"name": section.title})
    chart.set_legend({"position": "bottom" if len(section.chart.values) > 1 else "none"})
    values_axis = {"num_format": "0%", "max": 1, "min": 0} if section.chart.percent else {}
    if section.chart.kind == "bar":  # horizontal: categories on y (first row on top, as in the table)
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis(values_axis)
    elif values_axis:
        chart.set_y_axis(values_axis)
    chart.set_size({"width": 640, "height": 360 if n < 20 else 480})
    sheet.insert_chart(row0, at_column, chart)
