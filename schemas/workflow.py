"""The case workflow (DESIGN §4) as data, and the pure functions that apply it.

One source of truth for client and server: the server decides with ``decide`` and applies with
``apply_transition``; the client calls the same functions to refuse an impossible action at
once (even offline), to show which actions fit a case now, and to update its cache optimistically.

A *case* here is any mapping with the wire fields (status, level, grid_code, assignee, urgent,
version, steps, due_at ...); a *user* is a mapping with username, role and scope (a list of
division codes). Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from schemas.messages import CodedError
from schemas.validators import format_time, in_scope, parse_time
from schemas.workdays import NATURAL, WorkCalendar

LEVEL_ORDER = ("grid", "village", "town", "county")
ROLE_LEVEL = {
    "gridworker": "grid",
    "village": "village",
    "station": "town",
    "county": "county",
    "admin": "county",  # admin acts at county level
}
STATUSES = ("reported", "accepted", "in_progress", "resolved", "closed", "rejected")
OPEN_STATUSES = ("reported", "accepted", "in_progress", "resolved")
# Statuses whose time limit still runs: past due_at in one of these is overdue.
UNFINISHED_STATUSES = ("reported", "accepted", "in_progress")
SUPERVISION_LEVELS = ("none", "normal", "yellow", "red")


class WorkflowRefused(CodedError):
    """An action that does not fit the case's status, the user's role or scope, or lacks a reason.

    ``code`` keys ``schemas.messages.MESSAGES``; ``field`` names the missing parameter, if any.
    """


@dataclass(frozen=True)
class Rule:
    """One row of the workflow table."""

    action: str
    from_statuses: tuple[str, ...]
    who: str  # handler | handler_or_assignee | above | handler_above_grid | station_county_handler
    #           | dispatcher | supervisor | anyone
    to_status: str | None = None  # None: status unchanged
    needs: str | None = None  # note | reason | assignee | supervision


RULES: dict[str, Rule] = {
    r.action: r
    for r in (
        Rule("accept", ("reported",), "handler", "accepted"),
        Rule("start", ("accepted",), "handler_or_assignee", "in_progress"),
        Rule("resolve", ("accepted", "in_progress"), "handler_or_assignee", "resolved", needs="note"),
        Rule("close", ("resolved",), "above", "closed"),
        Rule("reopen", ("resolved",), "above", "in_progress", needs="note"),
        Rule("escalate", ("reported", "accepted", "in_progress"), "handler", "reported", needs="reason"),
        Rule("return", ("reported", "accepted"), "handler_above_grid", "reported", needs="reason"),
        Rule("reject", ("reported",), "station_county_handler", "rejected", needs="reason"),
        Rule("assign", ("reported", "accepted", "in_progress"), "dispatcher", needs="assignee"),
        Rule("supervise", OPEN_STATUSES, "supervisor", needs="supervision"),
        Rule("comment", STATUSES, "anyone", needs="note"),
    )
}
ACTIONS = tuple(RULES)


def level_index(level: str) -> int:
    return LEVEL_ORDER.index(level)


def user_level(user: Mapping[str, Any]) -> str:
    return ROLE_LEVEL[user["role"]]


def _scope_ok(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    return in_scope(case["grid_code"], user.get("scope") or ())


def _is_handler(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """A user whose role level equals the case level and whose scope contains the case."""
    return user_level(user) == case["level"] and _scope_ok(case, user)


def _is_above(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """A user above the case's level; for a county case, county staff or the admin."""
    if not _scope_ok(case, user):
        return False
    if case["level"] == "county":
        return user["role"] in ("county", "admin")
    return level_index(user_level(user)) > level_index(case["level"])


def _who_ok(rule: Rule, case: Mapping[str, Any], user: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the user may take the action, and the refusal code when not."""
    who = rule.who
    if who == "anyone":
        return True, ""
    if who == "handler":
        return _is_handler(case, user), "workflow.level"
    if who == "handler_or_assignee":
        ok = _is_handler(case, user) or (case.get("assignee") == user["username"] and _scope_ok(case, user))
        return ok, "workflow.level"
    if who == "above":
        return _is_above(case, user), "workflow.above_level"
    if who == "handler_above_grid":
        if case["level"] == "grid":
            return False, "workflow.bottom_level"
        return _is_handler(case, user), "workflow.level"
    if who == "station_county_handler":
        if user_level(user) not in ("town", "county"):
            return False, "workflow.role"
        return _is_handler(case, user), "workflow.level"
    if who == "dispatcher":
        return user["role"] in ("village", "station", "county", "admin"), "workflow.role"
    if who == "supervisor":
        return user["role"] in ("station", "county", "admin"), "workflow.role"
    raise AssertionError(f"unknown rule subject {who}")


def _why_not(action: str, case: Mapping[str, Any], user: Mapping[str, Any]) -> tuple | None:
    """None when the action fits status, scope and role now; else (code, field, params)."""
    rule = RULES.get(action)
    if rule is None:
        return "workflow.unknown_action", "action", {"action": action}
    if not _scope_ok(case, user):
        return "workflow.scope", None, {}
    if case["status"] not in rule.from_statuses:
        return "workflow.status", "status", {"action": action, "status": case["status"],
                                             "allowed": list(rule.from_statuses)}
    ok, code = _who_ok(rule, case, user)
    if not ok:
        return code, None, {"action": action, "role": user["role"], "level": case["level"]}
    if action == "escalate" and case["level"] == "county":
        return "workflow.top_level", None, {}
    return None


def can(action: str, case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """Whether the action fits now (parameters aside), without raising."""
    return _why_not(action, case, user) is None


def check(action: str, case: Mapping[str, Any], user: Mapping[str, Any]) -> Rule:
    """Refuse (``WorkflowRefused``) when the action does not fit status, scope or role now."""
    reason = _why_not(action, case, user)
    if reason is not None:
        code, field_name, params = reason
        raise WorkflowRefused(code, field_name, **params)
    return RULES[action]


def allowed_actions(case: Mapping[str, Any], user: Mapping[str, Any]) -> list[str]:
    """The actions the workflow table allows this user on this case now (parameters aside)."""
    return [action for action in RULES if can(action, case, user)]


@dataclass(frozen=True)
class Transition:
    """What an allowed action changes. Fields left None keep their value."""

    action: str
    from_status: str
    to_status: str
    from_level: str
    to_level: str
    note: str | None = None
    assignee: str | None = None
    clear_assignee: bool = False
    supervision: str | None = None

    @property
    def level_changed(self) -> bool:
        return self.from_level != self.to_level


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def decide(
    action: str,
    case: Mapping[str, Any],
    user: Mapping[str, Any],
    *,
    note: str | None = None,
    reason: str | None = None,
    to_level: str | None = None,
    assignee: str | None = None,
    supervision: str | None = None,
) -> Transition:
    """Check an action fully (status, role, scope, required parameters) and say what it does."""
    rule = check(action, case, user)
    text = _text(reason) or _text(note)
    if rule.needs == "note" and not text:
        raise WorkflowRefused("workflow.note_required", "note", action=action)
    if rule.needs == "reason" and not text:
        raise WorkflowRefused("workflow.reason_required", "reason", action=action)
    level = case["level"]
    new_level = level
    new_assignee = None
    clear_assignee = False
    new_supervision = None
    if action == "escalate":
        current = level_index(level)
        if to_level is None:
            new_level = LEVEL_ORDER[current + 1]
        elif to_level not in LEVEL_ORDER or level_index(to_level) <= current:
            raise WorkflowRefused("workflow.to_level", "to_level", level=level, to_level=to_level)
        else:
            new_level = to_level
        clear_assignee = True
    elif action == "return":
        new_level = LEVEL_ORDER[level_index(level) - 1]
        clear_assignee = True
    elif action == "assign":
        new_assignee = _text(assignee)
        if not new_assignee:
            raise WorkflowRefused("workflow.assignee_required", "assignee")
    elif action == "supervise":
        if supervision not in SUPERVISION_LEVELS:
            raise WorkflowRefused("workflow.supervision_required", "supervision")
        new_supervision = supervision
    return Transition(
        action=action,
        from_status=case["status"],
        to_status=rule.to_status or case["status"],
        from_level=level,
        to_level=new_level,
        note=text,
        assignee=new_assignee,
        clear_assignee=clear_assignee,
        supervision=new_supervision,
    )


# --- time limits ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TimeLimits:
    """Time limits (DESIGN §4, §15); the server may configure other values.

    Limits in hours (accept, urgent ones) are calendar hours. The resolve limits in days count the
    days of ``calendar``: working days for the server's default ``cn`` calendar (whole days
    only), every day for ``NATURAL`` — the default here, as ``schemas`` holds no holiday data.
    """

    accept: timedelta = timedelta(hours=24)
    accept_urgent: timedelta = timedelta(hours=2)
    resolve: Mapping[str, timedelta] = field(
        default_factory=lambda: {
            "grid": timedelta(days=3),
            "village": timedelta(days=5),
            "town": timedelta(days=10),
            "county": timedelta(days=15),
        }
    )
    resolve_urgent: timedelta = timedelta(hours=24)
    calendar: WorkCalendar = NATURAL


DEFAULT_LIMITS = TimeLimits()


def due_at(
    status: str,
    level: str,
    urgent: bool,
    level_entered_at: datetime,
    limits: TimeLimits = DEFAULT_LIMITS,
) -> datetime | None:
    """When the running time limit ends: acceptance while reported, resolution while being handled.

    Both count from the moment the case entered its current level. Finished cases have none.
    Hours are calendar hours; the days of a resolve limit are days of ``limits.calendar``.
    """
    if status == "reported":
        return level_entered_at + (limits.accept_urgent if urgent else limits.accept)
    if status in ("accepted", "in_progress"):
        if urgent:
            return level_entered_at + limits.resolve_urgent
        return limits.calendar.after(level_entered_at, limits.resolve[level])
    return None


def is_overdue(case: Mapping[str, Any], now: datetime) -> bool:
    due = case.get("due_at")
    if not due or case["status"] not in UNFINISHED_STATUSES:
        return False
    return parse_time(due) < now


def level_entered_at(case: Mapping[str, Any]) -> datetime:
    """When the case entered its current level: the last step that moved it, else its report."""
    for step in reversed(case.get("steps") or ()):
        if step.get("action") == "report" or step.get("from_level") != step.get("to_level"):
            return parse_time(step["at"])
    return parse_time(case["reported_at"])


def apply_transition(
    case: Mapping[str, Any],
    t: Transition,
    actor: str,
    at: datetime,
    limits: TimeLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """The case after the transition: new status/level/assignee, a step appended, version + 1."""
    new = dict(case)
    new["status"] = t.to_status
    new["level"] = t.to_level
    if t.clear_assignee:
        new["assignee"] = None
    if t.assignee is not None:
        new["assignee"] = t.assignee
    if t.supervision is not None:
        new["supervision"] = t.supervision
    step = {
        "action": t.action,
        "actor": actor,
        "from_status": t.from_status,
        "to_status": t.to_status,
        "from_level": t.from_level,
        "to_level": t.to_level,
        "note": t.note,
        "at": format_time(at),
    }
    if t.assignee is not None:
        step["assignee"] = t.assignee
    if t.supervision is not None:
        step["supervision"] = t.supervision
    new["steps"] = [*(case.get("steps") or ()), step]
    new["version"] = int(case.get("version") or 0) + 1
    entered = at if t.level_changed else level_entered_at(case)
    due = due_at(t.to_status, t.to_level, bool(case.get("urgent")), entered, limits)
    if due is not None or t.to_status not in UNFINISHED_STATUSES:
        # A finished case keeps the deadline it was held to, for on-time statistics.
        new["due_at"] = format_time(due) if due is not None else case.get("due_at")
    new["overdue"] = is_overdue(new, at)
    return new


def new_case_fields(
    reported_at: datetime, urgent: bool, reporter: str, limits: TimeLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Workflow fields of a freshly reported case: status, level, due date, first step, version 1."""
    due = due_at("reported", "grid", urgent, reported_at, limits)
    return {
        "status": "reported",
        "level": "grid",
        "assignee": None,
        "supervision": "none",
        "version": 1,
        "due_at": format_time(due),
        "overdue": False,
        "steps": [
            {
                "action": "report",
                "actor": reporter,
                "from_status": None,
                "to_status": "reported",
                "from_level": None,
                "to_level": "grid",
                "note": None,
                "at": format_time(reported_at),
            }
        ],
    }
