"""gridctl completion bash|zsh|fish|powershell: print the shell completion script."""

from __future__ import annotations

from enum import Enum

import typer

from gridctl.i18n import t


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    from commands.main import COMPLETE_VAR, PROG

    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell) + "\n"


def register(app: typer.Typer) -> None:
    @app.command("completion", help=t("cli.completion.help"))
    def completion(shell: Shell = typer.Argument(..., help=t("cli.arg.shell"))) -> None:
        print(script(shell.value), end="")
