"""Hand-outs found by manual lookup carry their reason; the waitlist's queue is indexed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

A proof with no code that scans: staff find the person by name and check their ID. Such a
hand-out is marked manual, with why no proof was scanned, in the log, on the receipt, in the
CSV and in the event for the district. Earlier hand-outs were all scanned ("").

A verdict says where a person stands on a pin's waitlist ("number 2 of 5"): the queue of a pin
(its waiting entries by time) gets an index of its own.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # distribution is append-only (triggers refuse UPDATE and DELETE); adding a column with a
    # default rewrites no row, so the triggers stay as they are
    op.add_column('distribution', sa.Column('manual_reason', sa.Text(), nullable=False,
                                            server_default=''))
    op.create_index('ix_waitlist_queue', 'waitlist_entry', ['credential_id', 'added_at', 'id'],
                    unique=False, sqlite_where=sa.text("status = 'waiting'"),
                    postgresql_where=sa.text("status = 'waiting'"))


def downgrade():
    op.drop_index('ix_waitlist_queue', table_name='waitlist_entry')
    with op.batch_alter_table('distribution') as batch:
        batch.drop_column('manual_reason')
