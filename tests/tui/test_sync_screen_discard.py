"""The sync screen names the record of each write (the core's ``about``, as `outbox list`), and
its discard asks first when other unsent writes cannot be sent without the discarded one — the
same core operation as `gridctl outbox discard` (prompt / --yes). gw-001 against the real server."""

from __future__ import annotations

import pytest

from tests.tui.helpers import async_test, settle
from tui.worker.app import WorkerApp

pytestmark = pytest.mark.slow
GRID = "610822100200001"


async def _until(app, pilot, condition, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await settle(app, pilot)


def _refused_household(worker_client, ops_module, server) -> tuple[str, str]:
    """A household registered offline under gw-002's number, a person in it, an edit of them."""
    taken = server.db.rows("SELECT household_no FROM households WHERE grid_code = '610822100200002' "
                           "ORDER BY household_no LIMIT 1")[0][0]
    offline = type(worker_client).open(worker_client.profile.name, offline=True)
    hh = ops_module.add_household(offline, grid=GRID, household_no=taken, address="离线新建户").record
    person = ops_module.add_person(offline, hh["id"], name="离线新人", relation_to_head="head").record
    ops_module.update_person(offline, person["id"], phone="13911110000")
    ops_module.run_sync(worker_client)
    return taken, hh["id"]


@pytest.mark.parametrize("lang, column, person", [("en", "about", "person 离线新人"), ("zh", "涉及", "人员 离线新人")])
@async_test
async def test_discard_on_the_sync_screen_names_the_dependents_and_asks(worker_client, ops_module, server,
                                                                        lang, column, person):
    from textual.widgets import DataTable

    from tui.worker.discard_modal import DiscardModal
    from tui.worker.sync_screen import SyncScreen

    taken, household_id = _refused_household(worker_client, ops_module, server)
    def outbox() -> list[tuple[str, str]]:
        return [(i["id"], i["state"]) for i in ops_module.outbox_list(worker_client)]

    before = outbox()
    assert [state for _, state in before] == ["rejected", "waiting", "waiting"]
    app = WorkerApp(worker_client, lang=lang)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        table = screen.query_one(DataTable)
        assert str(table.columns["about"].label) == column
        abouts = [str(table.get_row_at(n)[2]) for n in range(table.row_count)]
        assert taken in abouts[0] and all(a.startswith(person) for a in abouts[1:]), abouts
        assert taken in str(screen.query_one("#conflict-mine").render())  # the selected write's record

        # Keep: nothing discarded.
        table.move_cursor(row=0)
        await pilot.press("x")
        await _until(app, pilot, lambda: isinstance(app.screen, DiscardModal))
        listed = str(app.screen.query_one("#discard-lines").render())
        assert listed.count(person) == 2 and taken in listed, listed
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SyncScreen)
        assert outbox() == before

        # Discard all: the household, the person and the edit go; nothing is left stuck.
        await pilot.press("x")
        await _until(app, pilot, lambda: isinstance(app.screen, DiscardModal))
        await pilot.click("#discard-all")
        await _until(app, pilot, lambda: isinstance(app.screen, SyncScreen) and not app.screen.items)
    assert outbox() == []
    assert worker_client.store.get("household", household_id) is None
