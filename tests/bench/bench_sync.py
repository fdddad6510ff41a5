"""Benchmarks of the sync protocol on loopback (issue 2 and 3).

- push of 1,000 case.report mutations in batches of 500 (target ≤ 2 s);
- pull of 10,000 changes (target ≤ 2 s);
- client sync of 1,000 queued reports through the core (target ≤ 3 s in ≤ 5 push requests).

Run: python tests/bench/bench_sync.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import emit

from schemas.ids import uuid7


def main() -> None:
    import httpx

    from server.runner import BackgroundServer

    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-"))
    server = BackgroundServer(f"sqlite:///{folder / 'server.db'}", demo=True, demo_scale="small").start()
    try:
        http = httpx.Client(base_url=server.url + "/api/v1", timeout=60)
        token = http.post("/auth/token", json={"username": "county-admin", "password": "demo-pass"}).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())

        def reports(n):
            return [{"id": uuid7(), "type": "case.report", "created_at": now,
                     "payload": {"id": uuid7(), "title": f"压测事件{i}", "category": "other",
                                 "grid_code": "610822100200003"}} for i in range(n)]

        for run in range(3):
            batch = reports(1000)
            start = time.perf_counter()
            for i in range(0, 1000, 500):
                results = http.post("/sync/push", json={"device_id": "bench", "mutations": batch[i:i + 500]}).json()["results"]
                assert all(r["status"] == "applied" for r in results)
            emit("push_1000_case_reports", time.perf_counter() - start, "s", run=run, batches=2, target=2.0)
        # 3,000 cases pushed plus the small demo: pull 10,000 changes of a county after more reports.
        for i in range(0, 7000, 500):
            http.post("/sync/push", json={"device_id": "bench", "mutations": reports(500)})
        for run in range(3):
            start = time.perf_counter()
            cursor, pulled = None, 0
            while pulled < 10000:
                page = http.get("/sync/pull", params={"limit": 5000, **({"cursor": cursor} if cursor else {})}).json()
                pulled += len(page["changes"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            emit("pull_10000_changes", time.perf_counter() - start, "s", run=run, changes=pulled, target=2.0)

        # The client: 1,000 reports queued offline, then one sync.
        for run in range(3):
            os.environ["GRIDCTL_CONFIG_DIR"] = str(folder / f"c{run}")
            os.environ["GRIDCTL_DATA_DIR"] = str(folder / f"d{run}")
            from gridctl import ops, sync

            ops.login(server.url, "gw-003", "demo-pass")
            client = ops.Client.open(offline=True)
            for i in range(1000):
                ops.report_incident(client, category="other", title=f"离线事件{i}")
            client.close()
            client = ops.Client.open()
            start = time.perf_counter()
            report = sync.sync(client, push_only=True)
            emit("client_sync_1000_queued_reports", time.perf_counter() - start, "s", run=run,
                 push_requests=report.requests, applied=report.applied, target=3.0)
            client.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
