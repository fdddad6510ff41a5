"""Security (DESIGN 14): login limits, photo uploaders and references, audit trail.

login_attempts replaces login_failures (kept until a later revision drops it, so a server one
version back still starts on this database). blob_refs is filled from the photos the cases and
visits already name, so a photo stays readable to everyone whose scope holds a record naming it;
who uploaded an older photo is not known, so blob_uploads starts empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import json
import re

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SHA = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1000


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.String(length=32), nullable=True),
        sa.Column("blocked_until", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "blob_uploads",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "username"),
    )
    refs = op.create_table(
        "blob_refs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=12), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "entity", "entity_id"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("record_ids", sa.Text(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_username", "audit_log", ["username"], unique=False)
    _backfill_refs(op.get_bind(), refs)


def _backfill_refs(conn, refs: sa.Table) -> None:
    """One blob_refs row per (photo, record) for the photos of existing cases and visits (persons
    and households hold no photos)."""
    for entity, table in (("case", "cases"), ("visit", "visits")):
        source = sa.table(table, sa.column("id"), sa.column("grid_code"), sa.column("photos"))
        rows = conn.execute(sa.select(source.c.id, source.c.grid_code, source.c.photos)
                            .where(source.c.photos.isnot(None), source.c.photos != "[]")).all()
        batch: list[dict] = []
        for row in rows:
            try:
                photos = json.loads(row.photos)
            except ValueError:
                continue  # not JSON: nothing it names can be trusted as a photo
            if not isinstance(photos, list):
                continue
            for sha in dict.fromkeys(p for p in photos if isinstance(p, str) and _SHA.match(p)):
                batch.append({"sha256": sha, "entity": entity, "entity_id": row.id, "grid_code": row.grid_code})
            if len(batch) >= _CHUNK:
                conn.execute(refs.insert(), batch)
                batch = []
        if batch:
            conn.execute(refs.insert(), batch)


def downgrade() -> None:
    op.drop_index("ix_audit_log_username", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("blob_refs")
    op.drop_table("blob_uploads")
    op.drop_table("login_attempts")
