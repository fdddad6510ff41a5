"""Login attempts in flight (DESIGN 13, 14): ``login_attempts.pending``.

An attempt used to be counted as a failure before its password was checked and given back
after; concurrent right passwords from one address (a township office, a training room, a load
test) then filled the address's room and were answered 429 "too many failed logins". Attempts
in flight are now counted apart from failures, and a new attempt waits for them
(server/services/login_limits.py). Rows written by the previous release have none in flight.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch:
        batch.add_column(sa.Column("pending", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_column("pending")
