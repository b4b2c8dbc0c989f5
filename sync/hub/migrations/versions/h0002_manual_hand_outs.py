"""Hand-outs found by manual lookup at the desk carry their reason

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-05

A kiosk reports a hand-out made without a scanned proof (the person was found by name and
their ID checked) with ``manual: true`` and why; the district counts them per building.
"""
import sqlalchemy as sa
from alembic import op

revision = 'h0002'
down_revision = 'h0001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('hub_hand_out', sa.Column('manual_reason', sa.Text(), nullable=False,
                                            server_default=''))


def downgrade():
    with op.batch_alter_table('hub_hand_out') as batch:
        batch.drop_column('manual_reason')
