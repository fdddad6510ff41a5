"""One case: every field, photos, the steps as a timeline, and the actions allowed to me now."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from schemas import workflow
from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, fmt_time, joined, localize_bindings, tr
from tui.worker.base import WorkerScreen

FIELDS = (
    ("serial", None), ("status", "status"), ("level", "level"), ("category", "category"),
    ("subcategory", None), ("scale", "scale"), ("urgent", None), ("grid_code", None),
    ("address", None), ("reporter", None), ("assignee", None), ("reported_at", None),
    ("occurred_at", None), ("due_at", None), ("supervision", "supervision"),
    # DESIGN §15: the unit handling it, co-units, and the follow-up.
    ("unit", None), ("co_units", None), ("satisfaction", "satisfaction"), ("followed_up_at", None),
    ("version", None), ("sync", None),
)


def mediation_text(m: dict) -> str:
    """One mediation record: when, result, method, agreement number, participants, note."""
    parts = [fmt_time(m.get("at")), code_label("mediation_result", m.get("result")),
             code_label("mediation_method", m.get("method")), m.get("agreement_no") or "",
             joined(m.get("participants") or [])]
    text = "  ".join(p for p in parts if p)
    return text + (f"\n    {m['note']}" if m.get("note") else "")


def subcategory_label(case: dict) -> str:
    code = case.get("subcategory")
    if not code:
        return ""
    table = "hazard_type" if case.get("category") == "safety_hazard" else "subcategory"
    return f"{code} {code_label(table, code)}"


def field_value(case: dict, name: str, table: str | None) -> str:
    value = case.get(name)
    if table:
        return code_label(table, value)
    if name == "subcategory":
        return subcategory_label(case)
    if name.endswith("_at"):
        text = fmt_time(value)
        if name == "due_at" and case.get("overdue"):
            text += "  " + tr("tui.cases.overdue_mark")
        return text
    if name == "urgent":
        return tr("tui.yes") if value else tr("tui.no")
    if name == "sync":
        return tr("tui.sync." + (value or "synced"))
    if name == "serial" and not value:
        return tr("tui.cases.no_serial")
    if name == "co_units":
        return joined(value or [])
    return "" if value is None else str(value)


def step_text(step: dict) -> str:
    """One line of the timeline: when, who, what, level change, and the note."""
    head = f"{fmt_time(step.get('at'))}  {step.get('actor') or ''}  {code_label('action', step.get('action'))}"
    moves = []
    if step.get("from_status") != step.get("to_status") and step.get("to_status"):
        moves.append(f"{code_label('status', step.get('from_status')) or '—'} → {code_label('status', step.get('to_status'))}")
    if step.get("from_level") != step.get("to_level") and step.get("to_level"):
        moves.append(f"{code_label('level', step.get('from_level')) or '—'} → {code_label('level', step.get('to_level'))}")
    if moves:
        head += "  (" + "; ".join(moves) + ")"
    if step.get("note"):
        head += "\n    " + str(step["note"])
    return head


class CaseLoaded(Message):
    """A case and the actions allowed to me on it now, as the core read them."""

    def __init__(self, case: dict, allowed: list[str]) -> None:
        super().__init__()
        self.case = case
        self.allowed = allowed


class ActionBar(Horizontal):
    """The case's action buttons; arrow keys move between the visible ones."""

    BINDINGS = [
        Binding("left,up", "move(-1)", "tui.bind.prev_action", show=False, id="detail.prev_action"),
        Binding("right,down", "move(1)", "tui.bind.next_action", show=False, id="detail.next_action"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)

    def usable(self) -> list[Button]:
        return [b for b in self.query(Button) if b.display and not b.disabled]

    def focus_first(self) -> bool:
        buttons = self.usable()
        if buttons:
            buttons[0].focus()
        return bool(buttons)

    def action_move(self, step: int) -> None:
        buttons = self.usable()
        if not buttons:
            return
        focused = self.screen.focused
        index = buttons.index(focused) if focused in buttons else -step if step > 0 else 0
        buttons[(index + step) % len(buttons)].focus()


class CaseDetailScreen(WorkerScreen):
    TITLE_KEY = "tui.detail.title"
    CSS_PATH = "case_detail.tcss"
    BINDINGS = [
        Binding("escape", "back", "tui.bind.back", id="detail.back"),
        Binding("r", "refresh", "tui.bind.refresh", id="detail.refresh"),
        Binding("a", "focus_actions", "tui.bind.actions", id="detail.actions"),
    ]

    def __init__(self, case_ref: str) -> None:
        super().__init__()
        self.case_ref = case_ref
        self.case: dict | None = None
        self.allowed: list[str] = []

    def compose(self):
        yield self.make_header()
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="detail-main"):
                yield Static("", id="detail-heading", classes="section-title")
                yield Static(tr("tui.loading"), id="detail-fields")
                yield Static(tr("tui.detail.description"), classes="section-title")
                yield Static("", id="detail-description")
                yield Static(tr("tui.detail.parties"), classes="section-title")
                yield Static("", id="detail-parties")
                yield Static(tr("tui.detail.photos"), classes="section-title")
                yield Static("", id="detail-photos")
            # On a wide terminal the timeline gets its own column; on 80 columns it follows below.
            with VerticalScroll(id="detail-timeline"):
                yield Static(tr("tui.detail.steps"), classes="section-title")
                yield Static("", id="detail-steps")
        yield Static(tr("tui.detail.actions"), id="detail-actions-title", classes="section-title")
        with ActionBar(id="detail-actions"):
            # One button per action the workflow knows; _loaded shows the allowed ones and adds
            # a button for an allowed action this list lacks, so new actions need no code here.
            for action in workflow.RULES:
                yield Button(code_label("action", action), id=f"act-{action}", classes="action-button")
            yield Static(tr("tui.detail.no_actions"), id="detail-no-actions", classes="hint")
        yield LocalFooter()

    def on_mount(self) -> None:
        for button in self.query("#detail-actions Button"):
            button.display = False
        self.action_refresh()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 140, "-wide")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def fetch(self) -> CaseLoaded:
        return CaseLoaded(*self.core.show_case(self.case_ref))

    def on_case_loaded(self, message: CaseLoaded) -> None:
        self._loaded((message.case, message.allowed))

    def action_focus_actions(self) -> None:
        # The first button the worker can see and press: hidden ones (actions not allowed in
        # this status) must not take the focus, or Enter would do nothing.
        if not self.query_one(ActionBar).focus_first():
            self.notify(tr("tui.detail.no_actions"), severity="warning")

    def _loaded(self, result) -> None:
        case, allowed = result
        self.case, self.allowed = case, allowed
        self.case_ref = case.get("id") or self.case_ref
        self.query_one("#detail-heading", Static).update(case.get("title") or "")
        lines = []
        for name, table in FIELDS:
            value = field_value(case, name, table)
            if value:
                lines.append(f"{tr(f'tui.field.{name}')}:  {value}")
        mediations = case.get("mediations") or []
        if mediations:
            lines.append(tr("tui.field.mediations") + ":")
            lines.extend("  " + mediation_text(m) for m in mediations)
        self.query_one("#detail-fields", Static).update("\n".join(lines))
        self.query_one("#detail-description", Static).update(case.get("description") or tr("tui.none"))
        parties = case.get("parties") or []
        self.query_one("#detail-parties", Static).update(
            "\n".join(
                "  ".join(str(x) for x in (p.get("name"), code_label("party_role", p.get("role")), p.get("phone"), p.get("id_number")) if x)
                for p in parties
            ) or tr("tui.none")
        )
        photos = case.get("photos") or []
        self.query_one("#detail-photos", Static).update("\n".join(str(p) for p in photos) or tr("tui.none"))
        steps = case.get("steps") or []
        self.query_one("#detail-steps", Static).update("\n".join(step_text(s) for s in steps) or tr("tui.none"))
        # The buttons exist once and are only shown or hidden: re-mounting them on every reload
        # would drop the focus and race with key presses.
        bar = self.query_one(ActionBar)
        have = {button.id[4:] for button in bar.query(Button)}
        for action in allowed:
            if action not in have:
                bar.mount(Button(code_label("action", action) or action, id=f"act-{action}", classes="action-button"),
                          before=self.query_one("#detail-no-actions"))
        for button in bar.query(Button):
            button.display = button.id[4:] in allowed
        self.query_one("#detail-no-actions").display = not allowed

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("act-"):
            self.start_action(event.button.id[4:])

    def start_action(self, action: str) -> None:
        from tui.worker.action_form import ActionForm

        if self.case is None or action not in self.allowed:
            self.notify(tr("tui.detail.not_allowed", action=code_label("action", action)), severity="warning")
            return
        units = self.core.cached_units(self.case) if action == "dispatch" else None
        self.app.push_screen(ActionForm(action, self.case, units=units), self._submit)

    def _submit(self, params: dict | None) -> None:
        if not params:
            return
        action = params.pop("action")

        def work():
            return self.core.act(self.case_ref, action, **params)

        self.run_in_thread(work, lambda res: self._acted(action, res), group="act")

    def _acted(self, action: str, result) -> None:
        record, seen = result
        self.app.note(seen)
        state = record.get("sync_state") or (record.get("record") or {}).get("sync")
        problem = record.get("problem")
        if problem:
            self.notify(tr("tui.detail.act_problem", problem=problem.get("detail") or problem.get("title") or problem),
                        severity="error", timeout=8)
        else:
            self.notify(tr("tui.detail.acted", action=code_label("action", action), state=tr("tui.sync." + (state or "pending"))))
        self.action_refresh()
        self.app.refresh_status()
