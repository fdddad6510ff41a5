"""Snapshots of My cases, Case detail and the Report form, zh and en, at 80×24 and 160×48.

Built on a real offline profile whose store the test fills itself, with the core's clock fixed,
so nothing varies between runs. Update after an intended change with
`pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import pytest

from tests.tui.store_seed import freeze_clock, seeded_app

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def app_for(isolated, monkeypatch):
    freeze_clock(monkeypatch)
    return seeded_app


async def _loaded(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _open_first_case(pilot) -> None:
    await _loaded(pilot)
    await pilot.press("enter")
    await _loaded(pilot)


async def _open_report(pilot) -> None:
    from tui.worker.report import ReportScreen

    await _loaded(pilot)
    await pilot.press("n")
    await _loaded(pilot)

    def settled() -> bool:
        # On a loaded machine the screen's mount (focus) and resize (narrow rows) handlers can run
        # after the first pauses; the snapshot waits for the state they leave, not for time.
        screen = pilot.app.screen
        if not isinstance(screen, ReportScreen) or screen.focused is None or screen.focused.id != "report-title":
            return False
        narrow = screen.size.width < 110
        return all(row.has_class("-narrow") == narrow for row in screen.query(".form-row"))

    for _ in range(500):
        if settled():
            break
        await pilot.pause()
    assert settled(), "the report form never settled"
    # The focused title's cursor blinks on a timer: whether the snapshot caught it lit depended on
    # the machine's load. A steady cursor makes the picture the same every run.
    from textual.widgets import Input

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await _loaded(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_my_cases(snap_compare, app_for, lang, size):
    assert snap_compare(app_for(lang), terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_case_detail(snap_compare, app_for, lang, size):
    assert snap_compare(app_for(lang), terminal_size=size, run_before=_open_first_case)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_form(snap_compare, app_for, lang, size):
    assert snap_compare(app_for(lang), terminal_size=size, run_before=_open_report)
