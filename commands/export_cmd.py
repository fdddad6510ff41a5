"""gridctl export KIND [--format csv|jsonl] [--out FILE] [--reveal] [filters] — the work is
``gridctl.exporter``; records go to the file or stdout, what is said to the user to stderr."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List

import typer

from commands.errors import handled
from commands.import_cmd import ProgressBar, bulk_api
from commands.output import say
from gridctl.i18n import t


class Kind(str, Enum):
    cases = "cases"
    visits = "visits"
    households = "households"
    persons = "persons"
    divisions = "divisions"
    grids = "grids"


class Format(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


def register(app: typer.Typer) -> None:
    @app.command("export", help=t("importer.cli.export_help"))
    @handled
    def export(
        kind: Kind = typer.Argument(..., help=t("importer.cli.kind", choices=", ".join(k.value for k in Kind))),
        fmt: Format = typer.Option(Format.csv, "--format", help=t("importer.cli.format") + "; " + t("bulk.cli.lang_note")),
        out: str = typer.Option(None, "--out", help=t("importer.cli.out")),
        reveal: bool = typer.Option(False, "--reveal", help=t("importer.cli.reveal")),
        mine: bool = typer.Option(False, "--mine", help=t("importer.cli.mine")),
        status: List[str] = typer.Option(None, "--status", help=t("importer.cli.status")),
        level: str = typer.Option(None, "--level", help=t("importer.cli.level")),
        grid: str = typer.Option(None, "--grid", help=t("importer.cli.grid")),
        overdue: bool = typer.Option(False, "--overdue", help=t("importer.cli.overdue")),
        household: str = typer.Option(None, "--household", help=t("importer.cli.household")),
        since: str = typer.Option(None, "--since", help=t("importer.cli.since")),
        search: str = typer.Option(None, "--search", help=t("importer.cli.search")),
        tag: str = typer.Option(None, "--tag", help=t("importer.cli.tag")),
    ) -> int:
        from gridctl.exporter import run_export
        from gridctl.i18n import get_lang

        api = bulk_api()
        to_file = out not in (None, "-")
        try:
            # A bar on stdout's terminal would mix with the records; only draw it when writing a file.
            with ProgressBar(to_file and sys.stderr.isatty()) as bar:
                report = run_export(api, kind.value, fmt=fmt.value, out=out, reveal=reveal, progress=bar, lang=get_lang(),
                                    mine=mine, statuses=tuple(status or ()), level=level, grid=grid,
                                    overdue=overdue, household=household, since=since, search=search, tag=tag)
        except BrokenPipeError:
            # ``gridctl export persons | head``: the reader had enough, which is not an error.
            sys.stderr.close()
            return 0
        finally:
            api.close()
        if to_file:
            say(t("importer.export.done", kind=report.kind, rows=report.rows, out=report.out,
                  seconds=f"{report.seconds:.1f}"))
            if not report.revealed and kind in (Kind.persons, Kind.cases):
                say(t("importer.export.done_masked"))
        return 0
