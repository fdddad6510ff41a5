"""Benchmark of early warning (DESIGN 16): the extra server time alerts add to a push of 100
mutations on a 100,000-case county (target ≤ 50 ms), the one-time rebuild, and one sweep.

The push goes through the server's own service (``server.services.sync.push``) in-process, with
alerts on and — the baseline — with ``after_mutation`` and ``maybe_sweep`` switched off; runs
alternate between the two so that a busy machine slows both alike. Each batch is 50 reports (at
a household, naming a party's ID number) and 50 accepts of those reports.

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
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from sqlalchemy import insert, select

    from schemas.ids import uuid7
    from schemas.models import Mutation
    from server.app import create_app
    from server.db import cases, households
    from server.demo import seed
    from server.services import alerts, sync

    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    app = create_app(f"sqlite:///{folder / 'county.db'}")
    engine, settings = app.state.engine, app.state.settings
    seed(engine, "full")
    freq = dict(settings.visit_frequency_days)
    start = time.perf_counter()
    alerts.rebuild(engine, freq)  # the demo's 3,000 cases (a one-time scan, as `gridctl demo` does)
    emit("alerts_rebuild_demo_3000_cases", time.perf_counter() - start, "s")
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

    real_after, real_sweep = alerts.after_mutation, alerts.maybe_sweep
    timings: dict[bool, list[float]] = {True: [], False: []}
    for run in range(args.runs * 2):
        on = run % 2 == 1
        alerts.after_mutation = real_after if on else (lambda *a, **k: None)
        alerts.maybe_sweep = real_sweep if on else (lambda *a, **k: False)
        mutations = batch(100)
        start = time.perf_counter()
        results = sync.push(engine, user, "bench", mutations, settings=settings)["results"]
        timings[on].append(time.perf_counter() - start)
        assert all(r["status"] == "applied" for r in results), [r for r in results if r["status"] != "applied"][:1]
    alerts.after_mutation, alerts.maybe_sweep = real_after, real_sweep
    on, off = statistics.median(timings[True]), statistics.median(timings[False])
    emit("push_100_mutations_alerts_off", off, "s", runs=[round(t, 3) for t in timings[False]])
    emit("push_100_mutations_alerts_on", on, "s", runs=[round(t, 3) for t in timings[True]])
    emit("alerts_extra_per_100_mutations", on - off, "s", cases=100_000, target=0.05)


if __name__ == "__main__":
    main()
