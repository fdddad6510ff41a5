"""Reading an Excel sheet as the same ``(line, {column: text})`` records as a CSV (DESIGN 17).

Registers arrive as the workbooks other systems export. python-calamine (Rust) reads .xlsx, .xlsm,
.xls and .ods quickly, and hands over Python values: numbers, dates, text. They are turned into the
text a CSV would hold, so every check after this is the CSV's:
- a date cell becomes ``YYYY-MM-DD``; a number without a fraction loses its ``.0``
  (19800101 → ``19800101``, which the date check reads as a date);
- a number of 16 or more digits is refused for its cell: Excel keeps 15 significant digits, so
  an ID number typed into a General cell is already wrong in the file (``6.10822E+17``). Nothing
  can restore it; the message says to format the column as Text and type the numbers again.
Line numbers are the sheet's own row numbers, as Excel shows them. Rows above the header (a title
in a merged cell, 填报单位：… 填报日期：…) are skipped: the header is the first row that names the
kind's columns.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
import itertools
from typing import Callable, Iterator

from gridctl.errors import InvalidInput

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PRECISION_LOST = "xlsx.precision"
HEADER_SCAN = 20  # rows above the header a register may carry (titles, notes)


def is_workbook_path(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def open_sheet(path: Path, sheet: str | None, is_header: Callable[[list[str]], bool] | None = None):
    """``(sheet name, header, records, data rows)`` of the first or named sheet, or a clear error."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except FileNotFoundError:
        raise InvalidInput("importer.error.no_file", field="FILE", path=str(path)) from None
    except Exception as exc:  # calamine raises its own errors for zips and sheets that are broken
        if not path.exists():  # calamine says "os error 2" in its own words: say it as CSV does
            raise InvalidInput("importer.error.no_file", field="FILE", path=str(path)) from None
        if _is_text(path):  # a CSV saved under an Excel name: no workbook to repair, a flag to give
            raise InvalidInput("probe13.xlsx_is_text", field="--format", path=str(path)) from None
        raise InvalidInput("bulk.xlsx_unreadable", field="FILE", path=str(path),
                           reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__) from None
    names = list(book.sheet_names)
    if sheet is None:
        if not names:
            raise InvalidInput("importer.error.empty", path=str(path))
        name = _first_visible(book) or names[0]
    elif sheet in names:
        name = sheet
    else:
        raise InvalidInput("bulk.xlsx_no_sheet", field="--sheet", path=str(path), sheet=sheet,
                           sheets=", ".join(names))
    failed = _check_extent(path, name)
    data = book.get_sheet_by_name(name)
    rows = data.iter_rows()
    # Registers carry a title and a line or two such as 填报单位：… 填报日期：… above the header;
    # with ``is_header`` (does this row name the kind's columns?) the header is the first such
    # row near the top, else the first row with two cells filled.
    head: list[list] = []
    for cells in rows:
        head.append(cells)
        if len(head) >= HEADER_SCAN:
            break
    texts = [[_header_text(c) for c in cells] for cells in head]
    at = None
    if is_header is not None:
        at = next((i for i, row in enumerate(texts) if is_header(row)), None)
    if at is None:
        at = next((i for i, row in enumerate(texts) if sum(1 for t in row if t) >= 2), None)
    if at is None:  # a title above the header; the header itself if nothing wider follows
        at = next((i for i, row in enumerate(texts) if any(texts[i])), None)
    if at is None:
        raise InvalidInput("bulk.xlsx_empty_sheet", path=str(path), sheet=name)
    header, line = texts[at], at + 1
    rows = itertools.chain(head[at + 1:], rows)
    while header and not header[-1]:
        header.pop()
    return name, header, _records(rows, header, line, failed), max(data.total_height - line, 0)


def _check_extent(path: Path, sheet: str) -> dict[int, dict[int, str]]:
    """Refuse a sheet whose cells span a box too large to load (gridctl.xlsxextent): calamine
    would abort the process on it, not raise. Returns its failed formulas by row and column."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") and not _is_zip(path):
        return {}
    from gridctl.xlsxextent import MAX_CELLS, column_letters, scan_sheet

    scan = scan_sheet(path, sheet)
    if scan is None:
        return {}
    columns, rows, failed = scan
    if columns * rows > MAX_CELLS:
        raise InvalidInput("adminprobe.sheet_too_large", field="FILE", path=str(path), sheet=sheet,
                           cell=f"{column_letters(columns)}{rows}", columns=columns, rows=rows, limit=f"{MAX_CELLS:,}")
    return failed


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _first_visible(book) -> str | None:
    """The sheet Excel opens on: the first one not hidden (a hidden 填表说明 sheet often comes first)."""
    try:
        return next((m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")), None)
    except Exception:  # metadata of an odd workbook: fall back to the first sheet
        return None


def _is_text(path: Path) -> bool:
    """Does the file begin as text (UTF-8 or GB18030, no NUL) rather than a zip or OLE workbook?"""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _header_text(value) -> str:
    text = cell_text(value)
    return text.strip().lstrip("\ufeff") if isinstance(text, str) else ""


def _records(rows: Iterator[list], header: list[str], line: int,
             failed: dict[int, dict[int, str]] | None = None) -> Iterator[tuple[int, dict, list]]:
    width = len(header)
    failed = failed or {}
    # A row of text cells as wide as a header of distinct names is zipped with it (a register
    # whose cells are all text, as its ID column must be: nearly every row).
    plain = all(header) and len(set(header)) == width
    for cells in rows:
        line += 1
        broken = failed.get(line)
        if broken is None and plain and len(cells) == width and all(type(c) is str for c in cells):
            if any(map(str.strip, cells)):
                yield line, dict(zip(header, cells)), []
            continue
        values: dict[str, object] = {}
        problems: list[tuple[str, str]] = []
        empty = True
        for i, cell in enumerate(cells):
            if cell == "" or cell is None:
                if i < width and header[i]:
                    values[header[i]] = ""
                continue
            text = cell_text(cell)
            name = header[i] if i < width and header[i] else (None if i < width else f"#{i + 1}")
            if name is None:
                continue  # a cell under a column without a name: nothing reads it
            if text is PRECISION_LOST:
                problems.append((name, _shown(cell)))
                text = ""
            elif not text.strip():
                values[name] = text
                continue
            empty = False
            values[name] = text
        if broken:  # a formula that failed reads as empty: say so, by its column
            problems += [(header[i] if i < width and header[i] else f"#{i + 1}", shown, "adminprobe.formula_failed")
                         for i, shown in sorted(broken.items())]
        if empty and not problems:
            continue
        for name in header:
            if name:
                values.setdefault(name, "")
        yield line, values, problems


def cell_text(value):
    """The text a CSV cell would hold for ``value``, or ``PRECISION_LOST``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) >= 1e15:
                return PRECISION_LOST
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return PRECISION_LOST if abs(value) >= 10**15 else str(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def _shown(value) -> str:
    """How Excel shows a long number in a General cell: 6.10822E+17."""
    try:
        mantissa, exponent = f"{float(value):.5E}".split("E")
    except (TypeError, ValueError):
        return str(value)
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"
