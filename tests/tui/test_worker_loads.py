"""Screen loads run in exclusive thread workers (STYLE §4): a late first load never overwrites a
newer one, and a failed load is one notification, never a crash."""

from __future__ import annotations

import threading
from datetime import timedelta

from tests.tui.fixed_core import fixed_app
from tests.tui.helpers import async_test, settle
from tui.worker.core import Rows, Seen


@async_test
async def test_two_refreshes_keep_the_newest_result():
    app = fixed_app("en")
    core = app.core
    release = threading.Event()
    calls = []
    everything = list(core.cases)

    def list_cases():
        calls.append(1)
        if len(calls) == 2:  # the first refresh after mount: slow, and stale when it lands
            release.wait(10)
            return Rows(everything[:2], Seen(cache_age=timedelta(minutes=1)))
        return Rows(everything, Seen(cache_age=timedelta(minutes=1)))

    core.list_cases = list_cases
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.action_refresh()  # slow
        await pilot.pause()
        screen.action_refresh()  # fast; cancels the slow one
        for _ in range(100):
            await pilot.pause(0.02)
            if len(calls) == 3 and len(screen.cases) == len(everything):
                break
        release.set()
        await settle(app, pilot)
        assert len(calls) == 3
        assert len(screen.cases) == len(everything)  # the slow, older answer was dropped


@async_test
async def test_a_failed_load_is_a_notification_and_the_app_keeps_running():
    from gridctl.errors import Unreachable

    app = fixed_app("en")
    core = app.core

    def fail(ref):
        raise Unreachable()

    core.show_case = fail
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.is_running
        notes = [n for n in app._notifications if n.severity == "error"]
        assert len(notes) == 1
        assert "Traceback" not in notes[0].message
        assert app.online is False  # the header learns the server is away
