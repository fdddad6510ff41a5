"""gridctl auth login | logout | status"""

from __future__ import annotations

import os
import sys

import typer

from commands.errors import handled
from commands.output import Output, render_fields, say
from commands.params import OUTPUT
from commands.state import open_client, state
from gridctl.i18n import t


def read_password(password_stdin: bool) -> str:
    """From stdin (--password-stdin), GRIDCTL_PASSWORD, or a prompt — never from a flag value."""
    from gridctl.errors import UsageError

    if password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    elif os.environ.get("GRIDCTL_PASSWORD"):
        value = os.environ["GRIDCTL_PASSWORD"]
    elif sys.stdin.isatty():
        import getpass

        value = getpass.getpass(t("cli.auth.password_prompt"))
    else:
        raise UsageError("cli.auth.no_password")
    if not value:
        raise UsageError("cli.auth.no_password")
    return value


USER_FIELDS = [
    ("profile", "cli.col.profile", None), ("server", "cli.col.server", None),
    ("username", "cli.col.username", None), ("display_name", "cli.col.name", None),
    ("role", "cli.col.role", lambda r: __import__("commands.output", fromlist=["label"]).label("role", r.get("role"))),
    ("scope", "cli.col.scope", None),
]


def register(app: typer.Typer) -> None:
    auth = typer.Typer(help=t("cli.auth.help"), no_args_is_help=True)
    app.add_typer(auth, name="auth")

    @auth.command("login", help=t("cli.auth.login.help"))
    @handled
    def login(
        server: str = typer.Option(..., "--server", help=t("cli.opt.server")),
        username: str = typer.Option(..., "--username", help=t("cli.opt.username")),
        password_stdin: bool = typer.Option(False, "--password-stdin", help=t("cli.opt.password_stdin")),
        output: Output = OUTPUT,
    ) -> None:
        from gridctl import ops

        user = ops.login(server, username, read_password(password_stdin), profile=state.profile)
        if output is Output.table:
            say(t("cli.auth.logged_in", username=user["username"], name=user.get("display_name") or "",
                  profile=user["profile"], server=user["server"]))
        else:
            render_fields(user, USER_FIELDS, output)

    @auth.command("logout", help=t("cli.auth.logout.help"))
    @handled
    def logout() -> None:
        from gridctl import ops

        client = open_client()
        result = ops.logout(client)
        say(t("cli.auth.logged_out", profile=result["profile"]))

    @auth.command("status", help=t("cli.auth.status.help"))
    @handled
    def status(output: Output = OUTPUT) -> int:
        from gridctl import ops

        client = open_client()
        info = ops.auth_status(client)
        record = {"profile": info["profile"], "server": info["server"], "username": info["username"],
                  "display_name": info["user"].get("display_name"), "role": info["user"].get("role"),
                  "scope": info["user"].get("scope"), "logged_in": info["logged_in"], "online": info["online"]}
        render_fields(record, USER_FIELDS + [("logged_in", "cli.col.logged_in", None), ("online", "cli.col.online", None)], output)
        if not info["logged_in"]:
            say(t("core.hint.login"))
            return 4
        return 0
