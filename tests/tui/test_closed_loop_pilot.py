"""DESIGN §15 in the worker app, by the pilot against a real server: a station dispatches with
the form, the unit's app lists the unit's cases and signs, a village follows up with the form."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import token_for
from tests.tui.helpers import async_test, settle
from tui.worker.app import WorkerApp

pytestmark = pytest.mark.slow
PASSWORD = "demo-pass"


def server_case(server, case_id):
    token = token_for(server.url, "county-admin")
    return httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"},
                     timeout=30).json()


async def open_case(app, pilot, case_id):
    from tui.worker.case_detail import CaseDetailScreen

    app.push_screen(CaseDetailScreen(case_id))
    await settle(app, pilot)
    assert type(app.screen).__name__ == "CaseDetailScreen" and app.screen.case["id"] == case_id
    return app.screen


@async_test
async def test_dispatch_sign_and_follow_up_through_the_forms(isolated, server_factory, ops_module):
    server = server_factory()
    ops = ops_module
    ops.login(server.url, "gw-001", PASSWORD, profile="gw")
    gw = ops.Client.open("gw")
    made = ops.report_incident(gw, category="city_management", title="违章搭建占用消防通道").record
    ops.act(gw, made["id"], "escalate", reason="需镇执法队处置", to_level="town")

    ops.login(server.url, "station-01", PASSWORD, profile="station")
    station = ops.Client.open("station")
    app = WorkerApp(station, lang="en")
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        assert made["id"] in [c["id"] for c in app.screen.cases]  # the station's todo
        detail = await open_case(app, pilot, made["id"])
        assert "dispatch" in detail.allowed and detail.query_one("#act-dispatch").display is True
        await pilot.click("#act-dispatch")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "ActionForm"
        await pilot.press("ctrl+s")  # no unit chosen: refused in the form
        await pilot.pause()
        assert "Choose the unit" in str(form.query_one("#action-error").render())
        options = [value for _label, value in form.query_one("#action-unit")._options if value]
        assert "610822100-ZF" in options and "610822101-ZF" not in options
        form.query_one("#action-unit").value = "610822100-ZF"
        form.query_one("#action-co-units").value = "610822100-twh"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail and detail.case["status"] == "dispatched"
    on_server = server_case(server, made["id"])
    assert (on_server["status"], on_server["unit"], on_server["co_units"]) == (
        "dispatched", "610822100-ZF", ["610822100-TWH"])

    ops.login(server.url, "unit-zf", PASSWORD, profile="zf")
    zf = ops.Client.open("zf")
    app = WorkerApp(zf, lang="zh")
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        listed = app.screen.cases
        assert made["id"] in [c["id"] for c in listed]
        assert listed and all("610822100-ZF" in [c.get("unit"), *(c.get("co_units") or [])] for c in listed)
        detail = await open_case(app, pilot, made["id"])
        assert detail.allowed == ["sign", "refuse", "comment", "mediate"] or set(detail.allowed) == {
            "sign", "refuse", "comment", "mediate"}
        await pilot.click("#act-sign")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert detail.case["status"] == "in_progress"
    assert server_case(server, made["id"])["status"] == "in_progress"
    ops.act(zf, made["id"], "resolve", note="已拆除")
    ops.act(station, made["id"], "close")

    ops.login(server.url, "village-01", PASSWORD, profile="village")
    village = ops.Client.open("village")
    app = WorkerApp(village, lang="en")
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        detail = await open_case(app, pilot, made["id"])
        assert "follow_up" in detail.allowed
        await pilot.click("#act-follow_up")
        await pilot.pause()
        form = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Choose the satisfaction" in str(form.query_one("#action-error").render())
        form.query_one("#action-satisfaction").value = "basic"
        form.query_one("#action-method").value = "in_person"
        await pilot.pause()
        form.query_one("#action-text").load_text("基本满意")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert detail.case["satisfaction"] == "basic" and "follow_up" not in detail.allowed
        assert "Satisfaction" in str(detail.query_one("#detail-fields").render())
    final = server_case(server, made["id"])
    assert (final["status"], final["satisfaction"], final["steps"][-1]["method"]) == ("closed", "basic", "in_person")
    assert final["steps"][-1]["note"] == "基本满意"
