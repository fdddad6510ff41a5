"""A streaming writer of one-sheet .xlsx workbooks, for exports (``gridctl.exporter``).

XlsxWriter builds each cell through several Python calls (checks, a dict, escaping, a write): about
90 µs a row of 20 cells, 18 s for a 200,000-person register. An export's sheet is simple — text
and numbers, a bold header row frozen at the top, column widths — so this module writes the
worksheet XML itself, a row as one string, straight into the zip archive as it goes (memory stays
flat), and the few fixed parts of the package around it. The cell XML is what XlsxWriter's
constant_memory mode writes (inline strings, the same escaping, ``xml:space="preserve"`` on text
with leading or trailing blanks, control characters as ``_xHHHH_``, numbers as ``%.16G``, texts
cut at Excel's 32,767 characters), so Excel and python-calamine read it as they read XlsxWriter's;
tests/importexport/test_xlsx_export.py holds the two to the same cells.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable, Sequence

MAX_TEXT = 32767  # Excel's limit on a cell's text, as XlsxWriter applies it
# Deflate level 1: the sheet XML is very repetitive, so the file is barely larger than at the
# default 6, and compressing it takes a third of the time.
COMPRESS_LEVEL = 1

# What needs more than the plain text in a cell: XML's special characters, control characters
# (and "_x": text that may look like their escape), Excel's two non-characters, blanks at either
# end of a cell. A row's texts are probed at once, joined by \x1f (left out of the class for that;
# a text holding one fails the count of separators instead). Separate simple searches: one regular
# expression with all of it in alternatives takes three times as long.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1e\ufffe\uffff]")
_BLANK_AFTER = re.compile("\x1f\\s")
_BLANK_BEFORE = re.compile("\\s\x1f")
_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
_BLANK_END = re.compile(r"^\s|\s$")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView/></bookViews>'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/></Relationships>')
# Two cell formats: 0 plain, 1 bold (the header row).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft"/></sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>')


def column_letters(n: int) -> list[str]:
    """A, B, ... Z, AA, AB ... for the first ``n`` columns."""
    out = []
    for i in range(n):
        name, i = "", i + 1
        while i:
            i, rem = divmod(i - 1, 26)
            name = chr(65 + rem) + name
        out.append(name)
    return out


def _text(value: str) -> str:
    """A cell's text as XML: cut to Excel's limit, escaped as XlsxWriter escapes it."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _ESCAPED.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", value)
    return value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", "&#xA;"))


class SheetWriter:
    """``with SheetWriter(path, sheet, headers, widths) as w: w.write_rows(rows)``: rows are lists
    of str (written as text; "" leaves the cell empty), int or float (numbers) or None (empty)."""

    def __init__(self, path: str | Path, sheet: str, headers: Sequence[str], widths: Sequence[float]) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        self._letters = column_letters(len(headers))
        self._row = 1
        try:
            self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
            self._zip.writestr("_rels/.rels", _RELS)
            # Excel's rules for sheet names: 31 characters, none of []:*?/\
            name = re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "Sheet1"
            self._zip.writestr("xl/workbook.xml", _WORKBOOK.format(name=_attr(name)))
            self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            self._zip.writestr("xl/styles.xml", _STYLES)
            self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
            cols = "".join(f'<col min="{i}" max="{i}" width="{w + 0.7109375}" customWidth="1"/>'
                           for i, w in enumerate(widths, start=1))
            header = "".join(f'<c r="{c}1" s="1" t="inlineStr"><is><t{self._preserve(h)}>{_text(h)}</t></is></c>'
                             for c, h in zip(self._letters, headers) if h)
            self._sheet.write((f"{_SHEET_HEAD}<cols>{cols}</cols><sheetData>"
                               f'<row r="1">{header}</row>').encode("utf-8"))
        except BaseException:
            self._zip.close()
            raise

    @staticmethod
    def _preserve(value: str) -> str:
        return ' xml:space="preserve"' if _BLANK_END.search(value) else ""

    def _cell(self, letter: str, r: int, v) -> str:
        """One cell the careful way (the rows that need it are few)."""
        if isinstance(v, str):
            return f'<c r="{letter}{r}" t="inlineStr"><is><t{self._preserve(v)}>{_text(v)}</t></is></c>'
        return f'<c r="{letter}{r}"><v>{v:.16G}</v></c>'

    def write_rows(self, rows: Iterable[Sequence]) -> int:
        """Append ``rows``; returns how many. One encode and one write for all of them."""
        parts = []
        r = self._row
        letters = self._letters
        special, after, before, cell = _SPECIAL.search, _BLANK_AFTER.search, _BLANK_BEFORE.search, self._cell
        for row in rows:
            r += 1
            texts = [v for v in row if v.__class__ is str and v]
            probe = "\x1f".join(texts)
            if (special(probe) or "_x" in probe or after(probe) or before(probe) or probe[:1].isspace()
                    or probe[-1:].isspace() or probe.count("\x1f") != len(texts) - 1 or len(probe) > MAX_TEXT):
                cells = [cell(c, r, v) for c, v in zip(letters, row) if v is not None and v != ""]
            else:
                cells = [f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>' if v.__class__ is str
                         else f'<c r="{c}{r}"><v>{v:.16G}</v></c>'
                         for c, v in zip(letters, row) if v is not None and v != ""]
            parts.append(f'<row r="{r}">{"".join(cells)}</row>')
        n = r - self._row
        self._row = r
        self._sheet.write("".join(parts).encode("utf-8"))
        return n

    def close(self) -> None:
        try:
            self._sheet.write(b"</sheetData></worksheet>")
            self._sheet.close()
        finally:
            self._zip.close()

    def __enter__(self) -> "SheetWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
