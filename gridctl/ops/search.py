"""Finding people in the register: by name, phone, household number or a full ID number.

Searches are case-insensitive and literal everywhere (DESIGN 13): ``%`` and ``_`` typed by a
user are characters. The cache holds ID numbers masked for everyone but an admin, so a full ID
number is looked up on the server when it answers (it compares the full numbers it keeps);
offline, the cache can match it only where it holds the full number.
"""

from __future__ import annotations

from gridctl.errors import NotFound, Unreachable
from gridctl.ops.client import Client, Listing
from gridctl.ops.refs import listing, refresh, resolve
from schemas.validators import is_valid_id_number

ESCAPE = "\\"
# SQLite's lower() folds ASCII letters only; the store registers this one for every letter
# (full-width Ａ座, É), as the server's search does. It runs in Python, so only for needles with
# such a letter: Chinese characters have no case, and a search for a name must stay in C.
UNICODE_LOWER = "gridctl_lower"


def lower_sql(text: str) -> str:
    """The SQL function that folds stored text for a search of ``text``."""
    cased = any(not c.isascii() and c.lower() != c.upper() for c in text)
    return UNICODE_LOWER if cased else "lower"


def like_pattern(text: str) -> str:
    """A LIKE pattern for "contains ``text``", to be used with ``ESCAPE '\\'`` and lower()."""
    escaped = text.lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def is_full_id_number(text: str) -> bool:
    text = (text or "").strip()
    return len(text) == 18 and is_valid_id_number(text.upper())


def _from_server(client: Client, id_number: str) -> list[dict]:
    """People with this full ID number in the user's scope, asked of the server."""
    if client.offline:
        return []
    try:
        return client.api.list("persons", q=id_number.upper(), limit=10).get("items", [])
    except Unreachable:
        return []


def _is_active(person: dict) -> bool:
    # DESIGN 17: lists show active people unless --all; a record without a status is active.
    return (person.get("status") or "active") == "active"


def _search_server(client: Client, *, grid, household_id, search, tag, include_inactive, limit) -> list[dict]:
    """The server's answer to a search: it compares full ID numbers and phones it keeps."""
    found: list[dict] = []
    page_size = min(limit or 1000, 1000)
    for person in client.api.iterate("persons", page_size=page_size, q=search, household=household_id, tag=tag,
                                     grid=grid):
        if include_inactive or _is_active(person):
            found.append(person)
            if limit and len(found) >= limit:
                break
    return found


def with_household_no(client: Client, people: list[dict]) -> list[dict]:
    """Each person with the number of their household, where the cache knows it."""
    ids = sorted({p.get("household_id") for p in people if p.get("household_id")})
    numbers: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = client.store.db.execute(
            f"SELECT id, household_no FROM households WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        numbers.update({row[0]: row[1] for row in rows})
    for person in people:
        person["household_no"] = numbers.get(person.get("household_id"))
    return people


def list_persons(client: Client, *, grid: str | None = None, household: str | None = None,
                 search: str | None = None, tag: str | None = None, include_inactive: bool = False,
                 limit: int | None = None) -> Listing:
    """People in the user's scope. A search online is answered by the server (full ID numbers and
    phones are compared there, whatever the cache shows); offline, or when the server is away,
    by the cache. Either way, people with unsent local changes are found in the cache too."""
    source, stale = refresh(client)
    household_id = resolve(client, "household", household, extra_column="household_no")["id"] if household else None
    search = (search or "").strip() or None
    local = _search_cache(client, grid=grid, household_id=household_id, search=search, tag=tag,
                          include_inactive=include_inactive, limit=limit)
    if search and source == "server":
        try:
            remote = _search_server(client, grid=grid, household_id=household_id, search=search, tag=tag,
                                    include_inactive=include_inactive, limit=limit)
        except Unreachable:
            source, stale = "cache", True
        else:
            unsent = client.store.unsent_entity_ids()
            seen = {p["id"] for p in remote}
            # A record with unsent changes: the local version is the one the user made.
            mine = {p["id"]: p for p in local if p["id"] in unsent}
            local = [mine.get(p["id"], p) for p in remote] + [p for p in mine.values() if p["id"] not in seen]
            if limit:
                local = local[:limit]
    result = listing(client, with_household_no(client, local), source, stale)
    if source == "cache" and search and is_full_id_number(search) and not local and client.user.get("role") != "admin":
        result.extra["id_numbers_masked"] = True  # the cache cannot answer this one: say so
    return result


def _search_cache(client: Client, *, grid, household_id, search, tag, include_inactive, limit) -> list[dict]:
    where, params = [], []
    if grid:
        where.append("grid_code LIKE ? ESCAPE '\\'")
        params.append(like_pattern(grid)[1:])  # a prefix, not "contains"
    if household_id:
        where.append("household_id = ?")
        params.append(household_id)
    if tag:
        where.append("tags LIKE ?")
        params.append(f'%"{tag}"%')
    if search and is_full_id_number(search):
        # Only where the cache holds full numbers (an admin's); masked ones never match.
        where.append("json_extract(data, '$.id_number') = ?")
        params.append(search.upper())
    elif search:
        pattern, fold = like_pattern(search), lower_sql(search)
        where.append(f"({fold}(name) LIKE ? ESCAPE '\\' OR {fold}(json_extract(data, '$.phone')) LIKE ? ESCAPE '\\'"
                     f" OR household_id IN (SELECT id FROM households WHERE {fold}(household_no) LIKE ? ESCAPE '\\'))")
        params += [pattern, pattern, pattern]
    if not include_inactive:
        where.append("coalesce(json_extract(data, '$.status'), 'active') = 'active'")
    sql = "SELECT data FROM persons" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY grid_code, household_id, name, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return client.store.query(sql, params)


def find_person(client: Client, ref: str) -> dict:
    """A person by id, unique id prefix, or full ID number (masked in the cache for non-admins)."""
    ref = (ref or "").strip()
    if is_full_id_number(ref):
        rows = client.store.query("SELECT data FROM persons WHERE json_extract(data, '$.id_number') = ?",
                                  [ref.upper()]) or _from_server(client, ref)
        if rows:
            return with_household_no(client, [rows[0]])[0]
        raise NotFound("core.ref.not_found", ref=ref)
    return with_household_no(client, [resolve(client, "person", ref)])[0]
