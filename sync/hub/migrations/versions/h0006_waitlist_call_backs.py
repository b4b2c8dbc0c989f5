"""The waitlist's call-backs and closing, as the kiosks report them (issue 13)

Revision ID: h0006
Revises: h0004
Create Date: 2026-12-20

``hub_waitlist``: when an entry closed and why (``handed_out``, or removed by office staff with
a reason and a note), and the call-backs made while the person waited (how many, the last
when). Entries closed before this were all fulfilled by a hand-out: their closing time is not
known and stays empty.

(h0005 is another branch's; whoever merges the two puts this one after it.)
"""
import sqlalchemy as sa
from alembic import op

revision = 'h0006'
down_revision = 'h0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('hub_waitlist', sa.Column('closed_at', sa.DateTime(), nullable=True))
    op.add_column('hub_waitlist', sa.Column('close_reason', sa.String(length=32),
                                            nullable=False, server_default=''))
    op.add_column('hub_waitlist', sa.Column('close_note', sa.Text(), nullable=False,
                                            server_default=''))
    op.add_column('hub_waitlist', sa.Column('contacts', sa.Integer(), nullable=False,
                                            server_default='0'))
    op.add_column('hub_waitlist', sa.Column('contacted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('hub_waitlist', schema=None) as batch_op:
        for column in ('contacted_at', 'contacts', 'close_note', 'close_reason', 'closed_at'):
            batch_op.drop_column(column)
