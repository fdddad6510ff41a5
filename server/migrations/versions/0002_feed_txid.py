"""Feed rows carry the id of the transaction that wrote them (PostgreSQL), read below the snapshot's xmin.

Rows already in the feed were committed long ago: they get 0, so a cursor handed out before the
upgrade ("<seq>.<digest>", read as txid 0) goes on from where it was.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TXID_DEFAULT = "ALTER TABLE feed ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.add_column(sa.Column("txid", sa.BigInteger(), nullable=False, server_default=sa.text("0")))
    op.create_index("feed_txid_seq", "feed", ["txid", "seq"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TXID_DEFAULT)


def downgrade() -> None:
    op.drop_index("feed_txid_seq", table_name="feed")
    with op.batch_alter_table("feed") as batch:
        batch.drop_column("txid")
