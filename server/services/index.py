"""``/stats/index``: the governance index (社会治理指数, DESIGN §16) by grid, village, town or worker.

Every unit of the level gets a score 0–100 for a period (``week`` Monday-based, ``month``,
``quarter``, in field time +08:00): a weighted sum of components, each a rate in [0, 1], minus
penalties (yellow card 0.02, red card 0.05 each, capped at 0.3), times 100:

- ``on_time``: of the cases resolved in the period, the share resolved by their due time;
- ``accepted_on_time``: of the accept steps in the period, the share within the accept limit
  (``accept_hours``, or ``accept_urgent_hours`` for urgent cases, counted from reporting);
- ``satisfaction``: (satisfied + 0.5 × basic) ÷ followed up in the period — "no data" while the
  ``cases.satisfaction``/``followed_up_at`` columns (DESIGN §15) are absent from the database;
- ``base_resolution``: closed ``dispute`` cases of the period resolved at grid or village level
  ÷ closed ``dispute`` cases of the period (DESIGN §15);
- ``visit_coverage``: special-population people (a tag with a visit frequency) visited (met, by
  a visit naming them or the whole household) within their most demanding frequency before the
  period's end (today's end for the running period; a severe mental disorder at risk 3 or more
  every 14 days, DESIGN 17) ÷ all of them, people who moved out or died not counted;
- ``discovery``: cases reported from the field (source ``field`` or ``visit``) in the period per
  100 households, divided by the target (``index_discovery_target`` per 100 households per
  30 days, scaled to the period's length — its days so far for the running period) and capped at 1.

A component whose denominator is 0 is *excluded* and the weights of the others are renormalised
to sum to 1 (``weights_used`` per unit says so). Why not a neutral 1.0: a grid with no disputes
would then outrank one that resolved 9 of 10 at the base; why not 0: a quiet grid would be
punished for having nothing to do. Excluding scores each unit on what it actually did. A unit
with no component at all has score ``null`` and ranks last.

Worker level: a grid worker (role ``gridworker``) whose scope lies in the division; the case
components count the cases the worker reported (``reporter``), visit coverage and households
those of the grids in the worker's scope.

The case components (on_time, satisfaction, base_resolution, discovery) are one grouped read of
the daily case counts (``case_day_counts``, kept by triggers: server/case_counts.py), by grid or
reporter, rolled up to the units here; accept steps, cards and visit coverage are one grouped SQL
query each over the division's code prefix. A county month costs a few thousand counter rows
and three joins, not a pass over every case of two periods, nor a pass per unit.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import TIMESTAMP, Integer, case as when, cast, extract, func, literal_column, select
from sqlalchemy.engine import Engine

from schemas import population
from schemas.validators import CST, format_time
from server.db import case_day_counts, case_steps, cases, divisions, households, persons, users, visits
from server.errors import invalid, not_found
from server import visit_rule
from server.scope import prefix_clause
from server.services.stats import division_code  # one rule for which division a figure is about

COMPONENTS = ("on_time", "accepted_on_time", "satisfaction", "base_resolution", "visit_coverage", "discovery")
DEFAULT_WEIGHTS = {"on_time": 0.25, "accepted_on_time": 0.10, "satisfaction": 0.20, "base_resolution": 0.15,
                   "visit_coverage": 0.20, "discovery": 0.10}
DEFAULT_DISCOVERY_TARGET = 2.0  # field reports per 100 households per 30 days that earn the full component
PENALTY = {"yellow": 0.02, "red": 0.05}
PENALTY_CAP = 0.3
LEVELS = ("grid", "village", "town", "worker")
PERIODS = ("week", "month", "quarter")
CODE_LENGTH = {"town": 9, "village": 12, "grid": 15}
FIELD_SOURCES = ("field", "visit")  # counted as field_reported by server/case_counts.py
# Grouped by the output columns' names: PostgreSQL refuses a GROUP BY that repeats an expression
# with bound parameters (each is a new parameter), and both databases accept output names.
PERIOD_NO, UNIT_KEY = "period_no", "unit_key"
BY_PERIOD_AND_UNIT = (literal_column(PERIOD_NO), literal_column(UNIT_KEY))
# The daily counts (server/case_counts.py) the case components read.
_COUNTED = ("resolved", "resolved_on_time", "followed_up", "satisfied", "basic", "closed_disputes",
            "closed_disputes_base", "field_reported")


# --- periods --------------------------------------------------------------------------------

def period_bounds(period: str, at: date) -> tuple[date, date]:
    """[start, end) of the period holding ``at``: a Monday-based week, a month or a quarter."""
    if period == "week":
        start = at - timedelta(days=at.weekday())
        return start, start + timedelta(days=7)
    if period == "month":
        start = at.replace(day=1)
    else:
        start = at.replace(month=(at.month - 1) // 3 * 3 + 1, day=1)
    months = 1 if period == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return start, date(start.year + year, month + 1, 1)


def previous_period(period: str, at: date) -> tuple[date, date]:
    start, _ = period_bounds(period, at)
    return period_bounds(period, start - timedelta(days=1))


def _t(day: date) -> str:
    """Midnight of ``day`` in field time, as stored text (text order is time order)."""
    return format_time(datetime(day.year, day.month, day.day, tzinfo=CST))


FIRST_DAY = date(2000, 1, 1)  # no case or visit is dated before (DESIGN 14)


def parse_params(period: str | None, level: str | None, at: str | None, now: datetime | None = None,
                 levels: tuple[str, ...] = LEVELS) -> tuple[str, str, date]:
    """The checked ``period``, ``level`` and ``at`` (today in field time by default)."""
    period = (period or "month").strip()
    if period not in PERIODS:
        raise invalid("period", f"must be one of {', '.join(PERIODS)}, got {period!r}", "stats.period",
                      value=period, allowed=", ".join(PERIODS))
    level = (level or "grid").strip()
    if level not in levels:
        raise invalid("level", f"must be one of {', '.join(levels)}, got {level!r}", "stats.level",
                      value=level, allowed=", ".join(levels))
    today = (now or datetime.now(timezone.utc)).astimezone(CST).date()
    if at is None or not at.strip():
        day = today
    else:
        try:
            day = date.fromisoformat(at.strip())
        except ValueError:
            raise invalid("at", f"must be a date YYYY-MM-DD, got {at!r}", "stats.at", value=at) from None
        if not FIRST_DAY <= day <= today:
            # A period not yet begun (or before any record) has nothing to count: an empty report
            # of 2099 would read as a quiet week, not as a typo (DESIGN 14: plausible dates).
            raise invalid("at", f"{day.isoformat()} is not a date with figures: give one from "
                          f"{FIRST_DAY.isoformat()} to today ({today.isoformat()})", "stats.at_range",
                          value=day.isoformat(), first=FIRST_DAY.isoformat(), today=today.isoformat())
    return period, level, day


# --- the index ------------------------------------------------------------------------------

def governance_index(engine: Engine, user: dict, division: str | None, level: str | None = None,
                     period: str | None = None, at: str | None = None, *, settings=None,
                     now: datetime | None = None) -> dict:
    code = division_code(user, division)
    period, level, day = parse_params(period, level, at, now)
    weights = dict(getattr(settings, "index_weights", None) or DEFAULT_WEIGHTS)
    target = float(getattr(settings, "index_discovery_target", None) or DEFAULT_DISCOVERY_TARGET)
    frequencies = dict(getattr(settings, "visit_frequency_days", None) or {})
    accept_hours = _accept_hours(settings)
    start, end = period_bounds(period, day)
    prev_start, prev_end = previous_period(period, day)
    with engine.connect() as conn:
        div = conn.execute(select(divisions).where(divisions.c.code == code)).first()
        if div is None:
            raise not_found("division")
        units = _units(conn, code, level)
        if level != "worker" and len(code) > CODE_LENGTH[level]:
            raise invalid("level", f"a {div.level} has no {level}s under it; choose a lower level than the division",
                          "stats.level_above", value=level, division=code)
        today = (now or datetime.now(timezone.utc)).astimezone(CST).date() + timedelta(days=1)
        current, previous = _scores(conn, code, level, units, [(start, end), (prev_start, prev_end)], weights,
                                    target, frequencies, accept_hours, today)
    ranking = _rank(current)
    before = {r["code"]: r for r in _rank(previous)}
    for r in ranking:
        p = before.get(r["code"])
        r["previous_rank"] = p["rank"] if p and p["score"] is not None else None
        r["previous_score"] = p["score"] if p else None
        r["rank_change"] = (r["previous_rank"] - r["rank"]
                            if r["previous_rank"] is not None and r["score"] is not None else None)
        r["score_change"] = (round(r["score"] - r["previous_score"], 2)
                             if r["score"] is not None and r["previous_score"] is not None else None)
    return {
        "division": {"code": div.code, "name": div.name, "level": div.level},
        "level": level, "period": period, "at": day.isoformat(),
        "start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat(),
        "previous": {"start": prev_start.isoformat(), "end": (prev_end - timedelta(days=1)).isoformat()},
        "weights": weights, "discovery_target": target,
        "penalties": {"yellow": PENALTY["yellow"], "red": PENALTY["red"], "cap": PENALTY_CAP},
        "zero_denominator": "excluded",
        "has_satisfaction": "satisfaction" in cases.c,
        "items": ranking,
    }


def _accept_hours(settings) -> tuple[float, float]:
    limits = getattr(settings, "limits", None)
    if limits is None:
        return 24.0, 2.0
    return limits.accept / timedelta(hours=1), limits.accept_urgent / timedelta(hours=1)


def _units(conn, code: str, level: str) -> dict[str, dict]:
    """Every unit of the level in the division, quiet ones too: code → {name, grids (worker)}."""
    if level != "worker":
        rows = conn.execute(select(divisions.c.code, divisions.c.name)
                            .where(prefix_clause(divisions.c.code, code), divisions.c.level == level)).all()
        return {r.code: {"name": r.name} for r in rows}
    out = {}
    for r in conn.execute(select(users.c.username, users.c.display_name, users.c.scope)
                          .where(users.c.role == "gridworker").order_by(users.c.username)):
        scope = [s for s in json.loads(r.scope or "[]") if isinstance(s, str)]
        if scope and all(s.startswith(code) for s in scope):
            out[r.username] = {"name": r.display_name, "scope": scope}
    return out


def _count(condition):
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def _epoch(conn, column):
    """Seconds since the epoch of a stored time (RFC 3339 text with its offset), in SQL."""
    if conn.dialect.name == "postgresql":
        return extract("epoch", cast(column, TIMESTAMP(timezone=True)))
    return cast(func.strftime("%s", column), Integer)


def _scores(conn, code, level, units, periods, weights, target, frequencies, accept_hours,
            today_end: date) -> list[list[dict]]:
    """Scores of every unit for each of ``periods`` (the current and the previous one, adjacent):
    each component is one grouped query over both, split by a period column, so the index costs
    one pass per component. ``today_end``: the end of today; a period still running is judged on
    its days so far (visit coverage as of today, the discovery target for the days elapsed)."""
    bounds = [(_t(start), _t(end)) for start, end in periods]
    lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    # The code filter on an expression no index matches, so SQLite (and PostgreSQL) range-scan
    # the covering index of each query's time column instead of every case of the division.
    within = prefix_clause(cases.c.grid_code.concat(literal_column("''")), code)
    key = (cases.c.reporter if level == "worker"
           else func.substr(cases.c.grid_code, 1, CODE_LENGTH[level]))
    figures: list[dict[str, dict[str, list]]] = [{u: {} for u in units} for _ in periods]

    later = max(b[0] for b in bounds)

    def which(column):
        """In SQL: 0 for the earlier period, 1 for the later one, by the time column."""
        return when((column >= later, 1), else_=0)

    def put(p: int, component: str, unit: str, num: float, den: float) -> None:
        if unit in figures[p]:
            figures[p][unit][component] = [num, den]

    ordered = sorted(range(len(periods)), key=lambda i: bounds[i][0])  # SQL's 0/1 → index in periods
    # on_time, satisfaction, base_resolution and discovery: one grouped read of the daily counts
    # (server/case_counts.py), by grid (or reporter), rolled up to the units here. Each figure is
    # the count of the case rows it is named for, kept by the database's triggers:
    # on_time: resolved in the period, by the due time; satisfaction: followed up with a rating
    # (satisfied + 0.5 × basic); base_resolution: disputes closed in the period at grid or village
    # level; discovery: field reports (source field/visit) in the period.
    counts = case_day_counts.c
    days = [(start.isoformat(), end.isoformat()) for start, end in periods]
    later_day = max(d[0] for d in days)
    unit_of = ((lambda holder: holder) if level == "worker" else (lambda grid: grid[:CODE_LENGTH[level]]))
    sums: dict[tuple[int, str], list[int]] = {}
    for p, holder, *figures_row in conn.execute(
            select(when((counts.day >= later_day, 1), else_=0).label(PERIOD_NO),
                   (counts.reporter if level == "worker" else counts.grid_code).label(UNIT_KEY),
                   *(func.sum(getattr(counts, c)) for c in _COUNTED))
            .where(prefix_clause(counts.grid_code, code), counts.day >= min(d[0] for d in days),
                   counts.day < max(d[1] for d in days))
            .group_by(*BY_PERIOD_AND_UNIT)):
        total = sums.setdefault((ordered[p], unit_of(holder)), [0] * len(_COUNTED))
        for i, n in enumerate(figures_row):
            total[i] += n or 0
    reports: dict[tuple[int, str], int] = {}
    for (p, unit), total in sums.items():
        n = dict(zip(_COUNTED, total))
        if n["resolved"]:
            put(p, "on_time", unit, n["resolved_on_time"], n["resolved"])
        if n["followed_up"]:
            put(p, "satisfaction", unit, n["satisfied"] + 0.5 * n["basic"], n["followed_up"])
        if n["closed_disputes"]:
            put(p, "base_resolution", unit, n["closed_disputes_base"], n["closed_disputes"])
        reports[(p, unit)] = n["field_reported"]
    # accepted_on_time: accept steps in the period; the limit runs from reporting (hours, calendar),
    # compared in whole seconds since the epoch in SQL (the stored times carry their offset).
    steps = case_steps.join(cases, cases.c.id == case_steps.c.case_id)
    limit = when((cases.c.urgent, accept_hours[1] * 3600), else_=accept_hours[0] * 3600)
    for p, unit, n, ok in conn.execute(
            select(which(case_steps.c.at).label(PERIOD_NO), key.label(UNIT_KEY), func.count(),
                   _count(_epoch(conn, case_steps.c.at) - _epoch(conn, cases.c.reported_at) <= limit))
            .select_from(steps)
            .where(within, case_steps.c.action == "accept", case_steps.c.at >= lo, case_steps.c.at < hi)
            .group_by(*BY_PERIOD_AND_UNIT)):
        put(ordered[p], "accepted_on_time", unit, ok, n)
    grid_households = dict(conn.execute(
        select(households.c.grid_code, func.count()).where(prefix_clause(households.c.grid_code, code))
        .group_by(households.c.grid_code)).all())
    as_of = [min(end, max(today_end, start + timedelta(days=1))) for start, end in periods]
    coverage = _grid_coverage(conn, code, as_of, frequencies)
    homes_of: dict[str, int] = {}
    cov_of: dict[tuple[int, str], list[int]] = {}
    for grid in set(grid_households) | set(coverage):
        for unit in _units_of_grid(grid, level, units):
            homes_of[unit] = homes_of.get(unit, 0) + grid_households.get(grid, 0)
            for p, (visited, people) in enumerate(coverage.get(grid, [(0, 0)] * len(periods))):
                pair = cov_of.setdefault((p, unit), [0, 0])
                pair[0] += visited
                pair[1] += people
    for p, (start, _end) in enumerate(periods):
        scale = (as_of[p] - start).days / 30
        for unit in units:
            homes = homes_of.get(unit, 0)
            if homes:
                rate = reports.get((p, unit), 0) * 100 / homes / (target * scale)
                figures[p][unit]["discovery"] = [min(1.0, rate), 1]
            visited, people = cov_of.get((p, unit), (0, 0))
            if people:
                figures[p][unit]["visit_coverage"] = [visited, people]
    # penalties: yellow and red cards given in the period.
    cards: dict[tuple[int, str], tuple[int, int]] = {}
    card = case_steps.c.extra
    for p, unit, yellow, red in conn.execute(
            select(which(case_steps.c.at).label(PERIOD_NO), key.label(UNIT_KEY), _count(card.contains('"yellow"')),
                   _count(card.contains('"red"')))
            .select_from(steps)
            .where(within, case_steps.c.action == "supervise", case_steps.c.at >= lo, case_steps.c.at < hi)
            .group_by(*BY_PERIOD_AND_UNIT)):
        cards[(ordered[p], unit)] = (yellow, red)
    return [[_score(unit, info["name"], figures[p][unit], weights, *cards.get((p, unit), (0, 0)))
             for unit, info in units.items()] for p in range(len(periods))]


def _units_of_grid(grid: str, level: str, units: dict[str, dict]) -> list[str]:
    """The units a grid's households and people count for: its ancestor of the level, or every
    worker whose scope holds it."""
    if level != "worker":
        unit = grid[:CODE_LENGTH[level]]
        return [unit] if unit in units else []
    return [u for u, info in units.items() if any(grid.startswith(s) for s in info["scope"])]


def _grid_coverage(conn, code: str, ends: list[date], frequencies: dict[str, int]) -> dict[str, list[tuple[int, int]]]:
    """grid → [(visited, people) for each of ``ends``]: tagged people visited (a visit that counted
    for them, ``server.visit_rule``) within their most demanding tag's frequency before that end;
    one grouped query for all ends.

    The database counts people per grid and tag list (a division has a few dozen distinct lists)
    and, per end and per frequency, those whose last visit before the end is recent
    enough; each list's most demanding frequency (a tag is in the list when its quoted code is in
    the text) then picks the column here. Testing every tag with LIKE on every person, and one
    visit subquery per end, cost a county's index 170 ms."""
    freq = {tag: days for tag, days in frequencies.items() if tag not in population.PSEUDO_KEYS}
    if not freq:
        return {}
    # Severe mental disorder at risk 3 or more is due more often (DESIGN 17), as in the overview:
    # the risk band is one more grouping column, so the pass stays one query.
    high_days = frequencies.get("severe_mental_high_risk",
                                population.DEFAULT_VISIT_FREQUENCY_DAYS["severe_mental_high_risk"])
    every_days = sorted(set(freq.values()) | {high_days})
    ends_t = [_t(end) for end in ends]
    tagged = visit_rule.followed_people(code)
    last = (select(persons.c.id,
                   *(func.max(when((visits.c.visited_at < e, visits.c.visited_at), else_=None)).label(f"last_{n}")
                     for n, e in enumerate(ends_t)))
            .select_from(persons.join(visits, visit_rule.counts_for_person()))
            .where(*tagged, visits.c.visited_at < max(ends_t))
            .group_by(persons.c.id).subquery("last_visit"))
    recent = [_count(last.c[f"last_{n}"] >= _t(end - timedelta(days=days)))
              for n, end in enumerate(ends) for days in every_days]
    # Literals, not bound parameters: PostgreSQL takes a GROUP BY expression only when it is the
    # select's own, and every bound parameter is a different one.
    high_risk = when((persons.c.risk_level >= literal_column(str(population.HIGH_RISK)), literal_column("1")),
                     else_=literal_column("0"))
    rows = conn.execute(
        select(persons.c.grid_code, persons.c.tags, high_risk, func.count(), *recent)
        .select_from(persons.outerjoin(last, last.c.id == persons.c.id))
        .where(*tagged)
        .group_by(persons.c.grid_code, persons.c.tags, high_risk)).all()
    out: dict[str, list[list[int]]] = {}
    for grid, tags_text, high, n, *visited in rows:
        tags_text = tags_text or ""
        every = min((days for tag, days in freq.items() if f'"{tag}"' in tags_text), default=None)
        if every is None:
            continue
        if high and '"severe_mental"' in tags_text:
            every = min(every, high_days)
        column = every_days.index(every)
        pairs = out.setdefault(grid, [[0, 0] for _ in ends])
        for i, pair in enumerate(pairs):
            pair[0] += visited[i * len(every_days) + column]
            pair[1] += n
    return {grid: [tuple(pair) for pair in pairs] for grid, pairs in out.items()}


def _score(unit: str, name: str, figures: dict[str, list], weights: dict[str, float], yellow: int, red: int) -> dict:
    components = {}
    for c in COMPONENTS:
        if c in figures and figures[c][1]:
            num, den = figures[c]
            components[c] = round(num / den, 4)
        else:
            components[c] = None
    present = {c: weights.get(c, 0) for c, v in components.items() if v is not None and weights.get(c, 0) > 0}
    total = sum(present.values())
    penalty = round(min(PENALTY_CAP, PENALTY["yellow"] * yellow + PENALTY["red"] * red), 4)
    if total:
        used = {c: round(w / total, 6) for c, w in present.items()}
        raw = sum(components[c] * w for c, w in present.items()) / total
        score = round(100 * max(0.0, min(1.0, raw) - penalty), 2)
    else:
        used, score = {}, None
    return {"code": unit, "name": name, "score": score, "components": components, "weights_used": used,
            "penalty": penalty, "cards": {"yellow": yellow, "red": red},
            "counts": {c: {"numerator": figures[c][0], "denominator": figures[c][1]} for c in figures}}


def _rank(rows: list[dict]) -> list[dict]:
    ranked = sorted(rows, key=lambda r: (r["score"] is None, -(r["score"] or 0), r["code"]))
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
    return ranked
