"""Tables of the reference backend (SQLAlchemy Core), portable to SQLite and PostgreSQL.

Times are stored as RFC 3339 text in field time (+08:00, fixed width, see
``schemas.validators.format_time``) so that text order is time order on both databases.
Lists (scope, tags, parties, photos) are JSON text. The change feed keeps one row per record:
a change deletes the record's row and inserts a new one, so ``seq`` is the order of last change.
On PostgreSQL each feed row also carries the id of the transaction that wrote it (``txid``), so
that a pull never passes over a transaction still in flight (server/feed.py says how).

The schema is versioned: change a table here, then add a revision under server/migrations/
(see its README); tests/server/test_migrations.py fails until the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine

from server import case_counts as case_count_rules

metadata = MetaData()

divisions = Table(
    "divisions",
    metadata,
    Column("code", String(15), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("level", String(10), nullable=False),
    Column("parent", String(15), index=True),
    Column("kind", String(12)),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("phone", String(20)),
    Column("role", String(12), nullable=False),
    Column("scope", Text, nullable=False),  # JSON list of division codes
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("unit", String(22)),  # the unit of a `unit` user (DESIGN §15)
)

# Departments and bodies cases are dispatched to (DESIGN §15): code = division code + '-' + letters.
units = Table(
    "units",
    metadata,
    Column("code", String(22), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("division", String(15), nullable=False, index=True),
    Column("kind", String(12), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("device_id", String(128)),
    Column("device_name", String(128)),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("at", String(32), nullable=False),
)

households = Table(
    "households",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("household_no", String(40), nullable=False, unique=True),
    # indexed by households_grid_id (grid_code, id) below: a grid_code index of its own would only
    # slow imports down (migration 0006)
    Column("grid_code", String(15), nullable=False),
    Column("address", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("head_person_id", String(36)),
    Column("version", Integer, nullable=False, default=1),
)

persons = Table(
    "persons",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False, index=True),
    Column("grid_code", String(15), nullable=False),  # indexed by persons_grid_id, as households
    Column("name", String(50), nullable=False),
    Column("id_number", String(18), unique=True),
    Column("sex", String(8)),
    Column("birth_date", String(10)),
    Column("phone", String(20)),
    Column("relation_to_head", String(16)),
    Column("residence", String(12)),
    Column("tags", Text, nullable=False, default="[]"),
    Column("key_person_type", String(24)),
    Column("care_level", String(8)),
    Column("version", Integer, nullable=False, default=1),
    # DESIGN 17: active | moved_out | deceased, where to and since when; the risk level of a
    # severe mental disorder (0-5).
    Column("status", String(12), nullable=False, default="active", server_default="active"),
    Column("moved_to", String(200)),
    Column("status_date", String(10)),
    Column("risk_level", Integer),
    # The day (China time) the person came to be followed as a special population: their first
    # visit is due one frequency after it (schemas.population.followed_since; migration 0014).
    Column("followed_since", String(10)),
)

# A person's history in the register (DESIGN 17): one row per applied change, who and when,
# with each changed field's old and new value (JSON {field: [old, new]}).
person_history = Table(
    "person_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("grid_code", String(15), nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("changes", Text, nullable=False, default="{}"),
)

visits = Table(
    "visits",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False, index=True),
    Column("grid_code", String(15), nullable=False, index=True),
    Column("person_ids", Text, nullable=False, default="[]"),
    Column("worker", String(64), nullable=False, index=True),
    Column("visited_at", String(32), nullable=False, index=True),
    Column("method", String(12), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("met", Boolean, nullable=False, default=True),
    Column("note", Text),
    Column("concern", Text),
    Column("next_visit_due", String(10)),
    Column("lat", Float),
    Column("lon", Float),
    Column("photos", Text, nullable=False, default="[]"),
    Column("version", Integer, nullable=False, default=1),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("serial", String(24), unique=True),
    Column("title", String(100), nullable=False),
    Column("description", Text),
    Column("category", String(20), nullable=False),
    Column("subcategory", String(8)),
    Column("scale", String(12), nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("parties", Text, nullable=False, default="[]"),
    Column("occurred_at", String(32)),
    Column("reported_at", String(32), nullable=False, index=True),
    Column("grid_code", String(15), nullable=False, index=True),
    Column("address", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("source", String(12), nullable=False),
    Column("reporter", String(64), nullable=False),
    Column("household_id", String(36)),
    Column("status", String(12), nullable=False, index=True),
    Column("level", String(8), nullable=False),
    Column("assignee", String(64), index=True),
    Column("due_at", String(32)),
    Column("level_entered_at", String(32), nullable=False),
    Column("resolved_at", String(32)),  # the latest resolve, for on-time statistics
    Column("closed_at", String(32)),
    Column("supervision", String(8), nullable=False, default="none"),
    Column("version", Integer, nullable=False, default=1),
    Column("photos", Text, nullable=False, default="[]"),
    # The closed loop (DESIGN §15).
    Column("unit", String(22), index=True),  # the lead unit it is dispatched to
    Column("co_units", Text, default="[]"),  # JSON list of unit codes (NULL read as none)
    Column("satisfaction", String(12)),
    Column("followed_up_at", String(32)),
    Column("mediations", Text, default="[]"),  # JSON list of mediation records (NULL read as none)
)

# Every (case, unit) ever dispatched: a unit user's feed follows these cases, so that a case
# taken back (refused, reassigned) still reaches the unit's devices as a tombstone.
case_units = Table(
    "case_units",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("unit", String(22), primary_key=True, index=True),
)

case_steps = Table(
    "case_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False, index=True),
    Column("action", String(12), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_status", String(12)),
    Column("to_status", String(12)),
    Column("from_level", String(8)),
    Column("to_level", String(8)),
    Column("note", Text),
    Column("at", String(32), nullable=False, index=True),
    Column("extra", Text),  # JSON: assignee, supervision
)

# Cases counted by the day something happened to them, per grid and reporter (reported, resolved,
# closed, followed up): the figures of the index, the dashboard and the report read these few
# rows instead of every case. Kept by triggers on `cases` (server/case_counts.py says why and how).
case_day_counts = Table(
    case_count_rules.TABLE,
    metadata,
    Column("day", String(10), primary_key=True),  # the field day, YYYY-MM-DD
    Column("grid_code", String(15), primary_key=True),
    Column("reporter", String(64), primary_key=True),
    *(Column(name, Integer, nullable=False, server_default=text("0")) for name in case_count_rules.COLUMNS),
)
for _dialect in ("sqlite", "postgresql"):
    for _statement in case_count_rules.trigger_ddl(_dialect):
        event.listen(metadata, "after_create", DDL(_statement).execute_if(dialect=_dialect))

serial_counters = Table(
    "serial_counters",
    metadata,
    Column("prefix", String(16), primary_key=True),
    Column("last", Integer, nullable=False),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
)

applied_mutations = Table(
    "applied_mutations",
    metadata,
    Column("id", String(36), primary_key=True),  # the idempotency key
    Column("device_id", String(128)),
    Column("username", String(64), nullable=False),
    Column("type", String(20), nullable=False),
    Column("result", Text, nullable=False),  # JSON of the original result
    Column("at", String(32), nullable=False),
)

feed = Table(
    "feed",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(12), nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("grid_code", String(15), nullable=False, index=True),
    Column("version", Integer),
    Column("deleted", Boolean, nullable=False, default=False),
    # PostgreSQL: the writing transaction's id (pg_current_xact_id, set by the column default made
    # below); always 0 on SQLite, whose single writer already commits in seq order.
    Column("txid", BigInteger, nullable=False, server_default=text("0")),
    # One live row per record, plus a tombstone for each grid it moved out of (server/feed.py).
    UniqueConstraint("entity", "entity_id", "grid_code", name="feed_one_row_per_record_and_grid"),
    sqlite_autoincrement=True,
)

# Pull reads the feed in (txid, seq) order from a cursor on PostgreSQL. On SQLite txid is always 0
# and pull reads in seq (rowid) order, so there the index served no query while every feed row
# wrote it: a tenth of an import's feed inserts (migration 0012 drops it on SQLite).
Index("feed_txid_seq", feed.c.txid, feed.c.seq).ddl_if(dialect="postgresql")
# The default that stamps every feed row with its transaction (also set by migration 0002).
FEED_TXID_DEFAULT = "ALTER TABLE feed ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)"
event.listen(feed, "after_create", DDL(FEED_TXID_DEFAULT).execute_if(dialect="postgresql"))

# --- security (DESIGN §14) ---------------------------------------------------------------------

# Login limits: one row per (username, address) and per address; see server/services/login_limits.py.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_at", String(32)),
    Column("blocked_until", String(32)),
    # Attempts admitted whose password is being checked (server/services/login_limits.py).
    Column("pending", Integer, nullable=False, default=0, server_default="0"),
)

# Who uploaded a photo: an uploader may read it back before any record names it.
blob_uploads = Table(
    "blob_uploads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("username", String(64), primary_key=True),
    Column("at", String(32), nullable=False),
)

# Which record names a photo, with that record's grid: the scope check of GET /blobs/{sha}.
blob_refs = Table(
    "blob_refs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("entity", String(12), primary_key=True),
    Column("entity_id", String(36), primary_key=True),
    Column("grid_code", String(15), nullable=False),
)

# Access to sensitive data (full ID numbers, revealed exports, special populations): one row per
# response, naming the records it carried (JSON list). See server/services/audit.py.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False, index=True),
    Column("username", String(64), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("record_ids", Text, nullable=False),
    Column("client", String(64)),
    Column("path", String(200)),
    sqlite_autoincrement=True,
)

# The answer to each import request that carried an Idempotency-Key, written in the request's own
# transaction: a retry after a lost answer gets the first answer again (server/services/receipts.py).
import_receipts = Table(
    "import_receipts",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("created_at", String(32), nullable=False, index=True),
    Column("response", Text),
)

# Early warning (DESIGN 16, server/services/alerts.py): one row per (kind, subject); a condition
# that ends clears its row, one that comes back opens the same row again.
alerts = Table(
    "alerts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("subject_type", String(12), nullable=False),  # case, household, person, party, grid
    Column("subject_id", String(64), nullable=False),
    Column("grid_code", String(15), nullable=False, index=True),  # scope: the subject's grid
    Column("level", String(8)),  # the case's level, for case alerts
    Column("audience", String(80), nullable=False),  # ",role,role,": who sees it (DESIGN 16 "for")
    Column("assignee", String(64)),  # also sees a case alert
    Column("units", String(200)),  # ",unit,co-unit,": the case's units, whose `unit` users see it (DESIGN 15)
    Column("params", Text, nullable=False, default="{}"),  # JSON: what the zh/en text says
    Column("state", String(12), nullable=False),  # open, acknowledged, cleared
    Column("raised_at", String(32), nullable=False),
    Column("cleared_at", String(32)),
    Column("acked_by", String(64)),
    Column("acked_at", String(32)),
    Column("ack_note", Text),
    Column("updated_at", String(32), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    # Subject first: a subject's rows of every kind are one index range.
    UniqueConstraint("subject_type", "subject_id", "kind", name="alerts_one_per_kind_and_subject"),
)

# The ID numbers named by each case's parties, so that "three cases naming one person" is an
# indexed lookup rather than a scan of the parties' JSON. Only a digest of the number is kept.
case_parties = Table(
    "case_parties",
    metadata,
    Column("case_id", String(36), nullable=False),
    Column("id_digest", String(32), nullable=False),
    Column("reported_at", String(32), nullable=False),
    UniqueConstraint("case_id", "id_digest", name="case_parties_once"),
)

# When the time-based alert sweep last ran (one row per sweep name), shared by all processes.
alert_sweeps = Table(
    "alert_sweeps",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("last_at", String(32), nullable=False),
)

# When a subject's alerts must next be evaluated: by the clock (a case's due-soon window opens, it
# falls due, its follow-up falls due; a person's visit becomes 7 days late; a repeat's oldest case
# leaves its 30 days; a spike's week ends), or now, because a mutation changed it (marked in the
# mutation's transaction, evaluated right after the push; the sweep catches any a crash left).
alert_timers = Table(
    "alert_timers",
    metadata,
    Column("subject_type", String(12), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("at", String(32), nullable=False, index=True),
)

# Running counts of cases per (grid:category, week starting Monday, China time), kept by each
# report in its transaction: the spike check reads nine rows instead of counting cases.
alert_counts = Table(
    "alert_counts",
    metadata,
    Column("subject", String(80), primary_key=True),
    Column("week", String(10), primary_key=True),
    Column("n", Integer, nullable=False),
)

Index("alerts_state_kind", alerts.c.state, alerts.c.kind)
Index("case_parties_digest", case_parties.c.id_digest, case_parties.c.reported_at)
# The repeat check: a household's cases of the last 30 days, one index range.
Index("cases_household_reported", cases.c.household_id, cases.c.reported_at)

Index("cases_grid_status", cases.c.grid_code, cases.c.status)
# Covering indexes for the dashboard's aggregates (server/services/stats.py).
Index("cases_status_grid_level_due", cases.c.status, cases.c.grid_code, cases.c.level, cases.c.due_at)
Index("cases_reported_grid", cases.c.reported_at, cases.c.grid_code)
Index("cases_closed_grid", cases.c.status, cases.c.closed_at, cases.c.grid_code, cases.c.resolved_at, cases.c.due_at)
# Covering indexes of the governance index's per-period counts (server/services/index.py): cases
# resolved, field reports (by source and reporter) and closed disputes (by level) in a period.
Index("cases_resolved_grid", cases.c.resolved_at, cases.c.grid_code, cases.c.due_at)
Index("cases_reported_source", cases.c.reported_at, cases.c.grid_code, cases.c.source, cases.c.reporter)
Index("cases_category_closed", cases.c.category, cases.c.status, cases.c.closed_at, cases.c.grid_code, cases.c.level)
Index("case_steps_action_at", case_steps.c.action, case_steps.c.at, case_steps.c.case_id)
# Visit coverage (stats.py, index.py) reads the tagged people of a division, a fifth of everyone:
# a partial covering index of just them. Queries write the predicate as this literal text.
TAGGED_PREDICATE = "tags != '[]'"
Index("persons_tagged", persons.c.grid_code, persons.c.tags, persons.c.household_id, persons.c.status,
      persons.c.risk_level,
      sqlite_where=text(TAGGED_PREDICATE), postgresql_where=text(TAGGED_PREDICATE))
# The dashboard's overdue list: unfinished cases in due order, read from the front until 50 match
# (migration 0003). Queries name the statuses in exactly this text, as SQLite requires of a
# partial index, and PostgreSQL then walks it instead of sorting every unfinished case.
UNFINISHED_PREDICATE = "status IN ('reported', 'accepted', 'in_progress', 'dispatched')"  # schemas.workflow.UNFINISHED_STATUSES
Index("cases_unfinished_due", cases.c.due_at, cases.c.id,
      sqlite_where=text(UNFINISHED_PREDICATE), postgresql_where=text(UNFINISHED_PREDICATE))
# SQLAlchemy's SQLite dialect drops from-hints; this renders them, so that a query can say
# `.with_hint(cases, "INDEXED BY cases_unfinished_due", "sqlite")` where SQLite, which has no
# statistics here, would pick the wrong index (server/services/stats.py, the overdue list).
SQLiteCompiler.get_from_hint_text = lambda self, table, hint: hint
# Keyset paging of the register walks (grid_code, id) in order.
Index("persons_grid_id", persons.c.grid_code, persons.c.id)
Index("households_grid_id", households.c.grid_code, households.c.id)


UNICODE_LOWER = "gridctl_lower"


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def include_object_for(dialect: str):
    """Alembic's ``include_object`` for comparing a database of ``dialect`` with this metadata: an
    index made only on other dialects (``Index.ddl_if``, feed_txid_seq) is not missing here."""

    def include(obj, _name, type_, reflected, _compare_to) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None) if type_ == "index" and not reflected else None
        return ddl_if is None or ddl_if.dialect is None or ddl_if.dialect == dialect

    return include


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean PostgreSQL through psycopg 3 (the ``postgres`` extra)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, full sync, foreign keys and a busy timeout.

    Tables are not made here: ``server.migrate.upgrade`` makes or upgrades them at start.
    """
    url = normalize_url(url)
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        kwargs = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    else:
        # Each server process has its own pool; pre-ping survives a database restart.
        kwargs = {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}
    engine = create_engine(url, future=True, **kwargs)
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            # A checkpoint every 40 MB of WAL instead of every 4 MB (1,000 pages): each one copies
            # the pages of hot indexes into the database file and syncs it, and a bulk import made
            # them a third of its database time on a busy disk. Commits are synced as before.
            cur.execute("PRAGMA wal_autocheckpoint=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # SQLite's lower() folds ASCII only: search (services/records.py ``contains``) needs
            # the Unicode one for text such as full-width Ａ座 or É, as PostgreSQL's lower() does.
            dbapi_conn.create_function(UNICODE_LOWER, 1, _unicode_lower, deterministic=True)

    return engine
