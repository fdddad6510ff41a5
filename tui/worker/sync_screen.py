"""Sync: the outbox with state, attempts and last error; conflicts shown mine vs the server's."""

from __future__ import annotations

import json

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, fmt_time, tr
from tui.worker.base import WorkerScreen
from tui.worker.discard_modal import DiscardModal
from tui.worker.register_fields import register_lines

# Fields worth comparing when a case action conflicts: what the worker saw vs what is there now.
COMPARED = ("status", "level", "assignee", "version", "supervision", "title")


def server_side(item: dict) -> dict | None:
    """The server's current object carried by a conflict result, whatever the core named it."""
    if isinstance(item.get("server"), dict):
        return item["server"]
    result = item.get("server_result") or item.get("result") or {}
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            return None
    if not isinstance(result, dict):
        return None
    for key in ("current", "server", "object", "data"):
        if isinstance(result.get(key), dict):
            return result[key]
    return None


def payload_of(item: dict) -> dict:
    payload = item.get("payload") or {}
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = {"payload": payload}
    return payload


def describe_mine(item: dict) -> str:
    payload = payload_of(item)
    lines = [f"{tr('tui.sync.col.type')}: {item.get('type')}"]
    if item.get("about"):
        lines.append(f"{tr('subject.col')}: {item['about']}")
    if item.get("base_version") is not None:
        lines.append(f"{tr('tui.field.version')}: {item.get('base_version')}")
    if payload.get("action"):
        lines.append(f"{tr('tui.sync.action')}: {code_label('action', payload['action'])}")
    register = register_lines(payload, str(item.get("type") or ""))
    lines += register  # which person or household, and what this write changes
    for key in ("title", "note", "reason", "to_level", "assignee", "supervision", "case_id",
                *(() if register else ("household_id",))):
        if payload.get(key):
            lines.append(f"{key}: {payload[key]}")
    return "\n".join(lines)


def describe_server(obj: dict | None, kind: str = "") -> str:
    if not obj:
        return tr("tui.none")
    lines = register_lines(obj, kind)
    for key in COMPARED:
        if key in obj and obj[key] is not None:
            value = obj[key]
            if key in ("status", "level", "supervision"):
                value = code_label(key, value)
            lines.append(f"{tr('tui.field.' + key)}: {value}")
    steps = obj.get("steps") or []
    if steps:
        last = steps[-1]
        lines.append(tr("tui.sync.last_step", actor=last.get("actor") or "", action=code_label("action", last.get("action")),
                        at=fmt_time(last.get("at"))))
    return "\n".join(lines)


def problem_text(item: dict) -> str:
    error = item.get("last_error")
    if isinstance(error, dict):
        return str(error.get("detail") or error.get("title") or error)
    return str(error or "")


class OutboxLoaded(Message):
    """The unsent writes of the outbox, as the core read them."""

    def __init__(self, items: list[dict]) -> None:
        super().__init__()
        self.items = items


class SyncScreen(WorkerScreen):
    TITLE_KEY = "tui.sync.title"
    CSS_PATH = "sync_screen.tcss"
    BINDINGS = [
        Binding("escape", "back", "tui.bind.back", id="sync.back"),
        Binding("y", "sync_now", "tui.bind.sync_now", id="sync.now"),
        Binding("t", "retry", "tui.bind.retry", id="sync.retry"),
        Binding("x", "discard", "tui.bind.discard", id="sync.discard"),
        Binding("r", "refresh", "tui.bind.refresh", id="sync.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []

    def compose(self):
        yield self.make_header()
        with Vertical(id="sync-body"):
            yield DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="sync-summary", classes="hint")
            with Horizontal(id="conflict-pane"):
                with Vertical(classes="side"):
                    yield Static(tr("tui.sync.mine"), classes="section-title")
                    yield Static("", id="conflict-mine")
                with Vertical(classes="side"):
                    yield Static(tr("tui.sync.server"), classes="section-title")
                    yield Static("", id="conflict-server")
        yield LocalFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("created", "type", "about", "state", "attempts", "error"):
            table.add_column(tr("subject.col" if key == "about" else f"tui.sync.col.{key}"), key=key)
        table.focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def fetch(self) -> OutboxLoaded:
        return OutboxLoaded(self.core.outbox())

    def on_outbox_loaded(self, message: OutboxLoaded) -> None:
        self._loaded(message.items)

    def _loaded(self, items: list[dict]) -> None:
        self.items = items
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for item in items:
            table.add_row(
                fmt_time(item.get("created_at")),
                str(item.get("type") or ""),
                str(item.get("about") or ""),  # which person, household, report... (the core's words)
                tr("tui.outbox." + str(item.get("state") or "pending")),
                str(item.get("attempts") or 0),
                problem_text(item)[:60],
                key=str(item.get("id")),
            )
        if items:
            table.move_cursor(row=min(row, len(items) - 1))
        conflicts = sum(1 for i in items if i.get("state") in ("conflict", "rejected"))
        self.query_one("#sync-summary", Static).update(tr("tui.sync.summary", n=len(items), problems=conflicts))
        self.show_selected()
        self.app.refresh_status()

    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row < 0 or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def show_selected(self) -> None:
        item = self.selected()
        pane = self.query_one("#conflict-pane")
        if item is None:
            pane.display = False
            return
        pane.display = True
        mine = describe_mine(item)
        error = problem_text(item)
        if error:
            mine += "\n" + tr("tui.sync.error", error=error)
        self.query_one("#conflict-mine", Static).update(mine)
        self.query_one("#conflict-server", Static).update(describe_server(server_side(item), str(item.get("type") or "")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_selected()

    def action_sync_now(self) -> None:
        self.app.action_sync_now()

    def _act_on_selected(self, verb: str) -> None:
        item = self.selected()
        if item is None:
            self.notify(tr("tui.sync.nothing_selected"), severity="warning")
            return
        mutation_id = str(item.get("id"))
        fn = self.core.outbox_retry if verb == "retry" else self.core.outbox_discard

        def done(_result) -> None:
            self.notify(tr(f"tui.sync.{verb}_done"))
            if verb == "retry":
                self.app.action_sync_now()
            self.action_refresh()

        self.run_in_thread(lambda: fn(mutation_id), done, group=verb)

    def action_retry(self) -> None:
        self._act_on_selected("retry")

    def action_discard(self) -> None:
        """As `gridctl outbox discard`: the writes that cannot be sent without this one are named
        first and go with it only on "Discard all" (the same core operation)."""
        item = self.selected()
        if item is None:
            self.notify(tr("tui.sync.nothing_selected"), severity="warning")
            return
        mutation_id = str(item.get("id"))

        def discarded(_result) -> None:
            self.notify(tr("tui.sync.discard_done"))
            self.action_refresh()

        def discard(ids: list[str]) -> None:
            self.run_in_thread(lambda: self.core.outbox_discard(mutation_id, with_dependents=ids), discarded,
                               group="discard")

        def planned(plan: dict) -> None:
            if not plan["dependents"]:
                discard([])
                return

            def answered(agreed: bool | None) -> None:
                if agreed:
                    discard([d["id"] for d in plan["dependents"]])
                else:
                    self.notify(tr("discard.kept"))

            self.app.push_screen(DiscardModal(plan), answered)

        self.run_in_thread(lambda: self.core.outbox_discard_plan(mutation_id), planned, group="discard")
