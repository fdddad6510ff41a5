"""Households: the register list with each household's head, size and tags, and one household."""

from __future__ import annotations

from gridctl.ops.client import Client, Listing
from gridctl.ops.refs import listing, mark_sync, refresh, resolve, sync_states
from gridctl.ops.writes import unchanged
from gridctl.ops.search import like_pattern, lower_sql


def _members_by_household(client: Client, ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for p in client.store.query(
            f"SELECT data FROM persons WHERE household_id IN ({', '.join('?' * len(chunk))})", chunk
        ):
            out.setdefault(p["household_id"], []).append(p)
    return out


def list_households(client: Client, *, grid: str | None = None, search: str | None = None,
                    tag: str | None = None, limit: int | None = None) -> Listing:
    source, stale = refresh(client)
    where, params = [], []
    if grid:
        where.append("grid_code LIKE ?")
        params.append(grid + "%")
    if search:
        # Case-insensitive and literal (DESIGN 13), as the server's q=.
        pattern, fold = like_pattern(search), lower_sql(search)
        where.append(f"({fold}(household_no) LIKE ? ESCAPE '\\' OR {fold}(json_extract(data, '$.address')) LIKE ? ESCAPE '\\'"
                     f" OR id IN (SELECT household_id FROM persons WHERE {fold}(name) LIKE ? ESCAPE '\\'))")
        params += [pattern, pattern, pattern]
    if tag:
        where.append("id IN (SELECT household_id FROM persons WHERE tags LIKE ?)")
        params.append(f'%"{tag}"%')
    sql = "SELECT data FROM households" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY household_no"
    if limit:
        sql += f" LIMIT {int(limit)}"
    items = client.store.query(sql, params)
    members = _members_by_household(client, [h["id"] for h in items])
    for h in items:
        # Only people still in the register count (DESIGN 17).
        people = [p for p in members.get(h["id"], []) if (p.get("status") or "active") == "active"]
        head = next((p for p in people if p["id"] == h.get("head_person_id")), people[0] if people else None)
        h["head_name"] = head["name"] if head else None
        h["members"] = len(people)
        h["tags"] = sorted({person_tag for p in people for person_tag in p.get("tags") or []})
    return listing(client, items, source, stale)


def show_household(client: Client, ref: str, *, include_all: bool = False) -> dict:
    """The household with its members — those still in it, or everyone ever (``include_all``)."""
    if not client.offline:
        refresh(client)
    household = resolve(client, "household", ref, extra_column="household_no")
    people = client.store.query("SELECT data FROM persons WHERE household_id = ? ORDER BY id", [household["id"]])
    household["persons"] = people if include_all else [p for p in people if (p.get("status") or "active") == "active"]
    # Each visit carries the household number, as `visit list` gives it (not the household's UUID).
    household["visits"] = [{**v, "household_no": household.get("household_no")} for v in client.store.query(
        "SELECT data FROM visits WHERE household_id = ? ORDER BY visited_at DESC LIMIT 10", [household["id"]])]
    states = sync_states(client)
    mark_sync(client, [household, *household["persons"], *household["visits"]], states)
    return household


# --- writes (DESIGN 17): household.upsert through the outbox ----------------------------------

HOUSEHOLD_FIELDS = ("household_no", "grid_code", "address", "lat", "lon")


def _check_grid(client: Client, grid: str) -> None:
    from gridctl.errors import InvalidInput
    from schemas.validators import in_scope

    if not in_scope(grid, client.user.get("scope") or []):
        raise InvalidInput("register.grid_out_of_scope", field="grid_code", code=grid)


def _check_number_free(client: Client, household_no: str, own_id: str | None) -> None:
    from gridctl.errors import InvalidInput

    for row in client.store.query("SELECT data FROM households WHERE household_no = ?", [household_no]):
        if row["id"] != own_id:
            raise InvalidInput("register.household_no_taken", field="household_no", no=household_no)


def add_household(client: Client, *, grid: str, household_no: str, address: str,
                  lat: float | None = None, lon: float | None = None):
    """A new household in one of my grids; its id is made here, so people can join it offline."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.ids import uuid7
    from gridctl.ops.writes import validate, write

    payload = validate("HouseholdUpsert", {"id": uuid7(), "household_no": household_no, "grid_code": grid,
                                           "address": address, "lat": lat, "lon": lon})
    _check_grid(client, payload["grid_code"])
    _check_number_free(client, payload["household_no"], None)
    record = {**payload, "version": 1}
    return write(client, "household", record, "household.upsert", payload)


def update_household(client: Client, ref: str, **fields):
    """Change the fields given, and only those: the mutation is a patch (DESIGN 12). Moving a
    household to another grid takes its people along (the server does that)."""
    from gridctl.ops.writes import refuse_unit_register

    refuse_unit_register(client)
    from gridctl.errors import UsageError
    from gridctl.ops.writes import validate, write

    if not client.offline:
        refresh(client)
    household = resolve(client, "household", ref, extra_column="household_no")
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    if all(v is None for v in fields.values()):
        raise UsageError("probe13.household_nothing_given", field="household")
    changes = {k: v for k, v in fields.items() if v is not None and v != household.get(k)}
    if not changes:
        # As `person update` with the stored values: nothing changed, exit 0 — and nothing queued,
        # since the record (the server's, with any unsent edit of it on top) already says so.
        return unchanged(client, "household", household)
    merged = {k: household.get(k) for k in HOUSEHOLD_FIELDS}
    merged.update(changes)
    checked = validate("HouseholdUpsert", {"id": household["id"], **merged})
    _check_grid(client, checked["grid_code"])
    if "household_no" in changes:
        _check_number_free(client, checked["household_no"], household["id"])
    payload = {"id": household["id"], **{k: checked[k] for k in changes}}
    record = {**household, **payload}
    record.pop("sync", None)
    return write(client, "household", record, "household.upsert", payload, base_version=household.get("version"))
