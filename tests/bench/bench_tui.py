"""Benchmark: worker app start → My cases painted, with 10,000 cached cases (target ≤ 1 s).

Prints one JSON line per figure. Run: python tests/bench/bench_tui.py [--cases N] [--rounds R]

Two figures: with the cases in a real local store read by the real core (what a worker waits
for), and with the same cases from an in-memory source (the TUI's own share: screen build,
sorting, the table, the first paint).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


async def start_to_painted(count: int, size=(160, 48), make_app=None) -> tuple[float, float]:
    from tests.tui.fixed_core import fixed_app

    started = time.perf_counter()
    app = (make_app or fixed_app)("zh", count)
    async with app.run_test(size=size) as pilot:
        while not getattr(app.screen, "loaded", False):
            await asyncio.sleep(0.005)
        await pilot.pause()  # one more refresh: the rows are on screen
        painted = time.perf_counter() - started
        assert len(app.screen.cases) > count // 2
        box = app.screen.query_one("#cases-filter")
        t0 = time.perf_counter()
        box.value = "超期"
        await pilot.pause()
        filtered = time.perf_counter() - t0
    return painted, filtered


def store_app_factory(count: int):
    """A real offline profile with ``count`` cached cases; returns a factory of apps on it."""
    import os
    import tempfile

    from tests.tui.store_seed import seeded_client
    from tui.worker.app import WorkerApp

    tmp = tempfile.mkdtemp(prefix="bench-tui-")
    os.environ["GRIDCTL_CONFIG_DIR"] = os.path.join(tmp, "config")
    os.environ["GRIDCTL_DATA_DIR"] = os.path.join(tmp, "data")
    seeded_client(count, profile="bench").close()

    def make(lang: str, _count: int):
        from gridctl import ops

        return WorkerApp(ops.Client.open("bench", offline=True), lang=lang, offline=True)

    return make


def measure(name: str, count: int, rounds: int, make_app=None) -> None:
    painted, filtered = [], []
    for _ in range(rounds):
        p, f = asyncio.run(start_to_painted(count, make_app=make_app))
        painted.append(p)
        filtered.append(f)
    print(json.dumps({"name": f"tui.worker.start_to_cases_painted.{name}", "value": round(statistics.median(painted), 3),
                      "unit": "s", "cases": count, "rounds": rounds, "min": round(min(painted), 3), "target": 1.0}))
    print(json.dumps({"name": f"tui.worker.filter_as_you_type.{name}", "value": round(statistics.median(filtered), 3),
                      "unit": "s", "cases": count, "rounds": rounds}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    measure("store", args.cases, args.rounds, store_app_factory(args.cases))
    measure("memory", args.cases, args.rounds)


if __name__ == "__main__":
    main()
