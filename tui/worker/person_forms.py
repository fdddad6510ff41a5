"""The person forms of the household screen (DESIGN 17): add or edit a person, record a move out
or a death, change tags. Each saves through the core like the CLI, and dismisses with True when
something was written; a refusal stays on the form with the reason and the field focused."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select, SelectionList, Static

from schemas import codes
from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, tr
from tui.common.ticks import TickList
from tui.worker.base import WorkerModal, WorkerScreen
from tui.worker.core import error_text, is_user_error
from tui.worker.forms import FormError, parse_optional_date

# Where the core's field names live on these forms (a refusal focuses the widget to fix).
FIELD_WIDGETS = {"name": "#person-name", "id_number": "#person-id-number", "phone": "#person-phone",
                 "birth_date": "#person-birth", "sex": "#person-sex", "relation_to_head": "#person-relation",
                 "previous_head_relation": "#person-previous", "residence": "#person-residence",
                 "moved_to": "#leave-to", "status_date": "#leave-date", "tags": "#tag-list",
                 "risk_level": "#tag-risk", "household_id": "#move-household"}

# Refusals whose core wording is the CLI's ("in the same command"): on a form they name the field.
FORM_WORDING = {"register.second_head": "tuireg.second_head"}


class _Saving:
    """Shared save plumbing: run the core in a thread, show refusals in ``#<form>-error``."""

    ERROR_ID = "#person-error"
    saving = False
    IS_FORM = True  # the app's one-letter keys stay off while it is open (WorkerApp.check_action)

    @property
    def core(self):
        return self.app.core

    def show_error(self, message: str, widget: str | None = None) -> None:
        self.query_one(self.ERROR_ID, Static).update(message)
        if widget:
            try:
                self.query_one(widget).focus()
            except Exception:
                pass

    def save_with(self, fn) -> None:
        if self.saving:
            return
        self.saving = True
        self.show_error(tr("tui.saving"))
        self.app.run_core(fn, self._saved, group=f"{type(self).__name__}.save", on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        text = error_text(exc) if is_user_error(exc) else tr("tui.unexpected", error=error_text(exc))
        if getattr(exc, "key", None) in FORM_WORDING:
            text = tr(FORM_WORDING[exc.key], **exc.params)
        self.show_error(text, FIELD_WIDGETS.get(getattr(exc, "field", None) or ""))

    def _saved(self, result) -> None:
        record, seen = result
        self.saving = False
        self.app.note(seen)
        state = (record.get("record") or {}).get("sync") or record.get("sync_state") or "pending"
        if state in ("rejected", "conflict"):
            detail = (record.get("problem") or {}).get("detail") or ""
            self.show_error(tr("tuireg.refused", state=tr("tui.sync." + state), detail=detail))
            return
        self.notify(tr("tuireg.saved", state=tr("tui.sync." + state)))
        self.dismiss(self.dismiss_with(record))

    def dismiss_with(self, record: dict):
        """What the form hands back once saved: True (something was written) unless it says more."""
        return True


def _options(table: str) -> list[tuple[str, str]]:
    return [(code_label(table, c), c) for c in codes.TABLES[table]]


def _initial(value: str | None) -> dict:
    # The blank choice reads in the user's language (Textual's own prompt is English "Select").
    return {"value": value, "prompt": tr("tuireg.choose")} if value else {"prompt": tr("tuireg.choose")}


class PersonFormScreen(_Saving, WorkerScreen):
    """Add a person to the household (no ``person``) or edit one (only changed fields are sent)."""

    TITLE_KEY = "tuireg.person.title"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="person.save"),
        Binding("escape", "cancel", "tui.bind.cancel", id="person.cancel"),
    ]

    def __init__(self, household: dict, person: dict | None = None) -> None:
        super().__init__()
        self.household = household
        self.person = person or {}

    def compose(self):
        p = self.person
        yield self.make_header()
        with VerticalScroll(id="person-form"):
            yield Static(tr("tuireg.person.household", no=self.household.get("household_no") or "",
                            address=self.household.get("address") or ""), classes="form-label")
            with Horizontal(classes="form-row"):
                with Vertical(classes="form-col"):
                    yield Static(tr("tuireg.field.name") + " *", classes="form-label")
                    yield Input(value=p.get("name") or "", id="person-name")
                    yield Static(tr("tuireg.field.relation"), classes="form-label")
                    yield Select(_options("relation"), id="person-relation", **_initial(p.get("relation_to_head")))
                    yield Static(tr("tuireg.field.previous_head"), classes="form-label")
                    yield Select(_options("relation"), id="person-previous", **_initial(None))
                    yield Static(tr("tuireg.field.sex"), classes="form-label")
                    yield Select(_options("sex"), id="person-sex", **_initial(p.get("sex")))
                with Vertical(classes="form-col"):
                    # "type a new one to change it" is for an edit: the shown number is masked.
                    id_label = tr("tuireg.field.id_number_change") if p else tr("tuireg.field.id_number")
                    yield Static(id_label, classes="form-label")
                    yield Input(id="person-id-number", placeholder=p.get("id_number") or tr("tuireg.hint.id_number"))
                    yield Static(tr("tuireg.field.birth_date"), classes="form-label")
                    yield Input(value=str(p.get("birth_date") or ""), id="person-birth", placeholder="YYYY-MM-DD")
                    yield Static(tr("tuireg.field.phone_change") if p else tr("tuireg.field.phone"), classes="form-label")
                    yield Input(id="person-phone", placeholder=p.get("phone") or "")
                    yield Static(tr("tuireg.field.residence"), classes="form-label")
                    yield Select(_options("residence"), id="person-residence",
                                 value=p.get("residence") or "registered", allow_blank=False)
            yield Static("", id="person-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tuireg.save"), variant="primary", id="person-save")
                yield Button(tr("tui.cancel"), id="person-cancel")
        yield LocalFooter()

    def on_mount(self) -> None:
        self.query_one("#person-name").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "person-save":
            self.action_save()
        elif event.button.id == "person-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def collect(self) -> dict:
        def select(widget: str):
            value = self.query_one(widget, Select).value
            return value if isinstance(value, str) else None  # blank: Select.NULL (Select.BLANK before 8)

        name = self.query_one("#person-name", Input).value.strip()
        if not name:
            raise FormError(tr("tuireg.name_required"), "#person-name")
        fields = {
            "name": name, "relation_to_head": select("#person-relation"), "sex": select("#person-sex"),
            # ID number and phone: typed new values only; the masked ones shown stay on the server.
            "id_number": self.query_one("#person-id-number", Input).value.strip() or None,
            "phone": self.query_one("#person-phone", Input).value.strip() or None,
            "birth_date": parse_optional_date(self.query_one("#person-birth", Input).value, "#person-birth"),
            "residence": select("#person-residence"),
            "previous_head_relation": select("#person-previous"),
        }
        if self.person:
            # An edit sends what changed (the core makes it a patch).
            for key in ("name", "relation_to_head", "sex", "birth_date", "residence"):
                if fields[key] == (str(self.person.get(key)) if self.person.get(key) is not None else None):
                    fields[key] = None
        return fields

    def action_save(self) -> None:
        try:
            fields = self.collect()
        except FormError as exc:
            self.show_error(str(exc), exc.widget)
            return
        core, person, household = self.core, self.person, self.household
        if person:
            if not any(v for k, v in fields.items() if k != "previous_head_relation"):
                self.show_error(tr("tuireg.nothing_changed"), "#person-name")
                return
            self.save_with(lambda: core.update_person(person["id"], **fields))
        else:
            self.save_with(lambda: core.add_person(household["id"], **fields))


class LeaveModal(_Saving, WorkerModal):
    """迁出 or 死亡: the person stays in the register with the new status."""

    ERROR_ID = "#leave-error"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="leave.save"),
        Binding("escape", "cancel", "tui.bind.cancel", id="leave.cancel"),
    ]

    def __init__(self, person: dict) -> None:
        super().__init__()
        self.person = person

    def compose(self):
        with Vertical(id="leave-box", classes="modal-box"):
            yield Static(tr("tuireg.leave.title", name=self.person.get("name") or ""), classes="modal-title")
            yield Select([(code_label("person_status", s), s) for s in ("moved_out", "deceased")], id="leave-kind",
                         value="moved_out", allow_blank=False)
            yield Static(tr("tuireg.field.moved_to"), classes="form-label", id="leave-to-label")
            yield Input(id="leave-to")
            yield Static(tr("tuireg.field.date"), classes="form-label")
            yield Input(id="leave-date", placeholder=tr("tuireg.hint.today"))
            yield Static("", id="leave-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tuireg.save"), variant="primary", id="leave-save")
                yield Button(tr("tui.cancel"), id="leave-cancel")

    def on_mount(self) -> None:
        self.query_one("#leave-to").focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "leave-kind":
            # A death has no destination: its label goes with the field.
            for widget in ("#leave-to", "#leave-to-label"):
                self.query_one(widget).display = event.value == "moved_out"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "leave-save":
            self.action_save()
        elif event.button.id == "leave-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        kind = self.query_one("#leave-kind", Select).value
        to = self.query_one("#leave-to", Input).value.strip()
        try:
            on = parse_optional_date(self.query_one("#leave-date", Input).value, "#leave-date")
        except FormError as exc:
            self.show_error(str(exc), exc.widget)
            return
        if kind == "moved_out" and not to:
            self.show_error(tr("tuireg.moved_to_required"), "#leave-to")
            return
        core, pid = self.core, self.person["id"]
        if kind == "moved_out":
            self.save_with(lambda: core.move_out(pid, to=to, on=on))
        else:
            self.save_with(lambda: core.decease(pid, on=on))


class TagModal(_Saving, WorkerModal):
    """Tick the tags the person has; the risk level goes with severe mental disorder."""

    ERROR_ID = "#tag-error"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="tag.save"),
        Binding("escape", "cancel", "tui.bind.cancel", id="tag.cancel"),
    ]

    def __init__(self, person: dict) -> None:
        super().__init__()
        self.person = person
        self.current = list(person.get("tags") or [])

    def compose(self):
        with Vertical(id="tag-box", classes="modal-box"):
            yield Static(tr("tuireg.tag.title", name=self.person.get("name") or ""), classes="modal-title")
            yield TickList(*[(code_label("tag", t), t, t in self.current) for t in codes.TAGS], id="tag-list")
            yield Static(tr("tuireg.field.risk_level"), classes="form-label")
            risk = self.person.get("risk_level")
            yield Input(value="" if risk is None else str(risk), id="tag-risk", placeholder="0-5")
            yield Static("", id="tag-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tuireg.save"), variant="primary", id="tag-save")
                yield Button(tr("tui.cancel"), id="tag-cancel")

    def on_mount(self) -> None:
        self.query_one("#tag-list").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "tag-save":
            self.action_save()
        elif event.button.id == "tag-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        chosen = list(self.query_one("#tag-list", SelectionList).selected)
        add = [t for t in chosen if t not in self.current]
        remove = [t for t in self.current if t not in chosen]
        text = self.query_one("#tag-risk", Input).value.strip()
        if "severe_mental" in remove:
            text = ""  # the level shown belongs to the tag being removed; it goes with it
        risk = None
        if text:
            if not text.isdigit() or not 0 <= int(text) <= 5:
                self.show_error(tr("tuireg.risk_invalid", value=text), "#tag-risk")
                return
            risk = int(text)
            if risk == self.person.get("risk_level") and "severe_mental" in chosen:
                risk = None if (add or remove) else risk
        if not add and not remove and (risk is None or risk == self.person.get("risk_level")):
            self.show_error(tr("tuireg.nothing_changed"), "#tag-list")
            return
        core, pid = self.core, self.person["id"]
        self.save_with(lambda: core.tag_person(pid, add=add, remove=remove, risk_level=risk))


class MoveModal(_Saving, WorkerModal):
    """迁入另一户: the person joins another household of my grids, by its number."""

    ERROR_ID = "#move-error"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "tui.bind.save", id="move.save"),
        Binding("escape", "cancel", "tui.bind.cancel", id="move.cancel"),
    ]

    def __init__(self, person: dict) -> None:
        super().__init__()
        self.person = person

    def compose(self):
        with Vertical(id="move-box", classes="modal-box"):
            yield Static(tr("tuireg.move.title", name=self.person.get("name") or ""), classes="modal-title")
            yield Static(tr("tuireg.field.move_household") + " *", classes="form-label")
            yield Input(id="move-household", placeholder=tr("tuireg.hint.move_household"))
            yield Static(tr("tuireg.field.move_relation"), classes="form-label")
            yield Select(_options("relation"), id="person-relation", **_initial(None))
            yield Static(tr("tuireg.field.previous_head"), classes="form-label")
            yield Select(_options("relation"), id="person-previous", **_initial(None))
            yield Static("", id="move-error", classes="error-text")
            with Horizontal(classes="button-row"):
                yield Button(tr("tuireg.save"), variant="primary", id="move-save")
                yield Button(tr("tui.cancel"), id="move-cancel")

    def on_mount(self) -> None:
        self.query_one("#move-household").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "move-save":
            self.action_save()
        elif event.button.id == "move-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        household = self.query_one("#move-household", Input).value.strip()
        if not household:
            self.show_error(tr("tuireg.move.household_required"), "#move-household")
            return

        def select(widget: str):
            value = self.query_one(widget, Select).value
            return value if isinstance(value, str) else None

        core, pid = self.core, self.person["id"]
        relation, previous = select("#person-relation"), select("#person-previous")
        self.save_with(lambda: core.move_person(pid, household=household, relation=relation,
                                                previous_head_relation=previous))
