"""``/stats/report``: the data of the weekly or monthly report (周报/月报, DESIGN §16) for a
station or county, rendered by the client (gridctl/report_xlsx.py, report_html.py).

It is built from the same parts the dashboard and the ranking read, so its figures agree with
them by construction (a test checks it over HTTP):

- ``now`` (the state when the report was made: open cases, overdue counts, the overdue list and
  visit coverage by special group) is ``/stats/overview`` of the division;
- ``index`` is ``/stats/index`` of the division for the same period, by grid for a town or
  village and by town for a county;
- ``kpi`` holds the period's own figures and the previous period's: cases reported, resolved,
  closed, resolved on time, base resolution (closed disputes resolved at grid or village level),
  satisfaction (when the closed loop's columns exist), each with its numerator and denominator
  so a reader can recompute the rate; they equal the sums of the index's per-unit counts.
- ``trend``: per day of the period, cases reported, closed, and gone overdue (due that day and
  not resolved by then);
- ``by_category`` and ``by_level``: the period's reported cases by category and by current level;
- ``alerts``: raised and cleared in the period when the server keeps alerts; until then ``null``
  and ``alerts_note`` says why.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import case as when, func, literal_column, or_, select
from sqlalchemy.engine import Engine

from schemas.validators import format_time
from server.db import case_day_counts, cases, metadata
from server.errors import invalid
from server.scope import prefix_clause
from server.services import index as index_service
from server.services import stats

REPORT_PERIODS = ("week", "month")


def _count(condition):
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _kpi(conn, code: str, start: date, end: date) -> dict:
    """The period's figures, from the daily counts (server/case_counts.py): the same counts as the
    case rows reported, resolved (by the due time), closed (disputes, at grid or village level)
    and followed up with a rating in [start, end)."""
    counts = case_day_counts.c
    names = ("reported", "resolved", "resolved_on_time", "closed", "closed_disputes", "closed_disputes_base",
             "followed_up", "satisfied", "basic")
    row = conn.execute(select(*(func.coalesce(func.sum(getattr(counts, n)), 0) for n in names)).where(
        prefix_clause(counts.grid_code, code), counts.day >= start.isoformat(), counts.day < end.isoformat())).one()
    n = dict(zip(names, row))
    resolved, on_time, disputes, base = n["resolved"], n["resolved_on_time"], n["closed_disputes"], n["closed_disputes_base"]
    good, basic, followed = n["satisfied"], n["basic"], n["followed_up"]
    return {
        "reported": n["reported"], "resolved": resolved, "closed": n["closed"],
        "on_time": {"numerator": on_time, "denominator": resolved, "rate": _ratio(on_time, resolved)},
        "base_resolution": {"numerator": base, "denominator": disputes, "rate": _ratio(base, disputes)},
        "satisfaction": {"numerator": good + 0.5 * basic, "denominator": followed,
                         "rate": _ratio(good + 0.5 * basic, followed),
                         "satisfied": good, "basic": basic, "unsatisfied": followed - good - basic},
    }


def report(engine: Engine, user: dict, division: str | None, period: str | None, at: str | None, *,
           settings=None, now: datetime | None = None) -> dict:
    code = index_service.division_code(user, division)
    period = (period or "month").strip()
    if period not in REPORT_PERIODS:
        raise invalid("period", f"must be one of {', '.join(REPORT_PERIODS)}, got {period!r}", "stats.period",
                      value=period, allowed=", ".join(REPORT_PERIODS))
    now = now or datetime.now(timezone.utc)
    period, _level, day = index_service.parse_params(period, None, at, now)
    overview = stats.overview(engine, user, code, now)  # also refuses a missing or out-of-scope division
    level = {"county": "town", "town": "grid", "village": "grid"}.get(overview["division"]["level"])
    ranking = (index_service.governance_index(engine, user, code, level, period, day.isoformat(),
                                              settings=settings, now=now) if level else None)
    start, end = index_service.period_bounds(period, day)
    prev_start, prev_end = index_service.previous_period(period, day)
    lo, hi = index_service._t(start), index_service._t(end)
    within = prefix_clause(cases.c.grid_code, code)
    with engine.connect() as conn:
        current = _kpi(conn, code, start, end)
        previous = _kpi(conn, code, prev_start, prev_end)
        days = {}

        def day_row(d: str) -> dict:
            return days.setdefault(d, {"reported": 0, "closed": 0, "overdue": 0})

        counts = case_day_counts.c
        for text, reported, closed in conn.execute(
                select(counts.day, func.sum(counts.reported), func.sum(counts.closed))
                .where(prefix_clause(counts.grid_code, code), counts.day >= start.isoformat(),
                       counts.day < end.isoformat()).group_by(counts.day)):
            if reported:
                day_row(text)["reported"] = reported
            if closed:
                day_row(text)["closed"] = closed
        # Gone overdue per due day: due that day and not resolved by then; today's part depends on
        # the time of day, so this one counts the case rows. (Stored in +08:00: the first 10
        # characters are the local day; grouped by the output name: PostgreSQL refuses a GROUP BY
        # repeating an expression with bound parameters.)
        d = func.substr(cases.c.due_at, literal_column("1"), literal_column("10")).label("day_text")
        for text, n in conn.execute(select(d, func.count()).where(
                within, cases.c.due_at >= lo, cases.c.due_at < hi, cases.c.status != "rejected",
                cases.c.due_at < format_time(now), or_(cases.c.resolved_at.is_(None), cases.c.resolved_at > cases.c.due_at))
                .group_by(literal_column("day_text"))):
            day_row(text)["overdue"] = n
        by_category = dict(conn.execute(select(cases.c.category, func.count()).where(
            within, cases.c.reported_at >= lo, cases.c.reported_at < hi).group_by(cases.c.category)).all())
        by_level = dict(conn.execute(select(cases.c.level, func.count()).where(
            within, cases.c.reported_at >= lo, cases.c.reported_at < hi).group_by(cases.c.level)).all())
    trend = []
    d = start
    while d < end:
        trend.append({"date": d.isoformat(), **days.get(d.isoformat(), {"reported": 0, "closed": 0, "overdue": 0})})
        d += timedelta(days=1)
    has_alerts = "alerts" in metadata.tables
    return {
        "division": overview["division"], "period": period, "at": day.isoformat(),
        "start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat(),
        "previous": {"start": prev_start.isoformat(), "end": (prev_end - timedelta(days=1)).isoformat()},
        "generated_at": overview["generated_at"],
        "kpi": {"current": current, "previous": previous},
        "trend": trend,
        "by_category": [{"category": k, "count": v} for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])],
        "by_level": [{"level": k, "count": by_level.get(k, 0)} for k in ("grid", "village", "town", "county")],
        "index": ranking,
        "now": {"kpi": overview["kpi"], "overdue": overview["overdue"], "visit_coverage": overview["visit_coverage"]},
        "alerts": _alerts(engine, code, lo, hi) if has_alerts else None,
        "alerts_note": None if has_alerts else "the server keeps no alerts yet (DESIGN 16); this section is left out",
    }


def _alerts(engine: Engine, code: str, lo: str, hi: str) -> dict | None:
    """Raised and cleared in the period, by kind — read defensively, the alerts table is another
    part's (columns kind, grid_code or division, raised_at, cleared_at)."""
    table = metadata.tables["alerts"]
    needed = {"kind", "raised_at", "cleared_at"}
    if not needed <= set(table.c.keys()):
        return None
    # An alert's place is its subject's grid (server/services/alerts.py: ``grid_code``).
    place = next((table.c[name] for name in ("division", "grid_code") if name in table.c), None)
    where = [prefix_clause(place, code)] if place is not None else []
    with engine.connect() as conn:
        raised = dict(conn.execute(select(table.c.kind, func.count()).where(
            *where, table.c.raised_at >= lo, table.c.raised_at < hi).group_by(table.c.kind)).all())
        cleared = dict(conn.execute(select(table.c.kind, func.count()).where(
            *where, table.c.cleared_at >= lo, table.c.cleared_at < hi).group_by(table.c.kind)).all())
    kinds = sorted(set(raised) | set(cleared))
    return {"raised": sum(raised.values()), "cleared": sum(cleared.values()),
            "by_kind": [{"kind": k, "raised": raised.get(k, 0), "cleared": cleared.get(k, 0)} for k in kinds]}
