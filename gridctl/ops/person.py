"""People in the register: look one up, add one to a household, change one."""

from __future__ import annotations

from typing import Any

from gridctl.errors import UsageError
from gridctl.ids import uuid7
from gridctl.ops.client import Client, WriteResult
from gridctl.ops.refs import mark_sync, refresh, resolve
from gridctl.ops.search import find_person
from gridctl.ops.writes import refuse_unit_register, validate, write

PERSON_FIELDS = ("name", "id_number", "sex", "birth_date", "phone", "relation_to_head", "residence", "tags",
                 "key_person_type", "care_level")
# DESIGN 17: a person's life in the register rides on the same person.upsert (ops/person_life.py).
PERSON_FIELDS += ("status", "moved_to", "status_date", "risk_level", "household_id")


def show_person(client: Client, ref: str) -> dict:
    """A person by id, unique id prefix or full ID number, with their household's number."""
    if not client.offline:
        refresh(client)
    return mark_sync(client, [find_person(client, ref)])[0]


def add_person(client: Client, household_ref: str, *, previous_head_relation: str | None = None,
               **fields: Any) -> WriteResult:
    """``previous_head_relation``: what the household's head becomes when this person is its new head."""
    refuse_unit_register(client)
    household = resolve(client, "household", household_ref, extra_column="household_no")
    _guard_head(client, household["id"], None, fields, previous_head_relation)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    _refuse_masked(fields)
    _check_risk(fields.get("risk_level"), fields.get("tags") or [])
    payload = validate("PersonUpsert", {"id": uuid7(), "household_id": household["id"],
                                        **{k: v for k, v in fields.items() if v is not None}})
    record = {**payload, "grid_code": household["grid_code"], "version": 1}
    return write(client, "person", record, "person.upsert", payload)


def _refuse_masked(fields: dict) -> None:
    from gridctl.errors import InvalidInput

    for name in ("id_number", "phone"):
        value = fields.get(name)
        if isinstance(value, str) and "*" in value:
            flag = "--id-number" if name == "id_number" else "--phone"
            raise InvalidInput("outbox.masked", field=name, name=flag, value=value)


def _check_risk(risk_level: int | None, tags: list) -> None:
    """DESIGN 17: a risk level (0-5) belongs to a severe mental disorder. Given without that tag
    it would be dropped by the schema without a word; refuse it instead, naming --risk-level."""
    from gridctl.errors import InvalidInput

    if risk_level is None:
        return
    if not 0 <= risk_level <= 5:
        raise InvalidInput("register.risk_level_range", field="risk_level", value=risk_level)
    if "severe_mental" not in tags:
        raise InvalidInput("register.risk_without_tag", field="risk_level")


def _guard_head(client: Client, household_id: str, person_id: str | None, fields: dict,
                previous_head_relation: str | None) -> None:
    from gridctl.ops.person_life import head_guard

    head_guard(client, fields.get("household_id") or household_id, person_id, fields.get("relation_to_head"),
               previous_head_relation)


def update_person(client: Client, person_ref: str, *, previous_head_relation: str | None = None,
                  **fields: Any) -> WriteResult:
    """Change the fields given, and only those: the mutation is a patch (DESIGN §12). The masked
    ID number or phone the worker was shown is never sent back; the server keeps what it has.
    ``previous_head_relation``: what the household's head becomes when this person becomes head."""
    refuse_unit_register(client)
    person = show_person(client, person_ref)
    if fields.get("relation_to_head") == "head" and person.get("relation_to_head") != "head" or previous_head_relation:
        _guard_head(client, person["household_id"], person["id"], fields, previous_head_relation)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        # An empty patch would still bump the version and say "saved": say what can be given.
        raise UsageError("probe13.person_nothing_given", field="person")
    _refuse_masked(changes)
    _check_risk(changes.get("risk_level"), changes.get("tags", person.get("tags") or []))
    # Check the whole record as it will be (the masked values left out: the server checks those).
    merged = {k: person.get(k) for k in PERSON_FIELDS if person.get(k) is not None
              and not (k in ("id_number", "phone") and "*" in str(person.get(k)))}
    merged.update(changes)
    checked = validate("PersonUpsert", {"id": person["id"], "household_id": person["household_id"], **merged})
    payload = {"id": person["id"], **{k: checked[k] for k in changes}}
    record = {**person, **{k: checked[k] for k in changes}}
    record.pop("sync", None)
    return write(client, "person", record, "person.upsert", payload, base_version=person.get("version"))
