"""The header both apps keep on top: who is logged in, online/offline, cache age, queued writes."""

from __future__ import annotations

from datetime import timedelta

from textual.reactive import reactive
from textual.widgets import Static

from tui.common.i18n import fmt_age, tr


class StatusHeader(Static):
    """One line that always answers: am I online, how old is what I see, what is still unsent.

    The state is text as well as colour (``-online``/``-offline`` classes), so it stays readable
    with NO_COLOR and on monochrome terminals.
    """

    title: reactive[str] = reactive("", layout=True)
    user: reactive[str] = reactive("")
    online: reactive[bool | None] = reactive(None)
    forced_offline: reactive[bool] = reactive(False)
    cache_age: reactive[timedelta | None] = reactive(None)
    pending: reactive[int] = reactive(0)
    busy: reactive[bool] = reactive(False)
    alerts: reactive[int] = reactive(0)  # open alerts in scope (DESIGN 16); shown when any
    alerts_critical: reactive[int] = reactive(0)

    def __init__(self, title: str = "", **kwargs) -> None:
        super().__init__("", **kwargs)
        self.set_reactive(StatusHeader.title, title)

    def on_mount(self) -> None:
        self._refresh_text()

    def watch_title(self) -> None:
        self._refresh_text()

    watch_user = watch_online = watch_forced_offline = watch_cache_age = watch_pending = watch_busy = watch_title
    watch_alerts = watch_alerts_critical = watch_title

    def connection_text(self) -> str:
        if self.forced_offline:
            return tr("tui.header.offline_mode")
        if self.online is None:
            return tr("tui.header.unknown")
        return tr("tui.header.online") if self.online else tr("tui.header.offline")

    def _refresh_text(self) -> None:
        parts = [self.title]
        if self.user:
            parts.append(self.user)
        parts.append(self.connection_text())
        parts.append(tr("tui.header.cache_age", age=fmt_age(self.cache_age)))
        if self.pending:
            parts.append(tr("tui.header.pending", n=self.pending))
        if self.alerts:
            parts.append(tr("alert.header.count", total=self.alerts, critical=self.alerts_critical))
        if self.busy:
            parts.append(tr("tui.header.busy"))
        self.update(" │ ".join(p for p in parts if p))
        offline = self.forced_offline or self.online is False
        self.set_class(offline, "-offline")
        self.set_class(self.online is True and not self.forced_offline, "-online")
