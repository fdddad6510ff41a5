"""DESIGN 13 under concurrency, on SQLite and (GRIDCTL_TEST_DB) PostgreSQL, with one server process
and with four (``--workers 4``): the feed never skips a change, first reports of a day all get a
serial.

The skip these tests guard against only shows on a database with concurrent writers: on
PostgreSQL a transaction can take a lower feed ``seq`` than another and commit after it.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections import Counter

import pytest

from schemas.ids import uuid7
from tests.conftest import ON_POSTGRES, token_for
from tests.server.helpers import GW1_GRID, GW2_GRID, Api, act, now_text, report

WORKERS = [1, 4] if ON_POSTGRES else [1]  # several processes on one SQLite file only queue up


def _visit(household_id: str, note: str = "走访") -> dict:
    payload = {"id": uuid7(), "household_id": household_id, "visited_at": now_text(), "purpose": "routine",
               "note": note}
    return {"id": uuid7(), "type": "visit.log", "created_at": now_text(), "payload": payload}


def _pull(api: Api, cursor: str | None) -> tuple[list[dict], str]:
    """Pull every page after ``cursor``: (changes, new cursor)."""
    changes = []
    while True:
        page = api.get("/sync/pull", **({"cursor": cursor} if cursor else {})).json()
        assert not page["reset"], page
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


def _household_of(server, grid: str) -> str:
    return server.db.scalar("SELECT id FROM households WHERE grid_code = :g ORDER BY id LIMIT 1", g=grid)


def test_a_pull_never_passes_over_a_transaction_still_open(server_factory):
    """Transaction A takes a feed number and stays open; B takes a larger one and commits (on
    SQLite B waits for A: one writer); a pull runs; A commits; the next pull from the first pull's
    cursor brings A's change. Before the fix, PostgreSQL lost A here, every time."""
    from schemas.models import VisitLog
    from server.services import register

    server = server_factory()
    api = Api(server.url, token_for(server.url, "gw-001"))
    _, cursor = _pull(api, None)
    household = _household_of(server, GW1_GRID)
    user = {"username": "gw-001", "display_name": "", "phone": None, "role": "gridworker", "scope": [GW1_GRID]}

    a = VisitLog.model_validate(_visit(household, "A")["payload"])
    conn = server.db.engine().connect()
    tx = conn.begin()
    register.log_visit(conn, user, a)  # A's feed row: inserted, not committed
    b = _visit(household, "B")
    results: list = []
    pusher = threading.Thread(target=lambda: results.append(api.push(b)))
    pusher.start()
    if ON_POSTGRES:
        pusher.join(timeout=60)  # B commits while A is still open
        assert results and results[0][0]["status"] == "applied"
    first, cursor = _pull(api, cursor)
    tx.commit()
    conn.close()
    pusher.join(timeout=60)
    assert results[0][0]["status"] == "applied"
    second, cursor = _pull(api, cursor)
    third, _ = _pull(api, cursor)

    arrived = Counter(c["id"] for c in first + second + third if c["entity"] == "visit")
    assert arrived == {a.id: 1, b["payload"]["id"]: 1}


@pytest.mark.slow
@pytest.mark.parametrize("workers", WORKERS)
def test_many_pushers_one_puller_every_change_arrives_exactly_once(server_factory, workers):
    """Pushers log visits and comment on cases as fast as they can while one puller follows the
    feed; afterwards every visit has arrived exactly once and every case at its last version."""
    server = server_factory(workers=workers)
    tokens = {name: token_for(server.url, name) for name in ("gw-001", "gw-002")}
    households = {name: _household_of(server, grid) for name, grid in (("gw-001", GW1_GRID), ("gw-002", GW2_GRID))}
    puller = Api(server.url, tokens["gw-001"])
    _, cursor = _pull(puller, None)
    station = Api(server.url, token_for(server.url, "station-01"))
    [made] = Api(server.url, tokens["gw-001"]).push(case := report())
    assert made["status"] == "applied"
    case_id = case["payload"]["id"]

    pushers, rounds = 12, 15
    sent: list[str] = []
    lock = threading.Lock()
    done = threading.Event()
    seen: Counter = Counter()
    case_versions: list[int] = []

    def push(n: int) -> None:
        name = "gw-001" if n % 3 else "gw-002"  # gw-002's visits are outside the puller's scope
        api = Api(server.url, tokens[name])
        for i in range(rounds):
            m = _visit(households[name], f"{n}-{i}")
            [r] = api.push(m, device=f"dev-{n}")
            assert r["status"] == "applied", r
            if name == "gw-001":
                with lock:
                    sent.append(m["payload"]["id"])
            if n % 4 == 0:  # comments move one case through the feed again and again
                [r] = station.push(act(case_id, "comment", None, note=f"{n}-{i}"), device=f"st-{n}")
                assert r["status"] == "applied", r

    def pull() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()  # read before pulling: the last pull starts after every commit
            changes, cursor = _pull(puller, cursor)
            for c in changes:
                if c["entity"] == "visit":
                    seen[c["id"]] += 1
                elif c["entity"] == "case" and c["id"] == case_id:
                    case_versions.append(c["version"])
            if finished:
                return

    follower = threading.Thread(target=pull)
    follower.start()
    with cf.ThreadPoolExecutor(pushers) as pool:
        list(pool.map(push, range(pushers)))
    done.set()
    follower.join(timeout=120)
    assert not follower.is_alive()

    assert len(sent) == len(set(sent)) == pushers * rounds * 2 // 3
    missing = set(sent) - set(seen)
    assert not missing, f"{len(missing)} of {len(sent)} visits never reached the puller"
    assert [v for v, n in seen.items() if n != 1] == []
    assert set(seen) == set(sent)  # nothing out of scope either
    final = station.get(f"/cases/{case_id}").json()["version"]
    assert case_versions and case_versions[-1] == final
    assert case_versions == sorted(case_versions)


@pytest.mark.slow
@pytest.mark.parametrize("workers", WORKERS)
def test_concurrent_first_reports_of_a_day_all_get_serials(server_factory, workers):
    """Many workers report at once, each the first of a new day for the county: none rejected,
    serials of each day 0001.. without a gap or a repeat."""
    server = server_factory(workers=workers)
    apis = [Api(server.url, token_for(server.url, name)) for name in ("gw-001", "gw-002")]
    days = [f"2024-0{m}-1{d}T09:00:00+08:00" for m in (1, 2) for d in range(3)]  # before any demo case
    per_day = 12
    jobs = [(day, i) for i in range(per_day) for day in days]

    def send(job):
        day, i = job
        api = apis[i % 2]
        grid = GW1_GRID if i % 2 == 0 else GW2_GRID
        [r] = api.push(report(grid=grid, title=f"首报{i}", reported_at=day), device=f"dev-{i}")
        return day, r

    start = time.monotonic()
    with cf.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, jobs))
    assert [r for _, r in results if r["status"] != "applied"] == []
    for day in days:
        prefix = "610822-" + day[:10].replace("-", "")
        serials = sorted(s for (s,) in server.db.rows("SELECT serial FROM cases WHERE serial LIKE :p",
                                                        p=prefix + "-%"))
        assert serials == [f"{prefix}-{n:04d}" for n in range(1, per_day + 1)]
    assert time.monotonic() - start < 120
