"""``/stats/overview``: the dashboard's figures for one division, computed by aggregate SQL.

Every figure is counted in the database (GROUP BY, conditional sums), so a county of 100,000
cases answers in well under a second. Definitions:
- *open*: reported, accepted, in progress or resolved (awaiting verification);
- *overdue-unaccepted*: reported and past due; *overdue-unresolved*: accepted or in progress and
  past due (DESIGN §4);
- *on-time closure rate*: of the cases closed in the last 30 days, the share resolved by their
  due time;
- *visit coverage*: per tag, the tagged people whose household was visited within the tag's
  frequency (elderly living alone 7 days, …).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case as when, func, select
from sqlalchemy.engine import Engine

from schemas.validators import CST, format_time, in_scope
from schemas.workflow import LEVEL_ORDER, OPEN_STATUSES, UNFINISHED_STATUSES
from server.db import case_steps, cases, divisions, persons, visits
from server.errors import not_found
from server.scope import prefix_clause

VISIT_FREQUENCY_DAYS = {"elderly_alone": 7, "key_person": 30, "left_behind_elderly": 30, "left_behind_child": 30,
                        "left_behind_woman": 30, "disabled": 90, "low_income": 90}


def _count(condition):
    return func.sum(when((condition, 1), else_=0))


def overview(engine: Engine, user: dict, division: str | None, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    code = division or (user["scope"][0] if user["scope"] else "")
    if not in_scope(code, user["scope"]):
        raise not_found("division")
    now_t = format_time(now)
    d7, d30 = format_time(now - timedelta(days=7)), format_time(now - timedelta(days=30))
    within = prefix_clause(cases.c.grid_code, code)
    with engine.connect() as conn:
        div = conn.execute(select(divisions).where(divisions.c.code == code)).first()
        if div is None:
            raise not_found("division")
        late = and_(cases.c.due_at < now_t)
        matrix = {s: {lvl: 0 for lvl in LEVEL_ORDER} for s in OPEN_STATUSES}
        overdue_unaccepted = overdue_unresolved = 0
        for status, level, n, n_late in conn.execute(
            select(cases.c.status, cases.c.level, func.count(), _count(late))
            .where(within, cases.c.status.in_(OPEN_STATUSES)).group_by(cases.c.status, cases.c.level)
        ):
            matrix[status][level] = n
            if status == "reported":
                overdue_unaccepted += n_late or 0
            elif status in UNFINISHED_STATUSES:
                overdue_unresolved += n_late or 0
        closed_30, on_time_30 = conn.execute(
            select(func.count(), _count(cases.c.resolved_at <= cases.c.due_at))
            .where(within, cases.c.status == "closed", cases.c.closed_at >= d30)
        ).one()
        escalation_rows = conn.execute(
            select(case_steps.c.case_id, case_steps.c.at, case_steps.c.actor, case_steps.c.from_level,
                   case_steps.c.to_level, case_steps.c.note, cases.c.serial, cases.c.title, cases.c.grid_code)
            .join(cases, cases.c.id == case_steps.c.case_id)
            .where(within, case_steps.c.action == "escalate", case_steps.c.at >= d7)
            .order_by(case_steps.c.at.desc())
        ).all()
        ranking_rows = conn.execute(
            select(cases.c.grid_code,
                   _count(cases.c.status.in_(OPEN_STATUSES)).label("open"),
                   _count(and_(cases.c.status.in_(UNFINISHED_STATUSES), late)).label("overdue"),
                   _count(and_(cases.c.status == "closed", cases.c.closed_at >= d30)).label("closed"),
                   _count(and_(cases.c.status == "closed", cases.c.closed_at >= d30,
                               cases.c.resolved_at <= cases.c.due_at)).label("on_time"),
                   _count(cases.c.reported_at >= d30).label("reports"))
            .where(within).group_by(cases.c.grid_code)
        ).all()
        grid_names = {r.code: r.name for r in conn.execute(
            select(divisions.c.code, divisions.c.name).where(prefix_clause(divisions.c.code, code), divisions.c.level == "grid"))}
        day = func.substr(cases.c.reported_at, 1, 10)
        per_day = dict(conn.execute(select(day, func.count()).where(within, cases.c.reported_at >= d30).group_by(day)).all())
        overdue_rows = conn.execute(
            select(cases.c.id, cases.c.serial, cases.c.title, cases.c.grid_code, cases.c.status, cases.c.level,
                   cases.c.due_at, cases.c.supervision, cases.c.assignee, cases.c.urgent, cases.c.version)
            .where(within, cases.c.status.in_(UNFINISHED_STATUSES), late).order_by(cases.c.due_at).limit(50)
        ).all()
        coverage = _visit_coverage(conn, code, now)
    today = now.astimezone(CST).date()
    days = [(today - timedelta(days=i)).isoformat() for i in range(29, -1, -1)]
    ranking = []
    by_grid = {r.grid_code: r for r in ranking_rows}
    for grid, name in grid_names.items():
        r = by_grid.get(grid)
        closed = r.closed if r else 0
        ranking.append({
            "grid_code": grid, "name": name, "open": (r.open if r else 0) or 0, "overdue": (r.overdue if r else 0) or 0,
            "closed_30d": closed or 0, "on_time_rate": round((r.on_time or 0) / closed, 3) if r and closed else None,
            "reports_30d": (r.reports if r else 0) or 0,
        })
    ranking.sort(key=lambda g: (g["overdue"], -(g["on_time_rate"] or 0), -g["closed_30d"], g["grid_code"]))
    for i, g in enumerate(ranking, start=1):
        g["rank"] = i
    return {
        "division": {"code": div.code, "name": div.name, "level": div.level},
        "generated_at": now_t,
        "kpi": {
            "open": sum(sum(v.values()) for v in matrix.values()),
            "overdue_unaccepted": overdue_unaccepted,
            "overdue_unresolved": overdue_unresolved,
            "escalated_7d": len(escalation_rows),
            "closed_30d": closed_30,
            "on_time_rate": round((on_time_30 or 0) / closed_30, 3) if closed_30 else None,
        },
        "open_by_status_level": matrix,
        "overdue": [
            {"id": r.id, "serial": r.serial, "title": r.title, "grid_code": r.grid_code, "status": r.status,
             "level": r.level, "due_at": r.due_at, "supervision": r.supervision, "assignee": r.assignee,
             "urgent": bool(r.urgent), "version": r.version}
            for r in overdue_rows
        ],
        "grid_ranking": ranking,
        "reports_per_day": [{"date": d, "count": per_day.get(d, 0)} for d in days],
        "visit_coverage": coverage,
        "latest_escalations": [
            {"case_id": r.case_id, "serial": r.serial, "title": r.title, "grid_code": r.grid_code, "at": r.at,
             "actor": r.actor, "from_level": r.from_level, "to_level": r.to_level, "reason": r.note}
            for r in escalation_rows[:10]
        ],
    }


def _visit_coverage(conn, code: str, now: datetime) -> list[dict]:
    last_visit = dict(conn.execute(
        select(visits.c.household_id, func.max(visits.c.visited_at))
        .where(prefix_clause(visits.c.grid_code, code)).group_by(visits.c.household_id)
    ).all())
    totals = {tag: [0, 0] for tag in VISIT_FREQUENCY_DAYS}
    since = {tag: format_time(now - timedelta(days=days)) for tag, days in VISIT_FREQUENCY_DAYS.items()}
    for household_id, tags in conn.execute(
        select(persons.c.household_id, persons.c.tags).where(prefix_clause(persons.c.grid_code, code), persons.c.tags != "[]")
    ):
        for tag in json.loads(tags or "[]"):
            if tag in totals:
                totals[tag][0] += 1
                last = last_visit.get(household_id)
                if last and last >= since[tag]:
                    totals[tag][1] += 1
    return [{"tag": tag, "every_days": VISIT_FREQUENCY_DAYS[tag], "people": n, "visited": v,
             "ratio": round(v / n, 3) if n else None} for tag, (n, v) in totals.items()]
