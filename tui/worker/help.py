"""`?`: every key of the current screen and of the app, with what it does."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.common.i18n import tr
from tui.worker.base import WorkerModal


def binding_lines(nodes) -> list[str]:
    seen = set()
    lines = []
    for node in nodes:
        for key, bindings in node._bindings.key_to_bindings.items():
            for b in bindings:
                if not b.description or (key, b.action) in seen:
                    continue
                seen.add((key, b.action))
                shown = b.key_display or key.replace("ctrl+", "^").replace("slash", "/").replace("question_mark", "?")
                lines.append(f"{shown:>10}  {b.description}")
    return lines


def mark_lines() -> list[str]:
    """What each mark of the case list means (the narrow list shows them alone)."""
    from tui.worker.cases import MARKS

    lines = [f"{tr('tui.cases.overdue_mark'):>10}  {tr('tui.mark.overdue')}"]
    lines += [f"{mark:>10}  {tr('tui.mark.' + name)}" for name, mark, _style in MARKS]
    return lines


class HelpScreen(WorkerModal):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "close", "tui.bind.close", id="help.close")]

    def __init__(self, under) -> None:
        super().__init__()
        self.under = under

    def compose(self):
        with VerticalScroll(id="help-dialog"):
            yield Static(tr("tui.help.title"), classes="section-title")
            yield Static("\n".join(binding_lines([self.under, self.app])), id="help-keys")
            yield Static(tr("tui.help.marks"), classes="section-title")
            yield Static("\n".join(mark_lines()), id="help-marks")
            yield Static(tr("tui.help.palette"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
