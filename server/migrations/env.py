"""Alembic environment of the reference backend.

``server.migrate`` runs migrations on a connection it passes in ``config.attributes["connection"]``
(inside its own transaction, under a lock on PostgreSQL). ``python -m server.migrate revision``
uses the URL given with ``--db`` instead. There is no offline (SQL script) mode.
"""

from alembic import context

from server.db import include_object_for, metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: autogenerate writes batch operations for it.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("gridctl migrations run online only: python -m server.migrate upgrade --db URL")

_connection = config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    from server.db import make_engine

    _engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with _engine.begin() as _conn:
        _run(_conn)
    _engine.dispose()
