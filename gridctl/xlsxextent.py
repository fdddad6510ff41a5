"""How far a sheet of an .xlsx reaches, found before python-calamine loads it.

calamine makes a dense grid of every sheet it loads: as many cells as the box from A1 to the
farthest cell that holds a value. One stray value at XFD1048576 (a few bytes in the file) asks
for 16,384 × 1,048,576 cells, and the Rust allocator aborts the whole process with a backtrace
("memory allocation of 549755813888 bytes failed"). So the sheet's XML is streamed once (zlib,
about a sixth of calamine's own time) and a box over ``MAX_CELLS`` is refused with the cell
that makes it so. Rows are written in order, so the last cell reference of each chunk gives
the depth; columns past Z (two letters or more) are rare in registers and are read one by one.
A cell reference of seven digits (row ≥ 1,000,000) anywhere is taken at its word.

The same pass notes the cells whose formula failed (``t="e"``: #N/A, #DIV/0!, #REF! ...): calamine
hands them over as empty text, so a failed VLOOKUP in the ID column read as "required" and one in
an optional column vanished without a word.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

# About 32 bytes a cell in calamine's grid: 12 million cells is under 400 MB, while a register
# of 200,000 people with 20 columns is 4 million.
MAX_CELLS = 12_000_000
_CHUNK = 4 << 20
_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_WIDE = re.compile(rb'<c r="([A-Z]{2,3})([0-9]{1,7})"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>', re.S)
_DEEP = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{7})"')
# A column past Z or a seven-digit row: most registers have neither, and one search costs half of
# the two above (200,000 rows: 0.13 s against 0.25 s).
_FAR = re.compile(rb'<c r="[A-Z](?:[A-Z]|[0-9]{7})')
_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def sheet_extent(path: Path, sheet: str) -> tuple[int, int] | None:
    """``(columns, rows)`` of the box calamine would make of ``sheet``, or None when the file is no
    zip of the usual shape (calamine then says what is wrong with it)."""
    scan = scan_sheet(path, sheet)
    return None if scan is None else (scan[0], scan[1])


def scan_sheet(path: Path, sheet: str) -> tuple[int, int, dict[int, dict[int, str]]] | None:
    """As ``sheet_extent``, with the failed formulas: ``{row: {column index (0-based): "#N/A"}}``."""
    try:
        with zipfile.ZipFile(path) as book:
            member = _sheet_member(book, sheet)
            if member is None:
                return None
            width = depth = 0
            errors: dict[int, dict[int, str]] = {}
            tail = b""
            with book.open(member) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    text = tail + chunk
                    # The last tag may be cut in two: carry its start (which holds its reference)
                    # over to the next chunk.
                    cut = text.rfind(b"<c")
                    body, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                    last = body.rfind(b'<c r="')
                    if last >= 0:
                        m = _REF.match(body, last)
                        if m:
                            depth = max(depth, int(m.group(2)))
                            width = max(width, column_number(m.group(1)))
                    if _FAR.search(body):  # one pass finds whether either search has work
                        for m in _WIDE.finditer(body):
                            width = max(width, column_number(m.group(1)))
                        for m in _DEEP.finditer(body):
                            depth = max(depth, int(m.group(2)))
                    if b't="e"' in body:
                        _note_errors(body, errors)
                if tail:
                    m = _REF.search(tail)
                    if m:
                        depth = max(depth, int(m.group(2)))
                        width = max(width, column_number(m.group(1)))
                    if b't="e"' in tail:
                        _note_errors(tail, errors)
            return max(width, 1), max(depth, 1), errors
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, RuntimeError):
        return None


def _note_errors(body: bytes, errors: dict[int, dict[int, str]]) -> None:
    for m in _ERROR_CELL.finditer(body):
        errors.setdefault(int(m.group(2)), {})[column_number(m.group(1)) - 1] = m.group(3).decode("utf-8", "replace")


def _sheet_member(book: zipfile.ZipFile, sheet: str) -> str | None:
    targets = {}
    for kind, attrs in _TAG.findall(book.read("xl/_rels/workbook.xml.rels")):
        a = dict(_ATTR.findall(attrs))
        if kind == b"Relationship" and b"Id" in a and b"Target" in a:
            targets[a[b"Id"]] = a[b"Target"]
    for kind, attrs in _TAG.findall(book.read("xl/workbook.xml")):
        a = dict(_ATTR.findall(attrs))
        rid = a.get(b"r:id") or next((v for k, v in a.items() if k.endswith(b":id")), None)
        if kind == b"sheet" and _unescape(a.get(b"name", b"").decode("utf-8")) == sheet and rid in targets:
            target = targets[rid].decode("utf-8")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return member if member in book.namelist() else None
    return None


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))
