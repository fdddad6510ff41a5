"""The read path's targets (DESIGN 13 and 16) on the 100,000-case county, as a test that fails when
one regresses past its target. A benchmark, not part of the default suite (tests/bench is not
collected): it seeds the full demo and copies its cases, about a minute.

Run: python -m pytest tests/bench/test_stats_targets.py   (GRIDCTL_TEST_DB=postgresql+psycopg://…
for PostgreSQL). Medians of several runs, wall clock; on a crowded machine the figures rise with
the load, so each failure message carries the load average. Each figure is also printed as a
JSON line (run with -s to see them).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit  # noqa: E402
from bench_server import copy_cases  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COUNTY, TOWN = "610822", "610822100"
TARGETS = {"overview": 0.2, "index": 0.3, "report": 3.0}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The full demo with 100,000 cases, behind an in-process client and a real server process."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from server.app import create_app
    from server.demo import seed
    from tests.conftest import LiveServer, TestDatabase, token_for

    folder = tmp_path_factory.mktemp("targets")
    db = TestDatabase(folder / "county.db")
    app = create_app(db.url)
    seed(app.state.engine, "full")
    copy_cases(app.state.engine)
    if db.dialect == "postgresql":  # autovacuum's steady state, without waiting for it
        with app.state.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    client = TestClient(app)
    server = LiveServer(folder / "county-server.db", scale=None, db=db).start(timeout=120)
    headers = {u: {"Authorization": f"Bearer {token_for(server.url, u)}"} for u in ("county-admin", "station-01")}
    yield {"client": client, "server": server, "headers": headers, "dialect": db.dialect, "folder": folder}
    server.stop()
    app.state.engine.dispose()
    db.drop()


def _median(fn, runs: int) -> tuple[float, list[float]]:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _check(name: str, median: float, times: list[float], target: float, **extra) -> None:
    emit(name, median, "s", runs=[round(t, 3) for t in times], target=target, **extra)
    load = os.getloadavg()[0]
    assert median <= target, (f"{name}: median {median:.3f} s > target {target} s "
                              f"(runs {[round(t, 3) for t in times]}, load average {load:.1f} on {os.cpu_count()} cores)")


@pytest.mark.parametrize("division, user", [(COUNTY, "county-admin"), (TOWN, "station-01")])
def test_overview_within_200_ms(county, division, user):
    def once():
        county["client"].get("/api/v1/stats/overview", params={"division": division},
                             headers=county["headers"][user]).raise_for_status()

    median, times = _median(once, runs=7)
    _check("target_stats_overview", median, times, TARGETS["overview"], db=county["dialect"], division=division)


@pytest.mark.parametrize("division, user", [(COUNTY, "county-admin"), (TOWN, "station-01")])
def test_index_by_grid_for_a_month_within_300_ms(county, division, user):
    params = {"division": division, "level": "grid", "period": "month"}

    def once():
        county["client"].get("/api/v1/stats/index", params=params, headers=county["headers"][user]).raise_for_status()

    median, times = _median(once, runs=7)
    _check("target_stats_index_grid_month", median, times, TARGETS["index"], db=county["dialect"], division=division)


def test_monthly_report_of_a_town_within_3_s(county):
    def once():
        county["client"].get("/api/v1/stats/report", params={"division": TOWN, "period": "month"},
                             headers=county["headers"]["station-01"]).raise_for_status()

    median, times = _median(once, runs=5)
    _check("target_stats_report_town_month", median, times, TARGETS["report"], db=county["dialect"], division=TOWN)


def test_gridctl_report_monthly_xlsx_of_a_town_within_3_s(county):
    """The whole command, as a person runs it: a new process, the request, the workbook written."""
    folder = county["folder"]
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(folder / "config"), "GRIDCTL_DATA_DIR": str(folder / "data"),
           "GRIDCTL_LANG": "zh", "PYTHONPATH": str(ROOT)}
    gridctl = [sys.executable, "-c", "from commands.main import run; run()"]
    login = subprocess.run([*gridctl, "auth", "login", "--server", county["server"].url, "--username", "station-01",
                            "--password-stdin"], input="demo-pass\n", env=env, cwd=ROOT, capture_output=True, text=True)
    assert login.returncode == 0, login.stderr
    out = folder / "月报.xlsx"

    def once():
        r = subprocess.run([*gridctl, "report", "monthly", "--division", TOWN, "--out", str(out)], env=env, cwd=ROOT,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    median, times = _median(once, runs=3)
    assert out.stat().st_size > 10_000
    _check("target_gridctl_report_monthly_xlsx_town", median, times, TARGETS["report"], db=county["dialect"],
           division=TOWN)
