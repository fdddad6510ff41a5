"""gridctl config path | list | get KEY | set KEY VALUE"""

from __future__ import annotations

import typer

from commands.errors import handled
from commands.output import Output, render, say
from commands.params import OUTPUT
from gridctl.i18n import t


def register(app: typer.Typer) -> None:
    config = typer.Typer(help=t("cli.config.help"), no_args_is_help=True)
    app.add_typer(config, name="config")

    @config.command("path", help=t("cli.config.path.help"))
    @handled
    def path() -> None:
        from gridctl.config import config_path

        print(config_path())

    @config.command("list", help=t("cli.config.list.help"))
    @handled
    def list_(output: Output = OUTPUT) -> None:
        from gridctl.config import load_config

        rows = [{"key": k, "value": v} for k, v in load_config().flat().items()]
        render(rows, output, [("key", "cli.col.key", None), ("value", "cli.col.value", None)])

    @config.command("get", help=t("cli.config.get.help"))
    @handled
    def get(key: str = typer.Argument(..., help=t("cli.arg.key"))) -> None:
        from gridctl.config import load_config

        value = load_config().get(key)
        print("" if value is None else value)

    @config.command("set", help=t("cli.config.set.help"))
    @handled
    def set_(key: str = typer.Argument(..., help=t("cli.arg.key")),
             value: str = typer.Argument(..., help=t("cli.arg.value"))) -> None:
        from gridctl.config import load_config, save_config

        config = load_config()
        typed = config.set(key, value)
        save_config(config)
        say(t("cli.config.saved", key=key, value=typed))
