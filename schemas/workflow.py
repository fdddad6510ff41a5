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
# `unit` users (DESIGN §15) have no level: they act on the cases dispatched to their unit.
ROLES = (*ROLE_LEVEL, "unit")
STATUSES = ("reported", "accepted", "in_progress", "resolved", "closed", "rejected", "dispatched")
OPEN_STATUSES = ("reported", "accepted", "in_progress", "resolved", "dispatched")
# Statuses whose time limit still runs: past due_at in one of these is overdue.
UNFINISHED_STATUSES = ("reported", "accepted", "in_progress", "dispatched")
SUPERVISION_LEVELS = ("none", "normal", "yellow", "red")
SATISFACTIONS = ("satisfied", "basic", "unsatisfied")
FOLLOW_UP_METHODS = ("phone", "in_person")
MEDIATION_RESULTS = ("agreed", "failed")
MEDIATION_METHODS = ("people", "administrative", "judicial")
# Roles that follow up any closed case in their scope (besides the reporting grid worker).
FOLLOW_UP_ROLES = ("village", "station", "county", "admin")
SUPERVISOR_ROLES = ("station", "county", "admin")  # who may supervise (督办) a case
# Actions after which the running time limit counts from the moment they were taken, although
# the level stays: dispatch (due for signing), sign (the resolve limit restarts), refuse (due
# for acceptance again at the dispatching level), an unsatisfied follow-up (handled again).
CLOCK_ACTIONS = ("dispatch", "sign", "refuse", "follow_up")


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
    #           | dispatcher | supervisor | anyone | town_county_handler | unit | follower | closer
    to_status: str | None = None  # None: status unchanged
    needs: str | None = None  # note | reason | assignee | supervision | unit | satisfaction | mediation


RULES: dict[str, Rule] = {
    r.action: r
    for r in (
        Rule("accept", ("reported",), "handler", "accepted"),
        Rule("start", ("accepted",), "handler_assignee_or_unit", "in_progress"),
        Rule("resolve", ("accepted", "in_progress"), "handler_assignee_or_unit", "resolved", needs="note"),
        Rule("close", ("resolved",), "closer", "closed"),
        Rule("reopen", ("resolved",), "closer", "in_progress", needs="note"),
        Rule("escalate", ("reported", "accepted", "in_progress"), "handler", "reported", needs="reason"),
        Rule("return", ("reported", "accepted"), "handler_above_grid", "reported", needs="reason"),
        Rule("reject", ("reported",), "station_county_handler", "rejected", needs="reason"),
        Rule("assign", ("reported", "accepted", "in_progress"), "dispatcher", needs="assignee"),
        Rule("supervise", OPEN_STATUSES, "supervisor", needs="supervision"),
        Rule("comment", STATUSES, "anyone", needs="note"),
        # DESIGN §15: the closed loop with units.
        Rule("dispatch", ("reported", "accepted"), "town_county_handler", "dispatched", needs="unit"),
        Rule("sign", ("dispatched",), "unit", "in_progress"),
        Rule("refuse", ("dispatched",), "unit", "reported", needs="reason"),
        Rule("follow_up", ("closed",), "follower", needs="satisfaction"),
        Rule("mediate", ("accepted", "in_progress", "dispatched"), "mediator", needs="mediation"),
    )
}
ACTIONS = tuple(RULES)


def level_index(level: str) -> int:
    return LEVEL_ORDER.index(level)


def user_level(user: Mapping[str, Any]) -> str | None:
    """The level a role acts at; None for a unit user, who has none."""
    return ROLE_LEVEL.get(user["role"])


def case_units(case: Mapping[str, Any]) -> list[str]:
    """The units a case is dispatched to: the lead unit first, then the co-units (协办)."""
    lead = case.get("unit")
    return ([lead] if lead else []) + [u for u in (case.get("co_units") or ()) if u and u != lead]


def _scope_ok(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    if user["role"] == "unit":
        # A unit user's scope is the cases dispatched to its unit, lead or co-unit.
        return bool(user.get("unit")) and user.get("unit") in case_units(case)
    return in_scope(case["grid_code"], user.get("scope") or ())


def _is_unit_user(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """A user of the case's lead unit."""
    return user["role"] == "unit" and bool(case.get("unit")) and user.get("unit") == case.get("unit")


def _is_handler(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """A user whose role level equals the case level and whose scope contains the case."""
    return user_level(user) == case["level"] and _scope_ok(case, user)


def _is_above(case: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """A user above the case's level; for a county case, county staff or the admin."""
    if user["role"] == "unit" or not _scope_ok(case, user):
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
    if who == "handler_assignee_or_unit":
        ok = (_is_handler(case, user) or (case.get("assignee") == user["username"] and _scope_ok(case, user))
              or _is_unit_user(case, user))
        return ok, "workflow.level"
    if who == "closer":
        # Verification: above the case's level, or — for a case a unit handled — the level that
        # dispatched it (the case keeps its level while a unit works on it).
        ok = _is_above(case, user) or (bool(case.get("unit")) and _is_handler(case, user))
        return ok, "workflow.above_level"
    if who == "town_county_handler":
        if user_level(user) not in ("town", "county"):
            return False, "workflow.role"
        return _is_handler(case, user), "workflow.level"
    if who == "unit":
        return _is_unit_user(case, user), "workflow.unit"
    if who == "mediator":
        ok = (_is_handler(case, user) or (case.get("assignee") == user["username"] and _scope_ok(case, user))
              or (user["role"] == "unit" and _scope_ok(case, user)))
        return ok, "workflow.level"
    if who == "follower":
        ok = user["role"] in FOLLOW_UP_ROLES or (
            user["role"] == "gridworker" and case.get("reporter") == user["username"])
        return ok, "workflow.follow_up_role"
    if who == "dispatcher":
        return user["role"] in ("village", "station", "county", "admin"), "workflow.role"
    if who == "supervisor":
        return user["role"] in SUPERVISOR_ROLES, "workflow.role"
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
        return code, None, {"action": action, "role": user["role"], "level": case["level"],
                            "unit": case.get("unit") or "-"}
    if action == "escalate" and case["level"] == "county":
        return "workflow.top_level", None, {}
    if action == "follow_up" and followed_up_since_close(case):
        return "workflow.followed_up", None, {}
    return None


def followed_up_since_close(case: Mapping[str, Any]) -> bool:
    """Whether the case was followed up after it was last closed (one follow-up per closing)."""
    for step in reversed(case.get("steps") or ()):
        if step.get("action") == "follow_up":
            return True
        if step.get("action") == "close":
            return False
    return False


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
    unit: str | None = None  # dispatch: the lead unit
    co_units: tuple[str, ...] = ()
    clear_unit: bool = False  # refuse: the unit gave the case back
    satisfaction: str | None = None  # follow_up
    method: str | None = None  # follow_up: phone | in_person
    mediation: Mapping[str, Any] | None = None  # mediate: result, method, participants, agreement_no
    restarts_clock: bool = False  # the time limit counts from this action (CLOCK_ACTIONS)

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
    unit: str | None = None,
    co_units: list[str] | tuple[str, ...] = (),
    satisfaction: str | None = None,
    method: str | None = None,
    result: str | None = None,
    agreement_no: str | None = None,
    participants: list[str] | tuple[str, ...] = (),
) -> Transition:
    """Check an action fully (status, role, scope, required parameters) and say what it does.

    Whether a named unit exists is for the server to say (``schemas`` holds no data).
    """
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
    extra: dict[str, Any] = {}
    if action == "dispatch":
        lead = _text(unit)
        if not lead:
            raise WorkflowRefused("workflow.unit_required", "unit")
        co = tuple(dict.fromkeys(c.strip() for c in co_units if c and c.strip()))
        if lead in co:  # said twice, it would be dropped from the helpers unseen
            raise WorkflowRefused("workflow.co_unit_is_lead", "co_units", unit=lead)
        extra.update(unit=lead, co_units=co, restarts_clock=True)
    elif action == "sign":
        extra.update(restarts_clock=True)
    elif action == "refuse":
        extra.update(clear_unit=True, restarts_clock=True)
    elif action == "follow_up":
        if satisfaction not in SATISFACTIONS:
            raise WorkflowRefused("workflow.satisfaction_required", "satisfaction")
        if method is not None and method not in FOLLOW_UP_METHODS:
            raise WorkflowRefused("workflow.follow_up_method", "method", method=method)
        extra.update(satisfaction=satisfaction, method=method or "phone")
        if satisfaction == "unsatisfied":
            # Handled again at the level (and by the unit) that resolved it.
            new_level = resolved_level(case)
            extra.update(restarts_clock=True)
    elif action == "mediate":
        if result not in MEDIATION_RESULTS:
            raise WorkflowRefused("workflow.mediation_result", "result")
        how = method or "people"
        if how not in MEDIATION_METHODS:
            raise WorkflowRefused("workflow.mediation_method", "method", method=how)
        number = _text(agreement_no)
        if result == "agreed" and not number:
            raise WorkflowRefused("workflow.agreement_no_required", "agreement_no")
        for earlier in case.get("mediations") or []:
            # One agreement is recorded once: the same number again is a repeat (a command run
            # twice, an offline copy sent again), which would count the mediation twice.
            if number and (earlier.get("agreement_no") or "").strip() == number:
                raise WorkflowRefused("workflow.agreement_no_recorded", "agreement_no", agreement_no=number,
                                      actor=earlier.get("actor") or "?", at=(earlier.get("at") or "")[:16].replace("T", " "))
        names = [p.strip() for p in participants if p and p.strip()]
        extra.update(mediation={"result": result, "method": how, "participants": names,
                                "agreement_no": number, "note": text})
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
    to_status = rule.to_status or case["status"]
    if action == "follow_up" and satisfaction == "unsatisfied":
        to_status = "in_progress"
    return Transition(
        action=action,
        from_status=case["status"],
        to_status=to_status,
        from_level=level,
        to_level=new_level,
        note=text,
        assignee=new_assignee,
        clear_assignee=clear_assignee,
        supervision=new_supervision,
        **extra,
    )


def resolved_level(case: Mapping[str, Any]) -> str:
    """The level at which the case was last resolved (its current level if never)."""
    for step in reversed(case.get("steps") or ()):
        if step.get("action") == "resolve" and step.get("to_level"):
            return step["to_level"]
    return case["level"]


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
    if status in ("reported", "dispatched"):  # accepting, or signing for a dispatched case
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
    """When the running limit started: the last step that moved the case to another level or
    restarted its clock (dispatch, sign, refuse, an unsatisfied follow-up), else its report."""
    for step in reversed(case.get("steps") or ()):
        if step.get("action") == "report" or step.get("from_level") != step.get("to_level"):
            return parse_time(step["at"])
        if step.get("action") in CLOCK_ACTIONS and step.get("from_status") != step.get("to_status"):
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
    new.setdefault("unit", None)
    new["co_units"] = list(case.get("co_units") or [])
    new["mediations"] = list(case.get("mediations") or [])
    new.setdefault("satisfaction", None)
    new.setdefault("followed_up_at", None)
    if t.unit is not None:
        new["unit"] = t.unit
        new["co_units"] = list(t.co_units)
    if t.clear_unit:
        new["unit"] = None
        new["co_units"] = []
    if t.satisfaction is not None:
        new["satisfaction"] = t.satisfaction
        new["followed_up_at"] = format_time(at)
    if t.mediation is not None:
        new["mediations"].append({**t.mediation, "actor": actor, "at": format_time(at)})
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
    if t.unit is not None:
        step["unit"] = t.unit
        if t.co_units:
            step["co_units"] = list(t.co_units)
    if t.satisfaction is not None:
        step["satisfaction"] = t.satisfaction
        step["method"] = t.method
    if t.mediation is not None:
        step["mediation"] = dict(t.mediation)
    new["steps"] = [*(case.get("steps") or ()), step]
    new["version"] = int(case.get("version") or 0) + 1
    entered = at if (t.level_changed or t.restarts_clock) else level_entered_at(case)
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
        "unit": None,
        "co_units": [],
        "satisfaction": None,
        "followed_up_at": None,
        "mediations": [],
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
