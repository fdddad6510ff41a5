"""Visits due (who must be seen, elderly living alone first) and the Log visit form."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static, TextArea

from schemas import codes
from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, joined, tr
from tui.common.ticks import TickBox
from tui.worker.base import WorkerScreen
from tui.worker.core import Rows, error_text, is_user_error
from tui.worker.forms import FormError, parse_optional_date

# Tag order on the Visits due list: the most fragile people first (DESIGN §3 frequencies).
TAG_PRIORITY = {tag: i for i, tag in enumerate(
    ("elderly_alone", "key_person", "left_behind_elderly", "left_behind_child", "left_behind_woman",
     "disabled", "low_income"))}


def due_tags(item: dict) -> list[str]:
    tags = item.get("tags") or ([item["tag"]] if item.get("tag") else [])
    return sorted(tags, key=lambda tag: TAG_PRIORITY.get(tag, 99))


def due_sort_key(item: dict) -> tuple:
    tags = due_tags(item)
    first = TAG_PRIORITY.get(tags[0], 99) if tags else 100
    return (first, str(item.get("due") or item.get("due_at") or ""), str(item.get("household_no") or ""))


def due_text(item: dict) -> str:
    due = str(item.get("due") or item.get("due_at") or "")[:10]
    late = item.get("days_overdue") or 0
    return f"{due} ({tr('tui.due.late', n=late)})" if late else due


def household_ref(item: dict) -> str:
    return str(item.get("household_id") or item.get("id") or item.get("household_no"))


class VisitsDueLoaded(Message):
    """The households due a visit, as the core read them."""

    def __init__(self, rows: Rows) -> None:
        super().__init__()
        self.rows = rows


class VisitsDueScreen(WorkerScreen):
    TITLE_KEY = "tui.due.title"
    CSS_PATH = "visits.tcss"
    BINDINGS = [
        Binding("escape", "back", "tui.bind.back", id="due.back"),
        Binding("r", "refresh", "tui.bind.refresh", id="due.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []
        self.loaded = False

    def compose(self):
        yield self.make_header()
        yield DataTable(id="due-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="due-summary", classes="hint")
        yield LocalFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("tag", "household", "address", "person", "last", "due"):
            table.add_column(tr(f"tui.due.col.{key}"), key=key)
        table.focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_screen_resume(self) -> None:
        # Back from the visit form: the visit just logged may have taken someone off the list.
        if self.loaded:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    def fetch(self) -> VisitsDueLoaded:
        return VisitsDueLoaded(self.core.visits_due())

    def on_visits_due_loaded(self, message: VisitsDueLoaded) -> None:
        self._loaded(message.rows)

    def _loaded(self, rows: Rows) -> None:
        self.app.note(rows.seen)
        self.loaded = True
        self.items = sorted(rows.items, key=due_sort_key)
        table = self.query_one(DataTable)
        table.clear()
        for n, item in enumerate(self.items):
            table.add_row(
                joined(code_label("tag", tag) for tag in due_tags(item)) or tr("tui.due.any"),
                str(item.get("household_no") or ""),
                str(item.get("address") or ""),
                str(item.get("name") or item.get("person_name") or ""),
                str(item.get("last_visit") or "")[:10] or tr("tui.due.never"),
                due_text(item),
                key=str(n),
            )
        self.query_one("#due-summary", Static).update(tr("tui.due.summary", n=len(self.items)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        item = self.items[int(event.row_key.value)]
        label = "  ".join(str(x) for x in (item.get("household_no"), item.get("address"), item.get("name")) if x)
        person_ids = [item["person_id"]] if item.get("person_id") else []
        self.app.push_screen(VisitScreen(household=household_ref(item), household_label=label, person_ids=person_ids))


class VisitScreen(WorkerScreen):
    """Log visit. Without a household given, a search box picks one among my grids' households."""

    IS_FORM = True  # the app's one-letter keys stay off while it is open (WorkerApp.check_action)
    TITLE_KEY = "tui.visit.title"
    CSS_PATH = "visits.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="visit.save"),
        Binding("escape", "back", "tui.bind.cancel", id="visit.cancel"),
    ]

    def __init__(self, household: str | None = None, household_label: str | None = None,
                 person_ids: list[str] | None = None) -> None:
        super().__init__()
        self.person_ids = list(person_ids or [])
        self.household = household
        self.household_label = household_label
        self.saving = False

    def compose(self):
        yield self.make_header()
        with VerticalScroll(id="visit-form"):
            yield Static(tr("tui.visit.field.household") + " *", classes="form-label")
            yield Static(self.household_label or self.household or tr("tui.visit.pick_household"), id="visit-household")
            with Vertical(id="visit-picker"):
                yield Input(id="visit-search", placeholder=tr("tui.visit.search_hint"))
                yield DataTable(id="visit-households", cursor_type="row")
            with Horizontal(classes="form-row"):
                with Vertical(classes="form-col"):
                    yield Static(tr("tui.visit.field.purpose") + " *", classes="form-label")
                    yield Select([(code_label("purpose", p), p) for p in codes.PURPOSES], id="visit-purpose",
                                 value="routine", allow_blank=False)
                    yield Static(tr("tui.visit.field.method"), classes="form-label")
                    yield Select([(code_label("method", m), m) for m in codes.METHODS], id="visit-method",
                                 value="in_person", allow_blank=False)
                    yield TickBox(tr("tui.visit.field.met"), value=True, id="visit-met")
                    yield Static(tr("tui.visit.field.next_visit"), classes="form-label")
                    yield Input(id="visit-next", placeholder="YYYY-MM-DD")
                with Vertical(classes="form-col"):
                    yield Static(tr("tui.visit.field.note"), classes="form-label")
                    yield TextArea(id="visit-note")
                    yield Static(tr("tui.visit.field.concern"), classes="form-label")
                    yield Input(id="visit-concern", placeholder=tr("tui.visit.hint.concern"))
            yield Static("", id="visit-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tui.visit.save"), variant="primary", id="visit-save")
                yield Button(tr("tui.cancel"), id="visit-cancel")
        yield LocalFooter()

    def on_mount(self) -> None:
        table = self.query_one("#visit-households", DataTable)
        table.add_column(tr("tui.due.col.household"), key="no")
        table.add_column(tr("tui.due.col.address"), key="address")
        table.add_column(tr("tui.visit.col.grid"), key="grid")
        self.households: list[dict] = []
        if self.household:
            self.query_one("#visit-picker").display = False
            self.query_one("#visit-purpose").focus()
        else:
            self.query_one("#visit-search").focus()
            self.search("")

    def on_resize(self) -> None:
        for row in self.query(".form-row"):
            row.set_class(self.size.width < 110, "-narrow")

    def search(self, text: str) -> None:
        self.run_in_thread(lambda: self.core.list_households(search=text or None), self._found, group="search")

    def _found(self, rows: Rows) -> None:
        self.households = rows.items[:200]
        table = self.query_one("#visit-households", DataTable)
        table.clear()
        for n, h in enumerate(self.households):
            table.add_row(str(h.get("household_no") or ""), str(h.get("address") or ""), str(h.get("grid_code") or ""), key=str(n))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "visit-search":
            self.search(event.value.strip())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "visit-households":
            return
        h = self.households[int(event.row_key.value)]
        self.household = str(h.get("id") or h.get("household_no"))
        self.household_label = f"{h.get('household_no') or ''}  {h.get('address') or ''}".strip()
        self.query_one("#visit-household", Static).update(self.household_label)
        self.query_one("#visit-purpose").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "visit-save":
            self.action_save()
        elif event.button.id == "visit-cancel":
            self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()

    def collect(self) -> dict:
        if not self.household:
            raise FormError(tr("tui.visit.household_required"), "#visit-search")
        concern = self.query_one("#visit-concern", Input).value.strip() or None
        return {
            "purpose": self.query_one("#visit-purpose", Select).value,
            "method": self.query_one("#visit-method", Select).value,
            "met": self.query_one("#visit-met", Checkbox).value,
            "note": self.query_one("#visit-note", TextArea).text.strip() or None,
            "concern": concern,
            "next_visit": parse_optional_date(self.query_one("#visit-next", Input).value, "#visit-next"),
            "person_ids": tuple(self.person_ids),
        }

    def show_error(self, message: str, widget: str | None = None) -> None:
        self.query_one("#visit-error", Static).update(message)
        if widget:
            try:
                self.query_one(widget).focus()
            except Exception:
                pass

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            fields = self.collect()
        except FormError as exc:
            self.show_error(str(exc), exc.widget)
            return
        self.saving = True
        household = self.household
        self.show_error(tr("tui.saving"))
        self.app.run_core(lambda: self.core.log_visit(household, **fields), self._saved,
                          group="visit.save", on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.show_error(error_text(exc) if is_user_error(exc) else tr("tui.unexpected", error=error_text(exc)))

    def _saved(self, result) -> None:
        record, seen = result
        self.saving = False
        self.app.note(seen)
        state = (record.get("record") or {}).get("sync") or record.get("sync_state") or "pending"
        said = "tui.visit.saved" if (record.get("record") or {}).get("met", True) else "visit.saved_not_met"
        self.notify(tr(said, state=tr("tui.sync." + state)))
        self.app.refresh_status()
        self.app.pop_screen()
