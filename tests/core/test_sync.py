"""The sync engine against the real server: exactly once, reset, unsent changes kept, quarantine."""

from __future__ import annotations

import time

import pytest

from tests.core.conftest import server_rows


def _new_case(client, title: str) -> dict:
    """A fresh grid-level case of gw-001's grid, synced, so each test owns the cases it acts on."""
    from gridctl import ops

    result = ops.report_incident(client, category="dispute", title=title)
    assert result.sync_state == "synced"
    return result.record


def test_offline_writes_are_delivered_exactly_once(clients, server):
    from gridctl import ops, sync

    online = clients("field")
    case = _new_case(online, "邻里漏水纠纷")
    household = ops.list_households(online).items[0]
    offline = clients("field", offline=True)

    report = ops.report_incident(offline, category="environment", title="垃圾点三天未清运")
    visit = ops.log_visit(offline, household["household_no"], purpose="routine", note="离线走访一次")
    accept = ops.act(offline, case["serial"], "accept")
    assert [r.sync_state for r in (report, visit, accept)] == ["pending"] * 3
    assert report.record["sync"] == "pending" and report.record["serial"] is None
    assert accept.record["status"] == "accepted" and accept.record["version"] == case["version"] + 1
    assert ops.sync_status(offline)["pending"] == 3
    assert server_rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", report.record["id"]) == [(0,)]

    first = sync.sync(online)
    assert (first.applied, first.duplicate, first.conflict, first.rejected, first.partly_done) == (3, 0, 0, 0, False)
    assert first.requests >= 2  # one push, then at least one pull page
    assert server_rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", report.record["id"]) == [(1,)]
    assert server_rows(server, "SELECT COUNT(*) FROM visits WHERE note = '离线走访一次'") == [(1,)]
    assert server_rows(server, "SELECT status, version FROM cases WHERE id = ?", case["id"]) == \
        [("accepted", case["version"] + 1)]
    shown = ops.show_case(online, report.record["id"])
    assert shown["serial"] and shown["sync"] == "synced"

    cases_before = server_rows(server, "SELECT COUNT(*), SUM(version) FROM cases")
    second = sync.sync(online)
    assert (second.pushed, second.applied, second.duplicate) == (0, 0, 0)
    assert server_rows(server, "SELECT COUNT(*), SUM(version) FROM cases") == cases_before
    assert ops.sync_status(online)["pending"] == 0


def test_a_write_while_the_server_is_down_is_saved_and_said_pending(clients, server):
    from gridctl import ops

    client = clients("field")
    ops.run_sync(client)
    server.stop()
    try:
        started = time.monotonic()
        result = ops.report_incident(client, category="other", title="断网时上报")
        assert result.sync_state == "pending" and result.record["sync"] == "pending"
        assert time.monotonic() - started < 5  # connection refused is not waited on
        listing = ops.list_cases(client, mine=False)
        assert listing.stale and listing.source == "cache" and listing.cache_age is not None
        assert result.record["id"] in {c["id"] for c in listing.items}
    finally:
        server.start()
    report = ops.run_sync(client)
    assert report.applied == 1
    assert server_rows(server, "SELECT COUNT(*) FROM cases WHERE title = '断网时上报'") == [(1,)]


def test_a_reset_rebuilds_the_cache_and_keeps_the_outbox(clients, server):
    from gridctl import ops, sync

    client = clients("field")
    sync.sync(client)
    cached = client.store.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    assert cached > 0
    # A record the server never had (left over from an old scope) must go with the reset.
    client.store.put("case", {"id": "00000000-0000-7000-8000-000000000000", "status": "reported", "level": "grid",
                              "title": "旧范围的事件", "version": 1})
    offline = clients("field", offline=True)
    queued = ops.report_incident(offline, category="other", title="重置时尚未发送")

    client.store.set_meta("pull_cursor", "999999999.not-my-scope")  # a cursor the server does not know
    report = sync.pull(client)
    assert report.reset
    assert client.store.get("case", "00000000-0000-7000-8000-000000000000") is None
    assert client.store.get("case", queued.record["id"])["title"] == "重置时尚未发送"
    assert [i["state"] for i in ops.outbox_list(client)] == ["pending"]
    assert client.store.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == cached + 1

    forced = ops.run_sync(client, reset=True)  # what a user asks for when the cache looks wrong
    assert forced.reset and forced.applied == 1
    assert ops.outbox_list(client) == []


def test_pulled_data_never_overwrites_unsent_changes(clients, server):
    from gridctl import ops, sync

    worker = clients("field")
    case = _new_case(worker, "楼道堆放杂物")
    village = clients("village", "village-01")
    ops.run_sync(village)
    offline = clients("field", offline=True)
    ops.act(offline, case["id"], "comment", note="已提醒住户")
    moved = ops.act(village, case["id"], "assign", assignee="gw-001")  # the server's copy moves on
    assert moved.sync_state == "synced"

    sync.pull(worker)
    local = worker.store.get("case", case["id"])
    assert local["assignee"] is None and local["steps"][-1]["note"] == "已提醒住户"

    sync.push(worker)
    sync.pull(worker)
    fresh = worker.store.get("case", case["id"])
    on_server = server_rows(server, "SELECT assignee, version FROM cases WHERE id = ?", case["id"])[0]
    assert (fresh["assignee"], fresh["version"]) == on_server == ("gw-001", case["version"] + 2)
    assert {s["action"] for s in fresh["steps"]} >= {"assign", "comment"}


def test_a_conflict_is_quarantined_without_blocking_independent_work(clients, server):
    from gridctl import ops, sync

    laptop = clients("laptop")
    case = _new_case(laptop, "违章搭建彩钢棚")
    tablet = clients("tablet")
    ops.run_sync(tablet)
    tablet_offline = clients("tablet", offline=True)
    accept = ops.act(tablet_offline, case["serial"], "accept")
    comment = ops.act(tablet_offline, case["serial"], "comment", note="现场拍照")  # builds on the accept
    other = ops.report_incident(tablet_offline, category="other", title="与冲突无关的上报")
    ops.act(laptop, case["serial"], "escalate", reason="需村里协调")

    report = sync.sync(tablet)
    assert (report.applied, report.conflict, report.waiting, report.partly_done) == (1, 1, 1, True)
    assert server_rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", other.record["id"]) == [(1,)]
    assert server_rows(server, "SELECT status, level FROM cases WHERE id = ?", case["id"]) == [("reported", "village")]
    states = {i["id"]: i["state"] for i in ops.outbox_list(tablet)}
    assert states == {accept.mutation_id: "conflict", comment.mutation_id: "waiting"}
    quarantined = ops.outbox_show(tablet, accept.mutation_id[:-6])  # a prefix will do
    assert quarantined["server"]["level"] == "village"
    assert ops.sync_status(tablet)["conflict"] == 1

    # The accept no longer fits (the case is at the village now): a retry says so, sends nothing.
    from gridctl.errors import GridctlError

    with pytest.raises(GridctlError) as refused:
        ops.outbox_retry(tablet, accept.mutation_id)
    assert refused.value.exit_code in (2, 4) and "village" in str(refused.value).lower() + refused.value.key

    # Sent back down, the accept fits again: the retry applies it and the comment follows.
    village = clients("village", "village-01")
    ops.act(village, case["serial"], "return", reason="属网格职责")
    retried = ops.outbox_retry(tablet, accept.mutation_id)
    assert retried.sync_state == "synced"
    assert ops.outbox_list(tablet) == []  # the waiting comment went out right behind it
    assert sync.sync(tablet).pushed == 0
    shown = ops.show_case(tablet, case["serial"])
    assert [s["action"] for s in shown["steps"]][-4:] == ["escalate", "return", "accept", "comment"]
    assert shown["status"] == "accepted" and shown["level"] == "grid" and shown["sync"] == "synced"


def test_discarding_a_conflict_restores_the_servers_case(clients, server):
    from gridctl import ops, sync

    a = clients("a")
    case = _new_case(a, "路灯不亮")
    ops.act(a, case["serial"], "accept")
    b = clients("b")
    ops.run_sync(b)
    start = ops.act(clients("b", offline=True), case["serial"], "start")
    ops.act(a, case["serial"], "resolve", note="已更换灯泡")

    assert sync.sync(b).conflict == 1
    assert b.store.get("case", case["id"])["status"] == "in_progress"  # still our unsent view
    gone = ops.outbox_discard(b, start.mutation_id)
    assert gone["discarded"] and ops.outbox_list(b) == []
    assert b.store.get("case", case["id"])["status"] == "resolved"
    from gridctl.errors import NotFound

    with pytest.raises(NotFound) as missing:
        ops.outbox_discard(b, "01%")  # a wildcard is not a prefix of anything
    assert missing.value.exit_code == 5


def test_a_rejected_mutation_is_kept_visible_with_the_servers_reason(clients, server):
    from gridctl import ops, sync

    client = clients("field")
    offline = clients("field", offline=True)
    bad = ops.report_incident(offline, category="other", title="范围外")
    # Tamper with the queued payload as a stale client might: a grid outside gw-001's scope.
    with client.store.transaction() as conn:
        payload = dict(bad.record, grid_code="610822100200002")
        keep = {k: payload[k] for k in ("id", "title", "category", "grid_code", "occurred_at", "reported_at",
                                        "scale", "urgent", "source", "parties", "photos")}
        client.store.set_outbox_state(conn, bad.mutation_id, "pending", payload=keep, count_attempt=False)
    good = ops.report_incident(offline, category="other", title="范围内")
    report = sync.sync(client)
    assert report.rejected == 1 and report.applied == 1 and report.partly_done
    item = ops.outbox_show(client, bad.mutation_id)
    assert item["state"] == "rejected" and item["last_error"]
    assert server_rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", good.record["id"]) == [(1,)]
    ops.outbox_discard(client, bad.mutation_id)
    assert client.store.get("case", bad.record["id"]) is None


def test_a_record_the_feed_passed_while_unsent_is_fetched_again_once_delivered(clients, server):
    """Killed after the server applied a push but before the answer was saved, then a read pulls."""
    from gridctl import ops, sync

    client = clients("field")
    ops.run_sync(client)
    queued = ops.report_incident(clients("field", offline=True), category="other", title="应答丢失的上报")
    item = client.store.outbox_item(queued.mutation_id)
    client.api.push(client.device_id, [{k: item[k] for k in ("id", "type", "base_version", "created_at", "payload")}])

    listing = ops.list_cases(client, mine=False)  # pulls; the feed's copy is passed over (still unsent here)
    assert listing.source == "server"
    assert next(c for c in listing.items if c["id"] == queued.record["id"])["serial"] is None

    report = sync.sync(client)
    assert report.duplicate == 1 and report.applied == 0
    serial = server_rows(server, "SELECT serial FROM cases WHERE id = ?", queued.record["id"])[0][0]
    assert serial and client.store.get("case", queued.record["id"])["serial"] == serial
    assert client.store.refetch_due() == []


def test_sync_reports_progress_through_the_callback(clients, server):
    from gridctl import ops, sync

    client = clients("field")
    offline = clients("field", offline=True)
    for i in range(3):
        ops.report_incident(offline, category="other", title=f"进度回调{i}")
    seen = []
    report = sync.sync(client, progress=lambda done, total, key: seen.append((done, total, key)))
    assert report.applied == 3
    assert (3, 3, "core.sync.pushing") in seen and any(key == "core.sync.pulling" for _, _, key in seen)
