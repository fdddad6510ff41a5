"""Reporting an incident: a new case with its parties and photos, in the reporter's grid."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from gridctl.errors import Forbidden, InvalidInput, UsageError
from gridctl.ids import uuid7
from gridctl.ops.client import Client, WriteResult
from gridctl.ops.refs import resolve
from gridctl.ops.writes import invalid, store_photos, validate, write
from schemas import workflow as wf
from schemas.validators import InvalidValue, check_event_times, format_time, in_scope, parse_time


def _single_grid(client: Client) -> str:
    grids = [c for c in client.user.get("scope") or [] if len(c) == 15]
    if len(grids) != 1:
        raise UsageError("core.report.grid_required", field="grid")
    return grids[0]


def parse_party(text: str | dict) -> dict:
    """``NAME[,ID_NUMBER][,PHONE]`` (also with ，) → a party; the ID and phone are told apart by shape."""
    if isinstance(text, dict):
        return text
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    if not parts:
        raise InvalidInput("core.party.empty", field="party")
    party: dict[str, Any] = {"name": parts[0], "role": "party"}
    for part in parts[1:]:
        if len(part) in (15, 18) and part[:-1].isdigit():
            party["id_number"] = part
        else:
            party["phone"] = part
    return party


def report_incident(client: Client, *, category: str, title: str, description: str | None = None,
                    subcategory: str | None = None, grid: str | None = None, address: str | None = None,
                    lat: float | None = None, lon: float | None = None, urgent: bool = False,
                    scale: str = "individual", occurred_at: str | datetime | None = None,
                    household: str | None = None, parties: Iterable[str | dict] = (),
                    photos: Iterable[str | Path] = (), source: str = "field") -> WriteResult:
    user = client.user
    grid = grid or _single_grid(client)
    if not in_scope(grid, user.get("scope") or []):
        raise Forbidden("core.report.grid_out_of_scope", field="grid", grid=grid)
    try:
        occurred = parse_time(occurred_at, "occurred_at") if occurred_at else None
        reported = client.now()
        check_event_times(occurred, reported)
    except InvalidValue as exc:
        raise invalid(exc) from None
    household_id = resolve(client, "household", household, extra_column="household_no")["id"] if household else None
    payload = validate("CaseReport", {
        "id": uuid7(), "title": title, "description": description, "category": category, "subcategory": subcategory,
        "scale": scale, "urgent": urgent, "parties": [parse_party(p) for p in parties],
        "occurred_at": format_time(occurred), "reported_at": format_time(reported), "grid_code": grid,
        "address": address, "lat": lat, "lon": lon, "source": source, "household_id": household_id, "photos": [],
    })
    payload["photos"] = store_photos(client, photos)
    record = {**{k: v for k, v in payload.items() if k not in ("household_id",)},
              "serial": None, "reporter": user["username"], "household_id": household_id,
              **wf.new_case_fields(reported, urgent, user["username"])}
    return write(client, "case", record, "case.report", payload)
