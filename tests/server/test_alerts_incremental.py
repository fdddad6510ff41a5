"""How alerts stay current without rescans (DESIGN 16, server/services/alerts.py), on the server's
own service and a real database (SQLite, or PostgreSQL with GRIDCTL_TEST_DB): the running weekly
counts always equal a count of the cases, and a push whose evaluation never ran (the process died
after committing its mutations) leaves marks that the sweep evaluates.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from schemas.models import Mutation
from schemas.ids import uuid7
from tests.server.helpers import GW1_GRID, now_text, report

GW1 = {"username": "gw-001", "display_name": "网格员", "role": "gridworker", "scope": [GW1_GRID]}


@pytest.fixture()
def app(test_db):
    from server.app import create_app
    from server.demo import seed

    app = create_app(test_db.url)
    seed(app.state.engine, "small")
    yield app
    app.state.engine.dispose()


def push(app, *mutations: dict) -> list[dict]:
    from server.services import sync

    results = sync.push(app.state.engine, GW1, "test", [Mutation.model_validate(m) for m in mutations],
                        settings=app.state.settings)["results"]
    assert [r["status"] for r in results] == ["applied"] * len(mutations), results
    return results


def counted(engine) -> dict[tuple[str, str], int]:
    from server.db import alert_counts

    with engine.connect() as conn:
        return {(r.subject, r.week): r.n for r in conn.execute(select(alert_counts))}


def recount(engine, since: datetime) -> dict[tuple[str, str], int]:
    from schemas.validators import format_time, parse_time
    from server.db import cases
    from server.services.alerts import week_key

    with engine.connect() as conn:
        rows = conn.execute(select(cases.c.grid_code, cases.c.category, cases.c.reported_at)
                            .where(cases.c.reported_at >= format_time(since))).all()
    return dict(Counter((f"{g}:{c}", week_key(parse_time(r))) for g, c, r in rows))


def test_the_running_weekly_counts_equal_a_count_of_the_cases(app):
    from server.services import alerts

    engine = app.state.engine
    now = datetime.now(timezone.utc)
    first = alerts.week_start(now) - timedelta(weeks=alerts.SPIKE_WEEKS)
    alerts.rebuild(engine, dict(app.state.settings.visit_frequency_days))
    assert counted(engine) == recount(engine, first)
    # This week's and back-dated reports (made offline weeks ago), two categories, in one push.
    ago = [timedelta(0), timedelta(days=3), timedelta(weeks=2), timedelta(weeks=5, hours=7), timedelta(0)]
    push(app, *[report(category=("dispute", "safety_hazard")[i % 2], reported_at=(now - d).isoformat())
                for i, d in enumerate(ago * 3)])
    mine = {k: n for k, n in counted(engine).items() if k[0].startswith(GW1_GRID)}
    assert mine == {k: n for k, n in recount(engine, first).items() if k[0].startswith(GW1_GRID)}
    assert sum(mine.values()) >= 15
    # And rebuilding counts the same again.
    alerts.rebuild(engine, dict(app.state.settings.visit_frequency_days))
    assert counted(engine) == recount(engine, first)


def test_marks_a_dead_process_left_are_evaluated_by_the_sweep(app, monkeypatch):
    from server.db import alert_timers, alerts as alerts_table
    from server.services import alerts

    engine = app.state.engine
    hid = uuid7()
    push(app, {"id": uuid7(), "type": "household.upsert", "created_at": now_text(),
               "payload": {"id": hid, "household_no": "A" + hid[-12:], "grid_code": GW1_GRID, "address": "府兴路2号"}})
    push(app, report(household_id=hid), report(household_id=hid))  # two cases: no repeat yet
    real_drain, real_sweep = alerts.drain, alerts.maybe_sweep
    # The process "dies" once the mutations are committed: neither the push's evaluation nor a sweep runs.
    monkeypatch.setattr(alerts, "drain", lambda *a, **k: None)
    monkeypatch.setattr(alerts, "maybe_sweep", lambda *a, **k: False)
    m = report(scale="group", title="村民聚集讨薪", category="dispute", household_id=hid)  # the third
    cid = m["payload"]["id"]
    push(app, m)
    with engine.connect() as conn:
        assert conn.execute(select(alerts_table.c.id).where(alerts_table.c.subject_id.in_((cid, hid)))).first() is None
        mark = conn.execute(select(alert_timers.c.at).where(alert_timers.c.subject_type == "report",
                                                            alert_timers.c.subject_id == cid)).scalar()
    assert mark is not None  # marked in the mutation's own transaction, due now
    monkeypatch.setattr(alerts, "drain", real_drain)
    monkeypatch.setattr(alerts, "maybe_sweep", real_sweep)
    assert alerts.maybe_sweep(engine, dict(app.state.settings.visit_frequency_days), force=True)
    with engine.connect() as conn:
        row = conn.execute(select(alerts_table).where(alerts_table.c.subject_id == cid,
                                                      alerts_table.c.kind == "group")).first()
        left = dict(conn.execute(select(alert_timers.c.subject_type, alert_timers.c.at)
                                 .where(alert_timers.c.subject_id == cid)).all())
        repeat = conn.execute(select(alerts_table.c.state).where(alerts_table.c.subject_id == hid,
                                                                 alerts_table.c.kind == "repeat")).scalar()
    assert row is not None and row.state == "open" and row.severity == "critical"
    assert repeat == "open"  # the household, read from the case the mark names
    # The mark is done with; what stays is the case's next moment by the clock (its due-soon window).
    assert "report" not in left and left["case"] > mark
