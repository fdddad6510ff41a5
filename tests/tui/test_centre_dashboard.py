"""The dashboard as a town and a village centre use it, on the real demo server: on an 80-column
terminal no table hides columns off to the right (the due time and the overdue mark of the cases
waiting for the centre are what it acts on)."""

from __future__ import annotations

import pytest

from tests.tui.helpers import async_test
from tests.tui.test_dashboard import wait_loaded

TABLES = ("#todo", "#overdue", "#alerts", "#matrix", "#ranking", "#coverage", "#escalations")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tests.conftest import LiveServer

    server = LiveServer(tmp_path_factory.mktemp("centre") / "server.db").start()
    yield server
    server.close()


def cropped(app) -> dict[str, tuple[int, int]]:
    """Tables whose rows are wider than the space they have: {id: (needed, shown)}."""
    out = {}
    for selector in TABLES:
        table = app.query_one(selector)
        if not table.display or table.row_count == 0:
            continue
        shown = table.scrollable_content_region.width
        if table.virtual_size.width > shown:
            out[selector] = (table.virtual_size.width, shown)
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("username", ["station-01", "village-01"])
@async_test
async def test_no_table_is_cropped_on_80_columns(demo, isolated, ops_module, username, lang):
    from gridctl.i18n import set_lang
    from tui.dashboard.app import DashboardApp

    set_lang(lang)
    ops_module.login(demo.url, username, "demo-pass", profile="centre")
    client = ops_module.Client.open("centre")
    try:
        app = DashboardApp(client, auto_refresh=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_loaded(app, pilot, times=1200)
            assert app.query_one("#todo").row_count > 0 and app.query_one("#alerts").row_count > 0
            assert cropped(app) == {}
            # The columns a centre acts on are there: the due time and the overdue mark.
            todo = app.query_one("#todo")
            labels = [str(c.label) for c in todo.columns.values()]
            from tui.common.i18n import tr

            assert labels[-2:] == [tr("tui.dashboard.due"), tr("loop.dashboard.flags")]
            # Widened, the panels stand side by side and the lists show every column again.
            await pilot.resize_terminal(160, 48)
            await wait_loaded(app, pilot)
            for _ in range(100):
                if len(app.query_one("#todo").columns) == 6:
                    break
                await pilot.pause(0.05)
            assert len(app.query_one("#todo").columns) == 6 and len(app.query_one("#alerts").columns) == 5
            assert cropped(app) == {}
    finally:
        client.close()
        set_lang(None)


@async_test
async def test_the_alert_count_does_not_stop_at_the_first_page(demo, isolated, ops_module, monkeypatch):
    """The station has more standing alerts than the panel fetches: its title says so rather than
    showing the page size as the count (was: 'Alerts (100)' for over 300)."""
    import httpx

    from tests.conftest import token_for
    from tui.dashboard.app import DashboardApp

    token = token_for(demo.url, "station-01")
    page = httpx.get(f"{demo.url}/api/v1/alerts", params={"division": "610822100", "state": ["open", "acknowledged"],
                                                         "limit": 1000}, headers={"Authorization": f"Bearer {token}"},
                     timeout=60).json()["items"]
    # The small demo town has a few dozen; a town has hundreds. A page of 10 stands for 100.
    assert len(page) > 10
    from tui.dashboard.source import StatsSource

    monkeypatch.setattr(StatsSource, "ALERT_PAGE", 10, raising=False)
    ops_module.login(demo.url, "station-01", "demo-pass", profile="centre")
    client = ops_module.Client.open("centre")
    try:
        app = DashboardApp(client, auto_refresh=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_loaded(app, pilot, times=1200)
            title = str(app.query_one("#alerts-title").render())
            assert app.query_one("#alerts").row_count == 10
            assert "+: the most pressing 10 shown" in title, title
    finally:
        client.close()


@pytest.mark.parametrize("username, offered", [("station-01", True), ("village-01", False), ("gw-001", False)])
@async_test
async def test_supervise_is_offered_only_to_the_roles_that_may(demo, isolated, ops_module, username, offered):
    """A village or a grid worker was offered "s Supervise" and then refused (schemas.workflow)."""
    from tui.dashboard.app import DashboardApp
    from tui.dashboard.supervise_form import SuperviseForm

    ops_module.login(demo.url, username, "demo-pass", profile="centre")
    client = ops_module.Client.open("centre")
    try:
        app = DashboardApp(client, auto_refresh=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_loaded(app, pilot, times=1200)
            keys = [k for k, b in app.active_bindings.items() if b.enabled and b.binding.show]
            assert ("s" in keys) == offered, keys
            if app.query_one("#overdue").row_count:
                app.query_one("#overdue").focus()
                await pilot.press("s")
                await pilot.pause()
                assert isinstance(app.screen, SuperviseForm) == offered
    finally:
        client.close()
