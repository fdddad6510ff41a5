"""Households: the register list with each household's head, size and tags, and one household."""

from __future__ import annotations

from gridctl.ops.client import Client, Listing
from gridctl.ops.refs import listing, mark_sync, refresh, resolve, sync_states
from gridctl.ops.search import like_pattern


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
                    tag: str | None = None) -> Listing:
    source, stale = refresh(client)
    where, params = [], []
    if grid:
        where.append("grid_code LIKE ?")
        params.append(grid + "%")
    if search:
        # Case-insensitive and literal (DESIGN 13), as the server's q=.
        pattern = like_pattern(search)
        where.append("(lower(household_no) LIKE ? ESCAPE '\\' OR lower(json_extract(data, '$.address')) LIKE ? ESCAPE '\\'"
                     " OR id IN (SELECT household_id FROM persons WHERE lower(name) LIKE ? ESCAPE '\\'))")
        params += [pattern, pattern, pattern]
    if tag:
        where.append("id IN (SELECT household_id FROM persons WHERE tags LIKE ?)")
        params.append(f'%"{tag}"%')
    sql = "SELECT data FROM households" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY household_no"
    items = client.store.query(sql, params)
    members = _members_by_household(client, [h["id"] for h in items])
    for h in items:
        people = members.get(h["id"], [])
        head = next((p for p in people if p["id"] == h.get("head_person_id")), people[0] if people else None)
        h["head_name"] = head["name"] if head else None
        h["members"] = len(people)
        h["tags"] = sorted({person_tag for p in people for person_tag in p.get("tags") or []})
    return listing(client, items, source, stale)


def show_household(client: Client, ref: str) -> dict:
    if not client.offline:
        refresh(client)
    household = resolve(client, "household", ref, extra_column="household_no")
    household["persons"] = client.store.query("SELECT data FROM persons WHERE household_id = ? ORDER BY id",
                                              [household["id"]])
    household["visits"] = client.store.query(
        "SELECT data FROM visits WHERE household_id = ? ORDER BY visited_at DESC LIMIT 10", [household["id"]])
    states = sync_states(client)
    mark_sync(client, [household, *household["persons"], *household["visits"]], states)
    return household
