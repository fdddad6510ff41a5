"""Early warning (DESIGN 16): alerts derived from the data and kept current incrementally.

Every kind is a condition on one subject (a case, a household, a party's ID number, a person, a
grid and category). ``evaluate_*`` decides the condition for one subject and brings its row in
``alerts`` up to date: raised (``open``), still true (left as it is, acknowledged or not), ended
(``cleared``), or true again after clearing (``open`` again, the acknowledgement forgotten).

Who triggers what:
- a pushed mutation (``after_mutation``, inside the mutation's transaction) re-evaluates only the
  subjects it touched: the case; on a report also its household, its parties' ID numbers and its
  grid and category (spike); a visit its household's people; a person upsert that person;
- the sweep (``maybe_sweep``) handles what changes with the clock alone. It runs at most once a
  minute across all server processes (a conditional UPDATE of ``alert_sweeps`` elects one) and
  reads only ``alert_timers`` rows now due — each evaluation records when its subject next
  changes by the clock (a due-soon window opening, a due time, seven days after closing, a visit
  becoming seven days late) — plus the few repeat/spike alerts still standing (windows slide).
No request rescans the county; ``rebuild`` does, once, for data that arrived without mutations
(the demo seed, bulk imports).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from schemas.messages import message
from schemas.validators import CST, format_time, mask_id_number, parse_time
from schemas.workflow import LEVEL_ORDER, UNFINISHED_STATUSES
from server import feed
from server.db import alert_sweeps, alert_timers, alerts, case_parties, cases, households, persons, visits
from server.errors import ApiProblem, not_found
from server.scope import scope_clause

KINDS = ("due_soon", "overdue", "repeat", "spike", "group", "visit_overdue", "unsatisfied", "follow_up_due")
STATES = ("open", "acknowledged", "cleared")
SEVERITY = {"due_soon": "warning", "overdue": "critical", "repeat": "warning", "spike": "warning",
            "group": "critical", "visit_overdue": "warning", "unsatisfied": "warning", "follow_up_due": "info"}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}

REPEAT_CASES, REPEAT_DAYS = 3, 30
SPIKE_WEEKS, SPIKE_SIGMAS, SPIKE_MIN = 8, 3, 5
DUE_SOON_SHARE, DUE_SOON_MIN = 0.2, timedelta(hours=2)
VISIT_GRACE = timedelta(days=7)
FOLLOW_UP_AFTER = timedelta(days=7)
SWEEP_EVERY = timedelta(minutes=1)

# The roles of DESIGN 16's "for" column; admin acts at county level and sees what county sees.
_ROLE_AT = {"grid": ("gridworker",), "village": ("village",), "town": ("station",), "county": ("county", "admin")}


def _audience(*roles: str) -> str:
    return "," + ",".join(dict.fromkeys(roles)) + ","


def _case_audience(level: str, *more: str) -> str:
    i = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else 0
    roles = [r for lv in LEVEL_ORDER[i : i + 2] for r in _ROLE_AT[lv]]
    return _audience(*roles, *more)


AUDIENCE = {
    "repeat": _audience("station", "village", "gridworker"),
    "spike": _audience("station", "county", "admin"),
    "group": _audience("station", "county", "admin"),
    "visit_overdue": _audience("gridworker", "village"),
    "unsatisfied": _audience("station"),
    "follow_up_due": _audience("village", "station"),
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def digest(id_number: str) -> str:
    """A party's ID number as stored for the repeat check: not the number itself."""
    return hashlib.sha256(id_number.strip().upper().encode()).hexdigest()[:32]


# --- one row per (kind, subject) ---------------------------------------------------------------

_UNREAD = object()


def _rows(conn: Connection, subject_type: str, subject_id: str) -> dict:
    """The alert rows of one subject by kind: one query instead of one per kind."""
    return {r.kind: r for r in conn.execute(select(alerts).where(alerts.c.subject_type == subject_type,
                                                                  alerts.c.subject_id == subject_id))}


def _timer(conn: Connection, subject_type: str, subject_id: str, at: datetime | None) -> None:
    """When this subject's time-based alerts next change (None: not by the clock alone)."""
    key = and_(alert_timers.c.subject_type == subject_type, alert_timers.c.subject_id == subject_id)
    conn.execute(alert_timers.delete().where(key))
    if at is not None:
        conn.execute(insert(alert_timers).values(subject_type=subject_type, subject_id=subject_id, at=format_time(at)))


def _set(conn: Connection, kind: str, subject_type: str, subject_id: str, active: bool, now: datetime, *,
         grid_code: str | None = None, audience: str | None = None, params: dict | None = None,
         level: str | None = None, assignee: str | None = None, severity: str | None = None, row=_UNREAD) -> None:
    """Make the alert (kind, subject) agree with whether its condition holds now. ``row``: the
    current row when the caller read it already (None: there is none)."""
    if row is _UNREAD:
        row = conn.execute(select(alerts).where(alerts.c.kind == kind, alerts.c.subject_type == subject_type,
                                                alerts.c.subject_id == subject_id)).first()
    at = format_time(now)
    if not active:
        if row is not None and row.state != "cleared":
            conn.execute(update(alerts).where(alerts.c.id == row.id).values(
                state="cleared", cleared_at=at, updated_at=at, version=row.version + 1))
            feed.record(conn, "alert", row.id, row.grid_code, row.version + 1)
        return
    values = {"severity": severity or SEVERITY[kind], "grid_code": grid_code, "audience": audience or AUDIENCE[kind],
              "params": json.dumps(params or {}, ensure_ascii=False, sort_keys=True), "level": level, "assignee": assignee}
    if row is None:
        new_id = str(uuid.uuid4())
        conn.execute(insert(alerts).values(id=new_id, kind=kind, subject_type=subject_type, subject_id=subject_id,
                                           state="open", raised_at=at, updated_at=at, version=1, **values))
        feed.record(conn, "alert", new_id, grid_code, 1)
        return
    if row.state == "cleared":
        values.update(state="open", raised_at=at, cleared_at=None, acked_by=None, acked_at=None, ack_note=None)
    elif all(getattr(row, k) == v for k, v in values.items()):
        return  # still true and said the same way: nothing changed, nothing to send
    conn.execute(update(alerts).where(alerts.c.id == row.id).values(updated_at=at, version=row.version + 1, **values))
    feed.record(conn, "alert", row.id, grid_code, row.version + 1)


# --- the conditions ------------------------------------------------------------------------

def _has(column: str) -> bool:
    # The closed loop (DESIGN 15) adds satisfaction and followed_up_at; until then those kinds rest.
    return column in cases.c


def evaluate_case(conn: Connection, case_id: str, now: datetime) -> None:
    """due_soon, overdue, group, unsatisfied and follow_up_due of one case, and its next timer."""
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        return
    have = _rows(conn, "case", row.id)
    running = row.status in UNFINISHED_STATUSES and bool(row.due_at)
    due = parse_time(row.due_at) if row.due_at else None
    overdue = running and now > due
    soon, next_at = False, None
    if running and not overdue:
        window = max((due - parse_time(row.level_entered_at)) * DUE_SOON_SHARE, DUE_SOON_MIN)
        soon = due - now <= window
        next_at = due + timedelta(seconds=1) if soon else due - window
    params = {"serial": row.serial, "title": row.title, "due_at": row.due_at}
    common = dict(grid_code=row.grid_code, params=params, level=row.level, assignee=row.assignee)
    _set(conn, "due_soon", "case", row.id, soon, now, audience=_case_audience(row.level), row=have.get("due_soon"), **common)
    _set(conn, "overdue", "case", row.id, overdue, now, row=have.get("overdue"),
         audience=_case_audience(row.level, "station", "county", "admin"), **common)
    _set(conn, "group", "case", row.id, row.scale in ("group", "major") and row.status not in ("closed", "rejected"),
         now, severity="critical", row=have.get("group"), **dict(common, params=dict(params, scale=row.scale)))
    if _has("satisfaction"):
        _set(conn, "unsatisfied", "case", row.id, row.satisfaction == "unsatisfied", now,
             audience=_audience("station"), row=have.get("unsatisfied"), **common)
    if _has("followed_up_at"):
        closed = parse_time(row.closed_at) if row.closed_at else None
        waiting = row.status == "closed" and closed is not None and row.followed_up_at is None
        due_follow = waiting and now - closed >= FOLLOW_UP_AFTER
        if waiting and not due_follow:
            next_at = closed + FOLLOW_UP_AFTER
        _set(conn, "follow_up_due", "case", row.id, due_follow, now, row=have.get("follow_up_due"),
             **dict(common, params=dict(params, closed_at=row.closed_at)))
    _timer(conn, "case", row.id, next_at)


def evaluate_household(conn: Connection, household_id: str, now: datetime) -> None:
    since = format_time(now - timedelta(days=REPEAT_DAYS))
    rows = conn.execute(select(cases.c.serial, cases.c.grid_code, cases.c.reported_at)
                        .where(cases.c.household_id == household_id, cases.c.reported_at >= since)
                        .order_by(cases.c.reported_at)).all()
    hh = conn.execute(select(households.c.household_no, households.c.grid_code, households.c.address)
                      .where(households.c.id == household_id)).first()
    grid = hh.grid_code if hh is not None else (rows[-1].grid_code if rows else None)
    _set(conn, "repeat", "household", household_id, len(rows) >= REPEAT_CASES and grid is not None, now,
         grid_code=grid, params={"count": len(rows), "days": REPEAT_DAYS, "household_no": hh.household_no if hh else None,
                                 "address": hh.address if hh else None, "serials": [r.serial for r in rows][-5:]})


def evaluate_party(conn: Connection, id_digest: str, now: datetime, masked: str | None = None) -> None:
    since = format_time(now - timedelta(days=REPEAT_DAYS))
    rows = conn.execute(select(cases.c.serial, cases.c.grid_code, cases.c.parties)
                        .select_from(case_parties.join(cases, cases.c.id == case_parties.c.case_id))
                        .where(case_parties.c.id_digest == id_digest, case_parties.c.reported_at >= since)
                        .order_by(case_parties.c.reported_at)).all()
    if masked is None and rows:
        for p in json.loads(rows[-1].parties or "[]"):
            if p.get("id_number") and digest(p["id_number"]) == id_digest:
                masked = mask_id_number(p["id_number"])
    _set(conn, "repeat", "party", id_digest, len(rows) >= REPEAT_CASES, now,
         grid_code=rows[-1].grid_code if rows else None,
         params={"count": len(rows), "days": REPEAT_DAYS, "id_number": masked, "serials": [r.serial for r in rows][-5:]})


def week_start(now: datetime) -> datetime:
    local = now.astimezone(CST)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday


def evaluate_spike(conn: Connection, grid_code: str, category: str, now: datetime) -> None:
    """Counted in SQL over the (grid, category, reported_at) index: cases since each of the nine
    week starts, so that a busy grid's weeks are never read row by row."""
    from sqlalchemy import case as when

    start = week_start(now)
    bounds = [format_time(start - timedelta(weeks=SPIKE_WEEKS - i)) for i in range(SPIKE_WEEKS + 1)]
    since = conn.execute(select(*[func.coalesce(func.sum(when((cases.c.reported_at >= b, 1), else_=0)), 0) for b in bounds])
                         .where(cases.c.grid_code == grid_code, cases.c.category == category,
                                cases.c.reported_at >= bounds[0])).one()
    weeks = [int(since[i]) - int(since[i + 1]) for i in range(SPIKE_WEEKS)] + [int(since[SPIKE_WEEKS])]
    base, this = weeks[:SPIKE_WEEKS], weeks[SPIKE_WEEKS]
    mean, sigma = statistics.fmean(base), statistics.pstdev(base)
    _set(conn, "spike", "grid", f"{grid_code}:{category}", this > mean + SPIKE_SIGMAS * sigma and this >= SPIKE_MIN, now,
         grid_code=grid_code, params={"grid_code": grid_code, "category": category, "count": this,
                                      "mean": round(mean, 2), "sigma": round(sigma, 2)})


def _visit_every(tags: list[str], frequency: dict[str, int]) -> int | None:
    days = [frequency[t] for t in tags if t in frequency and t != "household"]
    return min(days) if days else None


def evaluate_person(conn: Connection, person_id: str, now: datetime, frequency: dict[str, int],
                    last_visit: str | None = None, looked_up: bool = False) -> None:
    p = conn.execute(select(persons.c.id, persons.c.name, persons.c.grid_code, persons.c.household_id, persons.c.tags)
                     .where(persons.c.id == person_id)).first()
    if p is None:
        return
    tags = json.loads(p.tags or "[]")
    every = _visit_every(tags, frequency)
    if every is not None and not looked_up:
        last_visit = conn.execute(select(func.max(visits.c.visited_at)).where(visits.c.household_id == p.household_id)).scalar()
    # A person never visited has no due date yet (``visit due`` lists them as due today).
    late_at = parse_time(last_visit) + timedelta(days=every) + VISIT_GRACE if every is not None and last_visit else None
    late = late_at is not None and now > late_at
    _timer(conn, "person", p.id, late_at + timedelta(seconds=1) if late_at is not None and not late else None)
    due = (parse_time(last_visit) + timedelta(days=every)).astimezone(CST).date().isoformat() if late else None
    _set(conn, "visit_overdue", "person", p.id, late, now, grid_code=p.grid_code,
         severity="critical" if late and "key_person" in tags else None,
         params={"name": p.name, "due": due, "tags": [t for t in tags if t in frequency],
                 "days_late": (now.astimezone(CST).date() - date_of(due)).days if due else None})


def date_of(text: str):
    from datetime import date

    return date.fromisoformat(text)


def evaluate_household_people(conn: Connection, household_id: str, now: datetime, frequency: dict[str, int]) -> None:
    last = conn.execute(select(func.max(visits.c.visited_at)).where(visits.c.household_id == household_id)).scalar()
    for (pid,) in conn.execute(select(persons.c.id).where(persons.c.household_id == household_id, persons.c.tags != "[]")):
        evaluate_person(conn, pid, now, frequency, last, looked_up=True)


# --- triggers ------------------------------------------------------------------------------

def after_mutation(conn: Connection, mutation_type: str, payload, result: dict, frequency: dict[str, int],
                   now: datetime | None = None) -> None:
    """Re-evaluate what one applied mutation touched, in its transaction."""
    now = now or _now()
    entity_id = result.get("entity_id")
    if mutation_type == "case.report":
        row = conn.execute(select(cases.c.household_id, cases.c.grid_code, cases.c.category, cases.c.reported_at,
                                  cases.c.parties).where(cases.c.id == entity_id)).first()
        if row is None:
            return
        evaluate_case(conn, entity_id, now)
        if row.household_id:
            evaluate_household(conn, row.household_id, now)
        for id_number in {p.get("id_number") for p in json.loads(row.parties or "[]") if p.get("id_number")}:
            d = digest(id_number)
            conn.execute(insert(case_parties).values(case_id=entity_id, id_digest=d, reported_at=row.reported_at))
            evaluate_party(conn, d, now, mask_id_number(id_number))
        evaluate_spike(conn, row.grid_code, row.category, now)
    elif mutation_type == "case.act":
        evaluate_case(conn, entity_id, now)
    elif mutation_type == "visit.log":
        hid = conn.execute(select(visits.c.household_id).where(visits.c.id == entity_id)).scalar()
        if hid:
            evaluate_household_people(conn, hid, now, frequency)
    elif mutation_type == "person.upsert":
        evaluate_person(conn, entity_id, now, frequency)
    elif mutation_type == "household.upsert":
        # Re-gridded: the people's alerts follow them into the new grid.
        evaluate_household_people(conn, entity_id, now, frequency)


def maybe_sweep(engine: Engine, frequency: dict[str, int], now: datetime | None = None, *, force: bool = False) -> bool:
    """Run the time-based sweep if a minute has passed since the last one (in any process)."""
    mono = time.monotonic()
    if not force and mono < _next_local_check.get(id(engine), 0):
        return False
    _next_local_check[id(engine)] = mono + SWEEP_EVERY.total_seconds()
    now = now or _now()
    with engine.begin() as conn:
        last_text = conn.execute(select(alert_sweeps.c.last_at).where(alert_sweeps.c.name == "time")).scalar()
        if last_text is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(alert_sweeps).values(name="time", last_at=format_time(now)))
            except IntegrityError:  # another process inserted it first: it sweeps
                return False
        else:
            if not force and now - parse_time(last_text) < SWEEP_EVERY:
                return False
            # Elect one process: only the UPDATE that still sees the old time wins.
            claimed = conn.execute(update(alert_sweeps).where(alert_sweeps.c.name == "time",
                                                              alert_sweeps.c.last_at == last_text)
                                   .values(last_at=format_time(now)))
            if claimed.rowcount != 1:
                return False
        sweep(conn, now, frequency)
    return True


_next_local_check: dict[int, float] = {}


def sweep(conn: Connection, now: datetime, frequency: dict[str, int]) -> None:
    """What the clock changed: the subjects whose timer is due, and the standing repeat and spike
    alerts (their 30-day and weekly windows slide; there are few)."""
    due = conn.execute(select(alert_timers.c.subject_type, alert_timers.c.subject_id)
                       .where(alert_timers.c.at <= format_time(now))).all()
    for subject_type, subject_id in due:
        if subject_type == "case":
            evaluate_case(conn, subject_id, now)
        elif subject_type == "person":
            evaluate_person(conn, subject_id, now, frequency)
    standing = conn.execute(select(alerts.c.subject_type, alerts.c.subject_id).where(
        alerts.c.state != "cleared", alerts.c.kind.in_(("repeat", "spike")))).all()
    for subject_type, subject_id in standing:
        if subject_type == "household":
            evaluate_household(conn, subject_id, now)
        elif subject_type == "party":
            evaluate_party(conn, subject_id, now)
        elif subject_type == "grid":
            grid, _, category = subject_id.partition(":")
            evaluate_spike(conn, grid, category, now)


def rebuild(engine: Engine, frequency: dict[str, int], now: datetime | None = None) -> None:
    """Evaluate every subject once: for data that arrived without mutations (demo seed, imports)."""
    now = now or _now()
    with engine.begin() as conn:
        existing = set(conn.execute(select(case_parties.c.case_id).distinct()).scalars())
        rows = []
        for cid, parties, reported in conn.execute(select(cases.c.id, cases.c.parties, cases.c.reported_at)
                                                   .where(cases.c.parties != "[]")):
            if cid in existing:
                continue
            for n in {p.get("id_number") for p in json.loads(parties or "[]") if p.get("id_number")}:
                rows.append({"case_id": cid, "id_digest": digest(n), "reported_at": reported})
        if rows:
            conn.execute(insert(case_parties), rows)
        since = format_time(now - timedelta(days=REPEAT_DAYS))
        for cid in conn.execute(select(cases.c.id).where(or_(cases.c.status.notin_(("closed", "rejected")),
                                                              cases.c.closed_at >= format_time(now - timedelta(days=60))))).scalars():
            evaluate_case(conn, cid, now)
        for hid in conn.execute(select(cases.c.household_id).where(cases.c.household_id.is_not(None),
                                                                    cases.c.reported_at >= since).distinct()).scalars():
            evaluate_household(conn, hid, now)
        for d in conn.execute(select(case_parties.c.id_digest).where(case_parties.c.reported_at >= since).distinct()).scalars():
            evaluate_party(conn, d, now)
        for grid, category in conn.execute(select(cases.c.grid_code, cases.c.category).where(
                cases.c.reported_at >= format_time(week_start(now))).distinct()).all():
            evaluate_spike(conn, grid, category, now)
        _rebuild_visits(conn, now, frequency)
        conn.execute(alert_sweeps.delete().where(alert_sweeps.c.name == "time"))
        conn.execute(insert(alert_sweeps).values(name="time", last_at=format_time(now)))


def _rebuild_visits(conn: Connection, now: datetime, frequency: dict[str, int]) -> None:
    """visit_overdue for every tagged person in a few set queries (a county has tens of
    thousands): new alerts and all timers are inserted in bulk; existing alerts go through _set."""
    last = dict(conn.execute(select(visits.c.household_id, func.max(visits.c.visited_at)).group_by(visits.c.household_id)).all())
    existing = {r.subject_id: r for r in conn.execute(select(alerts).where(alerts.c.kind == "visit_overdue"))}
    conn.execute(alert_timers.delete().where(alert_timers.c.subject_type == "person"))
    new_alerts, timers, feed_rows = [], [], []
    at = format_time(now)
    for pid in existing:
        evaluate_person(conn, pid, now, frequency)
    rows = conn.execute(select(persons.c.id, persons.c.name, persons.c.grid_code, persons.c.household_id, persons.c.tags)
                        .where(persons.c.tags != "[]")).all()
    for p in rows:
        if p.id in existing:
            continue
        tags = json.loads(p.tags or "[]")
        every = _visit_every(tags, frequency)
        seen = last.get(p.household_id)
        if every is None or seen is None:
            continue
        late_at = parse_time(seen) + timedelta(days=every) + VISIT_GRACE
        if now <= late_at:
            timers.append({"subject_type": "person", "subject_id": p.id, "at": format_time(late_at + timedelta(seconds=1))})
            continue
        due = (parse_time(seen) + timedelta(days=every)).astimezone(CST).date()
        params = {"name": p.name, "due": due.isoformat(), "tags": [t for t in tags if t in frequency],
                  "days_late": (now.astimezone(CST).date() - due).days}
        aid = str(uuid.uuid4())
        new_alerts.append({"id": aid, "kind": "visit_overdue", "severity": "critical" if "key_person" in tags else "warning",
                           "subject_type": "person", "subject_id": p.id, "grid_code": p.grid_code, "level": None,
                           "audience": AUDIENCE["visit_overdue"], "assignee": None,
                           "params": json.dumps(params, ensure_ascii=False, sort_keys=True), "state": "open",
                           "raised_at": at, "updated_at": at, "version": 1})
        feed_rows.append(("alert", aid, p.grid_code, 1))
    for chunk in range(0, len(new_alerts), 500):
        conn.execute(insert(alerts), new_alerts[chunk : chunk + 500])
    for chunk in range(0, len(timers), 500):
        conn.execute(insert(alert_timers), timers[chunk : chunk + 500])
    if feed_rows:
        feed.record_many(conn, feed_rows)


# --- reading and acknowledging -------------------------------------------------------------

def visible(user: dict):
    """The SQL condition "this user sees this alert": scope by grid, and role per DESIGN 16."""
    return and_(scope_clause(alerts.c.grid_code, user["scope"]),
                or_(alerts.c.audience.contains(f",{user['role']},", autoescape=True),
                    alerts.c.assignee == user["username"]))


def alert_out(row) -> dict:
    params = json.loads(row.params or "{}")
    return {
        "id": row.id, "kind": row.kind, "severity": row.severity, "subject_type": row.subject_type,
        "subject_id": row.subject_id, "grid_code": row.grid_code, "division": row.grid_code, "level": row.level,
        "assignee": row.assignee, "state": row.state, "raised_at": row.raised_at, "cleared_at": row.cleared_at,
        "acked_by": row.acked_by, "acked_at": row.acked_at, "ack_note": row.ack_note, "updated_at": row.updated_at,
        "version": row.version, "params": params, "text": {lang: text(row.kind, params, lang) for lang in ("zh", "en")},
    }


def text(kind: str, params: dict, lang: str) -> str:
    p = {k: ("" if v is None else v) for k, v in params.items()}
    for key in ("due_at", "closed_at"):
        if p.get(key):
            p[key] = str(p[key])[:16].replace("T", " ")  # field time to the minute reads best
    if kind == "visit_overdue":
        from schemas.codes import TAGS

        p["tags"] = "、".join(TAGS.get(t, (t, t))[0 if lang == "zh" else 1] for t in params.get("tags") or []) if lang == "zh" \
            else ", ".join(TAGS.get(t, (t, t))[1] for t in params.get("tags") or [])
    if kind == "spike":
        from schemas.codes import CATEGORIES

        p["category"] = CATEGORIES.get(params.get("category"), (params.get("category"),) * 2)[0 if lang == "zh" else 1]
    code = f"alert.{kind}" + (".party" if kind == "repeat" and "id_number" in params else "")
    try:
        return message(code, lang, **p)
    except (KeyError, IndexError, ValueError):
        return message(code, lang) if code else kind


def fetch_for(conn: Connection, user: dict, ids: list[str]) -> dict[str, dict]:
    """The pull feed's alert records; one the user may not see reads as gone."""
    return {r.id: alert_out(r) for r in conn.execute(select(alerts).where(alerts.c.id.in_(ids), visible(user)))}


def _division(division: str | None) -> str | None:
    if division is None:
        return None
    if not division.isdigit() or len(division) not in (6, 9, 12, 15):
        raise ApiProblem(422, "Invalid input", f"division: {division!r} is not a 6, 9, 12 or 15-digit division code",
                         code="invalid", errors=[{"field": "division", "message": "expected a 6, 9, 12 or 15-digit division code"}])
    return division


def list_alerts(conn: Connection, user: dict, *, division: str | None = None, kind: list[str] | None = None,
                state: list[str] | None = None, cursor: str | None = None, limit: int = 100) -> dict:
    """Critical first, then the newest; keyset-paged by (severity rank, raised_at, id)."""
    for field, values, allowed in (("kind", kind, KINDS), ("state", state, STATES)):
        for v in values or []:
            if v not in allowed:
                raise ApiProblem(422, "Invalid input", f"{field}: {v!r} is not one of {', '.join(allowed)}", code="invalid",
                                 errors=[{"field": field, "message": f"expected one of {', '.join(allowed)}"}])
    q = select(alerts).where(visible(user))
    if (division := _division(division)) is not None:
        from server.scope import prefix_clause

        q = q.where(prefix_clause(alerts.c.grid_code, division))
    if kind:
        q = q.where(alerts.c.kind.in_(kind))
    if state:
        q = q.where(alerts.c.state.in_(state))
    rank = _rank_expr()
    if cursor:
        try:
            r, raised, aid = json.loads(_b64d(cursor))
            r = int(r)
        except Exception:
            raise ApiProblem(422, "Invalid input", "cursor: not a cursor this list gave; start again without it",
                             code="invalid", errors=[{"field": "cursor", "message": "unknown cursor"}]) from None
        q = q.where(or_(rank > r, and_(rank == r, or_(alerts.c.raised_at < raised,
                                                     and_(alerts.c.raised_at == raised, alerts.c.id > aid)))))
    rows = conn.execute(q.order_by(rank, alerts.c.raised_at.desc(), alerts.c.id).limit(limit + 1)).all()
    items = [alert_out(r) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = _b64e(json.dumps([SEVERITY_ORDER[last.severity], last.raised_at, last.id]))
    return {"items": items, "next_cursor": nxt}


def _rank_expr():
    from sqlalchemy import case

    return case({"critical": 0, "warning": 1}, value=alerts.c.severity, else_=2)


def _b64e(s: str) -> str:
    import base64

    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def _b64d(s: str) -> str:
    import base64

    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()


def counts(conn: Connection, user: dict) -> dict:
    rows = conn.execute(select(alerts.c.severity, func.count()).where(visible(user), alerts.c.state == "open")
                        .group_by(alerts.c.severity)).all()
    return {s: n for s, n in rows}


def ack(conn: Connection, user: dict, alert_id: str, note: str | None, now: datetime | None = None) -> dict:
    """open → acknowledged. Acknowledging again keeps the first; a cleared alert keeps its state but
    records who saw it (an ack made offline must not be stuck because the condition ended meanwhile)."""
    now = now or _now()
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id, visible(user))).first()
    if row is None:
        raise not_found("alert")
    if row.acked_by is None:
        state = "acknowledged" if row.state == "open" else row.state
        at = format_time(now)
        conn.execute(update(alerts).where(alerts.c.id == row.id).values(
            state=state, acked_by=user["username"], acked_at=at, ack_note=note, updated_at=at, version=row.version + 1))
        feed.record(conn, "alert", row.id, row.grid_code, row.version + 1)
        return {"entity": "alert", "entity_id": row.id, "version": row.version + 1}
    return {"entity": "alert", "entity_id": row.id, "version": row.version}


def get(conn: Connection, user: dict, alert_id: str) -> dict:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id, visible(user))).first()
    if row is None:
        raise not_found("alert")
    return alert_out(row)

