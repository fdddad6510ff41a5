"""Sync and the outbox: push and pull, what is waiting, and retrying or discarding a quarantined write."""

from __future__ import annotations

from gridctl import sync
from gridctl.refusals import reason
from gridctl.errors import InvalidInput, NotFound, NotLoggedIn, Unreachable
from gridctl.ops.case import refusal
from gridctl.ops.client import Client, WriteResult
from gridctl.ops.overlay import overlay
from gridctl.ops.refs import cache_age
from gridctl.ops.subject import Subjects
from gridctl.store import UNSENT_STATES as UNSENT
from schemas import workflow as wf


def run_sync(client: Client, *, push_only: bool = False, pull_only: bool = False, progress=None,
             reset: bool = False):
    """Push then pull; ``reset`` rebuilds the cache from the server (the outbox is kept). Each
    item left refused or waiting carries ``about``: the record it writes, in words."""
    report = sync.sync(client, push_only=push_only, pull_only=pull_only, progress=progress, reset=reset)
    subjects = Subjects(client.store)
    for left in (*report.quarantined_items, *report.waiting_items):
        item = client.store.outbox_item(left["id"])
        if item and "ambiguous" not in item:
            left["about"] = subjects.about(item)
            left.setdefault("type", item["type"])
    return report


def sync_status(client: Client) -> dict:
    counts = client.store.outbox_counts()
    age = cache_age(client)
    return {
        "profile": client.profile.name, "server": client.profile.server,
        "pending": counts.get("pending", 0), "conflict": counts.get("conflict", 0),
        "rejected": counts.get("rejected", 0), "applied": counts.get("applied", 0),
        "waiting": len(sync.waiting_plan(client.store)),
        "last_pull_at": client.store.get_meta("last_pull_at"), "last_push_at": client.store.get_meta("last_push_at"),
        "cache_age": age.total_seconds() if age is not None else None,
        "items": outbox_list(client),
    }


def _outbox_view(client: Client, item: dict, plan: dict | None = None, subjects: Subjects | None = None) -> dict:
    """An outbox item as the UIs show it. A pending item queued behind a quarantined one is
    ``waiting``, with ``waits_for`` naming the mutation to retry or discard; ``about`` names the
    record it writes (added field: nothing renamed). A refused write keeps the full ID number it
    carries, to be sent again; it is shown masked to every role but admin (DESIGN §10)."""
    result = item.get("result") or {}
    blocker = (plan or {}).get(item["id"])
    payload = item["payload"]
    if (client.store.get_meta("user") or {}).get("role") != "admin" and isinstance(payload, dict):
        payload = sync.scrub(payload)
    return {
        "id": item["id"], "type": item["type"], "entity": item["entity"], "entity_id": item["entity_id"],
        "state": "waiting" if blocker else item["state"], "attempts": item["attempts"],
        "created_at": item["created_at"], "base_version": item["base_version"],
        "last_error": reason(result, item["last_error"]),
        "payload": payload, "server": result.get("current"),
        "waits_for": blocker[0] if blocker else None,
        "about": (subjects or Subjects(client.store)).about(item),
    }


def outbox_list(client: Client, *, include_applied: bool = False) -> list[dict]:
    states = None if include_applied else ("pending", "conflict", "rejected")
    plan = sync.waiting_plan(client.store)
    subjects = Subjects(client.store)
    return [_outbox_view(client, i, plan, subjects) for i in client.store.outbox(states)]


def outbox_show(client: Client, mutation_id: str) -> dict:
    item = client.store.outbox_item(mutation_id.strip())
    if item is None:
        raise NotFound("core.outbox.not_found", ref=mutation_id)
    if "ambiguous" in item:
        raise InvalidInput("core.ref.ambiguous", field="id", ref=mutation_id, candidates=", ".join(item["ambiguous"][:5]))
    return _outbox_view(client, item, sync.waiting_plan(client.store) if item["state"] == "pending" else None)


def outbox_retry(client: Client, mutation_id: str) -> WriteResult:
    """Send a quarantined mutation again; a conflict is re-based on the server's current version."""
    item = outbox_show(client, mutation_id)
    if item["state"] not in ("conflict", "rejected"):
        raise InvalidInput("core.outbox.not_quarantined", field="id", ref=item["id"], state=item["state"])
    base = item["base_version"]
    if item["state"] == "conflict" and item.get("server"):
        current = item["server"]
        if not client.offline:
            kind = {"case": "cases", "household": "households", "person": "persons"}.get(item["entity"])
            try:
                current = client.api.get(kind, item["entity_id"]) if kind else current
            except Unreachable:
                pass
        item["server"] = current
        base = current.get("version", base)
        if item["entity"] == "case":
            # Re-check the action against the case as the server has it now.
            p = item["payload"]
            try:
                wf.decide(p["action"], item["server"], client.user, note=p.get("note"), reason=p.get("reason"),
                          to_level=p.get("to_level"), assignee=p.get("assignee"), supervision=p.get("supervision"))
            except wf.WorkflowRefused as exc:
                raise refusal(exc) from None
    with client.store.transaction() as conn:
        client.store.set_outbox_state(conn, item["id"], "pending", base_version=base, count_attempt=False)
    # Sent like any write: synced, pending (no server), rejected/conflict again (with the server's
    # reason) or waiting — never "saved, will sync" for a write the server just refused again.
    from gridctl.ops.writes import push_now

    result = push_now(client, item["entity"], item["entity_id"], item["id"])
    fresh = outbox_show(client, item["id"])
    record = {**fresh, "sync": result.sync_state}
    if result.waits_for:
        record["waits_for"] = result.waits_for
    return WriteResult(record=record, mutation_id=item["id"], sync_state=result.sync_state,
                       problem=result.problem, waits_for=result.waits_for)


def outbox_discard(client: Client, mutation_id: str) -> dict:
    """Drop a quarantined mutation. The cached record goes back to the server's version with every
    write of it still unsent applied on top, in order: a later edit waiting behind the discarded
    one stays shown (DESIGN §12), it is not hidden until the next sync."""
    item = outbox_show(client, mutation_id)
    if item["state"] not in ("conflict", "rejected"):
        raise InvalidInput("core.outbox.not_quarantined", field="id", ref=item["id"], state=item["state"])
    entity, record_id = item["entity"], item["entity_id"]
    # It existed only through this write: gone from the cache with it. (Later edits of it stay
    # in the outbox; sent, the server says why they fail, and they stay visible.)
    gone = sync.creates(item) and not item.get("server")
    server = None if gone else _server_copy(client, item)
    with client.store.transaction() as conn:
        client.store.remove_outbox(conn, item["id"])
        if gone:
            client.store.delete(entity, record_id, conn)
        else:
            rest = [i for i in client.store.outbox(UNSENT) if i["entity_id"] == record_id]
            shown = overlay(server, rest, client.user or {}) if server is not None else None
            if shown is not None:
                client.store.put(entity, shown, conn)
            elif entity in sync.KIND_PATH:
                # No server copy to build on (offline, a refused edit): the cache keeps the local
                # effect and fetches the server's record back at the pull after the rest is sent.
                client.store.mark_refetch(conn, entity, record_id)
    return {"id": item["id"], "discarded": True, "entity": entity, "entity_id": record_id}


def _server_copy(client: Client, item: dict) -> dict | None:
    """The record as the server has it now when it answers, else as a conflict last showed it."""
    kind = sync.RECORD_PATH.get(item["entity"])
    if not client.offline and kind:
        try:
            return client.api.get(kind, item["entity_id"])
        except (Unreachable, NotFound, NotLoggedIn):
            pass
    return item.get("server")
