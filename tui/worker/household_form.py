"""Add a household from the households screen (DESIGN 17 `household add`): grid, number and
address, through the same core operation as the CLI; once saved the new household opens."""

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
    """A new household; the grid is the worker's own when there is one to choose."""

    ERROR_ID = "#household-error"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="household_form.save"),
        Binding("escape", "cancel", "tui.bind.cancel", id="household_form.cancel"),
    ]

    def __init__(self, grids: list[str]) -> None:
        super().__init__()
        self.grids = grids

    def compose(self):
        with Vertical(id="household-box", classes="modal-box"):
            yield Static(tr("tuireg.household_form.title"), classes="modal-title")
            yield Static(tr("tuireg.field.grid") + " *", classes="form-label")
            yield Input(value=self.grids[0] if self.grids else "", id="household-grid", placeholder=tr("tuireg.hint.grid"))
            yield Static(tr("tuireg.field.household_no") + " *", classes="form-label")
            yield Input(id="household-no")
            yield Static(tr("tuireg.field.address") + " *", classes="form-label")
            yield Input(id="household-address")
            yield Static("", id="household-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tuireg.save"), variant="primary", id="household-save")
                yield Button(tr("tui.cancel"), id="household-cancel")

    def on_mount(self) -> None:
        self.query_one("#household-no" if self.grids else "#household-grid").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "household-save":
            self.action_save()
        elif event.button.id == "household-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def dismiss_with(self, record: dict):
        return record.get("record") or record

    def action_save(self) -> None:
        values = {key: self.query_one(f"#household-{widget}", Input).value.strip()
                  for key, widget in (("grid", "grid"), ("household_no", "no"), ("address", "address"))}
        for key, widget in (("grid", "grid"), ("household_no", "no"), ("address", "address")):
            if not values[key]:
                self.show_error(tr(f"tuireg.household_form.{key}_required"), f"#household-{widget}")
                return
        core = self.core
        self.save_with(lambda: core.add_household(**values))
