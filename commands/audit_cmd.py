"""gridctl audit list [--user U] [--since DATE] — the server's audit trail (admins, DESIGN §14)."""

from __future__ import annotations

import typer

from commands.errors import handled
from commands.output import Output, render, short_time
from commands.state import open_client
from gridctl.i18n import t

AUDIT_LIST = [
    ("at", "secure.col.at", lambda r: short_time(r.get("at"))),
    ("username", "secure.col.username", None),
    ("action", "secure.col.action", None),
    ("record_ids", "secure.col.records", lambda r: ", ".join((r.get("record_ids") or [])[:3])
     + (f" (+{len(r['record_ids']) - 3})" if len(r.get("record_ids") or []) > 3 else "")),
    ("client", "secure.col.client", None),
]


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help=t("secure.audit.help"), no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command("list", help=t("secure.audit.list.help"))
    @handled
    def list_(user: str = typer.Option(None, "--user", help=t("secure.opt.user")),
              since: str = typer.Option(None, "--since", help=t("secure.opt.since")),
              limit: int = typer.Option(200, "--limit", help=t("secure.opt.limit")),
              output: Output = typer.Option(Output.table, "-o", "--output", help=t("cli.opt.output"))) -> None:
        from gridctl.audit import list_audit

        render(list_audit(open_client(), user=user, since=since, limit=limit), output, AUDIT_LIST)
