"""The one place where the worker app meets the client core (``gridctl.ops``).

Screens call these methods from thread workers; each returns plain data plus what it learnt
about the connection, so the header can say online/offline without a second trip to the server.
The TUI adds no path of its own to the server: everything goes through ``gridctl.ops``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any


@dataclass
class Seen:
    """What one call told us about the link: None means 'no news'."""

    online: bool | None = None
    cache_age: timedelta | None = None
    pending: int | None = None
    alerts: tuple[int, int] | None = None  # open alerts in the cache: (all, critical)


@dataclass
class Rows:
    items: list[dict]
    seen: Seen = field(default_factory=Seen)


def _as_dict(obj: Any) -> dict:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return dict(vars(obj))


def _listing_seen(listing: Any) -> Seen:
    source = getattr(listing, "source", None)
    stale = bool(getattr(listing, "stale", False))
    online = None
    if stale:
        online = False
    elif source == "server":
        online = True
    return Seen(online=online, cache_age=getattr(listing, "cache_age", None))


def _write_seen(result: Any, offline: bool) -> Seen:
    state = getattr(result, "sync_state", None)
    if state in ("applied", "duplicate", "synced", "conflict", "rejected", "waiting"):
        return Seen(online=True)
    if state == "pending" and not offline:
        # Saved locally but the immediate sync did not get through: the server is unreachable.
        return Seen(online=False)
    return Seen()


from tui.worker.register_core import RegisterOps  # noqa: E402 - households and persons (DESIGN 17)


class Core(RegisterOps):
    """A logged-in profile's operations, as the worker app needs them."""

    def __init__(self, client: Any, *, offline: bool = False) -> None:
        self.client = client
        self.offline = bool(offline or getattr(client, "offline", False))
        self._user: dict | None = None

    @classmethod
    def open(cls, profile: str | None = None, *, offline: bool = False) -> "Core":
        from gridctl import ops

        return cls(ops.Client.open(profile=profile, offline=offline), offline=offline)

    @property
    def ops(self):
        from gridctl import ops

        return ops

    # --- who am I -------------------------------------------------------------------------
    def user(self) -> dict:
        """The logged-in user (username, display_name, role, scope), as the profile's store keeps it."""
        if self._user is None:
            self._user = dict(self.client.user)
        return self._user

    def my_grids(self) -> list[str]:
        scope = self.user().get("scope") or []
        return [code for code in scope if len(code) == 15]

    def profile_label(self) -> str:
        user = self.user()
        return user.get("display_name") or user.get("username") or ""

    # --- cases ----------------------------------------------------------------------------
    def list_cases(self) -> Rows:
        # A unit user's app shows its unit's cases (DESIGN §15); everyone else, what to do now.
        if self.user().get("role") == "unit":
            listing = self.ops.list_cases(self.client, mine=False, queue="unit")
        else:
            listing = self.ops.list_cases(self.client, mine=True)
        items = list(listing.items)
        # The list marks what is still unsent, as the case view does.
        unsent = self._unsent()
        for case in items:
            case.setdefault("sync", "pending" if case.get("id") in unsent else "synced")
        return Rows(items, _listing_seen(listing))

    def _unsent(self) -> set:
        store = getattr(self.client, "store", None)
        return store.unsent_entity_ids() if store is not None and hasattr(store, "unsent_entity_ids") else set()

    def show_case(self, ref: str) -> tuple[dict, list[str]]:
        case = self.ops.show_case(self.client, ref)
        allowed = list(self.ops.allowed_actions(self.client, case))
        if "dispatch" in allowed and not self.offline:
            try:  # refresh the units the dispatch form offers (kept in the cache for offline use)
                self.ops.list_units(self.client)
            except Exception:  # the form falls back to typing a code
                pass
        return case, allowed

    def cached_units(self, case: dict) -> list[dict]:
        """The cached units serving the case's area (for the dispatch form)."""
        from gridctl.ops.directory import UNITS_KEY

        store = getattr(self.client, "store", None)
        units = (store.get_meta(UNITS_KEY) if store is not None and hasattr(store, "get_meta") else None) or []
        grid = case.get("grid_code") or ""
        return [u for u in units if grid.startswith(u.get("division") or "~")]

    def act(self, ref: str, action: str, **params: Any) -> tuple[dict, Seen]:
        params = {k: v for k, v in params.items() if v not in (None, "")}
        result = self.ops.act(self.client, ref, action, **params)
        return _as_dict(result), _write_seen(result, self.offline)

    def report_incident(self, **fields: Any) -> tuple[dict, Seen]:
        result = self.ops.report_incident(self.client, **fields)
        return _as_dict(result), _write_seen(result, self.offline)

    # --- households and visits ------------------------------------------------------------
    def list_households(self, *, search: str | None = None, tag: str | None = None) -> Rows:
        listing = self.ops.list_households(self.client, search=search or None, tag=tag or None)
        return Rows(list(listing.items), _listing_seen(listing))

    def show_household(self, ref: str) -> dict:
        return self.ops.show_household(self.client, ref)

    def visits_due(self, within: int = 0) -> Rows:
        listing = self.ops.visits_due(self.client, within=within)
        return Rows(list(listing.items), _listing_seen(listing))

    def log_visit(self, household_ref: str, **fields: Any) -> tuple[dict, Seen]:
        result = self.ops.log_visit(self.client, household_ref, **fields)
        return _as_dict(result), _write_seen(result, self.offline)

    # --- sync -----------------------------------------------------------------------------
    def outbox(self) -> list[dict]:
        return [_as_dict(item) for item in self.ops.outbox_list(self.client)]

    def outbox_show(self, mutation_id: str) -> dict:
        return _as_dict(self.ops.outbox_show(self.client, mutation_id))

    def outbox_retry(self, mutation_id: str) -> Any:
        return self.ops.outbox_retry(self.client, mutation_id)

    def outbox_discard_plan(self, mutation_id: str) -> dict:
        return self.ops.outbox_discard_plan(self.client, mutation_id)

    def outbox_discard(self, mutation_id: str, with_dependents=()) -> Any:
        return self.ops.outbox_discard(self.client, mutation_id, with_dependents=with_dependents)

    def sync_now(self) -> tuple[dict, Seen]:
        """Push then pull; an unreachable server is news for the header, not a failure."""
        from gridctl.errors import Unreachable

        try:
            report = self.ops.run_sync(self.client)
        except Unreachable:
            return {}, Seen(online=False)
        return _as_dict(report), Seen(online=True, cache_age=timedelta(0))

    def status(self) -> Seen:
        """Unsent writes and cache age from the local store (never touches the network)."""
        info = self.ops.sync_status(self.client)
        # Conflicts and rejections are unsent too: the worker must still deal with them.
        pending = sum(int(info.get(k) or 0) for k in ("pending", "conflict", "rejected"))
        age = info.get("cache_age")
        if isinstance(age, (int, float)):
            age = timedelta(seconds=age)
        elif info.get("last_pull_at"):
            from tui.common.i18n import parse_iso

            when = parse_iso(info["last_pull_at"])
            age = datetime.now(timezone.utc) - when if when else None
        counts = self.ops.open_counts(self.client)
        return Seen(pending=pending, cache_age=age, alerts=(counts["total"], counts["critical"]))


def error_text(exc: BaseException) -> str:
    """A user-facing message for an error from the core: its own localized text, never a trace."""
    text = str(exc).strip()
    return text or exc.__class__.__name__


def is_user_error(exc: BaseException) -> bool:
    try:
        from gridctl.errors import GridctlError
    except ImportError:  # core not installed yet: treat everything as unexpected
        return False
    return isinstance(exc, GridctlError)
