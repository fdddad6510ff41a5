"""gridctl person list | show | add | update"""

from __future__ import annotations

from typing import List

import typer

from commands.codes_arg import code_arg
from commands.columns import PERSON_FIELDS, PERSON_SEARCH_LIST
from commands.errors import handled
from commands.output import Output, cache_note, render, render_fields, say, write_result
from commands.params import OUTPUT
from commands.stdin_ids import STDIN, read_id_numbers
from commands.state import open_client
from gridctl.i18n import joined, t

def _fields(name, id_number, sex, birth_date, phone, relation, residence, tag, care_level) -> dict:
    """Command-line values (codes or Chinese labels) → person fields with codes."""
    code = code_arg
    return {
        "name": name, "id_number": id_number, "sex": code("sex", sex, "--sex"), "birth_date": birth_date,
        "phone": phone, "relation_to_head": code("relation", relation, "--relation"),
        "residence": code("residence", residence, "--residence"),
        "tags": [code("tag", x, "--tag") for x in tag] if tag else None,
        "care_level": code("care_level", care_level, "--care-level"),
    }


def _list(grid, household, search, tag, all_, limit, output: Output) -> None:
    from gridctl import ops

    listing = ops.list_persons(open_client(), grid=grid, household=household, search=search,
                               tag=code_arg("tag", tag, "--tag"), include_inactive=all_, limit=limit)
    cache_note(listing)
    from commands.register_cmd import PERSON_STATUS_COLUMN

    # With --all, who moved out or died is shown as such (DESIGN 17).
    columns = PERSON_SEARCH_LIST + [PERSON_STATUS_COLUMN] if all_ else PERSON_SEARCH_LIST
    render(listing.items, output, columns, empty_key="cliux.person.none")
    if listing.extra.get("id_numbers_masked"):
        say(t("cliux.person.id_offline"))


def _risk(value: int | None, tags: list | None) -> int | None:
    """--risk-level: 0-5, and only for a person tagged severe_mental (checked again by the core)."""
    if value is None:
        return None
    from gridctl.errors import InvalidInput

    if not 0 <= value <= 5:
        raise InvalidInput("register.risk_level_range", field="risk_level", value=value)
    if tags is not None and "severe_mental" not in tags:
        raise InvalidInput("register.risk_without_tag", field="risk_level")
    return value


def _refuse_dropping_tags(person: dict, tags: list[str]) -> None:
    """``person update --tag`` sets the whole list. Given to add one (the way ``person add`` reads
    it), it silently took away the others: a severe mental disorder with its risk level and its
    14-day visits (probe13). Refuse a list that leaves one out, and say how to add or remove one."""
    dropped = [t for t in person.get("tags") or [] if t not in tags]
    if not dropped:
        return
    from gridctl.errors import InvalidInput
    from gridctl.i18n import get_lang
    from schemas.codes import label

    raise InvalidInput("probe13.tag_would_drop", tags=joined(label("tag", t, get_lang()) for t in dropped),
                       id=person["id"][:18], add=tags[0] if tags else dropped[0], remove=dropped[0])


def register(app: typer.Typer) -> None:
    from commands.register_cmd import register_person

    person = typer.Typer(help=t("cli.person.help"), no_args_is_help=True)
    app.add_typer(person, name="person")
    register_person(person)  # move-out, decease, move, tag, history (DESIGN 17)

    @person.command("list", help=t("cliux.person.list.help"))
    @handled
    def list_(grid: str = typer.Option(None, "--grid", help=t("cli.opt.grid_filter")),
              household: str = typer.Option(None, "--household", help=t("cli.opt.household")),
              search: str = typer.Option(None, "--search", help=t("cliux.opt.person_search")),
              tag: str = typer.Option(None, "--tag", help=t("cliux.opt.person_tag")),
              all_: bool = typer.Option(False, "--all", help=t("cliux.opt.person_all")),
              limit: int = typer.Option(None, "--limit", min=1, help=t("cli.opt.limit")),
              output: Output = OUTPUT) -> None:
        _list(grid, household, search, tag, all_, limit, output)

    @person.command("show", help=t("cli.person.show.help"))
    @handled
    def show(ref: str = typer.Argument(..., metavar="ID", help=t("cliux.arg.person")), output: Output = OUTPUT) -> None:
        from gridctl import ops

        from commands.register_cmd import PERSON_LIFE_FIELDS

        render_fields(ops.show_person(open_client(), ref), PERSON_FIELDS + PERSON_LIFE_FIELDS, output)

    @person.command("add", help=t("cli.person.add.help"))
    @handled
    def add(household: str = typer.Argument(..., metavar="HOUSEHOLD", help=t("cli.arg.household")),
            name: str = typer.Option(..., "--name", help=t("cli.opt.name")),
            id_number: str = typer.Option(None, "--id-number", help=t("secure.opt.id_number")),
            sex: str = typer.Option(None, "--sex", help=t("cli.opt.sex")),
            birth_date: str = typer.Option(None, "--birth-date", help=t("cli.opt.birth_date")),
            phone: str = typer.Option(None, "--phone", help=t("cli.opt.phone")),
            relation: str = typer.Option(None, "--relation", help=t("cli.opt.relation")),
            residence: str = typer.Option(None, "--residence", help=t("cli.opt.residence")),
            tag: List[str] = typer.Option([], "--tag", help=t("cli.opt.tag")),
            care_level: str = typer.Option(None, "--care-level", help=t("cli.opt.care_level")),
            risk_level: int = typer.Option(None, "--risk-level", help=t("register.opt.risk_level")),
            previous: str = typer.Option(None, "--previous-head-becomes", help=t("register.opt.previous_head")),
            output: Output = OUTPUT) -> int:
        from gridctl import ops

        if id_number == STDIN:
            [id_number] = read_id_numbers(["--id-number"])
        fields = _fields(name, id_number, sex, birth_date, phone, relation, residence, tag, care_level)
        fields["risk_level"] = _risk(risk_level, fields.get("tags"))
        result = ops.add_person(open_client(), household, **{k: v for k, v in fields.items() if v is not None},
                                previous_head_relation=code_arg("relation", previous, "--previous-head-becomes"))
        return write_result(result, output, "cli.person.saved")

    @person.command("update", help=t("cli.person.update.help"))
    @handled
    def update(ref: str = typer.Argument(..., metavar="ID", help=t("cli.arg.person")),
               name: str = typer.Option(None, "--name", help=t("cli.opt.name")),
               id_number: str = typer.Option(None, "--id-number", help=t("secure.opt.id_number")),
               sex: str = typer.Option(None, "--sex", help=t("cli.opt.sex")),
               birth_date: str = typer.Option(None, "--birth-date", help=t("cli.opt.birth_date")),
               phone: str = typer.Option(None, "--phone", help=t("cli.opt.phone")),
               relation: str = typer.Option(None, "--relation", help=t("cli.opt.relation")),
               residence: str = typer.Option(None, "--residence", help=t("cli.opt.residence")),
               tag: List[str] = typer.Option([], "--tag", help=t("probe13.opt.update_tag")),
               care_level: str = typer.Option(None, "--care-level", help=t("cli.opt.care_level")),
               risk_level: int = typer.Option(None, "--risk-level", help=t("register.opt.risk_level")),
               previous: str = typer.Option(None, "--previous-head-becomes", help=t("register.opt.previous_head")),
               output: Output = OUTPUT) -> int:
        from gridctl import ops

        if id_number == STDIN:
            [id_number] = read_id_numbers(["--id-number"])
        fields = _fields(name, id_number, sex, birth_date, phone, relation, residence, tag, care_level)
        fields["risk_level"] = _risk(risk_level, None)
        client = open_client()
        if fields.get("tags") is not None:
            _refuse_dropping_tags(ops.show_person(client, ref), fields["tags"])
        result = ops.update_person(client, ref, **{k: v for k, v in fields.items() if v is not None},
                                   previous_head_relation=code_arg("relation", previous, "--previous-head-becomes"))
        return write_result(result, output, "cli.person.saved")
