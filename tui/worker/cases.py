"""My cases: the open cases I must act on, soonest due first, overdue ones marked in text."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Input, Static

from tui.common.i18n import code_label, fmt_time, tr
from tui.worker.base import WorkerScreen
from tui.worker.core import Rows

_FAR_FUTURE = "9999"


def due_sort_key(case: dict) -> tuple:
    # Cases without a due time (closed, or not yet synced) go last; ties by serial for stability.
    return (case.get("due_at") or _FAR_FUTURE, case.get("serial") or "", case.get("id") or "")


def flag_cell(case: dict) -> Text:
    """Overdue and urgent as words and marks, coloured too but never only coloured (NO_COLOR)."""
    if case.get("overdue"):
        return Text(tr("tui.cases.overdue_mark"), style="bold red")
    if case.get("urgent"):
        return Text("!", style="bold yellow")
    return Text("")


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
        self.loaded = False

    def compose(self):
        yield self.make_header()
        with Vertical(id="cases-body"):
            yield Input(placeholder=tr("tui.cases.filter_placeholder"), id="cases-filter")
            yield DataTable(id="cases-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="cases-summary", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(tr("tui.cases.col.due"), key="due")
        table.add_column(tr("tui.cases.col.flag"), key="flag")
        table.add_column(tr("tui.cases.col.title"), key="title")
        table.add_column(tr("tui.cases.col.status"), key="status")
        table.add_column(tr("tui.cases.col.level"), key="level")
        table.add_column(tr("tui.cases.col.category"), key="category")
        table.add_column(tr("tui.cases.col.serial"), key="serial")
        table.add_column(tr("tui.cases.col.sync"), key="sync")
        self.query_one("#cases-filter").display = False
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        # Coming back from a case or a form: what we did there may have changed the list.
        if self.loaded:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#cases-summary", Static).update(tr("tui.loading"))
        self.run_in_thread(self.core.list_cases, self._loaded, group="load")

    def _loaded(self, rows: Rows) -> None:
        self.app.note(rows.seen)
        self.cases = sorted(rows.items, key=due_sort_key)
        self.loaded = True
        self.show_rows()
        self.app.refresh_status()

    def show_rows(self) -> None:
        table = self.query_one(DataTable)
        query = self.query_one("#cases-filter", Input).value.strip()
        shown = [c for c in self.cases if not query or matches(c, query)]
        table.clear()
        for case in shown:
            table.add_row(
                fmt_time(case.get("due_at")),
                flag_cell(case),
                case.get("title") or "",
                code_label("status", case.get("status")),
                code_label("level", case.get("level")),
                code_label("category", case.get("category")),
                case.get("serial") or tr("tui.cases.no_serial"),
                tr("tui.sync." + (case.get("sync") or "synced")),
                key=case["id"],
            )
        overdue = sum(1 for c in shown if c.get("overdue"))
        self.query_one("#cases-summary", Static).update(
            tr("tui.cases.summary", shown=len(shown), total=len(self.cases), overdue=overdue)
        )

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
