"""My cases on a narrow terminal (issue 8, item 13): the serial is never cut, and every mark of
the list is explained in the help screen, in both languages."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.tui.fixed_core import fixed_app
from tests.tui.helpers import async_test, settle
from tui.worker.cases import MARKS, case_marks


def test_marks_name_overdue_urgent_and_each_unsynced_state():
    case = {"overdue": True, "urgent": True, "sync": "rejected"}
    assert case_marks(case) == ["overdue", "urgent", "rejected"]
    assert case_marks({"sync": "synced"}) == []
    assert case_marks({"sync": "pending"}) == ["pending"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [80, 100, 160])
@async_test
async def test_serial_is_whole_at_every_width(lang, width):
    app = fixed_app(lang)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        serials = [c["serial"] for c in app.core.cases if c.get("serial")]
        assert serials
        # Every column fits the terminal and the serial column holds the whole serial.
        column = table.columns[next(k for k in table.columns if k.value == "serial")]
        assert column.width >= len(serials[0])
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= width


@async_test
async def test_narrow_list_shows_marks_and_wide_list_shows_words():
    app = fixed_app("en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        assert [k.value for k in table.columns] == ["due", "flag", "title", "status", "serial"]
        first = app.screen.cases[0]
        assert str(table.get_row(first["id"])[1]).startswith("⚠")
        await pilot.resize_terminal(160, 40)
        await settle(app, pilot)
        assert "level" in [k.value for k in table.columns] and "sync" in [k.value for k in table.columns]
        assert table.row_count == len(app.screen.cases)
        assert str(table.get_row(first["id"])[1]) == "⚠ late"


@pytest.mark.parametrize(("lang", "words"), [("zh", ["事件列表中的标记", "紧急", "被服务器拒绝"]),
                                             ("en", ["Marks in the case list", "urgent", "rejected by the server"])])
@async_test
async def test_help_explains_every_mark(lang, words):
    app = fixed_app(lang)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-marks").render())
        for _name, mark, _style in MARKS:
            assert mark in text
        for word in words[1:]:
            assert word in text
        assert words[0] in " ".join(str(s.render()) for s in app.screen.query(".section-title"))
