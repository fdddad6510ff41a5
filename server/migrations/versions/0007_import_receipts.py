"""Import receipts: the answer to each import request that carried an Idempotency-Key, so that a
client retrying after a lost answer is told what its first request did (created, not unchanged).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_receipts",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("response", sa.Text()),
    )
    op.create_index("ix_import_receipts_created_at", "import_receipts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_import_receipts_created_at", table_name="import_receipts")
    op.drop_table("import_receipts")
