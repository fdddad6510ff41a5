"""The worker app's household and person screens (DESIGN 17), driven by the pilot against the
real server: find a household, add people (a second head refused until the old head's relation
is given), tag one as a special population with a risk level, record a move out; each checked
on the server. Plus zh/en snapshots of the household screen from a fixed offline store."""

from __future__ import annotations

import pytest

from tests.tui.helpers import async_test, settle
from tui.worker.app import WorkerApp

pytestmark = pytest.mark.slow


async def _open_household(app, pilot, number: str) -> None:
    from tui.worker.households import HouseholdScreen, HouseholdsScreen

    await pilot.press("h")
    await settle(app, pilot)
    assert isinstance(app.screen, HouseholdsScreen)
    await pilot.press(*number)
    await settle(app, pilot)
    assert [h["household_no"] for h in app.screen.items] == [number]
    await pilot.press("enter")  # from the search box to the table
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, HouseholdScreen)


async def _add_person(app, pilot, name: str, relation: str, previous: str | None = None) -> None:
    from tui.worker.person_forms import PersonFormScreen

    if not isinstance(app.screen, PersonFormScreen):
        await pilot.press("p")
        await settle(app, pilot)
    form = app.screen
    assert isinstance(form, PersonFormScreen)
    form.query_one("#person-name").value = name
    form.query_one("#person-relation").value = relation
    if previous:
        form.query_one("#person-previous").value = previous
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(app, pilot)


def _error(app, widget: str) -> str:
    return str(app.screen.query_one(widget).render())


@async_test
async def test_household_screen_add_tag_move_out(worker_client, ops_module, server_get):
    from tui.worker.households import HouseholdScreen
    from tui.worker.person_forms import LeaveModal, PersonFormScreen, TagModal

    household = ops_module.add_household(worker_client, grid="610822100200001", household_no="TUI-R17-01",
                                         address="府兴路30号").record
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(app, pilot)
        await _open_household(app, pilot, "TUI-R17-01")
        assert "府兴路30号" in str(app.screen.query_one("#household-info").render())

        await _add_person(app, pilot, "周建华", "head")
        assert isinstance(app.screen, HouseholdScreen)
        assert [m["name"] for m in app.screen.members] == ["周建华"]

        # A second head: refused on the form, naming the head; saved once the old head's relation is given.
        await _add_person(app, pilot, "周磊", "head")
        assert isinstance(app.screen, PersonFormScreen)
        assert "周建华" in _error(app, "#person-error")
        await _add_person(app, pilot, "周磊", "head", previous="father")
        assert isinstance(app.screen, HouseholdScreen)
        on_server = {p["name"]: p for p in server_get("/persons", household=household["id"])["items"]}
        assert (on_server["周磊"]["relation_to_head"], on_server["周建华"]["relation_to_head"]) == ("head", "father")

        # Tags: severe mental disorder at risk 4.
        names = [m["name"] for m in app.screen.members]
        app.screen.query_one("#members-table").move_cursor(row=names.index("周建华"))
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, TagModal)
        app.screen.query_one("#tag-list").select("severe_mental")
        app.screen.query_one("#tag-risk").value = "9"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, TagModal) and "9" in _error(app, "#tag-error")
        app.screen.query_one("#tag-risk").value = "4"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HouseholdScreen)
        person = server_get(f"/persons/{on_server['周建华']['id']}")
        assert (person["tags"], person["risk_level"]) == (["severe_mental"], 4)

        # Move out: gone from the members, back with 'a', with its status.
        names = [m["name"] for m in app.screen.members]
        app.screen.query_one("#members-table").move_cursor(row=names.index("周建华"))
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, LeaveModal)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "moved to" in _error(app, "#leave-error").lower()
        app.screen.query_one("#leave-to").value = "榆林市榆阳区"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert [m["name"] for m in app.screen.members] == ["周磊"]
        await pilot.press("a")
        await settle(app, pilot)
        assert {m["name"]: m["status"] for m in app.screen.members} == {"周磊": "active", "周建华": "moved_out"}
        person = server_get(f"/persons/{on_server['周建华']['id']}")
        assert (person["status"], person["moved_to"]) == ("moved_out", "榆林市榆阳区")


@async_test
async def test_edit_sends_only_what_changed(worker_client, ops_module, server_get):
    from tui.worker.person_forms import PersonFormScreen

    ops_module.add_household(worker_client, grid="610822100200001", household_no="TUI-R17-02", address="府兴路31号")
    person = ops_module.add_person(worker_client, "TUI-R17-02", name="孙丽", relation_to_head="head",
                                   phone="13800138000").record
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(app, pilot)
        await _open_household(app, pilot, "TUI-R17-02")
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, PersonFormScreen)
        app.screen.query_one("#person-name").value = "孙丽华"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    on_server = server_get(f"/persons/{person['id']}")
    assert (on_server["name"], on_server["phone"], on_server["relation_to_head"]) == ("孙丽华", "13800138000", "head")


@async_test
async def test_households_list_marks_an_unsent_household(worker_client, ops_module):
    """DESIGN 12 in the households list: a household added offline says it is not on the server yet."""
    from tui.worker.households import HouseholdsScreen

    offline = type(worker_client).open(worker_client.profile.name, offline=True)
    ops_module.add_household(offline, grid="610822100200001", household_no="TUI-R17-03", address="府兴路32号")
    app = WorkerApp(offline, lang="en", offline=True)
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HouseholdsScreen)
        await pilot.press(*"TUI-R17-03")
        await settle(app, pilot)
        table = app.screen.query_one("#households-table")
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)][-1] == "pending"
