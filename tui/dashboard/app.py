"""The station dashboard: KPI tiles, overdue cases (supervise them), open cases by status × level,
30 days of reports, visit coverage, the grid ranking and the latest escalations.

Figures are the server's ``/stats/overview``, fetched in a thread worker on a timer so the
screen never freezes; when the server is gone the last figures stay, and a banner and the
header say how old they are.
"""

from __future__ import annotations

from datetime import datetime, timezone

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Sparkline, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tui.common.footer import LocalFooter
from tui.common.header import StatusHeader
from tui.common.i18n import code_label, fmt_age, fmt_time, localize_bindings, tr
from tui.dashboard.privacy import mask_phones
from tui.dashboard.source import Figures, StatsSource
from tui.dashboard.supervise_form import SuperviseForm, case_ref
from tui.dashboard.tile import Tile

LEVELS = ("grid", "village", "town", "county")
STATUSES = ("reported", "accepted", "in_progress", "resolved", "dispatched")  # dispatched: DESIGN §15
KPIS = ("open", "overdue_unaccepted", "overdue_unresolved", "escalated_7d", "on_time_rate")
# DESIGN §15: the station's own queues, and the share of disputes resolved at the base.
QUEUE_TILES = ("todo", "verify", "follow-up", "base_resolution_rate")
TODO_ROWS = 20
# Tiles whose figure is a problem when above zero: marked by text style as well as colour.
ALERT_KPIS = ("overdue_unaccepted", "overdue_unresolved")
RANKING_ROWS = 20
NARROW = 110  # columns below which panels stack and the overdue list drops its least needed columns
# Longest title (todo) and alert text shown, in terminal cells, so that on 80 columns the due time,
# the overdue mark and when an alert was raised stay in view; the whole text is one Enter away.
TITLE_CELLS = 24
ALERT_CELLS = {True: 40, False: 80}  # narrow, wide


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def clip(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` terminal cells (a CJK character takes two), ending in … when cut."""
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        width = cell_len(ch)
        if used + width > cells - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def fill(table: DataTable, rows: list[tuple], keys: list[str] | None = None) -> None:
    """Show ``rows`` in ``table``, touching only what changed since the last refresh.

    Clearing and refilling every table re-lays out the whole screen (50–190 ms on a small
    laptop, a visible stall every 30 s); most refreshes change a few figures, which are
    updated in place.
    """
    keys = keys or [str(i) for i in range(len(rows))]
    shown = getattr(table, "_dashboard_rows", None)
    if shown == (rows, keys):
        return
    if shown is not None and shown[1] == keys:
        for r, (old, new) in enumerate(zip(shown[0], rows)):
            for c, (before, after) in enumerate(zip(old, new)):
                if before != after:
                    table.update_cell_at(Coordinate(r, c), after, update_width=True)
    else:
        table.clear()
        for key, row in zip(keys, rows):
            table.add_row(*row, key=key)
    table._dashboard_rows = (rows, keys)


class DashboardApp(App[int]):
    CSS_PATH = ["../common/base.tcss", "dashboard.tcss", "tile.tcss"]
    TITLE = "gridctl"
    # Below 110 columns the side-by-side panels would crop their tables: they stack instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]
    BINDINGS = [
        Binding("r", "refresh", "tui.dashboard.refresh", id="dashboard.refresh"),
        Binding("s", "supervise", "tui.dashboard.supervise", id="dashboard.supervise"),
        Binding("question_mark", "help", "tui.dashboard.help", id="dashboard.help"),
        Binding("q", "quit", "tui.dashboard.quit", id="dashboard.quit"),
    ]

    def __init__(self, client, *, division: str | None = None, refresh: float = 30.0,
                 source: StatsSource | None = None, auto_refresh: bool = True) -> None:
        super().__init__()
        self.client = client
        self.source = source or StatsSource(client, division)
        self.refresh_every = refresh
        self.refresh_on_timer = auto_refresh  # (Textual owns the name auto_refresh)
        self.figures: Figures | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield StatusHeader(tr("tui.dashboard.title"), id="header")
        yield Static("", id="stale")
        with VerticalScroll(id="body"):
            with Grid(id="tiles"):
                for key in KPIS:
                    yield Tile(id=f"kpi-{key}", classes="tile")
            with Grid(id="queue-tiles"):
                for key in QUEUE_TILES:
                    yield Tile(id=f"queue-{key}", classes="tile")
            yield Label(tr("loop.dashboard.todo"), classes="section-title")
            yield DataTable(id="todo", cursor_type="row", zebra_stripes=True)
            # The overdue list comes first: it is what the station acts on, and on 80×24 it is
            # what shows under the tiles without scrolling.
            yield Label(tr("tui.dashboard.overdue"), classes="section-title")
            yield DataTable(id="overdue", cursor_type="row", zebra_stripes=True)
            # Early warning (DESIGN 16): critical first, then the newest.
            yield Label(tr("alert.panel.title"), classes="section-title", id="alerts-title")
            yield DataTable(id="alerts", cursor_type="none", zebra_stripes=True)
            with Horizontal(classes="row"):
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.matrix"), classes="section-title")
                    yield DataTable(id="matrix", cursor_type="none", zebra_stripes=True)
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.reports_30d"), classes="section-title")
                    yield Sparkline([], id="reports")
                    yield Static("", id="reports-caption")
            with Horizontal(classes="row"):
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.ranking"), classes="section-title")
                    yield DataTable(id="ranking", cursor_type="none", zebra_stripes=True)
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.coverage"), classes="section-title")
                    yield DataTable(id="coverage", cursor_type="none")
            yield Label(tr("tui.dashboard.escalations"), classes="section-title")
            yield DataTable(id="escalations", cursor_type="none")
        yield LocalFooter()

    def on_mount(self) -> None:
        localize_bindings(self)
        header = self.query_one(StatusHeader)
        header.user = self.client.user.get("display_name") or self.client.user.get("username", "")
        self.query_one("#stale").display = False
        self.query_one("#matrix", DataTable).add_columns(
            tr("tui.dashboard.status"), *[code_label("level", lvl) for lvl in LEVELS])
        self.query_one("#coverage", DataTable).add_columns(
            tr("tui.dashboard.tag"), tr("tui.dashboard.people"), tr("tui.dashboard.visited"), tr("tui.dashboard.ratio"))
        self._set_columns(self.size.width < NARROW)
        self.query_one("#ranking", DataTable).add_columns(
            "#", tr("tui.dashboard.grid"), tr("tui.dashboard.open"), tr("tui.dashboard.overdue_n"),
            tr("tui.dashboard.closed_30d"), tr("tui.dashboard.on_time"))
        self.action_refresh()
        if self.refresh_on_timer:
            self.set_interval(self.refresh_every, self.action_refresh)

    # --- loading -------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Loads catch what they expect; anything else is said once here, never a crash.
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.query_one(StatusHeader).busy = False
            error = event.worker.error
            self.notify(tr("tui.unexpected", error=str(error) or type(error).__name__), severity="error", timeout=10)

    def action_refresh(self) -> None:
        self.query_one(StatusHeader).busy = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self) -> None:
        worker = get_current_worker()
        try:
            figures = self.source.fetch()
        except Exception as exc:  # no server and no copy yet, or a refusal: say so, keep running
            if not worker.is_cancelled:
                self.call_from_thread(self.show_problem, str(exc))
            return
        queues = getattr(self.source, "queues", None)
        if callable(queues):
            try:
                figures.queues = queues()
            except Exception:  # the queues are the client's own: never worth the figures
                figures.queues = None
        # A refresh started since supersedes this one: its figures are newer.
        if not worker.is_cancelled:
            self.call_from_thread(self.show, figures)

    def show_problem(self, text: str) -> None:
        header = self.query_one(StatusHeader)
        header.busy = False
        header.online = False
        banner = self.query_one("#stale", Static)
        banner.update(" — ".join(line for line in text.splitlines() if line.strip()))
        banner.display = True
        self.loaded = True

    def show(self, figures: Figures) -> None:
        self.figures = figures
        stats = figures.stats
        age = datetime.now(timezone.utc) - figures.fetched_at
        header = self.query_one(StatusHeader)
        header.busy = False
        header.online = figures.online
        header.cache_age = age
        header.title = tr("tui.dashboard.title_of", name=stats["division"]["name"])
        banner = self.query_one("#stale", Static)
        banner.display = not figures.online
        if not figures.online:
            banner.update(tr("tui.dashboard.stale", at=fmt_time(figures.fetched_at), age=fmt_age(age)))
        self._show_kpis(stats["kpi"])
        self._show_queues(figures.queues, stats.get("base_resolution_rate", stats["kpi"].get("base_resolution_rate")))
        self._show_overdue(stats["overdue"])
        self._show_alerts(stats.get("alerts"), stats.get("alerts_more", False))
        self._show_matrix(stats["open_by_status_level"])
        self._show_reports(stats["reports_per_day"])
        self._show_ranking(stats["grid_ranking"], stats.get("governance_index"))
        self._show_coverage(stats["visit_coverage"])
        self._show_escalations(stats["latest_escalations"])
        self.loaded = True

    def _show_kpis(self, kpi: dict) -> None:
        for key in KPIS:
            value = percent(kpi[key]) if key == "on_time_rate" else str(kpi[key])
            alert = key in ALERT_KPIS and bool(kpi[key])
            self.query_one(f"#kpi-{key}", Tile).show(value, tr(f"tui.dashboard.kpi.{key}"), alert)

    def _show_queues(self, queues: dict | None, base_rate: float | None) -> None:
        counts = (queues or {}).get("counts") or {}
        for key in QUEUE_TILES:
            if key == "base_resolution_rate":
                value = percent(base_rate)
            else:
                value = str(counts[key]) if key in counts else "—"
            self.query_one(f"#queue-{key}", Tile).show(value, tr(f"loop.dashboard.queue.{key}"))
        todo = ((queues or {}).get("cases") or {}).get("todo") or []
        self.todo_cases = {c["id"]: c for c in todo}

        def flags(c: dict) -> str:
            return "".join(mark for cond, mark in ((c.get("urgent"), "U"), (c.get("overdue"), "!")) if cond)

        def row(c: dict) -> tuple:
            title = clip(mask_phones(c.get("title") or ""), TITLE_CELLS)
            if self.narrow:
                return case_ref(c), title, fmt_time(c.get("due_at"))[5:], flags(c)
            return (case_ref(c), title, code_label("status", c.get("status")), code_label("level", c.get("level")),
                    fmt_time(c.get("due_at"))[5:], flags(c))

        rows = [row(c) for c in todo[:TODO_ROWS]]
        fill(self.query_one("#todo", DataTable), rows, [c["id"] for c in todo[:TODO_ROWS]])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on any case row opens the case with every action the user may take (DESIGN §15)."""
        if event.data_table.id in ("todo", "overdue") and event.row_key is not None:
            self.open_case(event.row_key.value)

    def open_case(self, case_id: str) -> None:
        from tui.worker.case_detail import CaseDetailScreen

        self.push_screen(CaseDetailScreen(case_id), lambda _result=None: self.action_refresh())

    # What the worker's case screen asks of its app (tui/worker/base.py), so it opens here too.
    @property
    def core(self):
        if getattr(self, "_core", None) is None:
            from tui.worker.core import Core

            self._core = Core(self.client)
        return self._core

    def run_core(self, fn, done, *, group: str = "io", on_error=None) -> None:
        def job() -> None:
            try:
                result = fn()
            except Exception as exc:  # said as a notification, never a traceback
                self.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
                return
            self.call_from_thread(done, result)

        self.run_worker(job, thread=True, group=group, exit_on_error=False)

    def prime_header(self, header: StatusHeader) -> None:
        try:
            main = self.screen_stack[0].query_one("#header", StatusHeader)
        except Exception:
            return
        header.user, header.online, header.cache_age = main.user, main.online, main.cache_age

    def note(self, seen) -> None:
        pass  # the dashboard's own header follows its figures

    def refresh_status(self) -> None:
        pass

    def _set_columns(self, narrow: bool) -> None:
        """The case, alert and escalation lists show every column on a wide screen; on 80 columns
        only those a supervisor decides by, so they fit without scrolling sideways."""
        self.narrow = narrow
        for table_id, keys in (
            ("#todo", ("tui.dashboard.ref", "tui.dashboard.case_title", "tui.dashboard.due", "loop.dashboard.flags")
             if narrow else ("tui.dashboard.ref", "tui.dashboard.case_title", "tui.dashboard.status",
                             "loop.dashboard.level", "tui.dashboard.due", "loop.dashboard.flags")),
            ("#alerts", ("alert.col.severity", "alert.col.raised", "alert.col.message") if narrow else
             ("alert.col.severity", "alert.col.kind", "alert.col.message", "tui.dashboard.grid", "alert.col.raised")),
        ):
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table._dashboard_rows = None
            table.add_columns(*[tr(key) for key in keys])
        for table_id, names in (
            ("#overdue", ("ref", "case_title", "due", "supervision") if narrow else
             ("ref", "case_title", "status", "level", "due", "supervision", "grid")),
            ("#escalations", ("at", "ref", "case_title", "to_level") if narrow else
             ("at", "ref", "case_title", "from_level", "to_level")),
        ):
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table._dashboard_rows = None
            table.add_columns(*[tr(f"tui.dashboard.{name}") for name in names])

    def on_resize(self, event) -> None:
        narrow = event.size.width < NARROW
        if narrow != getattr(self, "narrow", narrow):
            selected = self._selected_case_id()
            self._set_columns(narrow)
            if self.figures is not None:
                self._show_overdue(self.figures.stats["overdue"], selected)
                self._show_escalations(self.figures.stats["latest_escalations"])
                stats = self.figures.stats
                self._show_queues(self.figures.queues,
                                  stats.get("base_resolution_rate", stats["kpi"].get("base_resolution_rate")))
                self._show_alerts(self.figures.stats.get("alerts"), self.figures.stats.get("alerts_more", False))

    def _overdue_row(self, case: dict) -> tuple:
        supervision = "" if case["supervision"] in (None, "none") else code_label("supervision", case["supervision"])
        if self.narrow:
            return case_ref(case), mask_phones(case["title"]), fmt_time(case["due_at"])[5:], supervision
        return (case_ref(case), mask_phones(case["title"]), code_label("status", case["status"]),
                code_label("level", case["level"]), fmt_time(case["due_at"]), supervision, case["grid_code"])

    def _show_overdue(self, cases: list[dict], selected: str | None = None) -> None:
        table = self.query_one("#overdue", DataTable)
        # Keep the cursor on the same case across refreshes, so a refresh never moves the
        # selection out from under a supervisor about to press s.
        selected = selected or self._selected_case_id()
        fill(table, [self._overdue_row(case) for case in cases], [case["id"] for case in cases])
        if selected is not None and self._selected_case_id() != selected:
            try:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
            except Exception:  # that case is no longer overdue
                pass

    def _show_alerts(self, alerts: list[dict] | None, more: bool = False) -> None:
        from gridctl.i18n import get_lang

        title = self.query_one("#alerts-title", Label)
        table = self.query_one("#alerts", DataTable)
        title.display = table.display = alerts is not None  # a server without alerts: no panel
        if alerts is None:
            return
        rank = {"critical": 0, "warning": 1, "info": 2}
        alerts = sorted(sorted(alerts, key=lambda a: a.get("raised_at") or "", reverse=True),
                        key=lambda a: rank.get(a.get("severity"), 3))
        count = sum(1 for a in alerts if a.get("state") == "open")
        shown = tr("centre.dashboard.alerts_more", count=count, page=len(alerts)) if more else str(count)
        title.update(tr("alert.panel.title") + f" ({shown})" if alerts else tr("alert.panel.none"))
        def row(a: dict) -> tuple:
            text = clip(mask_phones((a.get("text") or {}).get(get_lang()) or a["kind"]), ALERT_CELLS[self.narrow])
            raised = fmt_time(a.get("raised_at"))[5:]
            if self.narrow:
                return tr(f"alert.severity.{a['severity']}"), raised, text
            return (tr(f"alert.severity.{a['severity']}"), tr(f"alert.kind.{a['kind']}"), text,
                    a.get("grid_code") or "", raised)

        fill(table, [row(a) for a in alerts], [a["id"] for a in alerts])

    def _show_matrix(self, matrix: dict) -> None:
        fill(self.query_one("#matrix", DataTable),
             [(code_label("status", s), *[str(matrix.get(s, {}).get(lvl, 0)) for lvl in LEVELS]) for s in STATUSES])

    def _show_reports(self, days: list[dict]) -> None:
        counts = [d["count"] for d in days]
        self.query_one("#reports", Sparkline).data = counts
        caption = "" if not days else tr(
            "tui.dashboard.reports_caption", first=days[0]["date"][5:], last=days[-1]["date"][5:],
            total=sum(counts), peak=max(counts))
        shown = self.query_one("#reports-caption", Static)
        if str(shown.content) != caption:
            shown.update(caption)

    def _show_ranking(self, grids: list[dict], index: dict | None = None) -> None:
        if index and index.get("items"):
            from tui.dashboard.ranking import index_rows, use_index_columns

            table = self.query_one("#ranking", DataTable)
            use_index_columns(table)
            fill(table, index_rows(index, RANKING_ROWS))
            return
        fill(self.query_one("#ranking", DataTable),
             [(str(g["rank"]), g["name"], str(g["open"]), str(g["overdue"]), str(g["closed_30d"]),
               percent(g["on_time_rate"])) for g in grids[:RANKING_ROWS]])

    def _show_coverage(self, rows: list[dict]) -> None:
        fill(self.query_one("#coverage", DataTable),
             [(code_label("tag", r["tag"]), str(r["people"]), str(r["visited"]), percent(r["ratio"])) for r in rows])

    def _show_escalations(self, steps: list[dict]) -> None:
        def row(step: dict) -> tuple:
            shown = (fmt_time(step["at"])[5:], step.get("serial") or "", mask_phones(step["title"]))
            if self.narrow:
                return (*shown, code_label("level", step["to_level"]))
            return (*shown, code_label("level", step.get("from_level")), code_label("level", step["to_level"]))

        fill(self.query_one("#escalations", DataTable), [row(step) for step in steps])

    def _selected_case_id(self) -> str | None:
        table = self.query_one("#overdue", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # A role the workflow never lets supervise (a grid worker, a village) is not offered the key.
        if action == "supervise":
            from schemas.workflow import SUPERVISOR_ROLES

            try:
                role = self.client.user.get("role")
            except Exception:  # no user to hand (not logged in): the server decides, as before
                return True
            return role in SUPERVISOR_ROLES
        return True

    # --- actions -------------------------------------------------------------------------

    def action_supervise(self) -> None:
        case_id = self._selected_case_id() if self.figures else None
        if case_id is None:
            self.notify(tr("tui.dashboard.nothing_selected"))
            return
        case = next(c for c in self.figures.stats["overdue"] if c["id"] == case_id)

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer:
                self.supervise(case, answer[0], answer[1])

        self.push_screen(SuperviseForm(case), chosen)

    @work(thread=True, exit_on_error=False, group="act")
    def supervise(self, case: dict, level: str, note: str) -> None:
        """Through the outbox like every write: saved first, sent at once when the server answers."""
        from gridctl import ops

        try:
            result = ops.act(self.client, case["id"], "supervise", supervision=level, note=note or None)
        except Exception as exc:  # refusals (workflow, scope) say why in the user's language
            self.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        if result.sync_state in ("conflict", "rejected"):
            problem = result.problem or {}
            text = problem.get("detail") or problem.get("title") or result.sync_state
            self.call_from_thread(self.notify, tr("tui.dashboard.supervise_refused", ref=case_ref(case), problem=text),
                                  severity="error", timeout=8)
            self.call_from_thread(self.action_refresh)
            return
        key = "tui.dashboard.supervised" if result.sync_state == "synced" else "tui.dashboard.supervise_queued"
        self.call_from_thread(self.notify, tr(key, ref=case_ref(case)))
        self.call_from_thread(self.action_refresh)

    def action_help(self) -> None:
        from tui.dashboard.help import DashboardHelp

        self.push_screen(DashboardHelp())
