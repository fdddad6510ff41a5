"""My cases: the open cases I must act on, soonest due first, overdue ones marked in text."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, fmt_time, tr
from tui.worker.base import WorkerScreen
from tui.worker.core import Rows

_FAR_FUTURE = "9999"
# The table holds the soonest-due cases only: nobody scans thousands of rows (the filter searches
# them all), and the table measures every cell it holds, which would cost seconds.
MAX_ROWS = 500


def due_sort_key(case: dict) -> tuple:
    # Cases without a due time (closed, or not yet synced) go last; ties by serial for stability.
    return (case.get("due_at") or _FAR_FUTURE, case.get("serial") or "", case.get("id") or "")


# Below this width the table drops level and category, shortens the due time and folds the
# sync state into the marks column, so the serial is never cut (issue 8, item 13).
NARROW_BELOW = 120
SERIAL_WIDTH = len("610822-20261122-0007")
# One-cell marks, each explained in the help screen (`?`); never colour alone (NO_COLOR).
MARKS = (("overdue", "⚠", "bold red"), ("urgent", "!", "bold yellow"), ("pending", "↑", ""),
         ("conflict", "≠", "bold red"), ("rejected", "✗", "bold red"))


def case_marks(case: dict) -> list[str]:
    """The names of the marks a case carries, in MARKS order."""
    sync = case.get("sync") or "synced"
    found = {"overdue": bool(case.get("overdue")), "urgent": bool(case.get("urgent")),
             "pending": sync == "pending", "conflict": sync == "conflict", "rejected": sync == "rejected"}
    return [name for name, _mark, _style in MARKS if found[name]]


def flag_cell(case: dict, narrow: bool = False) -> Text:
    """Overdue and urgent as words and marks, coloured too but never only coloured (NO_COLOR)."""
    if narrow:
        text = Text()
        styles = {name: (mark, style) for name, mark, style in MARKS}
        for name in case_marks(case):
            text.append(*styles[name])
        return text
    if case.get("overdue"):
        return Text(tr("tui.cases.overdue_mark"), style="bold red")
    if case.get("urgent"):
        return Text("!", style="bold yellow")
    return Text("")


def row_cells(case: dict, narrow: bool = False) -> tuple[Text, ...]:
    # Text, not str: a title like "[急]" must not be read as console markup.
    due = fmt_time(case.get("due_at"))
    cells = [
        Text(due[5:] if narrow else due),
        flag_cell(case, narrow),
        Text(case.get("title") or ""),
        Text(code_label("status", case.get("status"))),
    ]
    if not narrow:
        cells += [Text(code_label("level", case.get("level"))), Text(code_label("category", case.get("category")))]
    cells.append(Text(case.get("serial") or tr("tui.cases.no_serial")))
    if not narrow:
        cells.append(Text(tr("tui.sync." + (case.get("sync") or "synced"))))
    return tuple(cells)


def column_widths(total: int) -> dict[str, int]:
    """Widths that fit the labels of the current language; the title takes what is left.

    The keys are the columns to show, in order: fewer on a narrow terminal.
    """
    from rich.cells import cell_len

    from schemas import codes

    def widest(texts, cap: int) -> int:
        return min(cap, max(cell_len(t) for t in texts))

    narrow = total < NARROW_BELOW
    status = widest([code_label("status", c) for c in codes.STATUSES] + [tr("tui.cases.col.status")], 20)
    serial = max(SERIAL_WIDTH, cell_len(tr("tui.cases.no_serial")), cell_len(tr("tui.cases.col.serial")))
    if narrow:
        widths = {"due": 11, "flag": widest([tr("tui.cases.col.flag"), "⚠!≠"], 6), "title": 0,
                  "status": status, "serial": serial}
    else:
        widths = {
            "due": 16,
            "flag": widest([tr("tui.cases.overdue_mark"), tr("tui.cases.col.flag")], 8),
            "title": 0,
            "status": status,
            "level": widest([code_label("level", c) for c in codes.LEVELS], 18),
            "category": widest([code_label("category", c) for c in codes.CATEGORIES], 16),
            "serial": serial,
            "sync": widest([tr("tui.sync." + s) for s in ("synced", "pending", "conflict", "rejected")], 10),
        }
    used = sum(widths.values()) + 2 * len(widths) + 2  # cell padding and the scrollbar
    widths["title"] = max(10 if narrow else 20, total - used)
    return widths


def search_text(case: dict) -> str:
    """Everything the filter may match: title, serial, address and the labels in both forms."""
    parts = [case.get("title"), case.get("serial"), case.get("id"), case.get("address"),
             case.get("status"), case.get("level"), case.get("category"),
             code_label("status", case.get("status")), code_label("level", case.get("level")),
             code_label("category", case.get("category"))]
    if case.get("overdue"):
        parts.append(tr("tui.cases.overdue"))
    return " ".join(p for p in parts if p).lower()


def matches(case: dict, query: str) -> bool:
    """All words of the query must appear (so '超期 网格' or 'overdue grid' narrow down)."""
    text = search_text(case)
    return all(word in text for word in query.lower().split())


class CasesLoaded(Message):
    """My cases as the core read them (server or cache)."""

    def __init__(self, rows: Rows) -> None:
        super().__init__()
        self.rows = rows


class CasesScreen(WorkerScreen):
    TITLE_KEY = "tui.cases.title"
    CSS_PATH = "cases.tcss"
    BINDINGS = [
        Binding("slash", "filter", "tui.bind.filter", id="cases.filter"),
        Binding("r", "refresh", "tui.bind.refresh", id="cases.refresh"),
        Binding("escape", "clear_filter", "tui.bind.clear_filter", show=False, id="cases.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__(id="cases")
        self.cases: list[dict] = []
        self.rows: list[tuple[dict, str]] = []
        self.loaded = False

    def compose(self):
        yield self.make_header()
        with Vertical(id="cases-body"):
            yield Input(placeholder=tr("tui.cases.filter_placeholder"), id="cases-filter")
            yield DataTable(id="cases-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="cases-summary", classes="hint")
        yield LocalFooter()

    @property
    def narrow(self) -> bool:
        return "level" not in self._columns

    def _set_columns(self, total: int) -> bool:
        """Columns for this width; True when the set of columns changed (rows must be redone)."""
        # Fixed widths: with auto-sized columns the table measures every cell of every row,
        # which costs seconds on a county-sized cache.
        table = self.query_one(DataTable)
        widths = column_widths(total)
        if list(widths) != self._columns:
            table.clear(columns=True)
            for key, width in widths.items():
                table.add_column(tr(f"tui.cases.col.{key}"), key=key, width=width)
            self._columns = list(widths)
            return True
        changed = False
        for key, column in table.columns.items():
            width = widths.get(str(key.value))
            if width and column.width != width:
                column.width = width
                changed = True
        if changed:
            table._clear_caches()
            table.refresh(layout=True)
        return False

    def on_mount(self) -> None:
        self._columns: list[str] = []
        self._set_columns(self.app.size.width)
        self.query_one("#cases-filter").display = False
        self.query_one(DataTable).focus()
        self.action_refresh()

    def on_resize(self, event) -> None:
        # Give the title column the room a resized terminal has (fixed widths do not follow).
        if self._set_columns(event.size.width) and self.loaded:
            self.show_rows()

    def on_screen_resume(self) -> None:
        # Coming back from a case or a form: what we did there may have changed the list.
        if self.loaded:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#cases-summary", Static).update(tr("tui.loading"))
        self.load()

    def fetch(self) -> CasesLoaded:
        return CasesLoaded(self.core.list_cases())

    def on_cases_loaded(self, message: CasesLoaded) -> None:
        self._loaded(message.rows)

    def _loaded(self, rows: Rows) -> None:
        self.app.note(rows.seen)
        self.cases = sorted(rows.items, key=due_sort_key)
        # Search texts are built on the first keystroke of the filter, once per load.
        self.rows = []
        self.loaded = True
        self.show_rows()
        self.app.refresh_status()

    def show_rows(self) -> None:
        table = self.query_one(DataTable)
        words = self.query_one("#cases-filter", Input).value.lower().split()
        if words and not self.rows:
            self.rows = [(case, search_text(case)) for case in self.cases]
        matched = [case for case, text in self.rows if all(w in text for w in words)] if words else self.cases
        table.clear()
        for case in matched[:MAX_ROWS]:
            table.add_row(*row_cells(case, self.narrow), key=case["id"])
        overdue = sum(1 for case in matched if case.get("overdue"))
        summary = tr("tui.cases.summary", shown=len(matched), total=len(self.cases), overdue=overdue)
        if len(matched) > MAX_ROWS:
            summary = tr("tui.cases.capped", n=MAX_ROWS) + " · " + summary
        self.query_one("#cases-summary", Static).update(summary)

    def action_filter(self) -> None:
        box = self.query_one("#cases-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#cases-filter", Input)
        if box.value or box.display:
            box.value = ""
            box.display = False
            self.show_rows()
            self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "cases-filter":
            self.show_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "cases-filter":
            self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from tui.worker.case_detail import CaseDetailScreen

        self.app.push_screen(CaseDetailScreen(str(event.row_key.value)))
