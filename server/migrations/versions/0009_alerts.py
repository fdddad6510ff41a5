"""Early warning (DESIGN 16): alerts, their timers and sweep clock, case parties' ID digests, the
running weekly counts of the spike check, and the household index of the repeat check.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_sweeps',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('last_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('alert_counts',
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'week')
    )
    op.create_table('alert_timers',
    sa.Column('subject_type', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('subject_type', 'subject_id')
    )
    with op.batch_alter_table('alert_timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_timers_at'), ['at'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('subject_type', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('audience', sa.String(length=80), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('units', sa.String(length=200), nullable=True),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('raised_at', sa.String(length=32), nullable=False),
    sa.Column('cleared_at', sa.String(length=32), nullable=True),
    sa.Column('acked_by', sa.String(length=64), nullable=True),
    sa.Column('acked_at', sa.String(length=32), nullable=True),
    sa.Column('ack_note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subject_type', 'subject_id', 'kind', name='alerts_one_per_kind_and_subject')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('alerts_state_kind', ['state', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_grid_code'), ['grid_code'], unique=False)

    op.create_table('case_parties',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('id_digest', sa.String(length=32), nullable=False),
    sa.Column('reported_at', sa.String(length=32), nullable=False),
    sa.UniqueConstraint('case_id', 'id_digest', name='case_parties_once')
    )
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.create_index('case_parties_digest', ['id_digest', 'reported_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('cases_household_reported', ['household_id', 'reported_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('cases_household_reported')

    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.drop_index('case_parties_digest')

    op.drop_table('case_parties')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_grid_code'))
        batch_op.drop_index('alerts_state_kind')

    op.drop_table('alerts')
    with op.batch_alter_table('alert_timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_timers_at'))

    op.drop_table('alert_timers')
    op.drop_table('alert_counts')
    op.drop_table('alert_sweeps')
