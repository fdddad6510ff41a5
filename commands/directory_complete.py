"""Shell completion of ``--to`` / ``--co`` from the local cache (units, assignable users).

Runs on every TAB, so it touches only the profile's SQLite store (no network, no httpx or
pydantic): the lists ``gridctl unit list`` / ``user list`` and every dispatch or assign cached.
"""

from __future__ import annotations


def _cached(what: str, incomplete: str) -> list[tuple[str, str]]:
    try:
        import os

        from gridctl.config import load_config
        from gridctl.ops.directory import cached_names
        from gridctl.paths import profile_data_dir
        from gridctl.store import Store

        profile = load_config().resolve_profile(os.environ.get("GRIDCTL_PROFILE"))
        path = profile_data_dir(profile.name) / "store.sqlite3"
        if not path.exists():
            return []

        class _Cache:  # just what cached_names reads
            store = Store(path)

        try:
            names = cached_names(_Cache, what)
        finally:
            _Cache.store.close()
        return [(v, d) for v, d in names if v.startswith(incomplete or "")]
    except Exception:  # completion never fails loudly: no profile, no cache → no suggestions
        return []


def complete_units(incomplete: str) -> list[tuple[str, str]]:
    return _cached("units", incomplete)


def complete_users(incomplete: str) -> list[tuple[str, str]]:
    return _cached("users", incomplete)
