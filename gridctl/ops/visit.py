"""Visits: the log of past visits, who is due a visit, and logging one."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable

from gridctl.errors import InvalidInput
from gridctl.ids import uuid7
from gridctl.ops.client import Client, Listing, WriteResult
from gridctl.ops.refs import listing, refresh, resolve
from gridctl.ops.search import with_household_no
from gridctl.ops.writes import invalid, refuse_unit_register, store_photos, validate, write
from schemas import population
from schemas.validators import CLOCK_SKEW, CST, InvalidValue, format_time, parse_date, parse_time

# The server's defaults (DESIGN 3 and 17); severe mental disorder goes by risk level.
VISIT_FREQUENCY_DAYS = dict(population.DEFAULT_VISIT_FREQUENCY_DAYS)
TAG_PRIORITY = ("elderly_alone", "severe_mental", "key_person", "community_correction", "released_prisoner",
                "drug_user", "key_petitioner", "key_youth", "left_behind_elderly", "left_behind_child",
                "left_behind_woman", "extreme_poverty", "veteran", "disabled", "low_income")


def list_visits(client: Client, *, household: str | None = None, mine: bool = False,
                since: str | date | None = None, limit: int | None = None) -> Listing:
    source, stale = refresh(client)
    where, params = [], []
    if household:
        where.append("household_id = ?")
        params.append(resolve(client, "household", household, extra_column="household_no")["id"])
    if mine:
        where.append("worker = ?")
        params.append(client.user["username"])
    if since:
        try:
            where.append("visited_at >= ?")
            params.append(format_time(parse_time(since if isinstance(since, str) else since.isoformat(), "since")))
        except ValueError as exc:
            raise invalid(exc) from None
    sql = "SELECT data FROM visits" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY visited_at DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return listing(client, with_household_no(client, client.store.query(sql, params)), source, stale)


def visits_due(client: Client, *, within: int = 0) -> Listing:
    """Who is due a visit by today + ``within`` days (DESIGN 3): tagged people by their tags'
    frequency, elderly living alone first; then every household by the yearly visit of any
    household (``kind`` says which: ``person`` or ``household``)."""
    source, stale = refresh(client)
    today = client.now().astimezone(CST).date()
    horizon = today + timedelta(days=within)
    by_home = _visits_by_household(client)
    households = {hid: {"household_no": no, "grid_code": grid, "address": address}
                  for hid, no, grid, address in client.store.db.execute(
                      "SELECT id, household_no, grid_code, json_extract(data, '$.address') FROM households")}
    items = _people_due(client, by_home, households, today, horizon) + \
        _households_due(client, by_home, households, today, horizon)
    return listing(client, items, source, stale)


def _due_item(kind: str, last: date | None, due: date, every: int, today: date, household_id: str,
              household: dict, **fields) -> dict:
    return {"kind": kind, **fields, "household_id": household_id, "household_no": household.get("household_no"),
            "address": household.get("address"), "every_days": every,
            "last_visit": last.isoformat() if last else None, "due": due.isoformat(),
            "days_overdue": max(0, (today - due).days)}


def _people_due(client: Client, by_home: dict, households: dict, today: date, horizon: date) -> list[dict]:
    items = []
    for person in client.store.query("SELECT data FROM persons WHERE tags IS NOT NULL AND tags != '[]'"):
        if (person.get("status") or "active") != "active":
            continue  # moved out or deceased: no longer visited (DESIGN 17)
        tags, every = population.visit_every_days(person.get("tags") or [], person.get("risk_level"),
                                                  VISIT_FREQUENCY_DAYS)
        if not tags:
            continue
        last, planned = _last_visit_of(person["id"], by_home.get(person["household_id"], ()))
        due = population.due_date(last, every, planned, today, _day(person.get("followed_since")))
        if due <= horizon:
            items.append(_due_item(
                "person", last, due, every, today, person["household_id"], households.get(person["household_id"], {}),
                person_id=person["id"], name=person["name"], grid_code=person.get("grid_code"), tags=tags,
                phone=person.get("phone"), risk_level=person.get("risk_level")))
    rank = {tag: i for i, tag in enumerate(TAG_PRIORITY)}
    items.sort(key=lambda i: (min(rank.get(tag, len(rank)) for tag in i["tags"]), i["due"], i["name"]))
    return items


def _households_due(client: Client, by_home: dict, households: dict, today: date, horizon: date) -> list[dict]:
    every = VISIT_FREQUENCY_DAYS["household"]
    due_homes = {}
    for hid, household in households.items():
        last, planned = _last_visit_of(None, by_home.get(hid, ()))
        due = population.due_date(last, every, planned, today)
        if due <= horizon:
            due_homes[hid] = (last, due)
    if not due_homes:
        return []
    # Who lives there: a household whose people all moved out or died has nobody left to visit.
    people: dict[str, int] = {}
    heads: dict[str, tuple] = {}
    for hid, name, phone, status, relation in client.store.db.execute(
            "SELECT household_id, name, json_extract(data, '$.phone'), json_extract(data, '$.status'), "
            "json_extract(data, '$.relation_to_head') FROM persons"):
        active = (status or "active") == "active"
        people[hid] = people.get(hid, 0) + active
        if active and relation == "head":
            heads[hid] = (name, phone)
    items = []
    for hid, (last, due) in due_homes.items():
        if people.get(hid, 1) == 0:
            continue
        name, phone = heads.get(hid, (None, None))
        household = households[hid]
        items.append(_due_item("household", last, due, every, today, hid, household, person_id=None, name=name,
                               grid_code=household["grid_code"], tags=[], phone=phone, risk_level=None))
    items.sort(key=lambda i: (i["due"], i["household_no"] or ""))
    return items


def _visits_by_household(client: Client) -> dict[str, list[dict]]:
    """Each household's visits, latest first, with only what decides whom they count for (a
    county's cache holds many: SQLite picks the fields; ``person_ids`` stays JSON text until a
    tagged person of the household needs it)."""
    by_home: dict[str, list[dict]] = {}
    rows = client.store.db.execute(
        "SELECT household_id, visited_at, json_extract(data, '$.met'), json_extract(data, '$.person_ids'), "
        "json_extract(data, '$.next_visit_due') FROM visits ORDER BY visited_at DESC")
    for hid, visited_at, met, named, planned in rows:
        by_home.setdefault(hid, []).append({"visited_at": visited_at, "met": met is None or bool(met),
                                            "named": named, "next_visit_due": planned})
    return by_home


def _day(text: str | None) -> date | None:
    """A stored day, or None when there is none (a server before ``followed_since``) or it is not one."""
    try:
        return date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def _last_visit_of(person_id: str | None, visits: Iterable[dict]) -> tuple[date | None, date | None]:
    """(the day of the person's last visit that counted for them, the next visit it planned), from
    their household's visits, latest first; with no person, the household's last visit that met
    anyone there."""
    for visit in visits:
        if person_id is None:
            counts = visit["met"]
        else:
            if "person_ids" not in visit:
                named = visit["named"]
                visit["person_ids"] = json.loads(named) if named and named != "[]" else []
            counts = population.visit_counts_for(visit, person_id)
        if counts:
            planned = visit.get("next_visit_due")
            return (parse_time(visit["visited_at"]).astimezone(CST).date(),
                    date.fromisoformat(planned) if planned else None)
    return None, None


def _member(client: Client, household: dict, ref: str) -> str:
    """The id of a person the visit names: someone living in the visited household now, or the
    visit would count for no one (a visit counts for the people of its household)."""
    person = resolve(client, "person", ref)
    if person.get("household_id") != household["id"]:
        raise InvalidInput("visit.error.not_in_household", field="person_ids", name=person.get("name") or ref,
                           household=household.get("household_no") or household["id"])
    if (person.get("status") or "active") != "active":
        from gridctl.i18n import get_lang
        from schemas.codes import label

        raise InvalidInput("visit.error.not_active", field="person_ids", name=person.get("name") or ref,
                           status=label("person_status", person.get("status"), get_lang()))
    return person["id"]


def log_visit(client: Client, household_ref: str, *, purpose: str, method: str = "in_person",
              note: str | None = None, person_ids: Iterable[str] = (), met: bool = True, concern: str | None = None,
              next_visit: str | date | None = None, photos: Iterable[str | Path] = (),
              at: str | datetime | None = None, lat: float | None = None, lon: float | None = None) -> WriteResult:
    refuse_unit_register(client)
    household = resolve(client, "household", household_ref, extra_column="household_no")
    try:
        visited = parse_time(at, "at") if at else client.now()
        if visited > client.now() + CLOCK_SKEW:
            raise InvalidValue("time.future", "at", value=format_time(visited))
        next_due = parse_date(next_visit, "next_visit") if next_visit else None
    except InvalidValue as exc:
        raise invalid(exc) from None
    people = [_member(client, household, p) for p in person_ids]
    if next_due is not None and next_due <= visited.astimezone(CST).date():
        raise InvalidInput("visit.error.next_not_after", field="next_visit", next=next_due.isoformat(),
                           day=visited.astimezone(CST).date().isoformat())
    payload = validate("VisitLog", {
        "id": uuid7(), "household_id": household["id"], "person_ids": people, "visited_at": format_time(visited),
        "method": method, "purpose": purpose, "met": met, "note": note, "concern": concern,
        "next_visit_due": next_due.isoformat() if next_due else None, "lat": lat, "lon": lon, "photos": [],
    })
    payload["photos"] = store_photos(client, photos)
    record = {**payload, "worker": client.user["username"], "grid_code": household["grid_code"], "version": 1}
    return write(client, "visit", record, "visit.log", payload)
