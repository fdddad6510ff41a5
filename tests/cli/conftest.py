"""Running the real CLI in-process (fast) with its own config and data folders per test."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture()
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRIDCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GRIDCTL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GRIDCTL_LANG", "en")
    monkeypatch.delenv("GRIDCTL_PROFILE", raising=False)
    monkeypatch.delenv("GRIDCTL_PASSWORD", raising=False)

    def run(*args: str, input: str | None = None) -> Result:
        from commands.main import run as main
        from gridctl.i18n import set_lang

        capsys.readouterr()
        if input is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        set_lang(None)
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture()
def login(cli):
    def do(server, username: str, profile: str | None = None) -> None:
        args = ["auth", "login", "--server", server.url, "--username", username, "--password-stdin"]
        if profile:
            args += ["--profile", profile]
        result = cli(*args, input="demo-pass\n")
        assert result.code == 0, result.err

    return do
