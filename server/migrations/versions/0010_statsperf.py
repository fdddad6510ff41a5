"""Daily case counts per grid and reporter, kept by triggers on ``cases`` (server/case_counts.py):
the governance index, the dashboard and the report read them instead of every case row. And a
partial covering index of the tagged people for visit coverage, in place of ``persons_tags``.

The table is filled from the cases already there, in the same transaction as the triggers are
made (PostgreSQL's DDL is transactional; SQLite's upgrade runs under one writer).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

from server import case_counts

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TAGGED = "tags != '[]'"  # server.db.TAGGED_PREDICATE


def upgrade() -> None:
    op.create_table(
        case_counts.TABLE,
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("grid_code", sa.String(15), primary_key=True),
        sa.Column("reporter", sa.String(64), primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False, server_default=sa.text("0")) for name in case_counts.COLUMNS),
    )
    dialect = op.get_bind().dialect.name
    for statement in case_counts.trigger_ddl(dialect):
        op.execute(statement)
    for statement in case_counts.rebuild_sql():
        op.execute(statement)
    op.drop_index("persons_tags", table_name="persons")
    op.create_index("persons_tagged", "persons", ["grid_code", "tags", "household_id"], unique=False,
                    sqlite_where=sa.text(TAGGED), postgresql_where=sa.text(TAGGED))


def downgrade() -> None:
    op.drop_index("persons_tagged", table_name="persons")
    op.create_index("persons_tags", "persons", ["grid_code", "tags"], unique=False)
    for statement in case_counts.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table(case_counts.TABLE)
