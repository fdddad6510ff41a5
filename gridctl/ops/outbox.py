"""Sync and the outbox: push and pull, what is waiting, and retrying or discarding a quarantined write."""

from __future__ import annotations

from typing import Iterable

from gridctl import sync
from gridctl.refusals import reason
from gridctl.errors import InvalidInput, NotFound, NotLoggedIn, Unreachable, UsageError
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


def _is_admin(client: Client) -> bool:
    return (client.store.get_meta("user") or {}).get("role") == "admin"


def _outbox_view(client: Client, item: dict, plan: dict | None = None, subjects: Subjects | None = None,
                 admin: bool | None = None) -> dict:
    """An outbox item as the UIs show it. A pending item queued behind a quarantined one is
    ``waiting``, with ``waits_for`` naming the mutation to retry or discard; ``about`` names the
    record it writes (added field: nothing renamed). A refused write keeps the full ID number it
    carries, to be sent again; it is shown masked to every role but admin (DESIGN §10)."""
    result = item.get("result") or {}
    blocker = (plan or {}).get(item["id"])
    payload = item["payload"]
    if not (_is_admin(client) if admin is None else admin) and isinstance(payload, dict):
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
    subjects, admin = Subjects(client.store), _is_admin(client)  # read once for the whole list
    return [_outbox_view(client, i, plan, subjects, admin) for i in client.store.outbox(states)]


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


def outbox_discard_plan(client: Client, mutation_id: str) -> dict:
    """What ``outbox_discard`` would drop: the quarantined write and, when it creates a record the
    server never had, every unsent write that cannot apply without it (``dependents``, each with
    ``about``). Asked first by both UIs, so nothing is discarded unseen."""
    item = outbox_show(client, mutation_id)
    if item["state"] not in ("conflict", "rejected"):
        raise InvalidInput("core.outbox.not_quarantined", field="id", ref=item["id"], state=item["state"])
    deps: list[dict] = []
    if _gone(item):
        plan = sync.waiting_plan(client.store)
        subjects, admin = Subjects(client.store), _is_admin(client)
        deps = [_outbox_view(client, d, plan, subjects, admin)
                for d in sync.dependents(client.store, client.store.outbox_item(item["id"]))]
    return {**item, "dependents": deps}


def _gone(item: dict) -> bool:
    """The record exists only through this write: dropped with it."""
    return sync.creates(item) and not item.get("server")


def outbox_discard(client: Client, mutation_id: str, *, with_dependents: Iterable[str] = ()) -> dict:
    """Drop a quarantined mutation. The cached record goes back to the server's version with every
    write of it still unsent applied on top, in order: a later edit waiting behind the discarded
    one stays shown (DESIGN §12), it is not hidden until the next sync.

    A dropped create takes along the writes that cannot apply without it — only those the user
    agreed to (``with_dependents``: their ids, as ``outbox_discard_plan`` named them). Any other
    such write refuses the discard (exit 2), naming them: nothing is discarded unseen, and
    nothing is left in the outbox to be refused one by one later."""
    plan = outbox_discard_plan(client, mutation_id)
    agreed = set(with_dependents or ())
    unseen = [d for d in plan["dependents"] if d["id"] not in agreed]
    if unseen:
        raise DependentWrites(plan, unseen)
    dropped = [plan, *plan["dependents"]]
    dead = {d["entity_id"] for d in dropped if _gone(d)}
    ids = {d["id"] for d in dropped}
    # Records a dropped write edited but that live on (a person moved into the refused household):
    # back to the server's copy with their other unsent writes on top.
    edited = {(d["entity"], d["entity_id"]): d for d in dropped if d["entity_id"] not in dead}
    servers = {key: _server_copy(client, d) for key, d in edited.items()}
    with client.store.transaction() as conn:
        for d in dropped:
            client.store.remove_outbox(conn, d["id"])
        for d in dropped:
            if d["entity_id"] in dead:
                client.store.delete(d["entity"], d["entity_id"], conn)
        for (entity, record_id), server in servers.items():
            rest = [i for i in client.store.outbox(UNSENT) if i["entity_id"] == record_id and i["id"] not in ids]
            shown = overlay(server, rest, client.user or {}) if server is not None else None
            if shown is not None:
                client.store.put(entity, shown, conn)
            elif entity in sync.KIND_PATH:
                # No server copy to build on (offline, a refused edit): the cache keeps the local
                # effect and fetches the server's record back at the pull after the rest is sent.
                client.store.mark_refetch(conn, entity, record_id)
    return {"id": plan["id"], "discarded": True, "entity": plan["entity"], "entity_id": plan["entity_id"],
            "about": plan["about"],
            "dependents": [{k: d[k] for k in ("id", "type", "entity", "entity_id", "about")}
                           for d in plan["dependents"]]}


class DependentWrites(UsageError):
    """A discard would leave writes that cannot apply without the discarded one (exit 2): they are
    named, and discarded with it only when the user agrees (the CLI's ``--yes``, the TUI's dialog)."""

    def __init__(self, plan: dict, unseen: list[dict]) -> None:
        from gridctl.i18n import joined

        super().__init__("discard.dependents", field="dependents", id=plan["id"], about=plan["about"],
                         n=len(unseen), items=joined(f"{d['id']} {d['type']} [{d['about']}]" for d in unseen))
        self.plan = plan
        self.unseen = unseen


def _server_copy(client: Client, item: dict) -> dict | None:
    """The record as the server has it now when it answers, else as a conflict last showed it."""
    kind = sync.RECORD_PATH.get(item["entity"])
    if not client.offline and kind:
        try:
            return client.api.get(kind, item["entity_id"])
        except (Unreachable, NotFound, NotLoggedIn):
            pass
    return item.get("server")
