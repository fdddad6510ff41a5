"""A partial index for the dashboard's overdue list: unfinished cases in due order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PREDICATE = "status IN ('reported', 'accepted', 'in_progress')"


def upgrade() -> None:
    op.create_index("cases_unfinished_due", "cases", ["due_at", "id"], unique=False,
                    sqlite_where=sa.text(PREDICATE), postgresql_where=sa.text(PREDICATE))


def downgrade() -> None:
    op.drop_index("cases_unfinished_due", table_name="cases")
