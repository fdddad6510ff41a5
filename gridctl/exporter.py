"""Exports (DESIGN §7b): list endpoints read page by page, written as CSV or JSON lines.

CSV is UTF-8 with a BOM because that is what makes Excel on Chinese Windows show Chinese instead
of mojibake. Persons and households carry the same columns the importer reads, so an export can be
edited and imported back. ID numbers and phones are masked unless ``reveal`` (admin only): an
export file travels further than a screen.

A file is written under a temporary name and renamed when complete, so an interrupted export
never leaves a half file that looks whole.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from gridctl.errors import Forbidden, InvalidInput, Unreachable

KINDS = ("cases", "visits", "households", "persons")
FORMATS = ("csv", "jsonl")
PAGE_SIZE = 1000

Progress = Callable[[int, "int | None", str], None]

COLUMNS: dict[str, list[str]] = {
    "persons": ["household_no", "grid_code", "address", "name", "id_number", "sex", "birth_date",
                "relation_to_head", "phone", "tags", "residence", "care_level", "key_person_type", "id",
                "household_id", "version"],
    "households": ["household_no", "grid_code", "address", "lat", "lon", "id", "head_person_id", "version"],
    "cases": ["serial", "id", "title", "category", "subcategory", "scale", "urgent", "status", "level",
              "grid_code", "address", "lat", "lon", "source", "reporter", "assignee", "occurred_at",
              "reported_at", "due_at", "overdue", "supervision", "description", "parties", "household_id",
              "photos", "version"],
    "visits": ["id", "household_no", "household_id", "grid_code", "visited_at", "worker", "method", "purpose",
               "met", "person_ids", "note", "concern", "next_visit_due", "lat", "lon", "photos", "version"],
}


@dataclass
class ExportReport:
    kind: str
    format: str
    out: str | None
    rows: int = 0
    revealed: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"kind": self.kind, "format": self.format, "out": self.out, "rows": self.rows,
                "revealed": self.revealed, "seconds": round(self.seconds, 3)}


def _filters(kind: str, me: dict, f: dict[str, Any]) -> dict[str, Any]:
    """The list commands' filters, turned into the list endpoint's query parameters."""
    f = {k: v for k, v in f.items() if v not in (None, (), [], False)}
    allowed = {
        "cases": {"statuses", "level", "grid", "overdue", "mine", "assignee"},
        "visits": {"household", "mine", "since"},
        "households": {"grid", "search", "tag"},
        "persons": {"grid", "search", "tag", "household"},
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


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(value)  # the importer's tag separator
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


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
    """The records of ``kind`` as export rows (masked unless ``reveal``), streamed page by page."""
    params = _filters(kind, me, filters)
    grid = filters.get("grid")
    houses = _Households(api, grid if kind == "persons" else None) if kind in ("persons", "visits") else None
    for item in api.iterate(kind, page_size=PAGE_SIZE, **params):
        if kind == "persons":
            if grid and not str(item.get("grid_code") or "").startswith(grid):
                continue
            no, hgrid, address = houses.get(item.get("household_id"))
            item = dict(item, household_no=no, address=address)
            item.setdefault("grid_code", hgrid)
        elif kind == "visits":
            item = dict(item, household_no=houses.get(item.get("household_id"))[0])
        yield _mask(kind, item, reveal)


def run_export(
    api: Any,
    kind: str,
    *,
    fmt: str = "csv",
    out: str | os.PathLike | None = None,
    reveal: bool = False,
    progress: Progress | None = None,
    stdout: TextIO | None = None,
    **filters: Any,
) -> ExportReport:
    if kind not in KINDS:
        raise InvalidInput("importer.export.kind", field="KIND", kind=kind, choices=", ".join(KINDS))
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise InvalidInput("importer.error.format", field="--format", value=fmt, choices=", ".join(FORMATS))
    me = api.me()
    if reveal and me.get("role") != "admin":
        raise Forbidden("importer.export.reveal_admin_only", username=me.get("username"), role=me.get("role"))
    started = time.monotonic()
    to_file = out not in (None, "-")
    report = ExportReport(kind=kind, format=fmt, out=str(out) if to_file else None, revealed=reveal)
    records = iter_records(api, kind, me=me, reveal=reveal, **filters)
    if to_file:
        target = Path(out)
        if target.is_dir():
            raise InvalidInput("importer.export.out_is_dir", field="--out", path=str(target))
        part = target.with_name(f".{target.name}.part")
        try:
            fh = part.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
        except OSError as exc:
            raise InvalidInput("importer.export.out_unwritable", field="--out", path=str(target),
                               detail=exc.strerror) from None
        try:
            with fh:
                report.rows = _write(fh, kind, fmt, records, progress)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    else:
        # No BOM on standard output: it would end up inside whatever reads the pipe.
        stream = stdout or sys.stdout
        report.rows = _write(stream, kind, fmt, records, progress)
        stream.flush()
    report.seconds = time.monotonic() - started
    return report


def _write(fh: TextIO | io.TextIOBase, kind: str, fmt: str, records: Iterator[dict], progress: Progress | None) -> int:
    n = 0
    if progress:
        progress(0, None, "importer.export.progress")
    if fmt == "csv":
        columns = COLUMNS[kind]
        writer = csv.writer(fh)
        writer.writerow(columns)
        for item in records:
            writer.writerow([_csv_value(item.get(c)) for c in columns])
            n += 1
            if progress and n % PAGE_SIZE == 0:
                progress(n, None, "importer.export.progress")
    else:
        for item in records:
            fh.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
            if progress and n % PAGE_SIZE == 0:
                progress(n, None, "importer.export.progress")
    if progress:
        progress(n, n, "importer.export.progress")
    return n


__all__ = ["KINDS", "FORMATS", "COLUMNS", "ExportReport", "iter_records", "run_export", "Unreachable"]
