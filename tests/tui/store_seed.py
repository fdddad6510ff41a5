"""A real offline profile whose local store is filled by the test: fixed cases, a fixed clock.

Snapshots and the paint benchmark run the real core (``gridctl.ops`` on ``gridctl.store``) on it,
so what they show is what a worker sees from the cache, without a server or a changing clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.tui.fixed_core import USER, make_case

# The moment every seeded screen is looked at (Beijing time), and when the cache was last pulled.
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone(timedelta(hours=8)))
LAST_PULL = NOW - timedelta(minutes=12, seconds=30)


def freeze_clock(monkeypatch) -> None:
    from gridctl import ops

    # Client.now() is the one clock every operation reads.
    monkeypatch.setattr(ops.Client, "now", lambda self: NOW.astimezone(timezone.utc))


def seeded_client(count: int = 8, profile: str = "seeded"):
    """An offline Client of gw-001 over a store holding ``count`` fixed cases (one unsent)."""
    from gridctl import config, ops

    cfg = config.load_config()
    cfg.add_profile(profile, "http://127.0.0.1:9", USER["username"])
    config.save_config(cfg)
    client = ops.Client.open(profile, offline=True)
    store = client.store
    with store.transaction() as conn:
        store.set_meta("user", USER, conn)
        store.set_meta("last_pull_at", LAST_PULL.astimezone(timezone.utc).isoformat(), conn)
        for n in range(count):
            case = make_case(n)
            unsent = case.pop("sync") == "pending"
            case.pop("overdue")  # the core works it out from due_at and its clock
            if not unsent:
                store.put("case", case, conn)
    for n in range(count):
        case = make_case(n)
        if case.pop("sync") == "pending":
            case.pop("overdue")
            mutation = {"id": f"0193a5c2-7b1e-7c4d-9a10-f{n:011d}", "type": "case.act", "base_version": case["version"],
                        "payload": {"case_id": case["id"], "action": "comment", "note": "已电话回访"},
                        "created_at": LAST_PULL.isoformat()}
            store.write("case", case, mutation)
    return client


def seeded_app(lang: str, count: int = 8):
    from tui.worker.app import WorkerApp

    return WorkerApp(seeded_client(count), lang=lang, offline=True)
