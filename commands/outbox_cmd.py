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
                output: Output = OUTPUT) -> None:
        from gridctl import ops

        result = ops.outbox_discard(open_client(), mutation_id)
        if output is not Output.table:
            render(result, output)
        say(t("cli.outbox.discarded", id=result["id"]))
