"""The closed loop (DESIGN §15): units, unit users, dispatch/follow-up/mediation fields of cases.

- ``units`` (code, name, division, kind) and ``users.unit``;
- ``cases.unit`` (indexed), ``co_units``, ``satisfaction``, ``followed_up_at``, ``mediations``
  (JSON text; NULL on existing cases reads as none);
- ``case_units``: every (case, unit) a case was dispatched to, which a unit user's feed follows;
- the overdue list's partial index counts ``dispatched`` (due for signing) as unfinished.
Existing rows need no rewrite: their due dates and statuses stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_PREDICATE = "status IN ('reported', 'accepted', 'in_progress')"
NEW_PREDICATE = "status IN ('reported', 'accepted', 'in_progress', 'dispatched')"


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(22), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("division", sa.String(15), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
    )
    op.create_index(op.f("ix_units_division"), "units", ["division"], unique=False)
    op.create_table(
        "case_units",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("unit", sa.String(22), primary_key=True),
    )
    op.create_index(op.f("ix_case_units_unit"), "case_units", ["unit"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("unit", sa.String(22), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("unit", sa.String(22), nullable=True))
        batch.add_column(sa.Column("co_units", sa.Text(), nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(12), nullable=True))
        batch.add_column(sa.Column("followed_up_at", sa.String(32), nullable=True))
        batch.add_column(sa.Column("mediations", sa.Text(), nullable=True))
    op.create_index(op.f("ix_cases_unit"), "cases", ["unit"], unique=False)
    op.drop_index("cases_unfinished_due", table_name="cases")
    op.create_index("cases_unfinished_due", "cases", ["due_at", "id"], unique=False,
                    sqlite_where=sa.text(NEW_PREDICATE), postgresql_where=sa.text(NEW_PREDICATE))


def downgrade() -> None:
    op.drop_index("cases_unfinished_due", table_name="cases")
    op.create_index("cases_unfinished_due", "cases", ["due_at", "id"], unique=False,
                    sqlite_where=sa.text(OLD_PREDICATE), postgresql_where=sa.text(OLD_PREDICATE))
    op.drop_index(op.f("ix_cases_unit"), table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for column in ("mediations", "followed_up_at", "satisfaction", "co_units", "unit"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("unit")
    op.drop_index(op.f("ix_case_units_unit"), table_name="case_units")
    op.drop_table("case_units")
    op.drop_index(op.f("ix_units_division"), table_name="units")
    op.drop_table("units")
