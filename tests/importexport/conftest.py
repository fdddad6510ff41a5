"""Fixtures of the import/export tests: their own seeded server (imports change the register, so
they must not share the session server with the other parts' tests), an admin profile logged in
with ``gridctl.ops.login`` into temporary config/data dirs, and a CLI runner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, LiveServer

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ie_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("ie-server") / "server.db").start()
    yield server
    server.stop()


def _login(home: Path, url: str, username: str, profile: str = "default") -> dict:
    env = {"GRIDCTL_CONFIG_DIR": str(home / "config"), "GRIDCTL_DATA_DIR": str(home / "data"), "GRIDCTL_LANG": "en"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from gridctl import ops

        ops.login(url, username, PASSWORD, profile=profile)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return env


@pytest.fixture(scope="session")
def admin_env(ie_server, tmp_path_factory):
    """Environment variables of a profile logged in as county-admin."""
    return _login(tmp_path_factory.mktemp("admin-home"), ie_server.url, "county-admin")


@pytest.fixture(scope="session")
def worker_env(ie_server, tmp_path_factory):
    return _login(tmp_path_factory.mktemp("worker-home"), ie_server.url, "gw-001")


@pytest.fixture()
def admin_api(ie_server, monkeypatch, admin_env):
    """An ApiClient of the admin profile (the way the commands build it)."""
    for k, v in admin_env.items():
        monkeypatch.setenv(k, v)
    from gridctl import credentials
    from gridctl.api import ApiClient

    api = ApiClient(ie_server.url, credentials.load_token("default"), timeout=120)
    yield api
    api.close()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture()
def gridctl(monkeypatch, capsys):
    """Run ``gridctl ARGS`` in-process under an environment; returns exit code, stdout, stderr."""

    def run(env: dict, *args: str) -> Result:
        from commands import main
        from commands.state import state
        from gridctl import i18n

        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("NO_COLOR", "1")
        state.profile, state.offline, state.lang = None, False, None
        i18n.set_lang(env.get("GRIDCTL_LANG", "en"))
        capsys.readouterr()
        code = 0
        try:
            main.run(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        i18n.set_lang("en")
        return Result(code, out.out, out.err)

    return run


def run_subprocess(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    full = {**os.environ, **env, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "gridctl", *args], cwd=ROOT, env=full, capture_output=True,
                          text=True, **kw)
