"""Benchmark: worker app start → My cases painted, with 10,000 cached cases (target ≤ 1 s).

Prints one JSON line per figure. Run: python tests/bench/bench_tui.py [--cases N] [--rounds R]

The cases come from a fixed in-memory source with the app's Core interface (tests/tui/fixed_core),
so the figure is the TUI's own cost: screen build, sorting, the table, the first paint.
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


async def start_to_painted(count: int, size=(160, 48)) -> tuple[float, float]:
    from tests.tui.fixed_core import fixed_app

    started = time.perf_counter()
    app = fixed_app("zh", count)
    async with app.run_test(size=size) as pilot:
        while not getattr(app.screen, "loaded", False):
            await asyncio.sleep(0.005)
        await pilot.pause()  # one more refresh: the rows are on screen
        painted = time.perf_counter() - started
        assert len(app.screen.cases) == count
        box = app.screen.query_one("#cases-filter")
        t0 = time.perf_counter()
        box.value = "超期"
        await pilot.pause()
        filtered = time.perf_counter() - t0
    return painted, filtered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    painted, filtered = [], []
    for _ in range(args.rounds):
        p, f = asyncio.run(start_to_painted(args.cases))
        painted.append(p)
        filtered.append(f)
    print(json.dumps({"name": "tui.worker.start_to_cases_painted", "value": round(statistics.median(painted), 3),
                      "unit": "s", "cases": args.cases, "rounds": args.rounds, "min": round(min(painted), 3),
                      "target": 1.0}))
    print(json.dumps({"name": "tui.worker.filter_as_you_type", "value": round(statistics.median(filtered), 3),
                      "unit": "s", "cases": args.cases, "rounds": args.rounds}))


if __name__ == "__main__":
    main()
