"""Whole-process timings of the CLI (issue 3): medians of several runs.

- `gridctl --version` (target ≤ 60 ms), `gridctl --help` (≤ 150 ms), a completion request (≤ 120 ms);
- `gridctl --offline case list --mine -o json` with 10,000 cached cases (≤ 250 ms).
Python's own start-up is measured alongside for reference.

Run: python tests/bench/bench_cli.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, emit

RUNS = 9


def timed(cmd: list[str], env: dict) -> tuple[float, list[float]]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def fill_store(folder: Path, count: int) -> dict:
    """A logged-in-looking profile whose cache holds ``count`` cases of gw-001's grid."""
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(folder / "c"), "GRIDCTL_DATA_DIR": str(folder / "d")}
    os.environ.update({k: env[k] for k in ("GRIDCTL_CONFIG_DIR", "GRIDCTL_DATA_DIR")})
    from datetime import datetime, timedelta, timezone

    from gridctl import credentials
    from gridctl.config import load_config, save_config
    from gridctl.paths import profile_data_dir
    from gridctl.store import Store
    from schemas import workflow as wf
    from schemas.ids import uuid7

    config = load_config()
    config.add_profile("bench", "http://127.0.0.1:9", "gw-001")
    save_config(config)
    credentials.save_token("bench", "not-a-real-token")
    store = Store(profile_data_dir("bench") / "store.sqlite3")
    store.set_meta("user", {"username": "gw-001", "role": "gridworker", "scope": ["610822100200001"],
                            "display_name": "测试"})
    statuses = ["reported", "accepted", "in_progress", "resolved", "closed", "closed", "closed", "closed"]
    now = datetime.now(timezone.utc)
    with store.transaction() as conn:
        for i in range(count):
            reported = now - timedelta(hours=i % 2000)
            case = {"id": uuid7(), "serial": f"610822-20261101-{i:04d}", "title": f"事件{i}", "category": "other",
                    "grid_code": "610822100200001", "reported_at": reported.isoformat(), "urgent": False}
            case.update(wf.new_case_fields(reported, False, "gw-001"))
            case["status"] = statuses[i % len(statuses)]
            store.put("case", case, conn)
        store.set_meta("last_pull_at", now.isoformat(), conn)
    store.close()
    return env


def main() -> None:
    gridctl = shutil.which("gridctl") or str(Path(sys.executable).with_name("gridctl"))
    env = {**os.environ}
    python, _ = timed([sys.executable, "-c", "pass"], env)
    emit("python_startup", python, "s")
    for name, args, target in (("version", ["--version"], 0.06), ("help", ["--help"], 0.15)):
        med, times = timed([gridctl, *args], env)
        emit(f"gridctl_{name}", med, "s", runs=[round(t, 3) for t in times], target=target)
    completion_env = {**env, "_GRIDCTL_COMPLETE": "complete_bash", "COMP_WORDS": "gridctl case es", "COMP_CWORD": "2"}
    med, times = timed([gridctl], completion_env)
    emit("gridctl_completion_request", med, "s", runs=[round(t, 3) for t in times], target=0.12)
    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-"))
    store_env = fill_store(folder, 10000)
    med, times = timed([gridctl, "--offline", "--profile", "bench", "case", "list", "--mine", "-o", "json"], store_env)
    out = subprocess.run([gridctl, "--offline", "--profile", "bench", "case", "list", "--mine", "-o", "json"],
                         env=store_env, capture_output=True, text=True)
    emit("case_list_mine_json_10000_cached_offline", med, "s", runs=[round(t, 3) for t in times],
         listed=out.stdout.count('"serial"'), target=0.25)


if __name__ == "__main__":
    main()
