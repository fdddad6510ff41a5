"""A visit logged from the due list (DESIGN 17), driven by the pilot against the real server: a
visit that did not meet the person leaves them due, one that met them takes them off the list,
and the list shows it when the worker comes back to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Checkbox

from tests.tui.helpers import async_test, settle
from tui.worker.app import WorkerApp
from tui.worker.visits import VisitScreen, VisitsDueScreen

pytestmark = pytest.mark.slow


async def log_from_due_list(app, pilot, person_id: str, met: bool) -> None:
    due = app.screen
    row = next(n for n, item in enumerate(due.items) if item["person_id"] == person_id)
    due.query_one("#due-table").move_cursor(row=row)
    await pilot.press("enter")
    await settle(app, pilot)
    form = app.screen
    assert isinstance(form, VisitScreen) and form.person_ids == [person_id]
    form.query_one("#visit-met", Checkbox).value = met
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    assert isinstance(app.screen, VisitsDueScreen)


@async_test
async def test_a_visit_that_did_not_meet_the_person_leaves_them_due(worker_client, ops_module, server_get):
    ops = ops_module
    ops.add_household(worker_client, grid="610822100200001", household_no="TV17-0001", address="府兴路30号")
    added = ops.add_person(worker_client, "TV17-0001", name="郑老伯", relation_to_head="head", tags=["elderly_alone"])
    person = added.record["id"]
    # Met 9 days ago: two days past her weekly visit (a new person's first visit is due only a
    # week after she came to be followed).
    ops.log_visit(worker_client, "TV17-0001", purpose="care", person_ids=[person],
                  at=worker_client.now() - timedelta(days=9))
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, VisitsDueScreen)
        first = next(i for i in app.screen.items if i["person_id"] == person)
        due = first["due"]

        await log_from_due_list(app, pilot, person, met=False)
        told = [n.message for n in app._notifications]
        assert any("Not met: it does not count as their visit" in m for m in told), told
        still = next((i for i in app.screen.items if i["person_id"] == person), None)
        assert still is not None and still["due"] == due, "not met: still due, as before"

        await log_from_due_list(app, pilot, person, met=True)
        assert person not in [i["person_id"] for i in app.screen.items]

    visits = server_get("/visits", household=first["household_id"])["items"]
    mine = [v for v in visits if v["person_ids"] == [person]]
    assert sorted(v["met"] for v in mine[:2]) == [False, True]


@async_test
async def test_a_household_due_its_yearly_visit_is_listed_and_visited_whole(worker_client, ops_module, server_get):
    ops = ops_module
    ops.add_household(worker_client, grid="610822100200001", household_no="TV17-0002", address="府兴路31号")
    ops.add_person(worker_client, "TV17-0002", name="钱大", relation_to_head="head")
    app = WorkerApp(worker_client, lang="zh")
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        due = app.screen
        row = next(n for n, item in enumerate(due.items) if item["household_no"] == "TV17-0002")
        household_id = due.items[row]["household_id"]
        table = due.query_one("#due-table")
        assert [str(c) for c in table.get_row_at(row)][:4] == ["全户（每年）", "TV17-0002", "府兴路31号", "钱大"]
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, VisitScreen) and form.person_ids == []
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is due
        assert "TV17-0002" not in [i["household_no"] for i in due.items]
    visits = server_get("/visits", household=household_id)["items"]
    assert [(v["person_ids"], v["met"]) for v in visits] == [([], True)]
