"""gridctl outbox list | show ID | retry ID | discard ID"""

from __future__ import annotations

import typer

from commands.columns import OUTBOX_LIST
from commands.errors import handled
from commands.output import Output, render, say, write_result
from commands.params import OUTPUT
from commands.state import open_client
from gridctl.i18n import t

def register(app: typer.Typer) -> None:
    outbox = typer.Typer(help=t("cli.outbox.help"), no_args_is_help=True)
    app.add_typer(outbox, name="outbox")

    @outbox.command("list", help=t("cli.outbox.list.help"))
    @handled
    def list_(all_: bool = typer.Option(False, "--all", help=t("cli.opt.outbox_all")), output: Output = OUTPUT) -> None:
        from gridctl import ops

        render(ops.outbox_list(open_client(), include_applied=all_), output, OUTBOX_LIST, empty_key="cli.outbox.empty")

    @outbox.command("show", help=t("cli.outbox.show.help"))
    @handled
    def show(mutation_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.mutation")),
             output: Output = OUTPUT) -> None:
        import json
        import sys

        from gridctl import ops

        item = ops.outbox_show(open_client(), mutation_id)
        if output is not Output.table:
            render(item, output)
            return
        render([item], Output.table, OUTBOX_LIST)
        parts = [(t("cli.outbox.mine"), item["payload"])]
        if item.get("server"):
            server = {k: item["server"].get(k) for k in ("status", "level", "assignee", "version", "supervision")}
            parts.append((t("cli.outbox.theirs"), server))
        for heading, data in parts:
            if sys.stdout.isatty():
                print(heading)
                print(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                # Piped: one "heading<TAB>json" line each, so every line stays one record.
                print(f"{heading}\t{json.dumps(data, ensure_ascii=False)}")

    @outbox.command("retry", help=t("cli.outbox.retry.help"))
    @handled
    def retry(mutation_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.mutation")),
              output: Output = OUTPUT) -> int:
        from gridctl import ops

        return write_result(ops.outbox_retry(open_client(), mutation_id), output, "cli.outbox.retried")

    @outbox.command("discard", help=t("cli.outbox.discard.help"))
    @handled
    def discard(mutation_id: str = typer.Argument(..., metavar="ID", help=t("cli.arg.mutation")),
                yes: bool = typer.Option(False, "--yes", "-y", help=t("discard.opt_yes")),
                output: Output = OUTPUT) -> int:
        return _run_discard(mutation_id, yes, output)


def _state_word(state: str) -> str:
    return t("outbox.state.waiting" if state == "waiting" else f"cli.outbox.state.{state}")


def _run_discard(mutation_id: str, yes: bool, output: Output) -> int:
    """Name what goes with the write before anything goes: the writes that cannot be sent without
    it are discarded too only when the user confirms (a prompt at a terminal, ``--yes`` piped)."""
    import sys

    from gridctl import ops
    from gridctl.errors import UsageError

    client = open_client()
    plan = ops.outbox_discard_plan(client, mutation_id)
    deps = plan["dependents"]
    if deps:
        say(t("discard.listing", id=plan["id"], about=plan["about"], n=len(deps)))
        for d in deps:
            say(t("discard.item", id=d["id"], type=d["type"], about=d["about"], state=_state_word(d["state"])))
        if not yes:
            if not (sys.stdin is not None and sys.stdin.isatty()):
                raise UsageError("discard.needs_yes", field="yes", hint_key="discard.hint_yes", id=plan["id"],
                                 n=len(deps))
            if not typer.confirm(t("discard.confirm", total=len(deps) + 1), default=False, err=True):
                say(t("discard.kept"))
                return 0
    try:
        result = ops.outbox_discard(client, plan["id"], with_dependents=[d["id"] for d in deps])
    except ops.DependentWrites as exc:
        exc.hint_key = "discard.hint_yes"  # one more write appeared meanwhile: named, nothing gone
        raise
    if output is not Output.table:
        render(result, output)
    if result["dependents"]:
        say(t("discard.done_with", id=result["id"], n=len(result["dependents"])))
    else:
        say(t("cli.outbox.discarded", id=result["id"]))
    return 0
