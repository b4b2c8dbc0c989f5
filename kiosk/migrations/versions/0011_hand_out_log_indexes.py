"""The hand-out log pages by keyset: indexes on (when, receipt number)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-15

The Hand-outs page shows the log newest first, 50 at a time, and searches it (issue 13). A page
is the next rows past the (handed_out_at, receipt_no) of the row it starts after, read from an
index on that key: the whole log's, and behind a staff member's id (a designee's own log, the
"handed out by" search), a pin's, and the manual hand-outs' (a partial index). The index on
handed_out_at alone is the first column of the log's, so it goes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

MANUAL = sa.text("manual_reason != ''")


def upgrade():
    # Plain index statements, not a batch: a batch may copy the table, and with it lose the
    # triggers that keep the distribution append-only (0002).
    op.drop_index('ix_distribution_handed_out_at', table_name='distribution')
    op.create_index('ix_distribution_log', 'distribution', ['handed_out_at', 'receipt_no'])
    op.create_index('ix_distribution_log_staff', 'distribution',
                    ['staff_user_id', 'handed_out_at', 'receipt_no'])
    op.create_index('ix_distribution_log_pin', 'distribution',
                    ['credential_id', 'handed_out_at', 'receipt_no'])
    op.create_index('ix_distribution_log_manual', 'distribution', ['handed_out_at', 'receipt_no'],
                    sqlite_where=MANUAL, postgresql_where=MANUAL)


def downgrade():
    for name in ('ix_distribution_log_manual', 'ix_distribution_log_pin',
                 'ix_distribution_log_staff', 'ix_distribution_log'):
        op.drop_index(name, table_name='distribution')
    op.create_index('ix_distribution_handed_out_at', 'distribution', ['handed_out_at'])
