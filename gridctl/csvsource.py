"""Reading import files as a stream of ``(line, {column: value})`` records.

Registers come from other systems' Excel/CSV exports: UTF-8 with or without a BOM, very often
GB18030 (Excel on Chinese Windows), sometimes UTF-16 "Unicode text" with tabs. The encoding is
detected from the first bytes unless given; the file is never loaded whole, so a 200 MB register
costs the same memory as a 2 KB one.

Line numbers are physical lines of the file (the header is line 1), so an admin can jump to the
row in an editor even when quoted values span several lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from gridctl.errors import InvalidInput

SNIFF_BYTES = 64 * 1024
HEADER_SCAN = 20  # rows above the header a register may carry (title, 填报单位：…)
FORMATS = ("csv", "jsonl", "xlsx")

# Signatures of files that people mistake for CSV: the fix is "save as CSV" in every case.
_MAGIC = (
    (b"PK\x03\x04", "xlsx"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"SQLite format 3", "sqlite"),
)


@dataclass(slots=True)
class Record:
    line: int
    values: dict[str, object]
    # JSONL lines that are not JSON objects become records with an error instead of values; so
    # does a CSV row with a cell over the csv module's limit (raw: column, length, limit).
    error: str | None = None
    raw: object = None
    # Excel cells that cannot be read faithfully: (column, what Excel shows), see xlsxsource.
    cell_errors: list[tuple[str, str]] | None = None


@dataclass
class Source:
    path: Path
    format: str
    encoding: str
    header: list[str] = field(default_factory=list)
    size: int | None = None
    sheet: str | None = None
    rows_total: int | None = None  # data rows, when known without reading them (a sheet)
    _records: Iterator[Record] | None = None
    _fh: BinaryIO | None = None

    def __iter__(self) -> Iterator[Record]:
        assert self._records is not None
        return self._records

    def bytes_read(self) -> int | None:
        try:
            return self._fh.tell() if self._fh else None
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def guess_format(path: Path, explicit: str | None) -> str:
    if explicit:
        fmt = explicit.lower()
        if fmt not in FORMATS:
            raise InvalidInput("importer.error.format", field="--format", value=explicit, choices=", ".join(FORMATS))
        return fmt
    from gridctl.xlsxsource import is_workbook_path

    if is_workbook_path(path):
        return "xlsx"
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def normalize_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InvalidInput("importer.error.encoding_unknown", field="--encoding", encoding=name) from None


def detect_encoding(head: bytes, at_eof: bool, path: Path) -> str:
    """The encoding the first bytes say, or an error that says what the file is instead."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise InvalidInput(f"importer.error.not_csv_{kind}", path=str(path))
    if b"\x00" in head:
        raise InvalidInput("importer.error.binary", path=str(path))
    for encoding in ("utf-8", "gb18030"):
        # An incremental decoder tolerates a character cut in half at the end of the sample.
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=at_eof)
            return encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput("importer.error.encoding_undetected", path=str(path))


def count_lines(path: Path) -> int | None:
    """Physical lines in the file: a cheap total for the progress bar (a quoted value spanning
    lines makes it an overestimate, which only makes the ETA pessimistic)."""
    try:
        n, last = 0, b"\n"
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                n += chunk.count(b"\n")
                last = chunk[-1:]
        return n + (last != b"\n")
    except OSError:
        return None


def open_source(path: str | os.PathLike, *, fmt: str | None = None, encoding: str | None = None,
                sheet: str | None = None, is_header=None) -> Source:
    """``is_header(texts)``: does a row name the kind's columns (a workbook's header may sit below
    a title and notes)?"""
    path = Path(path)
    explicit = fmt
    fmt = guess_format(path, fmt)
    if fmt == "csv" and not explicit and _starts_with(path, b"PK\x03\x04"):
        fmt = "xlsx"  # a workbook saved under another name
    if fmt == "xlsx":
        return _open_workbook(path, sheet, is_header)
    if sheet is not None:
        raise InvalidInput("bulk.sheet_not_workbook", field="--sheet", path=str(path))
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InvalidInput("importer.error.no_file", field="FILE", path=str(path)) from None
    except IsADirectoryError:
        raise InvalidInput("importer.error.is_dir", field="FILE", path=str(path)) from None
    except PermissionError:
        raise InvalidInput("importer.error.unreadable", field="FILE", path=str(path)) from None
    try:
        head = fh.read(SNIFF_BYTES)
        fh.seek(0)
        size = os.fstat(fh.fileno()).st_size
        if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
            raise InvalidInput("importer.error.empty", path=str(path))
        if encoding:
            enc = normalize_encoding(encoding)
            if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
                enc = "utf-8-sig"
        else:
            enc = detect_encoding(head, at_eof=len(head) >= size, path=path)
        source = Source(path=path, format=fmt, encoding=enc, size=size, _fh=fh)
        text = io.TextIOWrapper(fh, encoding=enc, newline="")
        source._records = (_jsonl_records(source, text) if fmt == "jsonl"
                           else _csv_records(source, text, is_header))
        if fmt == "csv":
            # Read the header now so that column problems are reported before any work starts.
            first = next(source._records, None)
            if first is None:
                raise InvalidInput("importer.error.empty", path=str(path))
        return source
    except BaseException:
        fh.close()
        raise


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(magic)) == magic
    except OSError:
        return False  # open_source says what is wrong with the path


def _open_workbook(path: Path, sheet: str | None, is_header=None) -> Source:
    from gridctl.xlsxsource import open_sheet

    if path.is_dir():
        raise InvalidInput("importer.error.is_dir", field="FILE", path=str(path))
    name, header, records, total = open_sheet(path, sheet, is_header)
    source = Source(path=path, format="xlsx", encoding="", header=header, sheet=name, rows_total=total)
    source._records = (Record(line=line, values=values, cell_errors=problems or None)
                       for line, values, problems in records)
    try:
        source.size = path.stat().st_size
    except OSError:
        pass
    return source


def _decode_error(source: Source, line: int, exc: UnicodeDecodeError) -> InvalidInput:
    # The text layer decodes ahead in chunks, so its position is only roughly right: find the
    # first line that really does not decode (this runs once, on the way out).
    line = _first_bad_line(source.path, source.encoding) or line
    # GB18030 read as UTF-8 is by far the commonest case; say so and name the flag.
    suggestion = "gb18030" if source.encoding.startswith("utf") else "utf-8"
    return InvalidInput("importer.error.decode", field="--encoding", path=str(source.path), line=line,
                        encoding=source.encoding, suggestion=suggestion)


def _first_bad_line(path: Path, encoding: str) -> int | None:
    if encoding.startswith("utf-16"):
        return None  # lines are not byte lines in UTF-16
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError:
                    return number
    except OSError:
        return None
    return None


def _csv_records(source: Source, text: io.TextIOWrapper, is_header=None) -> Iterator[Record]:
    """First yields a placeholder once the header is read, then one record per non-blank row."""
    try:
        first_line = text.readline()
    except UnicodeDecodeError as exc:
        raise _decode_error(source, 1, exc) from None
    if not first_line:
        raise InvalidInput("importer.error.empty", path=str(source.path))
    # Excel "Unicode text" exports are tab separated; everything else here is commas.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # The reader takes the file's lines itself (in C) and counts them: ``line_num`` is the number
    # of physical lines read so far, so a row starts on the line after the previous row's end.
    lines = itertools.chain((first_line,), text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    skipped = 0  # physical lines taken past the reader (the rest of an over-long row)
    try:
        header = next(reader)
    except UnicodeDecodeError as exc:
        raise _decode_error(source, 2, exc) from None
    except csv.Error as exc:
        raise InvalidInput("importer.error.not_csv", path=str(source.path), line=1, detail=str(exc)) from None
    source.header = [h.strip().lstrip("\ufeff") for h in header]
    ahead: list[tuple[int, list[str]]] = []  # rows read looking for the header below a title
    if is_header is not None and not is_header(source.header):
        # A register saved as CSV from Excel keeps its title (前进村人口信息登记表,,,,) and its
        # 填报单位：… line above the header: the header is the first row naming the kind's columns.
        for _ in range(HEADER_SCAN):
            begin = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise _decode_error(source, reader.line_num + 1, exc) from None
            except csv.Error as exc:
                raise InvalidInput("importer.error.not_csv", path=str(source.path), line=begin, detail=str(exc)) from None
            texts = [h.strip().lstrip("\ufeff") for h in row]
            if is_header(texts):
                source.header, ahead = texts, []
                break
            ahead.append((begin, row))
    if not any(source.header):
        raise InvalidInput("importer.error.no_header", path=str(source.path))
    yield Record(line=1, values={})
    header = source.header
    for line, row in ahead:  # no header below either: these rows are data after all
        if row and any(map(str.strip, row)):
            yield Record(line=line, values={header[i] if i < len(header) else f"#{i + 1}": cell
                                            for i, cell in enumerate(row)})
    # A row as wide as a header of distinct names is zipped with it in one call (nearly every row).
    width = len(header) if len(set(header)) == len(header) else -1
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise _decode_error(source, reader.line_num + skipped + 1, exc) from None
        except csv.Error as exc:
            # A cell longer than the csv module holds (131,072 characters) costs its row alone:
            # the row is read again past the reader, to its real end, and refused (issue 13).
            long_row = _over_long_row(source, lines, delimiter, start, reader.line_num + skipped)
            if long_row is None:
                raise InvalidInput("importer.error.csv_syntax", path=str(source.path), line=start,
                                   detail=str(exc)) from None
            more, cells, column, length = long_row
            skipped += more
            values = {(header[i] if i < len(header) else f"#{i + 1}"): cell for i, cell in enumerate(cells)}
            name = header[column] if column < len(header) else f"#{column + 1}"
            yield Record(line=start, values=values, error="cell_too_long",
                         raw=(name, length, csv.field_size_limit()))
            start = reader.line_num + skipped + 1
            continue
        line, start = start, reader.line_num + skipped + 1
        if not row or not any(map(str.strip, row)):
            continue
        if len(row) == width:
            yield Record(line=line, values=dict(zip(header, row)))
            continue
        values: dict[str, object] = {}
        for i, cell in enumerate(row):
            name = source.header[i] if i < len(source.header) else f"#{i + 1}"
            values[name] = cell
        for name in source.header[len(row):]:
            values[name] = ""
        yield Record(line=line, values=values)


class _RowScan:
    """The csv module's reading of one row (default dialect: ``"`` quotes, doubled inside), done
    again in Python on the rare row it refuses for a cell over its limit: where the row really
    ends (an over-long quoted cell may span lines) and its cells, the over-long one left empty.
    Runs of plain text are skipped with ``find``, and an over-long cell is never copied."""

    START, PLAIN, QUOTED, CLOSED = range(4)

    def __init__(self, delimiter: str, limit: int) -> None:
        self.delimiter, self.limit = delimiter, limit
        self.stop = re.compile(f"[{re.escape(delimiter)}\r\n]")
        self.state = self.START
        self.cells: list[str] = []
        self.parts: list[str] = []
        self.length = 0
        self.too_long: tuple[int, int] | None = None  # (cell index, its length)
        self.done = False

    def _add(self, line: str, begin: int, end: int) -> None:
        self.length += end - begin
        if self.length <= self.limit:
            self.parts.append(line[begin:end])

    def _end_cell(self) -> None:
        if self.length > self.limit:
            if self.too_long is None:
                self.too_long = (len(self.cells), self.length)
            self.cells.append("")
        else:
            self.cells.append("".join(self.parts))
        self.parts, self.length = [], 0

    def feed(self, line: str) -> None:
        """One physical line (with its line break); sets ``done`` when the row ends in it."""
        pos, n = 0, len(line)
        while pos < n:
            state = self.state
            if state == self.START:
                c = line[pos]
                if c == '"':
                    self.state, pos = self.QUOTED, pos + 1
                    continue
                self.state = self.PLAIN
            elif state == self.QUOTED:
                j = line.find('"', pos)
                if j < 0:
                    self._add(line, pos, n)
                    return  # the cell goes on in the next line
                self._add(line, pos, j)
                if j + 1 < n and line[j + 1] == '"':
                    self._add(line, j, j + 1)
                    pos = j + 2
                else:
                    self.state, pos = self.CLOSED, j + 1
                continue
            elif state == self.CLOSED:
                if line[pos] not in (self.delimiter, "\r", "\n"):
                    self.state = self.PLAIN  # text after a closing quote: kept, as the reader would
                    continue
            m = self.stop.search(line, pos)
            end = m.start() if m else n
            if self.state == self.PLAIN:
                self._add(line, pos, end)
            if m is None:
                break
            self._end_cell()
            if line[end] == self.delimiter:
                self.state, pos = self.START, end + 1
                continue
            self.done = True
            return
        if self.state != self.QUOTED:  # the file's last line, without a line break
            self._end_cell()
            self.done = True


def _over_long_row(source: Source, lines: Iterator[str], delimiter: str, start: int,
                   last: int) -> tuple[int, list[str], int, int] | None:
    """After the reader gave up on the row of lines ``start``..``last``: (lines of the row past
    ``last``, taken from ``lines``; its cells; the index of the over-long cell; its length), or
    None when no cell is over the limit (another syntax error: the file is refused)."""
    scan = _RowScan(delimiter, csv.field_size_limit())
    # The row's lines the reader has consumed are read again from the file (a second handle: the
    # reader's own is mid-way); only this row's lines are looked at, one at a time.
    with source.path.open("rb") as fh:
        text = io.TextIOWrapper(fh, encoding=source.encoding, newline="")
        for number, line in enumerate(text, start=1):
            if number >= start:
                scan.feed(line)
                if scan.done or number >= last:
                    break
    more = 0
    while not scan.done:
        line = next(lines, None)
        if line is None:
            break
        more += 1
        scan.feed(line)
    if scan.too_long is None:
        return None
    column, length = scan.too_long
    return more, scan.cells, column, length


def _jsonl_records(source: Source, text: io.TextIOWrapper) -> Iterator[Record]:
    line = 0
    seen: dict[str, None] = {}
    while True:
        try:
            raw = text.readline()
        except UnicodeDecodeError as exc:
            raise _decode_error(source, line + 1, exc) from None
        if not raw:
            return
        line += 1
        stripped = raw.strip().lstrip("\ufeff")
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            if not source.header and stripped[0] not in "{[\"" and ("," in stripped or "\t" in stripped):
                # The first line is a CSV header (户号,网格编码,…): one clear refusal naming the flag,
                # not one "not valid JSON" per line of the register.
                raise InvalidInput("adminprobe.csv_as_jsonl", field="--format", path=str(source.path),
                                   line=line) from None
            yield Record(line=line, values={}, error="json", raw=f"{exc.msg} (column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield Record(line=line, values={}, error="not_object", raw=type(obj).__name__)
            continue
        for key in obj:
            if key not in seen:
                seen[key] = None
                source.header.append(str(key))
        yield Record(line=line, values=obj)


