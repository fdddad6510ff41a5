"""Where the dashboard's figures come from: the server's /stats/overview, else the last copy.

The figures are the server's own, shown as they are; a copy of the last answer is kept in the
profile's data folder so that a station whose link drops still sees the picture, with its age.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


@dataclass
class Figures:
    stats: dict
    online: bool
    fetched_at: datetime
    problem: str | None = None  # why these are the cached figures and not fresh ones
    queues: dict | None = None  # the user's todo / verify / follow-up (DESIGN §15), from the client's cache


class StatsSource:
    ALERT_PAGE = 100  # standing alerts the panel shows (critical first)

    def __init__(self, client, division: str | None) -> None:
        self.client = client
        self.division = division or (client.user.get("scope") or [""])[0]
        self.alerts_more = False  # more standing alerts than the panel fetched

    @property
    def cache_path(self) -> Path:
        from gridctl.paths import profile_data_dir

        return profile_data_dir(self.client.profile.name) / f"dashboard-{self.division}.json"

    def fetch(self) -> Figures:
        """The server's figures now; the cached ones (online=False) when it cannot answer.

        A server that is down, or up but failing (5xx after the client's retries), leaves the
        last figures on screen; refusals (logged out, division not in scope) are raised, since
        old figures would hide a problem only the user can fix.
        """
        from gridctl.errors import ServerError, Unreachable

        try:
            stats = self.client.api.stats_overview(self.division)
        except (Unreachable, ServerError) as exc:
            return self.cached(exc)
        index = self._index()
        if index is not None:
            stats["governance_index"] = index
        stats["alerts"] = self.alerts()
        stats["alerts_more"] = self.alerts_more
        now = datetime.now(timezone.utc)
        self._save(now, stats)
        return Figures(stats, True, now)

    def queues(self) -> dict | None:
        """Counts and first cases of the user's queues; None when the cache cannot be read."""
        from gridctl import ops
        from gridctl.errors import GridctlError

        try:
            return ops.queue_summary(self.client)
        except GridctlError:
            return None

    def _index(self) -> dict | None:
        """This month's governance index by grid for the ranking panel; None when the server
        has none to give (an older server, a grid-level division) — the panel then shows the
        overview's ranking."""
        from gridctl.errors import GridctlError

        try:
            return self.client.api.request("GET", "/stats/index", params={
                "division": self.division, "level": "grid", "period": "month"}).json()
        except GridctlError:
            return None

    def alerts(self) -> list[dict] | None:
        """The standing alerts of the division, critical first (DESIGN 16); None when the
        server has none to give (an older server), so the panel says nothing rather than 'none'."""
        from gridctl.errors import GridctlError

        self.alerts_more = False
        try:
            page = self.client.api.list("alerts", division=self.division, state=["open", "acknowledged"],
                                        limit=self.ALERT_PAGE)
        except GridctlError:
            return None
        # The first page holds the most pressing (the server sends critical first); that there are
        # more is said in the panel's title, so 100 never reads as the whole count.
        self.alerts_more = bool(page.get("next_cursor"))
        return page.get("items")

    def _save(self, when: datetime, stats: dict) -> None:
        # A full or read-only disk costs the offline copy, never the figures just fetched.
        tmp = self.cache_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"fetched_at": when.isoformat(), "stats": stats}, ensure_ascii=False),
                           encoding="utf-8")
            os.replace(tmp, self.cache_path)
        except OSError:
            pass

    def cached(self, cause: Exception) -> Figures:
        """The last saved figures; ``cause`` is raised again when there are none to show."""
        try:
            saved = json.loads(self.cache_path.read_text(encoding="utf-8"))
            return Figures(saved["stats"], False, datetime.fromisoformat(saved["fetched_at"]), str(cause))
        except (OSError, ValueError, KeyError, TypeError):
            raise cause from None
