"""Schema versions of the server database (Alembic, server/migrations/).

What ``gridctl serve`` finds at start, and what it does (``upgrade``) or says (``check``, used
with ``--no-migrate`` and by every worker process of ``--workers N``):

- fresh (none of our tables): tables made from server/db.py and stamped at the head
  (tests/server/test_migrations.py proves that the head of the migrations is the same schema);
- legacy (our tables, no ``alembic_version``): made by gridctl 0.1.0, the last release before
  migrations, so stamped with the baseline revision and upgraded from there;
- behind: upgraded to the head; current: nothing to do;
- ahead (a revision this program does not know): a newer gridctl upgraded it; refused.

On PostgreSQL an upgrade holds a transaction-level advisory lock, so servers started together
on one database migrate it once; DDL there is transactional, so a failed upgrade leaves the
database as it was.

``python -m server.migrate upgrade|current|revision`` is the tool for operators and developers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from schemas.messages import CodedError
from server.db import metadata

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
# Tables of the 0.1.0 schema: finding one of them without alembic_version means "legacy".
_LEGACY_MARKERS = ("users", "feed", "cases")
_LOCK_KEY = 7_405_713_210  # pg_advisory_xact_lock key for migrations (arbitrary, fixed)


class SchemaOutdated(CodedError):
    """The database is not at the revision this program needs (``code`` says which way)."""


class DatabaseUnavailable(CodedError):
    """The database cannot be opened (wrong URL, server down, driver missing)."""


def _unavailable(engine: Engine, exc: Exception) -> DatabaseUnavailable:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
    return DatabaseUnavailable("server.db_unreachable", None,
                               url=engine.url.render_as_string(hide_password=True), reason=reason)


@dataclass(frozen=True)
class Status:
    kind: str  # fresh | legacy | behind | current | ahead
    current: str | None
    head: str


def _config(connection: Connection | None = None, url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_config()).get_heads()
    if len(heads) != 1:  # two revisions on one parent: a merge revision is missing
        raise RuntimeError(f"server/migrations has {len(heads)} heads ({', '.join(heads)}); add a merge revision")
    return heads[0]


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def status_of(conn: Connection) -> Status:
    top = head()
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables:
        kind = "legacy" if tables & set(_LEGACY_MARKERS) else "fresh"
        return Status(kind, None, top)
    current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current is None:
        return Status("legacy" if tables & set(_LEGACY_MARKERS) else "fresh", None, top)
    if current == top:
        return Status("current", current, top)
    return Status("behind" if _known(current) else "ahead", current, top)


def open_engine(url: str) -> Engine:
    """``server.db.make_engine``, with a URL it cannot use said as ``DatabaseUnavailable``."""
    import re

    from sqlalchemy.exc import ArgumentError

    from server.db import make_engine

    try:
        return make_engine(url)
    except (ArgumentError, ImportError) as exc:
        shown = re.sub(r"(//[^:/@]*):[^@]*@", r"\1:***@", url)
        reason = str(exc).splitlines()[0][:300]
        if isinstance(exc, ImportError):
            reason = f"no driver for this kind of database ({reason}); PostgreSQL needs pip install 'gridctl[postgres]'"
        raise DatabaseUnavailable("server.db_unreachable", None, url=shown, reason=reason) from None


def _connect(engine: Engine) -> Connection:
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        return engine.connect()
    except (OperationalError, InterfaceError) as exc:
        raise _unavailable(engine, exc) from None


def status(engine: Engine) -> Status:
    with _connect(engine) as conn:
        return status_of(conn)


def check(engine: Engine) -> None:
    """Raise ``SchemaOutdated`` unless the database is at the head (a fresh one is refused too)."""
    st = status(engine)
    if st.kind == "current":
        return
    if st.kind == "ahead":
        raise SchemaOutdated("server.schema_newer", None, current=st.current, head=st.head)
    if st.kind == "fresh":
        raise SchemaOutdated("server.schema_missing", None, head=st.head)
    raise SchemaOutdated("server.schema_outdated", None, current=st.current or "0.1.0", head=st.head)


# The revision that made the alert tables (early warning, DESIGN 16).
ALERTS_REVISION = "0009"


def predates_alerts(found: Status) -> bool:
    """``upgrade`` found a database with data made before the alert tables: its alerts must be
    derived once (server/app.py)."""
    return found.kind == "legacy" or (found.kind == "behind" and (found.current or "") < ALERTS_REVISION)


def upgrade(engine: Engine) -> Status:
    """Bring the database to the head (see the module's docstring). Returns the status found."""
    from alembic import command

    conn = _connect(engine)
    with conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        st = status_of(conn)
        cfg = _config(conn)
        if st.kind == "ahead":
            raise SchemaOutdated("server.schema_newer", None, current=st.current, head=st.head)
        if st.kind == "fresh":
            metadata.create_all(conn)
            command.stamp(cfg, "head")
        elif st.kind == "legacy":
            command.stamp(cfg, BASELINE)
            command.upgrade(cfg, "head")
        elif st.kind == "behind":
            command.upgrade(cfg, "head")
    return st


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m server.migrate", description="server schema versions (Alembic)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name, helptext in (("upgrade", "upgrade the database to the head"),
                           ("current", "show the database's revision and the head")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--db", required=True, help="SQLAlchemy database URL")
    rev = sub.add_parser("revision", help="write a new revision file (developers)")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true",
                     help="compare server/db.py with a scratch database upgraded to the head")
    rev.add_argument("--db", default="sqlite://", help="the scratch database (default: in memory)")
    args = parser.parse_args(argv)

    from server.db import make_engine, normalize_url

    url = normalize_url(args.db)
    engine = make_engine(url)
    try:
        if args.cmd == "upgrade":
            st = upgrade(engine)
            print(f"{st.kind}: now at {head()}")
        elif args.cmd == "current":
            st = status(engine)
            print(f"{st.kind}: database {st.current or '-'}, head {st.head}")
        else:
            from alembic import command

            with engine.begin() as conn:
                cfg = _config(conn)
                command.upgrade(cfg, "head")
                command.revision(cfg, message=args.message, autogenerate=args.autogenerate)
    except (SchemaOutdated, DatabaseUnavailable) as exc:
        print(exc.message("en"))
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
