"""Options that apply to every command (``--profile``, ``--offline``, ``--lang``), set once by the
root callback, and the way commands open the profile's client."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class State:
    profile: str | None = None
    offline: bool = False
    lang: str | None = None


state = State()


def open_client():
    from gridctl import ops

    return ops.Client.open(state.profile, offline=state.offline)
