"""A record as the cache shows it while writes of it are unsent: the server's version with each of
those writes applied in order, the same local effect each write had when it was made.

Used when a record's cached state is rebuilt while other writes of it still wait (discarding a
refused write): rebuilt from the server alone, the cache would hide the worker's waiting change
until the next sync."""

from __future__ import annotations

from typing import Iterable

from gridctl import sync
from schemas import workflow as wf


def overlay(server: dict, writes: Iterable[dict], user: dict) -> dict | None:
    """``server`` with ``writes`` (outbox items of that record, oldest first) applied; ``None``
    when one of them cannot be replayed here (it made the record: the server's copy is no base)."""
    record = dict(server)
    answered = False
    for item in writes:
        if sync.creates(item):
            return None
        record = _apply(record, item, user)
        answered = answered or item["state"] in ("conflict", "rejected")
    # A write the server answered leaves no full ID number in the cache (as the push does).
    return sync.scrub(record) if answered else record


def _apply(record: dict, item: dict, user: dict) -> dict:
    payload = item["payload"]
    if item["type"] in ("person.upsert", "household.upsert"):
        # An edit's payload is a patch of exactly the fields it changed (ops/person, ops/household).
        return {**record, **payload}
    if item["type"] == "case.act":
        return _act(record, item, user)
    if item["type"] == "alert.ack":
        if record.get("acked_by"):
            return record  # acknowledged already: the server keeps the first
        return dict(record, acked_by=user.get("username"), acked_at=item["created_at"], ack_note=payload.get("note"),
                     state="acknowledged" if record.get("state") == "open" else record.get("state"))
    return record


def _act(case: dict, item: dict, user: dict) -> dict:
    from gridctl.calendar_ops import client_limits
    from gridctl.ops.case import LOOP_PARAMS
    from schemas.validators import parse_time

    p = item["payload"]
    params = {k: p[k] for k in ("note", "reason", "to_level", "assignee", "supervision", *LOOP_PARAMS)
              if p.get(k) not in (None, [], ())}
    try:
        transition = wf.decide(p["action"], case, user, **params)
    except wf.WorkflowRefused:
        # It no longer fits the case as the server has it: the server will say so when it is
        # sent; it stays listed (and the case marked) in the meantime.
        return case
    return wf.apply_transition(case, transition, user["username"], parse_time(item["created_at"]), client_limits())
