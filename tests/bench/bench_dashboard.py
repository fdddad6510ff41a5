"""The station dashboard (issue 4): first useful paint for a town holding 100,000 cases
(target ≤ 1.5 s), and the longest event-loop stall during refreshes (what a user would feel as
a frozen screen).

The server runs in its own process, as in production: in this process its Python work would
hold the GIL and show up as stalls that are not the dashboard's.

Run: python tests/bench/bench_dashboard.py
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import ROOT, emit

TOWN = "610822100"
TOWN_CASES = 100_000
REFRESHES = 5


def seed(db: Path) -> int:
    """The full demo county, then copies of the town's cases until the town holds 100,000."""
    from sqlalchemy import func, insert, select

    from schemas.ids import uuid7
    from server.db import cases
    from server.runner import prepare
    from server.scope import prefix_clause

    app, _ = prepare(f"sqlite:///{db}", demo=True, demo_scale="full")
    engine = app.state.engine
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(cases).where(prefix_clause(cases.c.grid_code, TOWN)))]
        missing = TOWN_CASES - len(rows)
        for start in range(0, missing, 10_000):
            conn.execute(insert(cases), [dict(rows[i % len(rows)], id=uuid7(), serial=f"bench-{i:06d}")
                                         for i in range(start, min(missing, start + 10_000))])
        total = conn.execute(select(func.count()).select_from(cases).where(prefix_clause(cases.c.grid_code, TOWN))).scalar()
    engine.dispose()
    return total


def start_server(db: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "server", "--db", f"sqlite:///{db}", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


async def measure(client, worker) -> tuple[float, list[float], float]:
    from tui.dashboard.app import DashboardApp

    start = time.perf_counter()
    app = DashboardApp(client, auto_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not app.loaded:
            await pilot.pause(0.005)
        await pilot.pause()  # the paint that follows the figures
        first_paint = time.perf_counter() - start
        gaps, last = [], time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

        app.set_interval(0.01, tick)
        refresh_time = 0.0
        for i in range(REFRESHES):
            # A new report between refreshes, so each one changes figures on screen (an
            # unchanged refresh repaints nothing and would flatter the measure). Reported from
            # a thread: a blocking call here would itself stall the loop being measured.
            from gridctl import ops

            await asyncio.to_thread(ops.report_incident, worker, category="environment", title=f"bench report {i}")
            started = time.perf_counter()
            app.loaded = False
            app.action_refresh()
            while not app.loaded:
                await pilot.pause(0.005)
            refresh_time += time.perf_counter() - started
        return first_paint, gaps, refresh_time / REFRESHES


def main() -> None:
    from server.runner import free_port

    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-"))
    os.environ["GRIDCTL_CONFIG_DIR"] = str(folder / "c")
    os.environ["GRIDCTL_DATA_DIR"] = str(folder / "d")
    db = folder / "server.db"
    town_cases = seed(db)
    port = free_port()
    proc = start_server(db, port)
    try:
        from gridctl import ops

        ops.login(f"http://127.0.0.1:{port}", "station-01", "demo-pass", profile="station")
        ops.login(f"http://127.0.0.1:{port}", "gw-001", "demo-pass", profile="worker")
        client, worker = ops.Client.open("station"), ops.Client.open("worker")
        import gc

        import tui.dashboard.app  # noqa: F401  (imported before the freeze, as run() has it)

        gc.freeze()  # as tui.dashboard.run() does before opening the screen
        for run in range(3):
            first_paint, gaps, refresh = asyncio.run(measure(client, worker))
            emit("dashboard_first_useful_paint_town_100k", first_paint, "s", run=run, town_cases=town_cases, target=1.5)
            emit("dashboard_longest_event_loop_gap_during_refresh", max(gaps), "s", run=run, refreshes=REFRESHES,
                 timer_interval=0.01, gaps_over_50ms=sum(g > 0.05 for g in gaps), ticks=len(gaps))
            emit("dashboard_refresh_round_trip", refresh, "s", run=run)
        client.close()
        worker.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
