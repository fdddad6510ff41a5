"""The modal form for one case action: asks exactly what the workflow table needs for it."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static, TextArea

from schemas import workflow
from tui.common.i18n import code_label, tr
from tui.worker.base import WorkerModal


class ActionForm(WorkerModal):
    """Dismisses with the action's parameters, or None when cancelled.

    Required notes and reasons are checked here so the worker is told at once, before anything
    is queued; the core checks the full workflow again.
    """

    CSS_PATH = "action_form.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "tui.bind.cancel", id="action.cancel"),
        Binding("ctrl+s", "submit", "tui.bind.save", id="action.submit"),
    ]

    def __init__(self, action: str, case: dict) -> None:
        super().__init__()
        self.action = action
        self.case = case
        self.rule = workflow.RULES[action]

    def compose(self):
        needs = self.rule.needs
        with Vertical(id="action-dialog"):
            yield Static(tr("tui.action.heading", action=code_label("action", self.action),
                            title=self.case.get("title") or ""), classes="section-title")
            if self.action == "escalate":
                yield Static(tr("tui.action.to_level"), classes="form-label")
                current = workflow.level_index(self.case.get("level") or "grid")
                options = [(code_label("level", lv), lv) for lv in workflow.LEVEL_ORDER[current + 1:]]
                yield Select(options, id="action-to-level", allow_blank=False)
            if self.action == "assign":
                yield Static(tr("tui.action.assignee"), classes="form-label")
                yield Input(id="action-assignee", placeholder=tr("tui.action.assignee_hint"))
            if self.action == "supervise":
                yield Static(tr("tui.action.supervision"), classes="form-label")
                yield Select([(code_label("supervision", s), s) for s in workflow.SUPERVISION_LEVELS if s != "none"],
                             id="action-supervision", allow_blank=False)
            key = "tui.action.reason" if needs == "reason" else "tui.action.note"
            required = needs in ("note", "reason")
            yield Static(tr(key) + (" *" if required else ""), classes="form-label")
            yield TextArea(id="action-text")
            yield Static("", id="action-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tui.action.confirm"), variant="primary", id="action-ok")
                yield Button(tr("tui.cancel"), id="action-cancel")

    def on_mount(self) -> None:
        first = self.query("Select, Input, TextArea").first()
        first.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "action-ok":
            self.action_submit()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def values(self) -> dict:
        text = self.query_one("#action-text", TextArea).text.strip()
        params: dict = {"action": self.action}
        if self.rule.needs == "reason":
            params["reason"] = text
        elif text:
            params["note"] = text
        if self.action == "escalate":
            params["to_level"] = self.query_one("#action-to-level", Select).value
        if self.action == "assign":
            params["assignee"] = self.query_one("#action-assignee", Input).value.strip()
        if self.action == "supervise":
            params["supervision"] = self.query_one("#action-supervision", Select).value
        return params

    def problem(self, params: dict) -> tuple[str, str] | None:
        """The first missing required value as (message, widget id), or None."""
        needs = self.rule.needs
        if needs == "reason" and not params.get("reason"):
            return tr("tui.action.reason_required", action=code_label("action", self.action)), "#action-text"
        if needs == "note" and not params.get("note"):
            return tr("tui.action.note_required", action=code_label("action", self.action)), "#action-text"
        if needs == "assignee" and not params.get("assignee"):
            return tr("tui.action.assignee_required"), "#action-assignee"
        return None

    def action_submit(self) -> None:
        params = self.values()
        problem = self.problem(params)
        if problem:
            message, widget = problem
            self.query_one("#action-error", Static).update(message)
            self.query_one(widget).focus()
            return
        self.dismiss(params)
