"""The station dashboard (issue 4): first useful paint for a town whose county holds 100,000
cases (target ≤ 1.5 s), and the longest event-loop stall during refreshes (what a user would
feel as a frozen screen).

Run: python tests/bench/bench_dashboard.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from _common import emit


def make_server(folder: Path):
    from sqlalchemy import insert, select

    from schemas.ids import uuid7
    from server.db import cases
    from server.runner import BackgroundServer

    server = BackgroundServer(f"sqlite:///{folder / 'server.db'}", demo=True, demo_scale="full")
    engine = server.app.state.engine
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(cases))]
        copies = []
        for i in range(97000):
            row = dict(rows[i % len(rows)], id=uuid7(), serial=f"bench-{i:06d}")
            copies.append(row)
        conn.execute(insert(cases), copies)
    return server.start()


async def measure(client) -> tuple[float, float]:
    from tui.dashboard.app import DashboardApp

    start = time.perf_counter()
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not app.loaded:
            await pilot.pause(0.005)
        first_paint = time.perf_counter() - start
        gaps, last = [], time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        app.set_interval(0.01, tick)
        for _ in range(5):
            app.loaded = False
            app.action_refresh()
            while not app.loaded:
                await pilot.pause(0.005)
        return first_paint, max(gaps) if gaps else 0.0


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-"))
    os.environ["GRIDCTL_CONFIG_DIR"] = str(folder / "c")
    os.environ["GRIDCTL_DATA_DIR"] = str(folder / "d")
    server = make_server(folder)
    try:
        from gridctl import ops

        ops.login(server.url, "station-01", "demo-pass", profile="station")
        client = ops.Client.open("station")
        for run in range(3):
            first_paint, stall = asyncio.run(measure(client))
            emit("dashboard_first_useful_paint_100k", first_paint, "s", run=run, target=1.5)
            emit("dashboard_longest_stall_during_refresh", stall, "s", run=run)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
