"""Reading the local cache: refresh it by a pull, say how old it is, find a record by reference."""

from __future__ import annotations

from datetime import datetime, timedelta

from gridctl import sync
from gridctl.errors import InvalidInput, NotFound, Unreachable
from gridctl.ids import is_id_prefix
from gridctl.ops.client import Client, Listing
from gridctl.store import ENTITY_COLUMNS


def cache_age(client: Client) -> timedelta | None:
    last = client.store.get_meta("last_pull_at")
    if not last:
        return None
    return client.now() - datetime.fromisoformat(last)


def refresh(client: Client) -> tuple[str, bool]:
    """Pull when online. Returns (source, stale)."""
    if client.offline:
        return "cache", False
    try:
        sync.pull(client.store, client.api)
        return "server", False
    except Unreachable:
        return "cache", True


def listing(client: Client, items: list[dict], source: str, stale: bool) -> Listing:
    """The items of a read with where they came from and how old the cache is, each record
    marked with its ``sync`` state (see ``mark_sync``)."""
    mark_sync(client, items)
    return Listing(items=items, source=source, cache_age=cache_age(client), stale=stale)


def sync_states(client: Client) -> dict[str, str]:
    """Record id → its sync state, for records with unsent writes: ``rejected``/``conflict``
    when a write of it was refused (the record as shown exists, or looks so, only here),
    ``waiting`` when queued behind such a write, ``pending`` otherwise. Absent: ``synced``."""
    items = client.store.outbox(("pending", "conflict", "rejected"))
    if not items:
        return {}
    plan = sync.waiting_plan(client.store)
    rank = {"pending": 0, "waiting": 1, "conflict": 2, "rejected": 3}
    out: dict[str, str] = {}
    for item in items:
        state = "waiting" if item["id"] in plan else item["state"]
        if rank[state] > rank.get(out.get(item["entity_id"], "pending"), 0) or item["entity_id"] not in out:
            out[item["entity_id"]] = state
    return out


def mark_sync(client: Client, records: list[dict], states: dict[str, str] | None = None) -> list[dict]:
    """Set ``sync`` on each record (synced | pending | waiting | conflict | rejected). A refused
    record never shows a full ID number (DESIGN §10, §12)."""
    states = sync_states(client) if states is None else states
    for record in records:
        if not isinstance(record, dict) or "id" not in record:
            continue
        state = states.get(record["id"], "synced")
        record["sync"] = state
        if state in ("conflict", "rejected"):
            record.update(sync.scrub(record))
    return records


def resolve(client: Client, entity: str, ref: str, *, extra_column: str | None = None) -> dict:
    """A cached record by full id, a unique prefix of ≥ 8 characters or its human number."""
    ref = (ref or "").strip()
    table, _ = ENTITY_COLUMNS[entity]
    where, params = "id = ?", [ref]
    if extra_column:
        where += f" OR {extra_column} = ?"
        params.append(ref)
    rows = client.store.query(f"SELECT data FROM {table} WHERE {where}", params)
    if not rows and is_id_prefix(ref):
        # Only hex digits and dashes get here, so the ref cannot smuggle LIKE wildcards in.
        rows = client.store.query(f"SELECT data FROM {table} WHERE id LIKE ? LIMIT 6", [ref.lower() + "%"])
    if len(rows) > 1:
        raise InvalidInput("core.ref.ambiguous", field="id", ref=ref,
                           candidates=", ".join(r.get("serial") or r["id"] for r in rows[:5]))
    if rows:
        return rows[0]
    if len(ref) < 8 and not extra_column:
        raise InvalidInput("core.ref.too_short", field="id", ref=ref)
    if not client.offline:
        try:
            record = client.api.get(sync.RECORD_PATH[entity], ref)
        except Unreachable:
            record = None
        except NotFound:
            raise NotFound("core.ref.not_found", ref=ref) from None
        if record is not None:
            client.store.put(entity, record)
            return record
    raise NotFound("core.ref.not_found", ref=ref)
