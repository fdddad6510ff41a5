"""gridctl sync [--push-only | --pull-only] and gridctl sync status"""

from __future__ import annotations

import sys

import typer

from commands.columns import OUTBOX_LIST
from commands.errors import handled
from commands.output import Output, render, render_fields, say
from commands.params import OUTPUT
from commands.state import open_client
from gridctl.i18n import t

def _progress():
    """A one-line counter on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int | None, key: str) -> None:
        text = t(key) + f" {done}" + (f"/{total}" if total else "")
        print("\r" + text, end="", file=sys.stderr, flush=True)

    return show


def _typed(item: dict) -> str:
    """The write's type with the record it is about (``person.upsert (person 乙 …)``)."""
    kind = item.get("type", "")
    return t("subject.typed", type=kind, about=item["about"]) if item.get("about") else kind


def register(app: typer.Typer) -> None:
    sync = typer.Typer(help=t("cli.sync.help"), invoke_without_command=True)
    app.add_typer(sync, name="sync")

    @sync.callback()
    @handled
    def run(ctx: typer.Context,
            push_only: bool = typer.Option(False, "--push-only", help=t("cli.opt.push_only")),
            pull_only: bool = typer.Option(False, "--pull-only", help=t("cli.opt.pull_only")),
            output: Output = OUTPUT) -> int:
        if ctx.invoked_subcommand is not None:
            return 0
        from gridctl import ops
        from gridctl.errors import UsageError

        if push_only and pull_only:
            raise UsageError("cli.sync.push_or_pull")
        progress = _progress()
        report = ops.run_sync(open_client(), push_only=push_only, pull_only=pull_only, progress=progress)
        if progress:
            print(file=sys.stderr)
        data = report.as_dict()
        if output is Output.table:
            say(t("cli.sync.done", applied=report.applied + report.duplicate, conflict=report.conflict,
                  rejected=report.rejected, waiting=report.waiting, pulled=report.pulled))
            if report.partly_done:
                # Name every item that needs the user — refused ones with the server's reason,
                # waiting ones with what they wait for and the command that frees them.
                say(t("outbox.sync.left", quarantined=report.quarantined, waiting=report.waiting))
                for q in report.quarantined_items:
                    say(t("outbox.sync.quarantined", id=q["id"], type=_typed(q),
                          state=t(f"cli.outbox.state.{q['state']}"), detail=q["detail"] or ""))
                for w in report.waiting_items:
                    say(t("outbox.sync.waiting", id=w["id"], type=_typed(w), waits_for=w["waits_for"],
                          state=t(f"cli.outbox.state.{w['blocker_state']}")))
                say(t("cli.sync.see_outbox"))
        else:
            render(data, output)
        return 3 if report.partly_done else 0

    @sync.command("status", help=t("cli.sync.status.help"))
    @handled
    def status(output: Output = OUTPUT) -> None:
        from gridctl import ops

        info = ops.sync_status(open_client())
        if output is not Output.table:
            render(info, output)
            return
        age = info["cache_age"]
        summary = {**info, "cache_age": t("cli.age.minutes", n=int(age // 60)) if age is not None else t("cli.cache.never")}
        render_fields(summary, [("server", "cli.col.server", None), ("pending", "cli.col.pending", None),
                                ("conflict", "cli.col.conflict", None), ("rejected", "cli.col.rejected", None),
                                ("waiting", "outbox.state.waiting", None), ("last_push_at", "cli.col.last_push", None),
                                ("last_pull_at", "cli.col.last_pull", None),
                                ("cache_age", "cli.col.cache_age", None)], output)
        if info["items"]:
            render(info["items"], Output.table, OUTBOX_LIST, title=t("cli.outbox.title"))
        if info["conflict"] or info["rejected"] or info["waiting"]:
            say(t("cli.sync.see_outbox"))  # a report, not a sync: exit 0; `gridctl sync` exits 3
