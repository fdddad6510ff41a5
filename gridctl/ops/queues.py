"""Work queues (DESIGN §15): what waits for me, sorted by urgency.

- ``todo``: the open cases I must act on now — assigned to me, or where the workflow lets me
  accept, start, resolve, dispatch, sign, refuse, escalate, return, reject, close or reopen.
  A case a unit holds (dispatched, or signed and being handled) is the unit's to act on, so it
  waits in the dispatcher's ``dispatched`` queue instead of its ``todo``;
- ``verify``: resolved cases my level must verify (close or reopen);
- ``follow-up``: closed cases in my scope not yet followed up, that I may follow up;
- ``dispatched``: cases my level dispatched to a unit, not yet resolved;
- ``unit``: my unit's cases (a unit user); for others, the cases in scope a unit holds.

Cases whose time limit runs first: urgent first, then the earliest due time (none last), then
the newest report; then resolved and closed ones, urgent first, newest first. The queues are
decided by ``schemas.workflow`` on the cached cases, so they agree with what the server allows.
"""

from __future__ import annotations

from typing import Iterable

from schemas import workflow as wf

QUEUES = ("todo", "verify", "follow-up", "dispatched", "unit")
TODO_ACTIONS = ("accept", "start", "resolve", "dispatch", "sign", "refuse", "escalate", "return", "reject",
                "close", "reopen")
# While a unit holds a case, these statuses are the unit's to move on.
HELD_BY_UNIT = ("dispatched", "accepted", "in_progress")


def _held_by_unit(case: dict) -> bool:
    return bool(case.get("unit")) and case["status"] in HELD_BY_UNIT


def in_queue(case: dict, user: dict, queue: str) -> bool:
    status = case["status"]
    if queue == "todo":
        if status not in wf.OPEN_STATUSES:
            return False
        if user.get("role") != "unit" and _held_by_unit(case):
            return False
        if case.get("assignee") == user.get("username") and status in wf.UNFINISHED_STATUSES:
            return True
        return any(wf.can(action, case, user) for action in TODO_ACTIONS)
    if queue == "verify":
        return status == "resolved" and wf.can("close", case, user)
    if queue == "follow-up":
        return status == "closed" and wf.can("follow_up", case, user)
    if queue == "dispatched":
        return (_held_by_unit(case) and user.get("role") != "unit"
                and wf.ROLE_LEVEL.get(user.get("role")) == case["level"] and wf.can("comment", case, user))
    if queue == "unit":
        if user.get("role") == "unit":
            return user.get("unit") in wf.case_units(case)
        return bool(case.get("unit")) and wf.can("comment", case, user)
    raise ValueError(f"unknown queue {queue!r}")


def urgency_key(case: dict) -> tuple:
    """Urgent first, then the earliest due (none last), then the newest report. Only a case whose
    time limit still runs (reported, accepted, in progress, dispatched) is ordered by its due time:
    a resolved or closed case keeps the due time of a limit that is over, which would put every
    old resolved case ahead of the one escalated an hour ago (issue 11). Those come after, urgent
    first, newest first."""
    reported = case.get("reported_at") or ""
    newest = "".join(chr(0x10FFFF - ord(c)) for c in reported)
    if case.get("status") not in wf.UNFINISHED_STATUSES:
        return (True, not case.get("urgent"), True, "", newest)
    due = case.get("due_at") or ""
    return (False, not case.get("urgent"), due == "", due, newest)


def by_urgency(cases: Iterable[dict]) -> list[dict]:
    return sorted(cases, key=urgency_key)


def counts(cases: Iterable[dict], user: dict, queues: Iterable[str] = ("todo", "verify", "follow-up")) -> dict[str, int]:
    """How many of ``cases`` wait in each queue (the dashboard's figures)."""
    out = {q: 0 for q in queues}
    for case in cases:
        for q in out:
            if in_queue(case, user, q):
                out[q] += 1
    return out
