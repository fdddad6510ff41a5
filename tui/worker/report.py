"""Report incident: the form a worker fills in the field; saving queues it and syncs if it can."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from schemas import codes
from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, tr
from tui.common.ticks import TickBox
from tui.worker.base import WorkerScreen
from tui.worker.core import error_text, is_user_error
from tui.worker.forms import FormError, parse_parties, parse_photos

# Which code table offers the subcategories of a category (GB/T 31000).
SUBCATEGORY_TABLES = {"dispute": "subcategory", "safety_hazard": "hazard_type"}

# Core error fields → the widget to focus, so "fix this" lands the cursor on it.
FIELD_WIDGETS = {
    "title": "#report-title", "category": "#report-category", "subcategory": "#report-subcategory",
    "grid": "#report-grid", "grid_code": "#report-grid", "address": "#report-address",
    "description": "#report-description", "scale": "#report-scale", "parties": "#report-parties",
    "photos": "#report-photos", "photo": "#report-photos",
}


def subcategory_options(category: str | None) -> list[tuple[str, str]]:
    table = SUBCATEGORY_TABLES.get(category or "")
    if not table:
        return []
    return [(f"{code} {code_label(table, code)}", code) for code in codes.TABLES[table]]


class ReportScreen(WorkerScreen):
    IS_FORM = True  # the app's one-letter keys stay off while it is open (WorkerApp.check_action)
    TITLE_KEY = "tui.report.title"
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="report.save"),
        Binding("escape", "back", "tui.bind.cancel", id="report.cancel"),
    ]

    def __init__(self, household: str | None = None) -> None:
        super().__init__()
        self.household = household
        self.saving = False

    def compose(self):
        lang_codes = list(codes.CATEGORIES)
        grids = self.core.my_grids()
        yield self.make_header()
        with VerticalScroll(id="report-form"):
            with Horizontal(classes="form-row"):
                with Vertical(classes="form-col"):
                    yield Static(tr("tui.report.field.title") + " *", classes="form-label")
                    yield Input(id="report-title", placeholder=tr("tui.report.hint.title"), max_length=100)
                    yield Static(tr("tui.report.field.category") + " *", classes="form-label")
                    yield Select([(code_label("category", c), c) for c in lang_codes], id="report-category",
                                 prompt=tr("tui.report.choose"))
                    yield Static(tr("tui.report.field.subcategory"), classes="form-label")
                    yield Select([], id="report-subcategory", prompt=tr("tui.report.no_subcategory"), disabled=True)
                    yield Static(tr("tui.report.field.grid") + " *", classes="form-label")
                    yield Select([(g, g) for g in grids], id="report-grid", prompt=tr("tui.report.choose"),
                                 value=grids[0] if grids else Select.NULL)
                    yield Static(tr("tui.report.field.address"), classes="form-label")
                    yield Input(id="report-address", max_length=200)
                with Vertical(classes="form-col"):
                    yield Static(tr("tui.report.field.description"), classes="form-label")
                    yield TextArea(id="report-description")
                    yield Static(tr("tui.report.field.scale"), classes="form-label")
                    yield Select([(code_label("scale", s), s) for s in codes.SCALES], id="report-scale",
                                 value="individual", allow_blank=False)
                    yield TickBox(tr("tui.report.field.urgent"), id="report-urgent")
                    yield Static(tr("tui.report.field.parties"), classes="form-label")
                    yield Input(id="report-parties", placeholder=tr("tui.report.hint.parties"))
                    yield Static(tr("tui.report.field.photos"), classes="form-label")
                    yield Input(id="report-photos", placeholder=tr("tui.report.hint.photos"))
            yield Static("", id="report-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tui.report.save"), variant="primary", id="report-save")
                yield Button(tr("tui.cancel"), id="report-cancel")
        yield LocalFooter()

    def on_mount(self) -> None:
        self.query_one("#report-title").focus()

    def on_resize(self) -> None:
        # No media queries in TCSS: stack the two columns when the terminal is narrow.
        for row in self.query(".form-row"):
            row.set_class(self.size.width < 110, "-narrow")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "report-category":
            return
        sub = self.query_one("#report-subcategory", Select)
        options = subcategory_options(event.value if isinstance(event.value, str) else None)
        sub.set_options(options)
        sub.disabled = not options

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "report-save":
            self.action_save()
        elif event.button.id == "report-cancel":
            self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()

    def show_error(self, message: str, widget: str | None = None) -> None:
        self.query_one("#report-error", Static).update(message)
        if widget:
            try:
                self.query_one(widget).focus()
            except Exception:
                pass

    def collect(self) -> dict:
        """The form as keyword arguments of ``ops.report_incident``; FormError when incomplete."""
        def value(widget_id: str):
            v = self.query_one(widget_id, Select).value
            return v if isinstance(v, str) else None

        title = self.query_one("#report-title", Input).value.strip()
        if not title:
            raise FormError(tr("tui.report.title_required"), "#report-title")
        category = value("#report-category")
        if not category:
            raise FormError(tr("tui.report.category_required"), "#report-category")
        grid = value("#report-grid")
        if not grid:
            raise FormError(tr("tui.report.grid_required"), "#report-grid")
        fields = {
            "category": category,
            "title": title,
            "description": self.query_one("#report-description", TextArea).text.strip() or None,
            "subcategory": value("#report-subcategory"),
            "grid": grid,
            "address": self.query_one("#report-address", Input).value.strip() or None,
            "urgent": self.query_one("#report-urgent", Checkbox).value,
            "scale": value("#report-scale") or "individual",
            "parties": parse_parties(self.query_one("#report-parties", Input).value),
            "photos": parse_photos(self.query_one("#report-photos", Input).value),
        }
        if self.household:
            fields["household"] = self.household
        return fields

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            fields = self.collect()
        except FormError as exc:
            self.show_error(str(exc), exc.widget)
            return
        self.saving = True
        self.show_error(tr("tui.saving"))
        self.app.run_core(lambda: self.core.report_incident(**fields), self._saved,
                          group="report.save", on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        field = getattr(exc, "field", None)
        self.show_error(error_text(exc) if is_user_error(exc) else tr("tui.unexpected", error=error_text(exc)),
                        FIELD_WIDGETS.get(field or ""))

    def _saved(self, result) -> None:
        record, seen = result
        self.saving = False
        self.app.note(seen)
        state = (record.get("record") or {}).get("sync") or record.get("sync_state") or "pending"
        self.notify(tr("tui.report.saved", state=tr("tui.sync." + state)))
        self.app.refresh_status()
        self.app.pop_screen()
