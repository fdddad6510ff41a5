"""gridctl household list | show"""

from __future__ import annotations

import typer

from commands.codes_arg import code_arg
from commands.columns import HOUSEHOLD_FIELDS, HOUSEHOLD_LIST, PERSON_LIST, VISIT_LIST
from commands.errors import handled
from commands.output import Output, cache_note, render, render_fields
from commands.params import OUTPUT
from commands.state import open_client
from gridctl.i18n import t

def register(app: typer.Typer) -> None:
    from commands.register_cmd import register_household

    household = typer.Typer(help=t("cli.household.help"), no_args_is_help=True)
    app.add_typer(household, name="household")
    register_household(household)  # add, update (DESIGN 17)

    @household.command("list", help=t("cli.household.list.help"))
    @handled
    def list_(grid: str = typer.Option(None, "--grid", help=t("cli.opt.grid_filter")),
              search: str = typer.Option(None, "--search", help=t("cli.opt.search")),
              tag: str = typer.Option(None, "--tag", help=t("cli.opt.tag")),
              limit: int = typer.Option(None, "--limit", min=1, help=t("cli.opt.limit")),
              output: Output = OUTPUT) -> None:
        from gridctl import ops

        tag = code_arg("tag", tag, "--tag") if tag else None
        listing = ops.list_households(open_client(), grid=grid, search=search, tag=tag, limit=limit)
        cache_note(listing)
        render(listing.items, output, HOUSEHOLD_LIST)

    @household.command("show", help=t("cli.household.show.help"))
    @handled
    def show(ref: str = typer.Argument(..., metavar="ID", help=t("cli.arg.household")),
             all_: bool = typer.Option(False, "--all", help=t("register.opt.all_members")),
             output: Output = OUTPUT) -> None:
        from gridctl import ops

        record = ops.show_household(open_client(), ref, include_all=all_)
        render_fields(record, HOUSEHOLD_FIELDS, output, title=record.get("address"))
        if output is Output.table:
            from commands.register_cmd import PERSON_STATUS_COLUMN

            columns = PERSON_LIST + [PERSON_STATUS_COLUMN] if all_ else PERSON_LIST
            render(record["persons"], Output.table, columns, title=t("cli.household.persons"))
            if record["visits"]:
                render(record["visits"], Output.table, VISIT_LIST, title=t("cli.household.visits"))
