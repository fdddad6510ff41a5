"""What the forms refuse before anything is queued, driven by keys on fixed offline data."""

from __future__ import annotations

from tests.tui.fixed_core import fixed_app
from tests.tui.helpers import async_test, settle


@async_test
async def test_filter_narrows_as_you_type_and_escape_clears():
    app = fixed_app("zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#cases-table")
        assert table.row_count == 8
        await pilot.press("slash", *"超期")
        await pilot.pause()
        assert table.row_count == 3
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 8
        assert app.focused is table


@async_test
async def test_escalate_needs_a_reason_and_offers_only_higher_levels():
    app = fixed_app("en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.screen
        assert detail.allowed == ["accept", "escalate", "comment"]
        shown = [b.id for b in detail.query("#detail-actions Button") if b.display]
        assert shown == ["act-accept", "act-escalate", "act-comment"]
        detail.start_action("escalate")
        await pilot.pause()
        form = app.screen
        assert [v for _label, v in form.query_one("#action-to-level")._options] == ["village", "town", "county"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "needs a reason" in str(form.query_one("#action-error").render())
        assert app.focused is form.query_one("#action-text")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is detail
        # An action the workflow does not allow now is not offered, even through the palette.
        detail.start_action("close")
        await pilot.pause()
        assert app.screen is detail


@async_test
async def test_report_form_says_what_to_fix_and_where():
    app = fixed_app("en")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert form.query_one("#report-grid").value == "610822100200001"  # my grid by default
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Title is required" in str(form.query_one("#report-error").render())
        assert app.focused is form.query_one("#report-title")
        await pilot.press(*"Wall cracks")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Choose a category" in str(form.query_one("#report-error").render())
        form.query_one("#report-category").value = "dispute"
        await pilot.pause()
        sub = form.query_one("#report-subcategory")
        assert not sub.disabled and "0102" in [v for _l, v in sub._options]
        form.query_one("#report-parties").value = "王五,12345"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Party 1 (王五)" in str(form.query_one("#report-error").render())
        assert app.focused is form.query_one("#report-parties")
        assert app.screen is form, "nothing was saved"


@async_test
async def test_visits_due_puts_elderly_alone_first_and_opens_the_visit_form():
    app = fixed_app("en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        due = app.screen
        assert [i["household_id"] for i in due.items] == ["h-1", "h-2"]
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "VisitScreen" and form.household == "h-1"
        assert form.query_one("#visit-picker").display is False
        form.query_one("#visit-next").value = "next week"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "YYYY-MM-DD" in str(form.query_one("#visit-error").render())
        assert app.focused is form.query_one("#visit-next")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is due


@async_test
async def test_letters_on_the_report_and_visit_forms_do_not_leave_them():
    """With a select or a checkbox focused, 'q' quit the app (what was typed was lost) and 'n' or
    'v' opened another form over the first."""
    app = fixed_app("en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        report = app.screen
        report.query_one("#report-title").value = "Wall cracks"
        report.query_one("#report-category").focus()
        await pilot.press("q", "v", "d")
        await settle(app, pilot)
        assert app.is_running and app.screen is report
        assert report.query_one("#report-title").value == "Wall cracks"
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        visit = app.screen
        visit.query_one("#visit-met").focus()
        await pilot.press("q", "n")
        await settle(app, pilot)
        assert app.is_running and app.screen is visit
