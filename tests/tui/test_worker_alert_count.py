"""The worker app's header counts the open alerts of the worker's scope (DESIGN 16), from the
cache the pull feed fills — so it is there offline too."""

from __future__ import annotations

import pytest

from tests.tui.helpers import async_test, settle
from tui.common.header import StatusHeader
from tui.worker.app import WorkerApp

pytestmark = pytest.mark.slow


@async_test
async def test_header_shows_the_open_alert_count(worker_client, ops_module):
    ops_module.run_sync(worker_client)
    counts = ops_module.open_counts(worker_client)
    assert counts["total"] > 0  # gw-001's grid has overdue demo cases
    app = WorkerApp(worker_client, lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        text = ""
        for _ in range(100):
            text = str(app.screen.query_one(StatusHeader).render())
            if "Alerts" in text:
                break
            await pilot.pause(0.05)
        assert f"Alerts {counts['total']} ({counts['critical']} critical)" in text
