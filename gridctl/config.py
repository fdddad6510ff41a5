"""Profiles and settings in ``config.toml`` (read with tomllib, written atomically, mode 0600).

```toml
default_profile = "work"
lang = "zh"

[profiles.work]
server = "https://grid.example.gov.cn"
username = "gw-001"
```
A profile is a server, a user and a local store. ``--profile`` wins, then ``GRIDCTL_PROFILE``,
then ``default_profile``.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridctl.errors import InvalidInput, NotLoggedIn, UsageError
from gridctl.paths import config_dir, private_dir

# Settings a user may set, with their check; profile entries are managed by `auth`/`profile`.
SETTINGS: dict[str, tuple[type, tuple[str, ...] | None]] = {
    "lang": (str, ("zh", "en")),
    "default_profile": (str, None),
    "sync.timeout": (float, None),
    "sync.batch_size": (int, None),
}
DEFAULTS: dict[str, Any] = {"sync.timeout": 10.0, "sync.batch_size": 500}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass
class Profile:
    name: str
    server: str
    username: str


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def profiles(self) -> dict[str, dict]:
        return self.data.setdefault("profiles", {})

    @property
    def default_profile(self) -> str | None:
        return self.data.get("default_profile")

    def get(self, key: str) -> Any:
        if key not in SETTINGS:
            raise InvalidInput("core.config.unknown_key", field="key", key=key, keys=", ".join(SETTINGS))
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return DEFAULTS.get(key)
            node = node[part]
        return node

    def set(self, key: str, value: str) -> Any:
        if key not in SETTINGS:
            raise InvalidInput("core.config.unknown_key", field="key", key=key, keys=", ".join(SETTINGS))
        kind, choices = SETTINGS[key]
        try:
            typed = kind(value)
        except ValueError:
            raise InvalidInput("core.config.bad_value", field="value", key=key, value=value) from None
        if choices and typed not in choices:
            raise InvalidInput("core.config.bad_choice", field="value", key=key, value=value, choices=", ".join(choices))
        if key == "default_profile" and typed not in self.profiles:
            raise InvalidInput("core.profile.unknown", field="value", name=typed, names=", ".join(self.profiles) or "-")
        node = self.data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = typed
        return typed

    def flat(self) -> dict[str, Any]:
        return {key: self.get(key) for key in SETTINGS}

    def resolve_profile(self, name: str | None = None) -> Profile:
        chosen = name or os.environ.get("GRIDCTL_PROFILE") or self.default_profile
        if not chosen:
            if len(self.profiles) == 1:
                chosen = next(iter(self.profiles))
            else:
                raise NotLoggedIn()
        entry = self.profiles.get(chosen)
        if entry is None:
            if not self.profiles:
                raise NotLoggedIn()
            raise UsageError("core.profile.unknown", field="profile", name=chosen, names=", ".join(self.profiles))
        return Profile(chosen, entry["server"], entry["username"])

    def add_profile(self, name: str, server: str, username: str) -> None:
        if not _NAME.match(name):
            raise InvalidInput("core.profile.bad_name", field="profile", name=name)
        self.profiles[name] = {"server": server, "username": username}
        if not self.default_profile or self.default_profile not in self.profiles:
            self.data["default_profile"] = name

    def remove_profile(self, name: str) -> None:
        if name not in self.profiles:
            raise InvalidInput("core.profile.unknown", field="profile", name=name, names=", ".join(self.profiles) or "-")
        del self.profiles[name]
        if self.default_profile == name:
            self.data.pop("default_profile", None)
            if self.profiles:
                self.data["default_profile"] = next(iter(self.profiles))


def load_config() -> Config:
    path = config_path()
    try:
        with path.open("rb") as fh:
            return Config(tomllib.load(fh))
    except FileNotFoundError:
        return Config({})
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("core.config.broken", path=str(path), detail=str(exc)) from None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def dumps(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for our own nested-tables-of-scalars layout."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k)
            scalars = {kk: vv for kk, vv in v.items() if not isinstance(vv, dict)}
            if scalars or not v:
                out += f"\n[{name}]\n" + dumps(scalars)
            out += dumps({kk: vv for kk, vv in v.items() if isinstance(vv, dict)}, name)
    return out


def save_config(config: Config) -> Path:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    path = config_path()
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(config.data))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
