"""Bulk import of registers (DESIGN §7b): a file in, validated batches to ``/import/{kind}`` out.

The file is streamed: rows are read, validated by ``schemas.rows`` and sent in batches of at
most 5,000, so memory stays flat however long the file is. The client's own job is what only the
whole file can tell — mapping Chinese or English headers, remembering line numbers, finding
duplicate rows and households split across grids — while each row's content is validated by
``schemas.rows`` (the same code the server runs) and what needs the database (unknown grids, a
household already in another grid) by the server.

Every row is an upsert keyed by its natural key, so an import that died half way (Ctrl-C, kill,
dead server) is finished by running it again: rows already in are reported ``unchanged``.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable

from gridctl.csvsource import Record, Source, count_lines, open_source
from gridctl.private_files import open_private
from gridctl.errors import Forbidden, GridctlError, InvalidInput, Unreachable
from gridctl.i18n import t

KINDS = ("divisions", "grids", "users", "households", "persons", "units")
MAX_BATCH = 5000
KEPT_ERRORS = 1000  # shown on screen; all of them go to --errors FILE

Progress = Callable[[int, "int | None", str], None]

# The natural key of each kind: two rows of one file with the same key are duplicates.
_KEY_COLUMN = {"divisions": "code", "grids": "code", "users": "username", "households": "household_no",
               "persons": "id_number", "units": "code"}


@dataclass
class RowError:
    line: int
    column: str | None
    message: str

    def text(self, lang: str | None = None) -> str:
        if self.column:
            return t("importer.row_error", lang=lang, line=self.line, column=self.column, message=self.message)
        return t("importer.row_error_nocol", lang=lang, line=self.line, message=self.message)

    def as_dict(self) -> dict:
        return {"row": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    kind: str
    path: str
    dry_run: bool
    encoding: str = ""
    format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0
    errors_file: str | None = None
    sheet: str | None = None
    passwords_file: str | None = None
    seconds: float = 0.0
    # Where the time went (seconds): reading and checking rows here, waiting for the server, and
    # the server's own validation and database time as it reports them. For benchmarks.
    timings: dict[str, float] = field(default_factory=dict)

    def add_time(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    def summary(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected}

    def as_dict(self) -> dict:
        out = self.summary()
        out.update(kind=self.kind, file=self.path, dry_run=self.dry_run, rows=self.rows, encoding=self.encoding,
                   format=self.format, errors=[e.as_dict() for e in self.errors], more_errors=self.more_errors,
                   sheet=self.sheet, errors_file=self.errors_file, passwords_file=self.passwords_file,
                   seconds=round(self.seconds, 3))
        return out


# --- headers ---------------------------------------------------------------------------------

def _norm_header(name: str) -> str:
    # Excel users write 身份证号（必填）, "Name *" or full-width letters; all mean the same column.
    text = unicodedata.normalize("NFKC", str(name)).strip().lstrip("\ufeff").strip()
    for suffix in ("(必填)", "(选填)", "*"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    text = text.lstrip("*★").strip()  # *户号: the mark before the name, as many forms put it
    return text.lower().replace(" ", "_")


@dataclass
class ColumnMap:
    """Which file column feeds which English field, and back (for error messages)."""

    kind: str
    to_field: dict[str, str]
    to_header: dict[str, str]
    header: list[str] | None = None  # the file's whole header, read-past columns included

    @property
    def standard(self) -> list[str | None]:
        """The file's header of each column of the kind in its standard order (None: not in the
        file): how a row becomes the list of values that is sent."""
        from schemas import rows

        return [self.to_header.get(name) for name in rows.columns(self.kind)]

    def header_of(self, field_name: str | None) -> str | None:
        if field_name is None:
            return None
        return self.to_header.get(field_name, field_name)


@lru_cache(maxsize=None)
def _aliases(kind: str) -> dict[str, str]:
    """normalised header text -> English field, from ``schemas.rows``."""
    from schemas import rows

    out: dict[str, str] = {}
    for name in rows.columns(kind):
        out[_norm_header(name)] = name
    for alias, name in rows.header_aliases(kind).items():
        out[_norm_header(alias)] = name
    return out


def names_columns(kind: str) -> Callable[[list[str]], bool]:
    """Does a row of cells name at least two of the kind's columns (a header, not a title or a
    填报单位：… line above it)?"""
    aliases = _aliases(kind)

    def is_header(texts: list[str]) -> bool:
        return sum(1 for text in texts if text and _norm_header(text) in aliases) >= 2

    return is_header


def expected_columns(kind: str, lang: str | None = None) -> str:
    from schemas import rows

    zh = _zh_headers(kind)
    return ", ".join(f"{name} ({zh[name]})" if name in zh else name for name in rows.columns(kind))


def map_header(kind: str, header: list[str], path: str) -> ColumnMap:
    """Map every column of the file or refuse the file, naming what is wrong and what is expected."""
    from schemas import rows

    aliases = _aliases(kind)
    ignored = {_norm_header(a) for a in rows.export_only_aliases(kind)}
    to_field: dict[str, str] = {}
    unknown: list[str] = []
    doubled: list[str] = []
    for raw in header:
        if not raw.strip():
            continue
        if _norm_header(raw) in ignored and _norm_header(raw) not in aliases:
            continue  # a column of our own export that an import does not read (its id, version ...)
        name = aliases.get(_norm_header(raw))
        if name is None:
            unknown.append(raw)
        elif name in to_field.values():
            doubled.append(raw)
        else:
            to_field[raw] = name
    expected = expected_columns(kind)
    if unknown:
        raise InvalidInput("importer.error.unknown_columns", field="FILE", path=path, kind=kind,
                           columns=_first_few(unknown), expected=expected)
    if doubled:
        raise InvalidInput("importer.error.double_columns", field="FILE", path=path, columns=", ".join(doubled))
    missing = [name for name in rows.required_columns(kind) if name not in to_field.values()]
    if missing:
        raise InvalidInput("importer.error.missing_columns", field="FILE", path=path, kind=kind,
                           columns=", ".join(missing), expected=expected)
    return ColumnMap(kind, to_field, {v: k for k, v in to_field.items()}, list(header))


# --- the import ------------------------------------------------------------------------------

def _first_few(names: list[str], shown: int = 12) -> str:
    """A sheet of 5,000 stray columns is named by its first few, not 40 KB of names."""
    if len(names) <= shown:
        return ", ".join(names)
    return t("adminprobe.and_more", shown=", ".join(names[:shown]), count=len(names) - shown)


@dataclass(slots=True)
class _Row:
    line: int
    original: dict[str, Any]
    # What is sent (the server validates it again itself): the file's text of each column in the
    # standard order (CSV and Excel), or English column names to it (JSONL)
    data: list | dict[str, Any] | None = None
    # the same row as ``schemas.rows`` normalised it: what the in-file checks compare
    clean: dict[str, Any] | None = None
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    # JSONL: each field's key as this line wrote it (English or Chinese), for error messages; a
    # line with Chinese keys names the fields it leaves out by their Chinese headers
    keys: dict[str, str] | None = None


def _named(row: _Row, header_of: Callable[[str | None], str | None], name: str | None) -> str | None:
    """The column an error names: as the file named it (a JSONL line names its own keys)."""
    if row.keys is None or name is None:
        return header_of(name)
    return row.keys.get(name, name)


class _ErrorsFile:
    """Rejected rows as CSV (UTF-8 with BOM so that Excel shows Chinese): original columns + row + error."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = [c for c in columns if c not in ("row", "error")]
        try:
            # Rejected rows hold personal data (full ID numbers): readable by the user alone (DESIGN §14).
            self._fh = open_private(path, "w", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise InvalidInput("importer.error.errors_file", field="--errors", path=str(path), detail=exc.strerror) from None
        self._writer = csv.writer(self._fh)
        self._writer.writerow(self.columns + ["row", "error"])

    def write(self, row: _Row, lang: str | None) -> None:
        from gridctl.csvcells import defused

        values = [_cell(row.original.get(c)) for c in self.columns]
        message = "; ".join(f"{col}: {msg}" if col else msg for col, msg in row.errors)
        self._writer.writerow(defused(values) + [row.line, message])  # opened in Excel to be fixed

    def close(self) -> None:
        self._fh.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return str(value)


class _PasswordsFile:
    """Initial passwords of created accounts: a file only its owner can read, appended to so that a
    re-run after an interruption never loses the passwords the first run handed out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = None

    def write(self, username: str, display_name: str | None, password: str) -> None:
        if self._fh is None:
            new = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)
            self._fh = os.fdopen(fd, "w", encoding="utf-8-sig" if new else "utf-8", newline="")
            self._writer = csv.writer(self._fh)
            if new:
                self._writer.writerow(["username", "display_name", "password"])
        self._writer.writerow([username, display_name or "", password])
        self._fh.flush()

    @property
    def used(self) -> bool:
        return self._fh is not None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet: not the same file
        return False


def default_passwords_path(path: Path) -> Path:
    return path.with_name(path.stem + ".passwords.csv")


def run_import(
    api: Any,
    kind: str,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    errors_path: str | os.PathLike | None = None,
    passwords_path: str | os.PathLike | None = None,
    progress: Progress | None = None,
    batch_size: int = MAX_BATCH,
    check_role: bool = True,
    lang: str | None = None,
) -> ImportReport:
    """Import ``path`` as ``kind`` through ``api`` (a ``gridctl.api.ApiClient``).

    Raises ``InvalidInput`` for a file that cannot be imported at all (encoding, columns, not a
    CSV), ``Forbidden`` for a non-admin, ``Unreachable`` when the server goes away (run again).
    Rows that fail are counted in the report, not raised.
    """
    if kind not in KINDS:
        raise InvalidInput("importer.error.kind", field="KIND", kind=kind, choices=", ".join(KINDS))
    if not 1 <= batch_size <= MAX_BATCH:
        raise InvalidInput("importer.error.batch", batch=batch_size, limit=MAX_BATCH)
    if check_role:
        me = api.me()
        if me.get("role") != "admin":
            raise Forbidden("importer.error.admin_only", username=me.get("username"), role=me.get("role"))

    started = time.monotonic()
    path = Path(path)
    report = ImportReport(kind=kind, path=str(path), dry_run=dry_run)
    for flag, other in (("--errors", errors_path), ("--passwords", passwords_path)):
        if other is not None and _same_file(path, Path(other)):
            # Opening it for writing would empty the register being read (a fixed rejected-rows
            # file run again with the same --errors FILE is the natural way to meet this).
            raise InvalidInput("adminprobe.output_is_input", field=flag, flag=flag, path=str(other))
    source = open_source(path, fmt=fmt, encoding=encoding, sheet=sheet, is_header=names_columns(kind))
    report.encoding, report.format, report.sheet = source.encoding, source.format, source.sheet
    # A sheet's column problems name the sheet: the fix may be --sheet.
    where = f"{path} [{source.sheet}]" if source.sheet else str(path)
    columns = map_header(kind, source.header, where) if source.format in ("csv", "xlsx") else None
    total = None
    if source.rows_total is not None:
        total = source.rows_total
    elif progress is not None:
        lines = count_lines(path)
        total = max(lines - 1, 0) if lines is not None and source.format == "csv" else lines

    from gridctl.seenindex import SeenIndex
    from schemas.collector import collector_held

    errors_file = None
    passwords = None
    if kind == "users" and not dry_run and not (columns and "password" in columns.to_header):
        passwords = _PasswordsFile(Path(passwords_path) if passwords_path else default_passwords_path(path))
    try:
        # Rows and remembered keys make no reference cycles: the collector would only walk them
        # again and again (half of reading and checking; schemas/collector.py).
        with collector_held(), source, SeenIndex() as seen:
            if errors_path:
                err_columns = source.header if columns else _known_columns(kind)
                errors_file = _ErrorsFile(Path(errors_path), err_columns)
            if progress:
                progress(0, total, "importer.progress.rows")

            def account(rows: list[_Row]) -> None:
                for row in rows:
                    report.rows += 1
                    if row.errors:
                        report.rejected += 1
                        for col, msg in row.errors:
                            if len(report.errors) < KEPT_ERRORS:
                                report.errors.append(RowError(row.line, col, msg))
                            else:
                                report.more_errors += 1
                        if errors_file:
                            errors_file.write(row, lang)
                # Only rows the server took are remembered: a later row is judged against good
                # rows alone, never against a neighbour that was itself rejected (issue 8 item 9).
                _remember(kind, [r for r in rows if not r.errors and r.clean is not None], seen)
                if progress:
                    progress(report.rows, max(total or 0, report.rows) if total is not None else None,
                             "importer.progress.rows")
                # What a request left in reference cycles (the HTTP client's) goes now, while it
                # is young: only this batch's objects are looked at (schemas/collector.py).
                gc.collect(0)

            # Two batches are in flight: the server writes one while the next waits at its door,
            # and this side reads and checks the one after (the server is never idle between
            # batches). A batch is checked against the rows of earlier batches the server has
            # answered for; one that names a key of a batch still in flight (the same person, a
            # household in another grid, a head) first waits for that answer (``_Flight``).
            from concurrent.futures import ThreadPoolExecutor

            def settle(flight: _Flight) -> None:
                clock = time.perf_counter()
                answer, seconds = flight.future.result()
                report.add_time("client_waits_for_server", time.perf_counter() - clock)
                _apply_answer(kind, flight.good, answer, seconds, columns, passwords, report, lang)
                account(flight.rows)

            # On an error (a file that stops decoding, a server gone) the batches still out are
            # waited for as the executor closes, and not counted: a run again finds their rows.
            with ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="gridctl-import") as sender:
                flights: deque[_Flight] = deque()
                check = _Checker(kind, columns, lang or _lang())
                clock = time.perf_counter()
                for chunk in _chunks(_filled(_records(source), columns), batch_size):
                    rows = [_prepare(kind, rec, columns, lang, check) for rec in chunk]
                    report.add_time("client_read_validate", time.perf_counter() - clock)
                    while flights and (len(flights) >= IN_FLIGHT or any(f.clashes(rows) for f in flights)):
                        settle(flights.popleft())
                    clock = time.perf_counter()
                    _cross_check(kind, rows, seen, columns, lang)
                    good = [r for r in rows if r.clean is not None]
                    future = sender.submit(_post, api, kind, good, dry_run) if good else None
                    flights.append(_Flight(kind, rows, good, future))
                    now = time.perf_counter()
                    report.add_time("client_cross_check", now - clock)
                    clock = now
                while flights:
                    settle(flights.popleft())
    except Unreachable as exc:
        raise Unreachable("importer.error.unreachable", server=exc.params.get("server", ""), done=report.rows,
                          hint_key="importer.hint.rerun") from None
    finally:
        if errors_file:
            errors_file.close()
        if passwords:
            passwords.close()
    if errors_file:
        report.errors_file = str(errors_file.path)
    if passwords and passwords.used:
        report.passwords_file = str(passwords.path)
    report.seconds = time.monotonic() - started
    import logging

    logging.getLogger("gridctl.importer").debug("timings %s", json.dumps(report.timings))
    return report


def _known_columns(kind: str) -> list[str]:
    from schemas import rows

    return list(rows.columns(kind))


def _records(source: Source) -> Iterable[Record]:
    it = iter(source)
    if source.format == "csv":
        # the first item of a CSV source only marks that the header was read
        pass
    for rec in it:
        if rec.line == 1 and source.format == "csv" and not rec.values:
            continue
        yield rec


def _filled(records: Iterable[Record], columns: ColumnMap | None) -> Iterable[Record]:
    """Rows with nothing in the columns the import reads are blank rows: a register's 序号 numbered
    down to row 500, or its 年龄 formula dragged down past the last person, is no person."""
    if columns is None:
        return records
    read = list(columns.to_field)
    if not any(name and name not in columns.to_field for name in (columns.header or ())):
        return records  # every column is read: the readers already skip blank rows

    def filled() -> Iterable[Record]:
        for rec in records:
            get = rec.values.get
            if rec.error is not None or any(str(get(name) or "").strip() for name in read) \
                    or any(problem[0] in columns.to_field for problem in rec.cell_errors or ()):
                yield rec
    return filled()


def _chunks(items: Iterable[Record], size: int) -> Iterable[list[Record]]:
    chunk: list[Record] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Checker:
    """``schemas.rows`` validation of one row on its own, set up once per file."""

    def __init__(self, kind: str, columns: ColumnMap | None, lang: str) -> None:
        from schemas import rows

        self.kind, self.lang, self.rows = kind, lang, rows
        self.names = rows.columns(kind)
        self.standard = columns.standard if columns is not None else None
        # A file with every column: one C call takes a row's values in the standard order.
        self.take = itemgetter(*self.standard) if self.standard and len(self.standard) > 1 \
            and None not in self.standard else None
        self.values = rows.values_checker(kind, self.names, lang)
        self.header_of = columns.header_of if columns is not None else (lambda f: f)

    def __call__(self, row: _Row, data: list | dict) -> None:
        if isinstance(data, list):
            clean, problems = self.values(data)
        else:
            clean, problems = self.rows.validate_row_coded(self.kind, data, lang=self.lang)
        row.data = data
        if problems:
            row.errors.extend((_named(row, self.header_of, col), msg) for col, _code, msg in problems)
        else:
            row.clean = clean


def _prepare(kind: str, rec: Record, columns: ColumnMap | None, lang: str | None, check: _Checker) -> _Row:
    """English field names, then ``schemas.rows`` validation of the row on its own."""
    row = _Row(line=rec.line, original=rec.values)
    if rec.error == "cell_too_long":
        column, length, limit = rec.raw
        row.errors.append((column, t("rowcheck.cell_too_long", lang=lang, length=length, limit=limit)))
        return row
    if rec.error:
        key = "importer.error.jsonl_syntax" if rec.error == "json" else "importer.error.jsonl_not_object"
        row.errors.append((None, t(key, lang=lang, detail=rec.raw)))
        return row
    if columns is not None:
        # Cells beyond the header are named "#N" and come last: only then is the row looked through.
        last = next(reversed(rec.values), None)
        extra = [k for k in rec.values if k not in columns.to_field and str(k).startswith("#")] \
            if str(last).startswith("#") else None
        if extra:
            row.errors.append((None, t("importer.error.extra_cells", lang=lang, count=len(extra))))
            return row
        if rec.cell_errors and _cell_problems(row, rec.cell_errors, columns, lang):
            return row
        if check.take is not None:
            check(row, list(check.take(rec.values)))
        else:
            get = rec.values.get
            check(row, [None if h is None else get(h) for h in check.standard])
        return row
    else:
        aliases = _aliases(kind)
        ignored = _ignored(kind)
        data, unknown, keys = {}, [], {}
        for k, v in rec.values.items():
            name = aliases.get(_norm_header(k))
            if name is None and _norm_header(k) in ignored:
                continue
            if name is None:
                unknown.append(str(k))
                continue
            keys[name] = str(k)
            if isinstance(v, list):
                data[name] = "|".join(str(x) for x in v)  # JSON arrays of tags
            else:
                data[name] = v
        if any(not k.isascii() for k in keys.values()):
            # a line in Chinese: the fields it leaves out are named by their Chinese headers
            keys = {**_zh_headers(kind), **keys}
        row.keys = keys
        if unknown:
            row.errors.append((", ".join(unknown), t("importer.error.unknown_key", lang=lang,
                                                      expected=expected_columns(kind))))
            return row
    if rec.cell_errors and _cell_problems(row, rec.cell_errors, columns, lang):
        return row
    check(row, data)
    return row


def _cell_problems(row: _Row, problems: list[tuple], columns: ColumnMap | None, lang: str | None) -> bool:
    """Excel cells that could not be read faithfully, in columns the import reads (a failed 年龄
    formula costs nothing): a number that lost digits, or a formula that failed (#N/A ...)."""
    found = False
    for col, shown, *key in problems:
        if columns is not None and col not in columns.to_field:
            continue
        row.errors.append((col, t(key[0] if key else "bulk.xlsx_precision", lang=lang, shown=shown)))
        found = True
    return found


@lru_cache(maxsize=None)
def _zh_headers(kind: str) -> dict[str, str]:
    """English field -> its standard Chinese header (the first Chinese one; the rest are variants)."""
    from schemas import rows

    zh: dict[str, str] = {}
    for alias, name in rows.header_aliases(kind).items():
        if not alias.isascii():
            zh.setdefault(name, alias)
    return zh


@lru_cache(maxsize=None)
def _ignored(kind: str) -> frozenset[str]:
    from schemas import rows

    return frozenset(_norm_header(a) for a in rows.export_only_aliases(kind))


def _lang() -> str:
    from gridctl.i18n import get_lang

    return get_lang()


def _cross_check(kind: str, rows: list[_Row], seen: Any, columns: ColumnMap | None, lang: str | None) -> None:
    """A row against the rows of earlier batches that the server accepted: a duplicate key, (persons)
    one household number in two grids, a second head. Rows of the same batch are compared by the
    server, which knows which of them are valid (an unknown grid is only found there)."""
    header_of = columns.header_of if columns else (lambda f: f)
    key_col = _KEY_COLUMN[kind]
    good = [r for r in rows if r.clean is not None]
    if not good:
        return
    keys = [f"k:{r.clean[key_col]}" for r in good]
    houses = [f"h:{r.clean['household_no']}" for r in good] if kind == "persons" else []
    heads = [f"H:{r.clean['household_no']}" for r in good] if kind == "persons" else []
    earlier = seen.lookup(keys + houses + heads)
    # The old head's relation may change anywhere in this batch: then the new head is welcome.
    demoted = {r.clean["id_number"] for r in good if r.clean.get("relation_to_head") != "head"} \
        if kind == "persons" else set()
    for i, row in enumerate(good):
        key = keys[i]
        if key in earlier:
            row.errors.append((_named(row, header_of, key_col), t("importer.error.duplicate", lang=lang,
                                                     value=row.clean[key_col], line=earlier[key][0])))
        elif kind == "persons":
            house, grid = houses[i], row.clean.get("grid_code")
            if house in earlier and earlier[house][1] != grid:
                first_line, first_grid = earlier[house]
                row.errors.append((_named(row, header_of, "grid_code"), t(
                    "importer.error.household_split", lang=lang, household=row.clean["household_no"],
                    grid=grid, other=first_grid, line=first_line)))
            elif row.clean.get("relation_to_head") == "head" and heads[i] in earlier:
                head_line, head_id = earlier[heads[i]]
                if head_id != row.clean["id_number"] and head_id not in demoted:
                    row.errors.append((_named(row, header_of, "relation_to_head"), t(
                        "bulk.second_head", lang=lang, household=row.clean["household_no"],
                        line=head_line)))
    for row in good:
        if row.errors:
            row.clean = None


def _remember(kind: str, accepted: list[_Row], seen: Any) -> None:
    """Keys, households and heads of rows the server accepted, for the checks of later batches."""
    if not accepted:
        return
    key_col = _KEY_COLUMN[kind]
    new: list[tuple[str, int, str | None]] = [(f"k:{r.clean[key_col]}", r.line, None) for r in accepted]
    if kind == "persons":
        new += [(f"h:{r.clean['household_no']}", r.line, r.clean.get("grid_code")) for r in accepted]
        heads = seen.lookup([f"H:{r.clean['household_no']}" for r in accepted])
        demoted = [f"H:{r.clean['household_no']}" for r in accepted
                   if r.clean.get("relation_to_head") != "head"
                   and heads.get(f"H:{r.clean['household_no']}", (0, None))[1] == r.clean["id_number"]]
        seen.remove(demoted)
        seen.put([(f"H:{r.clean['household_no']}", r.line, r.clean["id_number"]) for r in accepted
                  if r.clean.get("relation_to_head") == "head"])
    seen.add(new)


# Server errors that compare a row with another row of the same request (``other`` is its index):
# said again here with the other row's line in the file, which only the client knows.
_PAIR_MESSAGES = {"import.duplicate", "import.household_split", "import.second_head"}


def _pair_message(kind: str, code: str, row: _Row, other: _Row, lang: str | None) -> str:
    if code == "import.duplicate":
        key_col = _KEY_COLUMN[kind]
        return t("importer.error.duplicate", lang=lang, value=row.clean[key_col], line=other.line)
    if code == "import.household_split":
        return t("importer.error.household_split", lang=lang, household=row.clean["household_no"],
                 grid=row.clean.get("grid_code"), other=other.clean.get("grid_code"), line=other.line)
    return t("bulk.second_head", lang=lang, household=row.clean["household_no"], line=other.line)


IN_FLIGHT = 2  # batches sent and not yet answered


class _Flight:
    """A batch sent to the server and the keys of its rows that a later batch must not be checked
    against until the server has said which of them it took."""

    def __init__(self, kind: str, rows: list[_Row], good: list[_Row], future: Any) -> None:
        from schemas.validators import parent_code

        self.rows, self.good = rows, good
        self.future = future if future is not None else _answered()  # nothing sent: answered at once
        self.key_col = _KEY_COLUMN[kind]
        self.keys = {r.clean[self.key_col] for r in good}
        self.persons = kind == "persons"
        self.parent = parent_code if kind in ("divisions", "grids") else None
        # household number -> grid of its rows here (persons)
        self.homes = {r.clean["household_no"]: r.clean.get("grid_code") for r in good} if self.persons else {}

    def clashes(self, rows: list[_Row]) -> bool:
        """Would checking or writing ``rows`` need this batch's answer first? The same key; a
        household of this batch in another grid, or a head for one (the head here may be
        refused); a division whose parent is in this batch (the server must have made it)."""
        keys, homes = self.keys, self.homes
        for row in rows:
            clean = row.clean
            if clean is None:
                continue
            if clean[self.key_col] in keys:
                return True
            if self.persons:
                number = clean["household_no"]
                if number in homes and (homes[number] != clean.get("grid_code")
                                        or clean.get("relation_to_head") == "head"):
                    return True
            elif self.parent is not None and self.parent(clean[self.key_col]) in keys:
                return True
        return False


def _answered():
    from concurrent.futures import Future

    done: Future = Future()
    done.set_result((None, 0.0))
    return done


def _post(api: Any, kind: str, good: list[_Row], dry_run: bool) -> tuple[dict, float]:
    """The request of one batch (in a sender thread): the server's answer and how long it took."""
    sent = time.perf_counter()
    lists = isinstance(good[0].data, list)  # CSV and Excel: all lists; JSONL: all objects
    result = api.import_rows(kind, [r.data for r in good], dry_run=dry_run,
                             columns=_known_columns(kind) if lists else None)
    return result, time.perf_counter() - sent


def _apply_answer(kind: str, good: list[_Row], result: dict | None, seconds: float, columns: ColumnMap | None,
                  passwords: _PasswordsFile | None, report: ImportReport, lang: str | None = None) -> None:
    """The server's answer on a batch, said of the rows that were sent (``good``, in the order
    sent: the answer's indexes point into it), in the main thread and in file order."""
    if result is None:
        return
    report.add_time("request_round_trip", seconds)
    for name, secs in (result.get("timings") or {}).items():
        if isinstance(secs, (int, float)):
            report.add_time(f"server_{name}", float(secs))
    header_of = columns.header_of if columns else (lambda f: f)
    for err in result.get("errors") or []:
        index = err.get("index")
        if isinstance(index, int) and 0 <= index < len(good):
            message = err.get("message") or ""
            other = err.get("other")
            if err.get("code") in _PAIR_MESSAGES and isinstance(other, int) and 0 <= other < len(good):
                message = _pair_message(kind, err["code"], good[index], good[other], lang)
            good[index].errors.append((_named(good[index], header_of, err.get("field")), message))
    report.created += int(result.get("created") or 0)
    report.updated += int(result.get("updated") or 0)
    report.unchanged += int(result.get("unchanged") or 0)
    # The server makes the initial password of each account it creates (an existing account keeps
    # its own, so a re-run hands out nothing) and shows it this once.
    if passwords is not None:
        names = {r.clean["username"]: r.clean.get("display_name") for r in good}
        for username, password in (result.get("passwords") or {}).items():
            passwords.write(username, names.get(username), password)


__all__ = ["KINDS", "ImportReport", "RowError", "run_import", "map_header", "expected_columns",
           "default_passwords_path", "GridctlError"]
