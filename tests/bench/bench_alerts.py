"""Benchmark of early warning (DESIGN 16): the extra server time alerts add to a push of 100
mutations on a 100,000-case county (target ≤ 50 ms), the one-time rebuild, and one sweep.

The push goes through the server's own service (``server.services.sync.push``) in-process, with
alerts on and — the floor, measured in the same run — with ``after_mutation``, ``drain`` and
``maybe_sweep`` switched off; runs alternate between the two so that a busy machine slows both
alike. Each batch is 50 reports (at a household of one grid, one in five naming the same party's
ID number, all disputes: the grid's repeat and spike alerts stand and change with every batch)
and 50 accepts of those reports. Besides the difference of medians (on − off, noisy on a shared
machine), the time spent inside the alert code during each push is measured directly.

Run: python tests/bench/bench_alerts.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench._common import emit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    from sqlalchemy import func, insert, select

    from schemas.ids import uuid7
    from schemas.models import Mutation
    from server.app import create_app
    from server.db import alerts as alerts_table
    from server.db import cases, households
    from server.demo import seed
    from server.services import alerts, sync

    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    app = create_app(f"sqlite:///{folder / 'county.db'}")
    engine, settings = app.state.engine, app.state.settings
    seed(engine, "full")
    freq = dict(settings.visit_frequency_days)
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(cases))]
        copies = []
        for i in range(100_000 - len(rows)):
            row = dict(rows[i % len(rows)])
            row["id"] = uuid7()
            row["serial"] = f"bench-{i:06d}"
            copies.append(row)
        conn.execute(insert(cases), copies)
        homes = [h for (h,) in conn.execute(select(households.c.id).where(households.c.grid_code == "610822100200001"))]
    start = time.perf_counter()
    alerts.rebuild(engine, freq)  # the copies came without mutations: counted and evaluated once
    emit("alerts_rebuild_100k_cases", time.perf_counter() - start, "s")
    start = time.perf_counter()
    alerts.maybe_sweep(engine, freq, force=True)
    emit("alerts_sweep_100k_cases", time.perf_counter() - start, "s")

    user = {"username": "gw-001", "display_name": "gw", "role": "gridworker", "scope": ["610822100200001"]}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")

    def batch(n: int) -> list:
        out = []
        for i in range(n // 2):
            cid = uuid7()
            party = {"name": "张三", "id_number": "610822198001010019" if i % 5 == 0 else None, "role": "party"}
            out.append(Mutation.model_validate({"id": uuid7(), "type": "case.report", "created_at": now, "payload": {
                "id": cid, "title": "邻里纠纷", "category": "dispute", "grid_code": "610822100200001",
                "household_id": homes[i % len(homes)], "parties": [party]}}))
            out.append(Mutation.model_validate({"id": uuid7(), "type": "case.act", "created_at": now, "base_version": 1,
                                                "payload": {"case_id": cid, "action": "accept"}}))
        return out

    real = {name: getattr(alerts, name) for name in ("after_mutation", "drain", "maybe_sweep")}
    inside = [0.0, 0.0]  # wall, CPU

    def timed(fn):
        def run(*a, **k):
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **k)
            finally:
                inside[0] += time.perf_counter() - start
                inside[1] += time.process_time() - cpu
        return run

    off = {"after_mutation": lambda *a, **k: [], "drain": lambda *a, **k: None, "maybe_sweep": lambda *a, **k: False}
    timings: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    spent: list[float] = []
    spent_cpu: list[float] = []
    sync.push(engine, user, "bench", batch(100), settings=settings)  # warm-up (compiled statements, caches)
    for run in range(args.runs * 2):
        on = run % 2 == 1
        for name, fn in real.items():
            setattr(alerts, name, timed(fn) if on else off[name])
        mutations = batch(100)
        inside[:] = [0.0, 0.0]
        start, start_cpu = time.perf_counter(), time.process_time()
        results = sync.push(engine, user, "bench", mutations, settings=settings)["results"]
        timings[on].append(time.perf_counter() - start)
        cpu[on].append(time.process_time() - start_cpu)
        if on:
            spent.append(inside[0])
            spent_cpu.append(inside[1])
        assert all(r["status"] == "applied" for r in results), [r for r in results if r["status"] != "applied"][:1]
    for name, fn in real.items():
        setattr(alerts, name, fn)
    with engine.connect() as conn:
        standing = dict(conn.execute(select(alerts_table.c.kind, func.count()).where(
            alerts_table.c.state != "cleared", alerts_table.c.grid_code == "610822100200001").group_by(alerts_table.c.kind)).all())
    on, off_ = statistics.median(timings[True]), statistics.median(timings[False])
    emit("push_100_mutations_alerts_off", off_, "s", runs=[round(t, 3) for t in timings[False]])
    emit("push_100_mutations_alerts_on", on, "s", runs=[round(t, 3) for t in timings[True]])
    emit("alerts_extra_per_100_mutations", on - off_, "s", cases=100_000, target=0.05, how="median on - median off")
    emit("alerts_extra_cpu_per_100_mutations", statistics.median(cpu[True]) - statistics.median(cpu[False]), "s",
         cases=100_000, target=0.05, how="median CPU on - median CPU off",
         on=[round(t, 3) for t in cpu[True]], off=[round(t, 3) for t in cpu[False]])
    emit("alerts_time_inside_push_of_100", statistics.median(spent), "s", cases=100_000, target=0.05,
         runs=[round(t, 4) for t in spent], standing_in_grid=standing)
    emit("alerts_cpu_inside_push_of_100", statistics.median(spent_cpu), "s", cases=100_000, target=0.05,
         runs=[round(t, 4) for t in spent_cpu])

if __name__ == "__main__":
    main()
