"""The day a person came to be followed (DESIGN 3, 16, 17): ``persons.followed_since``.

A special-population person never visited had no due date the server could read, so they never
raised ``visit_overdue``: a person with a severe mental disorder registered and never seen stayed
out of every warning. Their first visit is now due one frequency after the day they came to be
followed (schemas.population.followed_since). For the people followed before this release that
day is not known (an import leaves no history); the upgrade's own day is used, so that their first
visit is due one frequency after the upgrade rather than all of them being overdue at once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The tags with a visit frequency when this revision was written (schemas.population).
FOLLOWED = ("elderly_alone", "key_person", "left_behind_elderly", "left_behind_child", "left_behind_woman",
            "disabled", "low_income", "released_prisoner", "community_correction", "drug_user", "key_youth",
            "key_petitioner", "veteran", "extreme_poverty", "severe_mental")


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("followed_since", sa.String(10), nullable=True))
    today = (datetime.now(timezone.utc) + timedelta(hours=8)).date().isoformat()  # China time
    # Tags are stored as a JSON list of codes: '"code"' inside the text is the tag itself.
    any_followed = " OR ".join(f"tags LIKE '%\"{tag}\"%'" for tag in FOLLOWED)
    op.execute(sa.text(f"UPDATE persons SET followed_since = :today WHERE tags != '[]' AND ({any_followed})")
               .bindparams(today=today))


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("followed_since")
