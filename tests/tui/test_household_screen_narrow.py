"""The household screen at 80×24 (a field laptop's terminal): its footer showed ten keys of its
own before the app's, so `?` and half the screen's keys were cut off. Now the essential keys
show (back, add person, edit, tags) with `?` for all of them, as the other screens do; every key
still works and is listed under `?`. And the person form's tag boxes differ in text, not only in
colour (NO_COLOR, monochrome terminals). Pilot, zh and en, a fixed offline store."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.tui.store_seed import freeze_clock
from tests.tui.test_worker_register_snapshots import _app, _open

WIDTH = 80
ESSENTIAL = {"escape", "p", "e", "t", "question_mark"}


def _visible_keys(app) -> dict[str, tuple[int, int]]:
    """Footer keys that are wholly on screen and not under the docked command-palette key."""
    keys = list(app.screen.query(FooterKey))
    palette = [k for k in keys if k.key == "ctrl+p"]
    limit = min([k.region.x for k in palette] + [WIDTH])
    return {k.key: (k.region.x, k.region.right) for k in keys
            if k.key != "ctrl+p" and k.region.width > 0 and k.region.right <= limit}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_essential_keys_and_help_show_at_80x24(isolated, monkeypatch, lang):
    import asyncio

    from tui.worker.help import HelpScreen
    from tui.worker.households import HouseholdScreen

    freeze_clock(monkeypatch)

    async def run() -> None:
        app = _app(lang)
        async with app.run_test(size=(WIDTH, 24)) as pilot:
            await _open(pilot)
            assert isinstance(app.screen, HouseholdScreen)
            visible = _visible_keys(app)
            assert ESSENTIAL <= set(visible), (lang, visible)
            # `?` lists every key of the screen, shown in the footer or not.
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            listed = str(app.screen.query_one("#help-keys").render())
            for action in ("tuireg.bind.move", "tuireg.bind.edit_household", "tuireg.bind.restore",
                           "tuireg.bind.all", "tuireg.bind.move_out"):
                from gridctl.i18n import t

                assert t(action) in listed, (action, listed)
            await pilot.press("escape")
            await pilot.pause()
            # A key no longer in the footer still acts: `a` shows everyone (the moved-out son).
            await pilot.press("a")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert app.screen.include_all and len(app.screen.members) == 3

    asyncio.run(run())


def _box_marks(tag_list) -> dict[str, str]:
    """Each tag's label with the character inside its box, as drawn (text only, no colour)."""
    marks = {}
    for y in range(tag_list.option_count):
        text = tag_list.render_line(y).text
        marks[text[4:].strip()] = text[1]
    return marks


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ticked_and_unticked_tags_differ_in_text(isolated, monkeypatch, lang):
    """NO_COLOR: 王建国 lives alone and is a veteran; those two boxes read X, the others blank —
    and a box toggled by the worker changes its text at once."""
    import asyncio

    from tui.worker.person_forms import TagModal

    freeze_clock(monkeypatch)
    monkeypatch.setenv("NO_COLOR", "1")

    async def run() -> None:
        app = _app(lang)
        async with app.run_test(size=(WIDTH, 24)) as pilot:
            await _open(pilot)
            await pilot.press("t")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert isinstance(app.screen, TagModal)
            tag_list = app.screen.query_one("#tag-list")
            marks = _box_marks(tag_list)
            from schemas.codes import label

            alone, veteran, disabled = (label("tag", c, lang) for c in ("elderly_alone", "veteran", "disabled"))
            assert marks[alone] == "X" and marks[veteran] == "X", marks
            assert marks[disabled] == " " and list(marks.values()).count("X") == 2, marks
            # Toggle the highlighted first option (elderly living alone): its box goes blank.
            tag_list.highlighted = 0
            await pilot.press("space")
            await pilot.pause()
            assert _box_marks(tag_list)[alone] == " "

    asyncio.run(run())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_forms_urgent_box_differs_in_text(isolated, monkeypatch, lang):
    import asyncio

    from textual.widgets import Checkbox

    monkeypatch.setenv("NO_COLOR", "1")

    async def run() -> None:
        app = _app(lang)
        async with app.run_test(size=(WIDTH, 24)) as pilot:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            box = app.screen.query_one("#report-urgent", Checkbox)
            before = box.render().plain
            box.value = True
            await pilot.pause()
            after = box.render().plain
            assert before[:3] == "▐ ▌" and after[:3] == "▐X▌", (before, after)

    asyncio.run(run())
