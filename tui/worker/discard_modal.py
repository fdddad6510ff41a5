"""Asked before a refused write goes when other unsent writes cannot be sent without it (the CLI's
prompt or ``--yes``): the dialog lists each of them by the record it is about, and only "Discard
all" drops them — through the same ``gridctl.ops.outbox_discard`` as the CLI."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from tui.common.i18n import tr
from tui.worker.base import WorkerModal


def dependent_lines(plan: dict) -> list[str]:
    """The listing, as the CLI words it: the write, then each write that goes with it."""
    lines = [tr("discard.listing", id=plan["id"], about=plan.get("about") or "", n=len(plan["dependents"]))]
    for d in plan["dependents"]:
        state = tr("outbox.state.waiting" if d["state"] == "waiting" else f"cli.outbox.state.{d['state']}")
        lines.append(tr("discard.item", id=d["id"][:18], type=d["type"], about=d.get("about") or "", state=state))
    return lines


class DiscardModal(WorkerModal):
    """Dismissed with True (discard them all) or False (keep everything)."""

    DEFAULT_CSS = """
    DiscardModal { align: center middle; }
    #discard-box { width: 76; max-width: 95%; height: auto; max-height: 90%; border: thick $warning;
                   background: $surface; padding: 0 1; }
    #discard-title { text-style: bold; margin: 0 0 1 0; }
    #discard-list { height: auto; max-height: 14; }
    #discard-buttons { height: auto; margin: 1 0 0 0; }
    """
    BINDINGS = [
        Binding("escape", "keep", "tui.bind.cancel", id="discard.keep"),
        Binding("ctrl+s", "discard_all", "tui.bind.discard", id="discard.all"),
    ]

    def __init__(self, plan: dict) -> None:
        super().__init__()
        self.plan = plan

    def compose(self):
        with Vertical(id="discard-box"):
            yield Static(tr("discard.tui.title"), id="discard-title")
            with VerticalScroll(id="discard-list"):
                yield Static("\n".join(dependent_lines(self.plan)), id="discard-lines")
            with Horizontal(id="discard-buttons"):
                yield Button(tr("discard.tui.no"), variant="primary", id="discard-keep")
                yield Button(tr("discard.tui.yes"), variant="error", id="discard-all")

    def on_mount(self) -> None:
        self.query_one("#discard-keep", Button).focus()  # the safe answer under Enter

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "discard-all")

    def action_keep(self) -> None:
        self.dismiss(False)

    def action_discard_all(self) -> None:
        self.dismiss(True)
