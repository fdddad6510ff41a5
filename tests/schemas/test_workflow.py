"""The workflow table, action by action, against every status and role (pure functions)."""

from datetime import datetime, timedelta, timezone

import pytest

from schemas import workflow as wf
from schemas.validators import parse_time

GRID = "610822100200001"
USERS = {
    "gridworker": {"username": "gw-001", "role": "gridworker", "scope": [GRID]},
    "other_gridworker": {"username": "gw-002", "role": "gridworker", "scope": ["610822100200002"]},
    "village": {"username": "village-01", "role": "village", "scope": ["610822100200"]},
    "station": {"username": "station-01", "role": "station", "scope": ["610822100"]},
    "county": {"username": "county-01", "role": "county", "scope": ["610822"]},
    "admin": {"username": "county-admin", "role": "admin", "scope": ["610822"]},
}
T0 = datetime(2026, 11, 22, 9, tzinfo=timezone.utc)


def case(status="reported", level="grid", assignee=None, urgent=False):
    c = {"grid_code": GRID, "urgent": urgent, "reported_at": T0.isoformat()}
    c.update(wf.new_case_fields(T0, urgent, "gw-001"))
    c.update(status=status, level=level, assignee=assignee)
    return c


def expected(action, status, level, who):
    """The table of DESIGN §4, written out independently of the implementation."""
    user = USERS[who]
    ulevel = wf.ROLE_LEVEL[user["role"]]
    in_scope = who != "other_gridworker"
    handler = in_scope and ulevel == level
    li, ul = wf.LEVEL_ORDER.index(level), wf.LEVEL_ORDER.index(ulevel)
    above = in_scope and (ul > li or (level == "county" and user["role"] in ("county", "admin")))
    if not in_scope:
        return False
    return {
        "accept": status == "reported" and handler,
        "start": status == "accepted" and handler,
        "resolve": status in ("accepted", "in_progress") and handler,
        "close": status == "resolved" and above,
        "reopen": status == "resolved" and above,
        "escalate": status in ("reported", "accepted", "in_progress") and handler and level != "county",
        "return": status in ("reported", "accepted") and handler and level != "grid",
        "reject": status == "reported" and handler and ulevel in ("town", "county"),
        "assign": status in ("reported", "accepted", "in_progress") and user["role"] != "gridworker",
        "supervise": status in wf.OPEN_STATUSES and user["role"] in ("station", "county", "admin"),
        "comment": True,
    }[action]


@pytest.mark.parametrize("who", list(USERS))
@pytest.mark.parametrize("level", wf.LEVEL_ORDER)
@pytest.mark.parametrize("status", wf.STATUSES)
def test_allowed_actions_match_the_table(status, level, who):
    c = case(status, level)
    want = [a for a in wf.ACTIONS if expected(a, status, level, who)]
    assert wf.allowed_actions(c, USERS[who]) == want


def test_assignee_may_start_and_resolve():
    c = case("accepted", "town", assignee="gw-001")
    assert "start" in wf.allowed_actions(c, USERS["gridworker"])
    assert "resolve" in wf.allowed_actions(c, USERS["gridworker"])
    assert "accept" not in wf.allowed_actions(c, USERS["gridworker"])


def test_refusals_say_why():
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide("close", case("reported"), USERS["station"])
    assert err.value.code == "workflow.status"
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide("resolve", case("in_progress"), USERS["gridworker"])
    assert err.value.code == "workflow.note_required" and err.value.field == "note"
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide("escalate", case("reported"), USERS["gridworker"], reason="  ")
    assert err.value.code == "workflow.reason_required"
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide("escalate", case("reported", "county"), USERS["county"], reason="x")
    assert err.value.code == "workflow.top_level"
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide("accept", case("reported"), USERS["other_gridworker"])
    assert err.value.code == "workflow.scope"
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide("escalate", case("reported", "town"), USERS["station"], reason="x", to_level="village")
    assert err.value.code == "workflow.to_level"


def test_escalate_moves_level_clears_assignee_and_restarts_the_clock():
    c = case("in_progress", assignee="gw-001")
    t = wf.decide("escalate", c, USERS["gridworker"], reason="需住建部门处置", to_level="town")
    at = T0 + timedelta(hours=3)
    after = wf.apply_transition(c, t, "gw-001", at)
    assert (after["status"], after["level"], after["assignee"], after["version"]) == ("reported", "town", None, 2)
    assert parse_time(after["due_at"]) == at + timedelta(hours=24)
    assert after["steps"][-1]["note"] == "需住建部门处置"
    assert after["steps"][-1]["from_level"] == "grid" and after["steps"][-1]["to_level"] == "town"


def test_resolve_limit_counts_from_entering_the_level():
    c = case()
    accepted = wf.apply_transition(c, wf.decide("accept", c, USERS["gridworker"]), "gw-001", T0 + timedelta(hours=5))
    assert parse_time(accepted["due_at"]) == T0 + timedelta(days=3)
    urgent = case(urgent=True)
    assert parse_time(urgent["due_at"]) == T0 + timedelta(hours=2)


def test_overdue_only_while_unfinished():
    c = case()
    assert wf.is_overdue(c, T0 + timedelta(days=2))
    assert not wf.is_overdue(c, T0 + timedelta(hours=1))
    assert not wf.is_overdue(dict(c, status="resolved"), T0 + timedelta(days=30))
