"""gridctl import KIND FILE — bulk load registers (DESIGN §7b); the work is ``gridctl.importer``.

This module draws: a Rich progress bar (rows, rows/s, ETA) on stderr when it is a terminal and
nothing when piped, each rejected row as ``row N, column C: message``, then the summary.
"""

from __future__ import annotations

import json
import sys
from enum import Enum

import typer

from commands.errors import handled
from commands.output import Output, say
from commands.state import state
from gridctl.i18n import t

# An import batch of 5,000 rows is one server transaction: give it far longer than a list call.
BULK_TIMEOUT = 300.0


class Kind(str, Enum):
    divisions = "divisions"
    grids = "grids"
    users = "users"
    households = "households"
    persons = "persons"
    units = "units"


class Format(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


def bulk_api():
    """An API client of the current profile with a timeout fit for bulk requests."""
    from gridctl import credentials
    from gridctl.api import ApiClient
    from gridctl.config import load_config
    from gridctl.errors import NotLoggedIn, Unreachable
    from gridctl.i18n import get_lang

    if state.offline:
        raise Unreachable("core.error.offline")
    profile = load_config().resolve_profile(state.profile)
    token = credentials.load_token(profile.name)
    if not token:
        raise NotLoggedIn()
    return ApiClient(profile.server, token, timeout=BULK_TIMEOUT, lang=get_lang())


class ProgressBar:
    """The core's ``progress(done, total, key)`` callback drawn as a Rich bar on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __call__(self, done: int, total: int | None, key: str) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            import os

            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            console = Console(file=sys.stderr, no_color=bool(os.environ.get("NO_COLOR")))
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[rate]}"), TaskProgressColumn(),
                                      TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(t(key), total=total, rate="")
        task = self._progress.tasks[0]
        speed = task.speed
        rate = t("importer.progress.rate", n=int(speed)) if speed else ""
        self._progress.update(self._task, completed=done, total=total, rate=rate)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()


def register(app: typer.Typer) -> None:
    @app.command("import", help=t("importer.cli.import_help"))
    @handled
    def import_(
        kind: Kind = typer.Argument(..., help=t("importer.cli.kind", choices=", ".join(k.value for k in Kind))),
        file: str = typer.Argument(..., help=t("importer.cli.file")),
        fmt: Format = typer.Option(None, "--format", help=t("importer.cli.format")),
        encoding: str = typer.Option(None, "--encoding", help=t("importer.cli.encoding")),
        sheet: str = typer.Option(None, "--sheet", help=t("bulk.cli.sheet")),
        dry_run: bool = typer.Option(False, "--dry-run", help=t("importer.cli.dry_run")),
        errors: str = typer.Option(None, "--errors", help=t("importer.cli.errors")),
        passwords: str = typer.Option(None, "--passwords", help=t("importer.cli.passwords")),
        output: Output = typer.Option(Output.table, "-o", "--output", help=t("importer.cli.output")),
    ) -> int:
        from gridctl.importer import run_import

        api = bulk_api()
        try:
            with ProgressBar(sys.stderr.isatty()) as bar:
                report = run_import(api, kind.value, file, fmt=fmt.value if fmt else None, encoding=encoding,
                                    sheet=sheet, dry_run=dry_run, errors_path=errors, passwords_path=passwords, progress=bar)
        except KeyboardInterrupt:
            say(t("importer.interrupted"))
            return 130
        finally:
            api.close()
        return show_report(report, output)


def show_report(report, output: Output) -> int:
    for err in report.errors:
        say(err.text())
    if report.more_errors:
        say(t("importer.more_errors", count=report.more_errors))
    if report.errors_file:
        say(t("importer.errors_written", path=report.errors_file))
    if report.passwords_file:
        say(t("importer.passwords_written", path=report.passwords_file))
    summary = report.summary()
    if output is Output.table:
        key = "importer.done_dry" if report.dry_run else "importer.done"
        print(t(key, kind=report.kind, rows=report.rows, seconds=f"{report.seconds:.1f}", **summary))
    elif output is Output.csv:
        print(",".join(summary))
        print(",".join(str(v) for v in summary.values()))
    else:
        print(json.dumps(summary, ensure_ascii=False, indent=2 if output is Output.json else None))
    if report.rejected:
        say(t("importer.fix_hint"))
        return 3
    return 0
