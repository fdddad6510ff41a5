"""gridctl profile list | use NAME | show | remove NAME"""

from __future__ import annotations

import typer

from commands.errors import handled
from commands.output import Output, render, render_fields, say
from commands.params import OUTPUT
from commands.state import state
from gridctl.i18n import t

COLUMNS = [("name", "cli.col.profile", None), ("server", "cli.col.server", None),
           ("username", "cli.col.username", None), ("default", "cli.col.default", lambda r: "*" if r["default"] else "")]


def register(app: typer.Typer) -> None:
    profile = typer.Typer(help=t("cli.profile.help"), no_args_is_help=True)
    app.add_typer(profile, name="profile")

    @profile.command("list", help=t("cli.profile.list.help"))
    @handled
    def list_(output: Output = OUTPUT) -> None:
        from gridctl.config import load_config

        config = load_config()
        rows = [{"name": n, "server": p.get("server"), "username": p.get("username"),
                 "default": n == config.default_profile} for n, p in config.profiles.items()]
        render(rows, output, COLUMNS, empty_key="cli.profile.none")

    @profile.command("use", help=t("cli.profile.use.help"))
    @handled
    def use(name: str = typer.Argument(..., help=t("cli.arg.profile"))) -> None:
        from gridctl.config import load_config, save_config

        config = load_config()
        config.set("default_profile", name)
        save_config(config)
        say(t("cli.profile.now_default", name=name))

    @profile.command("show", help=t("cli.profile.show.help"))
    @handled
    def show(output: Output = OUTPUT) -> None:
        from gridctl.config import load_config

        config = load_config()
        p = config.resolve_profile(state.profile)
        render_fields({"name": p.name, "server": p.server, "username": p.username,
                       "default": p.name == config.default_profile}, COLUMNS, output)

    @profile.command("remove", help=t("cli.profile.remove.help"))
    @handled
    def remove(name: str = typer.Argument(..., help=t("cli.arg.profile")),
               force: bool = typer.Option(False, "--force", help=t("cli.opt.force"))) -> None:
        from gridctl import credentials
        from gridctl.config import load_config, save_config
        from gridctl.errors import UsageError
        from gridctl.ops import Client

        config = load_config()
        entry = config.profiles.get(name)
        if entry is not None and not force:
            from gridctl.config import Profile

            client = Client(Profile(name, entry["server"], entry["username"]))
            unsent = sum(n for s, n in client.store.outbox_counts().items() if s != "applied")
            client.close()
            if unsent:
                raise UsageError("cli.profile.has_unsent", field="profile", name=name, count=unsent)
        config.remove_profile(name)
        save_config(config)
        credentials.delete_token(name)
        say(t("cli.profile.removed", name=name))
