"""The station dashboard against the real server, and its snapshots on fixed figures."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.conftest import token_for
from tests.tui.helpers import async_test

FIXED = json.loads((Path(__file__).with_name("dashboard_stats.json")).read_text(encoding="utf-8"))
LEVELS = ("grid", "village", "town", "county")


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


def server_index(server) -> dict:
    token = token_for(server.url, "station-01")
    return httpx.get(f"{server.url}/api/v1/stats/index", params={"division": "610822100", "period": "month"},
                     headers={"Authorization": f"Bearer {token}"}).json()


async def wait_loaded(app, pilot, times: int = 200) -> None:
    for _ in range(times):
        if app.loaded and not app.query_one("StatusHeader").busy:
            return
        await pilot.pause(0.05)
    raise AssertionError("the dashboard never loaded")


async def refresh(app, pilot) -> None:
    app.loaded = False
    await pilot.press("r")
    await wait_loaded(app, pilot)


def cells(table) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def tile(app, key: str) -> str:
    return str(app.query_one(f"#kpi-{key}").render())


@async_test
async def test_shows_the_servers_figures_and_refreshes(station):
    from tui.dashboard.app import DashboardApp

    server, client = station
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_loaded(app, pilot)
        stats = server_stats(server)
        for key in ("open", "overdue_unaccepted", "overdue_unresolved", "escalated_7d"):
            assert tile(app, key).startswith(str(stats["kpi"][key])), key
        matrix = cells(app.query_one("#matrix"))
        for row, status in zip(matrix, ("reported", "accepted", "in_progress", "resolved")):
            assert row[1:] == [str(stats["open_by_status_level"][status][lvl]) for lvl in LEVELS]
        overdue = cells(app.query_one("#overdue"))
        assert [r[0] for r in overdue] == [c["serial"] or c["id"][:8] for c in stats["overdue"]]
        assert list(app.query_one("#reports").data) == [d["count"] for d in stats["reports_per_day"]]
        ranking = cells(app.query_one("#ranking"))
        index = server_index(server)  # the ranking panel shows the governance index, ▲▼ rank change
        assert [(r[0], r[2], r[3]) for r in ranking] == [
            (str(g["rank"]), g["name"], "—" if g["score"] is None else f"{g['score']:.1f}") for g in index["items"][:20]]
        assert [r[1] for r in ranking] == [
            "·" if g["rank_change"] is None else ("=" if g["rank_change"] == 0 else
                                                  (f"▲{g['rank_change']}" if g["rank_change"] > 0 else
                                                   f"▼{-g['rank_change']}")) for g in index["items"][:20]]
        coverage = cells(app.query_one("#coverage"))
        assert [(r[1], r[2]) for r in coverage] == [(str(c["people"]), str(c["visited"])) for c in stats["visit_coverage"]]
        assert app.query_one("#escalations").row_count == len(stats["latest_escalations"])
        assert app.query_one("StatusHeader").online is True
        assert app.query_one("#stale").display is False
        # A new report elsewhere shows after a refresh.
        before = stats["kpi"]["open"]
        from gridctl import ops

        ops.login(server.url, "gw-001", "demo-pass", profile="worker")
        worker = ops.Client.open("worker")
        ops.report_incident(worker, category="environment", title="河道漂浮垃圾较多")
        worker.close()
        await refresh(app, pilot)
        assert tile(app, "open").startswith(str(before + 1))
        assert cells(app.query_one("#matrix"))[0][1] == str(server_stats(server)["open_by_status_level"]["reported"]["grid"])


@async_test
async def test_supervise_from_the_overdue_list_reaches_the_server(station):
    from textual.widgets import Select

    from tui.dashboard.app import DashboardApp

    server, client = station
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_loaded(app, pilot)
        table = app.query_one("#overdue")
        assert table.row_count > 1
        table.focus()
        await pilot.press("down")
        case_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        await pilot.press("s")
        await pilot.pause(0.2)
        app.screen.query_one("#level", Select).value = "red"
        app.screen.query_one("#note").value = "请三日内办结"
        await pilot.click("#save")
        token = token_for(server.url, "station-01")
        for _ in range(100):
            await pilot.pause(0.05)
            case = httpx.get(f"{server.url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()
            if case["supervision"] == "red":
                break
        assert case["supervision"] == "red"
        assert case["steps"][-1]["action"] == "supervise" and case["steps"][-1]["note"] == "请三日内办结"
        # It went through the outbox, and the refreshed list shows the card on the same row.
        from gridctl import ops

        sent = [m for m in ops.outbox_list(client, include_applied=True) if m["type"] == "case.act"]
        assert [m["state"] for m in sent] == ["applied"]
        await wait_loaded(app, pilot)
        for _ in range(60):
            row = table.get_row(case_id)
            if "Red" in str(row[5]):
                break
            await pilot.pause(0.05)
        assert "Red" in str(table.get_row(case_id)[5])
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == case_id


@async_test
async def test_server_gone_keeps_the_last_figures_and_says_so(station):
    from tui.dashboard.app import DashboardApp

    server, client = station
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        shown = tile(app, "open")
        server.stop()
        await refresh(app, pilot)
        header = app.query_one("StatusHeader")
        assert header.online is False
        assert "offline" in str(header.render()).lower()
        banner = app.query_one("#stale")
        assert banner.display is True
        assert "Server unreachable" in str(banner.render()) and "just now" in str(banner.render())
        assert tile(app, "open") == shown
    # A dashboard opened while the server is down starts from the saved copy.
    again = DashboardApp(client, auto_refresh=False)
    try:
        async with again.run_test(size=(80, 24)) as pilot:
            await wait_loaded(again, pilot)
            assert tile(again, "open") == shown
            assert again.query_one("#stale").display is True
    finally:
        server.start()


@async_test
async def test_no_server_and_no_copy_says_why_and_keeps_running(isolated, ops_module, server_factory):
    from tui.dashboard.app import DashboardApp

    server = server_factory()
    ops_module.login(server.url, "station-01", "demo-pass", profile="station")
    client = ops_module.Client.open("station")
    server.stop()
    try:
        app = DashboardApp(client, auto_refresh=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_loaded(app, pilot)
            banner = str(app.query_one("#stale").render())
            assert "cannot reach the server" in banner
            assert app.is_running
    finally:
        client.close()
        server.start()


# --- offline, on fixed figures -------------------------------------------------------------

class FixedSource:
    """The figures of tests/tui/dashboard_stats.json (or given ones), as fetched 3 minutes ago."""

    def __init__(self, stats: dict | None = None, online: bool = True) -> None:
        self.stats = stats or FIXED
        self.online = online

    def fetch(self):
        from tui.dashboard.source import Figures

        return Figures(self.stats, self.online, datetime.now(timezone.utc) - timedelta(minutes=3))


class FixedClient:
    user = {"username": "station-01", "display_name": "城关镇综治中心", "role": "station", "scope": ["610822100"]}


@async_test
async def test_phones_in_titles_are_masked():
    from tui.dashboard.app import DashboardApp

    stats = copy.deepcopy(FIXED)
    stats["overdue"][0]["title"] = "楼道堆物，联系人13812345678"
    stats["latest_escalations"][0]["title"] = "噪音扰民 029-88123456"
    app = DashboardApp(FixedClient(), source=FixedSource(stats), auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_loaded(app, pilot)
        assert cells(app.query_one("#overdue"))[0][1] == "楼道堆物，联系人138****5678"
        assert cells(app.query_one("#escalations"))[0][2] == "噪音扰民 029-****3456"


def test_mask_phones_leaves_id_numbers_and_serials_alone():
    from tui.dashboard.privacy import mask_phones

    assert mask_phones("电话13912345678") == "电话139****5678"
    assert mask_phones("身份证610822199001011234") == "身份证610822199001011234"
    assert mask_phones("610822-20261122-0007") == "610822-20261122-0007"
    assert mask_phones(None) == ""


@async_test
async def test_refresh_keeps_the_selected_case_and_help_opens():
    from tui.dashboard.app import DashboardApp
    from tui.dashboard.help import DashboardHelp

    source = FixedSource(copy.deepcopy(FIXED))
    app = DashboardApp(FixedClient(), source=source, auto_refresh=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        table = app.query_one("#overdue")
        table.focus()
        await pilot.press("down", "down", "down")
        chosen = FIXED["overdue"][3]["id"]
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == chosen
        # The first overdue case was dealt with elsewhere: the list shrinks, the selection stays.
        source.stats = copy.deepcopy(FIXED)
        del source.stats["overdue"][0]
        source.stats["kpi"]["open"] -= 1
        await refresh(app, pilot)
        assert table.row_count == len(FIXED["overdue"]) - 1
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == chosen
        assert tile(app, "open").startswith(str(FIXED["kpi"]["open"] - 1))
        # On 80 columns the panels stack, so no table is cut off at the right.
        for name in ("#overdue", "#matrix", "#coverage", "#ranking", "#escalations"):
            table = app.query_one(name)
            assert table.virtual_size.width <= table.size.width, name
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DashboardHelp)
        assert "On-time closure" in str(app.screen.query_one("#help-figures").render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, DashboardHelp)
        # A timed refresh landing while the supervise form is open updates the screen beneath.
        from tui.dashboard.supervise_form import SuperviseForm

        await pilot.press("s")
        await pilot.pause(0.1)
        assert isinstance(app.screen, SuperviseForm)
        source.stats = copy.deepcopy(FIXED)
        app.loaded = False
        app.action_refresh()
        await wait_loaded(app, pilot)
        assert isinstance(app.screen, SuperviseForm)
        assert tile(app, "open").startswith(str(FIXED["kpi"]["open"]))
        await pilot.press("escape")
        assert {b.id for b in app.BINDINGS} >= {"dashboard.refresh", "dashboard.help", "dashboard.quit"}


def test_bad_division_is_a_usage_error_with_its_fix(isolated):
    from gridctl.errors import InvalidInput
    from tui.dashboard import check_division

    assert check_division(None, ["610822100"]) is None
    assert check_division("610822100001", ["610822100"]) == "610822100001"
    with pytest.raises(InvalidInput) as bad:
        check_division("61082x", ["610822100"])
    assert bad.value.exit_code == 2 and "--division" in str(bad.value) and "610822100" in str(bad.value)
    with pytest.raises(InvalidInput) as outside:
        check_division("610822", ["610822100"])
    assert "outside your scope" in str(outside.value)


def test_run_without_login_says_how_to_log_in(isolated, capsys):
    from tui.dashboard import run

    assert run(profile=None, lang="en") == 4
    err = capsys.readouterr().err
    assert "gridctl auth login" in err and "Traceback" not in err


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


def _expected_queues(cases: list[dict]) -> dict[str, set]:
    """The station's queues by hand from the server's cases (DESIGN §15), independently of the code."""
    def followed_up(c):
        for s in reversed(c["steps"]):
            if s["action"] in ("follow_up", "close"):
                return s["action"] == "follow_up"
        return False

    verify = {c["id"] for c in cases if c["status"] == "resolved"
              and (c["level"] in ("grid", "village") or (c["level"] == "town" and c["unit"]))}
    held = {c["id"] for c in cases if c["unit"] and c["status"] in ("dispatched", "accepted", "in_progress")}
    todo = {c["id"] for c in cases if c["id"] not in held and (
        (c["status"] in ("reported", "accepted", "in_progress") and c["level"] == "town")
        or (c["assignee"] == "station-01" and c["status"] in ("reported", "accepted", "in_progress")))} | verify
    follow = {c["id"] for c in cases if c["status"] == "closed" and not followed_up(c)}
    dispatched = {c["id"] for c in cases if c["id"] in held and c["level"] == "town"}
    return {"todo": todo, "verify": verify, "follow-up": follow, "dispatched": dispatched}


@async_test
async def test_station_queues_match_the_cases_and_enter_opens_a_case(station, ops_module):
    from tui.dashboard.app import DashboardApp

    server, client = station
    token = token_for(server.url, "station-01")
    cases = httpx.get(f"{server.url}/api/v1/cases", params={"limit": 1000},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["items"]
    want = _expected_queues(cases)
    assert all(want[q] for q in want), want  # the demo fills every queue
    for queue, ids in want.items():
        listed = ops_module.list_cases(client, queue=queue).items
        assert {c["id"] for c in listed} == ids, queue
        # Cases whose limit runs come first, urgent first, then by due time; resolved and closed
        # ones (their due time is of a limit that is over) after them.
        from schemas.workflow import UNFINISHED_STATUSES

        running = [c for c in listed if c["status"] in UNFINISHED_STATUSES]
        assert listed[:len(running)] == running, queue
        keys = [(not c.get("urgent"), c.get("due_at") or "~") for c in running]
        assert keys == sorted(keys), queue
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_loaded(app, pilot)
        for queue in ("todo", "verify", "follow-up"):
            assert str(app.query_one(f"#queue-{queue}").render()).startswith(str(len(want[queue]))), queue
        stats = server_stats(server)
        rate = stats["base_resolution_rate"]
        assert rate is not None and str(app.query_one("#queue-base_resolution_rate").render()).startswith(f"{rate * 100:.1f}%")
        table = app.query_one("#todo")
        assert table.row_count == min(20, len(want["todo"]))
        first = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.focus()
        await pilot.press("enter")
        for _ in range(100):
            if type(app.screen).__name__ == "CaseDetailScreen" and app.screen.case:
                break
            await pilot.pause(0.05)
        detail = app.screen
        assert type(detail).__name__ == "CaseDetailScreen" and detail.case["id"] == first
        shown = {b.id[4:] for b in detail.query("#detail-actions Button") if b.display}
        assert shown == set(detail.allowed) and shown & {"accept", "dispatch", "close", "resolve", "start"}
        await pilot.press("escape")
        await wait_loaded(app, pilot)
        assert type(app.screen).__name__ != "CaseDetailScreen"
