"""`?` on the dashboard: its keys and what each figure counts (the server's definitions)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.common.i18n import localize_bindings, tr

KEYS = (("r", "refresh"), ("s", "supervise"), ("tab", "focus"), ("?", "help"), ("q", "quit"))


class DashboardHelp(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "tui.dashboard.close", id="dashboard.help.close")]

    def compose(self) -> ComposeResult:
        keys = "\n".join(f"{key:>5}  {tr(f'tui.dashboard.key.{name}')}" for key, name in KEYS)
        with VerticalScroll(id="help-dialog"):
            yield Static(tr("tui.dashboard.help_title"), classes="section-title")
            yield Static(keys, id="help-keys")
            yield Static(tr("tui.dashboard.help_figures"), id="help-figures")
            yield Static(tr("tui.dashboard.help_close"), classes="hint")

    def on_mount(self) -> None:
        localize_bindings(self)

    def action_close(self) -> None:
        self.dismiss(None)
