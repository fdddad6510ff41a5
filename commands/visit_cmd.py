"""gridctl visit log | list | due"""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from commands.codes_arg import code_arg
from commands.columns import VISIT_DUE, VISIT_LIST
from commands.errors import handled
from commands.output import Output, cache_note, render, say, write_result
from commands.params import OUTPUT
from commands.state import open_client
from gridctl.i18n import t

def register(app: typer.Typer) -> None:
    visit = typer.Typer(help=t("cli.visit.help"), no_args_is_help=True)
    app.add_typer(visit, name="visit")

    @visit.command("log", help=t("cli.visit.log.help"))
    @handled
    def log(
        household: str = typer.Argument(..., metavar="HOUSEHOLD", help=t("cli.arg.household")),
        purpose: str = typer.Option(..., "--purpose", help=t("cli.opt.purpose")),
        method: str = typer.Option("in_person", "--method", help=t("cli.opt.method")),
        note: str = typer.Option(None, "--note", help=t("cli.opt.visit_note")),
        person: List[str] = typer.Option([], "--person", help=t("cli.opt.person")),
        not_met: bool = typer.Option(False, "--not-met", help=t("cli.opt.not_met")),
        concern: str = typer.Option(None, "--concern", help=t("cli.opt.concern")),
        next_visit: str = typer.Option(None, "--next-visit", help=t("cli.opt.next_visit")),
        photo: List[Path] = typer.Option([], "--photo", help=t("cli.opt.photo")),
        at: str = typer.Option(None, "--at", help=t("cli.opt.at")),
        output: Output = OUTPUT,
    ) -> int:
        from gridctl import ops

        purpose_code = code_arg("purpose", purpose, "--purpose")
        method_code = code_arg("method", method, "--method")
        result = ops.log_visit(open_client(), household, purpose=purpose_code, method=method_code, note=note,
                               person_ids=person, met=not not_met, concern=concern, next_visit=next_visit,
                               photos=photo, at=at)
        code = write_result(result, output, "cli.visit.saved")
        if not_met and code == 0:
            say(t("visit.not_met_note"))
        return code

    @visit.command("list", help=t("cli.visit.list.help"))
    @handled
    def list_(household: str = typer.Option(None, "--household", help=t("cli.opt.household")),
              mine: bool = typer.Option(False, "--mine", help=t("cli.opt.visit_mine")),
              since: str = typer.Option(None, "--since", help=t("cli.opt.since")),
              limit: int = typer.Option(None, "--limit", min=1, help=t("cli.opt.limit")),
              output: Output = OUTPUT) -> None:
        from gridctl import ops

        listing = ops.list_visits(open_client(), household=household, mine=mine, since=since, limit=limit)
        cache_note(listing)
        render(listing.items, output, VISIT_LIST, csv_extra=("household_id", "id"))

    @visit.command("due", help=t("cli.visit.due.help"))
    @handled
    def due(within: int = typer.Option(0, "--within", min=0, help=t("cli.opt.within")), output: Output = OUTPUT) -> None:
        from gridctl import ops

        listing = ops.visits_due(open_client(), within=within)
        cache_note(listing)
        render(listing.items, output, VISIT_DUE, empty_key="cli.visit.none_due")
