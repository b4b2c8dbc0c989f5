"""When the reconciliation sweep last ran, for every hub server sharing the database

Revision ID: h0004
Revises: h0003
Create Date: 2026-12-19

``hub_sweep``: one row, the time of the last scheduled sweep and the server that ran it.
Several `kiosk hub serve` processes, on one machine or many, share one database; the one that
wakes first in a period takes an advisory lock, sweeps and writes this row in one transaction,
and the others see it and skip that period.
"""
import sqlalchemy as sa
from alembic import op

revision = 'h0004'
down_revision = 'h0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hub_sweep',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('swept_at', sa.DateTime(), nullable=False),
        sa.Column('swept_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('hub_sweep')
