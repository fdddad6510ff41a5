"""The supervise dialog of the dashboard: a level (普通/黄牌/红牌) and a note for one case."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from tui.common.i18n import code_label, localize_bindings, tr
from tui.dashboard.privacy import mask_phones


def case_ref(case: dict) -> str:
    return case.get("serial") or case.get("id", "")[:8]


class SuperviseForm(ModalScreen[tuple[str, str] | None]):
    """Choose the supervision level (普通/黄牌/红牌) and a note."""

    CSS_PATH = "supervise_form.tcss"
    BINDINGS = [Binding("escape", "cancel", "tui.dashboard.cancel", id="dashboard.cancel")]

    def __init__(self, case: dict) -> None:
        super().__init__()
        self.case = case

    def compose(self) -> ComposeResult:
        with Vertical(id="supervise-form"):
            yield Label(tr("tui.dashboard.supervise_title", ref=case_ref(self.case),
                           title=mask_phones(self.case.get("title"))))
            yield Select([(code_label("supervision", s), s) for s in ("normal", "yellow", "red")],
                         value="yellow", allow_blank=False, id="level")
            yield Input(placeholder=tr("tui.dashboard.note"), id="note")
            with Horizontal(classes="buttons"):
                yield Button(tr("tui.dashboard.save"), variant="primary", id="save")
                yield Button(tr("tui.dashboard.cancel"), id="cancel")

    def on_mount(self) -> None:
        localize_bindings(self)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.dismiss((self.query_one("#level", Select).value, self.query_one("#note", Input).value.strip()))
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss((self.query_one("#level", Select).value, event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
