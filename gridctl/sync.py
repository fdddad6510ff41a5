"""The sync engine (DESIGN §6): push the outbox in order, then pull the server's change feed.

Push sends pending mutations in order, in batches; photos go first. Every mutation id is an
idempotency key on the server, so sending again after a crash, a timeout or a kill is always
safe: the server answers ``duplicate`` with the original result. A mutation comes out of
``pending`` only in the transaction that records the server's answer.

A conflicting or rejected mutation is quarantined. Dependencies are per record (DESIGN §12):
a mutation behind it waits only when it writes the same record or names a record that exists
only through it; everything else goes on. A batch is cut before a mutation that builds on one
already in it, so the server's answer to the first is known before the second is sent
(independent reports still go 500 at a time). Follow-up edits rebase: once an edit is applied,
the later unsent edits of that record carry the version the server returned for it.

Pull applies the feed page by page, each page and its cursor in one transaction, and never
overwrites a record that still has unsent changes. ``reset`` rebuilds the cache from scratch
without touching the outbox.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from gridctl.refusals import WORDED_IN, reason
from gridctl.store import Store, utcnow

Progress = Callable[[int, "int | None", str], None]
ENTITY_OF = {"case.report": "case", "case.act": "case", "visit.log": "visit",
             "household.upsert": "household", "person.upsert": "person", "alert.ack": "alert"}


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    waiting: int = 0
    pulled: int = 0
    reset: bool = False
    requests: int = 0
    problems: list[dict] = field(default_factory=list)
    # Each mutation left waiting: {id, type, entity_id, waits_for, blocker_state}.
    waiting_items: list[dict] = field(default_factory=list)
    # Quarantined items in the outbox after this sync (those of earlier syncs included).
    quarantined: int = 0
    quarantined_items: list[dict] = field(default_factory=list)

    @property
    def partly_done(self) -> bool:
        return bool(self.conflict or self.rejected or self.waiting or self.quarantined)

    def as_dict(self) -> dict:
        return {**asdict(self), "partly_done": self.partly_done}


# --- what a mutation writes, names and creates (the per-record dependency rule, DESIGN §12) ---

def writes(item: dict) -> str:
    """The record a mutation changes (a case action changes its case)."""
    return item["entity_id"]


def names(item: dict) -> set[str]:
    """Other records a mutation refers to and needs to exist on the server."""
    payload = item["payload"]
    out = {payload[k] for k in ("case_id", "household_id", "head_person_id") if payload.get(k)}
    out.update(p for p in payload.get("person_ids") or [] if p)
    out.discard(item["entity_id"])
    return out


def creates(item: dict) -> bool:
    """Whether the record exists only through this mutation (made here, not an edit)."""
    return item["type"] in ("case.report", "visit.log") or (
        item["type"].endswith(".upsert") and item.get("base_version") is None)


def dependents(store: Store, item: dict) -> list[dict]:
    """The unsent writes that cannot apply without ``item``, a create being dropped: each writes
    or names a record that exists only through it — or, in turn, only through one of them (a
    person in a refused new household, then a visit naming that person). In outbox order."""
    from gridctl.store import UNSENT_STATES

    dead = {writes(item)}
    found: dict[str, dict] = {}
    rest = [o for o in store.outbox(UNSENT_STATES) if o["id"] != item["id"]]
    grew = True
    while grew:  # a fixed point: a later write may make a record an earlier one names
        grew = False
        for other in rest:
            if other["id"] in found or not (writes(other) in dead or names(other) & dead):
                continue
            found[other["id"]] = other
            grew = True
            if creates(other):
                dead.add(writes(other))
    return [o for o in rest if o["id"] in found]


class _Blocks:
    """Who holds back whom. A mutation waits behind a quarantined one (or one waiting itself) when
    it writes the same record, or names a record that exists only through it. A rejected case
    action is the exception: it changed nothing on the server, so later actions on that case are
    judged by the server on the case as it is — they do not wait (each may still be refused)."""

    def __init__(self) -> None:
        self.record: dict[str, tuple[str, str]] = {}  # record id -> (root mutation id, its state)
        self.created: dict[str, tuple[str, str]] = {}

    def hold(self, item: dict, root: tuple[str, str]) -> None:
        if item["type"] == "case.act" and item["state"] == "rejected" and root[0] == item["id"]:
            return
        self.record.setdefault(writes(item), root)
        if creates(item):
            self.created.setdefault(writes(item), root)

    def blocker(self, item: dict) -> tuple[str, str] | None:
        if writes(item) in self.record:
            return self.record[writes(item)]
        for ref in names(item):
            if ref in self.created:
                return self.created[ref]
        return None


def waiting_plan(store: Store) -> dict[str, tuple[str, str]]:
    """Without the network: each pending mutation that would wait, with (the mutation it waits
    for, that one's state). What ``outbox list`` and a write's answer show."""
    blocks = _Blocks()
    for q in store.outbox(["conflict", "rejected"]):
        blocks.hold(q, (q["id"], q["state"]))
    plan = {}
    for item in store.outbox(["pending"]):
        root = blocks.blocker(item)
        if root is not None:
            plan[item["id"]] = root
            blocks.hold(item, root)
    return plan


def _photos(item: dict) -> list[str]:
    return list(item["payload"].get("photos") or [])


def scrub(payload: dict) -> dict:
    """Drop full ID numbers from what the client keeps once the server has them (DESIGN §10)."""
    from schemas.validators import mask_id_number

    clean = dict(payload)
    if clean.get("id_number") and "*" not in clean["id_number"]:
        clean["id_number"] = mask_id_number(clean["id_number"])
    if clean.get("parties"):
        clean["parties"] = [dict(p, id_number=mask_id_number(p.get("id_number"))) for p in clean["parties"]]
    return clean


def _parts(target, api, device_id, batch_size):
    """``push``/``pull`` take an ``ops.Client`` or, for the engine's own callers, a store + API."""
    if isinstance(target, Store):
        return target, api, device_id, batch_size or 500
    return target.store, api or target.api, device_id or target.device_id, batch_size or target.batch_size


def push(target, api=None, device_id: str | None = None, *, batch_size: int | None = None,
         progress: Progress | None = None, report: SyncReport | None = None) -> SyncReport:
    store, api, device_id, batch_size = _parts(target, api, device_id, batch_size)
    report = report or SyncReport()
    blocks = _Blocks()
    for q in store.outbox(["conflict", "rejected"]):
        blocks.hold(q, (q["id"], q["state"]))
    pending = store.outbox(["pending"])
    total = len(pending)
    done = 0
    batch: list[dict] = []

    def flush() -> None:
        nonlocal done
        if not batch:
            return
        refused = _upload_photos(store, api, batch)
        if refused:
            _quarantine_refused_photos(store, batch, refused, report, blocks)
            if not batch:
                return
        body = [{"id": m["id"], "type": m["type"], "base_version": m["base_version"], "created_at": m["created_at"],
                 "payload": m["payload"]} for m in batch]
        response = api.push(device_id, body)
        report.requests += 1
        results = {r["id"]: r for r in response["results"]} if isinstance(response, dict) and \
            isinstance(response.get("results"), list) else {}
        with store.transaction() as conn:
            for m in batch:
                r = results.get(m["id"])
                if not isinstance(r, dict) or "status" not in r:
                    continue  # no answer for it: it stays pending and goes again next time
                status = r["status"]
                report.pushed += 1
                if status not in ("applied", "duplicate"):
                    # Kept with the refusal: a reader in another language gets it worded again.
                    r = {**r, WORDED_IN: getattr(api, "lang", None) or "en"}
                problem = r.get("problem") or {}
                if status in ("applied", "duplicate"):
                    setattr(report, status, getattr(report, status) + 1)
                    store.set_outbox_state(conn, m["id"], "applied", result=r, payload=scrub(m["payload"]))
                    _after_applied(store, conn, m, r)
                    if r.get("version") is not None and m["type"].endswith(".upsert"):
                        # Follow-up edits made on top of this one now build on the server's
                        # version. (Case actions need no rebase: the server judges an action on
                        # the case as it is, and their base still tells it what this worker saw.)
                        store.rebase_followers(conn, m["entity_id"], m["seq"], r["version"])
                    continue
                if status == "conflict":
                    report.conflict += 1
                    store.set_outbox_state(conn, m["id"], "conflict", result=r, error=problem.get("detail"))
                else:
                    status = "rejected"
                    report.rejected += 1
                    store.set_outbox_state(conn, m["id"], "rejected", result=r,
                                           error=problem.get("detail") or problem.get("title"))
                cached = store.get(ENTITY_OF[m["type"]], m["entity_id"])
                if cached is not None:
                    store.put(ENTITY_OF[m["type"]], scrub(cached), conn)  # answered: no full ID number kept
                report.problems.append({"id": m["id"], "status": status, "type": m["type"],
                                        "entity_id": m["entity_id"], "detail": problem.get("detail")})
                blocks.hold({**m, "state": status}, (m["id"], status))
        done += len(batch)
        if progress:
            progress(done, total, "core.sync.pushing")
        batch.clear()

    in_batch: set[str] = set()  # records the batch being gathered writes
    made_in_batch: set[str] = set()  # records it makes
    for item in pending:
        if writes(item) in in_batch or names(item) & made_in_batch:
            # It builds on a mutation of this batch: learn that one's fate first, so a
            # follow-up of a conflicting change waits instead of being applied on its own.
            flush()
            in_batch.clear()
            made_in_batch.clear()
        root = blocks.blocker(item)
        if root is not None:
            report.waiting += 1
            report.waiting_items.append({"id": item["id"], "type": item["type"], "entity_id": item["entity_id"],
                                         "waits_for": root[0], "blocker_state": root[1]})
            blocks.hold(item, root)
            continue
        if item["base_version"] is not None and item["type"].endswith(".upsert"):
            # A rebase made while this batch was gathered is in the store, not in this copy.
            item["base_version"] = store.base_version_of(item["id"])
        batch.append(item)
        in_batch.add(writes(item))
        if creates(item):
            made_in_batch.add(writes(item))
        if len(batch) >= batch_size:
            flush()
            in_batch.clear()
            made_in_batch.clear()
    flush()
    store.set_meta("last_push_at", utcnow())
    _outstanding(store, report)
    return report


def _outstanding(store: Store, report: SyncReport) -> None:
    """Every quarantined item left in the outbox (this sync's and earlier ones'), with its reason."""
    report.quarantined_items = [
        {"id": q["id"], "type": q["type"], "entity_id": q["entity_id"], "state": q["state"],
         "detail": reason(q["result"], q["last_error"])} for q in store.outbox(["conflict", "rejected"])]
    report.quarantined = len(report.quarantined_items)


def _upload_photos(store: Store, api, batch: list[dict]) -> dict[str, str]:
    """Upload the batch's photos the server lacks; answer the ones it refused (sha: its reason).

    A photo the server will not take (not an image that decodes, too many pixels) is refused
    every time: raising here would stop every push, the worker's other writes stuck behind it.
    """
    from pathlib import Path

    from gridctl.errors import InvalidInput

    refused: dict[str, str] = {}
    for sha, path in store.blobs_to_upload({p for m in batch for p in _photos(m)}):
        if not api.blob_exists(sha):
            try:
                api.put_blob(sha, Path(path).read_bytes())
            except InvalidInput as exc:
                refused[sha] = exc.detail or exc.message()
                continue
        store.mark_uploaded(sha)
    return refused


def _quarantine_refused_photos(store: Store, batch: list[dict], refused: dict[str, str], report: SyncReport,
                               blocks: _Blocks) -> None:
    """Take the mutations naming a refused photo out of ``batch`` as ``rejected`` (DESIGN §6): they
    stay in the outbox, named, until the user retries or discards them; the rest goes on."""
    from gridctl.i18n import t

    with store.transaction() as conn:
        for m in [m for m in batch if refused.keys() & set(_photos(m))]:
            batch.remove(m)
            reason = next(refused[p] for p in _photos(m) if p in refused)
            detail = t("photo.refused", detail=reason)
            problem = {"title": "Invalid input", "status": 422, "code": "photo_refused", "detail": detail,
                       "errors": [{"field": "photos", "message": detail}]}
            result = {"id": m["id"], "status": "rejected", "entity": ENTITY_OF[m["type"]],
                      "entity_id": m["entity_id"], "problem": problem}
            report.rejected += 1
            store.set_outbox_state(conn, m["id"], "rejected", result=result, error=detail)
            report.problems.append({"id": m["id"], "status": "rejected", "type": m["type"],
                                    "entity_id": m["entity_id"], "detail": detail})
            blocks.hold({**m, "state": "rejected"}, (m["id"], "rejected"))


def _after_applied(store: Store, conn, m: dict, result: dict) -> None:
    """Keep the cached record's version in step, and scrub full ID numbers from it."""
    entity = ENTITY_OF[m["type"]]
    record = store.get(entity, result.get("entity_id") or m["entity_id"])
    if record is None:
        return
    if result.get("version") is not None:
        record["version"] = result["version"]
    store.put(entity, scrub(record), conn)


def pull(target, api=None, *, page_size: int = 1000, progress: Progress | None = None,
         report: SyncReport | None = None, reset: bool = False) -> SyncReport:
    """Apply the change feed from the saved cursor; ``reset=True`` rebuilds the cache from scratch."""
    store, api, _, _ = _parts(target, api, "-", 1)
    report = report or SyncReport()
    cursor = None if reset else store.get_meta("pull_cursor")
    first = True
    while True:
        page = api.pull(cursor, page_size)
        report.requests += 1
        unsent = store.unsent_entity_ids()
        with store.transaction() as conn:
            if page.get("reset") or (reset and first):
                report.reset = True
                store.clear_cache(conn, keep=unsent)
            first = False
            for change in page["changes"]:
                record_id = change["id"]
                if record_id in unsent:
                    # Local changes not yet delivered win until they are; then the record is
                    # fetched again, since the feed has moved past it.
                    if change["entity"] in KIND_PATH:
                        store.mark_refetch(conn, change["entity"], record_id)
                    continue
                if change.get("deleted") or change.get("data") is None:
                    store.delete(change["entity"], record_id, conn)
                else:
                    store.put(change["entity"], change["data"], conn)
                report.pulled += 1
            cursor = page["cursor"]
            store.set_meta("pull_cursor", cursor, conn)
            store.set_meta("last_pull_at", utcnow(), conn)
        if progress:
            progress(report.pulled, None, "core.sync.pulling")
        if not page.get("has_more"):
            _refetch(store, api, report)
            return report


# Records that can be fetched one by one (a visit never changes once logged: nothing to refetch).
KIND_PATH = {"case": "cases", "household": "households", "person": "persons", "alert": "alerts"}
# Where one record of each kind is read (``GET /{path}/{id}``): those above, and visits, which are
# never edited and so never fetched back.
RECORD_PATH = {**KIND_PATH, "visit": "visits"}


def _refetch(store: Store, api, report: SyncReport) -> None:
    from gridctl.errors import NotFound

    for entity, record_id in store.refetch_due():
        try:
            record = api.get(KIND_PATH[entity], record_id)
        except NotFound:
            record = None  # gone, or no longer in scope
        with store.transaction() as conn:
            if record is None:
                store.delete(entity, record_id, conn)
            else:
                store.put(entity, record, conn)
            store.refetched(conn, record_id)
        report.pulled += 1


def run(store: Store, api, device_id: str, *, push_only: bool = False, pull_only: bool = False,
        batch_size: int = 500, progress: Progress | None = None, reset: bool = False) -> SyncReport:
    report = SyncReport()
    if not pull_only:
        push(store, api, device_id, batch_size=batch_size, progress=progress, report=report)
    if not push_only:
        pull(store, api, progress=progress, report=report, reset=reset)
    if pull_only:
        _outstanding(store, report)
        plan = waiting_plan(store)
        report.waiting = len(plan)
        report.waiting_items = [{"id": i, "waits_for": root, "blocker_state": state}
                                for i, (root, state) in plan.items()]
    return report


def sync(client, push: bool = True, pull: bool = True, progress: Progress | None = None, *,
         push_only: bool = False, pull_only: bool = False, reset: bool = False) -> SyncReport:
    """Push then pull for an ``ops.Client`` (what ``gridctl sync`` and the TUI call).

    ``push_only``/``pull_only`` are the CLI's flags spelled as such; ``push=False`` is the same
    as ``pull_only=True``.
    """
    return run(client.store, client.api, client.device_id, push_only=push_only or not pull,
               pull_only=pull_only or not push, batch_size=client.batch_size, progress=progress, reset=reset)
