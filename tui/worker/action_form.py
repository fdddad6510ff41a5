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

    IS_FORM = True  # the app's one-letter keys stay off while it is open (WorkerApp.check_action)
    CSS_PATH = "action_form.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "tui.bind.cancel", id="action.cancel"),
        Binding("ctrl+s", "submit", "tui.bind.save", id="action.submit"),
    ]

    def __init__(self, action: str, case: dict, units: list[dict] | None = None) -> None:
        super().__init__()
        self.action = action
        self.case = case
        self.rule = workflow.RULES[action]
        self.units = units or []  # dispatch: the units serving the case's area, from the cache

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
            yield from self._loop_fields()
            key = "tui.action.reason" if needs == "reason" else "tui.action.note"
            required = needs in ("note", "reason")
            yield Static(tr(key) + (" *" if required else ""), classes="form-label")
            yield TextArea(id="action-text")
            yield Static("", id="action-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tui.action.confirm"), variant="primary", id="action-ok")
                yield Button(tr("tui.cancel"), id="action-cancel")

    def _loop_fields(self):
        """The inputs of the closed-loop actions (DESIGN §15): dispatch, follow-up, mediation."""
        if self.action == "dispatch":
            yield Static(tr("loop.tui.unit") + " *", classes="form-label")
            if self.units:
                options = [(f"{u['code']} {u['name']}", u["code"]) for u in self.units]
                yield Select(options, id="action-unit", prompt=tr("loop.tui.unit_prompt"))
            else:
                yield Input(id="action-unit", placeholder=tr("loop.tui.unit_hint"))
            yield Static(tr("loop.tui.co_units"), classes="form-label")
            yield Input(id="action-co-units", placeholder=tr("loop.tui.co_units_hint"))
        if self.action == "follow_up":
            yield Static(tr("loop.tui.satisfaction") + " *", classes="form-label")
            yield Select([(code_label("satisfaction", s), s) for s in workflow.SATISFACTIONS],
                         id="action-satisfaction", prompt=tr("loop.tui.choose"))
            yield Static(tr("loop.tui.follow_up_method"), classes="form-label")
            yield Select([(code_label("follow_up_method", m), m) for m in workflow.FOLLOW_UP_METHODS],
                         id="action-method", allow_blank=False)
        if self.action == "mediate":
            yield Static(tr("loop.tui.result") + " *", classes="form-label")
            yield Select([(code_label("mediation_result", r), r) for r in workflow.MEDIATION_RESULTS],
                         id="action-result", prompt=tr("loop.tui.choose"))
            yield Static(tr("loop.tui.mediation_method"), classes="form-label")
            yield Select([(code_label("mediation_method", m), m) for m in workflow.MEDIATION_METHODS],
                         id="action-method", allow_blank=False)
            yield Static(tr("loop.tui.agreement_no"), classes="form-label")
            yield Input(id="action-agreement-no", placeholder=tr("loop.tui.agreement_no_hint"))
            yield Static(tr("loop.tui.participants"), classes="form-label")
            yield Input(id="action-participants", placeholder=tr("loop.tui.participants_hint"))

    def _loop_values(self, params: dict) -> None:
        def chosen(selector: str):
            value = self.query_one(selector).value
            return None if value is Select.NULL or value in (None, "") or not isinstance(value, str) else value

        def split(selector: str) -> list[str]:
            import re

            return [p.strip() for p in re.split(r"[,，、;；\s]+", self.query_one(selector, Input).value) if p.strip()]

        if self.action == "dispatch":
            unit = chosen("#action-unit")
            params["unit"] = unit.strip().upper() if isinstance(unit, str) else unit
            params["co_units"] = [c.upper() for c in split("#action-co-units")]
        if self.action == "follow_up":
            params["satisfaction"] = chosen("#action-satisfaction")
            params["method"] = chosen("#action-method")
        if self.action == "mediate":
            params["result"] = chosen("#action-result")
            params["method"] = chosen("#action-method")
            params["agreement_no"] = self.query_one("#action-agreement-no", Input).value.strip() or None
            params["participants"] = split("#action-participants")

    def _loop_problem(self, params: dict) -> tuple[str, str] | None:
        if self.action == "dispatch" and not params.get("unit"):
            return tr("loop.tui.unit_required"), "#action-unit"
        if self.action == "follow_up" and not params.get("satisfaction"):
            return tr("loop.tui.satisfaction_required"), "#action-satisfaction"
        if self.action == "mediate":
            if not params.get("result"):
                return tr("loop.tui.result_required"), "#action-result"
            if params["result"] == "agreed" and not params.get("agreement_no"):
                return tr("loop.tui.agreement_no_required"), "#action-agreement-no"
        return None

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
        self._loop_values(params)
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
        return self._loop_problem(params)

    def action_submit(self) -> None:
        params = self.values()
        problem = self.problem(params)
        if problem:
            message, widget = problem
            self.query_one("#action-error", Static).update(message)
            self.query_one(widget).focus()
            return
        self.dismiss(params)
