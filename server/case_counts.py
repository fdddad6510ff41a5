"""Daily case counts per grid and reporter, kept current by database triggers on ``cases``.

The governance index, the dashboard and the report count cases by the day something happened
to them (reported, resolved, closed, followed up). Counting the case rows for a county month is a
pass over tens of thousands of rows per figure; these counts are one row per (day, grid,
reporter) with every figure of that day, so a county month is a few thousand small rows.

Why triggers and not the service code: cases are written by the workflow, the sync, the demo
seeder, migrations and tests (which set up hand-counted states with plain SQL). A trigger runs in
the same transaction as whatever writes the case, so the counts can never disagree with the
rows, however they were written. Each fact of a case (e.g. "resolved on day D in grid G, on
time") adds its values to its day's row on insert, takes them back on delete, and on update is
moved only when it changed, so a status change touches one counter row, not all of them.

A figure read from here must be defined exactly as the row query it replaces (the tests compare
both): ``day`` is the first ten characters of the stored time, which is the field day because
times are stored in +08:00 (server/db.py), so ``day >= '2026-11-01'`` is the same filter as
``time >= '2026-11-01T00:00:00+08:00'``.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE = "case_day_counts"
KEY = ("day", "grid_code", "reporter")


@dataclass(frozen=True)
class Fact:
    time: str  # the case column whose day the fact is counted on
    when: str  # the condition on the row, with {r} for the row (NEW/OLD/cases)
    values: dict[str, str]  # counter column -> value on the row, 0 or 1


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


FACTS = (
    # /stats/report `reported`, /stats/overview reports per day, the index's discovery (field reports).
    Fact("reported_at", "{r}.reported_at IS NOT NULL",
         {"reported": "1", "field_reported": _flag("{r}.source IN ('field', 'visit')")}),
    # The index's and the report's on_time: resolved in the period, by the due time.
    Fact("resolved_at", "{r}.resolved_at IS NOT NULL",
         {"resolved": "1", "resolved_on_time": _flag("{r}.resolved_at <= {r}.due_at")}),
    # Closed cases: overview's closed in 30 days (on time), base resolution of disputes.
    Fact("closed_at", "{r}.status = 'closed' AND {r}.closed_at IS NOT NULL",
         {"closed": "1", "closed_on_time": _flag("{r}.resolved_at <= {r}.due_at"),
          "closed_disputes": _flag("{r}.category = 'dispute'"),
          "closed_disputes_base": _flag("{r}.category = 'dispute' AND {r}.level IN ('grid', 'village')")}),
    # Follow-up visits with a rating (DESIGN 15): satisfaction.
    Fact("followed_up_at", "{r}.followed_up_at IS NOT NULL AND {r}.satisfaction IS NOT NULL",
         {"followed_up": "1", "satisfied": _flag("{r}.satisfaction = 'satisfied'"),
          "basic": _flag("{r}.satisfaction = 'basic'")}),
)
COLUMNS = tuple(c for f in FACTS for c in f.values)
# The case columns a fact reads: an update touching none of them leaves the counts alone.
WATCHED = ("grid_code", "reporter", "reported_at", "source", "resolved_at", "due_at", "status", "closed_at",
           "category", "level", "followed_up_at", "satisfaction")


def _day(fact: Fact, r: str) -> str:
    return f"substr({r}.{fact.time}, 1, 10)"


def _add(fact: Fact, r: str, sign: str, extra: str = "") -> str:
    """Add (sign '') or take back (sign '-') the fact of row ``r`` to/from its day's row."""
    cols = ", ".join(fact.values)
    vals = ", ".join(f"{sign}({v.format(r=r)})" for v in fact.values.values())
    update = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in fact.values)
    where = fact.when.format(r=r) + (f" AND NOT ({extra})" if extra else "")
    return (f"INSERT INTO {TABLE} (day, grid_code, reporter, {cols}) "
            f"SELECT {_day(fact, r)}, {r}.grid_code, {r}.reporter, {vals} WHERE {where} "
            f"ON CONFLICT (day, grid_code, reporter) DO UPDATE SET {update}")


def _same(fact: Fact) -> str:
    """SQL true when the fact is present on OLD and NEW with the same day, grid, reporter and values."""
    parts = [f"({fact.when.format(r='OLD')})", f"({fact.when.format(r='NEW')})",
             f"{_day(fact, 'OLD')} = {_day(fact, 'NEW')}", "OLD.grid_code = NEW.grid_code",
             "OLD.reporter = NEW.reporter"]
    parts += [f"({v.format(r='OLD')}) = ({v.format(r='NEW')})" for v in fact.values.values()]
    return " AND ".join(parts)


def _statements(op: str) -> list[str]:
    if op == "INSERT":
        return [_add(f, "NEW", "") for f in FACTS]
    if op == "DELETE":
        return [_add(f, "OLD", "-") for f in FACTS]
    out = []
    for f in FACTS:
        same = _same(f)
        out += [_add(f, "OLD", "-", same), _add(f, "NEW", "", same)]
    return out


def _add_rows(fact: Fact, source: str, sign: str) -> str:
    """Add (or take back) the fact of every row of ``source`` at once, summed per day row and
    applied in key order."""
    cols = ", ".join(fact.values)
    sums = ", ".join(f"{sign}sum({v.format(r='r')})" for v in fact.values.values())
    update = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in fact.values)
    return (f"INSERT INTO {TABLE} (day, grid_code, reporter, {cols}) "
            f"SELECT {_day(fact, 'r')}, r.grid_code, r.reporter, {sums} FROM {source} AS r "
            f"WHERE {fact.when.format(r='r')} GROUP BY {_day(fact, 'r')}, r.grid_code, r.reporter "
            f"ORDER BY 1, 2, 3 ON CONFLICT (day, grid_code, reporter) DO UPDATE SET {update}")


def _update_in_key_order() -> str:
    """PostgreSQL's update trigger as one statement: every fact that moved, taken back from its
    old day row and added to its new one, summed per day row and applied in key order. Two
    transactions changing cases of one grid then lock their counter rows in the same order; one
    upsert per fact (as on SQLite) let them take the same rows in opposite orders and deadlock."""
    branches = []
    for f in FACTS:
        same = _same(f)
        for r, sign in (("OLD", "-"), ("NEW", "")):
            values = ", ".join(f"{sign}({f.values[c].format(r=r)})" if c in f.values else "0" for c in COLUMNS)
            branches.append(f"SELECT {_day(f, r)}, {r}.grid_code, {r}.reporter, {values} "
                            f"WHERE {f.when.format(r=r)} AND NOT ({same})")
    columns = ", ".join(COLUMNS)
    sums = ", ".join(f"sum(d.c{i})" for i in range(len(COLUMNS)))
    named = ", ".join(f"c{i}" for i in range(len(COLUMNS)))
    update = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COLUMNS)
    return (f"INSERT INTO {TABLE} (day, grid_code, reporter, {columns}) "
            f"SELECT d.day, d.grid_code, d.reporter, {sums} FROM ({' UNION ALL '.join(branches)}) "
            f"AS d (day, grid_code, reporter, {named}) GROUP BY d.day, d.grid_code, d.reporter "
            f"ORDER BY d.day, d.grid_code, d.reporter "
            f"ON CONFLICT (day, grid_code, reporter) DO UPDATE SET {update}")


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that make the triggers (and on PostgreSQL their functions).

    SQLite (one writer at a time): row triggers, an upsert per fact. PostgreSQL: inserts and
    deletes are counted once per statement from its transition table (a bulk insert of 97,000
    cases is four grouped upserts, not 400,000), updates per row in one statement in key order
    (a transition table cannot go with the column list that skips updates of uncounted columns)."""
    watched = ", ".join(WATCHED)
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {TABLE}_{op.lower()} AFTER {op}{' OF ' + watched if op == 'UPDATE' else ''} "
                f"ON cases FOR EACH ROW BEGIN {'; '.join(_statements(op))}; END"
                for op in ("INSERT", "UPDATE", "DELETE")]
    rows = "\n".join(f"  IF TG_OP = '{op}' THEN\n    " + ";\n    ".join(_add_rows(f, table, sign) for f in FACTS)
                     + ";\n  END IF;" for op, table, sign in (("INSERT", "new_rows", ""), ("DELETE", "old_rows", "-")))
    return [
        f"CREATE OR REPLACE FUNCTION {TABLE}_keep() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  "
        f"{_update_in_key_order()};\n  RETURN NULL;\nEND\n$$",
        f"CREATE OR REPLACE FUNCTION {TABLE}_rows() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{rows}\n"
        "  RETURN NULL;\nEND\n$$",
        f"CREATE TRIGGER {TABLE}_keep AFTER UPDATE OF {watched} ON cases FOR EACH ROW EXECUTE FUNCTION {TABLE}_keep()",
        f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_rows()",
        f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_rows()",
    ]


def drop_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_{op}" for op in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {TABLE}_{name} ON cases" for name in ("keep", "insert", "delete")] + [
        f"DROP FUNCTION IF EXISTS {TABLE}_{name}()" for name in ("keep", "rows")]


def rebuild_sql() -> list[str]:
    """Statements that recount everything from the case rows (the migration's backfill)."""
    return [f"DELETE FROM {TABLE}"] + [_add_rows(f, "cases", "") for f in FACTS]
