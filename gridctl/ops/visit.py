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
    households = {h["id"]: h for h in client.store.query("SELECT data FROM households")}
    active_homes: dict[str, dict] = {}  # household id -> its head (or another active member)
    has_people: set[str] = set()
    for hid, status, relation, name, phone in client.store.db.execute(
            "SELECT household_id, json_extract(data, '$.status'), json_extract(data, '$.relation_to_head'), name, "
            "json_extract(data, '$.phone') FROM persons"):
        has_people.add(hid)
        if (status or "active") == "active" and (relation == "head" or hid not in active_homes):
            active_homes[hid] = {"name": name, "phone": phone}
    items = []
    for person in client.store.query("SELECT data FROM persons WHERE tags IS NOT NULL AND tags != '[]'"):
        if (person.get("status") or "active") != "active":
            continue  # moved out or deceased: no longer visited (DESIGN 17)
        tags, every = population.visit_every_days(person.get("tags") or [], person.get("risk_level"),
                                                  VISIT_FREQUENCY_DAYS)
        if not tags:
            continue
        last, planned = _last_visit_of(person["id"], by_home.get(person["household_id"], ()))
        due = population.due_date(last, every, planned, today)
        if due > horizon:
            continue
        hh = households.get(person["household_id"], {})
        items.append({
            "kind": "person", "person_id": person["id"], "name": person["name"], "household_id": person["household_id"],
            "household_no": hh.get("household_no"), "address": hh.get("address"), "grid_code": person.get("grid_code"),
            "tags": tags, "every_days": every, "last_visit": last.isoformat() if last else None,
            "due": due.isoformat(), "days_overdue": max(0, (today - due).days), "phone": person.get("phone"),
            "risk_level": person.get("risk_level"),
        })
    rank = {tag: i for i, tag in enumerate(TAG_PRIORITY)}
    items.sort(key=lambda i: (min(rank.get(tag, len(rank)) for tag in i["tags"]), i["due"], i["name"]))
    every = VISIT_FREQUENCY_DAYS["household"]
    homes = []
    for hid, hh in households.items():
        if hid in has_people and hid not in active_homes:
            continue  # everyone moved out or died: nobody left to visit
        last, planned = _last_visit_of(None, by_home.get(hid, ()))
        due = population.due_date(last, every, planned, today)
        if due > horizon:
            continue
        head = active_homes.get(hid, {})
        homes.append({
            "kind": "household", "person_id": None, "name": head.get("name"), "household_id": hid,
            "household_no": hh.get("household_no"), "address": hh.get("address"), "grid_code": hh.get("grid_code"),
            "tags": [], "every_days": every, "last_visit": last.isoformat() if last else None,
            "due": due.isoformat(), "days_overdue": max(0, (today - due).days), "phone": head.get("phone"),
            "risk_level": None,
        })
    homes.sort(key=lambda i: (i["due"], i["household_no"] or ""))
    return listing(client, items + homes, source, stale)


def _visits_by_household(client: Client) -> dict[str, list[dict]]:
    """Each household's visits, latest first, with only what decides whom they count for (a
    county's cache holds many: SQLite picks the fields, no whole record is parsed)."""
    by_home: dict[str, list[dict]] = {}
    rows = client.store.db.execute(
        "SELECT household_id, visited_at, json_extract(data, '$.met'), json_extract(data, '$.person_ids'), "
        "json_extract(data, '$.next_visit_due') FROM visits ORDER BY visited_at DESC")
    for hid, visited_at, met, named, planned in rows:
        by_home.setdefault(hid, []).append({
            "visited_at": visited_at, "met": met is None or bool(met),
            "person_ids": json.loads(named) if named and named != "[]" else [], "next_visit_due": planned})
    return by_home


def _last_visit_of(person_id: str | None, visits: Iterable[dict]) -> tuple[date | None, date | None]:
    """(the day of the person's last visit that counted for them, the next visit it planned), from
    their household's visits, latest first; with no person, the household's last visit that met
    anyone there."""
    for visit in visits:
        if visit.get("met", True) if person_id is None else population.visit_counts_for(visit, person_id):
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
