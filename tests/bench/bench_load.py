"""Load test of the backend (DESIGN 13): N simulated devices, each its own grid worker in one of
the demo county's 120 grids (the full demo: 24,000 households), pushing small batches and pulling
the feed for a fixed time.

Each device loops (``--think`` seconds apart; 0 = flat out, which measures saturation): push a batch (visits to households of its grid; now and then a
case report, or a comment on its last case), then pull everything after its cursor. Afterwards
the benchmark checks what the devices got: every visit pushed in a grid reached every device of
that grid exactly once (the feed under load), and no request failed.

    python tests/bench/bench_load.py                                  # SQLite, 1 process
    python tests/bench/bench_load.py --pg postgresql+psycopg://gridctl@127.0.0.1:5432/ --workers 4

``--pg`` takes a server URL without a database name (like GRIDCTL_TEST_DB): a fresh database is
made there and dropped afterwards. The load generator runs in this process (asyncio + httpx) on
the same machine as the server, so the figures are a floor for a real deployment, where clients
are elsewhere. One JSON line per figure: push and pull requests per second, mutations per
second, p50/p99 latency in ms, and the check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

from _common import emit


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def make_devices(db, n: int) -> list[dict]:
    """``n`` grid-worker accounts (password demo-pass), spread over the demo's grids."""
    grids = [g for (g,) in db.rows("SELECT code FROM divisions WHERE level = 'grid' ORDER BY code")]
    households = defaultdict(list)
    for hid, grid in db.rows("SELECT id, grid_code FROM households"):
        households[grid].append(hid)
    pw_hash = db.scalar("SELECT password_hash FROM users WHERE username = 'gw-001'")
    devices = []
    for i in range(n):
        grid = grids[i % len(grids)]
        name = f"load-{i:04d}"
        db.execute("INSERT INTO users (username, display_name, phone, role, scope, password_hash, created_at) "
                   "VALUES (:u, :d, NULL, 'gridworker', :s, :h, :t)",
                   u=name, d=f"压测{i}", s=json.dumps([grid]), h=pw_hash, t=_now())
        devices.append({"username": name, "grid": grid, "households": households[grid]})
    return devices


async def run_device(http, device: dict, deadline: float, batch: int, stats: dict, rng: random.Random,
                     think: float) -> None:
    import httpx

    from schemas.ids import uuid7

    headers = device["headers"]
    last_case = None
    if think:
        await asyncio.sleep(rng.uniform(0, think))  # devices out of step, as in the field
    while time.monotonic() < deadline:
        mutations = []
        for _ in range(batch):
            roll = rng.random()
            if roll < 0.1 or not device["households"]:
                case_id = uuid7()
                mutations.append({"id": uuid7(), "type": "case.report", "created_at": _now(), "payload": {
                    "id": case_id, "title": "压测上报", "category": "safety_hazard", "grid_code": device["grid"]}})
                last_case = case_id
            elif roll < 0.2 and last_case:
                mutations.append({"id": uuid7(), "type": "case.act", "created_at": _now(), "payload": {
                    "case_id": last_case, "action": "comment", "note": "压测备注"}})
            else:
                vid = uuid7()
                mutations.append({"id": uuid7(), "type": "visit.log", "created_at": _now(), "payload": {
                    "id": vid, "household_id": rng.choice(device["households"]), "visited_at": _now(),
                    "purpose": "routine", "note": "压测走访"}})
        t = time.perf_counter()
        try:
            r = await http.post("/sync/push", json={"device_id": device["username"], "mutations": mutations},
                                headers=headers)
        except httpx.TransportError as exc:  # counted, and the device goes on (its outbox would resend)
            stats["errors"][f"push {type(exc).__name__}"] += 1
            continue
        stats["push"].append(time.perf_counter() - t)
        if r.status_code != 200:
            stats["errors"][f"push {r.status_code}"] += 1
            continue
        for m, res in zip(mutations, r.json()["results"]):
            if res["status"] == "applied":
                stats["mutations"] += 1
                if m["type"] == "visit.log":
                    stats["pushed_visits"][device["grid"]].add(m["payload"]["id"])
            else:
                stats["errors"][f"{m['type']} {res['status']} {res.get('problem', {}).get('code')}"] += 1
        await pull(http, device, stats)
        if think:
            await asyncio.sleep(max(0.0, min(think, deadline - time.monotonic())))


async def pull(http, device: dict, stats: dict | None) -> None:
    import httpx

    while True:
        params = {"cursor": device["cursor"]} if device.get("cursor") else {}
        t = time.perf_counter()
        try:
            r = await http.get("/sync/pull", params=params, headers=device["headers"])
        except httpx.TransportError as exc:
            if stats is not None:
                stats["errors"][f"pull {type(exc).__name__}"] += 1
            return
        if stats is not None:
            stats["pull"].append(time.perf_counter() - t)
        if r.status_code != 200:
            if stats is not None:
                stats["errors"][f"pull {r.status_code}"] += 1
            return
        page = r.json()
        for c in page["changes"]:
            if c["entity"] == "visit":
                device["seen"][c["id"]] += 1
        device["cursor"] = page["cursor"]
        if not page["has_more"]:
            return


async def load(url: str, devices: list[dict], seconds: float, batch: int, label: dict, think: float) -> None:
    import httpx

    # Idle connections dropped before uvicorn's 5 s keep-alive ends, or a device waking from its
    # think time races the server closing its connection.
    limits = httpx.Limits(max_connections=len(devices), max_keepalive_connections=len(devices), keepalive_expiry=3)
    async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=120, limits=limits) as http:
        async def login(d):
            r = await http.post("/auth/token", json={"username": d["username"], "password": "demo-pass",
                                                     "device_id": d["username"]})
            r.raise_for_status()
            d["headers"] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            d["seen"] = Counter()
            await pull(http, d, None)  # the initial sync, before the clock starts

        sem = asyncio.Semaphore(20)

        async def limited(d):
            async with sem:
                await login(d)

        await asyncio.gather(*(limited(d) for d in devices))
        stats = {"push": [], "pull": [], "mutations": 0, "errors": Counter(), "pushed_visits": defaultdict(set)}
        start = time.monotonic()
        deadline = start + seconds
        rng = random.Random(7)
        await asyncio.gather(*(run_device(http, d, deadline, batch, stats, random.Random(rng.random()), think)
                               for d in devices))
        elapsed = time.monotonic() - start
        # Final pulls after every push has answered: each device must now hold every visit of its grid.
        await asyncio.gather(*(pull(http, d, None) for d in devices))

    for kind in ("push", "pull"):
        times = stats[kind]
        emit(f"load_{kind}", len(times) / elapsed, "requests/s", **label, requests=len(times),
             p50_ms=round(percentile(times, 50) * 1000, 1), p99_ms=round(percentile(times, 99) * 1000, 1),
             mean_ms=round(statistics.fmean(times) * 1000, 1) if times else None)
    emit("load_mutations", stats["mutations"] / elapsed, "mutations/s", **label, mutations=stats["mutations"],
         seconds=round(elapsed, 1))
    missing = duplicated = 0
    for d in devices:
        expected = stats["pushed_visits"][d["grid"]]
        missing += len(expected - set(d["seen"]))
        duplicated += sum(1 for v in expected if d["seen"][v] > 1)
    emit("load_feed_check", missing + duplicated, "faults", **label, missing=missing, duplicated=duplicated,
         visits=sum(len(v) for v in stats["pushed_visits"].values()), errors=dict(stats["errors"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--batch", type=int, default=3, help="mutations per push")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL server URL (no database name); default SQLite")
    parser.add_argument("--think", type=float, default=0, help="seconds a device waits between syncs")
    parser.add_argument("--scale", choices=["full", "small"], default="full", help="the demo county to start from")
    args = parser.parse_args()
    if args.pg:
        os.environ["GRIDCTL_TEST_DB"] = args.pg
    from tests.conftest import LiveServer

    folder = Path(tempfile.mkdtemp(prefix="gridctl-load-"))
    server = LiveServer(folder / "load.db", scale=args.scale, workers=args.workers)
    try:
        server.start(timeout=600)
        devices = make_devices(server.db, args.devices)
        label = {"db": server.db.dialect, "workers": args.workers, "devices": args.devices, "batch": args.batch,
                 "think_s": args.think, "cpus": os.cpu_count()}
        asyncio.run(load(server.url, devices, args.seconds, args.batch, label, args.think))
    finally:
        server.close()


if __name__ == "__main__":
    main()
