"""Benchmarks of the client core, in process (issue 3): one JSON line per figure, medians of runs.

- ``list_cases(mine=True)`` offline over 10,000 cached cases — the core's share of
  `gridctl case list --mine` (the whole command's target is ≤ 250 ms; bench_cli.py times that);
- ``list_cases(mine=False)`` and ``show_case`` by an 8-character prefix over the same cache;
- one offline write (report_incident: validation, a durable transaction of record + outbox);
- sync of 1,000 queued reports to a real server on loopback (target ≤ 3 s, ≤ 5 push requests);
- the first full pull of the small demo county into an empty cache.

The server runs as its own process (``python -m server``), as in the tests, so the client's
figures are not shared with the server's work on one interpreter lock.

Run: python tests/bench/bench_client.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import emit, median_of

RUNS = 7


def use_dirs(folder: Path) -> None:
    os.environ["GRIDCTL_CONFIG_DIR"] = str(folder / "c")
    os.environ["GRIDCTL_DATA_DIR"] = str(folder / "d")


def fill_cases(client, count: int) -> None:
    """``count`` cases of gw-001's grid in the cache, across statuses and levels like a busy year."""
    from datetime import datetime, timedelta, timezone

    from gridctl.ids import uuid7
    from schemas import workflow as wf

    statuses = ["reported", "accepted", "in_progress", "resolved", "closed", "closed", "closed", "closed"]
    levels = ["grid", "grid", "grid", "village", "town"]
    now = datetime.now(timezone.utc)
    with client.store.transaction() as conn:
        for i in range(count):
            reported = now - timedelta(hours=i % 2000)
            case = {"id": uuid7(), "serial": f"610822-20261101-{i:05d}", "title": f"事件{i}", "category": "other",
                    "grid_code": "610822100200001", "reported_at": reported.isoformat(), "urgent": False}
            case.update(wf.new_case_fields(reported, False, "gw-001"))
            case["status"] = statuses[i % len(statuses)]
            case["level"] = levels[i % len(levels)]
            client.store.put("case", case, conn)
        client.store.set_meta("last_pull_at", now.isoformat(), conn)


def bench_reads(server_url: str, folder: Path) -> None:
    from gridctl import ops

    use_dirs(folder / "reads")
    ops.login(server_url, "gw-001", "demo-pass", profile="reads")
    client = ops.Client.open("reads", offline=True)
    fill_cases(client, 10000)
    mine_count = len(ops.list_cases(client, mine=True).items)
    med, times = median_of(lambda: ops.list_cases(client, mine=True), RUNS)
    emit("core_list_cases_mine_offline_10000", med * 1000, "ms", listed=mine_count,
         runs=[round(t * 1000, 1) for t in times], target_whole_command=250)
    all_count = len(ops.list_cases(client, mine=False).items)
    med, times = median_of(lambda: ops.list_cases(client, mine=False), RUNS)
    emit("core_list_cases_all_offline_10000", med * 1000, "ms", listed=all_count,
         runs=[round(t * 1000, 1) for t in times])
    some = client.store.db.execute("SELECT id FROM cases ORDER BY id DESC LIMIT 1").fetchone()[0]
    # The newest ids share their first 8 characters with thousands of others (UUIDv7 starts with
    # the time); a prefix long enough to be unique is what a user would type.
    prefix = some[:-4]
    med, _ = median_of(lambda: ops.show_case(client, prefix), RUNS)
    emit("core_show_case_by_prefix_offline_10000", med * 1000, "ms")
    writes = []
    for i in range(50):
        start = time.perf_counter()
        ops.report_incident(client, category="other", title=f"离线写入{i}")
        writes.append(time.perf_counter() - start)
    emit("core_offline_report_write", statistics.median(writes) * 1000, "ms", runs=len(writes),
         p90=round(sorted(writes)[int(len(writes) * 0.9)] * 1000, 2))
    client.close()


def bench_sync(server_url: str, folder: Path) -> None:
    from gridctl import ops, sync

    for run in range(3):
        use_dirs(folder / f"sync{run}")
        ops.login(server_url, "gw-001", "demo-pass")
        client = ops.Client.open(offline=True)
        for i in range(1000):
            ops.report_incident(client, category="other", title=f"压测离线事件{run}-{i}")
        client.close()
        client = ops.Client.open()
        start = time.perf_counter()
        report = sync.push(client)
        emit("core_sync_push_1000_queued_reports", time.perf_counter() - start, "s", run=run,
             push_requests=report.requests, applied=report.applied, target=3.0, target_requests=5)
        start = time.perf_counter()
        report = sync.pull(client, reset=True)
        emit("core_first_pull_small_demo_scope_gw001", time.perf_counter() - start, "s", run=run,
             pulled=report.pulled, requests=report.requests)
        client.close()


def main() -> None:
    from tests.conftest import LiveServer

    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-client-"))
    server = LiveServer(folder / "server.db").start()
    try:
        bench_reads(server.url, folder)
        bench_sync(server.url, folder)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
