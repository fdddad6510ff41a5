"""DESIGN §15 over HTTP: for the demo's cases of 城关镇's first village (every status, unit or
none), every role (units included) and every action, the server refuses exactly what
``schemas.workflow`` refuses, applies what it allows (each action × status × role the first time
it is seen), keeps idempotency and conflicts for the new actions, and speaks zh and en."""

from __future__ import annotations

import pytest

from schemas import workflow as wf
from tests.server.helpers import Api, act

NEW = ("dispatch", "sign", "refuse", "follow_up", "mediate")
USERS = ["gw-001", "gw-002", "village-01", "station-01", "county-01", "county-admin", "unit-zf", "unit-zjj"]
# Valid parameters for every action, so a refusal is the table's and not a missing parameter's.
PARAMS = {
    "resolve": {"note": "已处置"}, "reopen": {"note": "核查未通过"}, "comment": {"note": "备注"},
    "escalate": {"reason": "理由"}, "return": {"reason": "理由"}, "reject": {"reason": "理由"},
    "refuse": {"reason": "不属于本单位职责"}, "assign": {"assignee": "village-01"}, "supervise": {"supervision": "yellow"},
    "dispatch": {"unit": "610822-ZJJ"}, "follow_up": {"satisfaction": "satisfied", "method": "phone"},
    "mediate": {"result": "failed", "method": "people", "participants": ["当事人"]},
}


@pytest.fixture()
def apis(server_factory):
    from tests.conftest import token_for

    server = server_factory()
    return {u: Api(server.url, token_for(server.url, u)) for u in USERS}


def test_every_action_status_and_role_over_http(apis):
    users = {u: apis[u].get("/me").json() for u in USERS}
    assert users["unit-zf"]["unit"] == "610822100-ZF" and users["unit-zf"]["role"] == "unit"
    admin = apis["county-admin"]
    ids = [c["id"] for c in admin.get("/cases", grid="610822100200", limit=1000).json()["items"]]
    statuses = set()
    seen: set[tuple] = set()
    refused = applied = 0
    for case_id in ids:
        for username in USERS:
            api = apis[username]
            r = api.get(f"/cases/{case_id}")
            if not wf.can("comment", admin.get(f"/cases/{case_id}").json(), users[username]):
                assert r.status_code == 404  # out of scope: exactly like a missing case
                results = api.push(*(act(case_id, a, 1, **PARAMS.get(a, {})) for a in wf.ACTIONS))
                assert all(x["status"] == "rejected" and x["problem"]["status"] == 404 for x in results)
                refused += len(results)
                continue
            case = r.json()
            statuses.add(case["status"])
            allowed = wf.allowed_actions(case, users[username])
            others = [a for a in wf.ACTIONS if a not in allowed]
            results = api.push(*(act(case_id, a, case["version"], **PARAMS.get(a, {})) for a in others))
            for action, x in zip(others, results):
                assert x["status"] == "rejected", (case["status"], case["level"], case["unit"], username, action, x)
                assert x["problem"]["code"].startswith("workflow."), x
            refused += len(others)
            key_role = users[username]["role"]
            for action in sorted(allowed, key=lambda a: (a == "comment", a not in NEW)):
                key = (action, case["status"], key_role, bool(case["unit"]))
                if key in seen:
                    continue
                seen.add(key)
                [x] = api.push(act(case_id, action, case["version"], **PARAMS.get(action, {})))
                assert x["status"] == "applied", (case["status"], username, action, x)
                applied += 1
                break  # the case moved on: the next user sees it as it is now
    assert {"dispatched", "in_progress", "resolved", "closed", "reported", "accepted"} <= statuses
    assert refused > 1000 and applied > 50
    new_actions = {k[0] for k in seen}
    assert {"sign", "refuse", "dispatch", "follow_up", "mediate", "close"} <= new_actions, new_actions


def test_new_actions_keep_idempotency_conflict_and_speak_both_languages(apis):
    station, zf = apis["station-01"], apis["unit-zf"]
    case = next(c for c in station.get("/cases", status="dispatched", limit=100).json()["items"]
                if c["unit"] == "610822100-ZF")
    sign = act(case["id"], "sign", case["version"])
    [first] = zf.push(sign)
    [again] = zf.push(sign)
    assert first["status"] == "applied" and again["status"] == "duplicate" and again["version"] == first["version"]
    # A stale refusal of a case the unit already signed: conflict, with the current case.
    [stale] = zf.push(act(case["id"], "refuse", case["version"], reason="退回"))
    assert stale["status"] == "conflict" and stale["current"]["status"] == "in_progress"
    # A dispatch to a unit that does not serve the case's area, in zh and en.
    reported = next(c for c in station.get("/cases", status="reported", level="town", limit=100).json()["items"])
    bad = act(reported["id"], "dispatch", reported["version"], unit="610822101-ZF")
    r = station.http.post("/sync/push", json={"device_id": "d", "mutations": [bad]},
                          headers={"Accept-Language": "zh-CN"}).json()["results"][0]
    assert r["status"] == "rejected" and r["problem"]["code"] == "workflow.unit_unknown" and "单位" in r["problem"]["detail"]
    bad["id"] = act(reported["id"], "x")["id"]
    r = station.push(bad)[0]
    assert r["problem"]["code"] == "workflow.unit_unknown" and "does not serve" in r["problem"]["detail"]
    # A mediation agreed without its agreement number names the field.
    [r] = station.push(act(reported["id"], "mediate", reported["version"], result="agreed"))
    assert r["status"] == "rejected" and r["problem"]["code"] in ("workflow.status", "workflow.agreement_no_required")
    # Wire validation of the new fields.
    [r] = station.push(act(reported["id"], "follow_up", reported["version"], satisfaction="very"))
    assert r["status"] == "rejected" and r["problem"]["status"] == 422 and "satisfaction" in r["problem"]["detail"]
