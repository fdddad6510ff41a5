"""gridctl index [--division CODE] [--by LEVEL] [--period P] [--at DATE]: the governance index
(社会治理指数) ranking of DESIGN §16, computed by the server; ``-o json`` gives its whole answer."""

from __future__ import annotations

from enum import Enum

import typer

from commands.errors import handled
from commands.output import Output, render, say
from commands.params import OUTPUT
from gridctl.i18n import t

COMPONENTS = ("on_time", "accepted_on_time", "satisfaction", "base_resolution", "visit_coverage", "discovery")


class By(str, Enum):
    grid = "grid"
    village = "village"
    town = "town"
    worker = "worker"


class Period(str, Enum):
    week = "week"
    month = "month"
    quarter = "quarter"


def register(app: typer.Typer) -> None:
    @app.command("index", help=t("governance.index.help"))
    @handled
    def index(division: str = typer.Option(None, "--division", metavar="CODE", help=t("governance.opt.division")),
              by: By = typer.Option(By.grid, "--by", help=t("governance.opt.by")),
              period: Period = typer.Option(Period.month, "--period", help=t("governance.opt.period")),
              at: str = typer.Option(None, "--at", metavar="DATE", help=t("governance.opt.at")),
              output: Output = OUTPUT) -> None:
        from commands.state import open_client
        from gridctl.ops.governance import governance_index

        client = open_client()
        try:
            body = governance_index(client, division=division, level=by.value, period=period.value, at=at)
        finally:
            client.close()
        show(body, output)


def arrow(change: int | None) -> str:
    """▲2 moved up two places since the previous period, ▼1 down one, = the same, · new."""
    if change is None:
        return "·"
    if change > 0:
        return f"▲{change}"
    if change < 0:
        return f"▼{-change}"
    return "="


def flat(row: dict) -> dict:
    """One ranked unit as a flat record (CSV, JSONL, the table)."""
    out = {k: row.get(k) for k in ("rank", "code", "name", "score", "rank_change", "score_change")}
    out.update({c: row["components"].get(c) for c in COMPONENTS})
    out["penalty"] = row.get("penalty")
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def show(body: dict, output: Output) -> None:
    if output is Output.json:
        render(body, output)
        return
    rows = [flat(r) for r in body["items"]]
    columns = [("rank", "governance.col.rank", None),
               ("rank_change", "governance.col.change", lambda r: arrow(r["rank_change"])),
               ("code", "governance.col.code", None), ("name", "governance.col.name", None),
               ("score", "governance.col.score", lambda r: "—" if r["score"] is None else f"{r['score']:.1f}")]
    columns += [(c, f"governance.component.{c}", (lambda key: lambda r: _pct(r[key]))(c)) for c in COMPONENTS]
    columns.append(("penalty", "governance.col.penalty",
                    lambda r: f"-{r['penalty'] * 100:.0f}" if r["penalty"] else ""))
    if output is not Output.table:
        render(rows, output, columns)
        return
    title = t("governance.index.title", name=body["division"]["name"], start=body["start"], end=body["end"],
              level=t(f"governance.level.{body['level']}"))
    render(rows, output, columns, title=title)
    weights = ", ".join(f"{t(f'governance.component.{c}')} {w:g}" for c, w in body["weights"].items() if w)
    say(t("governance.index.weights", weights=weights))
    if not body.get("has_satisfaction"):
        say(t("governance.index.no_satisfaction"))
