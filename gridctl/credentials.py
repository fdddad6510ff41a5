"""Bearer tokens, one file per profile, readable by the user alone; never printed or logged."""

from __future__ import annotations

import os
from pathlib import Path

from gridctl.paths import config_dir, private_dir


class Token(str):
    """A token that does not show itself in reprs, logs or tracebacks."""

    def __repr__(self) -> str:
        return "Token('***')"


def _path(profile: str) -> Path:
    return config_dir() / "tokens" / profile


def save_token(profile: str, token: str) -> None:
    folder = private_dir(config_dir() / "tokens")
    tmp = folder / f".{profile}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, _path(profile))


def load_token(profile: str) -> Token | None:
    try:
        return Token(_path(profile).read_text().strip()) or None
    except FileNotFoundError:
        return None


def delete_token(profile: str) -> bool:
    try:
        _path(profile).unlink()
        return True
    except FileNotFoundError:
        return False
