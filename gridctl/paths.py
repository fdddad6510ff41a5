"""Where gridctl keeps things: platformdirs locations, overridable for tests and portable installs."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    override = os.environ.get("GRIDCTL_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("gridctl", appauthor=False))


def data_dir() -> Path:
    override = os.environ.get("GRIDCTL_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("gridctl", appauthor=False))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user alone."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        path.chmod(0o700)
    except OSError:
        pass
    return path


def profile_data_dir(profile: str) -> Path:
    return private_dir(data_dir() / "profiles" / profile)
