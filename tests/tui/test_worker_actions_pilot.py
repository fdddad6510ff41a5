"""The case screen's action bar by keys (issue 8, item 13): `a` then Enter acts on any case,
arrows move between the visible buttons, and an action the workflow adds gets its button."""

from __future__ import annotations

from textual.widgets import Button

from tests.tui.fixed_core import fixed_app
from tests.tui.helpers import async_test, settle
from tui.worker.case_detail import CaseDetailScreen


async def open_case(app, pilot, status: str) -> CaseDetailScreen:
    case = next(c for c in app.core.cases if c["status"] == status)
    await app.push_screen(CaseDetailScreen(case["id"]))
    await settle(app, pilot)
    assert isinstance(app.screen, CaseDetailScreen) and app.screen.case is not None
    return app.screen


def visible(detail) -> list[str]:
    return [b.id[4:] for b in detail.query("#detail-actions Button") if b.display]


@async_test
async def test_a_then_enter_opens_the_first_visible_action_on_a_case_past_reported():
    app = fixed_app("en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        detail = await open_case(app, pilot, "in_progress")
        assert "accept" not in detail.allowed  # the hidden first button once took the focus
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.focused, Button) and app.focused.display
        assert app.focused.id == f"act-{visible(detail)[0]}"
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ActionForm"
        assert app.screen.action == visible(detail)[0]


@async_test
async def test_arrows_move_between_visible_action_buttons_and_wrap():
    app = fixed_app("zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        detail = await open_case(app, pilot, "accepted")
        shown = visible(detail)
        assert len(shown) >= 2
        await pilot.press("a")
        focused = [app.focused.id[4:]]
        for key in ("right", "right", "down", "left", "up"):
            await pilot.press(key)
            await pilot.pause()
            focused.append(app.focused.id[4:])
        n = len(shown)
        expected = [shown[i % n] for i in (0, 1, 2, 3, 2, 1)]
        assert focused == expected
        await pilot.press("a", "left")  # from the first, left wraps to the last
        assert app.focused.id == f"act-{shown[-1]}"


@async_test
async def test_an_allowed_action_without_a_button_gets_one():
    app = fixed_app("en")
    core = app.core
    original = core.show_case

    def show_case(ref):
        case, allowed = original(ref)
        return case, [*allowed, "dispatch"]  # an action a later workflow adds

    core.show_case = show_case
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        detail = await open_case(app, pilot, "reported")
        assert visible(detail)[-1] == "dispatch"
        detail.action_refresh()
        await settle(app, pilot)
        assert len(detail.query("#act-dispatch")) == 1  # a reload does not add it twice


@async_test
async def test_a_case_with_no_action_says_so_instead_of_focusing_nothing():
    app = fixed_app("en")
    core = app.core
    original = core.show_case
    core.show_case = lambda ref: (original(ref)[0], [])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        detail = await open_case(app, pilot, "reported")
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.focused, Button)
        assert any("No action" in str(n.message) for n in app._notifications)
        assert detail.query_one("#detail-no-actions").display
