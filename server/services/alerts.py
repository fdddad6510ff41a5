"""Early warning (DESIGN 16): alerts derived from the data and kept current incrementally.

Every kind is a condition on one subject (a case, a household, a party's ID number, a person, a
grid and category). ``evaluate`` decides the conditions of many subjects at once and brings their
rows in ``alerts`` up to date: raised (``open``), still true (left as it is, acknowledged or not),
ended (``cleared``), or true again after clearing (``open`` again, the acknowledgement forgotten).

Who triggers what:
- a pushed mutation (``after_mutation``, inside the mutation's transaction) keeps the running
  weekly count of its grid and category (``alert_counts``) and marks the subjects it touched as
  due now in ``alert_timers`` — one statement: the case; on a report also its household, its
  parties' ID numbers and its grid and category; a visit or household its tagged people;
- once the push's mutations are applied, ``drain`` evaluates what they marked, in one
  transaction and a few statements per kind (a household is one index range of its last 30
  days, a spike nine counter rows): no rescans, nothing counted twice in a batch;
- the sweep (``maybe_sweep``) handles what changes with the clock alone. It runs at most once a
  minute across all server processes (a conditional UPDATE of ``alert_sweeps`` elects one) and
  reads only ``alert_timers`` rows now due — each evaluation records when its subject next
  changes by the clock (a due-soon window opening, a due time, seven days after closing, a visit
  becoming seven days late, a repeat's oldest case leaving the 30 days, a spike's week ending) —
  and any mark a process left unevaluated when it died.
No request rescans the county; ``rebuild`` does, once, for data that arrived without mutations
(the demo seed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import statistics
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from sqlalchemy import and_, bindparam, false, func, insert, or_, select, tuple_, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from schemas import population
from schemas.messages import message
from schemas.validators import CST, format_time, mask_id_number, parse_time
from schemas.workflow import LEVEL_ORDER, UNFINISHED_STATUSES
from server import feed, visit_rule
from server.db import feed as feed_table
from server.db import (alert_counts, alert_sweeps, alert_timers, alerts, case_parties, cases, households, persons,
                       visits)
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
log = logging.getLogger("gridctl.server")

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
    "unsatisfied": _audience("station", "unit"),
    "follow_up_due": _audience("village", "station"),
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def digest(id_number: str) -> str:
    """A party's ID number as stored for the repeat check: not the number itself."""
    return hashlib.sha256(id_number.strip().upper().encode()).hexdigest()[:32]


# --- writing: one row per (kind, subject) ------------------------------------------------------

_MUTABLE = ("severity", "grid_code", "audience", "params", "level", "assignee", "units", "state", "raised_at",
            "cleared_at", "acked_by", "acked_at", "ack_note", "updated_at", "version")
_CHUNK = 500


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Raced(Exception):
    """Another process wrote the same alert meanwhile: evaluate again."""


class _Batch:
    """What one evaluation decided — alert rows to insert and to update, their feed rows, and each
    evaluated subject's next timer — written by ``write`` in a few statements however many
    subjects were evaluated (a push of 100 mutations is one batch)."""

    def __init__(self, now: datetime) -> None:
        self.now, self.at = now, format_time(now)
        self.inserts: list[dict] = []
        self.updates: list[dict] = []
        self.feed: list[tuple] = []
        self.timers: dict[tuple[str, str], datetime | None] = {}

    def set(self, kind: str, subject_type: str, subject_id: str, active: bool, row, *, grid_code: str | None = None,
            audience: str | None = None, params: dict | None = None, level: str | None = None,
            assignee: str | None = None, units: str | None = None, severity: str | None = None) -> None:
        """Make the alert (kind, subject) agree with whether its condition holds now. ``row``: its
        current row, None when there is none."""
        if not active:
            if row is not None and row.state != "cleared":
                self._update(row, state="cleared", cleared_at=self.at)
            return
        values = {"severity": severity or SEVERITY[kind], "grid_code": grid_code, "audience": audience or AUDIENCE[kind],
                  "params": json.dumps(params or {}, ensure_ascii=False, sort_keys=True), "level": level,
                  "assignee": assignee, "units": units}
        if row is None:
            new_id = str(uuid.uuid4())
            self.inserts.append({"id": new_id, "kind": kind, "subject_type": subject_type, "subject_id": subject_id,
                                 "state": "open", "raised_at": self.at, "cleared_at": None, "acked_by": None,
                                 "acked_at": None, "ack_note": None, "updated_at": self.at, "version": 1, **values})
            self.feed.append(("alert", new_id, grid_code, 1))
            return
        if row.state == "cleared":
            values.update(state="open", raised_at=self.at, cleared_at=None, acked_by=None, acked_at=None, ack_note=None)
        elif all(getattr(row, k) == v for k, v in values.items()):
            return  # still true and said the same way: nothing changed, nothing to send
        self._update(row, **values)

    def _update(self, row, **changes) -> None:
        new = {k: getattr(row, k) for k in _MUTABLE}
        new.update(changes, updated_at=self.at, version=row.version + 1)
        self.updates.append({"_id": row.id, "_was": row.version, **{f"v_{k}": v for k, v in new.items()}})
        self.feed.append(("alert", row.id, new["grid_code"], new["version"]))

    def write(self, conn: Connection) -> None:
        for chunk in _chunks(self.inserts):
            conn.execute(insert(alerts), chunk)
        if self.updates:
            # Guarded by the version read: two processes evaluating one subject at once (PostgreSQL)
            # never both write version N + 1; the one that finds it moved reads it again.
            done = conn.execute(update(alerts).where(alerts.c.id == bindparam("_id"), alerts.c.version == bindparam("_was"))
                                .values({k: bindparam(f"v_{k}") for k in _MUTABLE}), self.updates).rowcount
            if 0 <= done < len(self.updates):
                raise Raced("an alert changed while it was evaluated")
        if self.feed:
            _record_feed(conn, self.feed)
        by_type: dict[str, list[str]] = defaultdict(list)
        for t, i in self.timers:
            by_type[t].append(i)
        for t, ids in by_type.items():  # by type and id: the primary key serves it
            for chunk in _chunks(ids):
                conn.execute(alert_timers.delete().where(alert_timers.c.subject_type == t,
                                                         alert_timers.c.subject_id.in_(chunk)))
        due = [{"subject_type": t, "subject_id": i, "at": format_time(at)} for (t, i), at in self.timers.items() if at]
        for chunk in _chunks(due):
            conn.execute(insert(alert_timers), chunk)


def _record_feed(conn: Connection, rows: list[tuple]) -> None:
    """server/feed.py's ``record`` for many alerts: each one's live feed row moves to the end.

    An alert keeps its grid nearly always, so its old live row is deleted by id (one indexed
    statement per 500) and the new one inserted; the rare alert whose grid changed (a household
    re-gridded) goes through ``feed.record``, which leaves the tombstone.
    """
    new = [r for r in rows if r[3] == 1]  # raised for the first time: no feed row yet
    changed = {r[1]: r for r in rows if r[3] != 1}
    moved = []
    for chunk in _chunks(list(changed)):
        live = conn.execute(select(feed_table.c.entity_id, feed_table.c.grid_code).where(
            feed_table.c.entity == "alert", feed_table.c.entity_id.in_(chunk), feed_table.c.deleted.is_(False))).all()
        moved += [i for i, g in live if g != changed[i][2]]
    for i in moved:
        e, _, g, v = changed.pop(i)
        feed.record(conn, e, i, g, v)
    for chunk in _chunks(list(changed)):
        conn.execute(feed_table.delete().where(feed_table.c.entity == "alert", feed_table.c.entity_id.in_(chunk),
                                               feed_table.c.deleted.is_(False)))
    fresh = new + list(changed.values())
    for chunk in _chunks(fresh):
        conn.execute(insert(feed_table), [{"entity": e, "entity_id": i, "grid_code": g, "version": v, "deleted": False}
                                          for e, i, g, v in chunk])


def _alert_rows(conn: Connection, subject_type: str, ids: list[str]) -> dict:
    """The alert rows of these subjects by (subject id, kind): one indexed read per 500 subjects."""
    out = {}
    for chunk in _chunks(ids):
        for r in conn.execute(select(alerts).where(alerts.c.subject_type == subject_type, alerts.c.subject_id.in_(chunk))):
            out[(r.subject_id, r.kind)] = r
    return out


# Written as SQL once and run on the driver's own cursor (the same SQL on SQLite ≥ 3.35 and
# PostgreSQL but for the placeholders): these run in every mutation's transaction, where the
# statement layer's own work would cost more than the statement.
_MARK = ("INSERT INTO alert_timers (subject_type, subject_id, at) VALUES ({t}, {i}, {at}) "
         "ON CONFLICT (subject_type, subject_id) DO UPDATE SET at = excluded.at")
_BUMP = ("INSERT INTO alert_counts (subject, week, n) VALUES ({s}, {w}, 1) "
         "ON CONFLICT (subject, week) DO UPDATE SET n = alert_counts.n + 1 RETURNING n")
_PLACEHOLDER = {"sqlite": ":{}", "postgresql": "%({})s"}


def _raw(conn: Connection, template: str, rows: list[dict]):
    """Run ``template`` for each of ``rows`` on the connection's DBAPI cursor, inside its
    transaction; answers the cursor (for RETURNING)."""
    style = _PLACEHOLDER.get(conn.dialect.name, ":{}")
    sql = template.format(**{k: style.format(k) for k in rows[0]})
    cursor = conn.connection.cursor()
    if len(rows) == 1:
        cursor.execute(sql, rows[0])
    else:
        cursor.executemany(sql, rows)
    return cursor


def _mark(conn: Connection, marks: list[tuple[str, str]], now: datetime) -> None:
    """Due now: these subjects changed. Evaluated right after the push (``drain``), or by the
    sweep if the process died first."""
    if marks:
        at = format_time(now)
        _raw(conn, _MARK, [{"t": t, "i": i, "at": at} for t, i in dict.fromkeys(marks)]).close()


def _bump(conn: Connection, subject: str, week: str) -> int:
    """One more case in this (grid:category, week): the running count, as it is now."""
    cursor = _raw(conn, _BUMP, [{"s": subject, "w": week}])
    n = cursor.fetchone()[0]
    cursor.close()
    return n


# --- the conditions, each for many subjects at once -------------------------------------------

def _units(row) -> str | None:
    codes = ([row.unit] if row.unit else []) + [c for c in json.loads(row.co_units or "[]") if c]
    return "," + ",".join(dict.fromkeys(codes)) + "," if codes else None


_CASE_COLUMNS = (cases.c.id, cases.c.serial, cases.c.title, cases.c.status, cases.c.due_at, cases.c.level_entered_at,
                 cases.c.level, cases.c.assignee, cases.c.grid_code, cases.c.scale, cases.c.unit, cases.c.co_units,
                 cases.c.satisfaction, cases.c.closed_at)


def _cases(conn: Connection, b: _Batch, ids: list[str]) -> None:
    """due_soon, overdue, group, unsatisfied and follow_up_due of these cases, and their next timers."""
    have = _alert_rows(conn, "case", ids)
    for chunk in _chunks(ids):
        for row in conn.execute(select(*_CASE_COLUMNS).where(cases.c.id.in_(chunk))):
            _case(b, row, lambda kind: have.get((row.id, kind)))


def _case(b: _Batch, row, have) -> None:
    now = b.now
    running = row.status in UNFINISHED_STATUSES and bool(row.due_at)
    due = parse_time(row.due_at) if row.due_at else None
    overdue = running and now > due
    soon, next_at = False, None
    if running and not overdue:
        window = max((due - parse_time(row.level_entered_at)) * DUE_SOON_SHARE, DUE_SOON_MIN)
        soon = due - now <= window
        next_at = due + timedelta(seconds=1) if soon else due - window
    params = {"serial": row.serial, "title": row.title, "due_at": row.due_at}
    common = dict(grid_code=row.grid_code, params=params, level=row.level, assignee=row.assignee, units=_units(row))
    b.set("due_soon", "case", row.id, soon, have("due_soon"), audience=_case_audience(row.level, "unit"), **common)
    b.set("overdue", "case", row.id, overdue, have("overdue"),
          audience=_case_audience(row.level, "unit", "station", "county", "admin"), **common)
    b.set("group", "case", row.id, row.scale in ("group", "major") and row.status not in ("closed", "rejected"),
          have("group"), **dict(common, params=dict(params, scale=row.scale)))
    # The closed loop (DESIGN 15): a follow-up rated unsatisfied stands until a later follow-up
    # says otherwise. A closed case waits for a follow-up when it has none, or when its last one
    # was unsatisfied: that one reopened it, so it was closed again since (decided by the rating,
    # not by comparing times, which share a second in a fast hand).
    b.set("unsatisfied", "case", row.id, row.satisfaction == "unsatisfied", have("unsatisfied"), **common)
    closed = parse_time(row.closed_at) if row.status == "closed" and row.closed_at else None
    waiting = closed is not None and row.satisfaction in (None, "unsatisfied")
    follow_due = waiting and now - closed >= FOLLOW_UP_AFTER
    if waiting and not follow_due:
        next_at = closed + FOLLOW_UP_AFTER
    b.set("follow_up_due", "case", row.id, follow_due, have("follow_up_due"),
          **dict(common, params=dict(params, closed_at=row.closed_at)))
    b.timers[("case", row.id)] = next_at


def _households(conn: Connection, b: _Batch, ids: list[str]) -> None:
    """repeat at these households: their cases of the last 30 days, one index range each."""
    since = format_time(b.now - timedelta(days=REPEAT_DAYS))
    found: dict[str, list] = defaultdict(list)
    info = {}
    for chunk in _chunks(ids):
        for r in conn.execute(select(cases.c.household_id, cases.c.serial, cases.c.grid_code, cases.c.reported_at)
                              .where(cases.c.household_id.in_(chunk), cases.c.reported_at >= since)
                              .order_by(cases.c.reported_at)):
            found[r.household_id].append(r)
        for r in conn.execute(select(households.c.id, households.c.household_no, households.c.grid_code,
                                     households.c.address).where(households.c.id.in_(chunk))):
            info[r.id] = r
    have = _alert_rows(conn, "household", ids)
    for hid in ids:
        rows, hh = found.get(hid, []), info.get(hid)
        grid = hh.grid_code if hh is not None else (rows[-1].grid_code if rows else None)
        active = len(rows) >= REPEAT_CASES and grid is not None
        b.set("repeat", "household", hid, active, have.get((hid, "repeat")), grid_code=grid,
              params={"count": len(rows), "days": REPEAT_DAYS, "household_no": hh.household_no if hh else None,
                      "address": hh.address if hh else None, "serials": [r.serial for r in rows][-5:]})
        # Standing: look again when its oldest case leaves the 30 days.
        b.timers[("household", hid)] = parse_time(rows[0].reported_at) + timedelta(days=REPEAT_DAYS, seconds=1) \
            if active else None


def _parties(conn: Connection, b: _Batch, digests: list[str]) -> None:
    """repeat naming one party's ID number (kept as a digest) in the last 30 days."""
    since = format_time(b.now - timedelta(days=REPEAT_DAYS))
    found: dict[str, list] = defaultdict(list)
    for chunk in _chunks(digests):
        for r in conn.execute(select(case_parties.c.id_digest, case_parties.c.reported_at, cases.c.serial,
                                     cases.c.grid_code, cases.c.parties)
                              .select_from(case_parties.join(cases, cases.c.id == case_parties.c.case_id))
                              .where(case_parties.c.id_digest.in_(chunk), case_parties.c.reported_at >= since)
                              .order_by(case_parties.c.reported_at)):
            found[r.id_digest].append(r)
    have = _alert_rows(conn, "party", digests)
    for d in digests:
        rows = found.get(d, [])
        active = len(rows) >= REPEAT_CASES
        masked = next((mask_id_number(p["id_number"]) for p in json.loads(rows[-1].parties or "[]")
                       if p.get("id_number") and digest(p["id_number"]) == d), None) if active else None
        b.set("repeat", "party", d, active, have.get((d, "repeat")), grid_code=rows[-1].grid_code if rows else None,
              params={"count": len(rows), "days": REPEAT_DAYS, "id_number": masked,
                      "serials": [r.serial for r in rows][-5:]})
        b.timers[("party", d)] = parse_time(rows[0].reported_at) + timedelta(days=REPEAT_DAYS, seconds=1) \
            if active else None


def week_start(now: datetime) -> datetime:
    local = now.astimezone(CST)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday


def week_key(t: datetime) -> str:
    """The week a moment falls in, as its Monday (China time): the key of the running counts."""
    return week_start(t).date().isoformat()


def _spikes(conn: Connection, b: _Batch, subjects: list[str]) -> None:
    """spike of these grid:category subjects, from the running weekly counts (nine rows each)."""
    start = week_start(b.now)
    weeks = [week_key(start - timedelta(weeks=SPIKE_WEEKS - i)) for i in range(SPIKE_WEEKS + 1)]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for chunk in _chunks(subjects):
        for r in conn.execute(select(alert_counts).where(alert_counts.c.subject.in_(chunk),
                                                         alert_counts.c.week >= weeks[0], alert_counts.c.week <= weeks[-1])):
            counts[r.subject][r.week] = r.n
    have = _alert_rows(conn, "grid", subjects)
    for subject in subjects:
        series = [counts[subject].get(w, 0) for w in weeks]
        base, this = series[:SPIKE_WEEKS], series[SPIKE_WEEKS]
        mean, sigma = statistics.fmean(base), statistics.pstdev(base)
        grid_code, _, category = subject.partition(":")
        active = this > mean + SPIKE_SIGMAS * sigma and this >= SPIKE_MIN
        b.set("spike", "grid", subject, active, have.get((subject, "spike")), grid_code=grid_code,
              params={"grid_code": grid_code, "category": category, "count": this, "mean": round(mean, 2),
                      "sigma": round(sigma, 2)})
        b.timers[("grid", subject)] = start + timedelta(weeks=1) if active else None  # the week ends


def _people(conn: Connection, b: _Batch, person_ids: list[str], frequency: dict[str, int]) -> None:
    """visit_overdue of these people: a special-population tag, due date (their last visit that
    counted for them + its frequency, or the sooner next visit it planned) 7 days past. A person
    never visited is due one frequency after the day they came to be followed (``followed_since``;
    without one, as on rows no release has stamped, there is no due date to be late for)."""
    now = b.now
    today = now.astimezone(CST).date()
    people, last = [], {}
    for chunk in _chunks(person_ids):
        people += conn.execute(select(persons.c.id, persons.c.name, persons.c.grid_code, persons.c.household_id,
                                      persons.c.tags, persons.c.risk_level, persons.c.followed_since)
                               .where(persons.c.id.in_(chunk))).all()
        last.update(visit_rule.last_visits(conn, chunk))
    have = _alert_rows(conn, "person", person_ids)
    for p in people:
        tags = json.loads(p.tags or "[]")
        followed, every = population.visit_every_days(tags, p.risk_level, frequency)
        seen, planned = last.get(p.id, (None, None))
        late_at = due = None
        if every is not None and seen:
            seen_at = parse_time(seen)
            rule_due = seen_at + timedelta(days=every)
            due = population.due_date(seen_at.astimezone(CST).date(), every,
                                      date.fromisoformat(planned) if planned else None, today)
            # A planned day is due until that day's end; the rule's due date to the minute.
            due_at = rule_due if due >= rule_due.astimezone(CST).date() else \
                datetime.combine(due + timedelta(days=1), datetime.min.time(), CST)
            late_at = due_at + VISIT_GRACE
        elif every is not None and p.followed_since:
            # Never visited: the first visit is due by the end of its due day.
            due = population.due_date(None, every, None, today, date.fromisoformat(p.followed_since))
            late_at = datetime.combine(due + timedelta(days=1), datetime.min.time(), CST) + VISIT_GRACE
        late = late_at is not None and now > late_at
        b.timers[("person", p.id)] = late_at + timedelta(seconds=1) if late_at is not None and not late else None
        b.set("visit_overdue", "person", p.id, late, have.get((p.id, "visit_overdue")), grid_code=p.grid_code,
              severity="critical" if late and "key_person" in tags else None,
              params={"name": p.name, "due": due.isoformat() if late else None, "tags": followed,
                      "days_late": (today - due).days if late else None})


def _expand_reports(conn: Connection, subjects: dict[str, set[str]]) -> None:
    """A "report" mark whose details were not handed over (the sweep, after a crash): the case,
    its household, its parties and its grid:category, read from the case."""
    bare = sorted(subjects.get("report", set()) - subjects.get("case", set()))
    for key in ("case", "household", "party", "grid"):
        subjects.setdefault(key, set())
    for chunk in _chunks(bare):
        for r in conn.execute(select(cases.c.id, cases.c.household_id, cases.c.grid_code, cases.c.category)
                              .where(cases.c.id.in_(chunk))):
            subjects["case"].add(r.id)
            subjects["grid"].add(f"{r.grid_code}:{r.category}")
            if r.household_id:
                subjects["household"].add(r.household_id)
        subjects["party"].update(conn.execute(select(case_parties.c.id_digest)
                                              .where(case_parties.c.case_id.in_(chunk))).scalars())


def evaluate(conn: Connection, subjects: dict[str, Iterable[str]], now: datetime, frequency: dict[str, int]) -> None:
    """Bring the alerts of these subjects up to date, by type: case, household, party, grid
    ("grid:category"), person, residents (a household's tagged people) and report (a new case:
    itself, its household, parties and grid:category)."""
    subjects = {t: set(ids) for t, ids in subjects.items()}
    _expand_reports(conn, subjects)
    b = _Batch(now)
    for t, ids in subjects.items():
        for i in ids:
            b.timers[(t, i)] = None  # the mark is done with; an evaluator sets the next timer
    if ids := sorted(subjects.get("case", ())):
        _cases(conn, b, ids)
    if ids := sorted(subjects.get("household", ())):
        _households(conn, b, ids)
    if ids := sorted(subjects.get("party", ())):
        _parties(conn, b, ids)
    if ids := sorted(subjects.get("grid", ())):
        _spikes(conn, b, ids)
    people = set(subjects.get("person", ()))
    for chunk in _chunks(sorted(subjects.get("residents", ()))):
        people.update(conn.execute(select(persons.c.id).where(persons.c.household_id.in_(chunk),
                                                              persons.c.tags != "[]")).scalars())
    if people:
        _people(conn, b, sorted(people), frequency)
    b.write(conn)


# --- triggers ------------------------------------------------------------------------------

def after_mutation(conn: Connection, mutation_type: str, payload, result: dict, frequency: dict[str, int] | None = None,
                   now: datetime | None = None, *, created_at: datetime | None = None,
                   started: datetime | None = None) -> list[tuple[str, str]]:
    """In the mutation's transaction: keep the running counts and mark what it touched (one
    statement); answers the marks, for ``drain`` to evaluate once the push is done. ``started``:
    a moment before the mutation was applied."""
    now = now or _now()
    entity_id = result.get("entity_id")
    marks: list[tuple[str, str]] = []
    if mutation_type == "case.report":
        told = payload.reported_at or created_at
        if told is not None and started is not None and told <= started:
            # The case's reported_at is min(this, the report's own now), which came after
            # ``started``: so it is this, and the case need not be read back.
            household_id, grid_code, category = payload.household_id, payload.grid_code, payload.category
            reported_at, numbers = format_time(told), [p.id_number for p in payload.parties]
        else:
            row = conn.execute(select(cases.c.household_id, cases.c.grid_code, cases.c.category, cases.c.reported_at,
                                      cases.c.parties).where(cases.c.id == entity_id)).first()
            if row is None:
                return []
            household_id, grid_code, category, reported_at = row.household_id, row.grid_code, row.category, row.reported_at
            numbers = [p.get("id_number") for p in json.loads(row.parties or "[]")]
        # One durable mark says it all ("report": the sweep reads the case for the rest); the
        # push's own evaluation is handed the details.
        _mark(conn, [("report", entity_id)], now)
        marks += [("report", entity_id), ("case", entity_id)]
        if household_id:
            marks.append(("household", household_id))
        digests = sorted({digest(n) for n in numbers if n})
        if digests:
            conn.execute(insert(case_parties), [{"case_id": entity_id, "id_digest": d, "reported_at": reported_at}
                                                for d in digests])
            marks += [("party", d) for d in digests]
        subject, week = f"{grid_code}:{category}", week_key(parse_time(reported_at))
        n = _bump(conn, subject, week)
        # A report of this week raises a spike only from the fifth case on; one of an earlier
        # week (made offline) moves the baseline, so it is looked at too.
        if n >= SPIKE_MIN or week != week_key(now):
            marks.append(("grid", subject))
        return marks
    elif mutation_type == "case.act":
        marks.append(("case", entity_id))
    elif mutation_type == "visit.log":
        hid = conn.execute(select(visits.c.household_id).where(visits.c.id == entity_id)).scalar()
        if hid:
            marks.append(("residents", hid))
    elif mutation_type == "person.upsert":
        marks.append(("person", entity_id))
    elif mutation_type == "household.upsert":
        marks.append(("residents", entity_id))  # re-gridded: the people's alerts follow them
    _mark(conn, marks, now)
    return marks


def drain(engine: Engine, marks: list[tuple[str, str]], frequency: dict[str, int], now: datetime | None = None) -> None:
    """Evaluate what a push marked, in one transaction after its mutations. Never fails the push:
    the marks stay due in ``alert_timers`` and the sweep evaluates them instead."""
    if not marks:
        return
    subjects: dict[str, set[str]] = defaultdict(set)
    for t, i in marks:
        subjects[t].add(i)
    for attempt in range(3):
        try:
            with engine.connect() as conn:
                with _derived(conn):
                    evaluate(conn, subjects, now or _now(), frequency)
            return
        except (IntegrityError, Raced):  # another process wrote the same alert meanwhile: read it again
            continue
        except Exception:  # noqa: BLE001 — the push itself is done; its alerts follow with the sweep
            log.exception("alerts: evaluating a push failed; the sweep will")
            return


@contextmanager
def _derived(conn: Connection):
    """A transaction of derived data only, committed without waiting for the disk.

    What it writes (alerts, timers) follows from rows the mutations committed durably, marks
    included; if a power cut loses it, it loses it whole — a write-ahead log keeps order, so
    nothing committed after it survives either — and the marks, still due, are evaluated again
    by the sweep. So the push pays no second flush to disk for its alerts.
    """
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # the connection's setting: put back below
        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        conn.commit()
    try:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield conn
    finally:
        if sqlite:
            conn.exec_driver_sql("PRAGMA synchronous=FULL")
            conn.commit()


def maybe_sweep(engine: Engine, frequency: dict[str, int], now: datetime | None = None, *, force: bool = False) -> bool:
    """Run the time-based sweep if a minute has passed since the last one (in any process)."""
    mono = time.monotonic()
    if not force and mono < _next_local_check.get(id(engine), 0):
        return False
    _next_local_check[id(engine)] = mono + SWEEP_EVERY.total_seconds()
    try:
        return _sweep_if_elected(engine, frequency, now or _now(), force)
    except (IntegrityError, Raced):  # a push's evaluation wrote the same alert meanwhile: next time
        _next_local_check[id(engine)] = 0
        return False


def _sweep_if_elected(engine: Engine, frequency: dict[str, int], now: datetime, force: bool) -> bool:
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
    """What the clock changed: only the subjects whose timer is due (and marks a crash left)."""
    subjects: dict[str, set[str]] = defaultdict(set)
    for t, i in conn.execute(select(alert_timers.c.subject_type, alert_timers.c.subject_id)
                             .where(alert_timers.c.at <= format_time(now))):
        subjects[t].add(i)
    if subjects:
        evaluate(conn, subjects, now, frequency)


def rebuild(engine: Engine, frequency: dict[str, int], now: datetime | None = None) -> None:
    """Evaluate every subject once, and count the weeks again: for data that arrived without
    mutations (the demo seed). Set-based: a few reads per 500 subjects."""
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
        for chunk in _chunks(rows):
            conn.execute(insert(case_parties), chunk)
        first = week_start(now) - timedelta(weeks=SPIKE_WEEKS)
        weekly: dict[tuple[str, str], int] = defaultdict(int)
        for grid, category, reported in conn.execute(select(cases.c.grid_code, cases.c.category, cases.c.reported_at)
                                                     .where(cases.c.reported_at >= format_time(first))):
            weekly[(f"{grid}:{category}", week_key(parse_time(reported)))] += 1
        conn.execute(alert_counts.delete())
        for chunk in _chunks([{"subject": s, "week": w, "n": n} for (s, w), n in weekly.items()]):
            conn.execute(insert(alert_counts), chunk)
        since = format_time(now - timedelta(days=REPEAT_DAYS))
        this_week = week_key(now)
        subjects = {
            "case": conn.execute(select(cases.c.id).where(or_(
                cases.c.status.notin_(("closed", "rejected")),
                cases.c.closed_at >= format_time(now - timedelta(days=60))))).scalars().all(),
            "household": conn.execute(select(cases.c.household_id).where(
                cases.c.household_id.is_not(None), cases.c.reported_at >= since).distinct()).scalars().all(),
            "party": conn.execute(select(case_parties.c.id_digest).where(
                case_parties.c.reported_at >= since).distinct()).scalars().all(),
            "grid": sorted({s for (s, w) in weekly if w == this_week}),
            "person": conn.execute(select(persons.c.id).where(persons.c.tags != "[]")).scalars().all(),
        }
        # Standing alerts whose subject is no longer among these are looked at too (they clear).
        for t, i in conn.execute(select(alerts.c.subject_type, alerts.c.subject_id).where(alerts.c.state != "cleared")):
            subjects.setdefault(t, [])
            subjects[t] = list(subjects[t]) + [i]
        evaluate(conn, {t: set(ids) for t, ids in subjects.items()}, now, frequency)
        conn.execute(alert_sweeps.delete().where(alert_sweeps.c.name == "time"))
        conn.execute(insert(alert_sweeps).values(name="time", last_at=format_time(now)))


# --- reading and acknowledging -------------------------------------------------------------

def visible(user: dict):
    """The SQL condition "this user sees this alert": scope by grid, and role per DESIGN 16. A
    `unit` user (DESIGN 15) sees the alerts meant for units about its unit's cases."""
    if user.get("role") == "unit":
        unit = user.get("unit") or ""
        if not unit or not all(ch.isalnum() or ch == "-" for ch in unit):
            return false()
        return and_(alerts.c.audience.contains(",unit,"), alerts.c.units.contains(f",{unit},", autoescape=True))
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
    if not (division.isascii() and division.isdigit()) or len(division) not in (6, 9, 12, 15):
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

