"""gridctl case list | show | accept | start | resolve | close | reopen | escalate | return |
reject | assign | supervise | comment"""

from __future__ import annotations

from enum import Enum
from typing import List

import typer

from commands.columns import CASE_FIELDS, CASE_LIST, STEP_COLUMNS
from commands.errors import handled
from commands.output import Output, cache_note, label, render, render_fields, say, write_result
from commands.state import open_client
from gridctl.i18n import t


class Status(str, Enum):
    reported = "reported"
    accepted = "accepted"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"


class Level(str, Enum):
    grid = "grid"
    village = "village"
    town = "town"
    county = "county"


class UpLevel(str, Enum):
    village = "village"
    town = "town"
    county = "county"


class Supervision(str, Enum):
    normal = "normal"
    yellow = "yellow"
    red = "red"


OUTPUT = typer.Option(Output.table, "-o", "--output", help=t("cli.opt.output"))


def _act(case_id: str, action: str, output: Output, **params) -> int:
    from gridctl import ops

    result = ops.act(open_client(), case_id, action, **params)
    return write_result(result, output, "cli.case.acted", action=t(f"cli.case.action.{action}"))


def register(app: typer.Typer) -> None:
    case = typer.Typer(help=t("cli.case.help"), no_args_is_help=True)
    app.add_typer(case, name="case")

    @case.command("list", help=t("cli.case.list.help"))
    @handled
    def list_(
        mine: bool = typer.Option(False, "--mine", help=t("cli.opt.mine")),
        all_: bool = typer.Option(False, "--all", help=t("cli.opt.all")),
        status: List[Status] = typer.Option([], "--status", help=t("cli.opt.status")),
        level: Level = typer.Option(None, "--level", help=t("cli.opt.level")),
        grid: str = typer.Option(None, "--grid", help=t("cli.opt.grid_filter")),
        overdue: bool = typer.Option(False, "--overdue", help=t("cli.opt.overdue")),
        limit: int = typer.Option(None, "--limit", min=1, help=t("cli.opt.limit")),
        output: Output = OUTPUT,
    ) -> None:
        from gridctl import ops
        from gridctl.errors import UsageError

        if mine and all_:
            raise UsageError("cli.case.mine_or_all")
        listing = ops.list_cases(open_client(), mine=not all_, statuses=[s.value for s in status],
                                 level=level.value if level else None, grid=grid, overdue=True if overdue else None,
                                 limit=limit)
        cache_note(listing)
        render(listing.items, output, CASE_LIST, empty_key="cli.case.none")

    @case.command("show", help=t("cli.case.show.help"))
    @handled
    def show(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")), output: Output = OUTPUT) -> None:
        from gridctl import ops

        client = open_client()
        record = ops.show_case(client, case_id)
        render_fields(record, CASE_FIELDS, output, title=record.get("title"))
        if output is Output.table:
            render(record.get("steps") or [], Output.table, STEP_COLUMNS, title=t("cli.case.steps"))
            actions = ops.allowed_actions(client, record)
            if actions:
                say(t("cli.case.next_actions", actions=t("cli.list_sep").join(label("action", a) for a in actions)))

    def simple(action: str, note_required: bool = False):
        help_key = f"cli.case.{action}.help"

        @case.command(action, help=t(help_key))
        @handled
        def command(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")),
                    note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                    output: Output = OUTPUT) -> int:
            return _act(case_id, action, output, note=note)

        return command

    for action in ("accept", "start", "resolve", "close", "reopen"):
        simple(action)

    @case.command("escalate", help=t("cli.case.escalate.help"))
    @handled
    def escalate(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")),
                 reason: str = typer.Option(..., "--reason", help=t("cli.opt.reason")),
                 to: UpLevel = typer.Option(None, "--to", help=t("cli.opt.to_level")),
                 output: Output = OUTPUT) -> int:
        return _act(case_id, "escalate", output, reason=reason, to_level=to.value if to else None)

    for action in ("return", "reject"):
        def make(action=action):
            @case.command(action, help=t(f"cli.case.{action}.help"))
            @handled
            def command(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")),
                        reason: str = typer.Option(..., "--reason", help=t("cli.opt.reason")),
                        output: Output = OUTPUT) -> int:
                return _act(case_id, action, output, reason=reason)

        make()

    @case.command("assign", help=t("cli.case.assign.help"))
    @handled
    def assign(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")),
               to: str = typer.Option(..., "--to", help=t("cli.opt.assignee")),
               output: Output = OUTPUT) -> int:
        return _act(case_id, "assign", output, assignee=to)

    @case.command("supervise", help=t("cli.case.supervise.help"))
    @handled
    def supervise(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")),
                  level: Supervision = typer.Option(..., "--level", help=t("cli.opt.supervision")),
                  note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                  output: Output = OUTPUT) -> int:
        return _act(case_id, "supervise", output, supervision=level.value, note=note)

    @case.command("comment", help=t("cli.case.comment.help"))
    @handled
    def comment(case_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.case")),
                text: str = typer.Argument(..., metavar="TEXT", help=t("cli.arg.comment")),
                output: Output = OUTPUT) -> int:
        return _act(case_id, "comment", output, note=text)
