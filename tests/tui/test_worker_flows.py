"""The worker app driven by the pilot against the real reference server on loopback."""

from __future__ import annotations

import pytest

from tests.tui.helpers import async_test, settle
from tui.common.header import StatusHeader
from tui.worker.app import WorkerApp

pytestmark = pytest.mark.slow


def header_text(app) -> str:
    return str(app.screen.query_one(StatusHeader).render())


async def fill_report(app, pilot, title: str) -> None:
    await pilot.press("n")
    await settle(app, pilot)
    screen = app.screen
    assert type(screen).__name__ == "ReportScreen"
    await pilot.press(*title)
    screen.query_one("#report-category").value = "safety_hazard"
    await pilot.pause()
    screen.query_one("#report-subcategory").value = "01"
    screen.query_one("#report-address").value = "府兴路12号"
    await pilot.press("ctrl+s")
    await settle(app, pilot)


@async_test
async def test_report_through_the_form_reaches_list_outbox_and_server(worker_client, ops_module, server_get):
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        # An empty title is refused in the form, with the reason, before anything is queued.
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Title is required" in str(app.screen.query_one("#report-error").render())
        await pilot.press("escape")
        await settle(app, pilot)

        await fill_report(app, pilot, "Wall cracks at the park")
        assert type(app.screen).__name__ == "CasesScreen"
        titles = [c["title"] for c in app.screen.cases]
        assert "Wall cracks at the park" in titles
        mine = next(c for c in app.screen.cases if c["title"] == "Wall cracks at the park")

    outbox = ops_module.outbox_list(worker_client, include_applied=True)
    reports = [m for m in outbox if (m.get("payload") or {}).get("id") == mine["id"]]
    assert reports, "the report went through the outbox"
    on_server = server_get(f"/cases/{mine['id']}")
    assert on_server["title"] == "Wall cracks at the park"
    assert on_server["category"] == "safety_hazard" and on_server["subcategory"] == "01"
    assert on_server["grid_code"] == "610822100200001"  # the grid defaulted to mine


@async_test
async def test_acting_on_a_case_changes_the_servers_version_and_steps(worker_client, ops_module, server_get):
    made = ops_module.report_incident(worker_client, category="environment", title="Rubbish heap by the river")
    case_id = made.record["id"]
    before = server_get(f"/cases/{case_id}")

    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        cases = app.screen
        cases.query_one("#cases-filter").value = "Rubbish heap"
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.screen
        assert type(detail).__name__ == "CaseDetailScreen"
        assert detail.case["id"] == case_id
        assert "accept" in detail.allowed and "close" not in detail.allowed
        assert detail.query_one("#act-close").display is False

        await pilot.click("#act-accept")
        await pilot.pause()
        assert type(app.screen).__name__ == "ActionForm"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is detail
        assert detail.case["status"] == "accepted"

        # Resolve needs a note: refused in the form until one is written.
        await pilot.click("#act-resolve")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs a note" in str(app.screen.query_one("#action-error").render())
        await pilot.press(*"Cleared by the town team", "ctrl+s")
        await settle(app, pilot)
        assert detail.case["status"] == "resolved"

    after = server_get(f"/cases/{case_id}")
    assert after["status"] == "resolved"
    assert after["version"] == before["version"] + 2
    assert [s["action"] for s in after["steps"]][-2:] == ["accept", "resolve"]
    assert after["steps"][-1]["note"] == "Cleared by the town team"


@async_test
async def test_server_gone_header_says_offline_and_writes_queue(worker_client, ops_module, server):
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        server.stop()
        try:
            await pilot.press("r")
            await settle(app, pilot)
            assert "offline" in header_text(app)
            assert app.screen.cases, "the cached cases stay on screen"
            await fill_report(app, pilot, "Reported while offline")
            assert type(app.screen).__name__ == "CasesScreen"
            queued = next(c for c in app.screen.cases if c["title"] == "Reported while offline")
            assert queued.get("sync") == "pending"
            assert "offline" in header_text(app)
            assert "unsent" in header_text(app)
        finally:
            server.start()
        states = {m.get("state") for m in ops_module.outbox_list(worker_client)
                  if (m.get("payload") or {}).get("id") == queued["id"]}
        assert states == {"pending"}
        # Back online: sync now from the app sends the queued report.
        await pilot.press("y")
        await settle(app, pilot)
        assert "online" in header_text(app)
    states = {m.get("state") for m in ops_module.outbox_list(worker_client, include_applied=True)
              if (m.get("payload") or {}).get("id") == queued["id"]}
    assert states == {"applied"}


@async_test
async def test_a_conflict_shows_in_sync_and_can_be_retried_and_discarded(worker_client, ops_module, server):
    made = ops_module.report_incident(worker_client, category="livelihood", title="Streetlight out on Fuxing Road")
    case_id = made.record["id"]
    # A second device of the same worker: it accepts the case while the laptop is offline.
    ops_module.login(server.url, "gw-001", "demo-pass", profile="phone")
    phone = ops_module.Client.open("phone")
    ops_module.act(phone, case_id, "accept")
    ops_module.act(phone, case_id, "start")

    laptop = ops_module.Client.open("tui", offline=True)
    # Accept no longer fits a case in progress, so the server must answer conflict.
    queued = ops_module.act(laptop, case_id, "accept", note="On my way")
    assert queued.sync_state == "pending"
    # Now online again: the push finds the case moved on under the laptop's feet.
    ops_module.run_sync(worker_client)
    conflicts = [m for m in ops_module.outbox_list(worker_client) if m.get("state") in ("conflict", "rejected")]
    assert conflicts, "the stale escalate is quarantined, not silently applied"

    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "SyncScreen"
        row = next(i for i, m in enumerate(screen.items) if m.get("state") in ("conflict", "rejected"))
        screen.query_one("#outbox-table").move_cursor(row=row)
        await pilot.pause()
        mine = str(screen.query_one("#conflict-mine").render())
        theirs = str(screen.query_one("#conflict-server").render())
        assert "Accept" in mine
        assert "In progress" in theirs or "Accepted" in theirs
        await pilot.press("x")
        await settle(app, pilot)
        assert not [m for m in screen.items if m.get("id") == conflicts[0]["id"]
                    and m.get("state") in ("conflict", "rejected")]


@async_test
async def test_log_a_visit_from_the_picker_reaches_the_server(worker_client, ops_module, server_get):
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "VisitsDueScreen"
        await pilot.press("escape", "v")
        await settle(app, pilot)
        form = app.screen
        assert form.households, "the picker lists my grid's households"
        assert {h["grid_code"] for h in form.households} == {"610822100200001"}
        picked = form.households[0]
        form.query_one("#visit-households").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert form.household == picked["id"]
        form.query_one("#visit-note").text = "Checked the gas stove with the family"
        form.query_one("#visit-purpose").value = "care"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is not form
    visits = server_get("/visits", household=picked["id"])["items"]
    assert any(v.get("note") == "Checked the gas stove with the family" and v.get("purpose") == "care" for v in visits)
