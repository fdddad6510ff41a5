"""Who and where cases can go (DESIGN §15): units to dispatch to, users to assign to.

Both lists come from the server (``GET /units``, ``GET /users``: what the caller's scope
reaches) and are kept in the local store, so that shell completion of ``--to`` and the checks
below work from the cache, offline too. A write naming a unit or user the list does not hold is
refused at once, naming the flag and the command that lists valid values; with no list cached
(never online) the server decides, as before.
"""

from __future__ import annotations

from gridctl.errors import GridctlError, InvalidInput, Unreachable
from gridctl.ops.client import Client, Listing
from gridctl.ops.refs import listing

UNITS_KEY, USERS_KEY = "directory.units", "directory.users"


def _fetch(client: Client, path: str, key: str) -> tuple[list[dict] | None, str, bool]:
    """The list from the server (and cached), else from the cache; (items, source, stale)."""
    if not client.offline:
        try:
            items = client.api.request("GET", path).json()
            client.store.set_meta(key, items)
            return items, "server", False
        except Unreachable:
            return client.store.get_meta(key), "cache", True
    return client.store.get_meta(key), "cache", False


def _within(code: str, division: str | None) -> bool:
    return not division or code.startswith(division) or division.startswith(code)


def _division_in_scope(client: Client, division: str | None) -> None:
    """A ``--division`` that neither lies in the user's scope nor holds it matches nobody the user
    may deal with; said so, with the codes that would do (a station asking for another town was
    shown the county's users, who serve every town, as if they were that town's)."""
    if not division:
        return
    scope = client.user.get("scope") or []
    if scope and not any(_within(code, division) for code in scope):
        from gridctl.errors import NotFound

        raise NotFound("core.ref.not_found", field="division", hint_key="centre.hint.division",
                       ref=division, scope=", ".join(scope))


def list_units(client: Client, *, division: str | None = None, kind: str | None = None) -> Listing:
    _division_in_scope(client, division)
    items, source, stale = _fetch(client, "/units", UNITS_KEY)
    items = [u for u in items or [] if _within(u["division"], division) and (not kind or u["kind"] == kind)]
    return listing(client, items, source, stale)


def list_users(client: Client, *, role: str | None = None, division: str | None = None) -> Listing:
    _division_in_scope(client, division)
    items, source, stale = _fetch(client, "/users", USERS_KEY)
    units = {u["code"]: u["division"] for u in client.store.get_meta(UNITS_KEY) or []}

    def codes(user: dict) -> list[str]:
        return [units.get(user.get("unit") or "", "")] if user["role"] == "unit" else user.get("scope") or []

    items = [u for u in items or [] if (not role or u["role"] == role)
             and (not division or any(c and _within(c, division) for c in codes(u)))]
    return listing(client, items, source, stale)


def cached_names(client: Client, what: str) -> list[tuple[str, str]]:
    """(value, description) pairs for completion: unit codes or usernames, from the cache."""
    if what == "units":
        return [(u["code"], u["name"]) for u in client.store.get_meta(UNITS_KEY) or []]
    return [(u["username"], u.get("display_name") or "") for u in client.store.get_meta(USERS_KEY) or []
            if u["role"] != "unit"]


def _known(client: Client, key: str, path: str) -> list[dict] | None:
    """The freshest list to hand: the server's when it answers, else the cached one (or None)."""
    try:
        items, _, _ = _fetch(client, path, key)
    except GridctlError:  # e.g. an older server without the list: it decides, as before
        return client.store.get_meta(key)
    return items


def check_assignee(client: Client, username: str, case: dict) -> None:
    users = _known(client, USERS_KEY, "/users")
    if users is None:
        return
    grid = case.get("grid_code") or ""
    ok = any(u["username"] == username and u["role"] != "unit" and any(grid.startswith(c) for c in u.get("scope") or [])
             for u in users)
    if not ok:
        raise InvalidInput("loop.assignee_unknown", field="--to", hint_key="loop.hint.user_list",
                           assignee=username, grid=grid)


def check_units(client: Client, codes: list[str | None], case: dict) -> None:
    units = _known(client, UNITS_KEY, "/units")
    if units is None:
        return
    grid = case.get("grid_code") or ""
    serving = {u["code"] for u in units if grid.startswith(u["division"])}
    for code in codes:
        if code and code not in serving:
            raise InvalidInput("loop.unit_unknown", field="--to", hint_key="loop.hint.unit_list", unit=code, grid=grid)
