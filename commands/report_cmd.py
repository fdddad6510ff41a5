"""gridctl report weekly|monthly [--division CODE] [--at DATE] --out FILE: the periodic report of
DESIGN §16 as FILE.xlsx (Excel, native charts) or FILE.html (one file, inline SVG, A4). The data
comes from the server (/stats/report); the layout is gridctl/report_*.py."""

from __future__ import annotations

from enum import Enum

import typer

from commands.errors import handled
from commands.output import say
from gridctl.i18n import t


class Kind(str, Enum):
    weekly = "weekly"
    monthly = "monthly"


def register(app: typer.Typer) -> None:
    @app.command("report", help=t("report.help"))
    @handled
    def report(kind: Kind = typer.Argument(..., help=t("report.arg.kind")),
               division: str = typer.Option(None, "--division", metavar="CODE", help=t("report.opt.division")),
               at: str = typer.Option(None, "--at", metavar="DATE", help=t("report.opt.at")),
               out: str = typer.Option(..., "--out", metavar="FILE", help=t("report.opt.out"))) -> None:
        from commands.state import open_client
        from gridctl.i18n import get_lang
        from gridctl.ops.governance import write_report

        client = open_client()
        try:
            data = write_report(client, kind.value, out, division=division, at=at, lang=get_lang())
        finally:
            client.close()
        from gridctl.report_model import title

        say(t("report.written", path=out, title=title(data, get_lang())))
