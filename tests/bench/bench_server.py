"""Benchmarks of the backend (issue 2): demo seeding, and /stats/overview over 100,000 cases.

Run: python tests/bench/bench_server.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _common import emit, median_of


def main() -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import insert, select

    from schemas.ids import uuid7
    from server.app import create_app
    from server.db import cases
    from server.demo import seed

    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-"))
    for run in range(3):
        app = create_app(f"sqlite:///{folder / f'seed{run}.db'}")
        start = time.perf_counter()
        summary = seed(app.state.engine, "full")
        emit("demo_seed_full", time.perf_counter() - start, "s", run=run, persons=summary["persons"],
             cases=summary["cases"], target=30.0)
        app.state.engine.dispose()

    # 100,000 cases in the county: the demo's 3,000 copied with new ids.
    with app.state.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(cases))]
        copies = []
        for i in range(97000):
            row = dict(rows[i % len(rows)])
            row["id"] = uuid7()
            row["serial"] = f"bench-{i:06d}"
            copies.append(row)
        conn.execute(insert(cases), copies)
    client = TestClient(app)
    for user, division in (("station-01", "610822100"), ("county-admin", "610822")):
        token = client.post("/api/v1/auth/token", json={"username": user, "password": "demo-pass"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        client.get("/api/v1/stats/overview", params={"division": division}, headers=headers)  # warm
        med, times = median_of(lambda: client.get("/api/v1/stats/overview", params={"division": division},
                                                   headers=headers).raise_for_status(), runs=7)
        emit("stats_overview_100k_cases", med, "s", division=division, runs=[round(t, 3) for t in times], target=0.2)


if __name__ == "__main__":
    main()
