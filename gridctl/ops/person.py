"""People in the register: look one up, add one to a household, change one."""

from __future__ import annotations

from typing import Any

from gridctl.errors import UsageError
from gridctl.ids import uuid7
from gridctl.ops.client import Client, WriteResult
from gridctl.ops.refs import refresh, resolve
from gridctl.ops.search import find_person
from gridctl.ops.writes import validate, write

PERSON_FIELDS = ("name", "id_number", "sex", "birth_date", "phone", "relation_to_head", "residence", "tags",
                 "key_person_type", "care_level")


def show_person(client: Client, ref: str) -> dict:
    """A person by id, unique id prefix or full ID number, with their household's number."""
    if not client.offline:
        refresh(client)
    return find_person(client, ref)


def add_person(client: Client, household_ref: str, **fields: Any) -> WriteResult:
    household = resolve(client, "household", household_ref, extra_column="household_no")
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    payload = validate("PersonUpsert", {"id": uuid7(), "household_id": household["id"],
                                        **{k: v for k, v in fields.items() if v is not None}})
    record = {**payload, "grid_code": household["grid_code"], "version": 1}
    return write(client, "person", record, "person.upsert", payload)


def update_person(client: Client, person_ref: str, **fields: Any) -> WriteResult:
    person = show_person(client, person_ref)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    merged = {k: person.get(k) for k in PERSON_FIELDS if person.get(k) is not None}
    merged.update({k: v for k, v in fields.items() if v is not None})
    masked_id = merged.get("id_number") if "*" in (merged.get("id_number") or "") else None
    if masked_id:
        merged.pop("id_number")  # the server keeps the number it has
    payload = validate("PersonUpsert", {"id": person["id"], "household_id": person["household_id"], **merged})
    if masked_id:
        payload["id_number"] = masked_id
    record = {**person, **payload}
    return write(client, "person", record, "person.upsert", payload, base_version=person.get("version"))
