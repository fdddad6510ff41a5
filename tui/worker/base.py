"""What every worker screen has: the status header, the footer, translated bindings."""

from __future__ import annotations

from typing import Any, Callable

from textual import work
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState, get_current_worker

from tui.common.header import StatusHeader
from tui.common.i18n import localize_bindings, tr
from tui.worker.core import error_text, is_user_error


class WorkerScreen(Screen):
    """A full screen of the worker app: header on top, footer below, content between."""

    TITLE_KEY = "tui.app.title"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)

    @property
    def core(self):
        return self.app.core

    def make_header(self) -> StatusHeader:
        header = StatusHeader(tr(self.TITLE_KEY))
        self.app.prime_header(header)
        return header

    def fetch(self) -> Message:
        """What the screen shows, read from the core (in a thread): a typed message for it."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self) -> None:
        """Read the screen's data off the UI thread. Exclusive: a second `r` cancels the first
        load, whose late result is then dropped, so two loads never land out of order."""
        loaded = self.fetch()
        if not get_current_worker().is_cancelled:
            self.post_message(loaded)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The one place a failed worker of this screen is told to the user (never a traceback).
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.app.report_failure(event.worker.error)

    def run_in_thread(self, fn: Callable[[], Any], done: Callable[[Any], None], *, group: str = "io") -> None:
        """Run blocking core work in a thread worker and hand the result back on the UI thread.

        Errors from the core are shown as their message (a notification), never a traceback.
        """
        self.app.run_core(fn, done, group=f"{type(self).__name__}.{group}")


class WorkerModal(ModalScreen):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)


__all__ = ["WorkerScreen", "WorkerModal", "error_text", "is_user_error"]
