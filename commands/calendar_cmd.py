"""gridctl calendar add | show: the working-day calendar the server counts due dates with (DESIGN §15).

Both read chinesecalendar (plus ``--holidays-file``, the file an admin publishes for years the
package does not know) only when they run; ``--help`` imports nothing of it.
"""

from __future__ import annotations

import sys

import typer

from commands.errors import handled
from commands.output import Output, render, say
from commands.params import OUTPUT
from gridctl.i18n import t

HOLIDAYS_FILE = typer.Option(None, "--holidays-file", metavar="FILE", help=t("calendar.opt.holidays_file"))
MARKS = {"holiday": "calendar.mark.holiday", "makeup": "calendar.mark.makeup"}
DAY_COLUMNS = [("date", "calendar.col.date", None), ("kind", "calendar.col.kind", None)]


def register(app: typer.Typer) -> None:
    cal = typer.Typer(help=t("calendar.help"), no_args_is_help=True)
    app.add_typer(cal, name="calendar")

    @cal.command("add", help=t("calendar.add.help"))
    @handled
    def add(start: str = typer.Argument(..., metavar="DATETIME", help=t("calendar.arg.datetime")),
            days: str = typer.Argument(..., metavar="DAYS", help=t("calendar.arg.days")),
            holidays_file: str = HOLIDAYS_FILE, output: Output = OUTPUT) -> None:
        _run_add(start, days, holidays_file, output)

    @cal.command("show", help=t("calendar.show.help"))
    @handled
    def show(month: str = typer.Argument(..., metavar="YYYY-MM", help=t("calendar.arg.month")),
             holidays_file: str = HOLIDAYS_FILE, output: Output = OUTPUT) -> None:
        _run_show(month, holidays_file, output)


def _run_add(start: str, days: str, holidays_file: str | None, output: Output) -> None:
    from gridctl import calendar_ops

    result = calendar_ops.add(start, days, holidays_file=holidays_file)
    if output is not Output.table:
        render(result, output, [(k, "", None) for k in result])
        return
    print(result["end"])
    if result["counting_from"] != result["start"]:
        say(t("calendar.add.from", start=result["counting_from"]))
    for year in result["unofficial_years"]:
        say(t("calendar.unofficial", year=year))


def _run_show(month_text: str, holidays_file: str | None, output: Output) -> None:
    from gridctl import calendar_ops

    month = calendar_ops.month(month_text, holidays_file=holidays_file)
    if output is Output.json:
        render(month, output)
    elif output is not Output.table:
        render([{**d, "month": month["month"]} for d in month["days"]], output,
               [(k, "", None) for k in ("date", "weekday", "kind", "working")])
    elif not sys.stdout.isatty():
        render(month["days"], output, DAY_COLUMNS)  # piped: date<TAB>kind, one line per day
    else:
        print("\n".join(grid_lines(month)))
    if not month["official"]:
        say(t("calendar.unofficial", year=month["month"][:4]))


def grid_lines(month: dict) -> list[str]:
    """The month as a week grid, Monday first; holidays and make-up days marked after the day.

    Every cell is four columns wide: the day in two and its mark in two (one CJK character, or
    one letter and a space), so the grid lines up in either language."""
    year, mon = month["month"].split("-")
    title = t("calendar.title", year=int(year), month=int(mon)) + ("" if month["official"] else " *")
    heads = [t(f"calendar.weekday.{i}") for i in range(1, 8)]
    lines = [title, " ".join(_pad(h, 4) for h in heads).rstrip()]
    row = ["    "] * (month["days"][0]["weekday"] - 1)
    for day in month["days"]:
        mark = t(MARKS[day["kind"]]) if day["kind"] in MARKS else ""
        row.append(f"{int(day['date'][8:]):>2}" + _pad(mark, 2))
        if day["weekday"] == 7:
            lines.append(" ".join(row).rstrip())
            row = []
    if row:
        lines.append(" ".join(row).rstrip())
    lines.append(t("calendar.legend"))
    return lines


def _pad(text: str, width: int) -> str:
    """Pad on the right to a display width, counting a CJK character as two columns."""
    shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(0, width - shown)
