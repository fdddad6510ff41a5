"""Add a household from the households screen, or edit one from its screen (DESIGN 17
`household add|update`): grid, number and address, through the same core operations as the CLI;
an edit sends only what changed. Once added, the new household opens."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from tui.common.i18n import tr
from tui.worker.base import WorkerModal
from tui.worker.person_forms import FIELD_WIDGETS, _Saving

FIELD_WIDGETS.update({"grid_code": "#household-grid", "household_no": "#household-no",
                      "address": "#household-address"})


class HouseholdFormModal(_Saving, WorkerModal):
    """A new household (the grid is the worker's own when there is one), or ``household`` edited."""

    ERROR_ID = "#household-error"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="household_form.save"),
        Binding("escape", "cancel", "tui.bind.cancel", id="household_form.cancel"),
    ]

    def __init__(self, grids: list[str], household: dict | None = None) -> None:
        super().__init__()
        self.grids = grids
        self.household = household or {}

    def compose(self):
        with Vertical(id="household-box", classes="modal-box"):
            h = self.household
            title = tr("tuireg.household_form.edit_title", no=h["household_no"]) if h else tr("tuireg.household_form.title")
            yield Static(title, classes="modal-title")
            yield Static(tr("tuireg.field.grid") + " *", classes="form-label")
            grid = h.get("grid_code") or (self.grids[0] if self.grids else "")
            yield Input(value=grid, id="household-grid", placeholder=tr("tuireg.hint.grid"))
            yield Static(tr("tuireg.field.household_no") + " *", classes="form-label")
            yield Input(value=h.get("household_no") or "", id="household-no")
            yield Static(tr("tuireg.field.address") + " *", classes="form-label")
            yield Input(value=h.get("address") or "", id="household-address")
            yield Static("", id="household-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tuireg.save"), variant="primary", id="household-save")
                yield Button(tr("tui.cancel"), id="household-cancel")

    def on_mount(self) -> None:
        if self.household:
            self.query_one("#household-address").focus()
        else:
            self.query_one("#household-no" if self.grids else "#household-grid").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "household-save":
            self.action_save()
        elif event.button.id == "household-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def dismiss_with(self, record: dict):
        # Added: the new household, for the list to open; edited: True, its screen reloads.
        return True if self.household else (record.get("record") or record)

    def action_save(self) -> None:
        values = {key: self.query_one(f"#household-{widget}", Input).value.strip()
                  for key, widget in (("grid", "grid"), ("household_no", "no"), ("address", "address"))}
        for key, widget in (("grid", "grid"), ("household_no", "no"), ("address", "address")):
            if not values[key]:
                self.show_error(tr(f"tuireg.household_form.{key}_required"), f"#household-{widget}")
                return
        core, h = self.core, self.household
        if h:
            changes = {field: values[key] for key, field in (("grid", "grid_code"), ("household_no", "household_no"),
                                                             ("address", "address")) if values[key] != (h.get(field) or "")}
            if not changes:
                self.show_error(tr("tuireg.nothing_changed"), "#household-address")
                return
            self.save_with(lambda: core.update_household(h["id"], **changes))
            return
        self.save_with(lambda: core.add_household(**values))
