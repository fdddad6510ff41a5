"""Baseline: the schema of gridctl 0.1.0, the last release before migrations.

A database made by that release (tables present, no ``alembic_version``) is stamped with this
revision and upgraded from here (server/migrate.py). Written out table by table so that it never
changes when server/db.py does.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applied_mutations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('case_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=True),
    sa.Column('from_level', sa.String(length=8), nullable=True),
    sa.Column('to_level', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_steps_at'), 'case_steps', ['at'], unique=False)
    op.create_index(op.f('ix_case_steps_case_id'), 'case_steps', ['case_id'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('serial', sa.String(length=24), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('subcategory', sa.String(length=8), nullable=True),
    sa.Column('scale', sa.String(length=12), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('parties', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.String(length=32), nullable=True),
    sa.Column('reported_at', sa.String(length=32), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('reporter', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('due_at', sa.String(length=32), nullable=True),
    sa.Column('level_entered_at', sa.String(length=32), nullable=False),
    sa.Column('resolved_at', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.String(length=32), nullable=True),
    sa.Column('supervision', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('photos', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('serial')
    )
    op.create_index('cases_closed_grid', 'cases', ['status', 'closed_at', 'grid_code', 'resolved_at', 'due_at'], unique=False)
    op.create_index('cases_grid_status', 'cases', ['grid_code', 'status'], unique=False)
    op.create_index('cases_reported_grid', 'cases', ['reported_at', 'grid_code'], unique=False)
    op.create_index('cases_status_grid_level_due', 'cases', ['status', 'grid_code', 'level', 'due_at'], unique=False)
    op.create_index(op.f('ix_cases_assignee'), 'cases', ['assignee'], unique=False)
    op.create_index(op.f('ix_cases_grid_code'), 'cases', ['grid_code'], unique=False)
    op.create_index(op.f('ix_cases_reported_at'), 'cases', ['reported_at'], unique=False)
    op.create_index(op.f('ix_cases_status'), 'cases', ['status'], unique=False)
    op.create_table('divisions',
    sa.Column('code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent', sa.String(length=15), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_divisions_parent'), 'divisions', ['parent'], unique=False)
    op.create_table('feed',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=12), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('entity', 'entity_id', 'grid_code', name='feed_one_row_per_record_and_grid'),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_feed_grid_code'), 'feed', ['grid_code'], unique=False)
    op.create_table('households',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('head_person_id', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_no')
    )
    op.create_index('households_grid_id', 'households', ['grid_code', 'id'], unique=False)
    op.create_index(op.f('ix_households_grid_code'), 'households', ['grid_code'], unique=False)
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_login_failures_username'), 'login_failures', ['username'], unique=False)
    op.create_table('persons',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('birth_date', sa.String(length=10), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('relation_to_head', sa.String(length=16), nullable=True),
    sa.Column('residence', sa.String(length=12), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('key_person_type', sa.String(length=24), nullable=True),
    sa.Column('care_level', sa.String(length=8), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_number')
    )
    op.create_index(op.f('ix_persons_grid_code'), 'persons', ['grid_code'], unique=False)
    op.create_index(op.f('ix_persons_household_id'), 'persons', ['household_id'], unique=False)
    op.create_index('persons_grid_id', 'persons', ['grid_code', 'id'], unique=False)
    op.create_index('persons_tags', 'persons', ['grid_code', 'tags'], unique=False)
    op.create_table('serial_counters',
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix')
    )
    op.create_table('tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('device_name', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_tokens_username'), 'tokens', ['username'], unique=False)
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('person_ids', sa.Text(), nullable=False),
    sa.Column('worker', sa.String(length=64), nullable=False),
    sa.Column('visited_at', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('concern', sa.Text(), nullable=True),
    sa.Column('next_visit_due', sa.String(length=10), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('photos', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_visits_grid_code'), 'visits', ['grid_code'], unique=False)
    op.create_index(op.f('ix_visits_household_id'), 'visits', ['household_id'], unique=False)
    op.create_index(op.f('ix_visits_visited_at'), 'visits', ['visited_at'], unique=False)
    op.create_index(op.f('ix_visits_worker'), 'visits', ['worker'], unique=False)


def downgrade() -> None:
    op.drop_table('visits')
    op.drop_table('users')
    op.drop_table('tokens')
    op.drop_table('serial_counters')
    op.drop_table('persons')
    op.drop_table('login_failures')
    op.drop_table('households')
    op.drop_table('feed')
    op.drop_table('divisions')
    op.drop_table('cases')
    op.drop_table('case_steps')
    op.drop_table('blobs')
    op.drop_table('applied_mutations')
