"""The dashboard's alerts panel (DESIGN 16): the real server's alerts for the station, critical
first; hidden when a server gives none."""

from __future__ import annotations

import copy

import httpx
import pytest

from tests.conftest import token_for
from tests.tui.test_dashboard import FIXED, FixedClient, FixedSource, async_test, cells, station, wait_loaded  # noqa: F401


@pytest.fixture(autouse=True)
def english():
    """The panel read in English, whatever language an earlier test left chosen."""
    from gridctl.i18n import set_lang

    set_lang("en")
    yield
    set_lang(None)


@async_test
async def test_the_station_sees_its_alerts_critical_first(station):
    from tui.dashboard.app import DashboardApp

    server, client = station
    token = token_for(server.url, "station-01")

    def standing() -> list[dict]:
        return httpx.get(f"{server.url}/api/v1/alerts", params={"division": "610822100", "state": ["open", "acknowledged"]},
                         headers={"Authorization": f"Bearer {token}"}).json()["items"]

    expected = standing()
    assert expected  # the demo county has overdue cases and group incidents
    app = DashboardApp(client, division="610822100", auto_refresh=False)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_loaded(app, pilot)
        rows = cells(app.query_one("#alerts"))
        # The server's minute sweep may move a case on by the clock between two reads: the panel
        # shows what the server said at one of them.
        assert len(rows) in (len(expected), len(standing()))
        severities = [r[0] for r in rows]
        assert severities == sorted(severities, key=["Critical", "Warning", "Info"].index)
        # A long text is clipped to its column with "…" (tui.dashboard: nothing cropped at the edge).
        shown = rows[0][2]
        critical = [a["text"]["en"] for a in expected if a["severity"] == "critical"]
        assert any(t == shown or (shown.endswith("…") and t.startswith(shown[:-1])) for t in critical), shown
        assert str(app.query_one("#alerts-title").render()).startswith("Alerts (")


@async_test
async def test_no_panel_when_the_server_gives_no_alerts():
    from tui.dashboard.app import DashboardApp

    app = DashboardApp(FixedClient(), source=FixedSource(copy.deepcopy(FIXED)), auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_loaded(app, pilot)
        assert not app.query_one("#alerts").display
