"""gridctl unit list · gridctl user list — where cases can be dispatched, who can be assigned (DESIGN §15)."""

from __future__ import annotations

import typer

from commands.codes_arg import code_arg
from commands.columns import UNIT_LIST, USER_LIST
from commands.errors import handled
from commands.output import Output, cache_note, render
from commands.state import open_client
from gridctl.i18n import t

from commands.params import OUTPUT  # noqa: E402  (the -o option every command shares)


def _division(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip()
    if not (code.isdigit() and code.isascii() and len(code) in (6, 9, 12, 15)):
        from gridctl.errors import InvalidInput

        raise InvalidInput("loop.division_code", field="division", value=value)
    return code


def register(app: typer.Typer) -> None:
    unit = typer.Typer(help=t("loop.unit.help"), no_args_is_help=True)
    app.add_typer(unit, name="unit")

    @unit.command("list", help=t("loop.unit.list.help"))
    @handled
    def unit_list(division: str = typer.Option(None, "--division", metavar="CODE", help=t("loop.opt.division")),
                  kind: str = typer.Option(None, "--kind", help=t("loop.opt.unit_kind")),
                  output: Output = OUTPUT) -> None:
        from gridctl import ops

        listing = ops.list_units(open_client(), division=_division(division), kind=code_arg("unit_kind", kind, "--kind"))
        cache_note(listing)
        render(listing.items, output, UNIT_LIST, empty_key="loop.unit.none")

    user = typer.Typer(help=t("loop.user.help"), no_args_is_help=True)
    app.add_typer(user, name="user")

    @user.command("list", help=t("loop.user.list.help"))
    @handled
    def user_list(role: str = typer.Option(None, "--role", metavar="R", help=t("loop.opt.role")),
                  division: str = typer.Option(None, "--division", metavar="CODE", help=t("loop.opt.division")),
                  output: Output = OUTPUT) -> None:
        from gridctl import ops

        listing = ops.list_users(open_client(), role=code_arg("role", role, "--role"), division=_division(division))
        cache_note(listing)
        render(listing.items, output, USER_LIST, empty_key="loop.user.none")
