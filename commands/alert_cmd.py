"""gridctl alert list | ack (DESIGN 16)"""

from __future__ import annotations

import typer

from commands.errors import handled
from commands.output import Output, cache_note, render, say, short_id, short_time, write_result
from commands.state import open_client
from gridctl.i18n import t

OUTPUT = typer.Option(Output.table, "-o", "--output", help=t("cli.opt.output"))

COLUMNS = [
    ("id", "cli.col.id", lambda r: short_id(r.get("id"))),
    ("severity", "alert.col.severity", lambda r: t(f"alert.severity.{r.get('severity')}")),
    ("kind", "alert.col.kind", lambda r: t(f"alert.kind.{r.get('kind')}")),
    ("state", "alert.col.state", lambda r: t(f"alert.state.{r.get('state')}")),
    ("grid_code", "cli.col.grid", None),
    ("raised_at", "alert.col.raised", lambda r: short_time(r.get("raised_at"))),
    ("message", "alert.col.message", None),
]


def register(app: typer.Typer) -> None:
    alert = typer.Typer(help=t("alert.help"), no_args_is_help=True)
    app.add_typer(alert, name="alert")

    @alert.command("list", help=t("alert.list.help"))
    @handled
    def list_(kind: str = typer.Option(None, "--kind", help=t("alert.opt.kind")),
              state: str = typer.Option(None, "--state", help=t("alert.opt.state")),
              output: Output = OUTPUT) -> None:
        from gridctl import ops

        listing = ops.list_alerts(open_client(), kind=kind, state=state)
        cache_note(listing)
        render(listing.items, output, COLUMNS)

    @alert.command("ack", help=t("alert.ack.help"))
    @handled
    def ack(alert_id: str = typer.Argument(..., metavar="ID", help=t("alert.arg.id")),
            note: str = typer.Option(None, "--note", help=t("alert.opt.note")),
            output: Output = OUTPUT) -> int:
        from gridctl import ops

        result = ops.ack_alert(open_client(), alert_id, note=note)
        if result.unchanged and result.record.get("acked_by"):
            return already_acked(result.record, note, output)
        return write_result(result, output, "alert.saved")


def already_acked(alert: dict, note: str | None, output: Output) -> int:
    """An alert someone acknowledged before: say who and when, and that a new note was not kept."""
    if output is not Output.table:
        render(alert, output)
    said = t("centre.alert.said", note=alert["ack_note"]) if alert.get("ack_note") else ""
    say(t("centre.alert.already_acked", ref=short_id(alert.get("id")), who=alert["acked_by"],
          at=short_time(alert.get("acked_at")), said=said))
    if note:
        say(t("centre.alert.note_dropped"))
    return 0
