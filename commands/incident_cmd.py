"""gridctl incident report"""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from commands.codes_arg import code_arg
from commands.errors import handled
from commands.output import Output, write_result
from commands.params import OUTPUT
from commands.state import open_client
from commands.stdin_ids import fill_party, party_slots, read_id_numbers
from gridctl.i18n import t


def register(app: typer.Typer) -> None:
    incident = typer.Typer(help=t("cli.incident.help"), no_args_is_help=True)
    app.add_typer(incident, name="incident")

    @incident.command("report", help=t("cli.incident.report.help"))
    @handled
    def report(
        category: str = typer.Option(..., "--category", help=t("cli.opt.category")),
        title: str = typer.Option(..., "--title", help=t("cli.opt.title")),
        description: str = typer.Option(None, "--description", help=t("cli.opt.description")),
        subcategory: str = typer.Option(None, "--subcategory", help=t("cli.opt.subcategory")),
        grid: str = typer.Option(None, "--grid", help=t("cli.opt.grid")),
        address: str = typer.Option(None, "--address", help=t("cli.opt.address")),
        lat: float = typer.Option(None, "--lat", help=t("cli.opt.lat")),
        lon: float = typer.Option(None, "--lon", help=t("cli.opt.lon")),
        urgent: bool = typer.Option(False, "--urgent", help=t("cli.opt.urgent")),
        scale: str = typer.Option("individual", "--scale", help=t("cli.opt.scale")),
        occurred_at: str = typer.Option(None, "--occurred-at", help=t("cli.opt.occurred_at")),
        household: str = typer.Option(None, "--household", help=t("cli.opt.household")),
        party: List[str] = typer.Option([], "--party", help=t("secure.opt.party")),
        photo: List[Path] = typer.Option([], "--photo", help=t("cli.opt.photo")),
        output: Output = OUTPUT,
    ) -> int:
        from gridctl import ops

        slots = party_slots(party)
        if slots:
            numbers = read_id_numbers([f"--party {party[i].split(',')[0]}" for i in slots])
            party = [fill_party(p, numbers[slots.index(i)]) if i in slots else p for i, p in enumerate(party)]
        client = open_client()
        category = code_arg("category", category, "--category")
        scale = code_arg("scale", scale, "--scale")
        result = ops.report_incident(
            client, category=category, title=title, description=description, subcategory=subcategory, grid=grid,
            address=address, lat=lat, lon=lon, urgent=urgent, scale=scale, occurred_at=occurred_at,
            household=household, parties=party, photos=photo)
        return write_result(result, output, "cli.incident.saved")
