"""The station dashboard against the real server, and its snapshots on fixed figures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.conftest import token_for
from tests.tui.helpers import async_test

FIXED = json.loads((Path(__file__).with_name("dashboard_stats.json")).read_text(encoding="utf-8"))


@pytest.fixture
def station(isolated, server_factory, ops_module):
    server = server_factory()
    ops_module.login(server.url, "station-01", "demo-pass", profile="station")
    client = ops_module.Client.open("station")
    yield server, client
    client.close()


def server_stats(server) -> dict:
    token = token_for(server.url, "station-01")
    return httpx.get(f"{server.url}/api/v1/stats/overview", params={"division": "610822100"},
                     headers={"Authorization": f"Bearer {token}"}).json()


async def wait_loaded(app, pilot, times: int = 200) -> None:
    for _ in range(times):
        if app.loaded and not app.query_one("StatusHeader").busy:
            return
        await pilot.pause(0.05)
    raise AssertionError("the dashboard never loaded")


def cells(table) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@async_test
async def test_shows_the_servers_figures_and_refreshes(station):
    from tui.dashboard.app import DashboardApp

    server, client = station
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_loaded(app, pilot)
        stats = server_stats(server)
        assert str(app.query_one("#kpi-open").render()).startswith(str(stats["kpi"]["open"]))
        matrix = cells(app.query_one("#matrix"))
        assert matrix[0][1:] == [str(stats["open_by_status_level"]["reported"][lvl]) for lvl in
                                 ("grid", "village", "town", "county")]
        assert app.query_one("#overdue").row_count == len(stats["overdue"])
        assert list(app.query_one("#reports").data) == [d["count"] for d in stats["reports_per_day"]]
        assert app.query_one("StatusHeader").online is True
        # A new report elsewhere shows after a refresh.
        before = stats["kpi"]["open"]
        from gridctl import ops

        ops.login(server.url, "gw-001", "demo-pass", profile="worker")
        worker = ops.Client.open("worker")
        ops.report_incident(worker, category="environment", title="河道漂浮垃圾较多")
        app.loaded = False
        await pilot.press("r")
        await wait_loaded(app, pilot)
        assert str(app.query_one("#kpi-open").render()).startswith(str(before + 1))


@async_test
async def test_supervise_from_the_overdue_list_reaches_the_server(station):
    from tui.dashboard.app import DashboardApp

    server, client = station
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_loaded(app, pilot)
        table = app.query_one("#overdue")
        assert table.row_count > 0
        case_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.focus()
        await pilot.press("s")
        await pilot.pause(0.2)
        from textual.widgets import Select

        app.screen.query_one("#level", Select).value = "red"
        app.screen.query_one("#note").value = "请三日内办结"
        await pilot.click("#save")
        for _ in range(100):
            await pilot.pause(0.05)
            token = token_for(server.url, "station-01")
            case = httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()
            if case["supervision"] == "red":
                break
        assert case["supervision"] == "red"
        assert case["steps"][-1]["note"] == "请三日内办结"


@async_test
async def test_server_gone_keeps_the_last_figures_and_says_so(station):
    from tui.dashboard.app import DashboardApp

    server, client = station
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        shown = str(app.query_one("#kpi-open").render())
        server.stop()
        app.loaded = False
        await pilot.press("r")
        await wait_loaded(app, pilot)
        header = app.query_one("StatusHeader")
        assert header.online is False and "Offline" in str(header.render()) or "offline" in str(header.render()).lower()
        assert str(app.query_one("#kpi-open").render()) == shown
    server.start()


class FixedSource:
    """The figures of tests/tui/dashboard_stats.json, as fetched at a fixed moment."""

    def __init__(self, online: bool = True) -> None:
        self.online = online

    def fetch(self):
        from tui.dashboard.source import Figures

        return Figures(FIXED, self.online, datetime.now(timezone.utc) - timedelta(minutes=3))


class FixedClient:
    user = {"username": "station-01", "display_name": "城关镇综治中心", "role": "station", "scope": ["610822100"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot(snap_compare, monkeypatch, lang, size):
    from gridctl.i18n import set_lang
    from tui.dashboard.app import DashboardApp

    monkeypatch.setenv("NO_COLOR", "")
    set_lang(lang)

    async def settle(pilot):
        await wait_loaded(pilot.app, pilot)
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    app = DashboardApp(FixedClient(), source=FixedSource(), auto_refresh=False)
    try:
        assert snap_compare(app, terminal_size=size, run_before=settle)
    finally:
        set_lang(None)
