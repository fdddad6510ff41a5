"""The grid worker's app: My cases first, every other screen one key (or ctrl+p) away."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from textual.app import App, SystemCommand
from textual.binding import Binding

from gridctl.i18n import set_lang
from tui.common.header import StatusHeader
from tui.common.i18n import localize_bindings, tr
from tui.worker.core import Core, Seen, error_text, is_user_error

COMMON_CSS = Path(__file__).resolve().parent.parent / "common" / "base.tcss"


class WorkerApp(App):
    """Built on an ``ops.Client`` (tests) or a profile name (``gridctl tui``)."""

    CSS_PATH = [COMMON_CSS, "app.tcss"]
    BINDINGS = [
        Binding("q", "quit", "tui.bind.quit", id="app.quit"),
        Binding("ctrl+q", "quit_anywhere", "tui.bind.quit", show=False, priority=True, id="app.quit_anywhere"),
        Binding("question_mark", "help", "tui.bind.help", key_display="?", id="app.help"),
        Binding("c", "cases", "tui.bind.cases", id="app.cases"),
        Binding("n", "report", "tui.bind.report", id="app.report"),
        Binding("v", "visit", "tui.bind.visit", id="app.visit"),
        Binding("d", "visits_due", "tui.bind.visits_due", id="app.visits_due"),
        Binding("h", "households", "tuireg.bind.households", id="app.households", show=False),
        Binding("s", "sync_screen", "tui.bind.sync_screen", id="app.sync_screen"),
        Binding("y", "sync_now", "tui.bind.sync_now", id="app.sync_now", show=False),
        Binding("ctrl+p", "command_palette", "tui.bind.palette", show=False, priority=True, id="app.palette"),
    ]

    def __init__(self, client: Any = None, *, profile: str | None = None, lang: str | None = None,
                 offline: bool = False) -> None:
        self.lang = set_lang(lang)
        super().__init__()
        localize_bindings(self)
        self.offline = offline
        if isinstance(client, str):  # WorkerApp("profile-name")
            client, profile = None, client
        self._client_arg = client
        self._profile = profile
        self._core: Core | None = None
        # What the header shows; kept here so a new screen's header starts with the current state.
        self.online: bool | None = None
        self.cache_age: timedelta | None = None
        self.pending = 0
        self.alerts = (0, 0)  # open alerts in the cache: (all, critical), DESIGN 16
        self.title = tr("tui.app.title")

    # --- the core -------------------------------------------------------------------------
    @property
    def core(self) -> Core:
        if self._core is None:
            if self._client_arg is not None:
                self._core = Core(self._client_arg, offline=self.offline)
            else:
                self._core = Core.open(self._profile, offline=self.offline)
        return self._core

    def run_core(self, fn: Callable[[], Any], done: Callable[[Any], None], *, group: str = "io",
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        """Blocking core work in a thread worker (the UI never waits on the network)."""

        def job() -> None:
            try:
                result = fn()
            except Exception as exc:  # shown to the user below, never as a traceback
                self._safe_call(self._failed, exc, on_error)
                return
            self._safe_call(done, result)

        self.run_worker(job, thread=True, group=group, exit_on_error=False)

    def _safe_call(self, fn, *args) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:
            pass  # the app closed while the worker ran: nothing left to update

    def _failed(self, exc: BaseException, on_error) -> None:
        if on_error is not None:
            self._note_unreachable(exc)
            on_error(exc)
            return
        self.report_failure(exc)

    def _note_unreachable(self, exc: BaseException) -> None:
        from gridctl.errors import Unreachable

        if isinstance(exc, Unreachable) or getattr(exc, "key", "").endswith("unreachable"):
            self.note(Seen(online=False))

    def report_failure(self, exc: BaseException) -> None:
        """A failed core call as a notification: the core's own message, or 'unexpected'."""
        self._note_unreachable(exc)
        if is_user_error(exc):
            self.notify(error_text(exc), severity="error", timeout=8)
        else:
            self.notify(tr("tui.unexpected", error=error_text(exc)), severity="error", timeout=10)

    # --- header state ---------------------------------------------------------------------
    def prime_header(self, header: StatusHeader) -> None:
        header.user = self._user_label()
        header.forced_offline = self.offline
        header.online = self.online
        header.cache_age = self.cache_age
        header.pending = self.pending
        header.alerts, header.alerts_critical = self.alerts

    def _user_label(self) -> str:
        try:
            return self.core.profile_label()
        except Exception:
            return ""

    def _headers(self):
        for screen in self.screen_stack:
            yield from screen.query(StatusHeader)

    def note(self, seen: Seen) -> None:
        if seen.online is not None:
            self.online = seen.online
        if seen.cache_age is not None:
            self.cache_age = seen.cache_age
        if seen.pending is not None:
            self.pending = seen.pending
        if seen.alerts is not None:
            self.alerts = seen.alerts
        for header in self._headers():
            self.prime_header(header)

    def refresh_status(self) -> None:
        """Pending count and cache age from the local store, in a worker like everything else."""
        self.run_core(self.core.status, self.note, group="status", on_error=lambda exc: None)

    # --- lifecycle ------------------------------------------------------------------------
    def on_mount(self) -> None:
        from tui.worker.cases import CasesScreen

        # No status refresh here: My cases asks for one once it has painted, so the first paint
        # does not share the CPU with it.
        self.push_screen(CasesScreen())
        # The header's cache age must not freeze, and queued writes should leave as soon as the
        # network is back without the worker remembering to press a key.
        self.set_interval(30, self.refresh_status, name="status")
        self.set_interval(60, self._background_sync, name="background-sync")

    def _background_sync(self) -> None:
        if self.offline or not self.pending:
            return
        self.run_core(self.core.sync_now, self._background_synced, group="sync", on_error=lambda exc: None)

    def _background_synced(self, result) -> None:
        _report, seen = result
        self.note(seen)
        self.refresh_status()

    # --- actions --------------------------------------------------------------------------
    def _go(self, screen_cls, *args) -> None:
        if isinstance(self.screen, screen_cls):
            return
        self.push_screen(screen_cls(*args))

    def action_cases(self) -> None:
        from tui.worker.cases import CasesScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, CasesScreen):
            self.pop_screen()

    def action_report(self) -> None:
        from tui.worker.report import ReportScreen

        self._go(ReportScreen)

    def action_visit(self) -> None:
        from tui.worker.visits import VisitScreen

        self._go(VisitScreen)

    def action_visits_due(self) -> None:
        from tui.worker.visits import VisitsDueScreen

        self._go(VisitsDueScreen)

    def action_households(self) -> None:
        from tui.worker.households import HouseholdsScreen

        self._go(HouseholdsScreen)

    # The one-letter keys that leave the current screen. A form (``IS_FORM``) turns them off: with
    # a select focused, 'q' quit the app, dropping what was typed, and 'n' opened another form over it.
    LEAVING_KEYS = frozenset({"quit", "cases", "report", "visit", "visits_due", "households",
                              "sync_screen", "sync_now"})

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in self.LEAVING_KEYS and getattr(self.screen, "IS_FORM", False):
            return False
        return True

    def action_quit_anywhere(self) -> None:
        self.exit()

    def action_sync_screen(self) -> None:
        from tui.worker.sync_screen import SyncScreen

        self._go(SyncScreen)

    def action_help(self) -> None:
        from tui.worker.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_sync_now(self) -> None:
        if self.offline:
            self.notify(tr("tui.sync.offline_mode"), severity="warning")
            return
        self.notify(tr("tui.sync.started"))
        self.run_core(self.core.sync_now, self._synced, group="sync", on_error=None)

    def _synced(self, result) -> None:
        report, seen = result
        self.note(seen)
        if seen.online is False:
            self.notify(tr("tui.sync.unreachable"), severity="warning")
        else:
            self.notify(tr("tui.sync.done", **{k: report.get(k, 0) for k in ("applied", "conflict", "rejected", "pulled")}))
        self.refresh_status()
        screen = self.screen
        if hasattr(screen, "action_refresh"):
            screen.action_refresh()

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=tr("tui.palette.placeholder"), id="--command-palette"))

    def get_system_commands(self, screen):
        """Every action of the app, and of the current screen, in the command palette."""
        # Textual's own system commands are English-only; ours cover the same ground (quit, keys).
        for action, key in (("cases", "tui.bind.cases"), ("report", "tui.bind.report"),
                            ("visit", "tui.bind.visit"), ("visits_due", "tui.bind.visits_due"),
                            ("households", "tuireg.bind.households"),
                            ("sync_screen", "tui.bind.sync_screen"), ("sync_now", "tui.bind.sync_now"),
                            ("help", "tui.bind.help"), ("quit", "tui.bind.quit")):
            yield SystemCommand(tr(key), tr(key + ".help"), getattr(self, f"action_{action}"))
        if hasattr(screen, "action_refresh"):
            yield SystemCommand(tr("tui.bind.refresh"), tr("tui.bind.refresh.help"), screen.action_refresh)
        for name in ("filter", "retry", "discard"):
            if hasattr(screen, f"action_{name}"):
                yield SystemCommand(tr(f"tui.bind.{name}"), tr(f"tui.bind.{name}.help"), getattr(screen, f"action_{name}"))
        allowed = getattr(screen, "allowed", None)
        if allowed and hasattr(screen, "start_action"):
            from tui.common.i18n import code_label

            for act in allowed:
                yield SystemCommand(tr("tui.palette.case_action", action=code_label("action", act)),
                                    tr("tui.palette.case_action.help"), lambda a=act: screen.start_action(a))
