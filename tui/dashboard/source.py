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


class StatsSource:
    def __init__(self, client, division: str | None) -> None:
        self.client = client
        self.division = division or (client.user.get("scope") or [""])[0]

    @property
    def cache_path(self) -> Path:
        from gridctl.paths import profile_data_dir

        return profile_data_dir(self.client.profile.name) / f"dashboard-{self.division}.json"

    def fetch(self) -> Figures:
        """The server's figures now; the cached ones (online=False) when it cannot be reached."""
        from gridctl.errors import Unreachable

        try:
            stats = self.client.api.stats_overview(self.division)
        except Unreachable:
            return self.cached()
        now = datetime.now(timezone.utc)
        tmp = self.cache_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fetched_at": now.isoformat(), "stats": stats}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.cache_path)
        return Figures(stats, True, now)

    def cached(self) -> Figures:
        from gridctl.errors import Unreachable

        try:
            saved = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise Unreachable(server=self.client.profile.server) from None
        return Figures(saved["stats"], False, datetime.fromisoformat(saved["fetched_at"]))
