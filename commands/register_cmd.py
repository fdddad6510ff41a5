"""The register over time (DESIGN 17): gridctl household add|update, gridctl person
move-out|decease|move|tag|history. Each body is one call into ``gridctl.ops``."""

from __future__ import annotations

from typing import List

import typer

from commands.codes_arg import code_arg
from commands.errors import handled
from commands.output import Output, render, write_result
from commands.state import open_client
from gridctl.i18n import joined, t

OUTPUT = typer.Option(Output.table, "-o", "--output", help=t("cli.opt.output"))
PERSON_ID = typer.Argument(..., metavar="ID", help=t("cli.arg.person"))

def _label(table: str, value) -> str:
    from gridctl.i18n import get_lang
    from schemas.codes import label

    return label(table, value, get_lang()) if value is not None else ""


PERSON_STATUS_COLUMN = ("status", "register.col.status", lambda r: _label("person_status", r.get("status") or "active"))
PERSON_LIFE_FIELDS = [
    PERSON_STATUS_COLUMN,
    ("moved_to", "register.col.moved_to", None),
    ("status_date", "register.col.status_date", None),
    ("risk_level", "register.col.risk_level", None),
    ("followed_since", "register.col.followed_since", None),
]

HISTORY = [
    ("at", "register.col.at", None),
    ("actor", "register.col.actor", None),
    ("kind", "register.col.kind", lambda r: t(f"register.kind.{r.get('kind')}")),
    ("changes", "register.col.changes", lambda r: _changes_text(r.get("changes") or {})),
]


def _changes_text(changes: dict) -> str:
    from schemas.codes import label

    tables = {"tags": "tag", "relation_to_head": "relation", "sex": "sex", "residence": "residence",
              "care_level": "care_level", "status": "person_status"}

    def shown(name: str, value) -> str:
        if value is None or value == []:
            return "—"
        if name in tables:
            values = value if isinstance(value, list) else [value]
            from gridctl.i18n import get_lang

            return joined(label(tables[name], v, get_lang()) for v in values)
        return str(value)

    if "household_no" in changes:  # the households by number, not by id (ops.person_history)
        changes = dict(changes)
        changes["household_id"] = changes.pop("household_no")
    return "; ".join(f"{t('register.field.' + name)}: {shown(name, old)} → {shown(name, new)}"
                     for name, (old, new) in changes.items())


def _run_household_add(grid, household_no, address, lat, lon, output) -> int:
    from gridctl import ops

    result = ops.add_household(open_client(), grid=grid, household_no=household_no, address=address, lat=lat, lon=lon)
    return write_result(result, output, "register.household.saved")


def _run_household_update(ref, address, lat, lon, grid, household_no, output) -> int:
    from gridctl import ops

    result = ops.update_household(open_client(), ref, address=address, lat=lat, lon=lon, grid_code=grid,
                                  household_no=household_no)
    return write_result(result, output, "register.household.saved")


def register_household(household: typer.Typer) -> None:
    @household.command("add", help=t("register.household.add.help"))
    @handled
    def add(grid: str = typer.Option(..., "--grid", help=t("register.opt.grid")),
            household_no: str = typer.Option(..., "--household-no", help=t("register.opt.household_no")),
            address: str = typer.Option(..., "--address", help=t("register.opt.address")),
            lat: float = typer.Option(None, "--lat", help=t("register.opt.lat")),
            lon: float = typer.Option(None, "--lon", help=t("register.opt.lon")),
            output: Output = OUTPUT) -> int:
        return _run_household_add(grid, household_no, address, lat, lon, output)

    @household.command("update", help=t("register.household.update.help"))
    @handled
    def update(ref: str = typer.Argument(..., metavar="ID", help=t("cli.arg.household")),
               address: str = typer.Option(None, "--address", help=t("register.opt.address")),
               lat: float = typer.Option(None, "--lat", help=t("register.opt.lat")),
               lon: float = typer.Option(None, "--lon", help=t("register.opt.lon")),
               grid: str = typer.Option(None, "--grid", help=t("register.opt.new_grid")),
               household_no: str = typer.Option(None, "--household-no", help=t("register.opt.household_no")),
               output: Output = OUTPUT) -> int:
        return _run_household_update(ref, address, lat, lon, grid, household_no, output)


def _run_move_out(ref, to, on, output) -> int:
    from gridctl import ops

    client = open_client()
    result = ops.move_out(client, ref, to=to, on=on)
    code = write_result(result, output, "register.person.moved_out")
    _say_if_headless(client, result)
    return code


def _run_decease(ref, on, output) -> int:
    from gridctl import ops

    client = open_client()
    result = ops.decease(client, ref, on=on)
    code = write_result(result, output, "register.person.deceased")
    _say_if_headless(client, result)
    return code


def _run_restore(ref, output) -> int:
    from gridctl import ops

    return write_result(ops.restore(open_client(), ref), output, "register.person.restored")


def _say_if_headless(client, result) -> None:
    """The head died or moved out: the household has no head now. Say so and how to name one, so
    that it does not go unseen (one head per household, DESIGN 17; probe13)."""
    record = result.record or {}
    if record.get("relation_to_head") == "head" and result.sync_state in ("synced", "pending"):
        from commands.output import say

        household = client.store.get("household", record.get("household_id")) or {}
        say(t("probe13.household_headless", no=household.get("household_no") or record.get("household_id", "")))


def _run_move(ref, household, relation, previous, output) -> int:
    from gridctl import ops

    result = ops.move(open_client(), ref, household=household,
                      relation=code_arg("relation", relation, "--relation"),
                      previous_head_relation=code_arg("relation", previous, "--previous-head-becomes"))
    return write_result(result, output, "register.person.moved")


def _run_tag(ref, add, remove, risk_level, output) -> int:
    from gridctl import ops

    result = ops.tag(open_client(), ref, add=[code_arg("tag", x, "--add") for x in add],
                     remove=[code_arg("tag", x, "--remove") for x in remove], risk_level=risk_level)
    return write_result(result, output, "cli.person.saved")


def _run_history(ref, output) -> None:
    from gridctl import ops

    render(ops.person_history(open_client(), ref), output, HISTORY)


def register_person(person: typer.Typer) -> None:
    @person.command("move-out", help=t("register.person.move_out.help"))
    @handled
    def move_out(ref: str = PERSON_ID, to: str = typer.Option(..., "--to", help=t("register.opt.to")),
                 on: str = typer.Option(None, "--date", help=t("register.opt.date")), output: Output = OUTPUT) -> int:
        return _run_move_out(ref, to, on, output)

    @person.command("decease", help=t("register.person.decease.help"))
    @handled
    def decease(ref: str = PERSON_ID, on: str = typer.Option(None, "--date", help=t("register.opt.date")),
                output: Output = OUTPUT) -> int:
        return _run_decease(ref, on, output)

    @person.command("restore", help=t("register.person.restore.help"))
    @handled
    def restore(ref: str = PERSON_ID, output: Output = OUTPUT) -> int:
        return _run_restore(ref, output)

    @person.command("move", help=t("register.person.move.help"))
    @handled
    def move(ref: str = PERSON_ID,
             household: str = typer.Option(..., "--household", help=t("register.opt.target_household")),
             relation: str = typer.Option(None, "--relation", help=t("cli.opt.relation")),
             previous: str = typer.Option(None, "--previous-head-becomes", help=t("register.opt.previous_head")),
             output: Output = OUTPUT) -> int:
        return _run_move(ref, household, relation, previous, output)

    @person.command("tag", help=t("register.person.tag.help"))
    @handled
    def tag(ref: str = PERSON_ID, add: List[str] = typer.Option([], "--add", help=t("register.opt.add")),
            remove: List[str] = typer.Option([], "--remove", help=t("register.opt.remove")),
            risk_level: int = typer.Option(None, "--risk-level", help=t("register.opt.risk_level")),
            output: Output = OUTPUT) -> int:
        return _run_tag(ref, add, remove, risk_level, output)

    @person.command("history", help=t("register.person.history.help"))
    @handled
    def history(ref: str = PERSON_ID, output: Output = OUTPUT) -> None:
        _run_history(ref, output)
