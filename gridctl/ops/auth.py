"""Logging in and out of a profile, and what the profile knows about its user."""

from __future__ import annotations

import platform

from gridctl import credentials
from gridctl.api import ApiClient  # light: it defers httpx to the first request
from gridctl.config import Profile, load_config, save_config
from gridctl.errors import InvalidInput, NotLoggedIn, Unreachable, UsageError
from gridctl.ops.client import Client


def login(server: str, username: str, password: str, *, profile: str | None = None,
          device_name: str | None = None) -> dict:
    """Log in over HTTP, keep the token (0600) and make the profile the default if it is the first."""
    server = server.rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise InvalidInput("core.auth.bad_server", field="server", server=server)
    name = profile or "default"
    config = load_config()
    existing = config.profiles.get(name)
    client = None
    if existing and existing.get("username") != username:
        client = Client(Profile(name, existing["server"], existing["username"]))
        unsent = sum(n for s, n in client.store.outbox_counts().items() if s != "applied")
        client.close()
        if unsent:
            raise UsageError("core.auth.profile_has_unsent", field="profile", profile=name, count=unsent,
                             username=existing["username"])
    api = ApiClient(server, timeout=15)
    try:
        answer = api.login(username, password, device_name=device_name or platform.node())
    finally:
        api.close()
    config.add_profile(name, server, username)
    save_config(config)
    credentials.save_token(name, answer["access_token"])
    client = Client(Profile(name, server, username))
    try:
        if existing and (existing.get("username") != username or existing.get("server") != server):
            with client.store.transaction() as conn:
                client.store.clear_cache(conn)
                client.store.set_meta("pull_cursor", None, conn)
        client.store.set_meta("user", answer["user"])
        client.store.set_meta("server", server)
        client.device_id  # made once per profile
    finally:
        client.close()
    return {"profile": name, "server": server, **answer["user"]}


def logout(client: Client) -> dict:
    """Revoke the token on the server when it answers, and forget it here. The outbox stays."""
    revoked = False
    try:
        client.api.logout()
        revoked = True
    except (Unreachable, NotLoggedIn):
        pass
    removed = credentials.delete_token(client.profile.name)
    return {"profile": client.profile.name, "revoked": revoked, "logged_out": removed}


def auth_status(client: Client) -> dict:
    user = client.store.get_meta("user") or {}
    logged_in = credentials.load_token(client.profile.name) is not None
    out = {"profile": client.profile.name, "server": client.profile.server, "username": client.profile.username,
           "logged_in": logged_in, "user": user, "online": None}
    if logged_in and not client.offline:
        try:
            out["user"] = client.api.me()
            client.store.set_meta("user", out["user"])
            out["online"] = True
        except Unreachable:
            out["online"] = False
    return out
