"""A person's life in the register (DESIGN 17): move out (迁出), death (死亡), a move to another
household (迁入另一户), tags added and removed, and one head per household.

Each is a ``person.upsert`` carrying only what changes (status, moved_to, status_date,
household_id, relation_to_head, tags, risk_level), through ``update_person``, so the outbox, the
patch rules and the sync state are those of every other edit. The server keeps the history and
enforces one head per household whatever a client checks; the checks here answer at once, from
the cache, when the cache knows.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from gridctl.errors import InvalidInput, UsageError
from gridctl.ops.client import Client, WriteResult
from gridctl.ops.refs import refresh, resolve
from schemas.population import SENSITIVE_TAGS

LIFE_FIELDS = ("status", "moved_to", "status_date", "risk_level", "household_id")


def _today(client: Client) -> str:
    from schemas.validators import CST

    return client.now().astimezone(CST).date().isoformat()


def _date(client: Client, value: str | date | None, person: dict | None = None) -> str:
    """The day of a move out or death: today when not given; never in the future, nor before
    the person was born (a death dated 1950 for someone born in 2004 was accepted)."""
    day_text = _today(client) if value is None else _checked_day(client, value)
    born = str((person or {}).get("birth_date") or "")[:10]
    if born and day_text < born:
        raise InvalidInput("register.date_before_birth", field="status_date", value=day_text, born=born,
                           name=(person or {}).get("name") or "")
    return day_text


def _checked_day(client: Client, value: str | date) -> str:
    from schemas.validators import InvalidValue, parse_date

    try:
        day = parse_date(value if isinstance(value, str) else value.isoformat(), "date")
    except InvalidValue as exc:
        from gridctl.ops.writes import invalid

        raise invalid(exc) from None
    if day.isoformat() > _today(client):
        raise InvalidInput("register.date_future", field="status_date", value=day.isoformat())
    return day.isoformat()


def _person(client: Client, ref: str) -> dict:
    from gridctl.ops.person import show_person

    return show_person(client, ref)


def is_active(person: dict) -> bool:
    return (person.get("status") or "active") == "active"


def current_head(client: Client, household_id: str, exclude: str | None = None) -> dict | None:
    """The household's active head as the cache knows it (another than ``exclude``)."""
    for p in client.store.query("SELECT data FROM persons WHERE household_id = ?", [household_id]):
        if p.get("relation_to_head") == "head" and is_active(p) and p["id"] != exclude:
            return p
    return None


def head_guard(client: Client, household_id: str, person_id: str | None, relation: str | None,
               previous_head_relation: str | None) -> None:
    """Before a person becomes head: refuse a second head, or — when the command says what the
    old head becomes — change the old head first (an earlier mutation of the same command)."""
    if relation != "head":
        if previous_head_relation:
            raise UsageError("register.previous_head_without_head", field="previous_head_relation")
        return
    old = current_head(client, household_id, exclude=person_id)
    if old is None:
        return
    if not previous_head_relation:
        raise InvalidInput("register.second_head", field="previous_head_relation", name=old["name"])
    if previous_head_relation == "head":
        raise InvalidInput("register.previous_head_still_head", field="previous_head_relation")
    from gridctl.ops.person import update_person

    result = update_person(client, old["id"], relation_to_head=previous_head_relation)
    if result.sync_state in ("rejected", "conflict"):
        raise InvalidInput("register.previous_head_refused", field="previous_head_relation", name=old["name"],
                           detail=(result.problem or {}).get("detail"))


def _must_be_active(person: dict) -> None:
    if not is_active(person):
        from gridctl.i18n import get_lang
        from schemas.codes import label

        raise InvalidInput("register.not_active", field="status", name=person["name"],
                           status=label("person_status", person.get("status"), get_lang()))


def move_out(client: Client, ref: str, *, to: str, on: str | date | None = None) -> WriteResult:
    """迁出: the person stays in the register as ``moved_out``, with where to and since when."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.ops.person import update_person

    person = _person(client, ref)
    _must_be_active(person)
    if not (to or "").strip():
        raise UsageError("register.moved_to_required", field="moved_to")
    return update_person(client, person["id"], status="moved_out", moved_to=to.strip(),
                         status_date=_date(client, on, person))


def decease(client: Client, ref: str, *, on: str | date | None = None) -> WriteResult:
    """死亡: the person stays in the register as ``deceased``, with the date."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.ops.person import update_person

    person = _person(client, ref)
    _must_be_active(person)
    return update_person(client, person["id"], status="deceased", status_date=_date(client, on, person))


def restore(client: Client, ref: str) -> WriteResult:
    """恢复在册: back in the register — a move out or death recorded by mistake (there was no
    way to undo one), or a person who moved back. The server clears where to and since when;
    the history keeps both changes."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.ops.person import update_person

    person = _person(client, ref)
    if is_active(person):
        raise UsageError("register.already_active", field="person", name=person["name"])
    if person.get("relation_to_head") == "head":
        other = current_head(client, person["household_id"], exclude=person["id"])
        if other is not None:
            raise InvalidInput("register.restore_second_head", field="relation_to_head", name=person["name"],
                               head=other["name"])
    return update_person(client, person["id"], status="active")


def move(client: Client, ref: str, *, household: str, relation: str | None = None,
         previous_head_relation: str | None = None) -> WriteResult:
    """迁入另一户: the person joins another household (of my grids), keeping the record and history.
    A head who moves is no longer head of the old household; they come in as ``relation`` (their
    old relation when not given, unless that would make a second head)."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.ops.person import update_person

    person = _person(client, ref)
    _must_be_active(person)
    target = resolve(client, "household", household, extra_column="household_no")
    if target["id"] == person["household_id"]:
        raise InvalidInput("register.same_household", field="household_id", no=target.get("household_no"))
    new_relation = relation or person.get("relation_to_head")
    head_guard(client, target["id"], person["id"], new_relation, previous_head_relation)
    changes = {"household_id": target["id"]}
    if new_relation and new_relation != person.get("relation_to_head"):
        changes["relation_to_head"] = new_relation
    return update_person(client, person["id"], **changes)


def tag(client: Client, ref: str, *, add: Iterable[str] = (), remove: Iterable[str] = (),
        risk_level: int | None = None) -> WriteResult:
    """Add and remove tags in one change; ``risk_level`` (0-5) goes with ``severe_mental``."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.ops.person import update_person

    add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
    clash = set(add) & set(remove)
    if clash:
        raise UsageError("register.tag_add_and_remove", field="tags", tag=sorted(clash)[0])
    person = _person(client, ref)
    current = list(person.get("tags") or [])
    missing = [t for t in remove if t not in current]
    if missing:
        raise InvalidInput("register.tag_not_present", field="tags", tag=missing[0], name=person["name"])
    tags = [t for t in current if t not in remove] + [t for t in add if t not in current]
    if risk_level is not None:
        if not 0 <= risk_level <= 5:
            raise InvalidInput("register.risk_level_range", field="risk_level", value=risk_level)
        if "severe_mental" not in tags:
            raise InvalidInput("register.risk_without_tag", field="risk_level")
    changes: dict = {}
    if tags != current:
        changes["tags"] = tags
    if risk_level is not None and risk_level != person.get("risk_level"):
        changes["risk_level"] = risk_level
    if not changes:
        # As `person update` with the tags held: nothing changed (exit 0), nothing queued.
        from gridctl.ops.writes import unchanged

        return unchanged(client, "person", person)
    if "tags" in changes and "severe_mental" in tags and "risk_level" not in changes:
        changes["risk_level"] = person.get("risk_level")  # kept with the tag (None when never set)
    return update_person(client, person["id"], **changes)


def person_history(client: Client, ref: str) -> list[dict]:
    """The person's changes from the server, oldest first (who, when, which fields). A move between
    households also names them by number (``household_no``), as the worker knows them, where
    this laptop has them: the server's history keeps the households' ids."""
    if not client.offline:
        refresh(client)
    person = resolve(client, "person", ref)
    entries = client.api.get("persons", f"{person['id']}/history")
    ids = {i for e in entries for i in (e.get("changes") or {}).get("household_id") or () if i}
    if ids:
        marks = ", ".join("?" * len(ids))
        numbers = {h["id"]: h.get("household_no")
                   for h in client.store.query(f"SELECT data FROM households WHERE id IN ({marks})", list(ids))}
        for entry in entries:
            pair = (entry.get("changes") or {}).get("household_id")
            if pair and len(pair) == 2 and any(numbers.get(i) for i in pair):
                entry["changes"]["household_no"] = [numbers.get(pair[0]), numbers.get(pair[1])]
    return entries


def active_only(people: list[dict], include_all: bool) -> list[dict]:
    return people if include_all else [p for p in people if is_active(p)]


__all__ = ["LIFE_FIELDS", "SENSITIVE_TAGS", "active_only", "current_head", "decease", "head_guard", "is_active",
           "move", "move_out", "person_history", "tag"]
