"""``/stats/overview``: the dashboard's figures for one division, computed by aggregate SQL.

Every figure is counted in the database (GROUP BY, conditional sums; closed and reported per day
from the daily case counts that triggers keep, server/case_counts.py), so a county of 100,000
cases answers within the dashboard's 200 ms budget. Definitions:
- *open*: reported, accepted, in progress or resolved (awaiting verification);
- *overdue-unaccepted*: reported and past due; *overdue-unresolved*: accepted or in progress and
  past due (DESIGN §4);
- *escalated in 7 days*: escalate steps of the last 7 days on cases in the division;
- *on-time closure rate*: of the cases closed in the last 30 days, the share resolved by their
  due time;
- *base resolution rate* (矛盾纠纷基层化解率, DESIGN §15): closed ``dispute`` cases resolved at
  grid or village level ÷ all closed ``dispute`` cases (a case keeps the level it was resolved at);
- *visit coverage*: per tag, the tagged people visited (met, by a visit naming them or the whole
  household) within the tag's frequency (elderly living alone 7 days, …; DESIGN §3).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case as when, func, literal_column, select, text
from sqlalchemy.engine import Engine

from schemas import population
from schemas.validators import CST, InvalidValue, format_time, in_scope, level_of_code
from schemas.workflow import LEVEL_ORDER, OPEN_STATUSES, UNFINISHED_STATUSES
from server.db import (UNFINISHED_PREDICATE, case_day_counts, case_steps, cases, divisions, persons,
                       visits)
from server.errors import invalid, not_found
from server import visit_rule
from server.scope import prefix_clause

# Every tag with a visit frequency (DESIGN 3 and 17); severe mental disorder by risk level below.
VISIT_FREQUENCY_DAYS = {tag: days for tag, days in population.DEFAULT_VISIT_FREQUENCY_DAYS.items()
                        if tag not in population.PSEUDO_KEYS}
OVERDUE_LISTED = 50
ESCALATIONS_LISTED = 10


def _count(condition):
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def division_code(user: dict, division: str | None) -> str:
    if not division and not user["scope"]:
        # A unit account has cases dispatched to it, no division: no figures to give.
        from schemas.messages import message
        from server.errors import ApiProblem

        raise ApiProblem(403, "Forbidden", message("stats.no_division", "en"), code="stats.no_division",
                         says=("", "stats.no_division", {}))
    code = (division or user["scope"][0]).strip()
    try:
        level_of_code(code, field="division")
    except InvalidValue as exc:
        # Its parameters let the problem be worded in the request's language.
        raise invalid("division", exc.message("en"), exc.code, **exc.params) from None
    if not in_scope(code, user["scope"]):
        raise not_found("division")
    return code


def overview(engine: Engine, user: dict, division: str | None, now: datetime | None = None) -> dict:
    code = division_code(user, division)
    now = now or datetime.now(timezone.utc)
    now_t = format_time(now)
    d7, d30 = format_time(now - timedelta(days=7)), format_time(now - timedelta(days=30))
    within = prefix_clause(cases.c.grid_code, code)
    # The same filter on an expression no index matches: then SQLite plans each aggregate on the
    # covering index of its other predicates (status, closed_at, reported_at; see server/db.py)
    # instead of walking the grid-code index and reading every case row. PostgreSQL agrees.
    # Written as a literal (not a bound ''): PostgreSQL accepts GROUP BY on it only when the SELECT
    # holds the very same expression, and every bound parameter counts as a different one.
    grid_any_index = cases.c.grid_code.concat(literal_column("''"))
    if engine.dialect.name == "postgresql":
        # PostgreSQL picks the covering index itself, and with the plain column it knows how many
        # rows the prefix holds (hash aggregation, instead of sorting 60,000 rows on disk).
        grid_any_index = cases.c.grid_code
    within_any_index = prefix_clause(grid_any_index, code)
    late = cases.c.due_at < now_t
    with engine.connect() as conn:
        div = conn.execute(select(divisions).where(divisions.c.code == code)).first()
        if div is None:
            raise not_found("division")
        matrix = {s: {lvl: 0 for lvl in LEVEL_ORDER} for s in OPEN_STATUSES}
        grids: dict[str, dict] = {}

        def grid(code_: str) -> dict:
            return grids.setdefault(code_, {"open": 0, "overdue": 0, "closed": 0, "on_time": 0, "reports": 0})

        overdue_unaccepted = overdue_unresolved = 0
        for status, grid_code, level, n, n_late in conn.execute(
            select(cases.c.status, cases.c.grid_code, cases.c.level, func.count(), _count(late))
            .where(within, cases.c.status.in_(OPEN_STATUSES))
            .group_by(cases.c.status, cases.c.grid_code, cases.c.level)
        ):
            matrix[status][level] += n
            g = grid(grid_code)
            g["open"] += n
            if status == "reported":
                overdue_unaccepted += n_late
            elif status in UNFINISHED_STATUSES:
                overdue_unresolved += n_late
            if status in UNFINISHED_STATUSES:
                g["overdue"] += n_late
        # Closed in 30 days (and on time) and reports per day: the daily counts (server/case_counts.py)
        # of the days after the one 30 days ago, plus that first day's cases after the very time.
        first_day = d30[:10]
        first_day_end = format_time(datetime.combine(date.fromisoformat(first_day) + timedelta(days=1), time(),
                                                     tzinfo=CST))
        closed_30 = on_time_30 = 0
        per_day: dict[str, int] = {}
        counts = case_day_counts.c
        for day_text, grid_code, n_closed, on_time, reports in conn.execute(
            select(counts.day, counts.grid_code, func.sum(counts.closed), func.sum(counts.closed_on_time),
                   func.sum(counts.reported))
            .where(prefix_clause(counts.grid_code, code), counts.day > first_day)
            .group_by(counts.day, counts.grid_code)
        ):
            g = grid(grid_code)
            g["closed"] += n_closed
            g["on_time"] += on_time
            closed_30 += n_closed
            on_time_30 += on_time
            if reports:
                per_day[day_text] = per_day.get(day_text, 0) + reports
                g["reports"] += reports
        for grid_code, n, on_time in conn.execute(
            select(grid_any_index.label("grid"), func.count(), _count(cases.c.resolved_at <= cases.c.due_at))
            .where(within_any_index, cases.c.status == "closed", cases.c.closed_at >= d30,
                   cases.c.closed_at < first_day_end)
            .group_by(grid_any_index)
        ):
            g = grid(grid_code)
            g["closed"] += n
            g["on_time"] += on_time
            closed_30 += n
            on_time_30 += on_time
        for grid_code, n in conn.execute(
            select(grid_any_index.label("grid"), func.count())
            .where(within_any_index, cases.c.reported_at >= d30, cases.c.reported_at < first_day_end)
            .group_by(grid_any_index)
        ):
            per_day[first_day] = per_day.get(first_day, 0) + n
            grid(grid_code)["reports"] += n
        # Steps first (few in 7 days), then their case's grid: joined the other way round the
        # planner would walk every case of the division.
        steps = case_steps.join(cases, cases.c.id == case_steps.c.case_id)
        escalated = and_(within_any_index, case_steps.c.action == "escalate")
        escalated_7d = conn.execute(
            select(func.count()).select_from(steps).where(escalated, case_steps.c.at >= d7)).scalar_one()
        escalation_rows = conn.execute(
            select(case_steps.c.case_id, case_steps.c.at, case_steps.c.actor, case_steps.c.from_level,
                   case_steps.c.to_level, case_steps.c.note, cases.c.serial, cases.c.title, cases.c.grid_code)
            .select_from(steps).where(escalated)
            .order_by(case_steps.c.at.desc(), case_steps.c.id.desc()).limit(ESCALATIONS_LISTED)).all()
        grid_names = dict(conn.execute(
            select(divisions.c.code, divisions.c.name)
            .where(prefix_clause(divisions.c.code, code), divisions.c.level == "grid")).all())
        overdue = (
            select(cases.c.id, cases.c.serial, cases.c.title, cases.c.grid_code, cases.c.status, cases.c.level,
                   cases.c.due_at, cases.c.supervision, cases.c.assignee, cases.c.urgent, cases.c.version)
            .where(within, text(f"cases.{UNFINISHED_PREDICATE}"), late)  # the partial index's own words
            .order_by(cases.c.due_at, cases.c.id).limit(OVERDUE_LISTED))
        if len(code) <= 9:
            # A town or county: walk the partial index in due order until 50 match (a few hundred
            # entries). Without statistics SQLite prefers the status index and sorts every late
            # case of the county (25,000 rows read, 90 ms); a village or grid has few enough to sort.
            overdue = overdue.with_hint(cases, "INDEXED BY cases_unfinished_due", "sqlite")
        overdue_rows = conn.execute(overdue).all()
        disputes_closed, disputes_at_base = conn.execute(
            select(func.count(), _count(cases.c.level.in_(("grid", "village"))))
            .where(within_any_index, cases.c.status == "closed", cases.c.category == "dispute")
        ).one()
        coverage = _visit_coverage(conn, code, now)
    base_rate = round(disputes_at_base / disputes_closed, 3) if disputes_closed else None
    today = now.astimezone(CST).date()
    days = [(today - timedelta(days=i)).isoformat() for i in range(29, -1, -1)]
    return {
        "division": {"code": div.code, "name": div.name, "level": div.level},
        "generated_at": now_t,
        "kpi": {
            "open": sum(sum(v.values()) for v in matrix.values()),
            "overdue_unaccepted": overdue_unaccepted,
            "overdue_unresolved": overdue_unresolved,
            "escalated_7d": escalated_7d,
            "closed_30d": closed_30,
            "on_time_rate": round(on_time_30 / closed_30, 3) if closed_30 else None,
            "base_resolution_rate": base_rate,
        },
        "base_resolution_rate": base_rate,
        "open_by_status_level": matrix,
        "overdue": [
            {"id": r.id, "serial": r.serial, "title": r.title, "grid_code": r.grid_code, "status": r.status,
             "level": r.level, "due_at": r.due_at, "supervision": r.supervision, "assignee": r.assignee,
             "urgent": bool(r.urgent), "version": r.version}
            for r in overdue_rows
        ],
        "grid_ranking": _ranking(grid_names, grids),
        "reports_per_day": [{"date": d, "count": per_day.get(d, 0)} for d in days],
        "visit_coverage": coverage,
        "latest_escalations": [
            {"case_id": r.case_id, "serial": r.serial, "title": r.title, "grid_code": r.grid_code, "at": r.at,
             "actor": r.actor, "from_level": r.from_level, "to_level": r.to_level, "reason": r.note}
            for r in escalation_rows
        ],
    }


def _ranking(grid_names: dict[str, str], figures: dict[str, dict]) -> list[dict]:
    """Every grid of the division, quiet ones too; the best first: fewest overdue, then the
    highest on-time rate, then the most closed."""
    ranking = []
    empty = {"open": 0, "overdue": 0, "closed": 0, "on_time": 0, "reports": 0}
    for grid, name in grid_names.items():
        g = figures.get(grid, empty)
        ranking.append({
            "grid_code": grid, "name": name, "open": g["open"], "overdue": g["overdue"], "closed_30d": g["closed"],
            "on_time_rate": round(g["on_time"] / g["closed"], 3) if g["closed"] else None,
            "reports_30d": g["reports"],
        })
    ranking.sort(key=lambda g: (g["overdue"], -(g["on_time_rate"] or 0), -g["closed_30d"], g["grid_code"]))
    for i, g in enumerate(ranking, start=1):
        g["rank"] = i
    return ranking


def _visit_coverage(conn, code: str, now: datetime) -> list[dict]:
    """One pass over the tagged people joined to their latest visit that counted for them
    (``server.visit_rule``), grouped by the person's tag list: a division has a few dozen distinct
    lists, so the database counts people per list and per visit age (one comparison per frequency), and the lists are split into tags here.
    (Testing every tag with LIKE on every person cost PostgreSQL 14 pattern matches a row.)
    """
    import json

    tagged = visit_rule.followed_people(code)
    last_visit = (select(persons.c.id, func.max(visits.c.visited_at).label("last"))
                  .select_from(persons.join(visits, visit_rule.counts_for_person()))
                  .where(*tagged).group_by(persons.c.id).subquery())
    # Severe mental disorder at risk 3 or more is due every 14 days, below quarterly (DESIGN 17):
    # the risk band is one more grouping column, so the pass stays one query.
    high_days = population.DEFAULT_VISIT_FREQUENCY_DAYS["severe_mental_high_risk"]
    frequencies = sorted(set(VISIT_FREQUENCY_DAYS.values()) | {high_days})
    since = {days: format_time(now - timedelta(days=days)) for days in frequencies}
    # Literals, not bound parameters: PostgreSQL takes a GROUP BY expression only when it is the
    # select's own, and every bound parameter is a different one.
    high_risk = when((persons.c.risk_level >= literal_column(str(population.HIGH_RISK)), literal_column("1")),
                     else_=literal_column("0"))
    rows = conn.execute(
        select(persons.c.tags, high_risk, func.count(), *(_count(last_visit.c.last >= since[d]) for d in frequencies))
        .select_from(persons.outerjoin(last_visit, last_visit.c.id == persons.c.id))
        # Only people still in the register count (DESIGN 17).
        .where(*tagged)
        .group_by(persons.c.tags, high_risk)
    ).all()
    people = dict.fromkeys(VISIT_FREQUENCY_DAYS, 0)
    visited = dict.fromkeys(VISIT_FREQUENCY_DAYS, 0)
    for tags_text, high, n, *recent in rows:
        try:
            tags = set(json.loads(tags_text))
        except (TypeError, ValueError):
            continue
        by_days = dict(zip(frequencies, recent))
        for tag, days in VISIT_FREQUENCY_DAYS.items():
            if tag in tags:
                people[tag] += n
                visited[tag] += by_days[high_days if tag == "severe_mental" and high else days]
    return [{"tag": tag, "every_days": days, "people": people[tag], "visited": visited[tag],
             "ratio": round(visited[tag] / people[tag], 3) if people[tag] else None}
            for tag, days in VISIT_FREQUENCY_DAYS.items()]
