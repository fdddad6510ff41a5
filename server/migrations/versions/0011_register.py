"""The register over time (DESIGN 17): a person's status (active / moved_out / deceased), where
to and since when, the risk level of a severe mental disorder, and the history of changes.

Every person already registered is active: the column's server default says so for old rows.
The partial index of tagged people (0010) grows status and risk level, which visit coverage now
groups and filters by, so that it stays covering.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

TAGGED = "tags != '[]'"

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("status", sa.String(12), nullable=False, server_default="active"))
        batch.add_column(sa.Column("moved_to", sa.String(200), nullable=True))
        batch.add_column(sa.Column("status_date", sa.String(10), nullable=True))
        batch.add_column(sa.Column("risk_level", sa.Integer(), nullable=True))
    op.create_table(
        "person_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("grid_code", sa.String(15), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
    )
    op.create_index("ix_person_history_person_id", "person_history", ["person_id"], unique=False)
    _tagged_index(["grid_code", "tags", "household_id", "status", "risk_level"])


def _tagged_index(columns: list[str]) -> None:
    op.drop_index("persons_tagged", table_name="persons")
    op.create_index("persons_tagged", "persons", columns, unique=False,
                    sqlite_where=sa.text(TAGGED), postgresql_where=sa.text(TAGGED))


def downgrade() -> None:
    _tagged_index(["grid_code", "tags", "household_id"])
    op.drop_index("ix_person_history_person_id", table_name="person_history")
    op.drop_table("person_history")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("risk_level")
        batch.drop_column("status_date")
        batch.drop_column("moved_to")
        batch.drop_column("status")
