"""Cases: the worker's list, one case, what may be done to it, and doing it."""

from __future__ import annotations

from typing import Iterable

from gridctl.calendar_ops import client_limits
from gridctl.errors import Forbidden, GridctlError, InvalidInput
from gridctl.i18n import get_lang
from gridctl.ops.client import Client, Listing, WriteResult
from gridctl.ops.queues import QUEUES, by_urgency, in_queue
from gridctl.ops.refs import listing, mark_sync, refresh, resolve
from gridctl.ops.search import like_pattern, lower_sql
from gridctl.ops.writes import validate, write
from schemas import workflow as wf
from schemas.validators import format_time

SEARCHED_FIELDS = ("title", "description", "serial", "address")
PROGRESS_ACTIONS = ("accept", "start", "resolve", "close", "reopen", "escalate", "return", "reject")


def _is_mine(case: dict, user: dict) -> bool:
    """The ``todo`` queue (gridctl.ops.queues): what I must act on now."""
    return in_queue(case, user, "todo")


def list_cases(client: Client, *, mine: bool = True, statuses: Iterable[str] = (), level: str | None = None,
               grid: str | None = None, overdue: bool | None = None, category: str | None = None,
               search: str | None = None, limit: int | None = None, queue: str | None = None) -> Listing:
    """Cases from the cache. ``mine`` is the ``todo`` queue; ``queue`` names another (DESIGN §15).
    ``search``: text in the title, description, serial or address, case-insensitive and literal.
    Sorted by urgency: urgent first, then due time."""
    if queue is not None and queue not in QUEUES:
        raise InvalidInput("loop.queue.unknown", field="queue", queue=queue, queues=", ".join(QUEUES))
    if queue == "todo":
        queue, mine = None, True
    elif queue is not None:
        mine = False
    source, stale = refresh(client)
    user = client.user
    where, params = [], []
    statuses = list(statuses)
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += statuses
    elif mine:
        where.append(f"status IN ({', '.join('?' * len(wf.OPEN_STATUSES))})")
        params += list(wf.OPEN_STATUSES)
    if mine and user.get("role") != "unit":  # a unit's cache holds its own cases alone
        # Narrow in SQL to what can be mine (the workflow check below decides): assigned to me,
        # at my level, or resolved below my level (to verify).
        my_level = wf.ROLE_LEVEL.get(user.get("role"), "grid")
        below = list(wf.LEVEL_ORDER[: wf.LEVEL_ORDER.index(my_level)]) or [""]
        if my_level == "county":
            below.append("county")
        where.append(f"(assignee = ? OR level = ? OR (status = 'resolved' AND level IN ({', '.join('?' * len(below))})))")
        params += [user.get("username"), my_level, *below]
    if level:
        where.append("level = ?")
        params.append(level)
    if grid:
        where.append("grid_code LIKE ?")
        params.append(grid + "%")
    if category:
        where.append("json_extract(data, '$.category') = ?")
        params.append(category)
    needle = (search or "").strip().lower()
    if needle and not set(needle) & {'"', "\\"}:
        # In SQL to narrow cheaply (JSON escapes only quotes and backslashes among printable text),
        # literal by the ESCAPE clause; the fields themselves are checked below.
        where.append(f"{lower_sql(needle)}(data) LIKE ? ESCAPE '\\'")
        params.append(like_pattern(needle))
    sql = "SELECT data FROM cases" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY due_at IS NULL, due_at, reported_at DESC"
    # Times on the wire are fixed-width RFC 3339 in +08:00, so text order is time order.
    now_text = format_time(client.now())
    items = []
    for case in by_urgency(client.store.query(sql, params)):
        due = case.get("due_at")
        case["overdue"] = bool(due and case["status"] in wf.UNFINISHED_STATUSES and
                               (due < now_text if due.endswith("+08:00") else wf.is_overdue(case, client.now())))
        if overdue is not None and case["overdue"] != overdue:
            continue
        if needle and not any(needle in (case.get(k) or "").lower() for k in SEARCHED_FIELDS):
            continue
        if mine and not _is_mine(case, user):
            continue
        if queue is not None and not in_queue(case, user, queue):
            continue
        items.append(case)
        if limit and len(items) >= limit:
            break
    return listing(client, items, source, stale)


def show_case(client: Client, ref: str) -> dict:
    if not client.offline:
        refresh(client)
    case = resolve(client, "case", ref, extra_column="serial")
    case["overdue"] = wf.is_overdue(case, client.now())
    mark_sync(client, [case])
    return case


def allowed_actions(client: Client, case: dict) -> list[str]:
    return wf.allowed_actions(case, client.user)


def refusal(exc: wf.WorkflowRefused) -> GridctlError:
    """The workflow's refusal as the core's error: Forbidden for who/where, InvalidInput otherwise."""
    text = exc.message(get_lang())
    cls = Forbidden if exc.code in ("workflow.role", "workflow.level", "workflow.above_level", "workflow.scope",
                                    "workflow.unit", "workflow.follow_up_role") else InvalidInput
    return cls("core.workflow.refused", field=exc.field, text=text)


# Parameters of the closed-loop actions (DESIGN §15), passed through to the workflow and the payload.
LOOP_PARAMS = ("unit", "co_units", "satisfaction", "method", "result", "agreement_no", "participants")


def act(client: Client, case_ref: str, action: str, *, note: str | None = None, reason: str | None = None,
        to_level: str | None = None, assignee: str | None = None, supervision: str | None = None,
        **loop) -> WriteResult:
    case = show_case(client, case_ref) if not client.offline else resolve(client, "case", case_ref, extra_column="serial")
    case.pop("sync", None)
    user = client.user
    try:
        transition = wf.decide(action, case, user, note=note, reason=reason, to_level=to_level, assignee=assignee,
                               supervision=supervision, **loop)
    except wf.WorkflowRefused as exc:
        raise refusal(exc) from None
    from gridctl.ops.directory import check_assignee, check_units

    if assignee:
        check_assignee(client, assignee, case)
    if action == "dispatch":
        check_units(client, [loop.get("unit"), *(loop.get("co_units") or ())], case)
    extra = {k: v for k, v in loop.items() if k in LOOP_PARAMS and v not in (None, [], ())}
    payload = validate("CaseAct", {"case_id": case["id"], "action": action, "note": note, "reason": reason,
                                   "to_level": to_level, "assignee": assignee, "supervision": supervision, **extra})
    after = wf.apply_transition(case, transition, user["username"], client.now(), client_limits())
    return write(client, "case", after, "case.act", payload, base_version=case["version"])


def queue_summary(client: Client, *, listed: int = 50) -> dict:
    """The station's queues at a glance (DESIGN §15): counts of ``todo``, ``verify`` and
    ``follow-up`` and the first ``listed`` cases of each by urgency, from one refresh of the cache."""
    from gridctl.ops.queues import counts

    source, stale = refresh(client)
    user = client.user
    cases = by_urgency(client.store.query("SELECT data FROM cases"))
    now = client.now()
    for case in cases:
        case["overdue"] = wf.is_overdue(case, now)
    names = ("todo", "verify", "follow-up")
    return {"counts": counts(cases, user, names),
            "cases": {q: [c for c in cases if in_queue(c, user, q)][:listed] for q in names},
            "source": source, "stale": stale}
