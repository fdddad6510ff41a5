"""A resolved profile (``Client``) and the plain results operations hand back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from gridctl import credentials
from gridctl.api import ApiClient  # light: it defers httpx to the first request
from gridctl.config import Profile, load_config
from gridctl.errors import NotLoggedIn, Unreachable
from gridctl.i18n import get_lang
from gridctl.ids import uuid7
from gridctl.paths import profile_data_dir
from gridctl.store import Store


@dataclass
class WriteResult:
    record: dict
    mutation_id: str
    sync_state: str  # synced | pending | waiting | conflict | rejected
    problem: dict | None = None
    waits_for: str | None = None  # waiting: the quarantined mutation it is queued behind
    unchanged: bool = False  # synced: the server already held these values (no new version)


@dataclass
class Listing:
    items: list[dict]
    source: str = "cache"  # server: refreshed just now; cache: from the local store
    cache_age: timedelta | None = None
    stale: bool = False  # the server could not be reached
    extra: dict = field(default_factory=dict)


class Client:
    """A resolved profile: its server, its user, its local store and (lazily) its API client."""

    def __init__(self, profile: Profile, *, offline: bool = False) -> None:
        self.profile = profile
        self.offline = offline
        self.store = Store(profile_data_dir(profile.name) / "store.sqlite3")
        self._api = None
        config = load_config()
        self.batch_size = int(config.get("sync.batch_size") or 500)
        self.timeout = float(config.get("sync.timeout") or 10.0)

    @classmethod
    def open(cls, profile: str | None = None, *, offline: bool = False) -> "Client":
        return cls(load_config().resolve_profile(profile), offline=offline)

    def __repr__(self) -> str:
        return f"Client(profile={self.profile.name!r}, offline={self.offline})"

    def now(self) -> datetime:
        """The clock every operation reads: one seam, so a test freezes them all with one patch."""
        return datetime.now(timezone.utc)

    @property
    def user(self) -> dict:
        user = self.store.get_meta("user")
        if not user:
            raise NotLoggedIn()
        return user

    @property
    def device_id(self) -> str:
        device = self.store.get_meta("device_id")
        if not device:
            device = f"gridctl-{uuid7()[:13]}"
            self.store.set_meta("device_id", device)
        return device

    @property
    def api(self):
        if self.offline:
            raise Unreachable("core.error.offline")
        if self._api is None:
            token = credentials.load_token(self.profile.name)
            if not token:
                raise NotLoggedIn()
            self._api = ApiClient(self.profile.server, token, timeout=self.timeout, lang=get_lang())
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
        self.store.close()
