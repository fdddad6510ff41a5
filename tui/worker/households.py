"""Households (DESIGN 17): find one of my households, see it with its members, and from there
add a person, edit one, record a move out or a death, and change tags."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from tui.common.footer import LocalFooter
from tui.common.i18n import code_label, joined, tr
from tui.worker.base import WorkerScreen
from tui.worker.core import Rows
from tui.worker.household_form import HouseholdFormModal


# The list shows at most this many; the summary says so and typing narrows it.
SHOWN_AT_MOST = 500


def member_row(p: dict) -> tuple[str, ...]:
    """One member as the table shows it; special-population tags only when the server sent them."""
    tags = joined(code_label("tag", t) for t in p.get("tags") or [])
    if p.get("risk_level") is not None:
        tags += f" ({tr('tuireg.risk', n=p['risk_level'])})"
    status = p.get("status") or "active"
    return (str(p.get("name") or ""), code_label("relation", p.get("relation_to_head")),
            code_label("sex", p.get("sex")), str(p.get("birth_date") or ""), tags,
            # Where to, only while moved out: a restored person's old destination is stale.
            code_label("person_status", status) + (f" {p['moved_to']}" if status == "moved_out" and p.get("moved_to") else ""),
            sync_cell(p))


def sync_cell(record: dict) -> str:
    """A record's unsent or refused state (DESIGN 12); empty once the server has it."""
    return tr("tui.sync." + record["sync"]) if record.get("sync") not in (None, "synced") else ""


class HouseholdsScreen(WorkerScreen):
    """My grids' households; typing searches number, address and names; Enter opens one."""

    TITLE_KEY = "tuireg.households.title"
    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("escape", "back", "tui.bind.back", id="households.back"),
        Binding("r", "refresh", "tui.bind.refresh", id="households.refresh"),
        # ctrl+n, not a letter: the search box has the focus and takes letters as text.
        Binding("ctrl+n", "add_household", "tuireg.bind.add_household", id="households.add"),
        Binding("slash", "search", "tuireg.bind.search", key_display="/", id="households.search"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []
        self.loads = 0  # which load is the newest: an older one's late answer is dropped
        self.shown = False

    def compose(self):
        yield self.make_header()
        yield Input(id="households-search", placeholder=tr("tuireg.households.search"))
        yield DataTable(id="households-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="households-summary", classes="hint")
        yield LocalFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("no", "head", "members", "tags", "address", "sync"):
            table.add_column(tr(f"tuireg.households.col.{key}"), key=key)
        self.query_one(Input).focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # A unit account works on its cases, never on the register (DESIGN 15): no add on offer.
        if action == "add_household":
            return not self.is_unit()
        return True

    def is_unit(self) -> bool:
        return (self.core.user() or {}).get("role") == "unit"

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def on_screen_resume(self) -> None:
        # Back from a household whose people were just changed: show their new tags and counts.
        if self.shown:
            self.action_refresh()
        self.shown = True

    def action_refresh(self) -> None:
        text = self.query_one(Input).value.strip() or None
        # One search per keystroke: the first (broad) may answer after the last; only the newest counts.
        self.loads += 1
        load = self.loads
        self.run_in_thread(lambda: self.core.list_households(search=text),
                           lambda rows: self._loaded(rows) if load == self.loads else None, group="load")

    def action_add_household(self) -> None:
        if self.is_unit():
            return
        self.app.push_screen(HouseholdFormModal(self.core.my_grids()), self._added)

    def _added(self, household: dict | None) -> None:
        if household:
            self.app.refresh_status()
            self.app.push_screen(HouseholdScreen(str(household["id"])))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.action_refresh()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def _loaded(self, rows: Rows) -> None:
        self.app.note(rows.seen)
        self.items = rows.items[:SHOWN_AT_MOST]
        table = self.query_one(DataTable)
        table.clear()
        for n, h in enumerate(self.items):
            table.add_row(str(h.get("household_no") or ""), str(h.get("head_name") or ""), str(h.get("members") or 0),
                          joined(code_label("tag", t) for t in h.get("tags") or []), str(h.get("address") or ""),
                          sync_cell(h), key=str(n))
        if len(rows.items) > len(self.items):
            summary = tr("tuireg.households.summary_first", n=len(self.items), total=len(rows.items))
        else:
            summary = tr("tuireg.households.summary_unit" if self.is_unit() else "tuireg.households.summary",
                         n=len(self.items))
        self.query_one("#households-summary", Static).update(summary)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        h = self.items[int(event.row_key.value)]
        self.app.push_screen(HouseholdScreen(str(h["id"])))


class HouseholdScreen(WorkerScreen):
    """One household and its members; the keys act on the selected member."""

    TITLE_KEY = "tuireg.household.title"
    CSS_PATH = "register.tcss"
    # The footer shows the keys used most, so that `?` (every key) still fits at 80 columns; the
    # rest are in the hint line under the table and under `?` (as on My cases).
    BINDINGS = [
        Binding("escape", "back", "tui.bind.back", id="household.back"),
        Binding("p", "add_person", "tuireg.bind.add_person", id="household.add_person"),
        Binding("e", "edit_person", "tuireg.bind.edit_person", id="household.edit_person"),
        Binding("t", "tag_person", "tuireg.bind.tag", id="household.tag"),
        Binding("o", "move_out", "tuireg.bind.move_out", id="household.move_out", show=False),
        Binding("m", "move_person", "tuireg.bind.move", id="household.move", show=False),
        Binding("u", "edit_household", "tuireg.bind.edit_household", id="household.edit", show=False),
        Binding("b", "restore_person", "tuireg.bind.restore", id="household.restore", show=False),
        Binding("a", "toggle_all", "tuireg.bind.all", id="household.all", show=False),
        Binding("r", "refresh", "tui.bind.refresh", id="household.refresh", show=False),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.household: dict = {}
        self.members: list[dict] = []
        self.include_all = False
        self.loads = 0

    def compose(self):
        yield self.make_header()
        yield Static("", id="household-info")
        yield DataTable(id="members-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="household-hint", classes="hint")
        yield LocalFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("name", "relation", "sex", "birth", "tags", "status", "sync"):
            table.add_column(tr(f"tuireg.member.col.{key}"), key=key)
        table.focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        include_all = self.include_all
        self.loads += 1
        load = self.loads
        self.run_in_thread(lambda: self.core.household_with_members(self.ref, include_all),
                           lambda household: self._loaded(household) if load == self.loads else None, group="load")

    def _loaded(self, household: dict) -> None:
        table = self.query_one(DataTable)
        # The cursor stays on the person it was on: after a save the next key acts on them, not on row one.
        was = self.members[table.cursor_row]["id"] if self.members and table.cursor_row < len(self.members) else None
        self.household = household
        self.members = list(household.get("persons") or [])
        info = tr("tuireg.household.info", no=household.get("household_no") or "",
                  address=household.get("address") or "", grid=household.get("grid_code") or "")
        state = sync_cell(household)
        self.query_one("#household-info", Static).update(info + (f" · {state}" if state else ""))
        table.clear()
        for n, p in enumerate(self.members):
            table.add_row(*member_row(p), key=str(n))
        ids = [p["id"] for p in self.members]
        if was in ids:
            table.move_cursor(row=ids.index(was))
        key = "tuireg.household.hint_all" if self.include_all else "tuireg.household.hint"
        self.query_one("#household-hint", Static).update(tr(key, n=len(self.members)))

    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.members or table.cursor_row is None or table.cursor_row >= len(self.members):
            self.notify(tr("tuireg.household.no_member"), severity="warning")
            return None
        return self.members[table.cursor_row]

    def action_toggle_all(self) -> None:
        self.include_all = not self.include_all
        self.action_refresh()

    def _after_write(self, changed: bool) -> None:
        if changed:
            self.app.refresh_status()
            self.action_refresh()

    def action_add_person(self) -> None:
        from tui.worker.person_forms import PersonFormScreen

        if self.household:
            self.app.push_screen(PersonFormScreen(self.household), self._after_write)

    def action_edit_person(self) -> None:
        from tui.worker.person_forms import PersonFormScreen

        person = self.selected()
        if person:
            self.app.push_screen(PersonFormScreen(self.household, person), self._after_write)

    def action_move_out(self) -> None:
        from tui.worker.person_forms import LeaveModal

        person = self.selected()
        if person:
            self.app.push_screen(LeaveModal(person), self._after_write)

    def action_tag_person(self) -> None:
        from tui.worker.person_forms import TagModal

        person = self.selected()
        if person:
            self.app.push_screen(TagModal(person), self._after_write)

    def action_restore_person(self) -> None:
        """Back in the register: undoes a move out or death recorded by mistake (seen with 'a')."""
        person = self.selected()
        if not person:
            return
        if (person.get("status") or "active") == "active":
            self.notify(tr("tuireg.restore.already", name=person.get("name") or ""), severity="warning")
            return
        core, pid = self.core, person["id"]
        self.run_in_thread(lambda: core.restore_person(pid), self._restored, group="restore")

    def _restored(self, result) -> None:
        record, seen = result
        self.app.note(seen)
        state = (record.get("record") or {}).get("sync") or record.get("sync_state") or "pending"
        self.notify(tr("tuireg.saved", state=tr("tui.sync." + state)))
        self._after_write(True)

    def action_edit_household(self) -> None:
        if self.household:
            self.app.push_screen(HouseholdFormModal(self.core.my_grids(), self.household), self._after_write)

    def action_move_person(self) -> None:
        from tui.worker.person_forms import MoveModal

        person = self.selected()
        if person:
            self.app.push_screen(MoveModal(person), self._after_write)

