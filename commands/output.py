"""Rendering: Rich tables on a terminal, JSON/JSONL/CSV for scripts, messages on stderr.

Data goes to stdout, everything said to the user goes to stderr, so ``-o json`` output pipes
cleanly. No colour with ``NO_COLOR`` or when the stream is not a terminal.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from enum import Enum
from typing import Any, Callable, Sequence

from gridctl.i18n import catalogue, get_lang, t


class Output(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    color = stream.isatty() and not os.environ.get("NO_COLOR")
    return Console(file=stream, no_color=not color, highlight=False, soft_wrap=not stream.isatty(),
                   color_system="auto" if color else None)


def say(message: str) -> None:
    """A message for the person at the terminal (stderr)."""
    print(message, file=sys.stderr)


def label(table: str, code: str | None) -> str:
    from schemas.codes import label as code_label

    return code_label(table, code, get_lang()) if code else ""


def sync_label(state: str | None) -> str:
    """A sync state (synced, pending, waiting, rejected, conflict) in the user's words."""
    key = f"cli.outbox.state.{state or 'synced'}"
    return t(key) if key in catalogue("en") else (state or "")


def short_id(value: str | None) -> str:
    """A UUIDv7 cut to 18 characters: its first 12 hex digits are the creation time, so an
    8-character prefix is rarely unique; 18 add 12 random bits and still work as a ref."""
    return (value or "")[:18]


def short_time(value: str | None) -> str:
    """``2026-11-23T08:40:52+08:00`` → ``11-23 08:40`` for tables (JSON keeps RFC 3339)."""
    if not value:
        return ""
    return value[5:16].replace("T", " ") if "T" in value else value


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "|".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


Column = tuple[str, str, Callable[[dict], Any] | None]  # (key, i18n header key, cell for the table)


# Full ids in tables (outbox list: "uuid7 prefixes are timestamps, rarely unique").
WHOLE_IDS = ("id",)
FOLDED_IDS = ("waits_for",)


def render(items: Sequence[dict] | dict, output: Output, columns: Sequence[Column] = (), *,
           title: str | None = None, empty_key: str = "cli.empty", csv_extra: Sequence[str] = ()) -> None:
    """Print records as a table (cells from ``columns``) or as JSON/JSONL/CSV (raw values).

    ``csv_extra``: raw fields CSV adds after the columns (those a table folds into one cell)."""
    single = isinstance(items, dict)
    rows = [items] if single else list(items)
    if output is Output.json:
        # Indented for people at a terminal; compact (and much faster) for scripts.
        indent = 2 if sys.stdout.isatty() else None
        print(json.dumps(items if single else rows, ensure_ascii=False, indent=indent))
        return
    if output is Output.jsonl:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    keys = [c[0] for c in columns] or (list(rows[0]) if rows else [])
    if output is Output.csv:
        keys += [k for k in csv_extra if k not in keys]
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow([_plain(row.get(k)) for k in keys])
        return
    if not rows:
        say(t(empty_key))
        return
    if not sys.stdout.isatty():
        # Piped: one tab-separated line per record, full values, no header (as `gh` does),
        # so that `cut`, `awk` and `grep` work on it.
        for row in rows:
            cells = [_plain(cell(row) if cell else row.get(key)) for key, _h, cell in columns]
            print("\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells))
        return
    from rich.table import Table

    table = Table(title=title, show_edge=False, pad_edge=False, header_style="bold")
    cells = [[_plain(cell(row) if cell else row.get(key)) for key, _h, cell in columns] for row in rows]
    for n, (key, header, _cell) in enumerate(columns):
        if key in WHOLE_IDS:
            # An id is copied into the next command: never cut to "…" to make room for others.
            width = max(len(r[n]) for r in cells)
            table.add_column(t(header), no_wrap=True, min_width=width or None)
        elif key in FOLDED_IDS:
            table.add_column(t(header), overflow="fold")  # whole, over two lines if need be
        else:
            table.add_column(t(header))
    for r in cells:
        table.add_row(*r)
    _console().print(table)


def render_fields(record: dict, fields: Sequence[Column], output: Output, *, title: str | None = None) -> None:
    """One record: a two-column table on a terminal, the full record as JSON otherwise."""
    if output is not Output.table:
        render(record, output, fields)
        return
    pairs = []
    for key, header, cell in fields:
        value = cell(record) if cell else record.get(key)
        if value not in (None, "", []):
            pairs.append((t(header), _plain(value)))
    if not sys.stdout.isatty():
        # Piped: "label<TAB>value" lines, like the piped lists, with no padding to strip.
        for name, value in pairs:
            print(f"{name}\t{value.replace(chr(9), ' ').replace(chr(10), ' ')}")
        return
    from rich.table import Table

    table = Table(title=title, show_header=False, show_edge=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for name, value in pairs:
        table.add_row(name, value)
    _console().print(table)


def cache_note(listing) -> None:
    """Say when data comes from the cache because the server is away (or --offline)."""
    if listing.source == "server":
        return
    age = listing.cache_age
    if age is None:
        say(t("cli.cache.never"))
        return
    minutes = int(age.total_seconds() // 60)
    key = "cli.cache.stale" if listing.stale else "cli.cache.offline"
    say(t(key, age=t("cli.age.minutes", n=minutes) if minutes < 120 else t("cli.age.hours", n=minutes // 60)))


def write_result(result, output: Output, saved_key: str, **params: Any) -> int:
    """Print what a write made; returns the exit code (3 when the server refused it)."""
    record = result.record
    if output is not Output.table:
        render(record, output)
    state = result.sync_state
    ref = record.get("serial") or short_id(record.get("id"))
    if state == "synced" and getattr(result, "unchanged", False):
        # The server already held these values: no new version, nothing to tell anyone.
        say(t("writes.unchanged", ref=ref))
    elif getattr(result, "unchanged", False):
        # Checked here against the record with its unsent writes on top: nothing was queued.
        say(t("writes.unchanged_local", ref=ref, state=sync_label(state)))
    elif state == "synced":
        say(t(saved_key, ref=ref, **params) + " " + t("cli.write.synced"))
    elif state == "pending":
        say(t(saved_key, ref=ref, **params) + " " + t("cli.write.pending"))
    elif state == "waiting":
        # Online, yet only queued: it builds on a write the server refused (DESIGN §12).
        blocker = result.waits_for or ""
        blocker_state = (result.problem or {}).get("blocker_state") or "rejected"
        say(t(saved_key, ref=ref, **params) + " " + t("outbox.write.waiting", id=blocker,
                                                      state=t(f"cli.outbox.state.{blocker_state}")))
        say(t("outbox.hint.free", id=blocker))
        return 3
    else:
        detail = (result.problem or {}).get("detail") or ""
        key = f"cli.write.refused.{state}"
        key = key if key in catalogue("en") else "cli.write.refused"  # "rejected by", not "server rejected"
        say(t(key, ref=ref, state=sync_label(state), detail=detail))
        say(t("cli.write.refused_hint", id=result.mutation_id))
        return 3
    return 0
