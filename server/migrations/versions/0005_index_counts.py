"""Covering indexes for the governance index's per-period counts (DESIGN 16,
server/services/index.py): cases resolved, field reports and closed disputes in a period, and
accept/supervise steps in a period.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "cases_resolved_grid": ("cases", ["resolved_at", "grid_code", "due_at"]),
    "cases_reported_source": ("cases", ["reported_at", "grid_code", "source", "reporter"]),
    "cases_category_closed": ("cases", ["category", "status", "closed_at", "grid_code", "level"]),
    "case_steps_action_at": ("case_steps", ["action", "at", "case_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
