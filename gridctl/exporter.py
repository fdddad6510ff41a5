"""Exports (DESIGN 7b, 17): the register and the case book as CSV, JSON lines or an Excel workbook.

The register (divisions, grids, households, persons) streams from the server's ``/export/{kind}``
(one scoped query, chunks of rows; see ``server.services.exports``); cases and visits, which are
far fewer, come page by page from their list endpoints. Both become rows of the same columns.

Under ``--lang zh`` every format speaks Chinese: headers are the importer's Chinese headers
(户号, 身份证号 ...), coded values their labels (男, 户主, 独居老人; several tags joined by 、),
booleans 是/否 — and ``gridctl import`` takes such a file back unchanged, JSON lines included.
Under English the columns are the codes' names and values the codes, as before.

CSV is UTF-8 with a BOM because that is what makes Excel on Chinese Windows show Chinese instead
of mojibake. ID numbers and phones are masked unless ``reveal`` (admin only): an export file
travels further than a screen. A revealed export is created readable by its owner alone (0600).
A file is written under a temporary name and renamed when complete, so an interrupted export
never leaves a half file that looks whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from gridctl.csvcells import defused, formula_in
from gridctl.errors import Forbidden, InvalidInput, NotFound, Unreachable
from schemas import population

KINDS = ("cases", "visits", "households", "persons", "divisions", "grids")
REGISTER = ("divisions", "grids", "households", "persons")
FORMATS = ("csv", "jsonl", "xlsx")
PAGE_SIZE = 1000

Progress = Callable[[int, "int | None", str], None]

COLUMNS: dict[str, list[str]] = {
    "persons": ["household_no", "grid_code", "address", "name", "id_number", "sex", "birth_date",
                "relation_to_head", "phone", "tags", "residence", "care_level", "key_person_type", "id",
                "household_id", "version", "status", "moved_to", "status_date", "risk_level"],
    "households": ["household_no", "grid_code", "address", "lat", "lon", "id", "head_person_id", "version"],
    "divisions": ["code", "name", "level", "parent"],
    "grids": ["code", "name", "kind", "parent"],
    "cases": ["serial", "id", "title", "category", "subcategory", "scale", "urgent", "status", "level",
              "grid_code", "address", "lat", "lon", "source", "reporter", "assignee", "occurred_at",
              "reported_at", "due_at", "overdue", "supervision", "description", "parties", "household_id",
              "photos", "version"],
    "visits": ["id", "household_no", "household_id", "grid_code", "visited_at", "worker", "method", "purpose",
               "met", "person_ids", "note", "concern", "next_visit_due", "lat", "lon", "photos", "version"],
}
# Coded columns and their code table (schemas.codes.TABLES): labels under --lang zh.
CODED: dict[str, dict[str, str]] = {
    "persons": {"sex": "sex", "relation_to_head": "relation", "tags": "tag", "residence": "residence",
                "care_level": "care_level", "key_person_type": "key_person_type", "status": "person_status"},
    "households": {},
    "divisions": {"level": "level"},
    "grids": {"kind": "grid_kind"},
    "cases": {"category": "category", "scale": "scale", "status": "status", "level": "level", "source": "source",
              "supervision": "supervision"},
    "visits": {"method": "method", "purpose": "purpose"},
}
BOOLEAN = {"cases": ("urgent", "overdue"), "visits": ("met",)}


@dataclass
class ExportReport:
    kind: str
    format: str
    out: str | None
    rows: int = 0
    revealed: bool = False
    lang: str = "en"
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"kind": self.kind, "format": self.format, "out": self.out, "rows": self.rows,
                "revealed": self.revealed, "lang": self.lang, "seconds": round(self.seconds, 3)}


def _filters(kind: str, me: dict, f: dict[str, Any]) -> dict[str, Any]:
    """The list commands' filters, turned into the list endpoint's query parameters."""
    f = {k: v for k, v in f.items() if v not in (None, (), [], False)}
    allowed = {
        "cases": {"statuses", "level", "grid", "overdue", "mine", "assignee"},
        "visits": {"household", "mine", "since"},
        "households": {"grid", "search", "tag"},
        "persons": {"grid", "search", "tag", "household"},
        "divisions": {"grid"},
        "grids": {"grid"},
    }[kind]
    wrong = sorted(set(f) - allowed)
    if wrong:
        raise InvalidInput("importer.export.bad_filter", field=wrong[0], kind=kind, filters=", ".join(wrong),
                           allowed=", ".join(sorted(allowed)))
    params: dict[str, Any] = {}
    if kind == "cases":
        if f.get("statuses"):
            params["status"] = list(f["statuses"])
        for k in ("level", "grid", "assignee"):
            if f.get(k):
                params[k] = f[k]
        if f.get("overdue"):
            params["overdue"] = "true"
        if f.get("mine"):
            params["assignee"] = me.get("username")
    elif kind == "visits":
        if f.get("household"):
            params["household"] = f["household"]
        if f.get("since"):
            params["since"] = str(f["since"])
        if f.get("mine"):
            params["worker"] = me.get("username")
    elif kind in ("divisions", "grids"):
        if f.get("grid"):
            params["grid"] = f["grid"]
    elif kind == "households":
        if f.get("grid"):
            params["grid"] = f["grid"]
        if f.get("search"):
            params["q"] = f["search"]
        if f.get("tag"):
            params["tag"] = f["tag"]
    else:
        if f.get("search"):
            params["q"] = f["search"]
        if f.get("tag"):
            params["tag"] = f["tag"]
        if f.get("household"):
            params["household"] = f["household"]
        if f.get("grid"):
            params["grid"] = f["grid"]
    return params


def _mask(kind: str, item: dict, reveal: bool) -> dict:
    if reveal:
        return item
    from schemas.validators import mask_id_number, mask_phone

    item = dict(item)
    if "id_number" in item:
        item["id_number"] = mask_id_number(item["id_number"])
    if "phone" in item:
        item["phone"] = mask_phone(item["phone"])
    if kind == "cases" and item.get("parties"):
        item["parties"] = [dict(p, id_number=mask_id_number(p.get("id_number")), phone=mask_phone(p.get("phone")))
                           for p in item["parties"]]
    return item


class _Households:
    """household id -> (household_no, grid_code, address), filled from the households list."""

    def __init__(self, api: Any, grid: str | None = None) -> None:
        self._api = api
        self._grid = grid
        self._map: dict[str, tuple[str, str, str | None]] | None = None

    def get(self, hid: str | None) -> tuple[str | None, str | None, str | None]:
        if self._map is None:
            self._map = {}
            params = {"grid": self._grid} if self._grid else {}
            for h in self._api.iterate("households", page_size=PAGE_SIZE, **params):
                self._map[h["id"]] = (h["household_no"], h["grid_code"], h.get("address"))
        if hid and hid not in self._map:
            try:
                h = self._api.get("households", hid)
                self._map[hid] = (h["household_no"], h["grid_code"], h.get("address"))
            except Exception:  # out of scope or gone: leave the columns empty rather than fail
                self._map[hid] = (None, None, None)
        return self._map.get(hid or "", (None, None, None))


def iter_records(api: Any, kind: str, *, me: dict, reveal: bool = False, **filters: Any) -> Iterator[dict]:
    """The records of ``kind`` as export rows (dicts of ``COLUMNS[kind]``), masked unless ``reveal``."""
    columns, chunks = _chunks(api, kind, me=me, reveal=reveal, filters=filters)
    for chunk in chunks:
        for row in chunk:
            yield dict(zip(columns, row))


def _chunks(api: Any, kind: str, *, me: dict, reveal: bool, filters: dict) -> tuple[list[str], Iterator[list[list]]]:
    """The columns, and the rows in lists of rows: the bulk stream arrives in chunks of a few
    thousand rows, and every step after it (labels, CSV) works a chunk at a time."""
    params = _filters(kind, me, filters)
    if params.get("tag") in SENSITIVE_TAGS and not reveal:
        # Who is in a special population is itself the sensitive fact (DESIGN 17).
        raise InvalidInput("exports.sensitive_tag_needs_reveal", field="--tag", tag=params["tag"])
    if kind in REGISTER and set(params) <= {"grid"} | BULK_FILTERS.get(kind, set()):
        try:
            found = _bulk_chunks(api, kind, reveal, params)
            if found is not None:
                return found
        except NotFound:
            if kind in ("divisions", "grids"):
                raise
            # A server without /export: the list endpoints serve, only slower.
    return COLUMNS[kind], _in_chunks(_paged_rows(api, kind, reveal, filters, params))


# The list filters /export applies too (its first line names those it applied: an older server
# ignores them, and its answer is then not taken).
BULK_FILTERS = {"households": {"q", "tag"}, "persons": {"q", "tag", "household"}}


def _in_chunks(rows: Iterator[list], size: int = PAGE_SIZE) -> Iterator[list[list]]:
    chunk: list[list] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk_chunks(api: Any, kind: str, reveal: bool, params: dict) -> tuple[list[str], Iterator[list[list]]] | None:
    """The export stream of ``kind``; None when the server did not apply every filter asked for."""
    lines = api.export_lines(kind, reveal=reveal, **params)
    head = json.loads(next(lines))
    if not set(params) - {"grid"} <= set(head.get("filters", ())):
        lines.close()
        return None
    columns = head["columns"]

    def chunks() -> Iterator[list[list]]:
        loads = json.loads
        for line in lines:
            chunk = loads(line)
            if isinstance(chunk, dict):  # the closing line: how many rows the server sent
                return
            yield chunk
        # The stream ended without its closing line: the connection broke, the file is not whole.
        raise Unreachable(server=api.base_url)

    return columns, chunks()


def _paged_rows(api: Any, kind: str, reveal: bool, filters: dict, params: dict) -> Iterator[list]:
    grid = filters.get("grid")
    houses = _Households(api, grid if kind == "persons" else None) if kind in ("persons", "visits") else None
    columns = COLUMNS[kind]
    params = {k: v for k, v in params.items() if not (kind == "persons" and k == "grid")}
    if reveal:
        params["reveal"] = "true"  # the server audits each page an export reveals (DESIGN §14)
    for item in api.iterate(kind, page_size=PAGE_SIZE, **params):
        if kind == "persons":
            if grid and not str(item.get("grid_code") or "").startswith(grid):
                continue
            no, hgrid, address = houses.get(item.get("household_id"))
            item = dict(item, household_no=no, address=address)
            item.setdefault("grid_code", hgrid)
            if not reveal:
                item["key_person_type"] = None
                item["risk_level"] = None
                item["tags"] = [t for t in item.get("tags") or [] if t not in SENSITIVE_TAGS]
        elif kind == "visits":
            item = dict(item, household_no=houses.get(item.get("household_id"))[0])
        item = _mask(kind, item, reveal)
        yield [item.get(c) for c in columns]


# Special populations (DESIGN 17): left out of an export unless --reveal (the server does the same).
SENSITIVE_TAGS = frozenset({"mental_disorder"}) | population.SENSITIVE_TAGS


# --- languages -----------------------------------------------------------------------------------

class _Speaker:
    """Headers and cell values of one kind in one language.

    What each column needs is settled once per export (its label table, its list separator, how a
    boolean reads): 200,000 rows go through here, and most of their columns need nothing at all."""

    def __init__(self, kind: str, columns: list[str], lang: str) -> None:
        self.kind, self.columns, self.zh = kind, columns, lang == "zh"
        # column index -> {code: label}, the coded columns under Chinese
        self._labels: dict[int, dict[str, str]] = {}
        if self.zh:
            from gridctl.i18n import t
            from schemas import codes, rows

            def header(c: str) -> str:
                zh = rows.zh_header(kind, c) if kind in REGISTER else None
                return zh or t(f"bulk.col.{c}", lang="zh")

            self.headers = [header(c) for c in columns]
            self._labels = {i: {code: pair[0] for code, pair in codes.TABLES[CODED[kind][c]].items()}
                            for i, c in enumerate(columns) if c in CODED[kind]}
        else:
            self.headers = list(columns)
        self._booleans = {i for i, c in enumerate(columns) if c in BOOLEAN.get(kind, ())}
        special = {i for i, c in enumerate(columns)
                   if c in ("tags", "photos", "person_ids", "parties") or c in BOOLEAN.get(kind, ())}
        typed = set(self._labels) | (self._booleans if self.zh else set())
        self._value_steps = [(i, self._value_fn(i)) for i in sorted(typed)]
        self._cell_steps = [(i, self._cell_fn(i, i in special)) for i in sorted(set(self._labels) | special)]

    def _value_fn(self, i: int) -> Callable[[Any], Any]:
        """Column ``i``'s value in this language, still typed: codes become labels (in lists too),
        booleans 是/否 under Chinese."""
        labels = self._labels.get(i)
        boolean = self.zh and i in self._booleans

        def value(v: Any) -> Any:
            if isinstance(v, str):
                return labels.get(v, v) if labels else v
            if isinstance(v, bool):
                return ("是" if v else "否") if boolean else v
            if labels and isinstance(v, list):
                return [labels.get(x, x) if isinstance(x, str) else x for x in v]
            return v

        return value

    def _cell_fn(self, i: int, special: bool) -> Callable[[Any], Any]:
        """Column ``i``'s value as the text of a CSV or sheet cell: its label, lists joined by the
        importer's separators (、 in Chinese, | in English), objects as JSON, booleans as words."""
        value = self._value_fn(i)
        if not special:
            return value
        sep = "、" if self.zh else "|"

        def cell(v: Any) -> Any:
            v = value(v)
            if isinstance(v, list):
                if all(isinstance(x, str) for x in v):
                    return sep.join(v)
                return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, dict):
                return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            return v

        return cell

    def values(self, row: list) -> list:
        """The row in this language, its values still typed (lists, numbers, booleans)."""
        if not self._value_steps:
            return row
        row = list(row)
        for i, value in self._value_steps:
            v = row[i]
            if v is not None and v != "":
                row[i] = value(v)
        return row

    def cells_chunk(self, chunk: list[list], blanks: bool = True) -> list[list]:
        """The rows of ``chunk`` as cell texts, changed in place (the rows are the export's own).
        ``blanks``: None becomes "" (csv.writer writes None as an empty field by itself).

        A column at a time, with the common cases inline (a list of codes joined, a code
        labelled); anything else goes through the column's full rule (``_cell_fn``)."""
        sep = "、" if self.zh else "|"
        join = sep.join
        for i, cell in self._cell_steps:
            labels = self._labels.get(i)
            if self.columns[i] in ("tags", "photos", "person_ids"):
                for row in chunk:
                    v = row[i]
                    if v.__class__ is list:
                        try:
                            row[i] = join([labels.get(x, x) for x in v] if labels else v)
                        except TypeError:  # not a list of texts
                            row[i] = cell(v)
                    elif v is not None and v != "":
                        row[i] = cell(v)
            elif labels and i not in self._booleans:
                get = labels.get
                for row in chunk:
                    v = row[i]
                    if v.__class__ is str:
                        row[i] = get(v, v)
                    elif v is not None:
                        row[i] = cell(v)
            else:
                for row in chunk:
                    v = row[i]
                    if v is not None and v != "":
                        row[i] = cell(v)
        if blanks:
            for row in chunk:
                if None in row:
                    row[:] = ["" if v is None else v for v in row]
        return chunk

    def cells(self, row: list) -> list:
        """One row as the text of CSV or sheet cells."""
        return self.cells_chunk([list(row)])[0]


# --- the export ----------------------------------------------------------------------------------

def run_export(
    api: Any,
    kind: str,
    *,
    fmt: str = "csv",
    out: str | os.PathLike | None = None,
    reveal: bool = False,
    progress: Progress | None = None,
    stdout: TextIO | None = None,
    lang: str | None = None,
    **filters: Any,
) -> ExportReport:
    if kind not in KINDS:
        raise InvalidInput("importer.export.kind", field="KIND", kind=kind, choices=", ".join(KINDS))
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise InvalidInput("importer.error.format", field="--format", value=fmt, choices=", ".join(FORMATS))
    to_file = out not in (None, "-")
    if fmt == "xlsx" and not to_file:
        raise InvalidInput("bulk.xlsx_needs_out", field="--out")
    if lang is None:
        from gridctl.i18n import get_lang

        lang = get_lang()
    me = api.me()
    if reveal and me.get("role") != "admin":
        raise Forbidden("importer.export.reveal_admin_only", username=me.get("username"), role=me.get("role"))
    started = time.monotonic()
    report = ExportReport(kind=kind, format=fmt, out=str(out) if to_file else None, revealed=reveal, lang=lang)
    columns, chunks = _chunks(api, kind, me=me, reveal=reveal, filters=filters)
    speaker = _Speaker(kind, columns, lang)
    if to_file:
        target = Path(out)
        if target.is_dir():
            raise InvalidInput("importer.export.out_is_dir", field="--out", path=str(target))
        part = target.with_name(f".{target.name}.part")
        try:
            # Revealed ID numbers and phones: a file its owner alone may read, from its first byte.
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if reveal else 0o666)
            if reveal:
                os.fchmod(fd, 0o600)
        except OSError as exc:
            raise InvalidInput("importer.export.out_unwritable", field="--out", path=str(target),
                               detail=exc.strerror) from None
        try:
            if fmt == "xlsx":
                os.close(fd)
                report.rows = _write_xlsx(part, kind, speaker, chunks, progress)
            else:
                # Bytes, encoded a chunk at a time (a text file encodes on every row's write).
                with open(fd, "wb") as fh:
                    if fmt == "csv":
                        fh.write(codecs.BOM_UTF8)
                    write = fh.write
                    report.rows = _write(lambda text: write(text.encode("utf-8")), fmt, speaker, chunks, progress)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    else:
        # No BOM on standard output: it would end up inside whatever reads the pipe.
        stream = stdout or sys.stdout
        if reveal:
            from gridctl.private_files import keep_private

            keep_private(stream)
        report.rows = _write(stream.write, fmt, speaker, chunks, progress)
        stream.flush()
    report.seconds = time.monotonic() - started
    return report


class _CsvLines:
    """Rows as CSV text exactly as ``csv.writer`` writes them (comma, minimal quoting, CRLF), at
    twice its speed: a row none of whose fields needs quotes (no comma, quote or line break: most
    rows of a register) is one join; any other row goes through ``csv.writer`` itself."""

    def __init__(self, width: int) -> None:
        self._commas = width - 1
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def _quoted(self, row: list) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(row)
        return self._buffer.getvalue()[:-2]

    def text(self, rows: list[list]) -> str:
        text = self._text(rows)
        # A cell Excel would run as a formula (gridctl.csvcells): one search of the chunk's text;
        # only a chunk holding such a cell is written again, its cells defused.
        if formula_in(text):
            text = self._text([defused(row) for row in rows])
        return text

    def _text(self, rows: list[list]) -> str:
        out = []
        append, commas = out.append, self._commas
        for row in rows:
            try:
                line = ",".join(row)
            except TypeError:  # None, numbers: as csv.writer writes them
                line = ",".join(["" if v is None else v if v.__class__ is str else str(v) for v in row])
            if (line.count(",") != commas or '"' in line or "\n" in line or "\r" in line
                    or len(row) != commas + 1 or not commas):
                line = self._quoted(row)
            append(line)
        out.append("")
        return "\r\n".join(out)


def _write(write: Callable[[str], Any], fmt: str, speaker: _Speaker, chunks: Iterator[list[list]],
           progress: Progress | None) -> int:
    """CSV or JSON lines, written a chunk at a time: each chunk becomes one text, one write."""
    n = 0
    if progress:
        progress(0, None, "importer.export.progress")
    if fmt == "csv":
        lines = _CsvLines(len(speaker.headers))
        write(lines.text([speaker.headers]))
        cells_chunk = speaker.cells_chunk
        for chunk in chunks:
            write(lines.text(cells_chunk(chunk, blanks=False)))
            n += len(chunk)
            if progress:
                progress(n, None, "importer.export.progress")
    else:
        headers, values = speaker.headers, speaker.values
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for chunk in chunks:
            write("".join([dumps(dict(zip(headers, values(row)))) + "\n" for row in chunk]))
            n += len(chunk)
            if progress:
                progress(n, None, "importer.export.progress")
    if progress:
        progress(n, n, "importer.export.progress")
    return n


def _write_xlsx(path: Path, kind: str, speaker: _Speaker, chunks: Iterator[list[list]],
                progress: Progress | None) -> int:
    """One sheet, written as the rows stream in (``gridctl.xlsxwrite``), so 200,000 rows cost the
    memory 2,000 do. Every text is written as text: an ID number must never become a number in Excel."""
    from gridctl.xlsxwrite import SheetWriter

    widths = {"id_number": 20, "household_no": 18, "grid_code": 17, "address": 24, "name": 10,
              "id": 38, "household_id": 38, "head_person_id": 38, "title": 30, "description": 40}
    n = 0
    if progress:
        progress(0, None, "importer.export.progress")
    from gridctl.i18n import t

    # The sheet is named in the export's language, as its headers are (人口信息 under --lang zh).
    sheet_name = t(f"bulk.sheet.{kind}", lang="zh" if speaker.zh else "en")
    with SheetWriter(path, sheet_name, speaker.headers, [widths.get(c, 12) for c in speaker.columns]) as sheet:
        cells_chunk = speaker.cells_chunk
        for chunk in chunks:
            n += sheet.write_rows(cells_chunk(chunk))
            if progress:
                progress(n, None, "importer.export.progress")
    if progress:
        progress(n, n, "importer.export.progress")
    return n


__all__ = ["KINDS", "FORMATS", "COLUMNS", "ExportReport", "iter_records", "run_export", "Unreachable"]
