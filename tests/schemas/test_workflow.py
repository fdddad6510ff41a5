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
    # DESIGN §15: unit users, of the lead unit, of a co-unit, and of a unit the case never met.
    "unit": {"username": "unit-zf", "role": "unit", "scope": [], "unit": "610822100-ZF"},
    "co_unit": {"username": "unit-twh", "role": "unit", "scope": [], "unit": "610822100-TWH"},
    "other_unit": {"username": "unit-zjj", "role": "unit", "scope": [], "unit": "610822-ZJJ"},
}
# The units a case is with: none, or dispatched to 执法队 with 调委会 as co-unit.
UNIT_STATES = {"none": (None, []), "unit": ("610822100-ZF", ["610822100-TWH"])}
T0 = datetime(2026, 11, 22, 9, tzinfo=timezone.utc)


def case(status="reported", level="grid", assignee=None, urgent=False, units="none", followed_up=False):
    c = {"grid_code": GRID, "urgent": urgent, "reported_at": T0.isoformat(), "reporter": "gw-001"}
    c.update(wf.new_case_fields(T0, urgent, "gw-001"))
    unit, co_units = UNIT_STATES[units]
    c.update(status=status, level=level, assignee=assignee, unit=unit, co_units=list(co_units))
    if status == "closed":
        c["steps"] = [*c["steps"], {"action": "close", "actor": "x", "at": T0.isoformat()}]
        if followed_up:
            c["steps"].append({"action": "follow_up", "actor": "x", "at": T0.isoformat()})
    return c


def expected(action, status, level, who, units="none", followed_up=False):
    """The tables of DESIGN §4 and §15, written out independently of the implementation."""
    user = USERS[who]
    unit, co_units = UNIT_STATES[units]
    if user["role"] == "unit":
        in_scope = user["unit"] == unit or user["unit"] in co_units
        if not in_scope:
            return False
        lead = user["unit"] == unit
        return {
            "start": status == "accepted" and lead,
            "resolve": status in ("accepted", "in_progress") and lead,
            "sign": status == "dispatched" and lead,
            "refuse": status == "dispatched" and lead,
            "mediate": status in ("accepted", "in_progress", "dispatched"),
            "comment": True,
        }.get(action, False)
    ulevel = wf.ROLE_LEVEL[user["role"]]
    in_scope = who != "other_gridworker"
    handler = in_scope and ulevel == level
    li, ul = wf.LEVEL_ORDER.index(level), wf.LEVEL_ORDER.index(ulevel)
    above = in_scope and (ul > li or (level == "county" and user["role"] in ("county", "admin")))
    # For a case a unit handled, the level that dispatched it (the case's level) verifies too.
    verifier = above or (unit is not None and handler)
    if not in_scope:
        return False
    return {
        "accept": status == "reported" and handler,
        "start": status == "accepted" and handler,
        "resolve": status in ("accepted", "in_progress") and handler,
        "close": status == "resolved" and verifier,
        "reopen": status == "resolved" and verifier,
        "escalate": status in ("reported", "accepted", "in_progress") and handler and level != "county",
        "return": status in ("reported", "accepted") and handler and level != "grid",
        "reject": status == "reported" and handler and ulevel in ("town", "county"),
        "assign": status in ("reported", "accepted", "in_progress") and user["role"] != "gridworker",
        "supervise": status in wf.OPEN_STATUSES and user["role"] in ("station", "county", "admin"),
        "comment": True,
        "dispatch": status in ("reported", "accepted") and handler and ulevel in ("town", "county"),
        "sign": False,
        "refuse": False,
        "follow_up": status == "closed" and not followed_up and (
            user["role"] in ("village", "station", "county", "admin") or user["username"] == "gw-001"),
        "mediate": status in ("accepted", "in_progress", "dispatched") and handler,
    }[action]


@pytest.mark.parametrize("who", list(USERS))
@pytest.mark.parametrize("units", list(UNIT_STATES))
@pytest.mark.parametrize("level", wf.LEVEL_ORDER)
@pytest.mark.parametrize("status", wf.STATUSES)
def test_allowed_actions_match_the_table(status, level, units, who):
    c = case(status, level, units=units)
    want = [a for a in wf.ACTIONS if expected(a, status, level, who, units)]
    assert wf.allowed_actions(c, USERS[who]) == want
    for action in wf.ACTIONS:  # every refusal has a code with a text in both languages
        if action not in want:
            with pytest.raises(wf.WorkflowRefused) as err:
                wf.check(action, c, USERS[who])
            assert err.value.message("zh") != err.value.code != err.value.message("en")


@pytest.mark.parametrize("who", list(USERS))
def test_a_closed_case_is_followed_up_once_per_closing(who):
    c = case("closed", "town", units="unit", followed_up=True)
    assert wf.allowed_actions(c, USERS[who]) == [a for a in wf.ACTIONS if expected(a, "closed", "town", who, "unit", True)]
    assert "follow_up" not in wf.allowed_actions(c, USERS[who])


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


def _do(c, action, who, at, **params):
    return wf.apply_transition(c, wf.decide(action, c, USERS[who], **params), USERS[who]["username"], at)


def test_the_closed_loop_with_a_unit_from_dispatch_to_an_unsatisfied_follow_up():
    c = case("accepted", "town")
    t1 = T0 + timedelta(hours=1)
    with pytest.raises(wf.WorkflowRefused) as refused:  # the lead named again as a helper
        _do(c, "dispatch", "station", t1, unit="610822100-ZF", co_units=["610822100-TWH", "610822100-ZF"])
    assert (refused.value.code, refused.value.field) == ("workflow.co_unit_is_lead", "co_units")
    c = _do(c, "dispatch", "station", t1, unit="610822100-ZF", co_units=["610822100-TWH", "610822100-TWH", " "],
            note="请执法队处置")
    assert (c["status"], c["unit"], c["co_units"], c["level"]) == ("dispatched", "610822100-ZF", ["610822100-TWH"], "town")
    assert parse_time(c["due_at"]) == t1 + timedelta(hours=24)  # due for signing
    assert c["steps"][-1]["unit"] == "610822100-ZF"
    t2 = T0 + timedelta(hours=5)
    c = _do(c, "sign", "unit", t2)
    assert c["status"] == "in_progress" and parse_time(c["due_at"]) == t2 + timedelta(days=10)  # the limit restarts
    c = _do(c, "mediate", "co_unit", t2, result="agreed", agreement_no="城调字〔2026〕7号", participants=["张三", " "])
    assert c["mediations"][-1] | {} == {"result": "agreed", "method": "people", "participants": ["张三"],
                                        "agreement_no": "城调字〔2026〕7号", "note": None, "actor": "unit-twh",
                                        "at": c["mediations"][-1]["at"]}
    c = _do(c, "resolve", "unit", t2, note="已拆除")
    assert "close" not in wf.allowed_actions(c, USERS["unit"])
    c = _do(c, "close", "station", t2)
    assert "follow_up" in wf.allowed_actions(c, USERS["gridworker"])  # the reporting grid worker
    t3 = T0 + timedelta(days=2)
    c = _do(c, "follow_up", "village", t3, satisfaction="unsatisfied", method="in_person", note="问题反弹")
    assert (c["status"], c["level"], c["unit"], c["satisfaction"]) == ("in_progress", "town", "610822100-ZF", "unsatisfied")
    assert parse_time(c["due_at"]) == t3 + timedelta(days=10) and c["followed_up_at"]
    assert "resolve" in wf.allowed_actions(c, USERS["unit"])
    c = _do(c, "resolve", "unit", t3, note="再次处置")
    c = _do(c, "close", "station", t3)
    c = _do(c, "follow_up", "gridworker", t3, satisfaction="satisfied")
    assert (c["status"], c["satisfaction"], c["steps"][-1]["method"]) == ("closed", "satisfied", "phone")
    assert "follow_up" not in wf.allowed_actions(c, USERS["village"])


def test_a_refusal_goes_back_to_the_dispatching_level():
    c = _do(case("reported", "county"), "dispatch", "county", T0, unit="610822-ZJJ")
    assert wf.allowed_actions(c, USERS["unit"]) == []  # not this unit's case
    t1 = T0 + timedelta(hours=3)
    c = _do(c, "refuse", "other_unit", t1, reason="不属于本单位职责")
    assert (c["status"], c["level"], c["unit"], c["co_units"]) == ("reported", "county", None, [])
    assert parse_time(c["due_at"]) == t1 + timedelta(hours=24)
    assert "accept" in wf.allowed_actions(c, USERS["county"])
    assert wf.allowed_actions(c, USERS["other_unit"]) == []


@pytest.mark.parametrize("action, params, code, field", [
    ("dispatch", {}, "workflow.unit_required", "unit"),
    ("follow_up", {}, "workflow.satisfaction_required", "satisfaction"),
    ("follow_up", {"satisfaction": "satisfied", "method": "fax"}, "workflow.follow_up_method", "method"),
    ("mediate", {}, "workflow.mediation_result", "result"),
    ("mediate", {"result": "agreed"}, "workflow.agreement_no_required", "agreement_no"),
    ("mediate", {"result": "failed", "method": "x"}, "workflow.mediation_method", "method"),
    ("refuse", {"reason": " "}, "workflow.reason_required", "reason"),
])
def test_missing_parameters_are_named(action, params, code, field):
    status = {"dispatch": "reported", "follow_up": "closed", "mediate": "in_progress", "refuse": "dispatched"}[action]
    who = "unit" if action == "refuse" else "station"
    with pytest.raises(wf.WorkflowRefused) as err:
        wf.decide(action, case(status, "town", units="unit" if action == "refuse" else "none"), USERS[who], **params)
    assert (err.value.code, err.value.field) == (code, field)
    assert err.value.message("zh") != err.value.message("en")


def test_a_signed_case_counts_its_resolve_limit_in_working_days_from_signing():
    """DESIGN §15: sign restarts the resolve limit, counted in the cn calendar's working days."""
    import chinese_calendar

    from schemas.workdays import cn_calendar
    from schemas.validators import CST

    limits = wf.TimeLimits(calendar=cn_calendar(chinese_calendar.holidays, chinese_calendar.workdays))
    before_holiday = datetime(2026, 9, 30, 10, tzinfo=CST)
    c = case("accepted", "town")
    c = wf.apply_transition(c, wf.decide("dispatch", c, USERS["station"], unit="610822100-ZF"), "station-01",
                            before_holiday - timedelta(hours=3), limits)
    assert parse_time(c["due_at"]) == before_holiday + timedelta(hours=21)  # signing: calendar hours
    c = wf.apply_transition(c, wf.decide("sign", c, USERS["unit"]), "unit-zf", before_holiday, limits)
    # 10 working days from 2026-09-30 10:00, skipping the National Day holiday (10-01..10-07 off,
    # 09-27 and 10-10 made up): 10-08, 10-09, 10-10, 10-12 ... 10-16, 10-19, 10-20 → 10-20 10:00.
    expected = limits.calendar.after(before_holiday, timedelta(days=10))
    assert parse_time(c["due_at"]) == expected == datetime(2026, 10, 20, 10, tzinfo=CST)
