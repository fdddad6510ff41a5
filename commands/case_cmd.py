"""gridctl case list | show | accept | start | resolve | close | reopen | escalate | return |
reject | assign | supervise | comment | dispatch | sign | refuse | follow-up | mediate"""

from __future__ import annotations

import sys
from enum import Enum
from typing import List

import typer

from commands.codes_arg import code_arg
from commands.columns import CASE_FIELDS, CASE_FLAG_COLUMNS, CASE_LIST, MEDIATION_COLUMNS, STEP_COLUMNS, flags
from commands.directory_complete import complete_units, complete_users
from commands.errors import handled
from commands.output import Output, cache_note, label, render, render_fields, say, write_result
from commands.params import CASE_ID, OUTPUT
from commands.state import open_client
from gridctl.i18n import t


class Status(str, Enum):
    reported = "reported"
    accepted = "accepted"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    dispatched = "dispatched"


class Level(str, Enum):
    grid = "grid"
    village = "village"
    town = "town"
    county = "county"


class UpLevel(str, Enum):
    village = "village"
    town = "town"
    county = "county"


class Queue(str, Enum):
    todo = "todo"
    verify = "verify"
    follow_up = "follow-up"
    dispatched = "dispatched"
    unit = "unit"


class Satisfaction(str, Enum):
    satisfied = "satisfied"
    basic = "basic"
    unsatisfied = "unsatisfied"


class FollowUpMethod(str, Enum):
    phone = "phone"
    in_person = "in_person"


class MediationResult(str, Enum):
    agreed = "agreed"
    failed = "failed"


class MediationMethod(str, Enum):
    people = "people"
    administrative = "administrative"
    judicial = "judicial"


class Supervision(str, Enum):
    normal = "normal"
    yellow = "yellow"
    red = "red"


def _act(case_id: str, action: str, output: Output, **params) -> int:
    from gridctl import ops

    result = ops.act(open_client(), case_id, action, **params)
    return write_result(result, output, "cli.case.acted", action=t(f"cli.case.action.{action}"))


def _comment(case_id: str, text: str | None, note: str | None, output: Output) -> int:
    """``case comment ID --note TEXT`` like every other verb; the positional text still works."""
    from gridctl.errors import UsageError

    if text is not None and note is not None:
        raise UsageError("cliux.comment.twice", field="note")
    if not (note if note is not None else text or "").strip():
        raise UsageError("cliux.comment.missing", field="note")
    return _act(case_id, "comment", output, note=note if note is not None else text)


def _list(mine, all_, status, level, grid, overdue, category, search, limit, output: Output, queue=None) -> None:
    from gridctl import ops
    from gridctl.errors import UsageError

    if mine and all_:
        raise UsageError("cli.case.mine_or_all")
    if queue is not None and all_:
        raise UsageError("loop.queue_or_all")
    listing = ops.list_cases(open_client(), mine=not all_, statuses=[s.value for s in status],
                             level=level.value if level else None, grid=grid, overdue=True if overdue else None,
                             category=code_arg("category", category, "--category"), search=search, limit=limit,
                             queue=queue.value if queue else None)
    cache_note(listing)
    render(listing.items, output, CASE_LIST, empty_key="cli.case.none", csv_extra=CASE_FLAG_COLUMNS)
    if output is Output.table and listing.items and sys.stdout.isatty() and any(map(flags, listing.items)):
        say(t("cliux.case.flags_legend"))


def register(app: typer.Typer) -> None:
    case = typer.Typer(help=t("cli.case.help"), no_args_is_help=True)
    app.add_typer(case, name="case")

    @case.command("list", help=t("cli.case.list.help") + "\n\n" + t("cliux.case.flags_help"))
    @handled
    def list_(
        mine: bool = typer.Option(False, "--mine", help=t("cli.opt.mine")),
        all_: bool = typer.Option(False, "--all", help=t("cli.opt.all")),
        status: List[Status] = typer.Option([], "--status", help=t("cli.opt.status")),
        level: Level = typer.Option(None, "--level", help=t("cli.opt.level")),
        grid: str = typer.Option(None, "--grid", help=t("cli.opt.grid_filter")),
        overdue: bool = typer.Option(False, "--overdue", help=t("cli.opt.overdue")),
        category: str = typer.Option(None, "--category", help=t("cliux.opt.case_category")),
        search: str = typer.Option(None, "--search", help=t("cliux.opt.case_search")),
        limit: int = typer.Option(None, "--limit", min=1, help=t("cli.opt.limit")),
        queue: Queue = typer.Option(None, "--queue", help=t("loop.opt.queue")),
        output: Output = OUTPUT,
    ) -> None:
        _list(mine, all_, status, level, grid, overdue, category, search, limit, output, queue)

    @case.command("show", help=t("cli.case.show.help"))
    @handled
    def show(case_id: str = CASE_ID, output: Output = OUTPUT) -> None:
        from gridctl import ops

        client = open_client()
        record = ops.show_case(client, case_id)
        render_fields(record, CASE_FIELDS, output, title=record.get("title"))
        if output is Output.table:
            render(record.get("steps") or [], Output.table, STEP_COLUMNS, title=t("cli.case.steps"))
            if record.get("mediations"):
                render(record["mediations"], Output.table, MEDIATION_COLUMNS, title=t("loop.case.mediations"))
            actions = ops.allowed_actions(client, record)
            if actions:
                say(t("cli.case.next_actions", actions=t("cli.list_sep").join(label("action", a) for a in actions)))

    def simple(action: str, note_required: bool = False):
        help_key = f"cli.case.{action}.help"

        @case.command(action, help=t(help_key))
        @handled
        def command(case_id: str = CASE_ID,
                    note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                    output: Output = OUTPUT) -> int:
            return _act(case_id, action, output, note=note)

        return command

    for action in ("accept", "start", "resolve", "close", "reopen"):
        simple(action)

    @case.command("escalate", help=t("cli.case.escalate.help"))
    @handled
    def escalate(case_id: str = CASE_ID,
                 reason: str = typer.Option(..., "--reason", help=t("cli.opt.reason")),
                 to: UpLevel = typer.Option(None, "--to", help=t("cli.opt.to_level")),
                 output: Output = OUTPUT) -> int:
        return _act(case_id, "escalate", output, reason=reason, to_level=to.value if to else None)

    for action in ("return", "reject"):
        def make(action=action):
            @case.command(action, help=t(f"cli.case.{action}.help"))
            @handled
            def command(case_id: str = CASE_ID,
                        reason: str = typer.Option(..., "--reason", help=t("cli.opt.reason")),
                        output: Output = OUTPUT) -> int:
                return _act(case_id, action, output, reason=reason)

        make()

    @case.command("assign", help=t("cli.case.assign.help"))
    @handled
    def assign(case_id: str = CASE_ID,
               to: str = typer.Option(..., "--to", help=t("cli.opt.assignee"), autocompletion=complete_users),
               output: Output = OUTPUT) -> int:
        return _act(case_id, "assign", output, assignee=to)

    @case.command("supervise", help=t("cli.case.supervise.help"))
    @handled
    def supervise(case_id: str = CASE_ID,
                  level: Supervision = typer.Option(..., "--level", help=t("cli.opt.supervision")),
                  note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                  output: Output = OUTPUT) -> int:
        return _act(case_id, "supervise", output, supervision=level.value, note=note)

    @case.command("comment", help=t("cli.case.comment.help"))
    @handled
    def comment(case_id: str = CASE_ID,
                text: str = typer.Argument(None, metavar="[TEXT]", help=t("cliux.arg.comment")),
                note: str = typer.Option(None, "--note", help=t("cliux.opt.comment_note")),
                output: Output = OUTPUT) -> int:
        return _comment(case_id, text, note, output)

    # --- the closed loop (DESIGN §15) ------------------------------------------------------

    @case.command("dispatch", help=t("loop.case.dispatch.help"))
    @handled
    def dispatch(case_id: str = CASE_ID,
                 to: str = typer.Option(..., "--to", metavar="UNIT", help=t("loop.opt.unit"), autocompletion=complete_units),
                 co: List[str] = typer.Option([], "--co", metavar="UNIT", help=t("loop.opt.co_unit"),
                                              autocompletion=complete_units),
                 note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                 output: Output = OUTPUT) -> int:
        return _act(case_id, "dispatch", output, unit=_unit_code(to, "--to"),
                    co_units=[_unit_code(c, "--co") for c in co], note=note)

    @case.command("sign", help=t("loop.case.sign.help"))
    @handled
    def sign(case_id: str = CASE_ID,
             note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
             output: Output = OUTPUT) -> int:
        return _act(case_id, "sign", output, note=note)

    @case.command("refuse", help=t("loop.case.refuse.help"))
    @handled
    def refuse(case_id: str = CASE_ID,
               reason: str = typer.Option(..., "--reason", help=t("cli.opt.reason")),
               output: Output = OUTPUT) -> int:
        return _act(case_id, "refuse", output, reason=reason)

    @case.command("follow-up", help=t("loop.case.follow_up.help"))
    @handled
    def follow_up(case_id: str = CASE_ID,
                  satisfaction: Satisfaction = typer.Option(..., "--satisfaction", help=t("loop.opt.satisfaction")),
                  method: FollowUpMethod = typer.Option(FollowUpMethod.phone, "--method", help=t("loop.opt.follow_up_method")),
                  note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                  output: Output = OUTPUT) -> int:
        return _act(case_id, "follow_up", output, satisfaction=satisfaction.value, method=method.value, note=note)

    @case.command("mediate", help=t("loop.case.mediate.help"))
    @handled
    def mediate(case_id: str = CASE_ID,
                result: MediationResult = typer.Option(..., "--result", help=t("loop.opt.result")),
                method: MediationMethod = typer.Option(MediationMethod.people, "--method", help=t("loop.opt.mediation_method")),
                agreement_no: str = typer.Option(None, "--agreement-no", metavar="NO", help=t("loop.opt.agreement_no")),
                participant: List[str] = typer.Option([], "--participant", metavar="NAME", help=t("loop.opt.participant")),
                note: str = typer.Option(None, "--note", help=t("cli.opt.note")),
                output: Output = OUTPUT) -> int:
        return _act(case_id, "mediate", output, result=result.value, method=method.value, agreement_no=agreement_no,
                    participants=list(participant), note=note)


def _unit_code(value: str, flag: str) -> str:
    """A unit code as the wire wants it (division digits, '-', capitals), or a usage error naming the flag."""
    import re

    code = (value or "").strip().upper()
    if not re.fullmatch(r"[0-9]{6}([0-9]{3})?-[A-Z]{1,12}", code):
        from gridctl.errors import InvalidInput

        raise InvalidInput("loop.unit_code", field=flag.lstrip("-"), flag=flag, value=value)
    return code
