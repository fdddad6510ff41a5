"""The station dashboard: KPI tiles, open cases by status × level, overdue cases (supervise them),
the grid ranking, 30 days of reports, visit coverage and the latest escalations.

Figures are the server's ``/stats/overview``, fetched in a thread worker on a timer so the
screen never freezes; when the server is gone the last figures stay, and the header says how
old they are.
"""

from __future__ import annotations

from datetime import datetime, timezone

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Sparkline, Static

from tui.common.header import StatusHeader
from tui.common.i18n import code_label, fmt_time, localize_bindings, tr
from tui.dashboard.source import Figures, StatsSource

LEVELS = ("grid", "village", "town", "county")
STATUSES = ("reported", "accepted", "in_progress", "resolved")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class Tile(Static):
    """One KPI: a figure and its name."""

    def show(self, value: str, name: str) -> None:
        self.update(f"[b]{value}[/b]\n{name}")


class SuperviseForm(ModalScreen[tuple[str, str] | None]):
    """Choose the supervision level (普通/黄牌/红牌) and a note."""

    BINDINGS = [Binding("escape", "cancel", "tui.dashboard.cancel", id="dashboard.cancel")]

    def __init__(self, case: dict) -> None:
        super().__init__()
        self.case = case

    def compose(self) -> ComposeResult:
        with Vertical(id="supervise-form"):
            yield Label(tr("tui.dashboard.supervise_title", ref=self.case.get("serial") or self.case["id"][:8],
                           title=self.case.get("title") or ""))
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
            self.dismiss((self.query_one("#level", Select).value, self.query_one("#note", Input).value))
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DashboardApp(App[int]):
    CSS_PATH = ["../common/base.tcss", "dashboard.tcss"]
    TITLE = "gridctl"
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
        with VerticalScroll(id="body"):
            with Grid(id="tiles"):
                for key in ("open", "overdue_unaccepted", "overdue_unresolved", "escalated_7d", "on_time_rate"):
                    yield Tile(id=f"kpi-{key}", classes="tile")
            with Horizontal(classes="row"):
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.matrix"), classes="section-title")
                    yield DataTable(id="matrix", cursor_type="none", zebra_stripes=True)
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.reports_30d"), classes="section-title")
                    yield Sparkline([], id="reports")
                    yield Static("", id="reports-caption")
                    yield Label(tr("tui.dashboard.coverage"), classes="section-title")
                    yield DataTable(id="coverage", cursor_type="none")
            yield Label(tr("tui.dashboard.overdue"), classes="section-title")
            yield DataTable(id="overdue", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="row"):
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.ranking"), classes="section-title")
                    yield DataTable(id="ranking", cursor_type="none", zebra_stripes=True)
                with Vertical(classes="panel"):
                    yield Label(tr("tui.dashboard.escalations"), classes="section-title")
                    yield DataTable(id="escalations", cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self)
        header = self.query_one(StatusHeader)
        header.user = self.client.user.get("display_name") or self.client.user.get("username", "")
        self.query_one("#matrix", DataTable).add_columns(
            tr("tui.dashboard.status"), *[code_label("level", lvl) for lvl in LEVELS])
        self.query_one("#coverage", DataTable).add_columns(
            tr("tui.dashboard.tag"), tr("tui.dashboard.people"), tr("tui.dashboard.visited"), tr("tui.dashboard.ratio"))
        self.query_one("#overdue", DataTable).add_columns(
            tr("tui.dashboard.ref"), tr("tui.dashboard.case_title"), tr("tui.dashboard.status"),
            tr("tui.dashboard.level"), tr("tui.dashboard.due"), tr("tui.dashboard.supervision"), tr("tui.dashboard.grid"))
        self.query_one("#ranking", DataTable).add_columns(
            "#", tr("tui.dashboard.grid"), tr("tui.dashboard.open"), tr("tui.dashboard.overdue_n"),
            tr("tui.dashboard.closed_30d"), tr("tui.dashboard.on_time"))
        self.query_one("#escalations", DataTable).add_columns(
            tr("tui.dashboard.at"), tr("tui.dashboard.ref"), tr("tui.dashboard.case_title"), tr("tui.dashboard.to_level"))
        self.action_refresh()
        if self.refresh_on_timer:
            self.set_interval(self.refresh_every, self.action_refresh)

    # --- loading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.query_one(StatusHeader).busy = True
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        try:
            figures = self.source.fetch()
        except Exception as exc:  # no server and no copy yet: say so, keep running
            self.call_from_thread(self.show_problem, str(exc))
            return
        self.call_from_thread(self.show, figures)

    def show_problem(self, text: str) -> None:
        header = self.query_one(StatusHeader)
        header.busy = False
        header.online = False
        self.notify(text, severity="warning")

    def show(self, figures: Figures) -> None:
        self.figures = figures
        stats = figures.stats
        header = self.query_one(StatusHeader)
        header.busy = False
        header.online = figures.online
        header.cache_age = datetime.now(timezone.utc) - figures.fetched_at
        header.title = tr("tui.dashboard.title_of", name=stats["division"]["name"])
        kpi = stats["kpi"]
        for key in ("open", "overdue_unaccepted", "overdue_unresolved", "escalated_7d"):
            self.query_one(f"#kpi-{key}", Tile).show(str(kpi[key]), tr(f"tui.dashboard.kpi.{key}"))
        self.query_one("#kpi-on_time_rate", Tile).show(percent(kpi["on_time_rate"]), tr("tui.dashboard.kpi.on_time_rate"))
        matrix = self.query_one("#matrix", DataTable)
        matrix.clear()
        for status in STATUSES:
            counts = stats["open_by_status_level"].get(status, {})
            matrix.add_row(code_label("status", status), *[str(counts.get(lvl, 0)) for lvl in LEVELS])
        days = stats["reports_per_day"]
        self.query_one("#reports", Sparkline).data = [d["count"] for d in days]
        self.query_one("#reports-caption", Static).update(tr(
            "tui.dashboard.reports_caption", first=days[0]["date"][5:], last=days[-1]["date"][5:],
            total=sum(d["count"] for d in days), peak=max((d["count"] for d in days), default=0)))
        coverage = self.query_one("#coverage", DataTable)
        coverage.clear()
        for row in stats["visit_coverage"]:
            coverage.add_row(code_label("tag", row["tag"]), str(row["people"]), str(row["visited"]), percent(row["ratio"]))
        overdue = self.query_one("#overdue", DataTable)
        overdue.clear()
        for case in stats["overdue"]:
            overdue.add_row(case.get("serial") or case["id"][:8], case["title"], code_label("status", case["status"]),
                            code_label("level", case["level"]), fmt_time(case["due_at"]),
                            "" if case["supervision"] == "none" else code_label("supervision", case["supervision"]),
                            case["grid_code"], key=case["id"])
        ranking = self.query_one("#ranking", DataTable)
        ranking.clear()
        for grid in stats["grid_ranking"][:20]:
            ranking.add_row(str(grid["rank"]), grid["name"], str(grid["open"]), str(grid["overdue"]),
                            str(grid["closed_30d"]), percent(grid["on_time_rate"]))
        escalations = self.query_one("#escalations", DataTable)
        escalations.clear()
        for step in stats["latest_escalations"]:
            escalations.add_row(fmt_time(step["at"])[5:], step.get("serial") or "", step["title"],
                                code_label("level", step["to_level"]))
        if not figures.online:
            self.notify(tr("tui.dashboard.offline_note"), severity="warning")
        self.loaded = True

    # --- actions -------------------------------------------------------------------------

    def action_supervise(self) -> None:
        table = self.query_one("#overdue", DataTable)
        if not self.figures or table.row_count == 0:
            self.notify(tr("tui.dashboard.nothing_selected"))
            return
        case_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        case = next(c for c in self.figures.stats["overdue"] if c["id"] == case_id)

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer:
                self.supervise(case, answer[0], answer[1])

        self.push_screen(SuperviseForm(case), chosen)

    @work(thread=True, group="act")
    def supervise(self, case: dict, level: str, note: str) -> None:
        from gridctl import ops

        try:
            result = ops.act(self.client, case["id"], "supervise", supervision=level, note=note or None)
        except Exception as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        key = "tui.dashboard.supervised" if result.sync_state == "synced" else "tui.dashboard.supervise_queued"
        self.call_from_thread(self.notify, tr(key, ref=case.get("serial") or case["id"][:8]))
        self.call_from_thread(self.action_refresh)

    def action_help(self) -> None:
        self.notify(tr("tui.dashboard.help_text"), timeout=10)
